"""The run as a whole: every file with its columns, determinism, all-or-nothing output."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.synth import generate, load_params

COLUMNS = {
    "employment_insurance/qualification_events.parquet": {
        "record_id", "event_type", "event_date", "reported_on", "rrn", "name", "workplace_mgmt_no",
        "brn", "ksco_code", "ksic_code", "sido_code", "employment_type", "weekly_hours",
        "monthly_wage_won", "loss_reason_code", "loss_reason",
    },
    "employment_insurance/monthly_wages.parquet": {
        "rrn", "workplace_mgmt_no", "wage_month", "days_worked", "wage_won",
    },
    "workplaces/workplaces.parquet": {
        "workplace_mgmt_no", "brn", "name", "ksic_code", "ksic_name", "insurance_industry_major",
        "insurance_industry", "size_band", "employees_declared", "sido_code", "address",
        "opened_on", "closed_on",
    },
    "industrial_accidents/accident_approvals.parquet": {
        "accident_id", "rrn", "name", "workplace_mgmt_no", "brn", "accident_date", "accident_type",
        "fatal", "care_days", "approved_on", "ksic_code", "insurance_industry", "size_band",
    },
    "job_seekers/registrations.jsonl": {
        "registration_id", "registered_at", "rrn", "name", "sex", "phone", "address",
        "desired_occupation", "desired_sido", "employment_status", "education", "career_years",
        "benefit_interest",
    },
    "job_seekers/counselling.jsonl": {
        "contact_id", "registration_id", "rrn", "contacted_at", "channel", "counsellor_id",
        "topic", "note",
    },
    "benefits/claims.parquet": {
        "claim_id", "program", "program_ko", "rrn", "name", "claimed_at", "separated_on",
        "loss_reason_code", "last_workplace_mgmt_no", "avg_daily_wage_won", "daily_amount_won",
        "benefit_days", "approved_amount_won", "decision", "decided_at", "reject_reason_code",
        "reject_reason",
    },
    "benefits/payments.parquet": {
        "payment_id", "claim_id", "rrn", "program", "kind", "paid_at", "period_days", "amount_won",
    },
    "requests/epeople_requests.jsonl": {
        "request_id", "received_at", "channel", "petitioner_name", "petitioner_phone",
        "petitioner_sido", "title", "body", "workplace_name", "workplace_address",
    },
    "ground_truth/persons.parquet": {
        "person_id", "rrn", "name", "sex", "birth_date", "phone", "phone_old", "sido_code",
        "road_address", "jibun_address",
    },
    "ground_truth/record_links.parquet": {
        "source", "record_id", "person_id", "workplace_id", "noise",
    },
    "ground_truth/requests.parquet": {
        "request_id", "person_id", "workplace_id", "category", "secondary_category", "urgency",
        "urgency_reason", "workplace_reference",
    },
    "ground_truth/spells.parquet": {
        "person_id", "workplace_id", "ksco_code", "start", "end", "loss_reason_code",
        "shock_excess",
    },
    "ground_truth/workplaces.parquet": {"workplace_id", "workplace_mgmt_no", "brn", "name"},
}  # fmt: skip
TRAINING_HEADERS = [
    "수강번호",
    "훈련생명",
    "생년월일",
    "성별",
    "휴대폰번호",
    "주소",
    "훈련과정ID",
    "회차",
]


def read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    if path.suffix == ".jsonl":
        return pl.read_ndjson(path)
    return pl.read_csv(path, encoding="cp949", infer_schema=False)


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_source_file_is_there_with_its_columns(country: tuple[Path, dict[str, Any]]) -> None:
    root, _ = country
    for relpath, columns in COLUMNS.items():
        frame = read(root / relpath)
        assert frame.height > 0, relpath
        assert columns <= set(frame.columns), (relpath, columns - set(frame.columns))
    training = read(root / "training/kdt_enrolments.csv")
    assert training.columns[: len(TRAINING_HEADERS)] == TRAINING_HEADERS


def test_manifest_records_rows_and_hashes_of_every_file(
    country: tuple[Path, dict[str, Any]],
) -> None:
    root, manifest = country
    written = digests(root)
    assert set(written) == {*manifest["files"], "ground_truth/manifest.json"}
    for relpath, entry in manifest["files"].items():
        assert entry["sha256"] == written[relpath]
        if relpath.endswith((".parquet", ".jsonl", ".csv")):
            assert read(root / relpath).height == entry["rows"], relpath
    assert manifest["persons"] == 2000
    assert (manifest["seed"], manifest["start_month"], manifest["end_month"]) == (
        11,
        "2023-01",
        "2025-12",
    )
    assert manifest["synthetic"] is True
    assert not list(root.glob(".partial-*"))


def test_same_seed_gives_byte_identical_files(tmp_path: Path, synth_settings: Settings) -> None:
    settings = synth_settings
    generate(tmp_path / "a", 700, 5, settings=settings)
    generate(tmp_path / "b", 700, 5, settings=settings)
    generate(tmp_path / "c", 700, 6, settings=settings)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    persons = "ground_truth/persons.parquet"
    assert digests(tmp_path / "a")[persons] != digests(tmp_path / "c")[persons]


def test_content_does_not_depend_on_how_rows_are_batched(
    tmp_path: Path, synth_settings: Settings
) -> None:
    settings = synth_settings
    small_batches = load_params({"flush_rows": 50})
    generate(tmp_path / "a", 1500, 3, settings=settings)
    generate(tmp_path / "b", 1500, 3, settings=settings, params=small_batches)
    for relpath in COLUMNS:
        assert read(tmp_path / "a" / relpath).equals(read(tmp_path / "b" / relpath)), relpath


def test_a_failed_run_leaves_nothing_that_looks_complete(
    tmp_path: Path, synth_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ilteo.synth._run as run

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(run, "requests", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(tmp_path / "out", 300, 1, settings=synth_settings)
    assert list((tmp_path / "out").iterdir()) == []


def test_existing_outputs_are_kept_unless_overwrite(
    tmp_path: Path, synth_settings: Settings
) -> None:
    settings = synth_settings
    first = generate(tmp_path / "out", 300, 1, settings=settings)
    with pytest.raises(InvalidInputError, match="overwrite"):
        generate(tmp_path / "out", 300, 2, settings=settings)
    assert (
        digests(tmp_path / "out")["ground_truth/persons.parquet"]
        == (first["files"]["ground_truth/persons.parquet"]["sha256"])
    )
    second = generate(tmp_path / "out", 300, 2, settings=settings, overwrite=True)
    assert second["seed"] == 2


@pytest.mark.parametrize("persons", [0, -3, 1.5, "10", True, 50_000_001])
def test_invalid_person_counts_are_refused_before_writing(
    tmp_path: Path, synth_settings: Settings, persons: Any
) -> None:
    with pytest.raises(InvalidInputError, match="persons"):
        generate(tmp_path / "out", persons, 1, settings=synth_settings)
    assert not (tmp_path / "out").exists()
