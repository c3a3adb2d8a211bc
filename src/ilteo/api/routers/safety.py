"""The safety room over HTTP: accident risk, inspection targeting and the monitoring room.

Public (open data, no workplace ever): ``GET /v1/safety/summary`` (by region, counts under five
suppressed: :func:`ilteo.safety.room.public_summary`) and ``GET /v1/safety/model`` (the model
card: version, training years, calibration with its reliability bins, the inspection effect with
its source, and whether the figures are synthetic; a 503 problem before a model is trained).

Staff of the room (:data:`ilteo.safety.room.STAFF_ROLES`: inspectors, administrators, analysts,
desk officers): today's high-risk workplaces by region, one workplace's score, reasons, history
and inspections, the live feed of safety requests, open incidents and their follow-up, a preview
of the inspection targets (nothing queued) and the inspection queue (a cursor page).

Inspectors and administrators (:data:`ilteo.safety.service.INSPECTOR_ROLES`): queue K
inspections (``POST /v1/safety/inspections``: chosen by injuries averted, a share at random; the
draw's seed is returned) and record an inspection's outcome (it feeds the next training).

Bad input is a 422 problem naming the fields; nothing scored yet is a 503 problem saying which
command to run. The room reads files and the store synchronously, so the endpoints are ``def``.
"""

from __future__ import annotations

import math
from datetime import date
from math import gcd
from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, encode_cursor, page_params
from ilteo.api.routers.identity import require_staff
from ilteo.identity.accounts import AccountPublic
from ilteo.safety.room import STAFF_ROLES
from ilteo.safety.service import INSPECTOR_ROLES
from ilteo.safety.targeting import RANDOM_SHARE

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl

    from ilteo.core.settings import Settings

router = APIRouter(prefix="/safety", tags=["safety"])

Staff = Annotated[AccountPublic, Depends(require_staff(*sorted(STAFF_ROLES)))]
Inspector = Annotated[AccountPublic, Depends(require_staff(*sorted(INSPECTOR_ROLES)))]

#: Largest page of the inspection queue.
MAX_PAGE: Final = 200
#: Most workplaces a high-risk list or a target preview answers.
MAX_TOP: Final = 500
MAX_K: Final = 10_000

_PUBLIC: dict[int | str, dict[str, object]] = {
    503: {
        "description": "아직 점수·모델이 없습니다 / Nothing scored or trained yet "
        "(application/problem+json)"
    },
}
_STAFF: dict[int | str, dict[str, object]] = {
    **_PUBLIC,
    401: {"description": "로그인이 필요합니다 / Sign-in required (application/problem+json)"},
    403: {"description": "권한이 없습니다 / Role not allowed (application/problem+json)"},
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
}

Sido = Annotated[
    str | None,
    Query(
        pattern=r"^\d{2}$",
        description="시도 코드(2자리) / A province code (2 digits), e.g. `11` for Seoul.",
        examples=["11"],
    ),
]
MasterId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="사업장 마스터 ID / The master workplace id, e.g. `W000000004`.",
        examples=["W000000004"],
    ),
]
InspectionId = Annotated[
    str,
    Path(
        pattern=r"^I-\d{8}-[0-9A-F]{6}$",
        description="점검 ID / The inspection id, e.g. `I-20261122-3FA9C1`.",
        examples=["I-20261122-3FA9C1"],
    ),
]


def _clean(value: Any) -> Any:
    """``value`` ready for JSON: NaN and infinities become ``null``, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


# --- public ------------------------------------------------------------------------------------


class RegionSummary(BaseModel):
    """One province's aggregates (counts under five are null)."""

    model_config = ConfigDict(extra="allow")

    sido_code: str | None
    sido_name: str | None
    workplaces: int | None
    high_risk: int | None
    expected_cases: float | None
    inspections_done: int | None
    inspections_queued: int | None


