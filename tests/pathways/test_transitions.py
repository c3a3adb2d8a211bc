"""Transitions: asymmetry, the cosine baseline, bad input and the evaluation's metrics."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from tests.conftest import REFERENCE_DIR

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.pathways.profiles import occupation_profiles
from ilteo.pathways.transitions import (
    all_pairs,
    components,
    load_thresholds,
    parse_thresholds,
    similar_occupations,
)
from ilteo.reference.loading import load

EVAL = Path(__file__).resolve().parents[2] / "evals" / "pathways" / "transitions.py"


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_pathways_transitions", EVAL)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home for the module: the profiles are built once, not per test."""
    home = tmp_path_factory.mktemp("pathways") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


def test_model_is_asymmetric_and_missing_skills_cost_more(settings: Settings) -> None:
    index = occupation_profiles(settings)
    pairs = all_pairs(settings)
    nurse, aide = index.row["29-1141.00"], index.row["31-1131.00"]  # registered nurse, nursing aide
    assert pairs[nurse, aide] != pairs[aide, nurse]
    # The aide lacks much of the nurse's knowledge: moving up costs more than moving down.
    assert pairs[aide, nurse] < pairs[nurse, aide]
    parts = components(index, np.array([aide, nurse]))
    assert parts["missing"][0, nurse] > parts["missing"][1, aide]
    weights = load_thresholds().weights
    assert weights["missing"] > weights["surplus"]


def test_asymmetry_is_enforced_by_the_thresholds_file() -> None:
    data = {
        "version": 9,
        "weights": {"missing": 0.5, "surplus": 1.0, "profile": 1, "activities": 1, "zone": 0,
                    "education": 0, "styles": 0, "text": 1, "titles": 1, "interests": 1,
                    "fallback": 1, "up": 1, "down": 0.5},
        "filters": {"viable": {"min_score": 0}},
    }  # fmt: skip
    with pytest.raises(InvalidInputError):
        parse_thresholds(data)
    data["weights"]["missing"] = 2.0
    assert parse_thresholds(data).version == 9
    del data["weights"]["titles"]  # every component needs its weight
    with pytest.raises(InvalidInputError):
        parse_thresholds(data)


def test_baseline_equals_a_hand_cosine(settings: Settings) -> None:
    skills = load("onet", "skills", settings=settings)
    knowledge = load("onet", "knowledge", settings=settings)

    def vector(code: str) -> np.ndarray:
        values = []
        for frame in (skills, knowledge):
            part = frame.filter(
                (frame["O*NET-SOC Code"] == code) & (frame["Scale ID"] == "IM")
            ).sort("Element ID")
            values += part["Data Value"].to_list()
        return np.array(values)

    a, b = vector("15-1252.00"), vector("15-1211.00")
    hand = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    found = similar_occupations(settings, "15-1252.00", top=100, model="baseline")
    score = next(t.score for t in found if t.target == "15-1211.00")
    assert score == pytest.approx(hand, abs=1e-4)


def test_interests_component_equals_a_hand_cosine(settings: Settings) -> None:
    interests = load("onet", "interests", settings=settings)

    def riasec(code: str) -> np.ndarray:
        part = interests.filter(
            (interests["O*NET-SOC Code"] == code) & (interests["Scale ID"] == "OI")
        ).sort("Element ID")
        assert part.height == 6
        return np.array(part["Data Value"].to_list())

    index = occupation_profiles(settings)
    a, b = riasec("29-1141.00"), riasec("15-1252.00")
    hand = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    parts = components(index, np.array([index.row["29-1141.00"]]))
    assert parts["interests"][0, index.row["15-1252.00"]] == pytest.approx(hand, abs=1e-4)
    assert parts["interests"][0, index.row["29-1141.00"]] == pytest.approx(1.0, abs=1e-4)


def test_titles_component_rewards_shared_job_titles(settings: Settings) -> None:
    index = occupation_profiles(settings)
    nurse = index.row["29-1141.00"]  # Registered Nurses
    parts = components(index, np.array([nurse]))["titles"][0]
    assert "nurse" in index.title_terms
    # Terms of one occupation only are dropped: cosines between two occupations are unchanged,
    # the self-similarity is the squared norm of the shared part.
    assert parts[nurse] == pytest.approx(float(index.titles[nurse] @ index.titles[nurse]), abs=1e-4)
    assert np.all((parts >= 0) & (parts <= 1 + 1e-4))
    # Nurse practitioners and licensed practical nurses share "nurse"; software developers not.
    software = parts[index.row["15-1252.00"]]
    assert parts[index.row["29-1171.00"]] > software
    assert parts[index.row["29-2061.00"]] > software
    assert software == pytest.approx(0.0, abs=0.05)
    pairs = all_pairs(settings)
    rows = np.array([nurse, index.row["29-1171.00"]])
    titles = components(index, rows)["titles"]
    assert titles[0, rows[1]] == pytest.approx(titles[1, rows[0]], abs=1e-5)  # symmetric part
    assert np.isfinite(pairs[nurse]).all()


def test_similar_occupations_are_explained(settings: Settings) -> None:
    found = similar_occupations(settings, "15-1252", top=5)
    assert [t.rank for t in found] == [1, 2, 3, 4, 5]
    assert all(t.target != "15-1252.00" for t in found)
    assert [t.score for t in found] == sorted((t.score for t in found), reverse=True)
    first = found[0]
    assert first.target.startswith("15-")
    assert first.filters["desirable"] is None
    assert first.filters["safer"] is None
    assert first.strengths
    assert first.gaps
    assert all(g.target_level > g.origin_level for g in first.gaps)
    assert first.thresholds_version == load_thresholds().version


def test_unknown_code_suggests_the_nearest_by_title(settings: Settings) -> None:
    with pytest.raises(NotFoundError) as caught:
        similar_occupations(settings, "registered nurse")
    assert any("29-1141.00" in s for s in caught.value.extra["suggestions"])
    with pytest.raises(NotFoundError) as caught:
        similar_occupations(settings, "15-1299.99")
    assert all(s.startswith("15-1") for s in caught.value.extra["suggestions"])
    with pytest.raises(InvalidInputError):
        similar_occupations(settings, "15-1252.00", top=0)


def test_all_pairs_matrix_shape(settings: Settings) -> None:
    n = len(occupation_profiles(settings).occupations)
    for model in ("ilteo", "baseline"):
        pairs = all_pairs(settings, model=model)
        assert pairs.shape == (n, n)
        assert pairs.dtype == np.float32
        assert np.isfinite(pairs).all()


def test_metric_functions_on_a_hand_example() -> None:
    m = _eval_module()
    ranked = ["a", "b", "c", "d", "e", "f"]
    grades = {"b": 3.0, "e": 1.0, "z": 2.0}
    dcg = 3 / np.log2(3) + 1 / np.log2(6)
    idcg = 3 / np.log2(2) + 2 / np.log2(3) + 1 / np.log2(4)
    assert m.ndcg_at_k(ranked, grades, 10) == pytest.approx(dcg / idcg)
    assert m.precision_at_k(ranked, grades, 5) == pytest.approx(2 / 5)
    assert m.reciprocal_rank(ranked, grades) == pytest.approx(1 / 2)
    assert m.reciprocal_rank(ranked, {"q"}) == 0.0
    assert m.recall_at_k(ranked, {"a", "f", "z"}, 5) == pytest.approx(1 / 3)
    assert m.recall_at_k(ranked, {"a", "f", "z"}, 10) == pytest.approx(2 / 3)
    assert m.is_development("15-1252.00") == m.is_development("15-1252.00")
