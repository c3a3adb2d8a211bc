"""Demo accounts: dev only, idempotent, private file, and the demo citizen's codes sign in."""

from __future__ import annotations

import stat

import pytest

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import ConfigurationError
from ilteo.core.settings import Settings
from ilteo.identity import check_counter_code, check_password
from ilteo.identity.delegation import list_delegations
from ilteo.identity.demo import DEMO_FILE, ensure_demo_accounts


def test_demo_accounts_are_made_once_and_sign_in(settings: Settings) -> None:
    upgrade(settings)
    first = ensure_demo_accounts(settings)
    again = ensure_demo_accounts(settings)
    assert [a.login for a in first] == [a.login for a in again]
    assert [a.password for a in first] == [a.password for a in again]
    path = settings.home / DEMO_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    by_login = {a.login: a for a in first}
    assert by_login["demo-steward"].roles == ["data_steward"]
    citizen = by_login["demo-citizen"]
    assert len(citizen.codes) == 10
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        ok = check_password(session, "demo-steward", by_login["demo-steward"].password, client="t")
        assert ok.outcome == "ok"
        code = check_counter_code(session, "demo-citizen", citizen.codes[0], key=key, client="t")
        assert code.outcome == "ok"
        given, _ = list_delegations(session, code.account_id or "")
        assert [(d.delegate_login, d.status) for d in given] == [("demo-family", "live")]


def test_demo_accounts_are_refused_outside_dev(settings: Settings) -> None:
    prod = settings.model_copy(update={"env": "prod"})
    with pytest.raises(ConfigurationError):
        ensure_demo_accounts(prod)
