"""Deterministic matching of workplace mentions that carry no registration number.

Only citizen requests name a workplace without a BRN or management number, and they give at most
a name (often a variant: no legal form, spaces, a site suffix, a typo) and an address. That is too
little to train a model on, so three scored rules, run as one SQL statement in DuckDB:

* the normalised name is equal (14 bits of evidence);
* the road or lot address is equal in the same 시도 (12 bits);
* the names are near on their jamo (Jaro-Winkler ≥ threshold, 6 bits); candidates share the
  length and first syllable and the second or the last one (a typo changes one syllable).

A fourth rule uses the person linkage: when the person who wrote the request is known to work at
a candidate (an insurance record there), the candidate gains 10 bits — and with the same 시군구
it is a candidate even without a name. The scores add up per candidate master; a 시도 that
disagrees removes the candidate. The master
engine then links a mention only to a candidate that clearly beats every other one, so a name
shared by two companies with nothing else to tell them apart stays unlinked.
"""

from __future__ import annotations

from typing import Any

import polars as pl

NAME_BITS, ADDRESS_BITS, NEAR_NAME_BITS, CONTEXT_BITS = 14.0, 12.0, 6.0, 10.0
_FIELDS = ("entity", "rkey", "key", "name_key", "name_jamo", "addr_key", "sido_code", "sigungu")
_CONTEXT = {"rkey": pl.Utf8, "key": pl.Utf8}

_SQL = """
WITH pairs AS (
    SELECT 'name' AS rule, p.entity AS probe, a.entity AS anchor, p.rkey AS probe_rkey,
           a.rkey AS anchor_rkey, {name_bits} AS bits, p.sido_code AS ps, a.sido_code AS s
    FROM probes p JOIN anchors a ON p.name_key = a.name_key
    UNION ALL
    SELECT 'address', p.entity, a.entity, p.rkey, a.rkey, {address_bits}, p.sido_code,
           a.sido_code
    FROM probes p JOIN anchors a ON p.addr_key = a.addr_key AND p.sido_code = a.sido_code
    UNION ALL
    SELECT 'near_name', p.entity, a.entity, p.rkey, a.rkey, {near_bits}, p.sido_code,
           a.sido_code
    FROM probes p JOIN anchors a
      ON p.head = a.head AND p.second = a.second AND p.name_key <> a.name_key
    WHERE jaro_winkler_similarity(p.name_jamo, a.name_jamo) >= {near}
    UNION ALL
    SELECT 'near_name', p.entity, a.entity, p.rkey, a.rkey, {near_bits}, p.sido_code,
           a.sido_code
    FROM probes p JOIN anchors a
      ON p.head = a.head AND p.tail = a.tail AND p.name_key <> a.name_key
    WHERE jaro_winkler_similarity(p.name_jamo, a.name_jamo) >= {near}
    UNION ALL
    SELECT CASE WHEN p.sigungu = a.sigungu AND p.sido_code = a.sido_code
                THEN 'context_place' ELSE 'context' END,
           p.entity, a.entity, p.rkey, a.rkey, {context_bits}, p.sido_code, a.sido_code
    FROM probes p JOIN context c ON c.rkey = p.rkey JOIN anchors a ON a.key = c.key
), rules AS (
    SELECT probe, anchor, rule, min(probe_rkey) AS probe_rkey, min(anchor_rkey) AS anchor_rkey,
           max(bits) AS bits, bool_or(ps IS NOT NULL AND s IS NOT NULL AND ps <> s) AS clash
    FROM pairs WHERE probe <> anchor GROUP BY probe, anchor, rule
), scored AS (
    SELECT probe, anchor, min(probe_rkey) AS probe_rkey, min(anchor_rkey) AS anchor_rkey,
           sum(bits) AS bits, bool_or(clash) AS clash,
           bool_or(rule NOT IN ('context', 'context_place')) OR bool_or(rule = 'context_place')
               AS grounded
    FROM rules GROUP BY probe, anchor
)
SELECT probe, anchor, probe_rkey, anchor_rkey, bits AS match_weight,
       pow(2, bits) / (1 + pow(2, bits)) AS match_probability
FROM scored WHERE NOT clash AND grounded
"""


