"""``ilteo keys`` as an operator runs it: a real process on SQLite and PostgreSQL, with --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from tests.identity.factories import create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.identity.api_keys import add_usage, resolve_api_key, seoul_day
from ilteo.identity.models import Account


@pytest.fixture
def store(db_settings: Settings) -> Settings:
    upgrade(db_settings)
    return db_settings


def keys(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(settings.home))
    if settings.database_url:
        env["ILTEO_DATABASE_URL"] = settings.database_url
    else:
        env.pop("ILTEO_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "keys", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value() if settings.secret_key else ""


def test_create_for_a_new_developer_prints_the_key_once(store: Settings) -> None:
    made = as_json(keys(store, "create", "--name", "Acme Jobs", "--json"))
    assert made["account_login"] == "developer-acme-jobs"
    assert made["account_created"] is True
    assert made["scopes"] == ["reference:read", "identity:read"]  # no lake role: no lake scope
    assert made["key"].startswith("ilteo_")
    assert made["rate_per_minute"] is None
    assert made["daily_quota"] is None
    with session_scope(store) as session:
        account = resolve_api_key(session, made["key"], secret_key=_secret(store))
        assert account is not None
        assert account.login == "developer-acme-jobs"
        assert account.password_hash is None  # cannot sign in on the web
    again = as_json(keys(store, "create", "--name", "Acme Jobs", "--json"))
    assert again["account_created"] is False  # the same developer account, a second key
    assert again["account_id"] == made["account_id"]
    listed = as_json(keys(store, "list", "--json"))
    assert {row["id"] for row in listed} == {made["id"], again["id"]}
    assert "key" not in listed[0]
    assert made["key"] not in json.dumps(listed)


def test_create_for_an_account_with_scopes_limits_and_lifetime(store: Settings) -> None:
    with session_scope(store) as session:
        create_test_account(session, login="steward", roles=("data_steward",))
    made = as_json(
        keys(
            store,
            "create",
            "--name",
            "etl",
            "--account",
            "steward",
            "--scope",
            "lake:read",
            "--scope",
            "reference:read",
            "--expires-days",
            "30",
            "--rate",
            "50",
            "--daily",
            "900",
            "--json",
        )
    )
    assert made["account_login"] == "steward"
    assert made["account_created"] is False
    assert made["scopes"] == ["reference:read", "lake:read"]
    assert (made["rate_per_minute"], made["daily_quota"]) == (50, 900)
    lifetime = date.fromisoformat(made["expires_at"][:10]) - date.fromisoformat(
        made["created_at"][:10]
    )
    assert lifetime.days == 30
    only = as_json(keys(store, "list", "--account", "steward", "--json"))
    assert [row["id"] for row in only] == [made["id"]]
    default = as_json(keys(store, "create", "--name", "all", "--account", "steward", "--json"))
    assert default["scopes"] == ["reference:read", "lake:read", "identity:read"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scope", "lake:write"), "lake:write"),
        (("--scope", "lake:read"), "lake:read"),  # a citizen developer has no lake role
        (("--expires-days", "0"), "1"),
        (("--rate", "0"), "rate"),
        (("--account", "nobody"), "nobody"),
    ],
)
def test_bad_create_input_is_one_clear_error(
    store: Settings, args: tuple[str, ...], message: str
) -> None:
    result = keys(store, "create", "--name", "x", *args, "--json")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_revoke_and_usage(store: Settings) -> None:
    made = as_json(keys(store, "create", "--name", "app", "--json"))
    revoked = as_json(keys(store, "revoke", made["id"], "--json"))
    assert revoked["state"] == "revoked"
    assert as_json(keys(store, "revoke", made["id"], "--json"))["state"] == "revoked"
    with session_scope(store) as session:
        assert resolve_api_key(session, made["key"], secret_key=_secret(store)) is None
    missing = keys(store, "revoke", "0000000000000000")
    assert missing.returncode != 0
    assert "0000000000000000" in missing.stderr

    today = seoul_day(utcnow())
    with session_scope(store) as session:
        add_usage(session, {(made["id"], today): (7, 2)})
    with session_scope(store) as session:
        add_usage(session, {(made["id"], today): (3, 0)})  # adds to the same row
    rows = as_json(keys(store, "usage", "--key", made["id"], "--json"))
    assert rows == [{"key_id": made["id"], "day": today.isoformat(), "requests": 10, "rejected": 2}]
    assert as_json(keys(store, "usage", "--account", made["account_login"], "--json")) == rows
    assert as_json(keys(store, "usage", "--json")) == rows
    people = keys(store, "usage")
    assert people.returncode == 0
    assert made["id"] in people.stdout
    with session_scope(store) as session:
        assert session.scalar(select(Account.login)) == "developer-app"
