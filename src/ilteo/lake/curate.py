"""Curated tables: per-source tables deduplicated across batches, and the two linkage tables.

Every transformation is one SQL ``SELECT`` built here from the source declarations and run by
DuckDB over the views of :func:`ilteo.lake.engine.connect`. The statements use only standard SQL
(window functions, ``CASE``, ``COALESCE``, ``CONCAT_WS``, joins) and no Python UDFs, so they
transpile to Spark SQL with ``sqlglot`` (``tests/lake`` checks that they do); only the final
``COPY … TO`` that writes Parquet is DuckDB's.

* ``curated/<source>.parquet``: one row per natural key; when batches disagree, the latest
  committed batch wins (then the later row of that batch).
* ``curated/person_records.parquet``: every record that identifies a person, in standard columns
  (``source``, ``record_id``, ``batch_id``, ``rrn_hash``, ``name``, ``birth_date``, ``sex``,
  ``phone``, ``address``, ``sido_code``); null where the source lacks the field. ``sex`` is ``M``
  or ``F`` (the source's own value, else the one the RRN encodes), ``birth_date`` the source's own
  or the RRN's, ``sido_code`` today's two-digit code. Values are otherwise as received:
  normalising names, phones and addresses is the linkage's first step.
* ``curated/workplace_records.parquet``: every record naming a workplace (``brn``,
  ``workplace_no``, ``workplace_name``, ``workplace_address``, ``sido_code``, ``ksic_code``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel

from ilteo.core.settings import Settings, get_settings
from ilteo.lake.layout import LakePaths, replace_atomically
from ilteo.lake.protect import derived_columns
from ilteo.lake.sources import list_sources
from ilteo.lake.spec import SourceSpec

__all__ = [
    "CurateResult",
    "curate",
    "curated_sql",
    "person_records_sql",
    "workplace_records_sql",
]

#: Standard columns of person records and their SQL types.
PERSON_COLUMNS: Final = (
    ("rrn_hash", "VARCHAR"),
    ("name", "VARCHAR"),
    ("birth_date", "DATE"),
    ("sex", "VARCHAR"),
    ("phone", "VARCHAR"),
    ("address", "VARCHAR"),
    ("sido_code", "VARCHAR"),
)
#: Standard columns of workplace records (all text).
WORKPLACE_COLUMNS: Final = (
    "brn",
    "workplace_no",
    "workplace_name",
    "workplace_address",
    "sido_code",
    "ksic_code",
)
_PERSON_STANDARDS: Final = frozenset({"rrn", "name", "birth_date", "sex", "phone", "address"})
_PERSON_STANDARDS_ALL: Final = _PERSON_STANDARDS | {"sido_code"}
_WORKPLACE_STANDARDS: Final = frozenset(
    {"brn", "workplace_no", "workplace_name", "workplace_address", "workplace_sido_code"}
    | {"ksic_code"}
)


class CurateResult(BaseModel):
    """Rows written per curated table, and the time it took."""

    tables: dict[str, int]
    seconds: float


def _q(name: str) -> str:
    """Quote an identifier (double quotes: standard SQL; sqlglot renders Spark's backticks)."""
    return '"' + name.replace('"', '""') + '"'


def _stored_columns(spec: SourceSpec) -> list[str]:
    columns = ["_batch_id", "_row_number"]
    for f in spec.fields:
        columns += list(derived_columns(f.name)) if f.personal == "rrn" else [f.name]
    return columns


def _stored(spec: SourceSpec, name: str) -> str:
    return derived_columns(name)[0] if spec.field(name).personal == "rrn" else name


def curated_sql(spec: SourceSpec, *, deduplicate: bool = True) -> str:
    """The ``SELECT`` of ``curated/<source>``: the latest row per natural key.

    >>> from ilteo.lake.sources import get_source
    >>> 'PARTITION BY "registration_id"' in curated_sql(get_source("job_seekers"))
    True
    """
    columns = ", ".join(_q(c) for c in _stored_columns(spec))
    if not deduplicate:
        return f"SELECT {columns} FROM {_q('staged_' + spec.id)}"  # noqa: S608 - declared names
    keys = ", ".join(_q(_stored(spec, k)) for k in spec.keys)
    inner = ", ".join(f"s.{_q(c)}" for c in _stored_columns(spec))
    return (
        f"SELECT {columns} FROM ("  # noqa: S608 - identifiers from the declarations
        f"SELECT {inner}, ROW_NUMBER() OVER (PARTITION BY {keys} "
        f"ORDER BY b.seq DESC, s._row_number DESC) AS _rank "
        f"FROM {_q('staged_' + spec.id)} AS s JOIN lake_batches AS b ON s._batch_id = b.id"
        f") AS ranked WHERE _rank = 1"
    )


def _record_id(spec: SourceSpec) -> str:
    keys = [f"CAST(s.{_q(_stored(spec, k))} AS VARCHAR)" for k in spec.keys]
    return keys[0] if len(keys) == 1 else f"CONCAT_WS('|', {', '.join(keys)})"


def _standard_fields(spec: SourceSpec, wanted: frozenset[str]) -> dict[str, str]:
    return {f.standard: f.name for f in spec.fields if f.standard in wanted}


def _sex(column: str) -> str:
    return (
        f"CASE WHEN UPPER(s.{_q(column)}) IN ('M', '남', '남자', 'MALE') THEN 'M' "
        f"WHEN UPPER(s.{_q(column)}) IN ('F', '여', '여자', 'FEMALE') THEN 'F' END"
    )


def _person_select(spec: SourceSpec) -> str | None:
    fields = _standard_fields(spec, _PERSON_STANDARDS_ALL)
    if not fields:
        return None
    rrn = fields.get("rrn")
    hashed, birth, sex = derived_columns(rrn) if rrn else (None, None, None)
    values: dict[str, str] = {
        "rrn_hash": f"s.{_q(hashed)}" if hashed else "CAST(NULL AS VARCHAR)",
        "name": f"s.{_q(fields['name'])}" if "name" in fields else "CAST(NULL AS VARCHAR)",
        "phone": f"s.{_q(fields['phone'])}" if "phone" in fields else "CAST(NULL AS VARCHAR)",
        "address": f"s.{_q(fields['address'])}" if "address" in fields else "CAST(NULL AS VARCHAR)",
    }
    births = [f"s.{_q(fields['birth_date'])}"] if "birth_date" in fields else []
    births += [f"s.{_q(birth)}"] if birth else []
    values["birth_date"] = f"COALESCE({', '.join(births)})" if births else "CAST(NULL AS DATE)"
    sexes = [_sex(fields["sex"])] if "sex" in fields else []
    sexes += [f"s.{_q(sex)}"] if sex else []
    values["sex"] = f"COALESCE({', '.join(sexes)})" if sexes else "CAST(NULL AS VARCHAR)"
    join = ""
    if "sido_code" in fields:
        values["sido_code"] = "sido.code"
        join = f" LEFT JOIN sido_codes AS sido ON sido.value = s.{_q(fields['sido_code'])}"
    else:
        values["sido_code"] = "CAST(NULL AS VARCHAR)"
    selected = ", ".join(f"{values[c]} AS {c}" for c, _ in PERSON_COLUMNS)
    return _branch(spec, selected, join)


def _workplace_select(spec: SourceSpec) -> str | None:
    fields = _standard_fields(spec, _WORKPLACE_STANDARDS)
    if not fields:
        return None
    values = {
        c: f"CAST(s.{_q(fields[c])} AS VARCHAR)" if c in fields else "CAST(NULL AS VARCHAR)"
        for c in WORKPLACE_COLUMNS
        if c != "sido_code"
    }
    join = ""
    if "workplace_sido_code" in fields:
        values["sido_code"] = "sido.code"
        join = (
            f" LEFT JOIN sido_codes AS sido ON sido.value = s.{_q(fields['workplace_sido_code'])}"
        )
    else:
        values["sido_code"] = "CAST(NULL AS VARCHAR)"
    selected = ", ".join(f"{values[c]} AS {c}" for c in WORKPLACE_COLUMNS)
    named = " OR ".join(f"s.{_q(name)} IS NOT NULL" for name in fields.values())
    return _branch(spec, selected, f"{join} WHERE {named}")


def _branch(spec: SourceSpec, selected: str, join: str) -> str:
    """One ``UNION ALL`` branch over ``curated_<source>`` (identifiers from the declarations)."""
    head = f"SELECT '{spec.id}' AS source, {_record_id(spec)} AS record_id, "
    return head + f"s._batch_id AS batch_id, {selected} FROM {_q('curated_' + spec.id)} AS s{join}"


def person_records_sql(specs: list[SourceSpec] | None = None) -> str:
    """The ``SELECT`` of ``curated/person_records``: one ``UNION ALL`` branch per person source."""
    parts = [p for s in specs or list_sources() if (p := _person_select(s))]
    return " UNION ALL ".join(parts)


def workplace_records_sql(specs: list[SourceSpec] | None = None) -> str:
    """The ``SELECT`` of ``curated/workplace_records``: one branch per workplace source."""
    parts = [p for s in specs or list_sources() if (p := _workplace_select(s))]
    return " UNION ALL ".join(parts)


def _write(con: Any, sql: str, settings: Settings, table: str) -> int:
    """Run ``sql`` into ``curated/<table>.parquet`` (atomically) and re-point its view."""
    final = LakePaths.of(settings).curated(table)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.curate.tmp")
    literal = "'" + str(tmp).replace("'", "''") + "'"
    con.execute(f"COPY ({sql}) TO {literal} (FORMAT parquet, COMPRESSION zstd)")
    replace_atomically(tmp, final)
    view = "curated_" + table if table not in {"person_records", "workplace_records"} else table
    path = "'" + str(final).replace("'", "''") + "'"
    con.unregister(view)  # the empty stand-in registered before the file existed
    # DuckDB takes no parameters in DDL; the view name is declared, the path quoted above.
    con.execute(f"CREATE OR REPLACE VIEW {_q(view)} AS SELECT * FROM read_parquet({path})")  # noqa: S608
    row = con.execute(f"SELECT count(*) FROM {_q(view)}").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _single_unique_batch(con: Any, spec: SourceSpec, settings: Settings) -> bool:
    """One committed batch whose natural keys were all distinct: nothing to deduplicate."""
    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.lake.models import LakeQualityScore

    ids = [
        r[0]
        for r in con.execute("SELECT id FROM lake_batches WHERE source = ?", [spec.id]).fetchall()
    ]
    if len(ids) != 1:
        return len(ids) == 0
    with session_scope(settings) as session:
        score = session.scalar(
            select(LakeQualityScore.score).where(
                LakeQualityScore.batch_id == ids[0], LakeQualityScore.dimension == "uniqueness"
            )
        )
    return score == 1.0


def curate(
    settings: Settings | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    memory_limit: str | None = "3GB",
) -> CurateResult:
    """Rebuild every curated table from the committed staged batches.

    Args:
        settings: The lake and the ledger.
        progress: ``progress(done, total, table)``.
        memory_limit: DuckDB's memory limit; larger work spills to ``lake/.duckdb_tmp``.

    Returns:
        Rows per table written.
    """
    from ilteo.lake.engine import connect

    settings = settings or get_settings()
    started = time.monotonic()
    specs = list_sources()
    steps = len(specs) + 2
    tables: dict[str, int] = {}
    con = connect(settings, memory_limit=memory_limit)
    try:
        for done, spec in enumerate(specs):
            if progress:
                progress(done, steps, spec.id)
            sql = curated_sql(spec, deduplicate=not _single_unique_batch(con, spec, settings))
            tables[spec.id] = _write(con, sql, settings, spec.id)
        if progress:
            progress(len(specs), steps, "person_records")
        tables["person_records"] = _write(
            con, person_records_sql(specs), settings, "person_records"
        )
        if progress:
            progress(len(specs) + 1, steps, "workplace_records")
        tables["workplace_records"] = _write(
            con, workplace_records_sql(specs), settings, "workplace_records"
        )
        if progress:
            progress(steps, steps, "")
    finally:
        con.close()
    return CurateResult(tables=tables, seconds=round(time.monotonic() - started, 3))
