"""The evaluation on the synthetic panel: the model's targeting against SST and industry x size."""

from __future__ import annotations

from typing import Any

import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.safety.evaluation import evaluate, render_markdown
from ilteo.safety.panel import SYNTHETIC_LABEL
from ilteo.safety.table import Table
from ilteo.safety.targeting import STRATEGIES


@pytest.fixture(scope="module")
def result(safety_table_20k: Table) -> dict[str, Any]:
    return evaluate(safety_table_20k, rounds=120)


def strategy(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["strategies"] if s["strategy"] == name)


def test_the_model_averts_more_injuries_than_sst(result: dict[str, Any]) -> None:
    averted, sst = strategy(result, "averted"), strategy(result, "sst")
    assert averted["averted"] > sst["averted"]
    assert averted["averted_vs_sst"] > 1.1
    assert averted["capture"] > sst["capture"]
    # on the synthetic panel the truth agrees: more injuries truly averted
    assert averted["true_averted"] > sst["true_averted"]
    assert sst["averted_vs_sst"] == 1.0


def test_every_strategy_has_k_workplaces_and_the_same_random_share(
    result: dict[str, Any],
) -> None:
    assert [s["strategy"] for s in result["strategies"]] == [*STRATEGIES, "oracle"]
    k = result["k"]
    assert k == round(0.01 * result["workplaces"])
    for row in result["strategies"]:
        assert row["selected"] == k
        expected_random = 0 if row["strategy"] == "oracle" else round(k * 0.1)
        assert row["random"] == expected_random
        assert 0 <= row["capture"] <= strategy(result, "oracle")["capture"]


def test_the_split_is_by_time_and_the_model_is_calibrated_on_the_test_year(
    result: dict[str, Any],
) -> None:
    assert result["years"] == [2021, 2022, 2023, 2024, 2025]
    assert result["test_year"] == 2024
    assert result["outcome_year"] == 2025
    assert result["train_years"] == [2021, 2022, 2023]
    test = result["model"]["test"]
    assert test["ece"] < 0.01
    assert test["auc"] > 0.7
    assert result["effect"]["estimated"]
    assert result["effect"]["random_inspections"] > 0


def test_by_sector_and_by_size_add_up(result: dict[str, Any]) -> None:
    for key, group in (("by_sector", "sector"), ("by_size", "size_class")):
        rows = result[key]
        assert rows
        assert group in rows[0]
        assert sum(r["workplaces"] for r in rows) == result["workplaces"]
        assert sum(r["cases"] for r in rows) == pytest.approx(result["next_year_cases"])
        for name in (*STRATEGIES, "oracle"):
            assert sum(r[f"{name}_selected"] for r in rows) == result["k"]
            total = sum(r[f"{name}_captured"] for r in rows)
            assert total == pytest.approx(strategy(result, name)["cases_captured"])


def test_the_synthetic_label_is_in_the_result_and_the_markdown(result: dict[str, Any]) -> None:
    assert result["synthetic"] is True
    assert result["label"] == SYNTHETIC_LABEL
    text = render_markdown(result)
    assert SYNTHETIC_LABEL in text
    assert "| averted |" in text
    assert "| sst |" in text
    assert "true averted" in text
    assert "## 규모별 / by size band" in text


def test_a_real_table_has_no_label_and_no_true_averted(safety_table_3k: Table) -> None:
    frame = safety_table_3k.frame.drop("sim_expected", "sim_effect")
    real = Table(frame, "ksic", "supplied.csv", synthetic=False, warnings=["a warning"],
                 outcome_years=safety_table_3k.outcome_years)  # fmt: skip
    result = evaluate(real, k=30, rounds=20)
    assert result["label"] is None
    assert result["synthetic"] is False
    assert all("true_averted" not in s for s in result["strategies"])
    text = render_markdown(result)
    assert SYNTHETIC_LABEL not in text
    assert "a warning" in text


def test_bad_k_share_or_test_year_are_refused(safety_table_3k: Table) -> None:
    with pytest.raises(InvalidInputError, match="random share"):
        evaluate(safety_table_3k, random_share=1.0, rounds=5)
    with pytest.raises(InvalidInputError, match="earlier year to train on"):
        evaluate(safety_table_3k, test_year=2021, rounds=5)
    with pytest.raises(InvalidInputError, match="K must be between"):
        evaluate(safety_table_3k, k=10**6, rounds=5)


def test_validate_keeps_the_panel_whole(safety_table_20k: Table) -> None:
    assert safety_table_20k.warnings == []
    assert safety_table_20k.frame.height == 100_000
