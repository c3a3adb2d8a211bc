"""The identity tables migrate and hold accounts on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from tests.identity.factories import PASSWORD

from ilteo.core.db import engine_for, session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.ids import hash_rrn
from ilteo.core.settings import Settings
from ilteo.identity import create_account, list_accounts, set_proofed_rrn
from ilteo.identity.models import Account, AuditEntry


def test_tables_exist(db_settings: Settings) -> None:
    upgrade(db_settings)
    tables = set(inspect(engine_for(db_settings)).get_table_names())
    assert {
        "identity_accounts",
        "identity_roles",
        "identity_sessions",
        "identity_client_throttles",
        "identity_audit",
        "identity_person_reads",
    } <= tables


def test_account_roles_and_audit_round_trip(db_settings: Settings) -> None:
    upgrade(db_settings)
    with session_scope(db_settings) as session:
        account = create_account(
            session,
            login="steward",
            display_name="김관리",
            password=PASSWORD,
            roles=("data_steward",),
        )
        assert (account.password_hash or "").startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
    with session_scope(db_settings) as session:
        [public] = list_accounts(session)
        assert public.roles == ("data_steward",)
        assert public.display_name == "김관리"
        events = session.scalars(select(AuditEntry.event)).all()
        assert events == ["account.created"]


def test_rrn_hash_is_unique_and_never_clear(db_settings: Settings) -> None:
    upgrade(db_settings)
    key = db_settings.secret_key.get_secret_value() if db_settings.secret_key else ""
    digest = hash_rrn("900101-1234568", key)
    with session_scope(db_settings) as session:
        first = create_account(session, login="a", display_name="가")
        set_proofed_rrn(session, first, digest)
        with pytest.raises(InvalidInputError, match="RRN"):
            set_proofed_rrn(session, first, "900101-1234568")
    with session_scope(db_settings) as session:
        stored = session.scalars(select(Account.rrn_hash)).one()
        assert stored == digest
        assert "9001011234568" not in stored
    with session_scope(db_settings) as session:
        second = create_account(session, login="b", display_name="나")
        second.rrn_hash = digest
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
