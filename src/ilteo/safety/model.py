"""The risk model: next year's probability of a serious accident, calibrated, with explanations.

Two LightGBM models on the same features (:data:`ilteo.safety.features.FEATURES`):

* a **classifier** of ``serious_next`` (at least one death or days-away case next year), whose
  scores are **calibrated** by isotonic regression on a later year than the one it learned from
  (the last training year; with a single training year, on out-of-fold scores), so that "a 20%
  risk" means about one workplace in five;
* a **Poisson** model of ``cases_next`` (how many serious cases), rescaled so that its total
  matches the calibration year: the expected injuries that targeting multiplies by the effect.

Training is by time: :func:`fit` learns from the years it is given and nothing later. Per-workplace
explanations are LightGBM's exact tree SHAP values (``pred_contrib``) of the classifier, in
log-odds, turned into words by :func:`explain`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.safety.features import CATEGORICAL, FEATURE_LABELS, FEATURES

__all__ = [
    "Reason",
    "RiskModel",
    "calibration_metrics",
    "explain",
    "fit",
    "load",
    "matrix",
    "reliability_spec",
    "save",
]

#: Fewest serious cases among the training rows to learn anything.
MIN_POSITIVES: Final = 30
#: Most boosting rounds; with a later year to check on, boosting stops after EARLY_STOP rounds
#: without improvement there (fewer trees also make scoring a million workplaces faster).
ROUNDS: Final = 400
EARLY_STOP: Final = 25
#: Rounds when no later year is there to stop on (a single training year).
FIXED_ROUNDS: Final = 150
#: Training threads. One: on a shared two-core machine, OpenMP threads waiting for a busy core
#: made two threads six times slower than one (measured; see BENCHMARKS.md). Prediction uses all.
TRAIN_THREADS: Final = 1
Array = np.ndarray[Any, Any]
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Reason:
    """One driver of a workplace's risk: a feature, its value and its push (log-odds)."""

    feature: str
    label_ko: str
    label_en: str
    value: float | str | None
    contribution: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        value = self.value
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        return {
            "feature": self.feature,
            "label_ko": self.label_ko,
            "label_en": self.label_en,
            "value": value,
            "contribution": round(self.contribution, 4),
            "direction": "up" if self.contribution > 0 else "down",
        }


@dataclass(slots=True)
class RiskModel:
    """A trained risk model (classifier, calibrator, count model) and how it was made."""

    version: str
    categories: dict[str, list[str]]
    classifier: Any
    counter: Any
    iso_x: Array
    iso_y: Array
    count_scale: float
    train_years: tuple[int, ...]
    calibration_year: int | None
    source: str
    synthetic: bool
    trained_at: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def calibrate(self, raw: Array) -> Array:
        """Calibrated probabilities of raw classifier probabilities."""
        return np.interp(raw, self.iso_x, self.iso_y)

    def predict(self, features: pl.DataFrame) -> tuple[Array, Array]:
        """(probability of a serious case next year, expected serious cases next year)."""
        if features.is_empty():
            return np.zeros(0), np.zeros(0)
        x = matrix(features, self.categories)
        raw = self.classifier.predict(x, num_threads=0)
        cases = self.counter.predict(x, num_threads=0) * self.count_scale
        return self.calibrate(raw), cases

    def meta(self) -> dict[str, Any]:
        """What :func:`save` writes beside the boosters."""
        return {
            "version": self.version,
            "categories": self.categories,
            "iso_x": [float(v) for v in self.iso_x],
            "iso_y": [float(v) for v in self.iso_y],
            "count_scale": self.count_scale,
            "train_years": list(self.train_years),
            "calibration_year": self.calibration_year,
            "source": self.source,
            "synthetic": self.synthetic,
            "trained_at": self.trained_at,
            "features": list(FEATURES),
            "metrics": self.metrics,
        }


def matrix(features: pl.DataFrame, categories: dict[str, list[str]]) -> Array:
    """The float32 design matrix: categories as their index in the model's vocabulary.

    A category the model never saw (a new region, an unknown industry) is NaN: "not known".
    """
    columns: list[Array] = []
    for name in FEATURES:
        if name in CATEGORICAL:
            vocab = categories[name]
            codes = (
                features[name]
                .cast(pl.String)
                .fill_null("unknown")
                .replace_strict(
                    vocab, list(range(len(vocab))), default=None, return_dtype=pl.Float32
                )
            )
            columns.append(codes.fill_null(float("nan")).to_numpy().astype(np.float32))
        else:
            columns.append(
                features[name].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float32)
            )
    return np.column_stack(columns) if columns else np.zeros((features.height, 0), np.float32)