class SummaryOut(BaseModel):
    """The public aggregates of the safety room: no workplace, counts under five suppressed."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "generated_at": "2026-11-22T01:00:00+00:00",
                    "synthetic": True,
                    "synthetic_label": "합성 자료 (실제 사업장 아님) / synthetic data, not real "
                    "workplaces",
                    "scored_at": "2026-11-22T00:33:40+00:00",
                    "feature_year": 2025,
                    "high_risk_threshold": 0.1,
                    "suppressed_below": 5,
                    "workplaces_scored": 5549,
                    "high_risk_workplaces": 212,
                    "imminent_danger_reports_30d": None,
                    "regions": [
                        {
                            "sido_code": "11",
                            "sido_name": "서울특별시",
                            "workplaces": 1203,
                            "high_risk": 41,
                            "expected_cases": 96.3,
                            "inspections_done": None,
                            "inspections_queued": 6,
                        }
                    ],
                }
            ]
        },
    )

    generated_at: str
    synthetic: bool = Field(description="합성 자료 여부 / Whether the figures are synthetic.")
    synthetic_label: str | None = Field(
        description="합성 자료 표시(합성일 때) / The label to show with synthetic figures."
    )
    scored_at: str | None
    feature_year: int | None
    high_risk_threshold: float = Field(
        description="고위험 기준(내년 중대재해 확률) / The probability of a serious case next "
        "year from which a workplace counts as high-risk."
    )
    suppressed_below: int = Field(description="이보다 적은 수는 null / Counts hidden below.")
    workplaces_scored: int
    high_risk_workplaces: int
    imminent_danger_reports_30d: int | None
    effect: dict[str, Any] | None
    model: dict[str, Any]
    regions: list[RegionSummary]


def _synthetic_label(synthetic: bool) -> str | None:
    from ilteo.safety.panel import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL if synthetic else None


def summary_json(settings: Settings) -> dict[str, Any]:
    """The public summary with the synthetic label (shared with the MCP tool)."""
    from ilteo.core.db import session_scope
    from ilteo.safety.room import public_summary

    with session_scope(settings) as session:
        body = public_summary(settings, session)
    body["synthetic_label"] = _synthetic_label(bool(body.get("synthetic")))
    return dict(_clean(body))


@router.get(
    "/summary",
    operation_id="get_safety_summary",
    summary="산업재해 위험 공개 요약 / Industrial-accident risk: public summary",
    response_model=SummaryOut,
)
def get_summary(settings: SettingsDep) -> SummaryOut:
    """Workplaces scored and high-risk, expected serious cases and inspections, by province.

    Open data: never a workplace; counts under five are `null` (shown as <5). Before the first
    scoring the lists are empty. `synthetic` is true (with `synthetic_label`) while the
    figures come from the synthetic country.
    """
    return SummaryOut.model_validate(summary_json(settings))


class CalibrationBin(BaseModel):
    """One bin of the reliability diagram: mean predicted against observed, and its size."""

    predicted: float | None
    observed: float | None
    n: int


class Calibration(BaseModel):
    """How well the probabilities match what happened (the held-out calibration year)."""

    model_config = ConfigDict(extra="allow")

    n: int | None = None
    positives: int | None = None
    base_rate: float | None = None
    auc: float | None = None
    brier: float | None = None
    brier_skill: float | None = None
    log_loss: float | None = None
    ece: float | None = None
    mean_predicted: float | None = None
    bins: list[CalibrationBin] = Field(default_factory=list)


class ModelCardOut(BaseModel):
    """The risk model's card."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "version": "20261122T003049",
                    "trained_at": "2026-11-22T00:30:49+00:00",
                    "train_years": [2023, 2024],
                    "calibration_year": 2024,
                    "source": "lake",
                    "synthetic": True,
                    "synthetic_label": "합성 자료 (실제 사업장 아님) / synthetic data, not real "
                    "workplaces",
                    "training": {"rows": 5549, "positives": 212},
                    "calibration": {
                        "n": 2753,
                        "auc": 0.785,
                        "brier": 0.0343,
                        "ece": 0.0143,
                        "bins": [{"predicted": 0.0071, "observed": 0.0181, "n": 276}],
                    },
                    "effect": {"overall": 0.094, "estimated": False, "source": "Levine, ..."},
                    "high_risk_threshold": 0.1,
                    "warnings": [],
                }
            ]
        },
    )

    available: bool = Field(
        default=True,
        description="모델이 있는지 / Whether a model has been trained (false: only `message`).",
    )
    message: str | None = Field(default=None, description="없을 때의 안내 / What to run.")
    version: str | None = None
    trained_at: str | None = None
    train_years: list[int] = Field(
        default_factory=list, description="학습 연도 / Years the model learned from."
    )
    calibration_year: int | None = Field(default=None, description="보정 연도 / Held-out year.")
    source: str | None = Field(
        default=None, description="학습 자료 / What it was trained on (`lake`, a table)."
    )
    synthetic: bool | None = None
    synthetic_label: str | None = None
    training: dict[str, Any] = Field(
        default_factory=dict, description="학습 행·양성 수 / Rows and serious cases."
    )
    calibration: Calibration | None = None
    effect: dict[str, Any] | None = Field(
        default=None,
        description="점검 효과(감소 비율)와 출처 / The share of serious cases an inspection "
        "averts, whether estimated from randomised inspections, and its source.",
    )
    high_risk_threshold: float | None = None
    warnings: list[str] = Field(default_factory=list)


