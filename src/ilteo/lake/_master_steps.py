"""The first half of a master run: what changed, what still holds, what each probe matches.

Used by :func:`ilteo.lake.masters.update_masters`; see that module for the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from ilteo.lake._master_graph import components
from ilteo.lake.masters import MatchPolicy


def _diff(
    links: pl.DataFrame, records: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]:
    """Split the previous links into kept ones and probes; say why each touched master changed."""
    linked = links.filter(pl.col("master_id").is_not_null())
    current = records.select("rkey", "fingerprint")
    joined = current.join(
        linked.drop("source", "record_id").rename({"fingerprint": "fp_prev"}),
        on="rkey",
        how="left",
    )
    kept = joined.filter(
        pl.col("master_id").is_not_null() & (pl.col("fingerprint") == pl.col("fp_prev"))
    ).drop("fp_prev")
    probes = joined.filter(
        pl.col("master_id").is_null() | (pl.col("fingerprint") != pl.col("fp_prev"))
    )
    changed = probes.filter(pl.col("master_id").is_not_null())
    removed = linked.join(current, on="rkey", how="anti")
    touched: dict[str, str] = {}
    for frame, what in ((removed, "removed"), (changed, "corrected")):
        for master, rkeys in frame.group_by("master_id").agg("rkey").iter_rows():
            shown = ", ".join(sorted(rkeys)[:3]) + (" …" if len(rkeys) > 3 else "")
            touched[master] = (touched.get(master, "") + f" {len(rkeys)} {what} ({shown})").strip()
    return kept, probes.select("rkey", pl.col("master_id").alias("old_master")), touched


def _evidence_edges(frame: pl.DataFrame, group: str) -> pl.DataFrame:
    """Edges that hold records together: same key, a source's reference, recorded evidence."""
    key_root = frame.filter(pl.col("key").is_not_null()).with_columns(
        pl.col("rkey").min().over(group, "key").alias("b")
    )
    inside = frame.select("rkey", group)
    same_as = frame.filter(pl.col("same_as").is_not_null()).join(
        inside.rename({"rkey": "same_as"}), on=["same_as", group]
    )
    evidence = (
        frame.select("rkey", group, pl.col("evidence"))
        .explode("evidence")
        .filter(pl.col("evidence").is_not_null())
        .join(inside.rename({"rkey": "evidence"}), on=["evidence", group])
    )
    return pl.concat(
        [
            key_root.select(pl.col("rkey").alias("a"), "b"),
            same_as.select(pl.col("rkey").alias("a"), pl.col("same_as").alias("b")),
            evidence.select(pl.col("rkey").alias("a"), pl.col("evidence").alias("b")),
        ]
    )


def _recheck(kept: pl.DataFrame, records: pl.DataFrame, touched: dict[str, str]) -> pl.DataFrame:
    """Mark kept records that the remaining evidence no longer ties to their master's main part.

    In a master that lost records, the remaining ones fall into parts held together by key,
    reference and recorded evidence. The main part is the largest one that holds a *founder*
    (a keyed record, or one that started the master); every other part, and every part of a
    master left without a founder, is linked again (``requeue`` names its part).
    """
    frame = kept.join(records.select("rkey", "key", "same_as"), on="rkey").with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("requeue")
    )
    affected = frame.filter(pl.col("master_id").is_in(list(touched)))
    if affected.is_empty():
        return frame
    parts = components(affected["rkey"], _evidence_edges(affected, "master_id"))
    founder = pl.col("method").is_in(["exact_key", "unmatched"])
    sized = (
        affected.select("rkey", "master_id", founder.alias("founder"))
        .join(parts, left_on="rkey", right_on="node")
        .with_columns(
            pl.len().over("component").alias("size"),
            pl.col("founder").any().over("component").alias("anchored"),
        )
    )
    main = (
        sized.filter(pl.col("anchored"))
        .sort(["master_id", "size", "component"], descending=[False, True, False])
        .group_by("master_id", maintain_order=True)
        .first()
        .select("master_id", pl.col("component").alias("main"))
    )
    requeue = sized.join(main, on="master_id", how="left").filter(
        pl.col("main").is_null() | (pl.col("component") != pl.col("main"))
    )
    return (
        frame.join(
            requeue.select("rkey", pl.col("component").alias("requeue_part")), on="rkey", how="left"
        )
        .with_columns(pl.col("requeue_part").alias("requeue"))
        .drop("requeue_part")
    )


def _group_probes(probes: pl.DataFrame) -> pl.DataFrame:
    """Group probe records that belong together by key, reference or a requeued part."""
    frame = probes.with_columns(pl.lit([], dtype=pl.List(pl.Utf8)).alias("evidence"))
    frame = frame.with_columns(pl.lit("p").alias("all"))
    edges = _evidence_edges(frame, "all")
    part = frame.filter(pl.col("requeue").is_not_null()).with_columns(
        pl.col("rkey").min().over("requeue").alias("b")
    )
    edges = pl.concat([edges, part.select(pl.col("rkey").alias("a"), "b")])
    groups = components(frame["rkey"], edges).rename({"node": "rkey", "component": "group"})
    return probes.join(groups, on="rkey")


