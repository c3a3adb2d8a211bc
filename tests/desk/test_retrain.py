"""Retraining: the staff's last category correction per request feeds a new, current model."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.identity.factories import create_test_account
from typer.testing import CliRunner

from ilteo.cli import desk as desk_cli
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk import queue as q
from ilteo.desk.classify import classifier
from ilteo.desk.intake import receive, set_status
from ilteo.desk.models import Override, Request

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
TEXTS = (
    "회사에서 AI 도입한다고 제 업무가 없어진대요. 다른 일을 배우려면 어디로 가야 하나요?",
    "사무 자동화로 팀이 없어진다는데 전직 지원을 받을 수 있을까요?",
)


@pytest.fixture
def home(desk_settings: Settings, tmp_path: Path) -> Settings:
    """A copy of the shared desk home: retraining repoints the copy's current model only."""
    classifier(desk_settings)  # trained once per worker (and its embeddings kept in memory)
    root = tmp_path / "home"
    shutil.copytree(desk_settings.cache_dir / "desk", root / "cache" / "desk")
    own = desk_settings.model_copy(
        update={"home": root, "database_url": f"sqlite:///{tmp_path / 'ops.db'}"}
    )
    upgrade(own)
    return own


def test_retraining_uses_the_last_category_correction_per_request(
    home: Settings, desk_settings: Settings
) -> None:
    shared_version = classifier(desk_settings).version
    with session_scope(home) as session:
        with pytest.raises(InvalidInputError) as error:
            q.retrain(session, home)  # nothing to learn yet
        assert error.value.extra["fields"] == ["corrections"]
        officer, _ = create_test_account(session, login="officer", roles=("desk_officer",))
        ids = []
        for text in TEXTS:
            number = receive(session, home, text=text, channel="web", now=NOW).tracking_number
            request = session.get(Request, number)
            assert request is not None
            request.category = "other"
            set_status(session, number, "classified", reason="test", actor="system", now=NOW)
            ids.append(number)
        later = NOW + timedelta(hours=1)
        first = q.override(session, officer, ids[0], "category", "vocational_training",
                           reason="훈련 문의", now=NOW)  # fmt: skip
        last = q.override(session, officer, ids[0], "category", "ai_transition",
                          reason="AI 전환 지원 문의", now=later)  # fmt: skip
        second = q.override(session, officer, ids[1], "category", "ai_transition",
                            reason="AI 전환", now=later)  # fmt: skip
        routed = q.override(session, officer, ids[1], "route", "comwel-hq", reason="공단으로")
        pairs, used = q.corrections(session)
        assert sorted(used) == sorted([last.id, second.id])
        assert sorted(pairs) == sorted([(TEXTS[0], "ai_transition"), (TEXTS[1], "ai_transition")])

        result = q.retrain(session, home)

        assert result.previous_version == shared_version
        assert result.version != result.previous_version
        assert result.corrections == 2
        assert result.metrics["n"] > 100
        assert 0.0 < result.metrics["accuracy"] <= 1.0
        marks = {o.id: o.used_in_model for o in session.scalars(select(Override))}
        assert marks == {
            first.id: None, last.id: result.version, second.id: result.version, routed.id: None,
        }  # fmt: skip
    pointer = json.loads((home.cache_dir / "desk" / "classifier-current.json").read_text())
    assert pointer["version"] == result.version
    assert (home.cache_dir / "desk" / f"classifier-{result.version}.joblib").exists()
    assert classifier(home).version == result.version  # this process uses the new model now
    assert classifier(desk_settings).version == shared_version  # the shared home is untouched
    # the command, with the same corrections: the same version again (embeddings in memory)
    printed = CliRunner(env={"COLUMNS": "200"}).invoke(desk_cli.app, ["retrain"], obj=home)
    assert printed.exit_code == 0, printed.output
    assert f"{result.version} → {result.version}" in printed.stdout
    assert "corrections used: 2" in printed.stdout
    assert f"accuracy {result.metrics['accuracy']}" in printed.stdout
