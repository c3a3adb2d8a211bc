"""The risk model: trained by time, calibrated on a later year, explained, saved and loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.monitor.charts import render_svg
from ilteo.safety.features import FEATURES, build
from ilteo.safety.model import (
    RiskModel,
    calibration_metrics,
    explain,
    fit,
    load,
    matrix,
    reliability_spec,
    save,
)
from ilteo.safety.table import Table

TRAIN = [2021, 2022, 2023]
TEST = 2024


@pytest.fixture(scope="module")
def feats(safety_table_20k: Table) -> pl.DataFrame:
    return build(safety_table_20k)


@pytest.fixture(scope="module")
def trained(feats: pl.DataFrame) -> RiskModel:
    return fit(feats, train_years=TRAIN, source="synthetic panel", synthetic=True, rounds=80)


def test_fit_learns_only_from_the_training_years(trained: RiskModel, feats: pl.DataFrame) -> None:
    assert trained.train_years == tuple(TRAIN)
    assert trained.calibration_year == 2023
    assert trained.synthetic
    assert trained.source == "synthetic panel"
    training = trained.metrics["training"]
    rows = feats.filter(pl.col("year").is_in(TRAIN) & pl.col("serious_next").is_not_null())
    assert training["rows"] == rows.height
    assert training["positives"] == int(rows["serious_next"].sum())
    # the calibration metrics are those of the calibration year alone
    assert training["calibration"]["n"] == rows.filter(pl.col("year") == 2023).height
    assert set(trained.categories) == {"sector", "subsector", "size_class", "region"}


def test_predict_gives_a_probability_and_expected_cases_per_row(
    trained: RiskModel, feats: pl.DataFrame
) -> None:
    test = feats.filter(pl.col("year") == TEST)
    p, cases = trained.predict(test)
    assert p.shape == cases.shape == (test.height,)
    assert ((p >= 0) & (p <= 1)).all()
    assert (cases >= 0).all()
    empty_p, empty_cases = trained.predict(test.head(0))
    assert empty_p.shape == empty_cases.shape == (0,)


def test_the_model_is_calibrated_on_a_held_out_year(
    trained: RiskModel, feats: pl.DataFrame
) -> None:
    test = feats.filter((pl.col("year") == TEST) & pl.col("serious_next").is_not_null())
    p, cases = trained.predict(test)
    metrics = calibration_metrics(p, test["serious_next"].to_numpy())
    assert metrics["n"] == test.height
    assert metrics["ece"] < 0.01
    assert metrics["auc"] > 0.7
    assert metrics["brier_skill"] > 0
    assert abs(metrics["mean_predicted"] - metrics["base_rate"]) < 0.2 * metrics["base_rate"]
    assert len(metrics["bins"]) == 10
    assert sum(b["n"] for b in metrics["bins"]) == test.height
    # the expected cases add up to about the year's cases
    observed = float(test["cases_next"].sum())
    assert 0.75 < cases.sum() / observed < 1.25


def test_calibration_metrics_of_a_degenerate_outcome_are_empty() -> None:
    metrics = calibration_metrics(np.array([0.1, 0.2]), np.array([0.0, 0.0]))
    assert metrics["auc"] is None
    assert metrics["ece"] is None
    assert metrics["bins"] == []
    perfect = calibration_metrics(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert perfect["auc"] == 1.0
    assert perfect["ece"] < 1e-5


def test_explain_gives_the_strongest_reasons_in_words(
    trained: RiskModel, feats: pl.DataFrame
) -> None:
    rows = feats.filter(pl.col("year") == TEST).head(20)
    reasons = explain(trained, rows, top=4)
    assert len(reasons) == rows.height
    assert any(reasons)
    for found in reasons:
        assert len(found) <= 4
        strengths = [abs(r.contribution) for r in found]
        assert strengths == sorted(strengths, reverse=True)
        for reason in found:
            data = reason.to_json()
            assert data["feature"] in FEATURES
            assert data["label_ko"]
            assert data["label_en"]
            assert data["direction"] == ("up" if reason.contribution > 0 else "down")
            json.dumps(data)  # JSON-ready (no NaN objects)
    assert explain(trained, rows.head(0)) == []


def test_save_and_load_give_the_same_predictions(
    trained: RiskModel, feats: pl.DataFrame, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    target = save(trained, folder)
    assert (folder / "current.txt").read_text("utf-8") == trained.version
    assert (target / "meta.json").is_file()
    loaded = load(folder)
    assert loaded.version == trained.version
    assert loaded.train_years == trained.train_years
    assert loaded.metrics["training"]["rows"] == trained.metrics["training"]["rows"]
    rows = feats.filter(pl.col("year") == TEST).head(500)
    p1, c1 = trained.predict(rows)
    p2, c2 = loaded.predict(rows)
    np.testing.assert_allclose(p1, p2, rtol=1e-9)
    np.testing.assert_allclose(c1, c2, rtol=1e-6)
    assert load(folder, trained.version).version == trained.version


def test_load_without_a_model_or_with_other_features_is_unavailable(
    trained: RiskModel, tmp_path: Path
) -> None:
    with pytest.raises(DataUnavailableError, match="no risk model yet"):
        load(tmp_path / "none")
    folder = tmp_path / "models"
    target = save(trained, folder)
    meta = json.loads((target / "meta.json").read_text("utf-8"))
    meta["features"] = meta["features"][:-1]
    (target / "meta.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(DataUnavailableError, match="other features"):
        load(folder)
    with pytest.raises(DataUnavailableError, match="cannot read model"):
        load(folder, "19990101T000000")


def test_too_few_positives_are_refused(feats: pl.DataFrame) -> None:
    small = feats.filter(pl.col("year").is_in(TRAIN)).head(300)
    positives = int(small["serious_next"].sum())
    with pytest.raises(InvalidInputError, match=f"only {positives} workplace-years"):
        fit(small, source="t", synthetic=True, min_positives=positives + 1, rounds=5)
    with pytest.raises(InvalidInputError, match="no workplace-year"):
        fit(feats, train_years=[1999], source="t", synthetic=True, rounds=5)


def test_one_training_year_is_calibrated_out_of_fold(safety_table_3k: Table) -> None:
    feats = build(safety_table_3k)
    model = fit(feats, train_years=[2023], source="t", synthetic=True, rounds=20, min_positives=5)
    assert model.calibration_year is None
    rows = feats.filter((pl.col("year") == 2023) & pl.col("serious_next").is_not_null())
    assert model.metrics["training"]["calibration"]["n"] == rows.height
    p, _ = model.predict(rows)
    assert abs(p.mean() - rows["serious_next"].mean()) < 0.02  # type: ignore[operator]


def test_unknown_categories_are_not_known_in_the_matrix(
    trained: RiskModel, feats: pl.DataFrame
) -> None:
    rows = feats.head(3).with_columns(pl.lit("ZZ").alias("region"))
    x = matrix(rows, trained.categories)
    assert x.shape == (3, len(FEATURES))
    assert np.isnan(x[:, FEATURES.index("region")]).all()


def test_the_reliability_chart_draws(trained: RiskModel) -> None:
    calibration = trained.metrics["training"]["calibration"]
    spec = reliability_spec(calibration, title="reliability")
    assert spec["layer"][1]["data"]["values"][0].keys() == {"predicted", "observed", "n"}
    assert len(spec["layer"][1]["data"]["values"]) == len(calibration["bins"])
    assert "<svg" in render_svg(spec)
