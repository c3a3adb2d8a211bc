"""Search and look-up of occupations and industries, crosswalk links, exposure scores, status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.reference import (
    EXPOSURE_CAVEAT,
    dataset_status,
    get_industry,
    get_occupation,
    load_all,
    search_industries,
    search_occupations,
)


def test_korean_search_finds_ksco_software_developers(settings: Settings) -> None:
    hits = search_occupations("소프트웨어", settings=settings)
    ksco = {(h.code, h.name_ko) for h in hits if h.system == "ksco8"}
    assert ("2222", "시스템 소프트웨어 개발자") in ksco
    assert ("2223", "응용 소프트웨어 개발자") in ksco
    # Spacing and middle dots do not matter.
    assert hits[0].code in {
        h.code for h in search_occupations("소프트웨어개발자", settings=settings)
    }
    assert any(h.code == "2231" for h in search_occupations("네트워크·시스템", settings=settings))


def test_english_search_ranks_onet_software_developers_first(settings: Settings) -> None:
    hits = search_occupations("software developers", system="onet", settings=settings)
    assert hits[0].code == "15-1252.00"
    assert hits[0].matched == "name"
    assert all(h.system == "onet" for h in hits)
    both = search_occupations("Software", settings=settings)
    assert {"onet", "ksco8"} <= {h.system for h in both}


def test_code_matches_rank_first(settings: Settings) -> None:
    assert search_occupations("2223", settings=settings)[0].code == "2223"
    hits = search_occupations("15-1252", settings=settings)
    assert hits[0].code == "15-1252.00"
    assert hits[0].matched == "code"
    assert search_occupations("2512", system="isco08", settings=settings)[0].code == "2512"


def test_alternate_titles_are_found_below_names(settings: Settings) -> None:
    hits = search_occupations("programmer analyst", system="onet", settings=settings)
    assert hits
    assert hits[0].matched == "alternate_title"
    without = search_occupations(
        "programmer analyst", system="onet", include_alternate_titles=False, settings=settings
    )
    assert not without


@pytest.mark.parametrize("query", ["", "   ", "x" * 101])
def test_bad_queries_are_invalid_input(settings: Settings, query: str) -> None:
    with pytest.raises(InvalidInputError):
        search_occupations(query, settings=settings)


def test_bad_limit_and_system_are_invalid_input(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        search_occupations("nurse", limit=0, settings=settings)
    with pytest.raises(InvalidInputError, match="system"):
        search_occupations("nurse", system="isco88", settings=settings)


def test_ksic_search_finds_software_development(settings: Settings) -> None:
    hits = search_industries("소프트웨어 개발", settings=settings)
    codes = {h.code for h in hits}
    assert {"582", "5821", "58221", "58222"} <= codes
    assert hits[0].code == "582"  # 소프트웨어 개발 및 공급업: the name starts with the query
    assert search_industries("58221", revision="10", settings=settings)[0].revision == "10"
    with pytest.raises(InvalidInputError, match="10 or 11"):
        search_industries("제조", revision="9", settings=settings)


def test_onet_software_developers_links_and_exposures(settings: Settings) -> None:
    detail = get_occupation("onet", "15-1252.00", settings=settings)

    assert detail.name_en == "Software Developers"
    linked = {(link.system, link.code) for link in detail.links}
    assert {("soc2018", "15-1252"), ("soc2010", "15-1132"), ("soc2010", "15-1133"),
            ("isco08", "2512")} <= linked  # fmt: skip
    assert all(
        link.method == "official_crosswalk" and not link.provisional for link in detail.links
    )
    by_index = {(s.index, s.code): s for s in detail.exposures}
    assert by_index[("eloundou_beta_gpt4", "15-1252.00")].value == pytest.approx(0.8684, abs=1e-4)
    assert by_index[("eloundou_beta_human", "15-1252.00")].value == pytest.approx(0.4474, abs=1e-4)
    assert by_index[("felten_aioe", "15-1132")].value == pytest.approx(1.200923)
    assert ("felten_lm_aioe", "15-1133") in by_index
    ilo = by_index[("ilo_genai_2025", "2512")]
    assert ilo.value == pytest.approx(0.53)
    assert ilo.category is not None
    assert "Gradient" in ilo.category
    assert ilo.hops == 3
    assert by_index[("microsoft_ai_applicability", "15-1252")].version.startswith("microsoft")
    assert all(s.caveat == EXPOSURE_CAVEAT for s in detail.exposures)
    assert "not a probability of job loss" in EXPOSURE_CAVEAT


def test_ksco_unit_gets_provisional_isco_links_and_scores(settings: Settings) -> None:
    detail = get_occupation("ksco8", "2812", settings=settings)

    assert detail.name_ko == "회계사"
    assert [p.code for p in detail.parents] == ["2", "28", "281"]
    [isco] = [link for link in detail.links if link.system == "isco08"]
    assert (isco.code, isco.method, isco.provisional) == ("2411", "exact_title_match", True)
    assert isco.note is not None
    assert "crosswalk comes later" in isco.note
    assert all(link.provisional for link in detail.links)
    assert any(s.index == "ilo_genai_2025" and s.code == "2411" for s in detail.exposures)
    assert any(s.index == "felten_aioe" and s.system == "soc2010" for s in detail.exposures)
    assert detail.notes


def test_ksco_hierarchy_and_units_without_a_match(settings: Settings) -> None:
    minor = get_occupation("ksco8", "222", settings=settings)
    assert {c.code for c in minor.children} == {"2221", "2222", "2223", "2224", "2229"}
    unit = get_occupation("ksco8", "2223", settings=settings)
    assert unit.name_en == "Application Software Developers"
    assert not unit.links
    assert not unit.exposures
    assert any("No ISCO-08 link" in note for note in unit.notes)


def test_isco_and_soc_lookups_walk_back(settings: Settings) -> None:
    isco = get_occupation("isco08", "2512", settings=settings)
    assert isco.parents[0].code == "2"
    assert any(link.system == "soc2018" and link.code == "15-1252" for link in isco.links)
    soc = get_occupation("soc2018", "15-1252", settings=settings)
    assert soc.parents
    assert soc.parents[0].code == "15-0000"
    assert any(link.system == "onet" and link.code == "15-1252.00" for link in soc.links)


def test_unknown_codes_are_not_found(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match=r"'99-9999\.99'.*O\*NET"):
        get_occupation("onet", "99-9999.99", settings=settings)
    with pytest.raises(NotFoundError, match="KSIC 11"):
        get_industry("99999", settings=settings)
    with pytest.raises(InvalidInputError):
        get_occupation("kscoX", "1", settings=settings)


def test_industry_detail_with_parents_children_and_concordance(settings: Settings) -> None:
    detail = get_industry("5822", settings=settings)
    assert [p.code for p in detail.parents] == ["J", "58", "582"]
    assert {c.code for c in detail.children} == {"58221", "58222"}
    old = get_industry("58221", revision="10", settings=settings)
    assert old.concordance
    assert old.concordance[0].revision == "9"


def test_every_ksic11_division_has_a_section(settings: Settings) -> None:
    from ilteo.reference.codes import industry_systems

    system = industry_systems(settings)["11"]
    divisions = [e for e in system.entries.values() if e.level == "division"]
    assert len(divisions) == 77
    assert all(e.parent is not None and e.parent.isalpha() for e in divisions)


def test_status_reports_presence_checksums_and_cache(settings: Settings, tmp_path: Path) -> None:
    before = {s.id: s for s in dataset_status(settings)}
    assert len(before) == 14
    assert all(s.present and s.checksum_ok and not s.cached for s in before.values())
    assert before["onet_career_changers"].evaluation_only
    assert before["petitions"].evaluation_only
    assert "ilteo reference load" in before["onet"].message

    load_all(settings, datasets=["ksco8"])
    after = {s.id: s for s in dataset_status(settings)}
    assert after["ksco8"].valid
    assert after["ksco8"].cached
    assert after["ksco8"].rows == 728
    assert not after["onet"].cached

    assert settings.reference_dir is not None
    partial = tmp_path / "partial"
    shutil.copytree(settings.reference_dir / "ksco8-korean-occupation-codes",
                    partial / "ksco8-korean-occupation-codes")  # fmt: skip
    local = {s.id: s for s in dataset_status(Settings(env="dev", home=tmp_path / "h",
                                                      reference_dir=partial))}  # fmt: skip
    assert local["ksco8"].checksum_ok
    assert not local["onet"].present
    assert "folder is missing" in local["onet"].message


def test_lookups_need_reference_data(tmp_path: Path) -> None:
    empty = Settings(env="dev", home=tmp_path / "h", reference_dir=tmp_path / "none")
    with pytest.raises(DataUnavailableError, match="ksco8"):
        search_occupations("간호사", settings=empty)
