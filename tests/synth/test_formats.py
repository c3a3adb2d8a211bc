"""Each system's own format: a CP949 legacy CSV, JSON Lines, Parquet; phone and address styles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest


def test_training_export_is_cp949_and_not_utf8(country: tuple[Path, dict[str, Any]]) -> None:
    raw = (country[0] / "training/kdt_enrolments.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp949")
    assert text.startswith("수강번호,훈련생명,생년월일")
    assert "\r\n" in text


def test_training_export_has_no_rrn_but_name_birth_date_and_phone(
    country: tuple[Path, dict[str, Any]],
) -> None:
    frame = pl.read_csv(
        country[0] / "training/kdt_enrolments.csv", encoding="cp949", infer_schema=False
    )
    assert not any("주민" in c or "rrn" in c.lower() for c in frame.columns)
    births = frame["생년월일"].drop_nulls()
    assert births.str.contains(r"^\d{8}$").all()
    assert frame["휴대폰번호"].drop_nulls().str.contains(r"^010\d{8}$|^010-\d{4}-\d{4}$").all()


def test_json_lines_are_one_object_per_line(country: tuple[Path, dict[str, Any]]) -> None:
    for relpath in ("job_seekers/registrations.jsonl", "requests/epeople_requests.jsonl"):
        lines = (country[0] / relpath).read_text(encoding="utf-8").splitlines()
        assert lines
        assert all(isinstance(json.loads(line), dict) for line in lines)


def _share(values: pl.Series, pattern: str) -> float:
    values = values.drop_nulls()
    return float(values.str.contains(pattern).mean() or 0.0)


def test_phone_and_address_styles_differ_by_system(large_country: Path) -> None:
    regs = pl.read_ndjson(large_country / "job_seekers/registrations.jsonl")
    training = pl.read_csv(
        large_country / "training/kdt_enrolments.csv", encoding="cp949", infer_schema=False
    )
    requests = pl.read_ndjson(large_country / "requests/epeople_requests.jsonl")
    assert _share(regs["phone"], r"^010-\d{4}-\d{4}$") > 0.7
    assert _share(training["휴대폰번호"], r"^010\d{8}$") > 0.7
    assert _share(requests["petitioner_phone"], r"^\+82 10-") > 0.1
    # Official 시도 names in one system; abbreviated 시도 and some 지번 addresses in the other.
    assert _share(regs["address"], r"^(서울특별시|경기도|부산광역시) ") > 0.4
    assert _share(training["주소"], r"^(서울|경기|부산) ") > 0.4
    assert _share(training["주소"], r"동 \d+(-\d+)?$") > 0.1
