"""The probabilistic person model: Splink on DuckDB, comparisons, blocking, training, scoring.

Records are first reduced to *profiles*: the distinct combinations of standardised linkage fields
of a master (or of a probe group), so a person with forty payslips under one name is one row.
Probes (groups without a valid RRN hash) are scored against anchors (masters) with
``predict_between`` and among themselves with ``predict_within``: Splink's own incremental
linkage, so existing masters are never compared with each other again.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

PROFILE_FIELDS = (
    "name_hangul", "name_rr", "name_rr_alt", "name_jamo", "surname", "given_rr", "birth_date",
    "sex", "phone", "sido_code", "sigungu", "addr_key",
)  # fmt: skip
#: List columns: blocking rules on them explode the lists first.
ARRAY_COLUMNS = frozenset({"workplaces"})
_EDGE_COLUMNS = {
    "probe": pl.Utf8,
    "anchor": pl.Utf8,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
    "probe_rkey": pl.Utf8,
    "anchor_rkey": pl.Utf8,
}
_WITHIN_COLUMNS = {
    "left": pl.Utf8,
    "right": pl.Utf8,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
    "left_rkey": pl.Utf8,
    "right_rkey": pl.Utf8,
}


def _level(sql: str, label: str, *, null: bool = False, tf: str | None = None) -> dict[str, Any]:
    """A comparison level; ``l.col``/``r.col`` are written as Splink's ``col_l``/``col_r``."""
    sql = re.sub(r"\b([lr])\.(\w+)", r"\2_\1", sql)
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        # A rare name that agrees is stronger evidence than a common one (term frequency).
        level |= {"tf_adjustment_column": tf, "tf_adjustment_weight": 1.0}
    return level


def _comparison(name: str, description: str, *levels: dict[str, Any]) -> dict[str, Any]:
    return {
        "output_column_name": name,
        "comparison_description": description,
        "comparison_levels": [*levels, _level("ELSE", "all other")],
    }


def _name_comparison(cfg: dict[str, Any]) -> dict[str, Any]:
    strict, loose = cfg["name_jamo_thresholds"]
    roman = cfg["name_romanised_threshold"]
    jw = "jaro_winkler_similarity(l.name_jamo, r.name_jamo)"
    same_rr = "l.name_rr = r.name_rr OR l.name_rr = r.name_rr_alt OR l.name_rr_alt = r.name_rr"
    near_rr = (
        f"l.surname = r.surname AND jaro_winkler_similarity(l.given_rr, r.given_rr) >= {roman}"
    )
    return _comparison(
        "name",
        "성명: 한글 일치 / 로마자 일치 / 자모 유사 / Hangul, romanised and jamo similarity",
        _level("l.name_rr IS NULL OR r.name_rr IS NULL", "null", null=True),
        _level("l.name_hangul = r.name_hangul", "exact (Hangul)", tf="name_hangul"),
        _level(same_rr, "same romanised"),
        _level(f"{jw} >= {strict}", f"jamo Jaro-Winkler >= {strict}"),
        _level(f"{jw} >= {loose} OR ({near_rr})", f"jamo >= {loose} or romanised >= {roman}"),
    )


def _birth_comparison() -> dict[str, Any]:
    a, b = "l.birth_date", "r.birth_date"
    swap = (
        f"(substr({a}, 1, 4) = substr({b}, 1, 4) AND substr({a}, 5, 2) = substr({b}, 7, 2) "
        f"AND substr({a}, 7, 2) = substr({b}, 5, 2))"
    )
    transposed = f"(damerau_levenshtein({a}, {b}) = 1 AND levenshtein({a}, {b}) = 2)"
    return _comparison(
        "birth_date",
        "생년월일: 일치 / 월·일 뒤바뀜 / 인접 숫자 뒤바뀜 / 한 자리 / 같은 해",
        _level(f"{a} IS NULL OR {b} IS NULL", "null", null=True),
        _level(f"{a} = {b}", "exact"),
        _level(f"{swap} OR {transposed}", "day-month swap or adjacent digits swapped"),
        _level(f"levenshtein({a}, {b}) = 1", "one digit differs"),
        _level(f"substr({a}, 1, 4) = substr({b}, 1, 4)", "same year"),
    )


