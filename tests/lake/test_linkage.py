"""Linkage of a small synthetic country, end to end: ingest, curate, link, evaluate, link again."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from ilteo.cli import lake_linkage
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.ingest import ingest_path
from ilteo.lake.layout import LakePaths
from ilteo.lake.linkage import LinkageResult, link, linkage_report
from ilteo.lake.masters import load_state

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)
pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic country of 3,000 persons (its extracts and ground truth)."""
    from ilteo.synth import generate

    if not (REFERENCE_DIR / "ksco8-korean-occupation-codes").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR} (set ILTEO_REFERENCE_DIR)")
    root = tmp_path_factory.mktemp("linkage-country")
    settings = Settings(env="dev", home=root / "home", reference_dir=REFERENCE_DIR)
    generate(root / "out", 3000, 11, settings=settings)
    return root / "out"


@pytest.fixture(scope="module")
def curated(country: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A lake with the country ingested and curated, not linked yet."""
    home = tmp_path_factory.mktemp("linkage-home") / "home"
    settings = Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)
    upgrade(settings)
    ingest_path(country, settings=settings)
    curate(settings)
    return settings


def _copy(settings: Settings, folder: Path) -> Settings:
    """A private copy of a lake (files and SQLite ledger) that a test may change."""
    home = folder / "home"
    shutil.copytree(settings.home, home)
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="module")
def linked(
    curated: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, LinkageResult]:
    """A copy of the curated lake after one linkage run (``curated`` stays unlinked)."""
    settings = _copy(curated, tmp_path_factory.mktemp("linked"))
    return settings, link(settings, run_id="run-1")


def test_linkage_beats_the_exact_key_baseline(
    linked: tuple[Settings, LinkageResult], country: Path
) -> None:
    settings, result = linked
    assert result.model_trained
    reports = linkage_report(settings, truth=country)
    for kind in ("person", "workplace"):
        report = reports[kind]
        assert report is not None
        model, baseline = report["model"], report["baseline"]
        assert model["precision"] >= 0.98, (kind, model)
        assert model["recall"] >= 0.98, (kind, model)
        assert baseline["precision"] >= 0.99
        assert model["recall"] > baseline["recall"] + 0.05, kind
    person = reports["person"]
    assert person is not None
    # Records without any RRN can only be linked by the model.
    assert person["by_source"]["kdt_enrolments"]["baseline"]["recall"] == 0.0
    assert person["by_source"]["kdt_enrolments"]["model"]["recall"] > 0.95
    assert person["by_noise"]["name_romanized"]["model"]["recall"] > 0.95
    assert person["by_noise"]["anonymous"]["model"]["recall"] == 0.0  # nothing to link on
    saved = json.loads((LakePaths.of(settings).linkage_dir / "evaluation-person.json").read_text())
    assert saved["kind"] == "person"
    assert set(saved) >= {"model", "baseline", "by_source", "by_noise", "evaluated_at"}


def test_the_model_and_its_chart_are_saved(linked: tuple[Settings, LinkageResult]) -> None:
    settings, _ = linked
    folder = LakePaths.of(settings).linkage_dir
    model = json.loads((folder / "person-model.json").read_text())
    assert model["link_type"] == "link_only"
    names = [c["output_column_name"] for c in model["comparisons"]]
    assert names == ["name", "birth_date", "phone", "sex", "place", "employer"]
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1
                assert 0 < level["u_probability"] <= 1
    spec = json.loads((folder / "person-match-weights.vl.json").read_text())
    assert spec["data"]["values"]
    assert (folder / "person-match-weights.svg").read_text().startswith("<svg")
    assert "vega" in (folder / "person-match-weights.html").read_text()


def test_links_and_masters_are_consistent(linked: tuple[Settings, LinkageResult]) -> None:
    settings, result = linked
    paths = LakePaths.of(settings)
    people = load_state(paths, "person")
    curated = pl.read_parquet(paths.curated("person_records"))
    assert people.links.height == curated.height  # every record has a link row
    linked_ids = set(people.links["master_id"].drop_nulls().to_list())
    active = people.masters.filter(pl.col("status") == "active")
    assert linked_ids == set(active["master_id"].to_list())
    assert result.person.masters_active == active.height
    # One RRN hash, one master: the deterministic key is never split.
    keyed = people.links.join(
        curated.select(pl.format("{}/{}", "source", "record_id").alias("rkey"), "rrn_hash"),
        on="rkey",
    ).filter(pl.col("rrn_hash").is_not_null())
    assert keyed.group_by("rrn_hash").agg(pl.col("master_id").n_unique())["master_id"].max() == 1
    anonymous = people.links.filter(pl.col("method") == "unlinkable")
    assert anonymous.height > 0
    assert anonymous["master_id"].null_count() == anonymous.height


def test_new_records_join_existing_masters_without_renumbering(
    curated: Settings, tmp_path: Path
) -> None:
    settings = _copy(curated, tmp_path)
    paths = LakePaths.of(settings)
    full = pl.read_parquet(paths.curated("person_records"))
    # Every record ending in 7 arrives late: job seekers, trainees, requests, insurance events.
    late = pl.col("record_id").str.ends_with("7")
    full.filter(late.not_()).write_parquet(paths.curated("person_records"))
    first = link(settings, run_id="run-1")
    before = load_state(paths, "person").links.select("rkey", "master_id")
    full.write_parquet(paths.curated("person_records"))
    second = link(settings, run_id="run-2")
    assert not second.model_trained  # the saved model scores the new records
    after = load_state(paths, "person").links.select("rkey", "master_id", "method", "run_id")
    joined = before.join(after, on="rkey", suffix="_after")
    moved = joined.filter(pl.col("master_id") != pl.col("master_id_after"))
    assert moved.is_empty(), moved.head()
    fresh = after.filter(pl.col("run_id") == "run-2")
    retried = before["master_id"].null_count()  # unlinked records are tried again every run
    assert fresh.height == full.height - before.height + retried
    known = f"P{first.person.new_masters:09d}"
    attached = fresh.filter(pl.col("master_id") <= pl.lit(known))
    assert attached.height > 0.8 * fresh.height, (known, fresh["master_id"].head(5).to_list())
    assert second.person.new_masters < 0.1 * first.person.new_masters
    assert set(second.person.events) <= {"create", "merge"}


def test_linking_again_changes_nothing(curated: Settings, tmp_path: Path) -> None:
    settings = _copy(curated, tmp_path)
    link(settings, run_id="run-1")
    paths = LakePaths.of(settings)
    before = load_state(paths, "person")
    again = link(settings, run_id="run-2")
    after = load_state(paths, "person")
    assert again.person.new_masters == 0
    assert again.person.events == {}
    linked_before = before.links.filter(pl.col("master_id").is_not_null())
    assert after.links.filter(pl.col("master_id").is_not_null()).equals(linked_before)
    # Unlinked records are tried again (a new run stamp), and still find nothing.
    assert after.links["master_id"].null_count() == before.links["master_id"].null_count()
    retrained = link(settings, run_id="run-3", retrain=True)
    assert retrained.model_trained


@pytest.fixture
def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """A stand-in for ``ilteo lake``."""

    lake_linkage.register(app)
    return app


def test_cli_commands(
    cli_app: typer.Typer, linked: tuple[Settings, LinkageResult], country: Path, tmp_path: Path
) -> None:
    settings = _copy(linked[0], tmp_path)
    help_text = runner.invoke(cli_app, ["--help"]).output
    for command in ("link", "masters", "linkage-report"):
        assert command in help_text
    result = runner.invoke(cli_app, ["link", "--json"], obj=settings)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["person"]["new_masters"] == 0
    shown = runner.invoke(cli_app, ["masters", "--kind", "workplace", "--json"], obj=settings)
    assert json.loads(shown.output)["status"]["active"] > 0
    table = runner.invoke(cli_app, ["linkage-report", "--truth", str(country)], obj=settings)
    assert table.exit_code == 0, table.output
    assert "baseline" in table.output
    report = runner.invoke(cli_app, ["linkage-report", "--json"], obj=settings)
    assert json.loads(report.output)["workplace"]["kind"] == "workplace"
    bad = runner.invoke(cli_app, ["masters", "--kind", "cat"], obj=settings)
    assert bad.exit_code != 0


def test_linking_an_uncurated_lake_says_what_to_run(settings: Settings) -> None:
    from ilteo.core.errors import NotFoundError

    upgrade(settings)
    with pytest.raises(NotFoundError, match="ilteo lake curate"):
        link(settings)
    assert linkage_report(settings) == {"person": None, "workplace": None}
