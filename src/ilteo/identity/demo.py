"""Demo accounts for ``ilteo demo``: synthetic people to try every sign-in path with.

Only in development (``ILTEO_ENV=dev``): a data steward, a counsellor and two citizens, with
random passwords; for the citizen without a smartphone, a counter-issued code sheet, and a
delegation letting the family member act for them. What a
tester needs to sign in is written once to ``<home>/demo-accounts.json`` (mode 0600) and read
back on later runs, so the demo is idempotent and nothing secret sits in the repository.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import ConfigurationError
from ilteo.core.settings import Settings

#: File under ``home`` holding the demo sign-in details.
DEMO_FILE = "demo-accounts.json"


@dataclass
class DemoAccount:
    """One demo account as shown to the person trying the demo."""

    login: str
    display_name: str
    roles: list[str]
    password: str
    codes: list[str] = field(default_factory=list)


#: (login, display name, roles) of the demo accounts; all names are invented.
DEMO_PEOPLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("demo-steward", "데모 데이터관리자", ("data_steward",)),
    ("demo-counsellor", "데모 상담사", ("counsellor",)),
    ("demo-officer", "데모 민원담당관", ("desk_officer",)),
    ("demo-inspector", "데모 근로감독관", ("inspector",)),
    ("demo-citizen", "데모 시민", ()),
    ("demo-family", "데모 가족", ()),
)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _grant_family_delegation(session: Session, ids: dict[str, str]) -> None:
    """The demo citizen lets the demo family member act for them for 90 days."""
    from ilteo.identity.accounts import utcnow
    from ilteo.identity.delegation import SERVICES, create_delegation

    if "demo-family" not in ids:
        return
    create_delegation(
        session,
        ids["demo-citizen"],
        delegate_login="demo-family",
        relation="family",
        scopes=SERVICES,
        expires_at=utcnow() + timedelta(days=90),
    )


def ensure_demo_accounts(settings: Settings) -> list[DemoAccount]:
    """Create the demo accounts once and return their sign-in details.

    Raises:
        ConfigurationError: Outside ``ILTEO_ENV=dev`` (demo passwords must never reach
            production).
    """
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import create_account
    from ilteo.identity.counter_codes import issue_code_sheet, proof_in_person
    from ilteo.identity.models import Account

    if settings.env != "dev":
        raise ConfigurationError(
            "데모 계정은 개발 환경에서만 만듭니다 / demo accounts exist only with ILTEO_ENV=dev"
        )
    path = settings.home / DEMO_FILE
    if path.exists():
        known = [DemoAccount(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
    else:
        known = []
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    made: list[DemoAccount] = []
    with session_scope(settings) as session:
        ids: dict[str, str] = {}
        for login, name, roles in DEMO_PEOPLE:
            existing = session.scalar(select(Account).where(Account.login == login))
            remembered = next((entry for entry in known if entry.login == login), None)
            if existing is not None and remembered is not None:
                ids[login] = existing.id
                made.append(remembered)
                continue
            if existing is not None:  # the file was lost: the account stays, without details
                continue
            password = secrets.token_urlsafe(12)
            account = create_account(
                session, login=login, display_name=name, password=password, roles=roles
            )
            ids[login] = account.id
            made.append(DemoAccount(login, name, list(roles), password))
        session.flush()
        citizen = next((entry for entry in made if entry.login == "demo-citizen"), None)
        if citizen is not None and not citizen.codes and "demo-counsellor" in ids:
            proofing = proof_in_person(
                session,
                ids["demo-counsellor"],
                ids["demo-citizen"],
                "social_worker_voucher",
                "데모: 합성 인물, 사회복지사 보증 / demo: synthetic person, vouched",
                voucher_name="데모 사회복지사 (등록 DEMO-0001)",
            )
            sheet = issue_code_sheet(session, proofing, key=key)
            citizen.codes = list(sheet.codes)
            _grant_family_delegation(session, ids)
    _write_private(path, json.dumps([asdict(entry) for entry in made], ensure_ascii=False))
    return made


def link_demo_citizen(settings: Settings, master_id: str) -> bool:
    """Link the demo citizen to a synthetic master person, so "my next steps" has a history.

    A real account is linked only by proofing (:mod:`ilteo.identity.proofing`: an RRN checked in
    person); the demo skips that step for a synthetic person. An account already linked is kept.

    Returns:
        Whether the demo citizen is linked to ``master_id`` now.

    Raises:
        ConfigurationError: Outside ``ILTEO_ENV=dev``.
    """
    from ilteo.core.db import session_scope
    from ilteo.identity.models import Account

    if settings.env != "dev":
        raise ConfigurationError(
            "데모 계정은 개발 환경에서만 만듭니다 / demo accounts exist only with ILTEO_ENV=dev"
        )
    with session_scope(settings) as session:
        account = session.scalar(select(Account).where(Account.login == "demo-citizen"))
        if account is None:
            return False
        if account.master_person_id is None:
            account.master_person_id = master_id
        return account.master_person_id == master_id
