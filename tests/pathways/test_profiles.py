"""Occupation profiles: coverage of O*NET 30.1, fallback flags and Korean names."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import REFERENCE_DIR

from ilteo.core.settings import Settings
from ilteo.pathways.profiles import ALL_GROUP, occupation_profiles
from ilteo.reference.loading import load


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home for the module: the profiles are built once, not per test."""
    home = tmp_path_factory.mktemp("pathways") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


def test_every_onet_occupation_has_a_profile_or_a_flagged_fallback(settings: Settings) -> None:
    index = occupation_profiles(settings)
    codes = set(load("onet", "occupation_data", settings=settings)["O*NET-SOC Code"])
    rated = set(load("onet", "skills", settings=settings)["O*NET-SOC Code"])
    assert set(index.row) == codes
    for occupation in index.occupations:
        assert occupation.fallback == (occupation.code not in rated)
        if occupation.fallback:
            group = occupation.fallback_group
            assert group
            assert group == ALL_GROUP or occupation.code.startswith(group)
    for array in (index.importance, index.level, index.iwa, index.styles, index.interests):
        assert not np.isnan(array).any()
    assert not np.isnan(index.job_zone).any()
    assert not np.isnan(index.education).any()


def test_activity_shares_sum_to_one_and_rated_values_are_kept(settings: Settings) -> None:
    index = occupation_profiles(settings)
    row = index.row["15-1252.00"]  # Software Developers: rated, with core tasks
    assert not index.occupation("15-1252.00").fallback
    assert abs(float(index.iwa[row].sum()) - 1.0) < 1e-4
    programming = index.element_ids.index("2.B.3.e")
    assert index.element_names[programming] == "Programming"
    assert index.level[row, programming] > 4.0
    assert 4 <= index.job_zone[row] <= 5


def test_most_occupations_have_korean_names_with_ksco_codes(settings: Settings) -> None:
    index = occupation_profiles(settings)
    named = [o for o in index.occupations if o.title_ko]
    assert len(named) / len(index.occupations) > 0.9
    for occupation in named:
        assert all(len(k.code) == 4 and 0 < k.confidence <= 1 for k in occupation.ksco)
        confidences = [k.confidence for k in occupation.ksco]
        assert confidences == sorted(confidences, reverse=True)


def test_interests_and_title_vectors(settings: Settings) -> None:
    index = occupation_profiles(settings)
    n = len(index.occupations)
    assert index.interest_names == [
        "Realistic", "Investigative", "Artistic", "Social", "Enterprising", "Conventional"
    ]  # fmt: skip
    assert index.interests.shape == (n, 6)
    assert ((index.interests >= 1) & (index.interests <= 7)).all()
    nurse = index.row["29-1141.00"]  # Registered Nurses: Social is the first interest
    assert int(np.argmax(index.interests[nurse])) == index.interest_names.index("Social")
    assert index.titles.shape == (n, len(index.title_terms))
    norms = np.linalg.norm(index.titles, axis=1)
    assert (norms <= 1 + 1e-4).all()
    assert norms[nurse] > 0.9  # most of a common title's weight is on shared terms
    assert index.titles[nurse, index.title_terms.index("nurse")] > 0
