"""The team-written labelled set, second half: shape, coverage of registers, safe fake data."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import ilteo.desk
from ilteo.desk.taxonomy import CATEGORIES, URGENT_FLAGS

LABELLED = Path(ilteo.desk.__file__).parent / "data" / "labelled"
REQUESTS_YAML = Path(ilteo.desk.__file__).parents[1] / "synth" / "requests.yaml"

#: The categories this half of the set covers (labelsA writes the other ten).
CODES = (
    "vocational_training",
    "parental_leave",
    "employment_insurance",
    "foreign_workers",
    "discrimination",
    "labor_union",
    "employer_subsidy",
    "ai_transition",
    "other",
)
REGISTERS = {"formal", "colloquial", "typos", "sms", "narrative", "mixed"}
KEYS = {"id", "text", "category", "register", "urgent"}
#: 40 to train after a held-out split.
MIN_PER_CATEGORY = 48
MIN_PER_REGISTER = 3
NUMBER_LIKE_RRN = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-\d{7}(?!\d)")
FAKE_PII = re.compile(
    r"010-0000-\d{4}|@example\.com|(?<!\d)\d{6}-\d{7}(?!\d)|은행 \(?\d[\d-]{8,}|[로길] \d+"
)


def _rows(code: str) -> list[dict[str, Any]]:
    path = LABELLED / f"{code}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _all_rows() -> list[dict[str, Any]]:
    return [row for code in CODES for row in _rows(code)]


def _possible_date(yy: str, mm: str, dd: str) -> bool:
    for century in (1900, 2000):
        try:
            date(century + int(yy), int(mm), int(dd))
        except ValueError:
            continue
        return True
    return False


def test_the_codes_are_categories_of_the_taxonomy() -> None:
    assert set(CODES) <= set(CATEGORIES)
    assert len(CODES) == 9


@pytest.mark.parametrize("code", CODES)
def test_every_line_parses_with_the_expected_fields(code: str) -> None:
    path = LABELLED / f"{code}.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number} is blank"
        row = json.loads(line)
        assert isinstance(row, dict)
        assert KEYS <= set(row) <= KEYS | {"note"}, f"{path.name}:{number} {sorted(row)}"
        assert row["category"] == code
        assert re.fullmatch(rf"{code}-\d{{3}}", row["id"]), row["id"]
        assert row["register"] in REGISTERS
        assert isinstance(row["text"], str)
        assert row["text"].strip() == row["text"]
        assert row["text"]
        assert isinstance(row["urgent"], list)
        assert set(row["urgent"]) <= set(URGENT_FLAGS), row["urgent"]
        assert len(set(row["urgent"])) == len(row["urgent"])
        assert isinstance(row.get("note", ""), str)


def test_ids_are_unique() -> None:
    ids = Counter(row["id"] for row in _all_rows())
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("code", CODES)
def test_texts_are_not_repeated_within_a_category(code: str) -> None:
    texts = Counter(row["text"] for row in _rows(code))
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("code", CODES)
def test_each_category_has_enough_examples_in_every_register(code: str) -> None:
    rows = _rows(code)
    assert len(rows) >= MIN_PER_CATEGORY
    registers = Counter(row["register"] for row in rows)
    for register in sorted(REGISTERS):
        assert registers[register] >= MIN_PER_REGISTER, (code, register, registers[register])


@pytest.mark.parametrize("code", CODES)
def test_registers_keep_their_length(code: str) -> None:
    for row in _rows(code):
        if row["register"] == "sms":
            assert len(row["text"]) < 40, row["id"]
        elif row["register"] == "narrative":
            assert 300 <= len(row["text"]) <= 900, (row["id"], len(row["text"]))


@pytest.mark.parametrize("code", CODES)
def test_each_category_has_hard_cases(code: str) -> None:
    """Texts that use another category's words on purpose, so keywords alone cannot decide."""
    hard = [row["id"] for row in _rows(code) if "hard case" in row.get("note", "")]
    assert len(hard) >= 2, code


def test_no_number_that_could_be_a_real_registration_number() -> None:
    for row in _all_rows():
        for match in NUMBER_LIKE_RRN.finditer(row["text"]):
            assert not _possible_date(*match.groups()), (row["id"], match.group())


def test_the_possible_date_check_itself() -> None:
    assert _possible_date("90", "01", "15")
    assert _possible_date("00", "02", "29")
    assert not _possible_date("90", "13", "01")
    assert not _possible_date("90", "12", "32")
    assert not _possible_date("95", "00", "13")


def test_fake_personal_data_and_urgency_appear_in_realistic_shares() -> None:
    rows = _all_rows()
    with_pii = sum(1 for row in rows if FAKE_PII.search(row["text"]))
    urgent = sum(1 for row in rows if row["urgent"])
    assert 0.10 <= with_pii / len(rows) <= 0.30
    assert 0.05 <= urgent / len(rows) <= 0.20
    phones = [p for row in rows for p in re.findall(r"01[016789]-\d{3,4}-\d{4}", row["text"])]
    assert phones
    assert all(p.startswith("010-0000-") for p in phones)
    emails = [
        e for row in rows for e in re.findall(r"[A-Za-z0-9._]+@[A-Za-z0-9.]*[A-Za-z]", row["text"])
    ]
    assert emails
    assert all(e.endswith("@example.com") for e in emails)


def test_other_holds_vague_and_spam_texts() -> None:
    notes = " ".join(row.get("note", "") for row in _rows("other"))
    assert "spam" in notes
    assert "vague" in notes
    assert all("고용허가" not in row["text"] for row in _rows("other"))


def test_texts_are_written_independently_of_the_synthetic_templates() -> None:
    """No 25-character stretch of a labelled text occurs in the synthetic generator's templates."""
    if not REQUESTS_YAML.is_file():
        pytest.skip(f"{REQUESTS_YAML} not found")
    width = 25
    templates = re.sub(r"\s+", " ", REQUESTS_YAML.read_text(encoding="utf-8"))
    shingles = {templates[i : i + width] for i in range(len(templates) - width + 1)}
    for row in _all_rows():
        text = re.sub(r"\s+", " ", row["text"])
        shared = [text[i : i + width] for i in range(len(text) - width + 1)]
        assert not any(s in shingles for s in shared), row["id"]
