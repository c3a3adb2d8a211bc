"""``ilteo benefits scan --notify``, ``outbox`` and ``outreach`` on a copy of the fixture lake."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.benefits.models import Delivery, Notice
from ilteo.benefits.notices import CSV_COLUMNS
from ilteo.cli import benefits as benefits_cli
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.monitor.risk import write_outreach

runner = CliRunner(env={"COLUMNS": "200"})
SCAN = ["scan", "--as-of", "2025-12-31", "--notify", "--top", "0"]
JOB_RULE = "job_seeking_not_claimed"


@pytest.fixture(scope="module")
def home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built lake with the month's outreach list."""
    root = tmp_path_factory.mktemp("benefits-cli") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings, "2025-12")
    return settings


@pytest.fixture
def settings(home: Settings, tmp_path: Path) -> Settings:
    """The module's lake with this test's own operational store."""
    own = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'store.db'}"})
    upgrade(own)
    return own


def _notices(settings: Settings, rule: str | None = None) -> int:
    with session_scope(settings) as session:
        query = select(func.count()).select_from(Notice)
        if rule is not None:
            query = query.where(Notice.rule == rule)
        return int(session.scalar(query) or 0)


def test_scan_notify_writes_each_notice_once(settings: Settings) -> None:
    first = runner.invoke(
        benefits_cli.app, [*SCAN, "--channels", "sms,email", "--json"], obj=settings
    )
    assert first.exit_code == 0, first.output
    body = json.loads(first.output)
    written = body["notices"]
    assert written["created"] == _notices(settings) > 0
    assert written["existing"] == 0
    assert sum(written["by_rule"].values()) == written["created"]
    assert written["deliveries"]["portal"] == {"delivered": written["created"]}
    assert set(written["deliveries"]) == {"portal", "sms", "email"}
    for rule, count in body.get("rules", {}).items():
        assert written["by_rule"].get(rule, 0) == count

    again = runner.invoke(benefits_cli.app, SCAN, obj=settings)
    assert again.exit_code == 0, again.output
    assert "created 0" in again.output
    assert f"existing {written['created']:,}" in again.output
    assert _notices(settings) == written["created"]

    bad = runner.invoke(benefits_cli.app, [*SCAN, "--channels", "sms,fax"], obj=settings)
    assert bad.exit_code == 2
    assert "--channels" in bad.output
    assert "fax" in bad.output


def test_outbox_shows_masked_recipients(settings: Settings) -> None:
    notify = runner.invoke(benefits_cli.app, [*SCAN, "--channels", "sms"], obj=settings)
    assert notify.exit_code == 0, notify.output
    result = runner.invoke(
        benefits_cli.app, ["outbox", "--channel", "sms", "--limit", "5", "--json"], obj=settings
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert 0 < len(body["deliveries"]) <= 5
    assert {d["channel"] for d in body["deliveries"]} == {"sms"}
    written = [d for d in body["deliveries"] if d["status"] == "written"]
    assert all("****" in d["recipient"] for d in written)
    with session_scope(settings) as session:
        sms = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.channel == "sms")
        )
    assert sum(body["counts"]["sms"].values()) == sms
    table = runner.invoke(benefits_cli.app, ["outbox"], obj=settings)
    assert table.exit_code == 0, table.output
    assert "portal" in table.output
    wrong = runner.invoke(benefits_cli.app, ["outbox", "--channel", "fax"], obj=settings)
    assert wrong.exit_code == 2
    assert "--channel" in wrong.output


def test_outreach_counts_rows_and_csv(settings: Settings, tmp_path: Path) -> None:
    notify = runner.invoke(benefits_cli.app, [*SCAN, "--channels", ""], obj=settings)
    assert notify.exit_code == 0, notify.output
    listed = runner.invoke(
        benefits_cli.app, ["outreach", "--rule", JOB_RULE, "--per-page", "3", "--json"],
        obj=settings,
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.output)
    assert body["total"] == _notices(settings, JOB_RULE) > 0
    assert body["counts"]["by_rule"] == {JOB_RULE: body["total"]}
    assert len(body["rows"]) == min(3, body["total"])
    assert all(set(row) == set(CSV_COLUMNS) for row in body["rows"])

    out = tmp_path / "export" / "outreach.csv"
    exported = runner.invoke(
        benefits_cli.app, ["outreach", "--rule", JOB_RULE, "--csv", str(out)], obj=settings
    )
    assert exported.exit_code == 0, exported.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) - 1 == body["total"]

    shown = runner.invoke(benefits_cli.app, ["outreach"], obj=settings)
    assert shown.exit_code == 0, shown.output
    assert f"{_notices(settings):,}" in shown.output
    for args, option in (
        (["--rule", "nope"], "--rule"),
        (["--sido", "99"], "--sido"),
        (["--status", "gone"], "--status"),
    ):
        bad = runner.invoke(benefits_cli.app, ["outreach", *args], obj=settings)
        assert bad.exit_code == 2, bad.output
        assert option in bad.output