def model_card(settings: Settings) -> dict[str, Any]:
    """The current model's card (shared with the MCP tool).

    Raises:
        DataUnavailableError: No model trained yet.
    """
    from ilteo.safety.model import load
    from ilteo.safety.room import HIGH_RISK_P
    from ilteo.safety.service import model_dir

    model = load(model_dir(settings))
    training = dict(model.metrics.get("training", {}))
    calibration = dict(training.pop("calibration", {}) or {})
    return dict(
        _clean(
            {
                "version": model.version,
                "trained_at": model.trained_at,
                "train_years": list(model.train_years),
                "calibration_year": model.calibration_year,
                "source": model.source,
                "synthetic": model.synthetic,
                "synthetic_label": _synthetic_label(model.synthetic),
                "training": training,
                "calibration": calibration,
                "effect": model.metrics.get("effect"),
                "high_risk_threshold": HIGH_RISK_P,
                "warnings": [str(w) for w in model.metrics.get("warnings", [])],
            }
        )
    )


@router.get(
    "/model",
    operation_id="get_safety_model_card",
    summary="위험 모델 카드 / The risk model's card",
    response_model=ModelCardOut,
)
def get_model_card(settings: SettingsDep) -> ModelCardOut:
    """Version, training years, calibration (AUC, Brier, ECE, reliability bins), the effect.

    The effect of an inspection (share of next year's serious cases averted) comes from
    randomised inspections when there are enough, shrunk towards the published estimate it
    names; otherwise that estimate. Before `ilteo safety train` has run: `available` false and
    a `message` saying so (a public card that is not there yet is not a server error).
    """
    from ilteo.core.errors import DataUnavailableError

    try:
        return ModelCardOut.model_validate(model_card(settings))
    except DataUnavailableError as error:
        return ModelCardOut(available=False, message=error.detail)


# --- staff: the room ---------------------------------------------------------------------------


class HighRiskOut(BaseModel):
    """Today's scores by province and the top workplaces."""

    model_config = ConfigDict(extra="allow")

    meta: dict[str, Any] = Field(description="점수 정보 / The scoring: model, year, time.")
    regions: list[dict[str, Any]]
    workplaces: list[dict[str, Any]] = Field(
        description="순위순 사업장과 사유 / Workplaces by rank with reasons and notes "
        "(`no_history`: scored on industry, size and region only)."
    )
    synthetic_label: str | None


@router.get(
    "/workplaces",
    operation_id="list_safety_workplaces",
    summary="고위험 사업장(직원) / High-risk workplaces (staff)",
    response_model=HighRiskOut,
    responses=_STAFF,
)
def list_workplaces(
    settings: SettingsDep,
    staff: Staff,
    sido: Sido = None,
    top: Annotated[
        int, Query(ge=1, le=MAX_TOP, description=f"사업장 수 / Workplaces (1-{MAX_TOP}).")
    ] = 20,
) -> HighRiskOut:
    """Every province (workplaces, high-risk, expected cases, averted) and the top workplaces.

    Workplaces are ranked by expected serious injuries an inspection would avert; `sido`
    narrows the workplaces (not the provinces). A 503 problem before the first scoring.
    """
    from ilteo.safety.room import high_risk

    body = high_risk(settings, sido_code=sido, top=top)
    body["synthetic_label"] = _synthetic_label(bool(body["meta"].get("synthetic", True)))
    return HighRiskOut.model_validate(_clean(body))


