"""Tiny lake fixtures for the steward tests: source declarations, ledger rows and Parquet files.

They write the documented shapes directly (``lake_batches``, ``lake_quarantine``, ``lake_quality``
through the SQLAlchemy models; curated and master tables as Parquet under ``LakePaths``; a linkage
evaluation JSON), so these tests do not depend on the ingestion and linkage code being run.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.lake.models import LakeBatch, LakeQualityScore, LakeQuarantineRow
from ilteo.lake.spec import FieldSpec, SourceSpec

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

WORKPLACES = SourceSpec(
    id="workplaces",
    title_ko="사업장",
    title_en="Workplaces",
    owner="근로복지공단 / COMWEL",
    system="고용·산재보험 사업장",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        FieldSpec("workplace_mgmt_no", "str", True, "관리번호", "Management no.",
                  standard="workplace_no"),
        FieldSpec("brn", "str", True, "사업자등록번호", "BRN", code_system="brn", standard="brn"),
        FieldSpec("name", "str", True, "상호", "Name", standard="workplace_name"),
        FieldSpec("ksic_code", "str", True, "산업", "KSIC", code_system="ksic11",
                  standard="ksic_code"),
        FieldSpec("size_band", "str", False, "규모", "Size band"),
        FieldSpec("opened_on", "date", True, "성립일", "Opened on"),
    ),
    keys=("workplace_mgmt_no",),
    cadence="monthly",
    entity="workplace",
)  # fmt: skip
EI_EVENTS = SourceSpec(
    id="ei_events",
    title_ko="고용보험 피보험자격 취득·상실",
    title_en="Employment-insurance events",
    owner="근로복지공단 / COMWEL",
    system="고용보험 전산망",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        FieldSpec("record_id", "str", True, "기록번호", "Record id"),
        FieldSpec("event_type", "str", True, "구분", "Event type"),
        FieldSpec("event_date", "date", True, "일자", "Event date"),
        FieldSpec("rrn", "str", True, "주민등록번호", "RRN", personal="rrn", code_system="rrn",
                  standard="rrn"),
        FieldSpec("name", "str", True, "성명", "Name", personal="direct", standard="name"),
        FieldSpec("workplace_mgmt_no", "str", True, "관리번호", "Management no.",
                  standard="workplace_no"),
        FieldSpec("ksic_code", "str", False, "산업", "KSIC", code_system="ksic11"),
        FieldSpec("ksco_code", "str", False, "직업", "KSCO", code_system="ksco8"),
        FieldSpec("loss_reason_code", "str", False, "상실사유", "Loss reason",
                  code_system="ei_loss_reason"),
        FieldSpec("monthly_wage_won", "int", False, "월 보수", "Monthly wage"),
    ),
    keys=("record_id",),
    cadence="daily",
    entity="both",
)  # fmt: skip
CLAIMS = SourceSpec(
    id="benefit_claims",
    title_ko="급여 청구",
    title_en="Benefit claims",
    owner="고용노동부 / MOEL",
    system="고용보험 급여 시스템",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        FieldSpec("claim_id", "str", True, "청구번호", "Claim id"),
        FieldSpec("program", "str", True, "제도", "Programme"),
        FieldSpec("rrn", "str", True, "주민등록번호", "RRN", personal="rrn", code_system="rrn",
                  standard="rrn"),
        FieldSpec("separated_on", "date", False, "이직일", "Separated on"),
        FieldSpec("claimed_at", "date", True, "청구일", "Claimed at"),
    ),
    keys=("claim_id",),
    cadence="daily",
    entity="person",
)  # fmt: skip
ACCIDENTS = SourceSpec(
    id="accidents",
    title_ko="산재 승인",
    title_en="Accident approvals",
    owner="근로복지공단 / COMWEL",
    system="산재보험",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        FieldSpec("accident_id", "str", True, "재해번호", "Accident id"),
        FieldSpec("rrn", "str", True, "주민등록번호", "RRN", personal="rrn", code_system="rrn",
                  standard="rrn"),
        FieldSpec("workplace_mgmt_no", "str", True, "관리번호", "Management no.",
                  standard="workplace_no"),
        FieldSpec("accident_date", "date", True, "재해일", "Accident date"),
    ),
    keys=("accident_id",),
    cadence="monthly",
    entity="both",
)  # fmt: skip
TRAINING = SourceSpec(
    id="kdt_enrolments",
    title_ko="훈련 수강",
    title_en="Training enrolments",
    owner="한국산업인력공단 / HRDK",
    system="HRD-Net",
    file_format="csv",
    encoding="cp949",
    fields=(
        FieldSpec("enrolment_id", "str", True, "수강번호", "Enrolment id"),
        FieldSpec("name", "str", True, "훈련생명", "Name", personal="direct", standard="name"),
        FieldSpec("birth_date", "date", False, "생년월일", "Birth date", personal="quasi",
                  standard="birth_date"),
        FieldSpec("phone", "str", False, "휴대폰", "Phone", personal="direct", standard="phone"),
        FieldSpec("ncs_code", "str", False, "NCS", "NCS code", code_system="ncs"),
    ),
    keys=("enrolment_id",),
    cadence="weekly",
    entity="person",
)  # fmt: skip

SOURCES = (WORKPLACES, EI_EVENTS, CLAIMS, ACCIDENTS, TRAINING)


def migrated(settings: Settings) -> Settings:
    """``settings`` with its operational store migrated."""
    upgrade(settings)
    return settings


def create_batch(settings: Settings, **overrides: Any) -> LakeBatch:
    """A finished batch in the ledger (``done``, 10 rows received, 8 accepted, 2 quarantined)."""
    source = overrides.get("source", "ei_events")
    values: dict[str, Any] = {
        "id": f"{source}-{overrides.get('content_sha256', 'a' * 12)[:12]}",
        "source": source,
        "content_sha256": "a" * 64,
        "origin": f"/extracts/{source}/part-1.parquet",
        "file_format": "parquet",
        "encoding": None,
        "status": "done",
        "received_rows": 10,
        "accepted_rows": 8,
        "quarantined_rows": 2,
        "started_at": NOW - timedelta(hours=2),
        "finished_at": NOW - timedelta(hours=1),
    }
    values |= overrides
    with session_scope(settings) as session:
        batch = LakeBatch(**values)
        session.add(batch)
    return batch


def create_quarantine_row(settings: Settings, batch_id: str, **overrides: Any) -> None:
    """One quarantined row of ``batch_id`` (rule ``rrn.check_digit`` on a masked RRN)."""
    values: dict[str, Any] = {
        "batch_id": batch_id,
        "source": "ei_events",
        "row_number": 3,
        "rule": "rrn.check_digit",
        "column": "rrn",
        "value": "900101-1******",
        "status": "open",
    }
    values |= overrides
    with session_scope(settings) as session:
        session.add(LakeQuarantineRow(**values))


def create_quality_score(settings: Settings, **overrides: Any) -> None:
    """One quality score (completeness of ``ei_events.rrn``, 0.99 against 0.95)."""
    values: dict[str, Any] = {
        "batch_id": "ei_events-aaaaaaaaaaaa",
        "source": "ei_events",
        "field": "rrn",
        "dimension": "completeness",
        "score": 0.99,
        "threshold": 0.95,
        "measured_at": NOW - timedelta(minutes=30),
    }
    values |= overrides
    values.setdefault("below_threshold", values["score"] < values["threshold"])
    with session_scope(settings) as session:
        session.add(LakeQualityScore(**values))


def write_parquet(path: Path, columns: dict[str, list[Any]]) -> Path:
    """Write ``columns`` as a Parquet file (folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(columns).write_parquet(path)
    return path


def write_curated(settings: Settings, table: str, columns: dict[str, list[Any]]) -> Path:
    """Write a curated table of the lake."""
    return write_parquet(LakePaths.of(settings).curated(table), columns)


def write_master(settings: Settings, table: str, columns: dict[str, list[Any]]) -> Path:
    """Write a master table of the lake."""
    return write_parquet(LakePaths.of(settings).master(table), columns)


def write_small_lake(settings: Settings) -> None:
    """Curated tables of the five fixture sources, with known consistency results.

    - KSIC: 3 of 4 EI events agree with the workplace register (W3's register code differs).
    - Claims: 2 of 3 job-seeking claims have a loss event for the same person on that date.
    - Accidents: 1 of 2 approvals names a workplace in the register.
    """
    write_curated(settings, "workplaces", {
        "workplace_mgmt_no": ["W1", "W2", "W3"],
        "brn": ["1", "2", "3"],
        "name": ["가", "나", "다"],
        "ksic_code": ["10110", "47190", "62010"],
        "size_band": ["5인 미만", "5-9인", "10-29인"],
        "opened_on": [date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)],
    })  # fmt: skip
    write_curated(settings, "ei_events", {
        "record_id": ["E1", "E2", "E3", "E4", "E5"],
        "event_type": ["acquisition", "loss", "loss", "acquisition", "loss"],
        "event_date": [date(2024, 1, 2), date(2024, 6, 30), date(2024, 7, 31),
                       date(2024, 2, 1), date(2025, 1, 15)],
        "rrn_hash": ["h1", "h1", "h2", "h3", "h4"],
        "name": ["김가", "김가", "이나", "박다", "최라"],
        "workplace_mgmt_no": ["W1", "W1", "W2", "W3", "W9"],
        "ksic_code": ["10110", "10110", "47190", "99999", "10110"],
        "ksco_code": ["7103", "7103", "5301", "2222", None],
        "loss_reason_code": [None, "23", "11", None, "32"],
        "monthly_wage_won": [3_000_000, 3_000_000, 2_500_000, 4_000_000, 2_000_000],
    })  # fmt: skip
    write_curated(settings, "benefit_claims", {
        "claim_id": ["C1", "C2", "C3", "C4"],
        "program": ["job_seeking_allowance", "job_seeking_allowance", "job_seeking_allowance",
                    "training_card"],
        "rrn_hash": ["h1", "h2", "h5", "h3"],
        "separated_on": [date(2024, 6, 30), date(2024, 7, 31), date(2024, 9, 1), None],
        "claimed_at": [date(2024, 7, 5), date(2024, 8, 2), date(2024, 9, 10), date(2024, 3, 1)],
    })  # fmt: skip
    write_curated(settings, "accidents", {
        "accident_id": ["A1", "A2"],
        "rrn_hash": ["h1", "h6"],
        "workplace_mgmt_no": ["W1", "W7"],
        "accident_date": [date(2024, 3, 3), date(2024, 4, 4)],
    })  # fmt: skip


