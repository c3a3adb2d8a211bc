"""The standardisation report is generated from declarations, catalogue, quality and linkage."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    migrated,
    write_curated,
    write_linkage_evaluation,
    write_small_lake,
)

from ilteo.core.settings import Settings
from ilteo.lake.report import build_report, render_html, render_markdown, write_report
from ilteo.lake.sources import list_sources
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import NeedAssessment, StandardisationReport


@pytest.fixture
def lake(settings: Settings) -> Settings:
    return migrated(settings)


def need(report: StandardisationReport, need_id: str) -> NeedAssessment:
    return next(n for n in report.needs if n.id == need_id)


def without_code(sources: list[SourceSpec], source: str, field: str) -> list[SourceSpec]:
    """The declarations with one field's code system removed."""
    changed = []
    for spec in sources:
        if spec.id == source:
            fields = tuple(
                dataclasses.replace(f, code_system=None) if f.name == field else f
                for f in spec.fields
            )
            spec = dataclasses.replace(spec, fields=fields)
        changed.append(spec)
    return changed


def ingest_workplaces(settings: Settings) -> None:
    create_batch(settings, source="workplaces", finished_at=NOW)
    write_small_lake(settings)


def test_empty_lake_says_so_and_still_assesses_every_need(lake: Settings) -> None:
    report = build_report(lake, now=NOW)
    assert report.lake_empty
    assert report.sources_ingested == 0
    assert report.sources_declared == len(list_sources())
    assert {c.id for c in report.capabilities} == {"proactive_benefits", "accident_monitoring"}
    assert all(n.status != "ready" for n in report.needs)
    income = need(report, "household_income")
    assert income.status == "missing"
    assert not income.in_lake
    assert "국세청" in income.gaps_ko[0]
    assert "legal basis to be confirmed" in (income.legal_en or "").lower()
    markdown = render_markdown(report)
    assert "아직 적재된 데이터가 없습니다" in markdown
    assert "ilteo lake ingest DIR" in markdown


def test_where_each_item_lives_code_system_standard_and_key(lake: Settings) -> None:
    ingest_workplaces(lake)
    report = build_report(lake, now=NOW)
    industry = need(report, "workplace_industry")
    assert industry.location.source == "workplaces"
    assert industry.location.columns == ["ksic_code"]
    assert industry.code_system == "ksic11"
    assert industry.standardised is True
    assert industry.link_key == "workplace_no"
    assert industry.status == "ready", industry.gaps_en
    reason = need(report, "separation_reason")
    assert reason.code_system == "ei_loss_reason"
    assert reason.standardised is False  # an agency code list, not a national standard
    assert any("not a national standard" in g for g in reason.gaps_en)
    inspections = need(report, "inspections")
    assert inspections.location.source is None
    assert inspections.status == "missing"


def test_changing_a_source_declaration_changes_the_report(lake: Settings) -> None:
    ingest_workplaces(lake)
    before = build_report(lake, now=NOW)
    changed = without_code(list_sources(), "workplaces", "ksic_code")
    after = build_report(lake, sources=changed, now=NOW)
    industry = need(after, "workplace_industry")
    assert industry.code_system is None
    assert industry.standardised is False
    assert industry.status == "partial"
    assert any("required code system is ksic11" in g for g in industry.gaps_en)
    assert render_markdown(before) != render_markdown(after)
    assert "| 예 / Yes |" in render_markdown(before).split("workplace_industry")[1].split("\n")[0]


def test_dropping_a_declared_column_makes_the_item_missing(lake: Settings) -> None:
    changed = [
        dataclasses.replace(s, fields=tuple(f for f in s.fields if f.name != "size_band"))
        if s.id == "workplaces"
        else s
        for s in list_sources()
    ]
    size = need(build_report(lake, sources=changed, now=NOW), "workplace_size")
    assert size.status == "missing"
    assert any("size_band" in g for g in size.gaps_en)


def test_a_quality_result_below_threshold_changes_the_report(lake: Settings) -> None:
    ingest_workplaces(lake)
    assert need(build_report(lake, now=NOW), "workplace_industry").status == "ready"
    create_quality_score(
        lake, source="workplaces", field="ksic_code", dimension="validity", score=0.8,
        threshold=0.98, batch_id="workplaces-aaaaaaaaaaaa",
    )  # fmt: skip
    report = build_report(lake, now=NOW)
    industry = need(report, "workplace_industry")
    assert industry.status == "partial"
    assert [q.score for q in industry.quality if q.below_threshold] == [0.8]
    assert any("ksic_code validity 80.0%" in g for g in industry.gaps_en)
    assert "80.0%" in render_markdown(report)
    assert report.alerts >= 1


def test_linkage_quality_decides_whether_keyless_sources_are_linkable(lake: Settings) -> None:
    create_batch(lake, source="kdt_enrolments", finished_at=NOW)
    enrolments = {"수강번호": ["T1"], "NCS코드": ["20010202"], "수강상태": ["수료"]}
    write_curated(lake, "kdt_enrolments", enrolments | {"종강일": [NOW.date()]})
    training = need(build_report(lake, now=NOW), "training_history")
    assert training.standardised is True  # NCS is a national standard
    assert not training.linkable
    assert any("not been evaluated" in g for g in training.gaps_en)

    write_linkage_evaluation(lake)  # kdt_enrolments: precision 0.985, recall 0.95
    training = need(build_report(lake, now=NOW), "training_history")
    assert training.linkable
    assert training.link_key is None
    assert (training.linkage_precision, training.linkage_recall) == (0.985, 0.95)

    write_linkage_evaluation(
        lake, by_source={"kdt_enrolments": {"model": {"precision": 0.9, "recall": 0.7}}}
    )
    training = need(build_report(lake, now=NOW), "training_history")
    assert not training.linkable
    assert any("precision 90.0% and recall 70.0%" in g for g in training.gaps_en)


def test_html_is_korean_first_and_accessible(lake: Settings) -> None:
    html = render_html(build_report(lake, now=NOW))
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in html
    assert html.count("<h1") == 1
    assert html.count("<table") == html.count("<caption>")
    assert 'scope="col"' in html
    assert 'scope="row"' in html
    assert '<span lang="en" class="report-other">' in html
    assert html.index("데이터 표준화 보고서") < html.index("Data standardisation report")
    english = render_html(build_report(lake, now=NOW), lang="en", fragment=True)
    assert "<html" not in english
    assert "<h1" not in english
    assert english.index("Summary") < english.index("요약")


def test_item_links_in_markdown_point_at_anchors(lake: Settings) -> None:
    markdown = render_markdown(build_report(lake, now=NOW))
    links = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
    assert links
    assert links <= anchors


def test_write_report_writes_html_and_markdown(lake: Settings, tmp_path: Path) -> None:
    written = write_report(lake, out_dir=tmp_path / "out", now=NOW)
    assert sorted(p.name for p in written) == [
        "standardisation-report.html",
        "standardisation-report.md",
    ]
    assert not list((tmp_path / "out").glob("*.tmp"))
    only_md = write_report(lake, formats=("md",), now=NOW)
    assert [p.parent.name for p in only_md] == ["reports"]
    assert only_md[0].read_text(encoding="utf-8").startswith("# 데이터 표준화 보고서")
