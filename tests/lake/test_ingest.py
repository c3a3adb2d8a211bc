"""Ingesting a whole synthetic country: balanced batches, idempotence, hashed RRNs, curation."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select, text

from ilteo.core.db import engine_for, session_scope, upgrade
from ilteo.core.ids import hash_rrn
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.engine import connect
from ilteo.lake.ingest import ingest_path, ingest_records
from ilteo.lake.layout import LakePaths
from ilteo.lake.ledger import get_batch, list_batches
from ilteo.lake.models import LakeBatch, LakeQualityScore, LakeQuarantineRow
from ilteo.lake.sources import SYNTH_SOURCE_NAMES, get_source, list_sources

#: Thirteen digits (with or without the hyphen) standing alone: a clear RRN. Hex hashes are
#: excluded by the look-arounds (a run of digits inside a hash touches other hex characters).
CLEAR_RRN = re.compile(r"(?<![0-9a-fA-F])\d{6}-?\d{7}(?![0-9a-fA-F])")


def _count(con: object, sql: str) -> int:
    row = con.execute(sql).fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def _rows(con: object, view: str) -> int:
    return _count(con, "SELECT count(*) FROM " + view)  # noqa: S608 - a view name of the lake


def test_every_batch_balances_and_matches_its_extract(
    country: Path, lake_settings: Settings
) -> None:
    results = ingest_path(country, settings=lake_settings)
    manifest = json.loads((country / "ground_truth/manifest.json").read_text("utf-8"))

    assert sorted(r.source for r in results) == sorted(s.id for s in list_sources())
    con = connect(lake_settings)
    for r in results:
        relative = Path(r.origin).relative_to(country).as_posix()
        assert r.status == "done", r.reason
        assert r.accepted_rows + r.quarantined_rows == r.received_rows
        assert r.received_rows == manifest["files"][relative]["rows"]
        assert _rows(con, f"staged_{r.source}") == r.accepted_rows
        assert _rows(con, f"quarantine_{r.source}") == r.quarantined_rows
        with session_scope(lake_settings) as session:
            indexed = session.scalar(
                select(func.count(func.distinct(LakeQuarantineRow.row_number))).where(
                    LakeQuarantineRow.batch_id == r.id
                )
            )
        assert indexed == r.quarantined_rows
    # The job seekers' system has RRN typos (synth noise): the test must see quarantine at work.
    by_source = {r.source: r for r in results}
    assert by_source["job_seekers"].quarantined_rows > 0
    assert by_source["ei_events"].quarantined_rows == 0


def _lake_files(settings: Settings) -> dict[str, str]:
    root = LakePaths.of(settings).root
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _ledger_counts(settings: Settings) -> tuple[int, int, int]:
    with session_scope(settings) as session:
        return (
            session.scalar(select(func.count()).select_from(LakeBatch)) or 0,
            session.scalar(select(func.count()).select_from(LakeQuarantineRow)) or 0,
            session.scalar(select(func.count()).select_from(LakeQualityScore)) or 0,
        )


def test_ingesting_the_same_extracts_again_changes_nothing(
    country: Path, lake_settings: Settings
) -> None:
    first = ingest_path(country, settings=lake_settings)
    files, ledger = _lake_files(lake_settings), _ledger_counts(lake_settings)

    again = ingest_path(country, settings=lake_settings)

    assert [r.id for r in again] == [r.id for r in first]
    assert all(r.already_ingested for r in again)
    assert [r.accepted_rows for r in again] == [r.accepted_rows for r in first]
    assert _lake_files(lake_settings) == files
    assert _ledger_counts(lake_settings) == ledger


def test_one_file_is_one_batch_named_by_its_content(country: Path, lake_settings: Settings) -> None:
    path = country / "workplaces/workplaces.parquet"
    copy = lake_settings.home / "elsewhere" / "workplaces_2025-12.parquet"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(path.read_bytes())

    (result,) = ingest_path(path, settings=lake_settings)
    (same,) = ingest_path(copy, settings=lake_settings)  # found by its name, same content

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.id == f"workplaces-{digest[:16]}"
    assert same.id == result.id
    assert same.already_ingested
    assert len(list_batches(lake_settings)) == 1


def _extract_rrns(country: Path) -> set[str]:
    rrns: set[str] = set()
    for path in country.rglob("*"):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif path.suffix == ".jsonl":
            frame = pl.read_ndjson(path, infer_schema_length=None)
        else:
            continue
        if "rrn" in frame.columns:
            rrns |= set(frame.get_column("rrn").drop_nulls().str.replace_all("-", "").to_list())
    return rrns


def test_no_clear_rrn_under_the_lake_in_the_ledger_or_the_logs(
    country: Path, lake_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ingest_path(country, settings=lake_settings)
    curate(lake_settings)
    rrns = _extract_rrns(country)
    assert len(rrns) > 1000  # the extracts do carry clear numbers (true ones and typos)

    parquet = list(LakePaths.of(lake_settings).root.rglob("*.parquet"))
    assert len(parquet) >= 20  # staged, quarantine and curated files
    for path in parquet:
        dump = pl.read_parquet(path).write_ndjson()
        found = {m.replace("-", "") for m in CLEAR_RRN.findall(dump)}
        assert not found, f"{path.name} holds RRN-like values: {sorted(found)[:3]}"
    with engine_for(lake_settings).connect() as connection:
        for model in (LakeBatch, LakeQuarantineRow, LakeQualityScore):
            rows = connection.execute(select(model.__table__)).all()
            dump = json.dumps([list(r) for r in rows], default=str)
            assert not CLEAR_RRN.findall(dump), model.__tablename__
        masked = connection.execute(
            text("SELECT value FROM lake_quarantine WHERE \"column\" = 'rrn'")
        ).scalars()
        values = list(masked)
    assert values
    assert all(re.fullmatch(r"\d{6}-\d\*{6}", v) for v in values)
    assert not CLEAR_RRN.findall(caplog.text)


def test_hashes_and_derived_fields_agree_with_the_truth(
    country: Path, lake_settings: Settings
) -> None:
    ingest_path(country, settings=lake_settings)
    truth = pl.read_parquet(country / "ground_truth/persons.parquet")
    links = pl.read_parquet(country / "ground_truth/record_links.parquet").filter(
        pl.col("source") == SYNTH_SOURCE_NAMES["ei_events"]
    )
    con = connect(lake_settings)
    staged = con.sql(
        "SELECT record_id, rrn_hash, rrn_birth_date, rrn_sex FROM staged_ei_events"
    ).pl()
    key = lake_settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    joined = (
        staged.join(links, on="record_id")
        .join(truth, on="person_id")
        .with_columns(
            pl.col("rrn").map_elements(lambda v: hash_rrn(v, key), return_dtype=pl.Utf8).alias("h")
        )
    )
    assert joined.height == staged.height > 1000
    assert (joined["rrn_hash"] == joined["h"]).all()
    assert (joined["rrn_birth_date"] == joined["birth_date"]).all()
    assert (joined["rrn_sex"] == joined["sex"]).all()


def test_curated_tables_feed_linkage(country: Path, lake_settings: Settings) -> None:
    results = ingest_path(country, settings=lake_settings)
    tables = curate(lake_settings).tables

    con = connect(lake_settings)
    sources = dict(con.execute("SELECT source, count(*) FROM person_records GROUP BY 1").fetchall())
    assert set(sources) == {
        "ei_events", "accidents", "job_seekers", "kdt_enrolments", "benefit_claims",
        "epeople_requests",
    }  # fmt: skip
    for source, rows in sources.items():
        assert rows == tables[source]  # one person record per curated row
    assert (
        _count(con, "SELECT count(*) - count(DISTINCT source || record_id) FROM person_records")
        == 0
    )
    assert _count(con, "SELECT count(*) FROM person_records WHERE sex NOT IN ('M', 'F')") == 0
    requests = con.execute(
        "SELECT count(*), count(sido_code) FROM person_records WHERE source = 'epeople_requests'"
    ).fetchone()
    assert requests is not None
    assert requests[0] == requests[1] > 0
    assert _count(con, "SELECT count(*) FROM person_records WHERE rrn_hash IS NOT NULL") > 0
    places = dict(
        con.execute("SELECT source, count(*) FROM workplace_records GROUP BY 1").fetchall()
    )
    assert places["workplaces"] == tables["workplaces"]
    assert "ei_wages" not in places
    assert "ei_wages" not in sources
    accepted = {r.source: r.accepted_rows for r in results}
    assert tables["ei_wages"] == accepted["ei_wages"]  # keys unique: nothing removed


def test_latest_batch_wins_in_curated_tables(lake_settings: Settings) -> None:
    row = {
        "workplace_mgmt_no": "12345678910", "brn": "1234567891", "name": "옛 상호",
        "ksic_code": "62010", "sido_code": "11",
    }  # fmt: skip
    first = ingest_records("workplaces", [row], lake_settings)
    second = ingest_records("workplaces", [row | {"name": "새 상호"}], lake_settings)
    assert first.status == second.status == "done"
    assert first.id != second.id

    curate(lake_settings)
    con = connect(lake_settings)
    assert con.execute("SELECT name, _batch_id FROM curated_workplaces").fetchall() == [
        ("새 상호", second.id)
    ]


def test_readers_see_only_committed_batches(lake_settings: Settings) -> None:
    row = {"workplace_mgmt_no": "12345678910", "brn": "1234567891", "name": "가",
           "ksic_code": "62010", "sido_code": "11"}  # fmt: skip
    done = ingest_records("workplaces", [row], lake_settings)
    paths = LakePaths.of(lake_settings)
    # A batch that a killed process left behind: its file exists, its ledger row is not done.
    orphan = paths.staged("workplaces", "workplaces-0000000000000000")
    orphan.write_bytes(paths.staged("workplaces", done.id).read_bytes())
    with session_scope(lake_settings) as session:
        session.add(
            LakeBatch(
                id="workplaces-0000000000000000",
                source="workplaces",
                content_sha256="0" * 64,
                origin="x",
                file_format="parquet",
                status="running",
                received_rows=0,
                accepted_rows=0,
                quarantined_rows=0,
                started_at=done.started_at,
            )
        )

    con = connect(lake_settings)
    assert con.execute("SELECT DISTINCT _batch_id FROM staged_workplaces").fetchall() == [
        (done.id,)
    ]
    assert _count(con, "SELECT count(*) FROM lake_batches") == 1


@pytest.mark.slow
def test_ledger_on_sqlite_and_postgresql(country: Path, db_settings: Settings) -> None:
    upgrade(db_settings)
    path = country / "job_seekers/registrations.jsonl"
    (first,) = ingest_path(path, settings=db_settings)
    (again,) = ingest_path(path, settings=db_settings)

    assert first.status == "done"
    assert first.quarantined_rows > 0
    assert first.balanced
    assert again.already_ingested
    assert again.id == first.id
    stored = get_batch(db_settings, first.id)
    assert stored.status == "done"
    assert stored.finished_at is not None
    assert (stored.received_rows, stored.accepted_rows) == (
        first.received_rows,
        first.accepted_rows,
    )
    with session_scope(db_settings) as session:
        rows = session.scalar(
            select(func.count(func.distinct(LakeQuarantineRow.row_number))).where(
                LakeQuarantineRow.batch_id == first.id
            )
        )
    assert rows == first.quarantined_rows
    assert get_source("job_seekers").id == first.source
