"""The project's KSCO 8 ↔ ISCO-08 crosswalk, built on the real reference data and real models."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ilteo.cli import monitor as monitor_cli
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import (
    CSV_COLUMNS,
    STRUCTURE,
    Crosswalk,
    coverage,
    crosswalk_to_csv,
    ksco_isco_crosswalk,
    load_overrides,
    lossy_groups,
)
from ilteo.reference.codes import occupation_systems

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)

#: Hand-verified pairs (KSCO 8 unit → acceptable ISCO-08 units), checked by reading both titles.
GOLD: dict[str, set[str]] = {
    "2222": {"2512"},  # 시스템 소프트웨어 개발자 → Software Developers
    "2223": {
        "2512",
        "2514",
    },  # 응용 소프트웨어 개발자 → Software Developers / Applications Programmers
    "2440": {"2221"},  # 간호사 → Nursing Professionals
    "2495": {
        "3221",
        "5321",
    },  # 간호조무사 → Nursing Associate Professionals / Health Care Assistants
    "2812": {"2411"},  # 회계사 → Accountants
    "2431": {"2262"},  # 약사 → Pharmacists
    "2414": {"2261"},  # 치과의사 → Dentists
    "2313": {"2142"},  # 토목공학 기술자 → Civil Engineers
    "2341": {"2151"},  # 전기공학 기술자 및 연구원 → Electrical Engineers
    "1111": {"1111"},  # 의회 의원 → Legislators
    "2911": {"2641"},  # 작가 → Authors and Related Writers
    "3311": {"4311"},  # 회계 사무원 → Accounting and Bookkeeping Clerks (an override)
    "4111": {
        "5412",
        "3355",
    },  # 경찰관 및 수사관 → Police Officers / Police Inspectors and Detectives
    "2947": {"2653"},  # 무용가 및 안무가 → Dancers and Choreographers
    "3403": {"4211"},  # 은행 사무원 → Bank Tellers and Related Clerks
    "2611": {"2310"},  # 대학교수 → University and Higher Education Teachers
    "2621": {"2330"},  # 중·고등학교 교사 → Secondary Education Teachers (an override)
    "A011": {"0110"},  # 영관급 이상 장교 → Commissioned armed forces officers (an override)
    "8230": {"8157"},  # 세탁 기계 조작원 → Laundry Machine Operators
}


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home for the module, so the crosswalk is built once (it is cached per folder)."""
    home = tmp_path_factory.mktemp("monitor") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="module")
def built(module_settings: Settings) -> Crosswalk:
    return ksco_isco_crosswalk(module_settings)


def test_every_ksco_unit_is_linked_or_flagged(built: Crosswalk, module_settings: Settings) -> None:
    ksco = occupation_systems(module_settings)["ksco8"]
    units = {e.code for e in ksco.entries.values() if e.level == "unit"}
    assert len(units) == 494
    assert set(built.ksco) == units
    linked = {link.ksco8 for link in built.links}
    for code in units:
        assert code in linked or built.flagged.get(code), code
    for link in built.links:
        if link.method == "structure-only":
            assert link.reason
            assert link.confidence <= 0.3


def test_links_point_to_real_isco_units(built: Crosswalk, module_settings: Settings) -> None:
    isco = occupation_systems(module_settings)["isco08"].entries
    assert len(built.isco) > 400
    for link in built.links:
        assert link.isco08 in isco
        assert isco[link.isco08].level == "unit"
        assert 0.0 <= link.confidence <= 1.0
        assert link.method in {"override", "title+structure", "structure-only"}


def test_structure_table_covers_every_ksco_major(built: Crosswalk) -> None:
    assert {code[0] for code in built.ksco} == set(STRUCTURE)
    # A military unit lands on armed forces occupations, a manager on ISCO 1.
    assert built.links_of("A090")[0].isco08.startswith("0")
    assert built.links_of("1311")[0].isco08.startswith("1")


def test_overrides_are_applied(built: Crosswalk) -> None:
    overrides = load_overrides()
    assert len(overrides) >= 5
    for override in overrides:
        links = built.links_of(override.ksco)
        assert [x.isco08 for x in links] == override.isco
        assert all(x.method == "override" and x.confidence == 1.0 for x in links)


def test_hand_verified_pairs(built: Crosswalk) -> None:
    hits = {k: bool({x.isco08 for x in built.links_of(k)} & want) for k, want in GOLD.items()}
    automatic = [k for k in GOLD if built.links_of(k)[0].method != "override"]
    auto_precision = sum(hits[k] for k in automatic) / len(automatic)
    print(f"precision on {len(GOLD)} hand-verified pairs: {sum(hits.values()) / len(GOLD):.3f}")
    print(f"automatic links only ({len(automatic)} pairs): {auto_precision:.3f}")
    assert len(GOLD) >= 8
    assert [k for k, hit in hits.items() if not hit] == []
    assert auto_precision >= 0.9


def test_lossy_groups_are_consistent(built: Crosswalk) -> None:
    groups = lossy_groups(built)
    for ksco, targets in groups["one_to_many"].items():
        assert len(targets) > 1
        assert sorted(targets) == sorted(x.isco08 for x in built.links_of(ksco))
    for isco, sources in groups["many_to_one"].items():
        assert sources == sorted(x.ksco8 for x in built.links if x.isco08 == isco)
        assert len(sources) > 1
    assert groups["counts"]["one_to_many"] == len(groups["one_to_many"])
    assert groups["counts"]["many_to_one"] == len(groups["many_to_one"])
    single = [k for k in built.ksco if len(built.links_of(k)) == 1]
    assert not set(single) & set(groups["one_to_many"])


def test_coverage_figures(built: Crosswalk) -> None:
    figures = coverage(built)
    assert figures["ksco_linked"] + figures["ksco_flagged"] == 494
    assert 0.0 < figures["ksco_confident_share"] <= 1.0
    assert figures["isco_reached"] == len({x.isco08 for x in built.links})
    assert sum(figures["methods_of_best_link"].values()) == figures["ksco_linked"]
    assert figures["methods_of_best_link"]["override"] == len(load_overrides())


def test_csv_round_trips(built: Crosswalk, tmp_path: Path) -> None:
    path = crosswalk_to_csv(built, tmp_path / "ksco8_isco08.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(built.links)
    for row, link in zip(rows, built.links, strict=True):
        assert (row["ksco8"], row["isco08"], row["method"]) == (
            link.ksco8,
            link.isco08,
            link.method,
        )
        assert float(row["confidence"]) == link.confidence
        assert int(row["rank"]) == link.rank
        assert row["ksco8_title_ko"] == built.ksco[link.ksco8].title


def test_cli_prints_json(module_settings: Settings, built: Crosswalk, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cw.csv"
    result = runner.invoke(
        monitor_cli.app, ["crosswalk", "--out", str(out), "--json"], obj=module_settings
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["ksco_units"] == 494
    assert out.exists()
    assert "not an official" in figures["note"]
    lossy = runner.invoke(monitor_cli.app, ["lossy", "--json"], obj=module_settings)
    assert lossy.exit_code == 0, lossy.output
    assert json.loads(lossy.output)["counts"] == lossy_groups(built)["counts"]