def write_person_linkage(settings: Settings) -> None:
    """Person records and links: master P1 agrees across sources, P2's sex differs in training."""
    write_curated(settings, "person_records", {
        "source": ["ei_events", "kdt_enrolments", "ei_events", "kdt_enrolments", "benefit_claims"],
        "record_id": ["E1", "T1", "E3", "T2", "C1"],
        "name": ["김가", "김가", "이나", "이나", "김가"],
        "birth_date": [date(1990, 1, 1), date(1990, 1, 1), date(1985, 5, 5), date(1985, 5, 5),
                       date(1990, 1, 1)],
        "sex": ["M", "남", "F", "남", "M"],
        "phone": [None, "010-2000-0001", None, "010-2000-0002", None],
    })  # fmt: skip
    write_master(settings, "person_links", {
        "source": ["ei_events", "kdt_enrolments", "ei_events", "kdt_enrolments", "benefit_claims"],
        "record_id": ["E1", "T1", "E3", "T2", "C1"],
        "master_id": ["P1", "P1", "P2", "P2", "P1"],
    })  # fmt: skip


def write_linkage_evaluation(settings: Settings, **overrides: Any) -> Path:
    """A person-linkage evaluation report in the linkage folder."""
    report: dict[str, Any] = {
        "kind": "person",
        "evaluated_at": (NOW - timedelta(hours=1)).isoformat(),
        "model": {"precision": 0.991, "recall": 0.972, "f1": 0.981, "pairs": 1200},
        "baseline": {"precision": 1.0, "recall": 0.61, "f1": 0.757, "pairs": 700},
        "by_source": {
            "kdt_enrolments": {"model": {"precision": 0.985, "recall": 0.95},
                         "baseline": {"precision": None, "recall": 0.0}},
        },
        "by_noise": {
            "name_typo": {"model": {"precision": 0.99, "recall": 0.93},
                          "baseline": {"precision": 1.0, "recall": 0.4}},
        },
    }  # fmt: skip
    report |= overrides
    path = LakePaths.of(settings).linkage_dir / "evaluation-person.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path
