"""The catalogue: every dataset with schema, owner, lineage, personal data, freshness; DCAT."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.lake.steward_factories import (
    NOW,
    SOURCES,
    create_batch,
    create_quality_score,
    migrated,
    write_master,
    write_person_linkage,
    write_small_lake,
)

from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake.catalog import catalog_dcat, get_catalog_entry, list_catalog


@pytest.fixture
def lake(settings: Settings) -> Settings:
    return migrated(settings)


def by_id(settings: Settings, **kwargs: Any) -> dict[str, Any]:
    return {e.id: e for e in list_catalog(settings, sources=SOURCES, now=NOW, **kwargs)}


def test_every_source_gets_three_layers_and_derived_datasets_are_listed(lake: Settings) -> None:
    entries = by_id(lake)
    for spec in SOURCES:
        for layer in ("source", "staged", "curated"):
            assert f"{layer}.{spec.id}" in entries
    for derived in ("curated.person_records", "master.persons", "master.person_links",
                    "derived.quality_scores", "derived.standardisation_report"):  # fmt: skip
        assert derived in entries


def test_empty_lake_has_nothing_present_and_nothing_fresh(lake: Settings) -> None:
    entries = by_id(lake)
    assert not any(e.present for e in entries.values())
    source = entries["source.ei_events"]
    assert source.rows == 0
    assert source.freshness is not None
    assert source.freshness.status == "never"
    assert [c.name for c in source.columns][:3] == ["record_id", "event_type", "event_date"]


def test_personal_datasets_are_non_public_and_columns_keep_their_class(lake: Settings) -> None:
    entries = by_id(lake)
    ei = entries["source.ei_events"]
    assert ei.access_rights == "non-public"
    assert ei.personal == "rrn"
    columns = {c.name: c for c in ei.columns}
    assert columns["rrn"].personal == "rrn"
    assert columns["name"].personal == "direct"
    assert columns["ksic_code"].personal == "none"
    assert columns["ksic_code"].code_system == "ksic11"
    assert ei.standard_keys == ["rrn", "workplace_mgmt_no"]
    assert ei.code_systems == ["ei_loss_reason", "ksco8", "ksic11", "rrn"]
    # Workplaces have no personal column: restricted (internal licence), not open, not secret.
    assert entries["curated.workplaces"].access_rights == "restricted"
    # A table of links between records and persons is personal even without a personal column.
    assert entries["master.person_links"].access_rights == "non-public"
    assert entries["derived.quality_scores"].access_rights == "public"


def test_files_give_rows_schema_and_date_range(lake: Settings) -> None:
    write_small_lake(lake)
    curated = by_id(lake)["curated.ei_events"]
    assert curated.present
    assert curated.rows == 5
    columns = {c.name: c for c in curated.columns}
    # The RRN is stored as its keyed hash, still classed as an RRN and still a standard key.
    assert columns["rrn_hash"].personal == "rrn"
    assert columns["rrn_hash"].key
    assert columns["event_date"].dtype == "date"
    assert "rrn_hash" in curated.standard_keys
    assert (curated.temporal_start, curated.temporal_end) == (date(2024, 1, 2), date(2025, 1, 15))
    assert curated.distributions[0].media_type == "application/vnd.apache.parquet"


def test_ledger_gives_row_counts_and_freshness_against_cadence(lake: Settings) -> None:
    create_batch(lake, source="ei_events")  # daily source, finished an hour before NOW
    entries = by_id(lake)
    assert entries["source.ei_events"].rows == 10
    assert entries["staged.ei_events"].rows == 8
    fresh = entries["source.ei_events"].freshness
    assert fresh is not None
    assert fresh.status == "fresh"
    later = by_id(lake)["source.ei_events"]
    assert later.modified is not None
    stale = list_catalog(lake, sources=SOURCES, now=NOW + timedelta(days=5))
    assert next(e for e in stale if e.id == "source.ei_events").freshness.status == "stale"


def test_lineage_runs_both_ways(lake: Settings) -> None:
    entries = by_id(lake)
    assert entries["staged.ei_events"].lineage == ["source.ei_events"]
    records = entries["curated.person_records"]
    assert "curated.ei_events" in records.lineage
    assert "curated.workplaces" not in records.lineage  # workplaces mention no person
    assert "curated.person_records" in entries["curated.ei_events"].used_by
    assert "master.persons" in records.used_by


def test_person_records_take_the_personal_class_of_their_standard_columns(lake: Settings) -> None:
    write_person_linkage(lake)
    records = by_id(lake)["curated.person_records"]
    columns = {c.name: c for c in records.columns}
    assert columns["name"].personal == "direct"
    assert columns["birth_date"].personal == "quasi"
    assert columns["source"].personal == "none"  # a bookkeeping column
    assert records.access_rights == "non-public"


def test_an_undeclared_table_is_listed_unclassified_and_not_open(lake: Settings) -> None:
    write_master(lake, "mystery", {"source": ["a"], "secret_note": ["x"]})
    entry = by_id(lake)["master.mystery"]
    columns = {c.name: c.personal for c in entry.columns}
    assert columns == {"source": "none", "secret_note": "unclassified"}
    assert entry.personal == "unclassified"
    assert entry.access_rights == "non-public"


def test_quality_scores_dataset_counts_rows(lake: Settings) -> None:
    create_quality_score(lake)
    entry = by_id(lake)["derived.quality_scores"]
    assert entry.present
    assert entry.rows == 1
    assert {c.name for c in entry.columns} >= {"source", "dimension", "score", "threshold"}


def test_get_catalog_entry(lake: Settings) -> None:
    assert get_catalog_entry("curated.workplaces", lake, sources=SOURCES).layer == "curated"
    with pytest.raises(NotFoundError, match=r"nope\.nothing"):
        get_catalog_entry("nope.nothing", lake, sources=SOURCES)


# --- DCAT -------------------------------------------------------------------------------------

KEYWORDS = {"@context", "@id", "@type", "@value", "@language", "@graph"}


def check_jsonld(node: Any, prefixes: set[str], path: str = "$") -> None:
    """Every term is a keyword or a declared prefix; ids are absolute IRIs; literals well formed."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            check_jsonld(item, prefixes, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@context":
            continue
        if key.startswith("@"):
            assert key in KEYWORDS, f"{path}: unknown keyword {key}"
        else:
            assert key.split(":", 1)[0] in prefixes, f"{path}: undeclared prefix in {key}"
        if key == "@id":
            assert re.match(r"^https?://", value), f"{path}: relative @id {value}"
        if key == "@type":
            types = value if isinstance(value, list) else [value]
            assert all(t.split(":", 1)[0] in prefixes for t in types), f"{path}: {value}"
        if key == "@language":
            assert value in {"ko", "en"}
        check_jsonld(value, prefixes, f"{path}.{key}")
    if "@value" in node:
        assert set(node) <= {"@value", "@language", "@type"}, f"{path}: {sorted(node)}"


