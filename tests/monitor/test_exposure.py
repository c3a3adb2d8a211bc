"""AI-exposure profiles per ISCO-08 unit group, on the real reference data."""

from __future__ import annotations

from pathlib import Path
from statistics import mean

import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import (
    CAVEAT,
    PRIMARY,
    WEIGHTS,
    IscoProfile,
    build_profiles,
    isco_exposure_profiles,
    missing_profiles,
    percentile_ranks,
    rank_agreement,
    spearman,
)
from ilteo.reference.loading import load

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One settings object for the module, so the cached build is reused across tests."""
    home = tmp_path_factory.mktemp("exposure") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="module")
def profiles(shared: Settings) -> dict[str, IscoProfile]:
    return isco_exposure_profiles(shared)


def test_every_ilo_unit_has_a_profile_or_a_reason(
    shared: Settings, profiles: dict[str, IscoProfile]
) -> None:
    ilo = load(PRIMARY, "isco08_occupation_scores_gmyrek2025", settings=shared)
    codes = set(ilo["ISCO_08"].to_list())
    missing = missing_profiles(shared)
    assert len(codes) == 427
    assert codes <= set(profiles) | set(missing)
    assert not set(profiles) & set(missing)
    assert all(reason.strip() for reason in missing.values())
    # ISCO unit groups the crosswalk tables know but the ILO index does not score.
    assert "0110" in missing
    assert "0110" not in profiles


def test_ranks_bands_and_weights(profiles: dict[str, IscoProfile]) -> None:
    for profile in profiles.values():
        assert PRIMARY in profile.scores
        for score in profile.scores.values():
            assert 0.0 <= score.rank <= 1.0
            assert score.version
            assert score.citation
        assert 0.0 <= profile.band_low <= profile.combined <= profile.band_high <= 1.0
        assert sum(profile.weights.values()) == pytest.approx(1.0)
        assert profile.weights[PRIMARY] >= 0.5
        assert profile.sources == {s: v.version for s, v in profile.scores.items()}


def test_secondary_sources_come_through_the_crosswalk(profiles: dict[str, IscoProfile]) -> None:
    clerks = profiles["4110"]
    assert set(clerks.scores) == set(WEIGHTS)
    for source, score in clerks.scores.items():
        assert (score.n_soc_linked == 0) == (source == PRIMARY)
    # The ILO value is the published mean task score.
    assert clerks.scores[PRIMARY].raw == pytest.approx(0.6)
    linked = sum(len(p.scores) == len(WEIGHTS) for p in profiles.values())
    assert linked >= 400


def test_known_cases(profiles: dict[str, IscoProfile]) -> None:
    clerical = [p.combined for c, p in profiles.items() if c.startswith("4")]
    elementary = [p.combined for c, p in profiles.items() if c.startswith("9")]
    assert mean(clerical) > mean(elementary) + 0.3
    office, cleaners = profiles["4110"], profiles["9112"]
    assert office.combined > 0.8 > 0.2 > cleaners.combined
    assert office.band_low > cleaners.band_high
    assert office.gradient == "Exposed: Gradient 4"
    assert office.leaning == "automation"
    assert cleaners.gradient == "Not Exposed"
    assert cleaners.leaning == "limited"
    assert office.automation_share > cleaners.automation_share


def test_drivers_are_the_highest_scored_tasks(profiles: dict[str, IscoProfile]) -> None:
    for profile in profiles.values():
        scores = [d.score for d in profile.drivers]
        assert 1 <= len(scores) <= 5
        assert scores == sorted(scores, reverse=True)
        assert all(d.task for d in profile.drivers)
    office = profiles["4110"]
    assert "proofreading" in office.drivers[0].task


def test_caveat_is_present(profiles: dict[str, IscoProfile]) -> None:
    assert "not a probability of job loss" in CAVEAT
    assert "일자리 상실 확률이 아닙니다" in CAVEAT
    assert all(p.caveat == CAVEAT for p in profiles.values())


def test_rank_agreement_over_the_stated_n(
    shared: Settings, profiles: dict[str, IscoProfile]
) -> None:
    agreement = rank_agreement(shared)
    assert set(agreement) == set(WEIGHTS)
    felten = agreement["felten_aioe"]
    pairs = [(p.combined, p.scores["felten_aioe"].raw) for p in profiles.values()
             if "felten_aioe" in p.scores]  # fmt: skip
    assert felten.n == len(pairs)
    assert felten.rho == pytest.approx(spearman([a for a, _ in pairs], [b for _, b in pairs]))
    for source, value in agreement.items():
        assert 0.5 < value.rho <= 1.0, source
        assert 0.5 < value.rho_without <= value.rho + 0.05, source


def test_a_missing_source_is_left_out(shared: Settings, profiles: dict[str, IscoProfile]) -> None:
    without = build_profiles(shared, exclude={"microsoft_ai_applicability"}).profiles
    assert set(without) == set(profiles)
    office = without["4110"]
    assert "microsoft_ai_applicability" not in office.scores
    assert sum(office.weights.values()) == pytest.approx(1.0)
    assert office.weights[PRIMARY] == pytest.approx(0.5 / (1 - 1 / 6))
    assert office.combined != profiles["4110"].combined
    assert "microsoft_ai_applicability" not in rank_agreement(shared, without)
    with pytest.raises(InvalidInputError):
        build_profiles(shared, exclude={PRIMARY})
    with pytest.raises(InvalidInputError):
        build_profiles(shared, exclude={"no_such_index"})


def test_percentile_ranks_and_spearman() -> None:
    assert percentile_ranks({"a": 2.0, "b": 1.0, "c": 2.0}) == {"a": 0.75, "b": 0.0, "c": 0.75}
    assert percentile_ranks({"a": 3.0}) == {"a": 0.5}
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
