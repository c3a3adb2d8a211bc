"""Source contracts: every rule has a stable id, fails the right row, and masks personal values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandera.polars as pa
import polars as pl
import pytest

from ilteo.core.ids import rrn_check_digit
from ilteo.core.settings import Settings
from ilteo.lake.contracts import Contract
from ilteo.lake.curate import curated_sql, person_records_sql, workplace_records_sql
from ilteo.lake.ingest import ingest_records
from ilteo.lake.sources import get_source, list_sources

TODAY = date(2026, 1, 15)
#: A well-formed RRN whose date part is impossible (13th month) but whose check digit is right.
BAD_DATE_RRN = "901301-1" + "23456" + str(rrn_check_digit("901301123456"))
#: A second valid RRN (a woman born the same day).
OTHER_PERSON = "900101-2" + "23456" + str(rrn_check_digit("900101223456"))


def _event(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_id": "EI1",
        "event_type": "acquisition",
        "event_date": "2024-03-04",
        "reported_on": "2024-03-10",
        "rrn": "900101-1234568",
        "name": "홍길동",
        "workplace_mgmt_no": "12345678910",
        "brn": "123-45-67891",
        "ksco_code": "2221",
        "ksic_code": "62010",
        "sido_code": "11",
        "employment_type": "regular",
        "weekly_hours": 40,
        "monthly_wage_won": 3_000_000,
        "loss_reason_code": None,
        "loss_reason": None,
    }
    return row | changes


def _check(settings: Settings, source: str, rows: list[dict[str, Any]]) -> Any:
    spec = get_source(source)
    frame = pl.DataFrame(
        {
            f.name: [None if r.get(f.name) is None else str(r[f.name]) for r in rows]
            for f in spec.fields
        },
        schema=dict.fromkeys([f.name for f in spec.fields], pl.Utf8),
    )
    return Contract(spec, settings, TODAY).check(frame, 0, "test-batch")


def test_a_valid_row_is_accepted_typed_and_its_rrn_replaced(lake_settings: Settings) -> None:
    out = _check(lake_settings, "ei_events", [_event()])

    assert out.quarantined.height == 0
    assert out.failures.height == 0
    row = out.accepted.row(0, named=True)
    assert "rrn" not in out.accepted.columns
    assert len(row["rrn_hash"]) == 64
    assert row["rrn_birth_date"] == date(1990, 1, 1)
    assert row["rrn_sex"] == "M"
    assert row["event_date"] == date(2024, 3, 4)
    assert row["weekly_hours"] == 40
    assert row["_batch_id"] == "test-batch"


@pytest.mark.parametrize(
    ("changes", "rule", "column", "value"),
    [
        ({"rrn": "900101-1234567"}, "rrn.check_digit", "rrn", "900101-1******"),
        ({"rrn": BAD_DATE_RRN}, "rrn.birth_date", "rrn", "901301-1******"),
        ({"rrn": "90010112345"}, "rrn.format", "rrn", "9001011****"),
        ({"brn": "123-45-67890"}, "brn.check_digit", "brn", "123-45-67890"),
        ({"workplace_mgmt_no": "12345678900"}, "code.workplace_no", "workplace_mgmt_no", None),
        ({"ksco_code": "0000"}, "code.ksco8", "ksco_code", "0000"),
        ({"ksic_code": "99999"}, "code.ksic11", "ksic_code", "99999"),
        ({"sido_code": "99"}, "code.sido", "sido_code", "99"),
        ({"loss_reason_code": "99"}, "code.ei_loss_reason", "loss_reason_code", "99"),
        ({"event_type": "transfer"}, "enum.event_type", "event_type", "transfer"),
        ({"weekly_hours": 200}, "range.weekly_hours", "weekly_hours", "200"),
        ({"monthly_wage_won": -1}, "range.monthly_wage_won", "monthly_wage_won", "-1"),
        ({"reported_on": "2031-01-01"}, "date.future", "reported_on", "2031-01-01"),
        ({"reported_on": "2024-03-01"}, "date.reported_on_before_event_date", "reported_on",
         "2024-03-01"),
        ({"event_date": "2024-02-30"}, "type.date", "event_date", "2024-02-30"),
        ({"weekly_hours": "forty"}, "type.int", "weekly_hours", "forty"),
        ({"name": None}, "required.name", "name", None),
        ({"name": "  "}, "required.name", "name", None),
    ],
)  # fmt: skip
def test_each_rule_quarantines_the_row_with_its_id(
    lake_settings: Settings, changes: dict[str, Any], rule: str, column: str, value: str | None
) -> None:
    out = _check(lake_settings, "ei_events", [_event(), _event(record_id="EI2", **changes)])

    assert out.accepted.get_column("record_id").to_list() == ["EI1"]
    assert out.quarantined.get_column("record_id").to_list() == ["EI2"]
    failures = out.failures.rows(named=True)
    assert {(f["rule"], f["column"]) for f in failures} == {(rule, column)}
    if value is not None:
        assert failures[0]["value"] == value
    assert failures[0]["_row_number"] == 1


def test_every_failure_of_a_row_is_collected(lake_settings: Settings) -> None:
    row = _event(ksco_code="0000", weekly_hours=999, rrn="900101-1234567", sido_code="99")
    out = _check(lake_settings, "ei_events", [row])

    assert sorted(out.failures.get_column("rule").to_list()) == [
        "code.ksco8", "code.sido", "range.weekly_hours", "rrn.check_digit",
    ]  # fmt: skip
    quarantined = out.quarantined.row(0, named=True)
    assert sorted(f["rule"] for f in quarantined["_failures"]) == sorted(
        out.failures.get_column("rule").to_list()
    )
    assert quarantined["weekly_hours"] == "999"  # kept as received, as text
    assert "rrn" not in out.quarantined.columns
    assert len(quarantined["rrn_hash"]) == 64
    assert quarantined["rrn_birth_date"] is None  # a number that fails is not trusted


def test_legacy_csv_fields_and_codes(lake_settings: Settings) -> None:
    good = {
        "수강번호": "KD1", "훈련생명": "김민수", "생년월일": "19870520", "성별": "남",
        "휴대폰번호": "01012345678", "주소": "서울 관악구 봉천동 1-2", "훈련과정ID": "AIG1",
        "회차": "3", "과정명": "과정", "NCS코드": "20010202", "NCS명": "응용SW엔지니어링",
        "훈련기관": "기관", "개강일": "2026-03-02", "종강일": "2026-08-28",
        "수강신청일": "2026-01-10", "수강상태": "훈련중", "출석률": "0",
    }  # fmt: skip
    rows = [
        good,
        good | {"수강번호": "KD2", "NCS코드": "8030209"},  # leading zero lost
        good | {"수강번호": "KD3", "생년월일": "19871305"},
        good | {"수강번호": "KD4", "성별": "X"},
        good | {"수강번호": "KD5", "출석률": "101.5"},
        good | {"수강번호": "KD6", "수강신청일": "2026-02-01"},  # after TODAY: not allowed
    ]
    out = _check(lake_settings, "kdt_enrolments", rows)

    assert out.accepted.get_column("수강번호").to_list() == ["KD1"]  # planned dates may be future
    assert dict(out.failures.select("_row_number", "rule").iter_rows()) == {
        1: "code.ncs", 2: "type.date", 3: "enum.성별", 4: "range.출석률", 5: "date.future",
    }  # fmt: skip


def test_live_values_are_parsed_and_checked_like_files(lake_settings: Settings) -> None:
    rows = [{"registration_id": "JS1", "registered_at": "2024-01-02", "name": "홍길동",
             "phone": "010-1234-5678", "sex": "Z"}]  # fmt: skip
    out = _check(lake_settings, "job_seekers", rows)
    assert out.failures.rows() == [(0, "enum.sex", "sex", "Z")]

    request = {"request_id": "R1", "received_at": "2024-01-02T09:00:00+09:00", "title": "t",
               "body": "b", "petitioner_name": "홍길동", "petitioner_sido": "서울"}  # fmt: skip
    out = _check(lake_settings, "epeople_requests", [request, request | {"petitioner_sido": "X"}])
    assert out.accepted.get_column("received_at").to_list() == [
        datetime(2024, 1, 2, 0, 0, tzinfo=UTC)
    ]
    assert out.failures.select("rule", "value").rows() == [("code.sido_name", "X")]


def test_loss_before_acquisition_is_found_across_the_batch(lake_settings: Settings) -> None:
    rows = [
        _event(record_id="A1", event_date="2024-03-01", reported_on="2024-03-02"),
        _event(record_id="L1", event_type="loss", event_date="2024-02-01",
               reported_on="2024-02-02", loss_reason_code="11"),
        # another person: a loss whose acquisition is not in this batch cannot be checked
        _event(record_id="L2", event_type="loss", rrn=OTHER_PERSON, event_date="2024-01-05",
               reported_on="2024-01-06", loss_reason_code="11"),
    ]  # fmt: skip
    result = ingest_records("ei_events", rows, lake_settings, today=TODAY)

    assert (result.accepted_rows, result.quarantined_rows) == (2, 1)
    from ilteo.lake.quarantine import get_quarantine

    (failure,) = get_quarantine(lake_settings, result.id).rows
    assert (failure.row_number, failure.rule, failure.column) == (
        1, "date.loss_before_acquisition", "event_date",
    )  # fmt: skip


def test_the_schema_is_a_pandera_schema_built_from_the_declaration(lake_settings: Settings) -> None:
    for spec in list_sources():
        schema = Contract(spec, lake_settings, TODAY).schema
        assert isinstance(schema, pa.DataFrameSchema)
        assert list(schema.columns) == [f.name for f in spec.fields]
        for f in spec.fields:
            assert schema.columns[f.name].nullable is not f.required


def test_curation_sql_transpiles_to_spark(lake_settings: Settings) -> None:
    import sqlglot

    statements = [curated_sql(s) for s in list_sources()]
    statements += [person_records_sql(), workplace_records_sql()]
    for sql in statements:
        (spark,) = sqlglot.transpile(sql, read="duckdb", write="spark")
        assert "QUALIFY" not in spark
        assert "EXCLUDE" not in spark
        assert "ROW_NUMBER() OVER" in spark or "UNION ALL" in spark or "SELECT" in spark