class WorkplaceRuleMatcher:
    """A :class:`~ilteo.lake.masters.Matcher` for workplace mentions (rules, no training).

    Args:
        cfg: The ``workplace`` section of ``linkage.yaml``.
        context: Optional ``rkey, key`` rows: for a mention, the keys (BRNs) of workplaces where
            the person who wrote it is known to work (from person linkage). A candidate among
            them gains 10 bits; with the same 시군구 it is a candidate on its own.
    """

    def __init__(self, cfg: dict[str, Any], context: pl.DataFrame | None = None) -> None:
        self.near = float(cfg["name_jamo_threshold"])
        self.context = context if context is not None else pl.DataFrame(schema=_CONTEXT)

    def _run(self, probes: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
        import duckdb

        con = duckdb.connect()
        name = pl.col("name_key")
        blocks = [
            pl.format("{}{}", name.str.slice(0, 1), name.str.len_chars()).alias("head"),
            name.str.slice(1, 1).alias("second"),
            name.str.slice(-1, 1).alias("tail"),
        ]
        try:
            con.register("probes", probes.select(*_FIELDS, *blocks).to_arrow())
            con.register("anchors", anchors.select(*_FIELDS, *blocks).to_arrow())
            con.register("context", self.context.select(*_CONTEXT).to_arrow())
            sql = _SQL.format(
                name_bits=NAME_BITS, address_bits=ADDRESS_BITS, near_bits=NEAR_NAME_BITS,
                context_bits=CONTEXT_BITS, near=self.near,
            )  # fmt: skip
            found: pl.DataFrame = con.sql(sql).pl()
            return found
        finally:
            con.close()

    def between(self, probes: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
        """Scored (mention, master) candidates."""
        useful = anchors.filter(pl.col("name_key").is_not_null() | pl.col("addr_key").is_not_null())
        return self._run(probes, useful).select(
            "probe", "anchor", "match_probability", "match_weight", "probe_rkey", "anchor_rkey"
        )

    def within(self, probes: pl.DataFrame) -> pl.DataFrame:
        """Scored pairs of mentions of different probe groups (each pair once)."""
        out = self._run(probes, probes).filter(pl.col("probe") < pl.col("anchor"))
        return out.select(
            pl.col("probe").alias("left"),
            pl.col("anchor").alias("right"),
            "match_probability",
            "match_weight",
            pl.col("probe_rkey").alias("left_rkey"),
            pl.col("anchor_rkey").alias("right_rkey"),
        )


def mention_candidates(records: pl.DataFrame, cfg: dict[str, Any], limit: int = 8) -> pl.DataFrame:
    """For every workplace record, the keys of the workplaces it may be (``rkey, workplaces``).

    A keyed record is its own key; a mention gets the keys of its rule candidates (the best
    ``limit``, ambiguous ones included), so person linkage can ask "does this person work at
    one of them?" before the mention itself is resolved.
    """
    keyed = records.filter(pl.col("key").is_not_null())
    mentions = records.filter(pl.col("key").is_null()).with_columns(pl.col("rkey").alias("entity"))
    anchors = keyed.filter(
        pl.col("name_key").is_not_null() | pl.col("addr_key").is_not_null()
    ).with_columns(pl.col("key").alias("entity"))
    found = WorkplaceRuleMatcher(cfg)._run(mentions, anchors) if not mentions.is_empty() else None
    own = keyed.select("rkey", pl.concat_list("key").alias("workplaces"))
    if found is None or found.is_empty():
        return own
    best = (
        found.sort(["probe", "match_weight", "anchor"], descending=[False, True, False])
        .group_by("probe", maintain_order=True)
        .agg(pl.col("anchor").head(limit).alias("workplaces"))
        .rename({"probe": "rkey"})
    )
    return pl.concat([own, best])
