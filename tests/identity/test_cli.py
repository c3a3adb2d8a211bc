"""``ilteo identity`` as a person runs it: create a staff account, list it, unlock it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.identity.factories import PASSWORD

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import check_password


def run(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(home))
    env.pop("ILTEO_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "identity", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
    )


def test_create_list_and_unlock_a_staff_account(tmp_path: Path) -> None:
    settings = Settings(env="dev", home=tmp_path)
    upgrade(settings)
    created = run(
        "create-staff",
        "--name",
        "김관리",
        "--role",
        "data_steward",
        "--password-stdin",
        "--json",
        home=tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    account = json.loads(created.stdout)
    assert account["roles"] == ["data_steward"]
    assert "password" not in created.stdout
    listed = json.loads(run("list", "--json", home=tmp_path).stdout)
    assert [a["login"] for a in listed] == ["김관리"]
    with session_scope(settings) as session:
        assert check_password(session, "김관리", PASSWORD, client="cli-test").outcome == "ok"
    unlocked = run("unlock", account["id"], home=tmp_path)
    assert unlocked.returncode == 0
    assert run("unlock", "nope", home=tmp_path).returncode != 0


def test_unknown_role_and_short_password_are_refused(tmp_path: Path) -> None:
    upgrade(Settings(env="dev", home=tmp_path))
    bad_role = run(
        "create-staff",
        "--name",
        "x",
        "--role",
        "king",
        "--password-stdin",
        home=tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert bad_role.returncode == 2
    assert "king" in bad_role.stderr
    short = run(
        "create-staff",
        "--name",
        "y",
        "--role",
        "analyst",
        "--password-stdin",
        home=tmp_path,
        stdin="short\n",
    )
    assert short.returncode == 2