def _params(rows: int, seed: int, objective: str) -> dict[str, Any]:
    return {
        "objective": objective,
        "learning_rate": 0.08,
        "num_leaves": 31,
        "min_data_in_leaf": max(20, min(400, rows // 500)),
        "feature_fraction": 0.85,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "cat_smooth": 20.0,
        "max_cat_to_onehot": 8,
        "seed": seed,
        "deterministic": True,
        "num_threads": TRAIN_THREADS,
        "verbose": -1,
    }


def _train(
    x: Array,
    y: Array,
    objective: str,
    seed: int,
    rounds: int,
    valid: tuple[Array, Array] | None = None,
) -> Any:
    """A booster; with ``valid`` (a later year), boosting stops when it stops improving there."""
    import lightgbm as lgb

    cat_idx = [FEATURES.index(c) for c in CATEGORICAL]
    data = lgb.Dataset(
        x, label=y, categorical_feature=cat_idx, feature_name=list(FEATURES), free_raw_data=True
    )
    params = _params(len(y), seed, objective)
    if valid is None:
        return lgb.train(params, data, num_boost_round=rounds)
    check = lgb.Dataset(valid[0], label=valid[1], reference=data)
    return lgb.train(
        params,
        data,
        num_boost_round=rounds,
        valid_sets=[check],
        callbacks=[lgb.early_stopping(EARLY_STOP, first_metric_only=True, verbose=False)],
    )


def fit(
    features: pl.DataFrame,
    *,
    train_years: Sequence[int] | None = None,
    source: str,
    synthetic: bool,
    seed: int = 0,
    rounds: int = ROUNDS,
    min_positives: int = MIN_POSITIVES,
    progress: ProgressCallback | None = None,
) -> RiskModel:
    """Train on the labelled rows of ``train_years`` (default: every labelled year).

    The classifier and the count model learn from the training years except the last; the last
    calibrates them. With one training year, the calibration uses three-fold out-of-fold scores.

    Raises:
        InvalidInputError: No labelled row in the years, or too few serious cases to learn from.
    """
    labelled = features.filter(pl.col("serious_next").is_not_null())
    years = sorted(set(train_years) if train_years is not None else set(labelled["year"].to_list()))
    rows = labelled.filter(pl.col("year").is_in(years))
    positives = int(rows["serious_next"].sum() or 0)
    if rows.is_empty() or not years:
        raise InvalidInputError(
            "학습할 자료가 없습니다 / no workplace-year with a known next-year outcome in the "
            f"training years {years}",
            fields={"years": "empty"},
        )
    if positives < min_positives:
        raise InvalidInputError(
            f"중대 재해 사례가 너무 적습니다 / only {positives} workplace-years with a serious "
            f"case next year in {years}: at least {min_positives} are needed to learn a risk model",
            fields={"years": "too-few-cases"},
        )
    categories = {
        name: sorted({*rows[name].cast(pl.String).fill_null("unknown").unique().to_list()})
        for name in CATEGORICAL
    }
    step = 0

    def tick(label: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, 3, label)

    if len(years) >= 2:
        learn = rows.filter(pl.col("year") < years[-1])
        calib = rows.filter(pl.col("year") == years[-1])
        x_learn, x_calib = matrix(learn, categories), matrix(calib, categories)
        y_learn = learn["serious_next"].to_numpy()
        y_calib = calib["serious_next"].to_numpy()
        cases_calib = calib["cases_next"].to_numpy()
        classifier = _train(x_learn, y_learn, "binary", seed, rounds, (x_calib, y_calib))
        tick("classifier")
        counter = _train(
            x_learn, learn["cases_next"].to_numpy(), "poisson", seed, rounds, (x_calib, cases_calib)
        )
        tick("count model")
        raw_calib = classifier.predict(x_calib)
        predicted_cases = counter.predict(x_calib)
        calibration_year: int | None = years[-1]
    else:
        x_all = matrix(rows, categories)
        y_all = rows["serious_next"].to_numpy()
        fixed = min(rounds, FIXED_ROUNDS)
        folds = _folds(rows["establishment_id"], 3, seed)
        raw_calib = np.zeros(len(y_all))
        predicted_cases = np.zeros(len(y_all))
        for k in range(3):
            test = folds == k
            raw_calib[test] = _train(x_all[~test], y_all[~test], "binary", seed, fixed).predict(
                x_all[test]
            )
            predicted_cases[test] = _train(
                x_all[~test], rows["cases_next"].to_numpy()[~test], "poisson", seed, fixed
            ).predict(x_all[test])
        classifier = _train(x_all, y_all, "binary", seed, fixed)
        tick("classifier")
        counter = _train(x_all, rows["cases_next"].to_numpy(), "poisson", seed, fixed)
        tick("count model")
        y_calib, cases_calib = y_all, rows["cases_next"].to_numpy()
        calibration_year = None
    iso_x, iso_y = _isotonic(raw_calib, y_calib)
    count_scale = float(cases_calib.sum() / max(predicted_cases.sum(), 1e-9))
    tick("calibration")
    now = datetime.now(UTC)
    model = RiskModel(
        version=now.strftime("%Y%m%dT%H%M%S"),
        categories=categories,
        classifier=classifier,
        counter=counter,
        iso_x=iso_x,
        iso_y=iso_y,
        count_scale=count_scale,
        train_years=tuple(years),
        calibration_year=calibration_year,
        source=source,
        synthetic=synthetic,
        trained_at=now.isoformat(timespec="seconds"),
    )
    model.metrics["training"] = {
        "rows": rows.height,
        "positives": positives,
        "calibration": calibration_metrics(model.calibrate(raw_calib), y_calib),
    }
    return model


def _folds(ids: pl.Series, k: int, seed: int) -> Array:
    hashed = ids.hash(seed=seed).to_numpy()
    return (hashed % np.uint64(k)).astype(np.int64)


def _isotonic(raw: Array, y: Array) -> tuple[Array, Array]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(raw, y)
    return np.asarray(iso.X_thresholds_, dtype=np.float64), np.asarray(
        iso.y_thresholds_, np.float64
    )


def calibration_metrics(p: Array, y: Array, *, bins: int = 10) -> dict[str, Any]:
    """AUC, Brier score (and its skill over the base rate), log loss, ECE and reliability bins.

    The bins are deciles of the predicted probability (equal counts), so that a rare outcome
    still has points across the range.
    """
    from sklearn.metrics import log_loss, roc_auc_score

    y = np.asarray(y, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    n, base = len(y), float(y.mean()) if len(y) else 0.0
    out: dict[str, Any] = {"n": n, "positives": int(y.sum()), "base_rate": base}
    if n == 0 or base in (0.0, 1.0):
        out.update(auc=None, brier=None, brier_skill=None, log_loss=None, ece=None, bins=[])
        return out
    brier = float(np.mean((p - y) ** 2))
    brier_base = base * (1 - base)
    order = np.argsort(p, kind="stable")
    rows = []
    ece = 0.0
    for chunk in np.array_split(order, bins):
        if not len(chunk):
            continue
        mp, oy = float(p[chunk].mean()), float(y[chunk].mean())
        ece += len(chunk) / n * abs(mp - oy)
        rows.append({"predicted": mp, "observed": oy, "n": len(chunk)})
    out.update(
        auc=float(roc_auc_score(y, p)),
        brier=brier,
        brier_skill=1.0 - brier / brier_base,
        log_loss=float(log_loss(y, p)),
        ece=ece,
        mean_predicted=float(p.mean()),
        bins=rows,
    )
    return out


def explain(model: RiskModel, features: pl.DataFrame, *, top: int = 4) -> list[list[Reason]]:
    """The ``top`` strongest drivers of each row's risk (exact tree SHAP of the classifier)."""
    if features.is_empty():
        return []
    x = matrix(features, model.categories)
    contrib = model.classifier.predict(x, pred_contrib=True)[:, : len(FEATURES)]
    out: list[list[Reason]] = []
    for i in range(features.height):
        order = np.argsort(-np.abs(contrib[i]))[:top]
        reasons = []
        for j in order:
            if abs(contrib[i, j]) < 1e-6:
                continue
            name = FEATURES[j]
            value = features[name][i]
            ko, en = FEATURE_LABELS[name]
            reasons.append(Reason(name, ko, en, value, float(contrib[i, j])))
        out.append(reasons)
    return out


def save(model: RiskModel, folder: Path) -> Path:
    """Write the model to ``folder/<version>/`` and point ``folder/current`` at it."""
    target = folder / model.version
    target.mkdir(parents=True, exist_ok=True)
    model.classifier.save_model(str(target / "classifier.txt"))
    model.counter.save_model(str(target / "counter.txt"))
    (target / "meta.json").write_text(
        json.dumps(model.meta(), ensure_ascii=False, indent=1), "utf-8"
    )
    pointer = folder / "current.txt"
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(model.version, "utf-8")
    tmp.replace(pointer)
    return target


def load(folder: Path, version: str | None = None) -> RiskModel:
    """Read a saved model (the current one by default).

    Raises:
        DataUnavailableError: No model has been trained there.
    """
    import lightgbm as lgb

    pointer = folder / "current.txt"
    if version is None:
        if not pointer.is_file():
            raise DataUnavailableError(
                "위험 모델이 아직 없습니다 / no risk model yet: run `ilteo safety train`"
            )
        version = pointer.read_text("utf-8").strip()
    target = folder / version
    try:
        meta = json.loads((target / "meta.json").read_text("utf-8"))
        classifier = lgb.Booster(model_file=str(target / "classifier.txt"))
        counter = lgb.Booster(model_file=str(target / "counter.txt"))
    except (OSError, ValueError) as exc:
        raise DataUnavailableError(
            f"위험 모델을 읽을 수 없습니다 / cannot read model {version}"
        ) from exc
    if meta.get("features") != list(FEATURES):
        raise DataUnavailableError(
            f"모델 {version}의 특성이 다릅니다 / model {version} was trained on other features: "
            "run `ilteo safety train` again"
        )
    return RiskModel(
        version=meta["version"],
        categories=meta["categories"],
        classifier=classifier,
        counter=counter,
        iso_x=np.asarray(meta["iso_x"]),
        iso_y=np.asarray(meta["iso_y"]),
        count_scale=float(meta["count_scale"]),
        train_years=tuple(meta["train_years"]),
        calibration_year=meta["calibration_year"],
        source=meta["source"],
        synthetic=bool(meta["synthetic"]),
        trained_at=meta["trained_at"],
        metrics=meta.get("metrics", {}),
    )


def reliability_spec(metrics: dict[str, Any], *, title: str) -> dict[str, Any]:
    """A Vega-Lite reliability chart: observed against predicted per bin, with the diagonal."""
    from ilteo.monitor.charts import SCHEMA, _config

    rows = [
        {"predicted": b["predicted"], "observed": b["observed"], "n": b["n"]}
        for b in metrics.get("bins", [])
    ]
    top = max([0.01] + [max(r["predicted"], r["observed"]) for r in rows]) * 1.05
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": 360,
        "height": 360,
        "config": _config(),
        "layer": [
            {
                "data": {"values": [{"x": 0.0, "y": 0.0}, {"x": top, "y": top}]},
                "mark": {"type": "line", "color": "#8a8a8a", "strokeDash": [4, 4]},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "y", "type": "quantitative"},
                },
            },
            {
                "data": {"values": rows},
                "mark": {"type": "line", "point": True, "color": "#256ef4"},
                "encoding": {
                    "x": {
                        "field": "predicted",
                        "type": "quantitative",
                        "title": "예측 확률 / predicted probability",
                        "scale": {"domain": [0, top]},
                        "axis": {"format": ".0%"},
                    },
                    "y": {
                        "field": "observed",
                        "type": "quantitative",
                        "title": "실제 비율 / observed share",
                        "scale": {"domain": [0, top]},
                        "axis": {"format": ".0%"},
                    },
                    "tooltip": [
                        {"field": "predicted", "format": ".2%"},
                        {"field": "observed", "format": ".2%"},
                        {"field": "n"},
                    ],
                },
            },
        ],
    }
