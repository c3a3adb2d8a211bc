"""Exposure profiles when a source is missing from the reference folder (issue 7, bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import REFERENCE_DIR

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import (
    PRIMARY,
    WEIGHTS,
    isco_exposure_profiles,
    unavailable_sources,
)
from ilteo.monitor.ksco import ksco_index, ksco_profile
from ilteo.monitor.lookup import exposure_lookup
from ilteo.reference.datasets import get_dataset

MICROSOFT = "microsoft_ai_applicability"


def _reference_without(root: Path, dataset: str) -> Path:
    """A reference folder of symlinks to every entry of the real one except ``dataset``'s folder."""
    root.mkdir(parents=True)
    left_out = get_dataset(dataset).folder
    assert (REFERENCE_DIR / left_out).is_dir()
    for entry in REFERENCE_DIR.iterdir():
        if entry.name != left_out:
            (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return root


@pytest.fixture(scope="module")
def without_microsoft(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("missing_source")
    reference = _reference_without(base / "reference", MICROSOFT)
    return Settings(env="dev", home=base / "home", reference_dir=reference)


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("complete_source") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


def test_missing_secondary_source_is_dropped_and_named(
    without_microsoft: Settings, complete: Settings
) -> None:
    profiles = isco_exposure_profiles(without_microsoft)
    full = isco_exposure_profiles(complete)
    assert set(profiles) == set(full)
    assert set(unavailable_sources(without_microsoft)) == {MICROSOFT}
    assert "microsoft_ai_applicability" in unavailable_sources(without_microsoft)[MICROSOFT]
    assert unavailable_sources(complete) == {}
    for code, profile in profiles.items():
        assert profile.missing_sources == (MICROSOFT,)
        assert MICROSOFT not in profile.scores
        assert MICROSOFT not in profile.sources
        assert 0.0 <= profile.band_low <= profile.combined <= profile.band_high <= 1.0
        assert sum(profile.weights.values()) == pytest.approx(1.0)
        assert set(profile.weights) == set(profile.scores)
        assert full[code].missing_sources == ()
    # The other sources are all still there, with the weights renormalised over them.
    both = [p for p in profiles.values() if set(p.scores) == set(WEIGHTS) - {MICROSOFT}]
    assert both
    assert both[0].weights[PRIMARY] == pytest.approx(0.5 / (1 - WEIGHTS[MICROSOFT]))
    # Built without the source, so not the complete folder's cached build.
    changed = [c for c in profiles if profiles[c].combined != pytest.approx(full[c].combined)]
    assert changed


def _assert_ksco(profile_settings: Settings) -> None:
    index = ksco_index(profile_settings)
    assert len(index.profiles) > 400
    for profile in index.profiles.values():
        assert profile.missing_sources == (MICROSOFT,)
        assert MICROSOFT not in profile.source_ranks
        assert 0.0 <= profile.combined <= 1.0


def test_ksco_profiles_and_lookup_name_the_missing_source(without_microsoft: Settings) -> None:
    _assert_ksco(without_microsoft)
    profile = ksco_profile(without_microsoft, "2221")
    assert profile.missing_sources == (MICROSOFT,)
    assert 0.0 <= profile.combined <= 1.0
    answer = exposure_lookup(without_microsoft, "2221").to_json()
    assert answer["missing_sources"] == [MICROSOFT]
    assert list(answer["ksco"]["missing_sources"]) == [MICROSOFT]
    assert 0.0 <= answer["combined"] <= 1.0
    # A SOC 2018 code: Microsoft's native system, so no Microsoft score is read on it either.
    soc = exposure_lookup(without_microsoft, "15-1252").to_json()
    assert soc["missing_sources"] == [MICROSOFT]
    assert soc["isco"]
    assert all(s["index"] != MICROSOFT for s in soc["native_scores"])


def test_complete_reference_lists_no_missing_source(complete: Settings) -> None:
    answer = exposure_lookup(complete, "2221").to_json()
    assert answer["missing_sources"] == []
    assert ksco_profile(complete, "2221").missing_sources == ()


def test_missing_primary_source_is_a_clear_error(tmp_path: Path) -> None:
    reference = _reference_without(tmp_path / "reference", PRIMARY)
    settings = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)
    with pytest.raises(DataUnavailableError) as caught:
        isco_exposure_profiles(settings)
    assert PRIMARY in caught.value.detail
    assert "cannot be built without" in caught.value.detail
    assert caught.value.extra["dataset"] == PRIMARY
    with pytest.raises(DataUnavailableError, match=PRIMARY):
        ksco_profile(settings, "2221")
