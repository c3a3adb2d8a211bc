"""The accident and disaster data report is generated from the declared kinds and the lake now."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    migrated,
    write_small_lake,
)

from ilteo.core.db import engine_for, session_scope
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk.models import Request as DeskRequest
from ilteo.lake.report import needs_config
from ilteo.lake.sources import list_sources
from ilteo.lake.spec import SourceSpec
from ilteo.safety.report import (
    DataKindRow,
    SafetyDataReport,
    build_report,
    data_kinds_config,
    render_html,
    render_markdown,
    write_report,
)


@pytest.fixture
def lake(settings: Settings) -> Settings:
    return migrated(settings)


def kind(report: SafetyDataReport, kind_id: str) -> DataKindRow:
    return next(k for k in report.kinds if k.id == kind_id)


def with_field(
    sources: list[SourceSpec], source: str, field: str, **changes: Any
) -> list[SourceSpec]:
    """The declarations with one field of one source changed."""
    changed = []
    for spec in sources:
        if spec.id == source:
            fields = tuple(
                dataclasses.replace(f, **changes) if f.name == field else f for f in spec.fields
            )
            spec = dataclasses.replace(spec, fields=fields)
        changed.append(spec)
    return changed


def ingest_workplaces(settings: Settings) -> None:
    create_batch(settings, source="workplaces", finished_at=NOW)
    write_small_lake(settings)


def add_desk_requests(settings: Settings, *, linked: int, unlinked: int) -> None:
    """Desk requests, ``linked`` of them with a master workplace (fake texts, no contacts)."""
    with session_scope(settings) as session:
        for i in range(linked + unlinked):
            session.add(
                DeskRequest(
                    id=f"D-TEST-{i:04d}",
                    received_at=NOW - timedelta(hours=i + 1),
                    channel="web",
                    kind="report",
                    text_masked="비계가 흔들립니다",
                    text_sealed="sealed",
                    status_at=NOW,
                    category="safety_hazard",
                    workplace_address="가상시 가상구 1",
                    master_workplace_id=f"W{i}" if i < linked else None,
                )
            )


def test_the_declared_kinds_are_complete_and_consistent() -> None:
    config = data_kinds_config()
    kinds = config["kinds"]
    assert 12 <= len(kinds) <= 16
    assert len({k["id"] for k in kinds}) == len(kinds)
    required = {
        n["id"]: n["code_system"]
        for n in needs_config()["needs"]
        if n["capability"] == config["capability"]
    }
    needs = set(required)
    codes = set(config["code_systems"]) | set(needs_config()["national_standards"])
    phases = {p["id"] for p in config["phases"]}
    sources = {s.id for s in list_sources()}
    for declared in kinds:
        assert set(declared["needs"]) <= needs, declared["id"]
        for need in declared["needs"]:
            assert required[need] in (None, *declared["code_systems"]), (declared["id"], need)
        assert set(declared["code_systems"]) <= codes, declared["id"]
        assert set(declared["link_keys"]) <= set(config["link_keys"]), declared["id"]
        assert set(declared["uses"]) <= set(config["uses"]), declared["id"]
        assert declared["schedule"]["phase"] in phases
        assert len(declared["standardisation_ko"]) == len(declared["standardisation_en"]) >= 1
        where = declared["where"]
        if where and "source" in where:
            assert where["source"] in sources, declared["id"]
    holders = {k["holder"]["organisation_ko"] for k in kinds}
    for organisation in ("근로복지공단", "고용노동부", "한국산업안전보건공단", "국세청", "기상청"):
        assert any(organisation in h for h in holders), organisation


def test_empty_lake_says_so_and_still_places_every_kind(lake: Settings) -> None:
    report = build_report(lake, now=NOW)
    assert report.lake_empty
    assert [k.id for k in report.kinds] == [k["id"] for k in data_kinds_config()["kinds"]]
    assert report.summary.kinds == len(report.kinds)
    assert report.summary.ingested == 0
    assert not any(k.ingested for k in report.kinds)
    accidents = kind(report, "accident_approvals")
    assert accidents.where.type == "source"
    assert accidents.where.id == "accidents"
    assert accidents.in_lake
    assert accidents.rows is None or accidents.rows == 0
    assert any("Declared but nothing ingested" in f for f in accidents.findings_en)
    tax = kind(report, "business_registration")
    assert tax.where.type == "none"
    assert not tax.in_lake
    assert not tax.linkable
    assert "국세청" in tax.findings_ko[0]
    assert report.summary.held_elsewhere == sum(k.where.type == "none" for k in report.kinds)
    desk = kind(report, "desk_hazard_reports")
    assert (desk.where.type, desk.where.id) == ("table", "desk_requests")
    assert (desk.in_lake, desk.rows) == (True, 0)
    assert any("no rows yet" in f for f in desk.findings_en)
    inspections = kind(report, "inspections")
    exists = inspect(engine_for(lake)).has_table("safety_inspections")
    assert inspections.in_lake is exists
    if not exists:
        assert any("no 'safety_inspections' table" in f for f in inspections.findings_en)
    markdown = render_markdown(report)
    assert "아직 레이크에 적재된 데이터가 없습니다" in markdown
    assert "ilteo lake ingest DIR" in markdown


def test_ingested_source_shows_rows_last_batch_codes_and_keys(lake: Settings) -> None:
    ingest_workplaces(lake)
    report = build_report(lake, now=NOW)
    assert not report.lake_empty
    register = kind(report, "workplace_register")
    assert (register.in_lake, register.ingested, register.rows) == (True, True, 3)
    assert register.last_run is not None
    assert register.last_run.replace(tzinfo=NOW.tzinfo) == NOW
    assert register.freshness == "fresh"
    assert "ksic11" in register.lake_code_systems
    codes = {c.code: c for c in register.codes}
    assert codes["ksic11"].declared
    assert codes["ksic11"].national
    assert not codes["insurance_industry_class"].declared
    assert not codes["insurance_industry_class"].national
    assert register.standardised is False
    assert any("insurance_industry_class" in f for f in register.findings_en)
    keys = {k.key: k for k in register.keys}
    assert keys["workplace_no"].in_lake
    assert keys["workplace_no"].column == "workplace_mgmt_no"
    assert register.linkable
    assert register.link_key == "workplace_no"
    related = {n.id: n.status for n in register.needs}
    assert related["workplace_industry"] == "ready"
    assert related["insurance_industry"] == "partial"
    # the small lake has curated workplaces, EI events and accidents (two kinds use EI events)
    ingested = {k.id for k in report.kinds if k.ingested}
    assert ingested == {"workplace_register", "ei_flows", "working_hours", "accident_approvals"}
    assert report.summary.ingested == len(ingested)
    assert report.needs_summary is not None
    assert report.needs_summary.id == "accident_monitoring"
    assert "| 3 |" in render_markdown(report).split("(#workplace_register)")[1].split("\n")[0]


def test_changing_a_source_declaration_changes_the_report(lake: Settings) -> None:
    ingest_workplaces(lake)
    before = build_report(lake, now=NOW)
    declared = with_field(
        list_sources(), "workplaces", "insurance_industry", code_system="insurance_industry_class"
    )
    after = build_report(lake, sources=declared, now=NOW)
    codes = {c.code: c for c in kind(after, "workplace_register").codes}
    assert codes["insurance_industry_class"].declared
    assert not any(
        "No column declares the code system insurance_industry_class" in f
        for f in kind(after, "workplace_register").findings_en
    )
    assert render_markdown(before) != render_markdown(after)

    flows = kind(before, "ei_flows")
    assert flows.standardised is True
    no_ksic = with_field(list_sources(), "ei_events", "ksic_code", code_system=None)
    flows = kind(build_report(lake, sources=no_ksic, now=NOW), "ei_flows")
    assert flows.standardised is False
    assert any("code system ksic11" in f for f in flows.findings_en)


def test_dropping_a_column_the_kind_needs_takes_it_out_of_the_lake(lake: Settings) -> None:
    changed = [
        dataclasses.replace(s, fields=tuple(f for f in s.fields if f.name != "weekly_hours"))
        if s.id == "ei_events"
        else s
        for s in list_sources()
    ]
    report = build_report(lake, sources=changed, now=NOW)
    hours = kind(report, "working_hours")
    assert not hours.in_lake
    assert any("weekly_hours" in f for f in hours.findings_en)
    assert kind(build_report(lake, now=NOW), "working_hours").in_lake


def test_a_quality_score_below_threshold_is_reported(lake: Settings) -> None:
    ingest_workplaces(lake)
    assert kind(build_report(lake, now=NOW), "workplace_register").quality is None
    create_quality_score(
        lake, source="workplaces", field="ksic_code", dimension="validity", score=0.8,
        threshold=0.98, batch_id="workplaces-aaaaaaaaaaaa",
    )  # fmt: skip
    register = kind(build_report(lake, now=NOW), "workplace_register")
    assert register.quality is not None
    assert (register.quality.below, register.quality.minimum) == (1, 0.8)
    assert any("ksic_code validity 80.0%" in f for f in register.findings_en)


def test_a_table_kind_counts_rows_and_how_many_carry_the_key(lake: Settings) -> None:
    add_desk_requests(lake, linked=1, unlinked=3)
    desk = kind(build_report(lake, now=NOW), "desk_hazard_reports")
    assert (desk.in_lake, desk.ingested, desk.rows) == (True, True, 4)
    assert desk.last_run is not None
    assert desk.last_run.replace(tzinfo=NOW.tzinfo) == NOW - timedelta(hours=1)
    keys = {k.key: k for k in desk.keys}
    assert keys["master_workplace"].filled == 0.25
    assert keys["address"].filled == 1.0
    assert not desk.linkable  # a quarter linked is not enough to link on
    assert any("only 25.0% of the rows" in f for f in desk.findings_en)

    add_desk_requests_linked(lake)
    desk = kind(build_report(lake, now=NOW), "desk_hazard_reports")
    assert desk.linkable
    assert desk.link_key == "master_workplace"


def add_desk_requests_linked(settings: Settings) -> None:
    """Link every desk request of the fixture to a master workplace."""
    with session_scope(settings) as session:
        for row in session.query(DeskRequest):
            row.master_workplace_id = "W1"


def test_schedule_groups_every_kind_once(lake: Settings) -> None:
    report = build_report(lake, now=NOW)
    placed = [kind_id for phase in report.schedule for kind_id in phase.kinds]
    assert sorted(placed) == sorted(k.id for k in report.kinds)
    assert [p.quarter for p in report.schedule] == sorted(p.quarter for p in report.schedule)
    for row in report.kinds:
        phase = next(p for p in report.schedule if row.id in p.kinds)
        assert row.phase == phase.phase
        assert phase.quarter_ko in row.phase_ko


def test_html_is_korean_first_and_accessible(lake: Settings) -> None:
    report = build_report(lake, now=NOW)
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in html
    assert html.count("<h1") == 1
    assert html.count("<table") == html.count("<caption>")
    assert 'scope="col"' in html
    assert 'scope="row"' in html
    assert '<span lang="en" class="report-other">' in html
    assert html.index("산업재해·재난 데이터 보고서") < html.index(
        "Accident and disaster data report"
    )
    english = render_html(report, lang="en", fragment=True)
    assert "<html" not in english
    assert "<h1" not in english
    assert english.index("Summary") < english.index("요약")
    with pytest.raises(InvalidInputError):
        render_html(report, lang="fr")


def test_links_in_markdown_and_html_point_at_anchors(lake: Settings) -> None:
    report = build_report(lake, now=NOW)
    markdown = render_markdown(report)
    links = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    assert links == {k.id for k in report.kinds}
    assert links <= set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
    html = render_html(report)
    assert set(re.findall(r'href="#([\w-]+)"', html)) <= set(re.findall(r'id="([\w-]+)"', html))


def test_write_report_writes_html_and_markdown(lake: Settings, tmp_path: Path) -> None:
    written = write_report(lake, out_dir=tmp_path / "out", now=NOW)
    assert sorted(p.name for p in written) == ["safety-data-report.html", "safety-data-report.md"]
    assert not list((tmp_path / "out").glob("*.tmp"))
    only_md = write_report(lake, formats=("md",), now=NOW)
    assert [p.parent.name for p in only_md] == ["reports"]
    assert only_md[0].read_text(encoding="utf-8").startswith("# 산업재해·재난 데이터 보고서")
    with pytest.raises(InvalidInputError):
        write_report(lake, formats=("pdf",), now=NOW)  # type: ignore[arg-type]


def test_the_inspection_queue_is_read_from_its_table(lake: Settings) -> None:
    from ilteo.safety.models import Inspection

    before = kind(build_report(lake, now=NOW), "inspections")
    assert (before.in_lake, before.ingested, before.rows) == (True, False, 0)
    with session_scope(lake) as session:
        session.add(
            Inspection(
                id="I-20260301-TEST01",
                master_workplace_id="W1",
                selection="random",
                queued_at=NOW - timedelta(days=1),
                queued_by="system",
                ksic_code="10110",
                sido_code="11",
            )
        )
    after = kind(build_report(lake, now=NOW), "inspections")
    assert (after.ingested, after.rows) == (True, 1)
    assert after.last_run is not None
    assert after.last_run.replace(tzinfo=NOW.tzinfo) == NOW - timedelta(days=1)
    assert after.linkable
    assert after.link_key == "master_workplace"
    assert after.standardised is True
    assert sorted(after.lake_code_systems) == ["ksic11", "sido"]