def _block(columns: list[str]) -> Any:
    """A Splink blocking rule on equal columns (list columns exploded first)."""
    from splink import block_on

    arrays = [c for c in columns if c in ARRAY_COLUMNS]
    return block_on(*columns, arrays_to_explode=arrays or None)


def person_settings(cfg: dict[str, Any]) -> dict[str, Any]:
    """The Splink settings of the person model (untrained), from ``linkage.yaml``."""
    place = "l.sido_code = r.sido_code"
    comparisons = [
        _name_comparison(cfg),
        _birth_comparison(),
        _comparison(
            "phone",
            "휴대전화 / mobile phone",
            _level("l.phone IS NULL OR r.phone IS NULL", "null", null=True),
            _level("l.phone = r.phone", "exact"),
        ),
        _comparison(
            "sex",
            "성별 / sex",
            _level("l.sex IS NULL OR r.sex IS NULL", "null", null=True),
            _level("l.sex = r.sex", "exact"),
        ),
        _comparison(
            "place",
            "주소: 도로명·지번 일치 / 시군구 / 시도 / address, district, province",
            _level("l.sido_code IS NULL OR r.sido_code IS NULL", "null", null=True),
            _level(f"{place} AND l.addr_key = r.addr_key", "same address"),
            _level(f"{place} AND l.sigungu = r.sigungu", "same 시군구"),
            _level(place, "same 시도"),
        ),
        _comparison(
            "employer",
            "사업장 공통 (민원이 지목·고용보험) / a workplace in common (named or insured)",
            _level("l.workplaces IS NULL OR r.workplaces IS NULL", "null", null=True),
            _level("len(list_intersect(l.workplaces, r.workplaces)) > 0", "workplace in common"),
        ),
    ]
    return {
        "link_type": "link_only",
        "unique_id_column_name": "uid",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [_block(rule) for rule in cfg["blocking_rules"]],
        "additional_columns_to_retain": ["entity", "rkey"],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "max_iterations": cfg["em_max_iterations"],
    }


def profiles(records: pl.DataFrame, side: str) -> pl.DataFrame:
    """Distinct linkage profiles per entity, with one record key as evidence.

    Rows with neither a name nor a phone are dropped: a birth date alone identifies nobody.
    """
    fields = [f for f in PROFILE_FIELDS if f in records.columns]
    useful = records.filter(pl.col("name_rr").is_not_null() | pl.col("phone").is_not_null())
    grouped = useful.group_by("entity", *fields).agg(pl.col("rkey").min())
    if "workplaces" in records.columns:
        # Workplaces belong to the entity: a request about an employer matches the master that
        # has an insurance record there, whichever of its profiles carries the name.
        places = (
            records.select("entity", "workplaces")
            .explode("workplaces")
            .drop_nulls()
            .unique()
            .group_by("entity")
            .agg(pl.col("workplaces").sort())
        )
        grouped = grouped.join(places, on="entity", how="left")
    return (
        grouped.sort("rkey", "entity")
        .with_row_index("uid")
        .with_columns(pl.col("uid").cast(pl.Int64), pl.lit(side).alias("source_dataset"))
    )


def name_frequencies(records: pl.DataFrame) -> pl.DataFrame:
    """Share of entities bearing each Hangul name (``name_hangul, tf_name_hangul``).

    >>> names = ["김민준"] * 3 + ["이응"]
    >>> frame = pl.DataFrame({"entity": ["a", "b", "b", "c"], "name_hangul": names})
    >>> sorted(name_frequencies(frame).rows())
    [('김민준', 0.6666666666666666), ('이응', 0.3333333333333333)]
    """
    named = records.select("entity", "name_hangul").drop_nulls().unique()
    total = max(named["entity"].n_unique(), 1)
    return named.group_by("name_hangul").agg((pl.len() / total).alias("tf_name_hangul"))


def apply_floors(model: dict[str, Any], m_floor: float, u_floor: float) -> dict[str, Any]:
    """Raise m and u probabilities to floors (m renormalised), so no level is ever impossible.

    Levels EM could not observe get the floor too.

    >>> model = {"comparisons": [{"comparison_levels": [
    ...     {"is_null_level": True},
    ...     {"m_probability": 0.999, "u_probability": 0.1},
    ...     {"m_probability": 0.0, "u_probability": 0.9}]}]}
    >>> levels = apply_floors(model, 0.01, 1e-6)["comparisons"][0]["comparison_levels"]
    >>> [round(level["m_probability"], 4) for level in levels[1:]]
    [0.9901, 0.0099]
    """
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            level["m_probability"] = max(level.get("m_probability") or 0.0, m_floor)
            level["u_probability"] = max(level.get("u_probability") or 0.0, u_floor)
        total = sum(level["m_probability"] for level in levels)
        for level in levels:
            level["m_probability"] /= total
    return model


