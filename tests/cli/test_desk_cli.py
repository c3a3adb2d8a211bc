"""``ilteo desk process``, ``overdue``, ``retrain`` and ``stats`` on a per-test store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ilteo.cli import desk as desk_cli
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import receive, set_status
from ilteo.desk.models import Request

runner = CliRunner(env={"COLUMNS": "200"})
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


def _received(settings: Settings, text: str) -> str:
    with session_scope(settings) as session:
        return receive(session, settings, text=text, channel="web", now=NOW).tracking_number


def _classified(settings: Settings, *, due: date, office: str, category: str) -> str:
    number = _received(settings, "실업급여 신청은 어떻게 하나요?")
    with session_scope(settings) as session:
        request = session.get(Request, number)
        assert request is not None
        request.category, request.deadline, request.office_code = category, due, office
        set_status(session, number, "classified", reason="test", actor="system", now=NOW)
    return number


def test_process_triages_every_waiting_request(settings: Settings) -> None:
    numbers = [
        _received(settings, "사장님이 석 달째 월급을 안 줘요. 회사는 부산 해운대구에 있어요."),
        _received(settings, "육아휴직 급여 신청은 어디서 하나요?"),
    ]
    result = runner.invoke(desk_cli.app, ["process", "--json"], obj=settings)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {"pending": 2, "classified": 2, "failed": {}}
    with session_scope(settings) as session:
        rows = [session.get(Request, n) for n in numbers]
        assert [r.status for r in rows if r is not None] == ["classified", "classified"]
    again = runner.invoke(desk_cli.app, ["process"], obj=settings)
    assert again.exit_code == 0
    assert "0 / 0" in again.stdout


def test_overdue_lists_open_requests_past_their_deadline(settings: Settings) -> None:
    late = _classified(
        settings, due=date(2026, 3, 10), office="moel-busan", category="unemployment_benefit"
    )
    _classified(settings, due=date(2026, 3, 9), office="moel-seoul", category="other")
    _classified(settings, due=date(2026, 4, 10), office="moel-busan", category="other")
    args = ["overdue", "--today", "2026-03-12", "--office", "moel-busan", "--json"]
    result = runner.invoke(desk_cli.app, args, obj=settings)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1
    row = data["requests"][0]
    assert (row["tracking_number"], row["deadline"], row["working_days_late"]) == (
        late,
        "2026-03-10",
        2,
    )
    table = runner.invoke(desk_cli.app, ["overdue", "--today", "2026-03-12"], obj=settings)
    assert table.exit_code == 0
    # the table's columns shrink to the terminal (CI's is 80 wide): the title holds the count
    assert "overdue on 2026-03-12: 2" in table.stdout
    none = runner.invoke(desk_cli.app, ["overdue", "--today", "2026-03-01"], obj=settings)
    assert "nothing overdue" in none.stdout
    bad = runner.invoke(desk_cli.app, ["overdue", "--today", "12/03/2026"], obj=settings)
    assert bad.exit_code == 2


def test_retrain_without_corrections_is_refused(settings: Settings) -> None:
    result = runner.invoke(desk_cli.app, ["retrain"], obj=settings)
    assert result.exit_code == 2
    assert "no category override" in " ".join(result.output.split())


def test_stats_as_table_json_and_csv(settings: Settings) -> None:
    for _ in range(6):
        _classified(settings, due=date(2026, 3, 31), office="moel-busan", category="other")
    window = ["--since", "2026-03-01", "--until", "2026-03-31"]
    as_json = runner.invoke(desk_cli.app, ["stats", *window, "--json"], obj=settings)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert (data["since"], data["until"]) == ("2026-03-01", "2026-03-31")
    assert data["total"]["received"] == 6
    as_csv = runner.invoke(desk_cli.app, ["stats", *window, "--csv"], obj=settings)
    assert as_csv.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["received"] for r in rows if r["group"] == "total"] == ["6"]
    table = runner.invoke(desk_cli.app, ["stats", *window], obj=settings)
    assert table.exit_code == 0
    assert "by category" in table.stdout
    both = runner.invoke(desk_cli.app, ["stats", "--json", "--csv"], obj=settings)
    assert both.exit_code == 2
