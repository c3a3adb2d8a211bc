"""Exposure profiles of every KSCO 8 unit group, carried from ISCO-08 through the crosswalk."""

from __future__ import annotations

import json

import pytest
from tests.conftest import REFERENCE_DIR
from typer.testing import CliRunner

from ilteo.cli import monitor as monitor_cli
from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import ksco_isco_crosswalk
from ilteo.monitor.exposure import CAVEAT, isco_exposure_profiles
from ilteo.monitor.ksco import MIN_CONFIDENCE, KscoIndex, ksco_index, ksco_profile


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("ksco") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="module")
def index(module_settings: Settings) -> KscoIndex:
    return ksco_index(module_settings)


def test_every_ksco_unit_has_a_profile_or_a_reason(
    module_settings: Settings, index: KscoIndex
) -> None:
    units = set(ksco_isco_crosswalk(module_settings).ksco)
    assert len(units) == 494
    assert set(index.profiles) | set(index.unprofiled) == units
    assert not set(index.profiles) & set(index.unprofiled)
    assert len(index.profiles) > 480
    for code, reason in index.unprofiled.items():
        assert reason, code
    isco = isco_exposure_profiles(module_settings)
    for code in index.unprofiled:  # no linked ISCO unit has a score (e.g. armed forces)
        links = ksco_isco_crosswalk(module_settings).links_of(code)
        assert all(link.isco08 not in isco for link in links), code


def test_profiles_carry_the_linked_isco_scores(module_settings: Settings, index: KscoIndex) -> None:
    isco = isco_exposure_profiles(module_settings)
    for profile in index.profiles.values():
        assert profile.band_low <= profile.combined <= profile.band_high
        scored = [link for link in profile.linked if link.combined is not None]
        assert scored
        low, high = min(link.combined for link in scored), max(link.combined for link in scored)
        assert low - 1e-9 <= profile.combined <= high + 1e-9  # a weighted mean of the links
        assert profile.low_confidence == (profile.best_confidence < MIN_CONFIDENCE)
        assert all(0 <= rank <= 1 for rank in profile.source_ranks.values())
        assert profile.caveat == CAVEAT
    single = [p for p in index.profiles.values() if len(p.linked) == 1 and p.linked[0].combined]
    one_link = single[0]
    assert one_link.combined == pytest.approx(isco[one_link.linked[0].isco08].combined)


def test_known_occupations(index: KscoIndex) -> None:
    developer = index.profiles["2222"]  # 시스템 소프트웨어 개발자
    assert developer.combined > 0.8
    assert {link.isco08 for link in developer.linked} & {"2512", "2514"}
    clerks = [p.combined for code, p in index.profiles.items() if code.startswith("3")]
    elementary = [p.combined for code, p in index.profiles.items() if code.startswith("9")]
    assert sum(clerks) / len(clerks) > sum(elementary) / len(elementary) + 0.3


def test_unknown_and_unprofiled_codes_are_precise_errors(
    module_settings: Settings, index: KscoIndex
) -> None:
    with pytest.raises(NotFoundError, match="nearest: 9999"):
        ksco_profile(module_settings, "99x9")
    unprofiled = next(iter(index.unprofiled))
    with pytest.raises(NotFoundError, match="no exposure profile"):
        ksco_profile(module_settings, unprofiled)


def test_cli_answers_ksco_and_isco_codes(module_settings: Settings) -> None:
    runner = CliRunner()
    ksco = runner.invoke(
        monitor_cli.app, ["exposure", "--occupation", "2222", "--json"], obj=module_settings
    )
    assert ksco.exit_code == 0, ksco.output
    body = json.loads(ksco.output)
    assert (body["ksco"]["ksco8"], body["caveat"]) == ("2222", CAVEAT)
    isco = runner.invoke(
        monitor_cli.app,
        ["exposure", "--occupation", "4110", "--system", "isco08", "--json"],
        obj=module_settings,
    )
    assert isco.exit_code == 0, isco.output
    assert json.loads(isco.output)["isco"][0]["isco08"] == "4110"
    arguments = ["exposure", "--occupation", "2222", "--system", "soc"]
    bad = runner.invoke(monitor_cli.app, arguments, obj=module_settings)
    assert bad.exit_code != 0
