"""DuckDB over the lake: one in-memory connection with a view per committed table.

Every reader of the lake (curation, linkage, the catalogue, reports, the API) opens its
connection here. Staged and quarantine views list their files from the batch ledger — only
batches that are ``done`` — never by globbing the folders, so a batch that is being written or
was interrupted is invisible. Curated and master tables are whole files replaced atomically.

Views (``<source>`` is a declared source id):

* ``staged_<source>``: accepted rows of every committed batch (lineage ``_batch_id``,
  ``_row_number``, then the typed fields; an RRN column ``rrn`` is ``rrn_hash``,
  ``rrn_birth_date``, ``rrn_sex``);
* ``quarantine_<source>``: quarantined rows (``_failures`` and the fields as text);
* ``curated_<source>``, ``person_records``, ``workplace_records``: the curated tables;
* ``master_<name>``: every ``master/<name>.parquet``;
* tables ``lake_batches`` (committed batches with their order ``seq``) and ``sido_codes``
  (``value`` → today's 시도 ``code``: codes, legacy codes, official and short names).

Tables not written yet are empty views with the right columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings, get_settings
from ilteo.lake.codes import LEGACY_SIDO, SIDO
from ilteo.lake.layout import LakePaths
from ilteo.lake.ledger import BatchPublic, committed_batches
from ilteo.lake.rows import quarantine_schema, staged_schema
from ilteo.lake.sources import list_sources

if TYPE_CHECKING:
    import duckdb
    import pyarrow

__all__ = ["STANDARD_TABLES", "connect", "person_records_schema", "workplace_records_schema"]

#: The standard tables for linkage, with their columns and types.
STANDARD_TABLES = ("person_records", "workplace_records")


def person_records_schema() -> pyarrow.Schema:
    """Columns of ``curated/person_records.parquet``."""
    import pyarrow as pa

    text = ("source", "record_id", "batch_id", "rrn_hash", "name")
    return pa.schema(
        [(name, pa.string()) for name in text]
        + [("birth_date", pa.date32())]
        + [(name, pa.string()) for name in ("sex", "phone", "address", "sido_code")]
    )


def workplace_records_schema() -> pyarrow.Schema:
    """Columns of ``curated/workplace_records.parquet``."""
    import pyarrow as pa

    names = ("source", "record_id", "batch_id", "brn", "workplace_no", "workplace_name",
             "workplace_address", "sido_code", "ksic_code")  # fmt: skip
    return pa.schema([(name, pa.string()) for name in names])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files_view(
    con: duckdb.DuckDBPyConnection, name: str, files: list[str], schema: pyarrow.Schema | None
) -> None:
    if files or schema is None:
        listed = ", ".join(_literal(f) for f in files)
        # DuckDB takes no parameters in CREATE VIEW; names are declared ids, paths are quoted.
        con.execute(
            f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listed}], '  # noqa: S608
            "union_by_name = true)"
        )
    else:
        con.register(name, schema.empty_table())


def _ledger_table(con: duckdb.DuckDBPyConnection, batches: list[BatchPublic]) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "id": [b.id for b in batches],
            "source": [b.source for b in batches],
            "seq": pa.array(range(len(batches)), pa.int64()),
            "finished_at": [b.finished_at for b in batches],
            "received_rows": [b.received_rows for b in batches],
            "accepted_rows": [b.accepted_rows for b in batches],
            "quarantined_rows": [b.quarantined_rows for b in batches],
            "retry_of": pa.array([b.retry_of for b in batches], pa.string()),
        }
    )
    con.register("_lake_batches", table)
    con.execute("CREATE TABLE lake_batches AS SELECT * FROM _lake_batches")
    con.unregister("_lake_batches")


def _sido_table(con: duckdb.DuckDBPyConnection) -> None:
    rows: list[tuple[str, str]] = []
    for sido in SIDO:
        rows += [(sido.code, sido.code), (sido.name, sido.code), (sido.short, sido.code)]
    for legacy, (code, name) in LEGACY_SIDO.items():
        rows += [(legacy, code), (name, code)]
    con.execute("CREATE TABLE sido_codes (value VARCHAR PRIMARY KEY, code VARCHAR NOT NULL)")
    con.executemany("INSERT INTO sido_codes VALUES (?, ?)", rows)


def connect(
    settings: Settings | None = None, *, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection with a view per committed lake table.

    Args:
        settings: Whose lake and ledger.
        memory_limit: DuckDB memory limit (e.g. ``"4GB"``); large work spills to
            ``lake/.duckdb_tmp``.

    Returns:
        A ``duckdb.DuckDBPyConnection``; close it when done.

    Raises:
        DataUnavailableError: A file the ledger lists as committed is missing.
    """
    import duckdb

    settings = settings or get_settings()
    paths = LakePaths.of(settings)
    batches = committed_batches(settings)
    con = duckdb.connect(":memory:")
    temp = paths.root / ".duckdb_tmp"
    con.execute(f"SET temp_directory = {_literal(str(temp))}")
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute(f"SET memory_limit = {_literal(memory_limit)}")
    _ledger_table(con, batches)
    _sido_table(con)
    missing: list[str] = []
    for spec in list_sources():
        mine = [b for b in batches if b.source == spec.id]
        staged = [str(paths.staged(spec.id, b.id)) for b in mine if b.accepted_rows]
        held = [str(paths.quarantine(spec.id, b.id)) for b in mine if b.quarantined_rows]
        missing += [f for f in (*staged, *held) if not _exists(f)]
        _files_view(con, f"staged_{spec.id}", staged, staged_schema(spec))
        _files_view(con, f"quarantine_{spec.id}", held, quarantine_schema(spec))
        curated = paths.curated(spec.id)
        _files_view(con, f"curated_{spec.id}", _present(curated), staged_schema(spec))
    _files_view(con, "person_records", _present(paths.curated("person_records")),
                person_records_schema())  # fmt: skip
    _files_view(con, "workplace_records", _present(paths.curated("workplace_records")),
                workplace_records_schema())  # fmt: skip
    master = paths.root / "master"
    for file in sorted(master.glob("*.parquet")) if master.is_dir() else []:
        _files_view(con, f"master_{file.stem}", [str(file)], None)
    if missing:
        con.close()
        raise DataUnavailableError(
            f"원장에 기록된 파일이 없습니다: {missing[:5]} / files the ledger lists as committed "
            f"are missing: {missing[:5]}",
            missing=missing,
        )
    return con


def _exists(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


def _present(path: Any) -> list[str]:
    return [str(path)] if path.is_file() else []
