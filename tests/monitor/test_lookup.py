"""Exposure by occupation code (KSCO 8, ISCO-08, SOC, O*NET-SOC) and the crosswalk's disk cache."""

from __future__ import annotations

import json

import pytest
from tests.conftest import REFERENCE_DIR
from typer.testing import CliRunner

from ilteo.cli import monitor as monitor_cli
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor import crosswalk as crosswalk_module
from ilteo.monitor.exposure import CAVEAT, isco_exposure_profiles
from ilteo.monitor.lookup import detect_system, exposure_lookup


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("lookup") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.mark.parametrize(
    ("code", "system"),
    [("15-1252.00", "onet"), ("15-1252", "soc"), ("2222", "ksco8"), ("A011", "ksco8")],
)
def test_the_system_is_detected_from_the_codes_form(code: str, system: str) -> None:
    assert detect_system(code) == system


@pytest.mark.parametrize("code", ["abc", "15-12", "22222", "15-1252.0"])
def test_a_code_of_no_known_form_is_invalid_input(code: str) -> None:
    with pytest.raises(InvalidInputError, match="cannot tell the system"):
        detect_system(code)


def test_an_onet_code_reaches_isco_profiles_and_its_native_scores(
    module_settings: Settings,
) -> None:
    answer = exposure_lookup(module_settings, "15-1252.00")
    assert (answer.system, answer.detected, answer.title) == ("onet", True, "Software Developers")
    profiles = isco_exposure_profiles(module_settings)
    assert [(r.isco08, r.via) for r in answer.isco] == [("2512", "official_crosswalk")]
    assert answer.isco[0].profile == profiles["2512"]
    assert answer.combined == profiles["2512"].combined
    native = {(s.index, s.system, s.code): s for s in answer.native_scores}
    assert ("eloundou_beta_gpt4", "onet", "15-1252.00") in native
    assert native["eloundou_beta_gpt4", "onet", "15-1252.00"].hops == 0
    assert ("microsoft_ai_applicability", "soc2018", "15-1252") in native
    assert "ilo_genai_2025" not in {s.index for s in answer.native_scores}
    assert answer.ksco_linked  # Korean units linked to ISCO 2512
    assert answer.caveat == CAVEAT


def test_soc_2018_and_replaced_soc_2010_codes(module_settings: Settings) -> None:
    soc2018 = exposure_lookup(module_settings, "15-1252")
    assert soc2018.system == "soc2018"
    assert {s.index for s in soc2018.native_scores if s.hops == 0} == {"microsoft_ai_applicability"}
    soc2010 = exposure_lookup(module_settings, "15-1132", system="soc")
    assert (soc2010.system, soc2010.detected) == ("soc2010", False)
    assert any("SOC 2010" in note for note in soc2010.notes)
    assert ("felten_aioe", "15-1132", 0) in {
        (s.index, s.code, s.hops) for s in soc2010.native_scores
    }
    assert [r.isco08 for r in soc2010.isco] == ["2512"]


def test_ksco_and_isco_codes(module_settings: Settings) -> None:
    ksco = exposure_lookup(module_settings, "2222")
    assert ksco.ksco is not None
    assert ksco.ksco.ksco8 == "2222"
    assert ksco.combined == ksco.ksco.combined
    assert {r.isco08 for r in ksco.isco} == {link.isco08 for link in ksco.ksco.linked}
    assert all(r.via == "ilteo_crosswalk" and r.confidence is not None for r in ksco.isco)
    isco = exposure_lookup(module_settings, "2512", system="isco08")
    assert (isco.system, isco.isco[0].via, isco.isco[0].hops) == ("isco08", "itself", 0)
    assert isco.native_scores  # Felten, Eloundou, Microsoft through the SOC crosswalks


def test_unknown_codes_name_the_nearest_valid_ones(module_settings: Settings) -> None:
    with pytest.raises(NotFoundError) as soc:
        exposure_lookup(module_settings, "15-9999")
    assert soc.value.extra["suggestions"]
    assert all(s.startswith("15-") for s in soc.value.extra["suggestions"])
    with pytest.raises(NotFoundError) as retired:  # an O*NET-SOC 2010 code
        exposure_lookup(module_settings, "15-1132.00")
    assert retired.value.extra["suggestions"][0] == "15-1132"
    with pytest.raises(NotFoundError, match="nearest: 1390"):
        exposure_lookup(module_settings, "1399")
    with pytest.raises(NotFoundError, match="system isco08"):
        exposure_lookup(module_settings, "0110")  # an ISCO code read as KSCO
    with pytest.raises(NotFoundError, match="no exposure profile"):
        exposure_lookup(module_settings, "A011")  # armed forces: ISCO 0110 is not scored
    with pytest.raises(InvalidInputError, match="unknown system"):
        exposure_lookup(module_settings, "2222", system="ksco9")
    with pytest.raises(InvalidInputError):
        exposure_lookup(module_settings, "2222", system="onet")


def test_the_answer_is_json(module_settings: Settings) -> None:
    data = exposure_lookup(module_settings, "2222").to_json()
    again = json.loads(json.dumps(data))
    assert again["ksco"]["ksco8"] == "2222"
    assert again["isco"][0]["profile"]["scores"]["ilo_genai_2025"]["source"] == "ilo_genai_2025"


def test_cli_accepts_onet_soc_and_forced_systems(module_settings: Settings) -> None:
    runner = CliRunner()
    onet = runner.invoke(
        monitor_cli.app, ["exposure", "--occupation", "15-1252.00", "--json"], obj=module_settings
    )
    assert onet.exit_code == 0, onet.output
    body = json.loads(onet.output)
    assert (body["system"], body["isco"][0]["isco08"]) == ("onet", "2512")
    text = runner.invoke(
        monitor_cli.app, ["exposure", "--occupation", "15-1252"], obj=module_settings
    )
    assert text.exit_code == 0, text.output
    assert "ISCO-08 2512" in text.output
    assert "not a probability" in text.output
    unknown = runner.invoke(
        monitor_cli.app, ["exposure", "--occupation", "15-9999"], obj=module_settings
    )
    assert unknown.exit_code != 0


def test_the_crosswalk_build_is_kept_on_disk_and_reused(
    module_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    built = crosswalk_module.ksco_isco_crosswalk(module_settings)
    path = (
        module_settings.cache_dir
        / "monitor"
        / f"crosswalk-{crosswalk_module.fingerprint(module_settings)}.json"
    )
    assert path.exists()
    read = crosswalk_module._from_disk(path)
    assert read is not None
    assert (read.ksco, read.isco, read.links, read.flagged) == (
        built.ksco,
        built.isco,
        built.links,
        built.flagged,
    )
    path.write_text("{not json", encoding="utf-8")
    assert crosswalk_module._from_disk(path) is None  # a damaged file is rebuilt, not trusted
    other = Settings(
        env="dev", home=tmp_path_factory.mktemp("other") / "home", reference_dir=REFERENCE_DIR
    )
    assert crosswalk_module.fingerprint(other) == crosswalk_module.fingerprint(module_settings)
    assert crosswalk_module.ksco_isco_crosswalk(other).links == built.links


def test_the_fingerprint_follows_the_sources(
    module_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("reference")
    moved = Settings(env="dev", home=module_settings.home, reference_dir=elsewhere)
    assert crosswalk_module.fingerprint(moved) != crosswalk_module.fingerprint(module_settings)
