"""The quarantine: rows kept with their failures, retried with fixes or cleared fields, balanced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from ilteo.core.db import session_scope
from ilteo.core.errors import InvalidInputError
from ilteo.core.ids import hash_rrn
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.engine import connect
from ilteo.lake.ingest import BatchResult, ingest_path
from ilteo.lake.ledger import get_batch
from ilteo.lake.models import LakeQuarantineRow
from ilteo.lake.quarantine import get_quarantine, list_quarantine, retry_quarantine


def _ingest(country: Path, settings: Settings, relative: str) -> BatchResult:
    (result,) = ingest_path(country / relative, settings=settings)
    assert result.quarantined_rows > 0
    return result


def _states(settings: Settings, batch_id: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    with session_scope(settings) as session:
        for row, status in session.execute(
            select(LakeQuarantineRow.row_number, LakeQuarantineRow.status).where(
                LakeQuarantineRow.batch_id == batch_id
            )
        ):
            out.setdefault(row, set()).add(status)
    return out


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "ILTEO_HOME": str(settings.home),
        "ILTEO_ENV": "dev",
        "ILTEO_REFERENCE_DIR": str(settings.reference_dir),
    }
    env.pop("ILTEO_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "lake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_show_gives_rule_column_and_masked_value(country: Path, lake_settings: Settings) -> None:
    batch = _ingest(country, lake_settings, "job_seekers/registrations.jsonl")
    detail = get_quarantine(lake_settings, batch.id)

    assert detail.batch.id == batch.id
    assert {r.rule for r in detail.rows} <= {"rrn.check_digit", "rrn.birth_date", "rrn.format"}
    assert all(r.column == "rrn" and r.value and r.value.endswith("******") for r in detail.rows)
    assert len({r.row_number for r in detail.rows}) == batch.quarantined_rows
    (listed,) = list_quarantine(lake_settings, source="job_seekers")
    assert (listed.open_rows, listed.fixed_rows) == (batch.quarantined_rows, 0)
    assert list_quarantine(lake_settings, status="fixed") == []


def test_retry_with_a_fix_file_through_the_cli(country: Path, lake_settings: Settings) -> None:
    batch = _ingest(country, lake_settings, "training/kdt_enrolments.csv")
    rows = get_quarantine(lake_settings, batch.id).rows
    failing = {r.row_number: r for r in rows}
    fixed_row, *others = sorted(failing)
    fix = {"row_number": fixed_row}
    for r in rows:
        if r.row_number == fixed_row:
            fix[r.column or ""] = "0" + (r.value or "") if r.rule == "code.ncs" else "19900101"
    fixes = lake_settings.home / "fixes.jsonl"
    fixes.write_text(json.dumps(fix, ensure_ascii=False) + "\n", encoding="utf-8")

    shown = _cli(lake_settings, "quarantine", "show", batch.id, "--json")
    assert shown.returncode == 0, shown.stderr
    assert {r["row_number"] for r in json.loads(shown.stdout)["rows"]} == set(failing)
    done = _cli(lake_settings, "quarantine", "retry", batch.id, "--fix", str(fixes), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    assert result["retry_of"] == batch.id
    assert result["balanced"] is True
    assert (result["received_rows"], result["accepted_rows"]) == (len(failing), 1)
    states = _states(lake_settings, batch.id)
    assert states[fixed_row] == {"fixed"}
    assert all(states[row] == {"retried"} for row in others)
    carried = get_quarantine(lake_settings, result["id"]).rows
    assert {r.row_number for r in carried} == set(others)  # still quarantined, in the new batch
    assert get_batch(lake_settings, batch.id).quarantined_rows == len(failing)  # history kept
    con = connect(lake_settings)
    staged = con.execute(
        "SELECT _row_number, _batch_id FROM staged_kdt_enrolments WHERE _batch_id = ?",
        [result["id"]],
    ).fetchall()
    assert staged == [(fixed_row, result["id"])]


def _true_rrns(country: Path, registration_ids: list[str]) -> dict[str, str]:
    links = pl.read_parquet(country / "ground_truth/record_links.parquet").filter(
        pl.col("source") == "job_seekers", pl.col("record_id").is_in(registration_ids)
    )
    persons = pl.read_parquet(country / "ground_truth/persons.parquet")
    joined = links.join(persons, on="person_id")
    return dict(zip(joined["record_id"], joined["rrn"], strict=True))


def test_retry_with_corrected_rrns_hashes_them(country: Path, lake_settings: Settings) -> None:
    batch = _ingest(country, lake_settings, "job_seekers/registrations.jsonl")
    con = connect(lake_settings)
    held = con.execute("SELECT _row_number, registration_id FROM quarantine_job_seekers").fetchall()
    truth = _true_rrns(country, [rid for _, rid in held])
    fixes: list[dict[str, Any]] = [{"row_number": n, "rrn": truth[rid]} for n, rid in held]

    result = retry_quarantine(lake_settings, batch.id, fixes=fixes)

    assert (result.accepted_rows, result.quarantined_rows) == (len(held), 0)
    key = lake_settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    con = connect(lake_settings)
    stored = dict(
        con.execute(
            "SELECT registration_id, rrn_hash FROM staged_job_seekers WHERE _batch_id = ?",
            [result.id],
        ).fetchall()
    )
    assert stored == {rid: hash_rrn(truth[rid], key) for _, rid in held}
    assert all(states == {"fixed"} for states in _states(lake_settings, batch.id).values())


def test_retry_dropping_the_rrn_lets_linkage_take_over(
    country: Path, lake_settings: Settings
) -> None:
    batch = _ingest(country, lake_settings, "job_seekers/registrations.jsonl")

    result = retry_quarantine(lake_settings, batch.id, drop_fields=["rrn"])

    assert result.retry_of == batch.id
    assert (result.received_rows, result.accepted_rows) == (batch.quarantined_rows,) * 2
    curate(lake_settings)
    con = connect(lake_settings)
    rows = con.execute(
        "SELECT count(*), count(rrn_hash), count(name) FROM person_records WHERE batch_id = ?",
        [result.id],
    ).fetchone()
    assert rows == (batch.quarantined_rows, 0, batch.quarantined_rows)
    with pytest.raises(InvalidInputError, match="no open quarantined rows"):
        retry_quarantine(lake_settings, batch.id, drop_fields=["rrn"])


def test_rows_that_still_fail_stay_quarantined_with_their_reasons(
    country: Path, lake_settings: Settings
) -> None:
    batch = _ingest(country, lake_settings, "job_seekers/counselling.jsonl")
    before = {(r.row_number, r.rule, r.value) for r in get_quarantine(lake_settings, batch.id).rows}

    result = retry_quarantine(lake_settings, batch.id)  # nothing changed: the RRNs still fail

    assert (result.accepted_rows, result.quarantined_rows) == (0, batch.quarantined_rows)
    after = {(r.row_number, r.rule, r.value) for r in get_quarantine(lake_settings, result.id).rows}
    assert after == before  # the number cannot be checked again; its failure is carried over
    (original,) = [q for q in list_quarantine(lake_settings) if q.batch_id == batch.id]
    (carried,) = [q for q in list_quarantine(lake_settings) if q.batch_id == result.id]
    assert (original.open_rows, original.retried_rows) == (0, batch.quarantined_rows)
    assert carried.open_rows == batch.quarantined_rows


def test_fixes_must_name_declared_fields_and_open_rows(
    country: Path, lake_settings: Settings
) -> None:
    batch = _ingest(country, lake_settings, "job_seekers/registrations.jsonl")
    row = get_quarantine(lake_settings, batch.id).rows[0].row_number
    with pytest.raises(InvalidInputError, match="has no field 'nickname'"):
        retry_quarantine(lake_settings, batch.id, fixes=[{"row_number": row, "nickname": "x"}])
    with pytest.raises(InvalidInputError, match="not open quarantined rows"):
        retry_quarantine(lake_settings, batch.id, fixes=[{"row_number": 10**9, "name": "x"}])
    with pytest.raises(InvalidInputError, match="has no field 'nickname'"):
        retry_quarantine(lake_settings, batch.id, drop_fields=["nickname"])
