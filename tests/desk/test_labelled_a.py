"""The team-written labelled set, first ten categories (``ilteo/desk/data/labelled/<code>.jsonl``).

Checks the shape every consumer relies on (one JSON object per line, ids, categories, registers,
urgency codes), the spread over registers, that fake personal data can never be real (impossible
resident registration number dates, ``010-0000`` phones, ``example.com`` mail) and that the texts
were written independently of the synthetic generator's templates.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

import ilteo.desk
import ilteo.synth
from ilteo.core.ids import rrn_birth_date
from ilteo.desk.taxonomy import CATEGORIES, URGENT_FLAGS

LABELLED = Path(ilteo.desk.__file__).parent / "data" / "labelled"
REQUEST_TEMPLATES = Path(ilteo.synth.__file__).parent / "requests.yaml"

#: The categories this file covers (the other nine are checked by ``test_labelled_b``).
CODES = (
    "wage_arrears",
    "severance_pay",
    "unfair_dismissal",
    "workplace_harassment",
    "working_hours",
    "minimum_wage",
    "industrial_accident_comp",
    "safety_hazard",
    "unemployment_benefit",
    "job_seeking_support",
)
REGISTERS = {"formal", "colloquial", "typos", "sms", "narrative", "mixed"}
KEYS = {"id", "text", "category", "register", "urgent", "note"}
MIN_PER_CATEGORY = 48
MIN_PER_REGISTER = 3
RRN_LIKE = re.compile(r"(?<!\d)(\d{6})-(\d{7})(?!\d)")
PHONE_LIKE = re.compile(r"(?<!\d)01[016789]-?\d{3,4}-?\d{4}(?!\d)")
EMAIL_LIKE = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", re.ASCII)


def _rows(code: str) -> list[dict[str, Any]]:
    path = LABELLED / f"{code}.jsonl"
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number} is blank"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number} is not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the ten files, by category code."""
    return {code: _rows(code) for code in CODES}


def test_codes_are_taxonomy_codes() -> None:
    assert set(CODES) <= set(CATEGORIES)


@pytest.mark.parametrize("code", CODES)
def test_rows_have_the_contract_shape(code: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    for row in rows[code]:
        assert set(row) <= KEYS, row.get("id")
        assert KEYS - {"note"} <= set(row), row.get("id")
        assert re.fullmatch(rf"{code}-\d{{3}}", row["id"]), row["id"]
        assert row["category"] == code, row["id"]
        assert isinstance(row["text"], str), row["id"]
        assert row["text"].strip() == row["text"] != "", row["id"]
        assert row["register"] in REGISTERS, row["id"]
        assert isinstance(row["urgent"], list), row["id"]
        assert set(row["urgent"]) <= set(URGENT_FLAGS), row["id"]
        assert len(set(row["urgent"])) == len(row["urgent"]), row["id"]
        assert isinstance(row.get("note", ""), str), row["id"]


def test_ids_are_unique(rows: dict[str, list[dict[str, Any]]]) -> None:
    ids = Counter(row["id"] for code in CODES for row in rows[code])
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("code", CODES)
def test_enough_texts_in_every_register(code: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    registers = Counter(row["register"] for row in rows[code])
    assert sum(registers.values()) >= MIN_PER_CATEGORY
    assert {r: registers[r] for r in REGISTERS if registers[r] < MIN_PER_REGISTER} == {}


@pytest.mark.parametrize("code", CODES)
def test_registers_keep_their_promise(code: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    for row in rows[code]:
        if row["register"] == "sms":
            assert len(row["text"]) < 40, row["id"]
        elif row["register"] == "narrative":
            assert 300 <= len(row["text"]) <= 900, row["id"]


def test_a_share_is_urgent(rows: dict[str, list[dict[str, Any]]]) -> None:
    everything = [row for code in CODES for row in rows[code]]
    urgent = [row for row in everything if row["urgent"]]
    assert 0.08 <= len(urgent) / len(everything) <= 0.2
    assert {flag for row in urgent for flag in row["urgent"]} == set(URGENT_FLAGS)
    hazards = [row for row in rows["safety_hazard"] if "imminent_danger" in row["urgent"]]
    assert len(hazards) >= 5


def test_resident_numbers_have_impossible_dates(rows: dict[str, list[dict[str, Any]]]) -> None:
    found = 0
    for code in CODES:
        for row in rows[code]:
            for front, back in RRN_LIKE.findall(row["text"]):
                found += 1
                assert rrn_birth_date(f"{front}-{back}") is None, row["id"]
                # Independently of the century digit: no year (even a leap year) makes it a date.
                with pytest.raises(ValueError, match=r"must be in|out of range"):
                    date(2000, int(front[2:4]), int(front[4:6]))
    assert found >= 5  # the masking tests need some


def test_phones_and_mail_are_fake(rows: dict[str, list[dict[str, Any]]]) -> None:
    phones = mails = 0
    for code in CODES:
        for row in rows[code]:
            for phone in PHONE_LIKE.findall(row["text"]):
                phones += 1
                assert phone.startswith("010-0000-"), row["id"]
            for domain in EMAIL_LIKE.findall(row["text"]):
                mails += 1
                assert domain == "example.com", row["id"]
    assert phones >= 10
    assert mails >= 5


def test_no_duplicate_texts_in_the_folder() -> None:
    """Across every labelled file that exists (the other half is written separately)."""
    texts: Counter[str] = Counter()
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts[" ".join(json.loads(line)["text"].split())] += 1
    assert [t for t, n in texts.items() if n > 1] == []


def _template_fragments(node: object) -> set[str]:
    if isinstance(node, str):
        return {p.strip() for p in re.split(r"\{[^}]*\}", node) if len(p.strip()) >= 20}
    if isinstance(node, dict):
        return set().union(*(_template_fragments(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_template_fragments(v) for v in node))
    return set()


def test_written_independently_of_the_synthetic_templates(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    fragments = _template_fragments(yaml.safe_load(REQUEST_TEMPLATES.read_text(encoding="utf-8")))
    assert len(fragments) > 20  # the templates are there to compare with
    copied = [
        (row["id"], fragment)
        for code in CODES
        for row in rows[code]
        for fragment in fragments
        if fragment in row["text"]
    ]
    assert copied == []