def _attach(probes: pl.DataFrame, kept: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """The master each probe group joins by key or by reference (``attach`` null when none)."""
    owner = kept.select("rkey", "master_id")
    by_key = (
        owner.join(records.select("rkey", "key"), on="rkey")
        .filter(pl.col("key").is_not_null())
        .group_by("key")
        .agg(pl.col("master_id").min().alias("key_master"))
    )
    by_ref = owner.rename({"rkey": "same_as", "master_id": "ref_master"})
    joined = probes.join(by_key, on="key", how="left").join(by_ref, on="same_as", how="left")
    per_group = joined.group_by("group").agg(pl.col("key_master").min(), pl.col("ref_master").min())
    attach = pl.coalesce("key_master", "ref_master").alias("attach")
    return probes.join(per_group.select("group", attach), on="group")


@dataclass
class _Decisions:
    """What the matcher's scores mean for each probe entity."""

    unions: list[tuple[float, str, str, str, str, float, bool]] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    bridges: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def _decide(between: pl.DataFrame, keyed: dict[str, bool], policy: MatchPolicy) -> _Decisions:
    """One master per probe by posterior; strong matches to compatible masters are bridges.

    A probe belongs to at most one master. With prior ``π`` that it belongs to one of them, the
    posterior of candidate *k* is ``π·2^w_k / (π·Σ_j 2^w_j + 1 - π)`` (``w``: Splink match
    weights, which already hold the prior of a random pair). Two similar candidates therefore
    share the posterior and neither is linked (``ambiguous``).
    """
    out = _Decisions()
    if between.is_empty():
        return out
    prior = policy.probe_prior
    best = (
        between.sort("match_weight", descending=True)
        .group_by("probe", "anchor", maintain_order=True)
        .first()
        .with_columns(
            pl.col("anchor").replace_strict(keyed, default=False).alias("keyed"),
            (pl.col("match_weight") + math.log2(prior)).alias("a"),
        )
    )

    def exp2(bits: pl.Expr) -> pl.Expr:
        return (bits * math.log(2)).exp()

    none = pl.lit(math.log2(1 - prior))
    top = pl.max_horizontal(pl.col("a").max().over("probe"), none)
    spread = exp2(pl.col("a") - top).sum().over("probe") + exp2(none - top)
    best = best.with_columns(exp2(pl.col("a") - top - spread.log(2)).alias("posterior"))
    strong = pl.col("match_probability") >= policy.merge_probability
    per_probe = best.group_by("probe").agg(
        strong.sum().alias("n_strong"), (strong & pl.col("keyed")).sum().alias("n_keyed")
    )
    best = best.join(per_probe, on="probe")
    bridge = (pl.col("n_strong") >= 2) & (pl.col("n_keyed") <= 1)
    columns = ["match_weight", "probe", "anchor", "probe_rkey", "anchor_rkey"]
    bridged = best.filter(bridge & strong)
    for w, probe, anchor, p_rkey, a_rkey, p in bridged.select(*columns, "match_probability").rows():
        out.unions.append((w, probe, anchor, p_rkey, a_rkey, p, True))
        out.bridges.setdefault(probe, []).append((anchor, p))
    ranked = best.filter(bridge.not_()).sort(["probe", "posterior"], descending=[False, True])
    first = ranked.group_by("probe", maintain_order=True).first()
    linked = first.filter(pl.col("posterior") >= policy.match_probability)
    for w, probe, anchor, p_rkey, a_rkey, post in linked.select(*columns, "posterior").rows():
        out.unions.append((w, probe, anchor, p_rkey, a_rkey, post, True))
    doubtful = ranked.join(linked.select("probe"), on="probe", how="anti").filter(
        pl.col("match_probability").max().over("probe") >= policy.match_probability
    )
    for probe, rkeys in doubtful.group_by("probe").agg(pl.col("anchor_rkey").head(3)).rows():
        out.ambiguous[probe] = sorted(rkeys)
    return out


def _within_unions(within: pl.DataFrame, policy: MatchPolicy, out: _Decisions) -> None:
    if within.is_empty():
        return
    strong = within.filter(pl.col("match_probability") >= policy.match_probability)
    for left, right, p, w, l_rkey, r_rkey in strong.select(
        "left", "right", "match_probability", "match_weight", "left_rkey", "right_rkey"
    ).rows():
        if left not in out.ambiguous and right not in out.ambiguous:
            out.unions.append((w, left, right, l_rkey, r_rkey, p, False))