@router.get(
    "/workplaces/{master_id}",
    operation_id="get_safety_workplace",
    summary="사업장 위험 상세(직원) / One workplace's risk (staff)",
    responses=_STAFF,
)
def get_workplace(settings: SettingsDep, staff: Staff, master_id: MasterId) -> dict[str, Any]:
    """Its latest score, the reasons (feature, value, push up or down), yearly history, inspections.

    A 404 problem for a workplace that was not scored (unknown, closed, without employees).
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.service import workplace_detail

    with session_scope(settings) as session:
        body = workplace_detail(settings, session, master_id)
    body["inspections"] = [_clean(i) for i in body.get("inspections", [])]
    body["synthetic_label"] = _synthetic_label(bool(body.get("synthetic")))
    return dict(_clean(body))


class FeedOut(BaseModel):
    """The live feed of safety requests."""

    feed: list[dict[str, Any]] = Field(
        description="안전 민원(미확인 급박한 위험 먼저) / Safety requests and urgent alerts, "
        "unacknowledged imminent-danger reports first, each with any inspection queued."
    )
    days: int


@router.get(
    "/feed",
    operation_id="get_safety_feed",
    summary="안전 민원 실시간 목록(직원) / The live feed of safety requests (staff)",
    response_model=FeedOut,
    responses=_STAFF,
)
def get_feed(
    settings: SettingsDep,
    staff: Staff,
    limit: Annotated[int, Query(ge=1, le=200, description="최대 건수 / At most (1-200).")] = 50,
    days: Annotated[int, Query(ge=1, le=365, description="최근 일수 / Days back (1-365).")] = 30,
) -> FeedOut:
    """Safety hazard and accident-compensation requests of the last `days` days, newest first.

    Imminent-danger reports not yet acknowledged come first. Masked summaries only.
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.room import live_feed

    with session_scope(settings) as session:
        rows = live_feed(session, limit=limit, days=days)
    return FeedOut(feed=[_clean(r) for r in rows], days=days)


class IncidentsOut(BaseModel):
    """Open incidents and their follow-up."""

    incidents: list[dict[str, Any]] = Field(
        description="kind: imminent_danger, work_stopped, death; follow_up: inspection_queued, "
        "inspection_needed, recheck_due, no_inspection_since"
    )
    total: int


@router.get(
    "/incidents",
    operation_id="list_safety_incidents",
    summary="미결 사고·위험과 후속 조치(직원) / Open incidents and follow-up (staff)",
    response_model=IncidentsOut,
    responses=_STAFF,
)
def list_incidents(settings: SettingsDep, staff: Staff) -> IncidentsOut:
    """Open imminent-danger reports, work stopped at an inspection, deaths with no inspection since.

    Most pressing first: each with its follow-up (an inspection queued or needed, a re-check due
    by a date, no inspection since the death).
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.room import incidents

    with session_scope(settings) as session:
        rows = incidents(session, settings)
    return IncidentsOut(incidents=[_clean(r) for r in rows], total=len(rows))


class TargetsOut(BaseModel):
    """The chosen workplaces and how they were drawn."""

    model_config = ConfigDict(extra="allow")

    k: int
    random_share: float
    seed: int = Field(description="무작위 추출 시드(재현용) / The draw's seed (to repeat it).")
    queued: bool = Field(description="점검 대기열에 넣었는지 / Whether they were queued.")
    by_selection: dict[str, int] = Field(description="model(모형) / random(무작위) counts.")
    expected_averted: float = Field(description="예상 예방 재해 합계 / Injuries averted, summed.")
    synthetic_label: str | None
    targets: list[dict[str, Any]]


def scores_synthetic(settings: Settings) -> bool:
    """Whether the latest scores come from synthetic data (true when unknown)."""
    import json

    from ilteo.safety.service import scores_path

    meta = scores_path(settings).with_suffix(".json")
    if not meta.is_file():
        return True
    return bool(json.loads(meta.read_text("utf-8")).get("synthetic", True))


def targets_json(
    frame: pl.DataFrame, *, k: int, random_share: float, queued: bool, synthetic: bool
) -> dict[str, Any]:
    """A frame of :func:`ilteo.safety.service.targets` as JSON (shared with the MCP tool)."""
    import json

    rows = []
    for row in frame.iter_rows(named=True):
        item = {key: value for key, value in row.items() if key != "seed"}
        reasons = item.get("reasons")
        item["reasons"] = json.loads(reasons) if isinstance(reasons, str) and reasons else []
        item["notes"] = list(item.get("notes") or [])
        rows.append(item)
    counts: dict[str, int] = {}
    for item in rows:
        counts[str(item["selection"])] = counts.get(str(item["selection"]), 0) + 1
    return dict(
        _clean(
            {
                "k": k,
                "random_share": random_share,
                "seed": int(frame["seed"][0]) if frame.height else 0,
                "queued": queued,
                "by_selection": counts,
                "expected_averted": float(sum(float(r.get("averted") or 0.0) for r in rows)),
                "synthetic_label": _synthetic_label(synthetic),
                "targets": rows,
            }
        )
    )


K = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_K,
        description=f"점검할 사업장 수 / How many workplaces to inspect (1-{MAX_K:,}; at most "
        "the scored ones not already queued).",
    ),
]
RandomShare = Annotated[
    float,
    Query(
        ge=0,
        lt=1,
        description="무작위 선정 비율 / The share drawn at random (0 to below 1, default "
        f"{RANDOM_SHARE}): keeps the effect measurable and the choice unpredictable.",
    ),
]
Seed = Annotated[
    int | None,
    Query(
        ge=0,
        lt=2**32,
        description="무작위 추출 시드 / The draw's seed, to repeat a preview (random if omitted).",
    ),
]


@router.get(
    "/targets",
    operation_id="preview_safety_targets",
    summary="점검 대상 미리 보기(직원) / Preview inspection targets (staff)",
    response_model=TargetsOut,
    responses=_STAFF,
)
def preview_targets(
    settings: SettingsDep,
    staff: Staff,
    k: K = 20,
    random_share: RandomShare = RANDOM_SHARE,
    seed: Seed = None,
) -> TargetsOut:
    """K workplaces by expected injuries averted, `random_share` of them drawn at random.

    A preview: nothing is queued (inspectors queue with `POST /v1/safety/inspections`).
    Workplaces with an inspection already queued are left out. The answer names the seed.
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.service import targets

    with session_scope(settings) as session:
        frame = targets(settings, k, random_share=random_share, seed=seed, session=session)
    body = targets_json(
        frame, k=k, random_share=random_share, queued=False, synthetic=scores_synthetic(settings)
    )
    return TargetsOut.model_validate(body)


