"""Tiny identity fixtures made by code: accounts with a password, roles and TOTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from ilteo.core.settings import DEV_SECRET_KEY, Settings
from ilteo.identity import COOKIE_NAME, activate_totp, create_account, create_session, enrol_totp
from ilteo.identity.models import Account

#: A fixed instant at the start of a 30-second TOTP step.
T0 = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"  # noqa: S105 - a test password


def create_test_account(
    session: Session,
    *,
    login: str = "minji",
    roles: tuple[str, ...] = (),
    totp: bool = False,
    master_person_id: str | None = None,
    at: datetime = T0,
    key: str = DEV_SECRET_KEY,
) -> tuple[Account, str | None]:
    """An account with :data:`PASSWORD`; with ``totp``, an active secret (returned).

    The secret is activated with the code of the step before ``at``, so ``at``'s code is fresh.
    ``key`` seals the TOTP seed: the development key, which the ``settings`` fixture's app uses.
    """
    account = create_account(
        session, login=login, display_name=f"{login} 님", password=PASSWORD, roles=roles, now=T0
    )
    account.master_person_id = master_person_id
    secret = None
    if totp:
        secret = enrol_totp(session, account.id, key=key, now=at).secret
        earlier = at.timestamp() - 30
        assert activate_totp(session, account.id, pyotp.TOTP(secret).at(earlier), key=key, now=at)
    session.flush()
    return account, secret


def sign_in_client(
    client: Any,
    settings: Settings,
    *,
    login: str = "steward",
    roles: tuple[str, ...] = ("data_steward",),
) -> Account:
    """Create a staff account with ``roles`` and give ``client`` its session cookie.

    Works for an HTTPX/Starlette ``TestClient`` (its ``cookies`` jar); browser tests add the
    returned session themselves (see :func:`staff_session`).
    """
    account, token = staff_session(settings, login=login, roles=roles)
    client.cookies.set(COOKIE_NAME, token)
    return account


def staff_session(
    settings: Settings, *, login: str = "steward", roles: tuple[str, ...] = ("data_steward",)
) -> tuple[Account, str]:
    """A staff account with ``roles`` and the value of a fresh session cookie for it."""
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login, roles=roles)
        token = create_session(session, account.id)
    return account, token
