"""Master records: stable IDs across runs, merges, splits, ambiguity, and the event ledger."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.lake.masters import (
    LINK_SCHEMA,
    MASTER_SCHEMA,
    MasterEvent,
    MasterState,
    MasterUpdate,
    MatchPolicy,
    load_state,
    masters_summary,
    save_state,
    update_masters,
    write_events,
)
from ilteo.lake.standardise import standardise_person_records

POLICY = MatchPolicy(match_probability=0.9, merge_probability=0.999, probe_prior=0.9)


def create_person_record(**overrides: Any) -> dict[str, Any]:
    """One row of ``curated/person_records`` (no key, no fields unless given)."""
    row: dict[str, Any] = {
        "source": "src", "record_id": "r", "batch_id": "b", "rrn_hash": None, "name": None,
        "birth_date": None, "sex": None, "phone": None, "address": None, "sido_code": None,
    }  # fmt: skip
    return row | overrides


class ExactMatcher:
    """A stand-in for the Splink model: same phone, or same name and birth date, is a match."""

    rules = (("phone",), ("name_hangul", "birth_date"))

    def _pairs(self, left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
        found = [
            left.drop_nulls(list(on))
            .join(right.drop_nulls(list(on)), on=list(on), suffix="_r")
            .select("entity", "entity_r", "rkey", "rkey_r")
            for on in self.rules
        ]
        return (
            pl.concat(found)
            .unique()
            .with_columns(
                pl.lit(20.0).alias("match_weight"), pl.lit(1 - 2**-20).alias("match_probability")
            )
        )

    def between(self, probes: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
        return self._pairs(probes, anchors).select(
            pl.col("entity").alias("probe"),
            pl.col("entity_r").alias("anchor"),
            "match_probability",
            "match_weight",
            pl.col("rkey").alias("probe_rkey"),
            pl.col("rkey_r").alias("anchor_rkey"),
        )

    def within(self, probes: pl.DataFrame) -> pl.DataFrame:
        pairs = self._pairs(probes, probes).filter(pl.col("entity") < pl.col("entity_r"))
        return pairs.select(
            pl.col("entity").alias("left"),
            pl.col("entity_r").alias("right"),
            "match_probability",
            "match_weight",
            pl.col("rkey").alias("left_rkey"),
            pl.col("rkey_r").alias("right_rkey"),
        )


def _records(*rows: dict[str, Any]) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema=dict.fromkeys(rows[0], pl.Utf8))
    return standardise_person_records(frame.with_columns(pl.col("birth_date").str.to_date()))


def _empty() -> MasterState:
    return MasterState(
        "person", pl.DataFrame(schema=MASTER_SCHEMA), pl.DataFrame(schema=LINK_SCHEMA), 0
    )


def _run(state: MasterState, rows: list[dict[str, Any]], run_id: str) -> MasterUpdate:
    def attributes(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("master_id").agg(pl.col("name_hangul").drop_nulls().first())

    return update_masters(
        state, _records(*rows), ExactMatcher(), POLICY, run_id=run_id, attributes=attributes
    )


def _masters(update: MasterUpdate) -> dict[str, str | None]:
    return dict(update.state.links.select("rkey", "master_id").iter_rows())


A1 = create_person_record(record_id="a1", rrn_hash="k1", name="김민준", birth_date="1990-01-01")
A2 = create_person_record(record_id="a2", rrn_hash="k1", name="김민준", phone="010-1111-1111")
B1 = create_person_record(record_id="b1", rrn_hash="k2", name="이서연", birth_date="1985-03-12")
P1 = create_person_record(source="kdt", record_id="p1", name="이서연", birth_date="1985-03-12")


def test_ids_are_stable_when_new_records_arrive() -> None:
    first = _run(_empty(), [A1, A2, B1, P1], "run-1")
    ids = _masters(first)
    # New masters are numbered in the order of their smallest record key ("kdt/p1" first).
    assert ids == {"src/a1": "P000000002", "src/a2": "P000000002", "src/b1": "P000000001",
                   "kdt/p1": "P000000001"}  # fmt: skip
    assert first.counts == {"exact_key": 3, "probabilistic": 1}
    c1 = create_person_record(record_id="c1", rrn_hash="k1", name="김민준")
    d1 = create_person_record(record_id="d1", rrn_hash="k3", name="박지훈")
    p2 = create_person_record(source="rq", record_id="p2", name="김민준", phone="01011111111")
    second = _run(first.state, [A1, A2, B1, P1, c1, d1, p2], "run-2")
    after = _masters(second)
    assert {k: after[k] for k in ids} == ids  # nothing renumbered
    assert after["src/c1"] == "P000000002"
    assert after["rq/p2"] == "P000000002"
    assert after["src/d1"] == "P000000003"
    assert second.state.counter == 3
    kept = second.state.links.filter(pl.col("rkey") == "src/a1")
    assert kept["run_id"].item() == "run-1"  # an untouched link keeps its history
    assert [(e.event, e.master_ids) for e in second.events] == [
        ("create", ["P000000003", "P000000003"])
    ]


def test_a_bridging_record_merges_and_its_removal_splits() -> None:
    # A training record (name + birth date) and a request (name + phone) of one person who has
    # no key yet: nothing ties them, so they start two masters.
    training = create_person_record(
        source="kdt", record_id="t", name="홍길동", birth_date="1985-03-12"
    )
    request = create_person_record(source="rq", record_id="r", name="홍길동", phone="010-2222-3333")
    first = _run(_empty(), [training, request], "run-1")
    assert set(_masters(first).values()) == {"P000000001", "P000000002"}
    # The job-seeker registration carries everything: it bridges the two.
    seeker = create_person_record(
        source="js", record_id="j", rrn_hash="k9", name="홍길동", birth_date="1985-03-12",
        phone="010-2222-3333",
    )  # fmt: skip
    second = _run(first.state, [training, request, seeker], "run-2")
    assert set(_masters(second).values()) == {"P000000001"}
    merge = [e for e in second.events if e.event == "merge"]
    assert [e.master_ids for e in merge] == [["P000000001", "P000000002"]]
    assert "js/j" in merge[0].reason
    merged = second.state.masters.filter(pl.col("master_id") == "P000000002")
    assert merged.select("status", "merged_into").row(0) == ("merged", "P000000001")
    survivor = second.state.masters.filter(pl.col("master_id") == "P000000001")
    assert survivor["key"].item() == "k9"
    # The registration is withdrawn: nothing ties the two records any more.
    third = _run(second.state, [training, request], "run-3")
    assert sorted(set(_masters(third).values())) == ["P000000001", "P000000003"]
    split = [e for e in third.events if e.event == "split"]
    assert [e.master_ids for e in split] == [["P000000001", "P000000003"]]
    assert "removed" in split[0].reason
    status = dict(third.state.masters.select("master_id", "status").iter_rows())
    assert status == {"P000000001": "active", "P000000002": "merged", "P000000003": "active"}


def test_two_keyed_masters_are_never_merged_and_a_tie_is_not_guessed() -> None:
    twin_a = create_person_record(
        record_id="x", rrn_hash="kx", name="정하은", birth_date="2001-05-05"
    )
    twin_b = create_person_record(
        record_id="y", rrn_hash="ky", name="정하은", birth_date="2001-05-05"
    )
    probe = create_person_record(
        source="kdt", record_id="p", name="정하은", birth_date="2001-05-05"
    )
    update = _run(_empty(), [twin_a, twin_b, probe], "run-1")
    links = update.state.links.filter(pl.col("rkey") == "kdt/p")
    assert links.select("master_id", "method").row(0) == (None, "ambiguous")
    assert sorted(links["evidence"].item().to_list()) == ["src/x", "src/y"]
    assert update.state.masters.height == 2
    assert not [e for e in update.events if e.event == "merge"]


def test_a_corrected_key_moves_the_record_and_its_followers() -> None:
    first = _run(_empty(), [A1, A2, B1, P1], "run-1")
    corrected = B1 | {"rrn_hash": "k1"}  # the RRN was mistyped and is now right
    second = _run(first.state, [A1, A2, corrected, P1], "run-2")
    before, after = _masters(first), _masters(second)
    a, b = before["src/a1"], before["src/b1"]
    assert after["src/b1"] == a
    assert after["kdt/p1"] == a  # its evidence moved with b1 and it followed
    events = {(e.event, tuple(e.master_ids)) for e in second.events}
    assert ("relink", (b, a)) in events
    assert ("relink", (b,)) in events  # b has no record left: retired, on record
    status = dict(second.state.masters.select("master_id", "status").iter_rows())
    assert status[b] == "retired"
    assert second.state.counter == 2


def test_records_without_anything_to_link_on_get_no_master() -> None:
    anonymous = create_person_record(source="rq", record_id="n", name="익명", sido_code="서울")
    update = _run(_empty(), [A1, anonymous], "run-1")
    row = update.state.links.filter(pl.col("rkey") == "rq/n")
    assert row.select("master_id", "method").row(0) == (None, "unlinkable")
    second = _run(update.state, [A1, anonymous], "run-2")
    assert second.state.counter == 1  # retried, never numbered


def test_state_round_trips_through_the_lake(tmp_path: Any) -> None:
    paths = LakePaths(tmp_path / "lake")
    update = _run(_empty(), [A1, A2, B1, P1], "run-1")
    save_state(paths, update.state)
    loaded = load_state(paths, "person")
    assert loaded.counter == 2
    assert loaded.links.equals(update.state.links)
    assert load_state(paths, "workplace").counter == 0
    assert (paths.root / "master" / "counters.json").exists()


def test_events_reach_the_ledger(db_settings: Settings) -> None:
    upgrade(db_settings)
    events = [
        MasterEvent("person", "create", ["P000000001", "P000000002"], 4, "2 new masters"),
        MasterEvent("person", "merge", ["P000000001", "P000000002"], 1, "kdt/p matched both"),
    ]
    write_events(db_settings, events, "run-7")
    summary = masters_summary("person", db_settings)
    assert [(e["event"], e["master_ids"], e["run_id"]) for e in summary["events"]] == [
        ("merge", ["P000000001", "P000000002"], "run-7"),
        ("create", ["P000000001", "P000000002"], "run-7"),
    ]
    assert masters_summary("workplace", db_settings)["events"] == []


@pytest.mark.parametrize("kind", ["person", "workplace"])
def test_summary_of_an_empty_lake(kind: str, settings: Settings) -> None:
    upgrade(settings)
    summary = masters_summary(kind, settings)  # type: ignore[arg-type]
    assert summary == {"kind": kind, "next_number": 1, "status": {}, "methods": {}, "events": []}
