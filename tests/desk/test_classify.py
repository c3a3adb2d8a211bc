"""The request classifier: split, held-out quality, output shape, bad input, retraining."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ilteo.core.settings import Settings
from ilteo.desk import classify
from ilteo.desk.classify import (
    Classification,
    ModelInfo,
    classifier,
    is_test,
    labelled,
    metrics,
    split,
    train,
)
from ilteo.desk.features import clip, embed, tokens
from ilteo.desk.taxonomy import CATEGORIES


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, ModelInfo]:
    """One model trained on the labelled train split, in its own home (shared by the module)."""
    settings = Settings(env="dev", home=tmp_path_factory.mktemp("desk") / "home")
    return settings, train(settings)


def test_split_is_deterministic_and_about_a_fifth() -> None:
    examples = labelled()
    first_train, first_test = split(examples)
    _, second_test = split(labelled())
    assert [e.id for e in first_test] == [e.id for e in second_test]
    assert len(first_train) + len(first_test) == len(examples)
    assert not {e.id for e in first_train} & {e.id for e in first_test}
    assert 0.12 < len(first_test) / len(examples) < 0.28
    assert is_test("wage_arrears-001") == is_test("wage_arrears-001")
    assert {e.category for e in examples} <= set(CATEGORIES)


def test_features_shapes() -> None:
    assert tokens("사장님이 월급을 3개월째 안 줘요") == ["사장", "월급", "3", "개월", "주"]
    assert tokens("") == []
    assert tokens("😀😀") == []
    vectors = embed(["임금체불 신고", "실업급여 신청"], query=True)
    assert vectors.shape == (2, 384)
    assert vectors.dtype.name == "float32"
    assert abs(float((vectors**2).sum(axis=1).max()) - 1.0) < 1e-4


def test_model_beats_the_majority_class_widely(trained: tuple[Settings, ModelInfo]) -> None:
    _, info = trained
    card = info.card
    _, test_part = split(labelled())
    truth = [e.category for e in test_part]
    majority = Counter(e.category for e in split(labelled())[0]).most_common(1)[0][0]
    assert metrics(truth, [majority] * len(truth))["macro_f1"] < 0.2
    assert card["data"]["test"] > 0.12 * card["data"]["labelled"]
    assert card["metrics_test"]["macro_f1"] > 0.6
    assert card["metrics_test"]["accuracy"] > 0.6


def test_model_and_card_are_saved(trained: tuple[Settings, ModelInfo]) -> None:
    settings, info = trained
    assert info.path == settings.cache_dir / "desk" / f"classifier-{info.version}.joblib"
    assert info.path.exists()
    card = json.loads(info.path.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["version"] == info.version
    assert card["data"]["corrections"] == 0
    assert set(card["metrics_test"]) >= {"accuracy", "macro_f1", "f1"}


def test_classification_shape(trained: tuple[Settings, ModelInfo]) -> None:
    settings, info = trained
    result = classifier(settings).classify("사장님이 석 달째 월급을 안 줘요. 어디에 신고하나요?")
    assert isinstance(result, Classification)
    assert result.category == "wage_arrears"
    assert result.model_version == info.version
    assert len(result.candidates) == 3
    assert result.candidates[0] == (result.category, result.confidence)
    probabilities = [p for _, p in result.candidates]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0 + 1e-6
    assert len({code for code, _ in result.candidates}) == 3
    assert all(code in CATEGORIES for code, _ in result.candidates)


@pytest.mark.parametrize("text", ["", "   ", "😀🙏😭🔥", "<script>alert(1)</script>"])
def test_empty_and_emoji_texts_are_classified_without_error(
    trained: tuple[Settings, ModelInfo], text: str
) -> None:
    settings, _ = trained
    result = classifier(settings).classify(text)
    assert result.category in CATEGORIES
    assert 0.0 < result.confidence <= 1.0


def test_a_megabyte_of_text_is_clipped(trained: tuple[Settings, ModelInfo]) -> None:
    settings, _ = trained
    big = ("회사가 퇴직금을 주지 않습니다. " * 60_000)[:1_000_000] + " 마지막 문장입니다."
    assert len(big) > 1_000_000
    clipped = clip(big, classify.WORDS_MAX_CHARS)
    assert len(clipped) <= classify.WORDS_MAX_CHARS + 3
    assert clipped.endswith("마지막 문장입니다.")
    model = classifier(settings)
    assert model.classify(big) == model.classify(clipped)


def test_corrections_move_the_prediction(
    trained: tuple[Settings, ModelInfo], tmp_path: Path
) -> None:
    base_settings, base = trained
    text = "매장에서 일하는데 요즘 키오스크가 들어와서 제 자리가 없어질 것 같아요"
    before = classifier(base_settings).classify(text)
    target = "other" if before.category != "other" else "working_hours"
    settings = Settings(env="dev", home=tmp_path / "home")
    info = train(settings, corrections=[(text, target)])
    assert info.version != base.version
    assert info.card["data"]["corrections"] == 1
    after = classifier(settings).classify(text)
    assert after.category == target
    assert after.model_version == info.version
    # a new process finds the corrected model through the home's pointer, not the base one
    classify._LOADED.clear()
    assert classifier(settings).version == info.version


def test_classifier_trains_on_first_use(tmp_path: Path) -> None:
    settings = Settings(env="dev", home=tmp_path / "home")
    model = classifier(settings)
    assert (settings.cache_dir / "desk" / f"classifier-{model.version}.joblib").exists()
    assert classifier(settings) is model


def test_unknown_correction_category_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown category"):
        train(Settings(env="dev", home=tmp_path / "home"), corrections=[("텍스트", "nope")])
