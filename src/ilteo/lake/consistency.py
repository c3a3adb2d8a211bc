"""Cross-source consistency: do the sources tell the same story about the same person or workplace?

The checks are declared in ``consistency.yaml`` (kinds ``same_person``, ``same_value``,
``reference``; thresholds next to them). :func:`run_consistency` scores each over the curated and
master tables with DuckDB and writes the scores to ``lake_quality`` (dimension ``consistency``,
``source`` the source measured, ``field`` ``"<check>@<other source>"``); a score below its
threshold is an alert like any other quality score. :func:`list_consistency` reads the latest
scores back.

Column names come from the YAML and are checked against the Parquet schema before they are quoted
into SQL; filter values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.lake._catalog_files import parquet_facts
from ilteo.lake.layout import LakePaths
from ilteo.lake.models import LakeQualityScore
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import ConsistencyResult
from ilteo.lake.stewardship import declared_sources, ledger_ready, quality_overview

__all__ = ["DIMENSION", "consistency_config", "list_consistency", "run_consistency"]

CONFIG_FILE: Final = Path(__file__).with_name("consistency.yaml")
DIMENSION: Final = "consistency"


@lru_cache(maxsize=1)
def consistency_config() -> dict[str, Any]:
    """The checks of ``consistency.yaml`` (read once)."""
    with CONFIG_FILE.open(encoding="utf-8") as handle:
        config: dict[str, Any] = yaml.safe_load(handle)
    return config


class _Skip(Exception):
    """A check cannot run; the message says why (Korean / English)."""


def _q(name: str) -> str:
    """Quote an identifier for DuckDB.

    >>> _q('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def _table(path: Path, columns: Sequence[str]) -> str:
    """The path of a Parquet file that has ``columns``, or raise :class:`_Skip`."""
    facts = parquet_facts(path)
    if facts is None or facts.rows == 0:
        raise _Skip(f"데이터 없음 / no data: {path.parent.name}/{path.name}")
    present = {name for name, _ in facts.columns}
    missing = [c for c in columns if c not in present]
    if missing:
        raise _Skip(f"열 없음 / missing columns in {path.name}: {', '.join(missing)}")
    return str(path)


def _where(alias: str, where: dict[str, list[Any]]) -> tuple[str, list[Any]]:
    clauses, params = ["TRUE"], []
    for column, values in where.items():
        marks = ", ".join("?" for _ in values)
        clauses.append(f"{alias}.{_q(column)}::VARCHAR IN ({marks})")
        params += [str(v) for v in values]
    return " AND ".join(clauses), params


def _not_null(alias: str, columns: Sequence[str]) -> str:
    return " AND ".join(f"{alias}.{_q(c)} IS NOT NULL" for c in columns)


def _reference(connection: Any, paths: LakePaths, check: dict[str, Any]) -> list[tuple[int, int]]:
    left, right = check["left"], check["right"]
    lwhere, rwhere = left.get("where", {}), right.get("where", {})
    lpath = _table(paths.curated(left["source"]), [*left["columns"], *lwhere])
    rpath = _table(paths.curated(right["source"]), [*right["columns"], *rwhere])
    lfilter, lparams = _where("l", lwhere)
    rfilter, rparams = _where("r", rwhere)
    join = " AND ".join(
        f"r.{_q(rc)} = l.{_q(lc)}" for lc, rc in zip(left["columns"], right["columns"], strict=True)
    )
    sql = (
        f"SELECT count(*), count(*) FILTER (WHERE EXISTS ("  # noqa: S608 - names checked, quoted
        f"SELECT 1 FROM read_parquet(?) r WHERE {rfilter} AND {join})) "
        f"FROM read_parquet(?) l WHERE {lfilter} AND {_not_null('l', left['columns'])}"
    )
    row = connection.execute(sql, [rpath, *rparams, lpath, *lparams]).fetchone()
    return [(int(row[0]), int(row[1]))]


def _same_value(connection: Any, paths: LakePaths, check: dict[str, Any]) -> list[tuple[int, int]]:
    left, right = check["left"], check["right"]
    lpath = _table(paths.curated(left["source"]), [*left["key"], left["value"]])
    rpath = _table(paths.curated(right["source"]), [*right["key"], right["value"]])
    rkeys = ", ".join(f"{_q(k)} AS k{i}" for i, k in enumerate(right["key"]))
    groups = ", ".join(f"k{i}" for i in range(len(right["key"])))
    join = " AND ".join(f"r.k{i} = l.{_q(k)}" for i, k in enumerate(left["key"]))
    lvalue = f"l.{_q(left['value'])}::VARCHAR"
    sql = (
        f"WITH r AS (SELECT {rkeys}, min({_q(right['value'])}::VARCHAR) AS v "  # noqa: S608
        f"FROM read_parquet(?) WHERE {_q(right['value'])} IS NOT NULL GROUP BY {groups}) "
        f"SELECT count(*), count(*) FILTER (WHERE r.v = {lvalue}) "
        f"FROM read_parquet(?) l JOIN r ON {join} WHERE {lvalue} IS NOT NULL"
    )
    row = connection.execute(sql, [rpath, lpath]).fetchone()
    return [(int(row[0]), int(row[1]))]


def _person_values(paths: LakePaths, check: dict[str, Any], linkage: dict[str, Any]) -> Any:
    """(master, source, value) of every linked person record with a value, deduplicated."""
    import polars as pl

    join: list[str] = linkage["join"]
    attribute, master = check["attribute"], linkage["master"]
    records = _table(paths.root / linkage["records"], [*join, attribute])
    links = _table(paths.root / linkage["links"], [*join, master])
    value = pl.col(attribute)
    if check.get("normalise") == "sex":
        from ilteo.lake.standardise import sex_expr

        value = sex_expr(attribute)
    frame = (
        pl.scan_parquet(records)
        .select(*join, value.cast(pl.Utf8).alias("x"))
        .join(
            pl.scan_parquet(links).select(*join, pl.col(master).cast(pl.Utf8).alias("m")), on=join
        )
        .filter(pl.col("x").is_not_null() & pl.col("m").is_not_null())
        .select("m", pl.col(join[0]).cast(pl.Utf8).alias("s"), "x")
        .unique()
    )
    return frame.collect()


def _same_person(
    connection: Any, paths: LakePaths, check: dict[str, Any], linkage: dict[str, Any]
) -> dict[tuple[str, str], tuple[int, int]]:
    values = _person_values(paths, check, linkage)
    connection.register("person_values", values)
    rows = connection.execute(
        "SELECT a.s, b.s, count(*), count(*) FILTER (WHERE a.x = b.x) "
        "FROM person_values a JOIN person_values b ON a.m = b.m AND a.s < b.s "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    connection.unregister("person_values")
    return {(str(a), str(b)): (int(n), int(agree)) for a, b, n, agree in rows}


def _result(
    check: dict[str, Any], left: str, right: str, counts: tuple[int, int] | None, skip: str | None
) -> ConsistencyResult:
    compared, agreeing = counts or (0, 0)
    score = round(agreeing / compared, 4) if compared else None
    threshold = float(check["threshold"])
    if skip is None and not compared:
        skip = "비교할 기록 없음 / nothing to compare"
    return ConsistencyResult(
        check=check["id"],
        title_ko=check["title_ko"],
        title_en=check["title_en"],
        left=left,
        right=right,
        score=score,
        threshold=threshold,
        below_threshold=score is not None and score < threshold,
        compared=compared,
        skipped=skip,
    )


def _evaluate(
    connection: Any, paths: LakePaths, check: dict[str, Any], declared: set[str]
) -> list[ConsistencyResult]:
    config = consistency_config()
    if check["kind"] == "same_person":
        try:
            pairs = _same_person(connection, paths, check, config["person_linkage"])
        except _Skip as skip:
            return [_result(check, "*", "*", None, str(skip))]
        made = [_result(check, a, b, counts, None) for (a, b), counts in pairs.items()]
        return made or [_result(check, "*", "*", None, None)]
    left, right = check["left"]["source"], check["right"]["source"]
    unknown = [s for s in (left, right) if s not in declared]
    if unknown:
        reason = f"선언되지 않은 원천 / source not declared: {', '.join(unknown)}"
        return [_result(check, left, right, None, reason)]
    function = _reference if check["kind"] == "reference" else _same_value
    try:
        (counts,) = function(connection, paths, check)
    except _Skip as skip:
        return [_result(check, left, right, None, str(skip))]
    return [_result(check, left, right, counts, None)]


def _write(settings: Settings, results: Sequence[ConsistencyResult], now: datetime) -> None:
    with session_scope(settings) as session:
        for result in results:
            if result.score is None:
                continue
            session.add(
                LakeQualityScore(
                    batch_id=None,
                    source=result.left,
                    field=f"{result.check}@{result.right}",
                    dimension=DIMENSION,
                    score=result.score,
                    threshold=result.threshold,
                    below_threshold=result.below_threshold,
                    measured_at=now,
                )
            )


def run_consistency(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
    write: bool = True,
) -> list[ConsistencyResult]:
    """Score every declared consistency check over the curated and master tables.

    Args:
        settings: Whose lake to check and whose ``lake_quality`` to write to.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The measurement time written with the scores.
        write: Write the scores (checks that were skipped write nothing).

    Returns:
        One result per check and source pair; a skipped check says why in ``skipped``.
    """
    import duckdb

    now = now or datetime.now(UTC)
    paths = LakePaths.of(settings)
    declared = {spec.id for spec in declared_sources(sources)}
    results: list[ConsistencyResult] = []
    with duckdb.connect() as connection:
        for check in consistency_config()["checks"]:
            results += _evaluate(connection, paths, check, declared)
    if write and ledger_ready(settings):
        _write(settings, results, now)
    return results


def list_consistency(settings: Settings) -> list[ConsistencyResult]:
    """The latest stored score of every consistency check and source pair."""
    checks = {check["id"]: check for check in consistency_config()["checks"]}
    made = []
    for score in quality_overview(settings, dimension=DIMENSION).latest:
        name, _, other = (score.field or "").partition("@")
        check = checks.get(name, {"title_ko": name, "title_en": name})
        made.append(
            ConsistencyResult(
                check=name,
                title_ko=check["title_ko"],
                title_en=check["title_en"],
                left=score.source,
                right=other,
                score=score.score,
                threshold=score.threshold,
                below_threshold=score.below_threshold,
                compared=None,
            )
        )
    return made
