"""The search's prepared indexes give the same answers as a plain scan, and the server warm-up."""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import pytest

from ilteo.core.settings import Settings
from ilteo.reference.codes import normalise
from ilteo.reference.search import _alias_index, _alternate_titles, search_occupations
from ilteo.reference.warm import warm_up


@pytest.mark.parametrize(
    "words",
    [["software"], ["data", "scientist"], ["nurse"], ["a"], ["e", "r"], ["없는말"]],
    ids=["one-word", "two-words", "rare", "very-common", "common-pair", "nothing"],
)
def test_alternate_titles_found_by_text_search_equal_a_full_scan(
    settings: Settings, words: list[str]
) -> None:
    frame = _alternate_titles(settings)
    scan = frame.filter(
        pl.all_horizontal([pl.col("folded").str.contains(w, literal=True) for w in words])
    )["code"].to_list()
    assert _alias_index(frame).containing(words) == scan


def test_a_query_of_punctuation_only_matches_codes_not_every_name(settings: Settings) -> None:
    assert normalise("···") == ""
    assert search_occupations("···", settings=settings) == []


def test_every_name_rule_still_applies(settings: Settings) -> None:
    by_code = {h.code: h for h in search_occupations("소프트웨어개발", limit=50, settings=settings)}
    assert by_code["2222"].score == 55.0  # the query without spaces inside a compound name
    exact = search_occupations("software developers", system="onet", settings=settings)[0]
    assert (exact.code, exact.score) == ("15-1252.00", 80.0)
    words = {h.code: h.score for h in search_occupations("developers software", settings=settings)}
    assert words["15-1252.00"] == 60.0  # every word, in another order


def test_warm_up_builds_the_indexes(settings: Settings) -> None:
    assert warm_up(settings) == [
        "occupations",
        "industries",
        "crosswalks",
        "exposure",
        "occupation search",
        "industry search",
    ]


def test_warm_up_without_reference_data_logs_and_builds_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bare = Settings(env="dev", home=tmp_path / "home", reference_dir=tmp_path / "missing")
    with caplog.at_level(logging.INFO, logger="ilteo.reference.warm"):
        assert warm_up(bare) == []
    assert "not built" in caplog.text
