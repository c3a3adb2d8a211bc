"""Course matching for training plans, on the real K-Digital Training catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import REFERENCE_DIR

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.pathways.courses import (
    EMBED_CALLS,
    Gap,
    adjacency,
    build_course_index,
    catalogue,
    embedding_cache_path,
    glossary,
    match_courses,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home for the module, so the catalogue is embedded once."""
    home: Path = tmp_path_factory.mktemp("courses") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


def test_catalogue_counts_and_parsed_numbers(shared: Settings) -> None:
    courses = catalogue(shared)
    assert len(courses) == 807
    assert sum(c.runs for c in courses) == 3960
    first = next(c for c in courses if c.course_id == "AIG20200000286626")
    assert first.ncs_code == "20010105"
    assert first.sido == "11"
    assert first.days == 120
    assert first.hours == 960
    assert first.cost_krw == 9_140_160
    assert first.completion_rate is not None
    assert 0 < first.completion_rate <= 1
    vr = next(c for c in courses if c.course_id == "AIG20200000286570")
    assert vr.ncs_code == "08020112"  # the leading zero the file drops is restored
    assert all(len(c.ncs_code) == 8 for c in courses)
    assert all(c.sido is not None for c in courses)
    rates = [c.completion_rate for c in courses if c.completion_rate is not None]
    assert all(0 <= r <= 1 for r in rates)
    assert len(rates) < len(courses)
    ratings = [c.satisfaction for c in courses if c.satisfaction is not None]
    assert all(0 < r <= 100 for r in ratings)


def test_glossary_and_regions_are_complete() -> None:
    assert len(glossary()) == 35 + 33 - 1  # Mathematics is both a skill and a knowledge area
    near = adjacency()
    assert len(near) == 17
    assert all(a in near[b] for a, bs in near.items() for b in bs)  # symmetric


def test_programming_returns_software_courses(shared: Settings) -> None:
    matches = match_courses(shared, [Gap("Programming")])
    assert len(matches) == 3
    assert all(m.course.ncs_code.startswith("2001") for m in matches)
    assert all("Programming" in m.covers for m in matches)
    best = matches[0]
    assert set(best.parts) >= {"closure", "completion", "satisfaction", "duration", "distance"}
    assert best.estimated_self_pay_krw == 0
    assert best.cost_krw
    assert "K-디지털" in best.basis


def test_region_preference(shared: Settings) -> None:
    gaps = [Gap("Programming"), Gap("Computers and Electronics", weight=0.5)]
    anywhere = match_courses(shared, gaps)
    busan = match_courses(shared, gaps, region="부산")
    assert any(m.course.sido != "26" for m in anywhere)
    assert busan
    assert all(m.course.sido == "26" and m.distance == "same" for m in busan)
    assert match_courses(shared, gaps, region="26") == busan


def test_unrelated_gap_gets_no_course(shared: Settings) -> None:
    assert match_courses(shared, [Gap("Active Listening")]) == []


def test_bad_input(shared: Settings) -> None:
    with pytest.raises(InvalidInputError):
        match_courses(shared, [])
    with pytest.raises(InvalidInputError):
        match_courses(shared, [Gap("Programming")], region="Atlantis")
    with pytest.raises(InvalidInputError):
        match_courses(shared, [Gap("Programming", weight=0)])
    with pytest.raises(InvalidInputError):
        match_courses(shared, [Gap("Programming")], top=0)


def test_embedding_cache_is_reused(shared: Settings) -> None:
    build_course_index(shared)
    path = embedding_cache_path(shared)
    assert path.exists()
    before, mtime = EMBED_CALLS["passage"], path.stat().st_mtime_ns
    index = build_course_index(shared)
    assert EMBED_CALLS["passage"] == before
    assert path.stat().st_mtime_ns == mtime
    assert index.embeddings.shape == (807, 384)
