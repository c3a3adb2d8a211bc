"""The safety room at work: train on the lake, score workplaces, queue inspections, record outcomes.

* :func:`train` learns the risk model from the lake's table (:func:`ilteo.safety.lake.lake_table`)
  and saves it under ``$ILTEO_HOME/cache/safety/models`` (``current.txt`` names the one in use).
* :func:`score` scores every active master workplace on its latest year, with the one window's
  safety requests of the last twelve months (so an imminent-danger report raises a workplace's
  risk at the next scoring), and writes ``<lake>/safety/scores.parquet``: probability, expected
  serious cases, effect, expected injuries averted, rank, the reasons of the top workplaces, and
  notes (``no_history``: scored on industry, size and region only; ``unknown_industry``).
  Beside it, ``history.parquet`` (each workplace's years) and ``features.parquet`` (the scored
  year's features): :func:`workplace_detail` reads one workplace from them, never the lake.
* :func:`targets` chooses K workplaces by injuries averted with a random share, and with
  ``queue=True`` puts them in the inspection queue (:class:`~ilteo.safety.models.Inspection`).
* :func:`record_outcome` is the inspector's report; the next :func:`train` and :func:`score` use
  it (past inspections and findings are features; randomised ones measure the effect).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import as_utc
from ilteo.lake.layout import LakePaths
from ilteo.safety import features as feature_table
from ilteo.safety import model as risk_model
from ilteo.safety.lake import SAFETY_CATEGORIES, lake_table, masters
from ilteo.safety.models import Inspection
from ilteo.safety.targeting import RANDOM_SHARE, estimate_effect, with_value
from ilteo.safety.targeting import select as select_targets

__all__ = [
    "EXPLAINED_TOP",
    "ScoreRun",
    "inspection_json",
    "inspections",
    "model_dir",
    "read_scores",
    "record_outcome",
    "score",
    "scores_path",
    "targets",
    "train",
    "workplace_detail",
]

#: Workplaces (by rank) whose reasons are computed and stored at scoring.
EXPLAINED_TOP: Final = 500
#: Days an inspector has for a queued inspection (model or random); a complaint: 7.
DUE_DAYS: Final = {"model": 60, "random": 60, "complaint": 7, "manual": 30}
INSPECTOR_ROLES: Final = frozenset({"inspector", "administrator"})
ProgressCallback = Callable[[int, int, str], None]


def model_dir(settings: Settings) -> Path:
    """Where trained models are kept."""
    return settings.cache_dir / "safety" / "models"


def scores_path(settings: Settings) -> Path:
    """The latest scores of every workplace."""
    return LakePaths.of(settings).root / "safety" / "scores.parquet"


def train(
    settings: Settings,
    session: Session | None = None,
    *,
    min_positives: int = risk_model.MIN_POSITIVES,
    progress: ProgressCallback | None = None,
) -> risk_model.RiskModel:
    """Train the risk model on every labelled year of the lake and make it the current one.

    Raises:
        InvalidInputError: Fewer than ``min_positives`` serious cases to learn from.
    """
    table = lake_table(settings, session)
    feats = feature_table.build(table)
    model = risk_model.fit(
        feats,
        source="lake",
        synthetic=table.synthetic,
        min_positives=min_positives,
        progress=progress,
    )
    model.metrics["warnings"] = list(table.warnings)
    model.metrics["effect"] = estimate_effect(feats).to_json()
    risk_model.save(model, model_dir(settings))
    return model


@dataclass(frozen=True, slots=True)
class ScoreRun:
    """What :func:`score` did."""

    path: Path
    model_version: str
    year: int
    scored_at: str
    workplaces: int
    no_history: int
    unknown_industry: int
    synthetic: bool
    effect: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "path": str(self.path),
            "model_version": self.model_version,
            "feature_year": self.year,
            "scored_at": self.scored_at,
            "workplaces": self.workplaces,
            "no_history": self.no_history,
            "unknown_industry": self.unknown_industry,
            "synthetic": self.synthetic,
            "effect": self.effect,
        }


def score(
    settings: Settings,
    session: Session | None = None,
    *,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> ScoreRun:
    """Score every active master workplace with the current model (see the module's notes)."""
    now = now or datetime.now(UTC)
    model = risk_model.load(model_dir(settings))
    tick = progress or (lambda done, total, label: None)
    tick(0, 4, "table")
    table = lake_table(settings, session)
    feats = feature_table.build(table)
    year = max(table.years)
    rows = feats.filter(pl.col("year") == year)
    if session is not None:
        rows = _recent_requests(rows, session, now)
    tick(1, 4, "model")
    p, cases = model.predict(rows)
    effect = estimate_effect(feats)
    scored = (
        with_value(rows, p, cases, effect)
        .sort("averted", descending=True)
        .with_row_index("rank", offset=1)
    )
    tick(2, 4, "reasons")
    top = scored.head(EXPLAINED_TOP)
    reasons = [
        json.dumps([r.to_json() for r in rs], ensure_ascii=False)
        for rs in risk_model.explain(model, top)
    ]
    reason_col = reasons + [None] * (scored.height - len(reasons))
    notes = pl.concat_list(
        pl.when(pl.col("history_years") <= 1).then(pl.lit(["no_history"])).otherwise(pl.lit([])),
        pl.when(pl.col("sector") == "unknown")
        .then(pl.lit(["unknown_industry"]))
        .otherwise(pl.lit([])),
    )
    info = masters(settings).select(
        pl.col("master_id").alias("establishment_id"), "name", "address", "sido_code"
    )
    out = (
        scored.with_columns(
            pl.Series("reasons", reason_col, dtype=pl.String),
            notes.alias("notes"),
            pl.lit(model.version).alias("model_version"),
            pl.lit(now.isoformat(timespec="seconds")).alias("scored_at"),
        )
        .join(info, on="establishment_id", how="left")
        .select(
            pl.col("establishment_id").alias("master_id"),
            "rank",
            "name",
            "address",
            "sido_code",
            "industry_code",
            "sector",
            "size_class",
            "employees",
            "p_serious",
            "expected_cases",
            "effect",
            "averted",
            "history_years",
            "serious_3y",
            "hazard_requests",
            "imminent_requests",
            "inspections_3y",
            "notes",
            "reasons",
            "model_version",
            "scored_at",
            pl.lit(year).alias("feature_year"),
        )
        .sort("rank")
    )
    tick(3, 4, "write")
    path = scores_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # What a workplace's page shows beside its score, kept with it so that a page never rebuilds
    # the lake's table: the yearly history, and the scored year's features for its reasons.
    _write(feats.select("establishment_id", *HISTORY), _beside(path, "history"))
    _write(rows.select("establishment_id", *feature_table.FEATURES), _beside(path, "features"))
    _write(out, path)
    meta = {
        "model_version": model.version,
        "feature_year": year,
        "scored_at": now.isoformat(timespec="seconds"),
        "synthetic": table.synthetic,
        "effect": effect.to_json(),
        "warnings": table.warnings,
    }
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    tick(4, 4, "done")
    return ScoreRun(
        path=path,
        model_version=model.version,
        year=year,
        scored_at=now.isoformat(timespec="seconds"),
        workplaces=out.height,
        no_history=int(out["notes"].list.contains("no_history").sum()),
        unknown_industry=int(out["notes"].list.contains("unknown_industry").sum()),
        synthetic=table.synthetic,
        effect=effect.to_json(),
    )


#: Yearly columns kept for each workplace's page (feature names of :mod:`ilteo.safety.features`).
HISTORY: Final = ("year", "employees", "serious_0", "inspected_0", "findings_0", "hazard_requests")


def _beside(path: Path, name: str) -> Path:
    return path.with_name(f"{name}.parquet")


def _write(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)


def _recent_requests(rows: pl.DataFrame, session: Session, now: datetime) -> pl.DataFrame:
    """Replace the request counts by those of the twelve months before ``now``."""
    from ilteo.desk.models import Request

    since = now - timedelta(days=365)
    found = session.execute(
        select(Request.master_workplace_id, Request.urgent).where(
            Request.master_workplace_id.is_not(None),
            Request.category.in_(SAFETY_CATEGORIES),
            Request.received_at >= since,
            Request.received_at <= now,
        )
    ).all()
    counts = (
        pl.DataFrame(
            {
                "establishment_id": [r[0] for r in found],
                "imminent": ["imminent_danger" in (r[1] or []) for r in found],
            },
            schema={"establishment_id": pl.String, "imminent": pl.Boolean},
        )
        .group_by("establishment_id")
        .agg(
            pl.len().cast(pl.Float64).alias("_hazard"),
            pl.col("imminent").sum().cast(pl.Float64).alias("_imminent"),
        )
    )
    return (
        rows.join(counts, on="establishment_id", how="left")
        .with_columns(
            pl.col("_hazard").fill_null(0.0).alias("hazard_requests"),
            pl.col("_imminent").fill_null(0.0).alias("imminent_requests"),
        )
        .drop("_hazard", "_imminent")
    )


def read_scores(settings: Settings) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The latest scores and their metadata.

    Raises:
        DataUnavailableError: Nothing has been scored yet.
    """
    path, meta = _scored(settings)
    return pl.read_parquet(path), meta


def _scored(settings: Settings) -> tuple[Path, dict[str, Any]]:
    """The scores file and its metadata, without reading the scores."""
    path = scores_path(settings)
    if not path.is_file():
        raise DataUnavailableError(
            "아직 위험 점수가 없습니다 / no risk scores yet: run `ilteo safety train` and "
            "`ilteo safety score`"
        )
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
    return path, meta


def targets(
    settings: Settings,
    k: int,
    *,
    random_share: float = RANDOM_SHARE,
    seed: int | None = None,
    session: Session | None = None,
    queue: bool = False,
    actor: str = "system",
    now: datetime | None = None,
) -> pl.DataFrame:
    """Choose ``k`` workplaces by injuries averted, ``random_share`` of them at random.

    Workplaces already queued (not done) are left out. With ``queue``, the chosen ones are added
    to the inspection queue (``session`` required) and the frame gets their inspection ids.

    Raises:
        InvalidInputError: K out of range, or a random share outside [0, 1).
        DataUnavailableError: No scores yet.
    """
    scores, _ = read_scores(settings)
    if not 0 <= random_share < 1:
        raise InvalidInputError(
            "무작위 비율은 0 이상 1 미만 / the random share must be at least 0 and below 1",
            fields={"random_share": "out-of-range"},
        )
    if session is not None:
        pending = set(
            session.scalars(
                select(Inspection.master_workplace_id).where(Inspection.status == "queued")
            )
        )
        scores = scores.filter(~pl.col("master_id").is_in(sorted(pending)))
    if not 1 <= k <= max(scores.height, 1) or scores.is_empty():
        raise InvalidInputError(
            f"K는 1에서 {scores.height:,} 사이 / K must be between 1 and {scores.height:,} (the "
            "scored workplaces not already queued)",
            fields={"k": "out-of-range"},
        )
    now = now or datetime.now(UTC)
    draw_seed = seed if seed is not None else secrets.randbits(32)
    chosen = select_targets(scores, k, "averted", random_share=random_share, seed=draw_seed)
    chosen = chosen.sort("averted", descending=True).with_columns(
        pl.col("reason").replace({"averted": "model"}).alias("selection"),
        pl.lit(draw_seed).alias("seed"),
    )
    if not queue:
        return chosen.drop("reason")
    if session is None:
        raise InvalidInputError("queue=True needs a database session")
    ids = []
    for row in chosen.iter_rows(named=True):
        inspection = Inspection(
            id=_new_id(now),
            master_workplace_id=row["master_id"],
            workplace_name=row.get("name") or "",
            sido_code=row.get("sido_code"),
            ksic_code=row.get("industry_code"),
            selection=row["selection"],
            status="queued",
            p_serious=row["p_serious"],
            expected_averted=row["averted"],
            model_version=row["model_version"],
            queued_at=now,
            queued_by=actor,
            due_on=(now + timedelta(days=DUE_DAYS[row["selection"]])).date(),
        )
        session.add(inspection)
        ids.append(inspection.id)
    session.flush()
    return chosen.drop("reason").with_columns(pl.Series("inspection_id", ids))


def _new_id(now: datetime) -> str:
    return f"I-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"


def queue_complaint(
    session: Session,
    *,
    master_workplace_id: str,
    request_id: str,
    workplace_name: str = "",
    sido_code: str | None = None,
    actor: str = "system",
    now: datetime | None = None,
) -> Inspection:
    """Queue an inspection for an imminent-danger request (due in 7 days); one per workplace."""
    now = now or datetime.now(UTC)
    existing = session.scalars(
        select(Inspection).where(
            Inspection.master_workplace_id == master_workplace_id, Inspection.status == "queued"
        )
    ).first()
    if existing is not None:
        return existing
    inspection = Inspection(
        id=_new_id(now),
        master_workplace_id=master_workplace_id,
        workplace_name=workplace_name,
        sido_code=sido_code,
        selection="complaint",
        status="queued",
        request_id=request_id,
        queued_at=now,
        queued_by=actor,
        due_on=(now + timedelta(days=DUE_DAYS["complaint"])).date(),
    )
    session.add(inspection)
    session.flush()
    return inspection


def inspections(
    session: Session,
    *,
    status: str | None = "queued",
    sido_code: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Inspection], int]:
    """The queue (or done/cancelled ones): complaints first, then by due date and value."""
    query = select(Inspection)
    if status:
        query = query.where(Inspection.status == status)
    if sido_code:
        query = query.where(Inspection.sido_code == sido_code)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(
            (Inspection.selection != "complaint"),
            Inspection.due_on,
            Inspection.expected_averted.desc(),
            Inspection.id,
        )
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), int(total)


def record_outcome(
    session: Session,
    inspection_id: str,
    *,
    actor: str,
    roles: frozenset[str] | set[str],
    inspected_on: date,
    findings: int,
    work_stopped: bool = False,
    note: str | None = None,
    now: datetime | None = None,
) -> Inspection:
    """An inspector's report on a queued inspection (it feeds the next model and effect).

    Raises:
        PermissionError: The actor is not an inspector or administrator.
        NotFoundError: No such inspection.
        InvalidInputError: Already recorded or cancelled, a date in the future, negative findings.
    """
    if not INSPECTOR_ROLES & set(roles):
        raise PermissionError("감독관만 결과를 기록합니다 / only inspectors record outcomes")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"점검을 찾을 수 없습니다 / no inspection {inspection_id}")
    now = now or datetime.now(UTC)
    problems: dict[str, str] = {}
    if inspection.status != "queued":
        problems["status"] = f"already {inspection.status}"
    if inspected_on > now.date():
        problems["inspected_on"] = "in the future"
    if findings < 0 or findings > 1000:
        problems["findings"] = "between 0 and 1000"
    if problems:
        raise InvalidInputError(
            "점검 결과를 기록할 수 없습니다 / cannot record the outcome: "
            + "; ".join(f"{k}: {v}" for k, v in problems.items()),
            fields=problems,
        )
    if note:
        from ilteo.desk.pii import mask

        note = mask(note).text[:2000]
    inspection.status = "done"
    inspection.inspected_on = inspected_on
    inspection.findings = findings
    inspection.work_stopped = work_stopped
    inspection.outcome_note = note
    inspection.recorded_at = now
    inspection.recorded_by = actor
    inspection.inspector_id = inspection.inspector_id or actor
    session.flush()
    return inspection


def inspection_json(inspection: Inspection) -> dict[str, Any]:
    """An inspection as staff see it."""
    return {
        "id": inspection.id,
        "master_workplace_id": inspection.master_workplace_id,
        "workplace_name": inspection.workplace_name,
        "sido_code": inspection.sido_code,
        "ksic_code": inspection.ksic_code,
        "selection": inspection.selection,
        "status": inspection.status,
        "p_serious": inspection.p_serious,
        "expected_averted": inspection.expected_averted,
        "model_version": inspection.model_version,
        "request_id": inspection.request_id,
        "queued_at": as_utc(inspection.queued_at).isoformat() if inspection.queued_at else None,
        "due_on": inspection.due_on.isoformat() if inspection.due_on else None,
        "inspector_id": inspection.inspector_id,
        "inspected_on": inspection.inspected_on.isoformat() if inspection.inspected_on else None,
        "findings": inspection.findings,
        "work_stopped": inspection.work_stopped,
        "outcome_note": inspection.outcome_note,
    }


def workplace_detail(settings: Settings, session: Session | None, master_id: str) -> dict[str, Any]:
    """One workplace's latest score, reasons, yearly history and inspections (staff only).

    The reasons are computed now when the scoring did not store them (below the top 500).

    Raises:
        NotFoundError: The workplace was not scored (unknown, closed or without employees).
        DataUnavailableError: Nothing scored yet.
    """
    path, meta = _scored(settings)
    hit = pl.scan_parquet(path).filter(pl.col("master_id") == master_id).collect()
    if hit.is_empty():
        raise NotFoundError(f"점수가 없는 사업장입니다 / workplace {master_id} has no score")
    row = hit.row(0, named=True)

    def own(name: str) -> pl.DataFrame:
        if not _beside(path, name).is_file():  # scored before the page's files were kept
            raise DataUnavailableError(
                "사업장 이력이 없습니다 / no workplace history with these scores: run "
                "`ilteo safety score` again"
            )
        return (
            pl.scan_parquet(_beside(path, name))
            .filter(pl.col("establishment_id") == master_id)
            .collect()
        )

    if row["reasons"]:
        reasons = json.loads(row["reasons"])
    else:
        model = risk_model.load(model_dir(settings), row["model_version"])
        latest = own("features")
        reasons = (
            [r.to_json() for r in risk_model.explain(model, latest)[0]] if latest.height else []
        )
    history = [
        {
            "year": r["year"],
            "employees": r["employees"],
            "serious": r["serious_0"],
            "inspected": r["inspected_0"],
            "findings": r["findings_0"],
            "hazard_requests": r["hazard_requests"],
        }
        for r in own("history").sort("year").iter_rows(named=True)
    ]
    found: list[dict[str, Any]] = []
    if session is not None:
        found = [
            inspection_json(i)
            for i in session.scalars(
                select(Inspection)
                .where(Inspection.master_workplace_id == master_id)
                .order_by(Inspection.queued_at.desc())
            )
        ]
    score_row = {k: v for k, v in row.items() if k != "reasons"}
    return {
        "score": score_row,
        "reasons": reasons,
        "history": history,
        "inspections": found,
        "synthetic": bool(meta.get("synthetic", True)),
    }