# --- the inspection queue ----------------------------------------------------------------------


class InspectionOut(BaseModel):
    """An inspection, queued or done."""

    model_config = ConfigDict(extra="allow")

    id: str
    master_workplace_id: str
    workplace_name: str | None
    sido_code: str | None
    ksic_code: str | None
    selection: str = Field(description="model, random, complaint, manual")
    status: str = Field(description="queued, done, cancelled")
    p_serious: float | None
    expected_averted: float | None
    model_version: str | None
    request_id: str | None
    queued_at: str | None
    due_on: str | None
    inspector_id: str | None
    inspected_on: str | None
    findings: int | None
    work_stopped: bool | None
    outcome_note: str | None


class InspectionsPage(Page[InspectionOut]):
    """A page of the inspection queue."""

    total: int = Field(description="필터 전체 건수 / Inspections matching the filter.")


def _window(
    fetch: Callable[[int, int], tuple[list[Any], int]], offset: int, limit: int
) -> tuple[list[Any], int]:
    """``limit`` rows from ``offset`` of a page-numbered service, and its total."""
    size = gcd(offset, limit) if offset else limit
    rows: list[Any] = []
    total = 0
    number = offset // size + 1
    while len(rows) < limit:
        found, total = fetch(number, size)
        rows += found
        if len(found) < size:
            break
        number += 1
    return rows[:limit], total


@router.get(
    "/inspections",
    operation_id="list_safety_inspections",
    summary="점검 대기열(직원) / The inspection queue (staff)",
    response_model=InspectionsPage,
    responses=_STAFF,
)
def list_inspections(
    settings: SettingsDep,
    staff: Staff,
    page: Annotated[PageRequest, Depends(page_params(maximum=MAX_PAGE))],
    status: Annotated[
        str,
        Query(
            pattern="^(queued|done|cancelled|all)$",
            description="상태 / queued (default), done, cancelled or all.",
        ),
    ] = "queued",
    sido: Sido = None,
) -> InspectionsPage:
    """Complaints (imminent danger) first, then by due date and expected injuries averted."""
    from ilteo.core.db import session_scope
    from ilteo.safety.service import inspection_json, inspections

    with session_scope(settings) as session:

        def fetch(number: int, per_page: int) -> tuple[list[Any], int]:
            found, total = inspections(
                session, status=None if status == "all" else status, sido_code=sido,
                page=number, per_page=per_page,
            )  # fmt: skip
            return list(found), total

        rows, total = _window(fetch, page.offset, page.limit)
        items = [InspectionOut.model_validate(_clean(inspection_json(r))) for r in rows]
    if page.offset + len(items) >= total or not items:
        return InspectionsPage(items=items, next_cursor=None, next=None, total=total)
    cursor = encode_cursor(page.key, page.offset + len(items), page.scope)
    url = page.request.url.include_query_params(cursor=cursor, limit=page.limit)
    page.response.headers.append("Link", f'<{url}>; rel="next"')
    return InspectionsPage(items=items, next_cursor=cursor, next=str(url), total=total)