def titles(node: dict[str, Any]) -> dict[str, str]:
    return {t["@language"]: t["@value"] for t in node["dct:title"]}


def test_dcat_is_valid_json_ld_with_a_catalog_of_datasets(lake: Settings) -> None:
    write_small_lake(lake)
    create_batch(lake, source="ei_events")
    document = catalog_dcat(lake, sources=SOURCES, now=NOW, landing_base="http://x.test/")
    document = json.loads(json.dumps(document))  # plain JSON all the way down
    context = document["@context"]
    assert context["dcat"] == "http://www.w3.org/ns/dcat#"
    assert context["dct"] == "http://purl.org/dc/terms/"
    check_jsonld(document, set(context))
    assert document["@type"] == "dcat:Catalog"
    assert set(titles(document)) == {"ko", "en"}
    datasets = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    assert len(datasets) == len(list_catalog(lake, sources=SOURCES, now=NOW))
    for dataset in datasets.values():
        assert dataset["@type"] == "dcat:Dataset"
        assert set(titles(dataset)) == {"ko", "en"}
        assert dataset["dct:publisher"]["@id"] == document["dct:publisher"]["@id"]
        assert dataset["dct:license"]
        assert dataset["dcat:keyword"]
        assert all(d["@type"] == "dcat:Distribution" for d in dataset["dcat:distribution"])

    ei = datasets["curated.ei_events"]
    assert ei["dct:accessRights"]["@id"].endswith("/access-right/NON_PUBLIC")
    assert ei["dcat:distribution"][0]["dcat:mediaType"]["@id"].endswith(
        "/application/vnd.apache.parquet"
    )
    assert ei["dct:temporal"]["dcat:startDate"] == {"@value": "2024-01-02", "@type": "xsd:date"}
    assert ei["dct:accrualPeriodicity"]["@id"].endswith("/frequency/DAILY")
    assert ei["prov:wasDerivedFrom"] == [{"@id": "https://ilteo.kr/lake/datasets/staged.ei_events"}]
    assert ei["dcat:landingPage"]["@id"] == "http://x.test/lake/catalog#curated.ei_events"
    assert datasets["source.ei_events"]["dct:modified"]["@type"] == "xsd:dateTime"
    public = datasets["derived.quality_scores"]
    assert public["dct:accessRights"]["@id"].endswith("/access-right/PUBLIC")
    assert public["dct:license"]["@id"].startswith("https://www.kogl.or.kr/")
    csv = datasets["source.kdt_enrolments"]["dcat:distribution"][0]
    assert csv["dct:format"] == "csv"
    assert csv["dcat:mediaType"]["@id"].endswith("/text/csv")


def test_dcat_marks_every_personal_dataset_non_public(lake: Settings) -> None:
    document = catalog_dcat(lake, sources=SOURCES, now=NOW)
    entries = by_id(lake)
    for dataset in document["dcat:dataset"]:
        entry = entries[dataset["dct:identifier"]]
        if entry.personal != "none":
            assert dataset["dct:accessRights"]["@id"].endswith("NON_PUBLIC"), entry.id


def test_date_range_from_footer_or_by_scanning(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ilteo.lake._catalog_files import date_range

    table = pa.table({"d": [date(2024, 5, 1), None, date(2023, 1, 2)]})
    with_stats, without = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(table, with_stats)
    pq.write_table(table, without, write_statistics=False)
    expected = (date(2023, 1, 2), date(2024, 5, 1))
    assert date_range(with_stats, "d") == expected
    assert date_range(without, "d") == expected