def weight_of(probability: float) -> float:
    """The match weight (log2 odds) of a match probability.

    >>> round(weight_of(0.95), 3), weight_of(0.5)
    (4.248, 0.0)
    """
    return math.log2(probability / (1 - probability))


class SplinkPersonMatcher:
    """A :class:`~ilteo.lake.masters.Matcher` backed by a trained (or to be trained) Splink model.

    Args:
        cfg: The ``person`` section of ``linkage.yaml``.
        model: A saved Splink model (settings dictionary); ``None`` until :meth:`train`.
    """

    def __init__(self, cfg: dict[str, Any], model: dict[str, Any] | None = None) -> None:
        logging.getLogger("splink").setLevel(logging.ERROR)  # "level not observed" is expected
        self.cfg = cfg
        self.model = model
        self.trained_now = False
        self.training: dict[str, Any] = {}
        #: The match-weights chart of a model trained in this run: (Vega-Lite spec, HTML).
        self.chart: tuple[dict[str, Any], str] | None = None
        self.db_api: Any = None
        self.linker: Any = None
        # Pairs this far below what a link needs cannot change a decision.
        needed = weight_of(cfg["match_probability"]) - weight_of(cfg["probe_prior"])
        self.floor = needed - cfg["candidate_floor_bits"]
        self.name_tf = pl.DataFrame(schema={"name_hangul": pl.Utf8, "tf_name_hangul": pl.Float64})

    def _fresh_api(self) -> Any:
        """A new DuckDB connection for Splink (the previous one, and its memory, released)."""
        import duckdb
        from splink import DuckDBAPI

        self.close()
        # A bounded DuckDB spills to disk instead of growing with the country.
        config = {
            "memory_limit": self.cfg["duckdb_memory_limit"],
            "temp_directory": str(Path(tempfile.gettempdir()) / f"ilteo-linkage-{os.getpid()}"),
            "preserve_insertion_order": False,
        }
        connection = duckdb.connect(config=config)
        self.db_api = DuckDBAPI(connection)
        return self.db_api

    def close(self) -> None:
        """Release the DuckDB connection and everything Splink materialised in it."""
        if self.db_api is not None:
            self.db_api._con.close()  # Splink exposes no close; the connection is its own
            spill = Path(tempfile.gettempdir()) / f"ilteo-linkage-{os.getpid()}"
            shutil.rmtree(spill, ignore_errors=True)
        self.db_api, self.linker = None, None

    def _linker(self, probes: Any, anchors: Any, prior: float | None = None) -> Any:
        from splink import Linker

        settings = self.model or person_settings(self.cfg)
        if self.model is None and prior is not None:
            settings["probability_two_random_records_match"] = prior
        linker = Linker([probes, anchors], settings, log_level=None)
        # Splink 5's predict_between ignores tf_* columns on the inputs (it always joins the
        # lookup table), so the name frequencies are registered as a lookup.
        lookup = self.db_api.register(self.name_tf.to_arrow())
        linker.table_management.register_term_frequency_lookup(lookup, "name_hangul")
        return linker

    def _train(self, linker: Any, probe_profiles: int) -> None:
        from splink.internals.exceptions import EMTrainingException

        linker.training.estimate_u_using_random_sampling(
            max_pairs=self.cfg["u_max_pairs"], seed=self.cfg["u_seed"]
        )
        self.training = {"probe_profiles": probe_profiles, "em_sessions": []}
        for rule in self.cfg["em_blocking_rules"]:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    _block(rule), fix_probability_two_random_records_match=True
                )
            except EMTrainingException:
                # Too few probes share this blocking key (a small first batch): the other
                # sessions and the floors still give every level a value.
                continue
            self.training["em_sessions"].append("+".join(rule))
        trained = linker.misc.save_model_to_json()
        self.model = apply_floors(trained, self.cfg["m_floor"], self.cfg["u_floor"])
        self.trained_now = True

    def train(self, records: pl.DataFrame) -> bool:
        """Estimate the model on the whole current population; ``False`` when there is none.

        The probes are the identifiable records without an RRN hash, the anchors the records
        with one, grouped by it: the population a first run scores, whatever the masters are.
        """
        probes = records.filter(pl.col("key").is_null() & pl.col("identifiable"))
        anchors = records.filter(pl.col("key").is_not_null())
        probes = probes.with_columns((pl.lit("u:") + pl.col("rkey")).alias("entity"))
        anchors = anchors.with_columns((pl.lit("k:") + pl.col("key")).alias("entity"))
        left, right = profiles(probes, "probe"), profiles(anchors, "anchor")
        if left.is_empty() or right.is_empty():
            return False
        self.name_tf = name_frequencies(
            pl.concat([f.select("entity", "name_hangul") for f in (probes, anchors)])
        )
        api = self._fresh_api()
        sdf_left, sdf_right = api.register(left.to_arrow()), api.register(right.to_arrow())
        # Prior: a probe profile matches about one of the anchor masters.
        prior = 1 / max(right["entity"].n_unique(), 2)
        self._train(self._linker(sdf_left, sdf_right, prior=prior), left.height)
        chart = self._linker(sdf_left, sdf_right).visualisations.match_weights_chart()
        self.chart = (chart.chart_dict, chart.to_html(inline=True))
        self.close()
        return True

    def between(self, probes: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
        """Scored (probe, anchor) profile pairs at or above the decision floor."""
        self.name_tf = name_frequencies(
            pl.concat([f.select("entity", "name_hangul") for f in (probes, anchors)])
        )
        left, right = profiles(probes, "probe"), profiles(anchors, "anchor")
        if left.is_empty() or right.is_empty() or self.model is None:
            return pl.DataFrame(schema=_EDGE_COLUMNS)
        api = self._fresh_api()
        sdf_left, sdf_right = api.register(left.to_arrow()), api.register(right.to_arrow())
        linker = self._linker(sdf_left, sdf_right)
        self.linker = linker
        scored = linker.inference.predict_between(
            sdf_left, sdf_right, threshold_match_weight=self.floor, warning_mode="never"
        )
        frame = self._fetch(scored)
        flip = pl.col("source_dataset_l") == "anchor"
        return frame.select(
            pl.when(flip).then("entity_r").otherwise("entity_l").alias("probe"),
            pl.when(flip).then("entity_l").otherwise("entity_r").alias("anchor"),
            "match_probability",
            "match_weight",
            pl.when(flip).then("rkey_r").otherwise("rkey_l").alias("probe_rkey"),
            pl.when(flip).then("rkey_l").otherwise("rkey_r").alias("anchor_rkey"),
        ).cast(_EDGE_COLUMNS)  # type: ignore[arg-type]  # polars accepts a name → dtype map

    def within(self, probes: pl.DataFrame) -> pl.DataFrame:
        """Scored pairs of profiles of different probe groups."""
        frame = profiles(probes, "probe")
        if frame["entity"].n_unique() < 2 or self.model is None:
            return pl.DataFrame(schema=_WITHIN_COLUMNS)
        if self.db_api is None:
            self._fresh_api()
        sdf = self.db_api.register(frame.to_arrow())
        if self.linker is None:
            empty = self.db_api.register(frame.head(0).to_arrow())
            self.linker = self._linker(sdf, empty)
        linker = self.linker
        scored = linker.inference.predict_within(
            sdf, link_type="dedupe_only", threshold_match_weight=self.floor, warning_mode="never"
        )
        out = self._fetch(scored).filter(pl.col("entity_l") != pl.col("entity_r"))
        return out.select(
            pl.col("entity_l").alias("left"),
            pl.col("entity_r").alias("right"),
            "match_probability",
            "match_weight",
            pl.col("rkey_l").alias("left_rkey"),
            pl.col("rkey_r").alias("right_rkey"),
        ).cast(_WITHIN_COLUMNS)  # type: ignore[arg-type]  # polars accepts a name → dtype map

    def _fetch(self, scored: Any) -> pl.DataFrame:
        frame: pl.DataFrame = scored.as_duckdbpyrelation().pl()
        scored.drop_table_from_database_and_remove_from_cache()
        if "source_dataset_l" not in frame.columns:
            frame = frame.with_columns(
                pl.lit("probe").alias("source_dataset_l"), pl.lit("probe").alias("source_dataset_r")
            )
        return frame