class QueueIn(BaseModel):
    """How many inspections to queue, and the share drawn at random."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"k": 20, "random_share": 0.1}]}
    )

    k: int = Field(ge=1, le=MAX_K, description="점검할 사업장 수 / How many to queue.")
    random_share: float = Field(
        RANDOM_SHARE, ge=0, lt=1, description="무작위 선정 비율 / The share drawn at random."
    )
    seed: int | None = Field(
        None, ge=0, lt=2**32, description="무작위 추출 시드(선택) / The draw's seed (optional)."
    )


@router.post(
    "/inspections",
    operation_id="queue_safety_inspections",
    summary="점검 대상 선정·대기열 등록(감독관) / Queue inspections (inspectors)",
    status_code=201,
    response_model=TargetsOut,
    responses=_STAFF,
)
def queue_inspections(settings: SettingsDep, staff: Inspector, body: QueueIn) -> JSONResponse:
    """Choose K workplaces as the preview does and put them in the inspection queue.

    Each gets an inspection id and a due date (60 days; a complaint's is 7). The choice is
    recorded with its seed and who queued it (`account:<id>`). Inspectors and administrators.
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.service import targets

    with session_scope(settings) as session:
        frame = targets(
            settings, body.k, random_share=body.random_share, seed=body.seed, session=session,
            queue=True, actor=f"account:{staff.id}",
        )  # fmt: skip
    result = targets_json(
        frame, k=body.k, random_share=body.random_share, queued=True,
        synthetic=scores_synthetic(settings),
    )  # fmt: skip
    return JSONResponse(result, status_code=201)


class OutcomeIn(BaseModel):
    """An inspector's report on a queued inspection."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "inspected_on": "2026-11-20",
                    "findings": 3,
                    "work_stopped": False,
                    "note": "안전난간 미설치 2건, 보호구 미지급 1건",
                }
            ]
        },
    )

    inspected_on: date = Field(description="점검일 / The day of the inspection (not future).")
    findings: int = Field(ge=0, le=1000, description="위반 사항 수 / Violations found (0-1000).")
    work_stopped: bool = Field(False, description="작업중지 명령 / Whether work was stopped.")
    note: str | None = Field(
        None,
        max_length=2000,
        description="메모(개인정보는 가려짐) / A note (personal data masked).",
    )


@router.post(
    "/inspections/{inspection_id}/outcome",
    operation_id="record_safety_inspection_outcome",
    summary="점검 결과 기록(감독관) / Record an inspection's outcome (inspectors)",
    response_model=InspectionOut,
    responses=_STAFF,
)
def record_outcome(
    settings: SettingsDep, staff: Inspector, inspection_id: InspectionId, body: OutcomeIn
) -> InspectionOut:
    """The inspection becomes `done` with its day, findings, any work stop and a masked note.

    A work stop opens a re-check due in 14 days (see `/v1/safety/incidents`). Recording twice,
    a day in the future or findings out of range are 422 problems naming the fields.
    """
    from ilteo.core.db import session_scope
    from ilteo.safety.service import inspection_json
    from ilteo.safety.service import record_outcome as record

    with session_scope(settings) as session:
        try:
            row = record(
                session, inspection_id, actor=f"account:{staff.id}", roles=set(staff.roles),
                inspected_on=body.inspected_on, findings=body.findings,
                work_stopped=body.work_stopped, note=(body.note or "").strip() or None,
            )  # fmt: skip
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from exc
        return InspectionOut.model_validate(_clean(inspection_json(row)))
