"""Linking a proofed account to the lake's master person by the RRN typed at the counter.

The lake is written with the lake's own code (``update_masters`` + ``save_state`` under
``LakePaths.of(settings)``), so these tests read exactly what a built lake holds. Every test runs
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import T0, create_test_account
from tests.lake.test_masters import POLICY, ExactMatcher, create_person_record

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.ids import hash_rrn, rrn_check_digit
from ilteo.core.settings import DEV_SECRET_KEY, Settings
from ilteo.identity.accounts import get_account
from ilteo.identity.counter_codes import (
    check_counter_code,
    issue_code_sheet,
    proof_in_person,
    revoke_code_sheet,
)
from ilteo.identity.models import AuditEntry
from ilteo.identity.proofing import (
    RrnMismatchError,
    RrnTakenError,
    find_master_person,
    link_to_lake,
    refresh_lake_link,
)
from ilteo.lake.layout import LakePaths
from ilteo.lake.masters import LINK_SCHEMA, MASTER_SCHEMA, MasterState, save_state, update_masters
from ilteo.lake.standardise import standardise_person_records

KEY = DEV_SECRET_KEY
CLIENT = "198.51.100.4"


def _rrn(first12: str) -> str:
    return f"{first12[:6]}-{first12[6:]}{rrn_check_digit(first12)}"


RRN_A = _rrn("900101123456")  # 김민준, in the lake
RRN_B = _rrn("850312234567")  # 이서연, in the lake
RRN_C = _rrn("020505312345")  # not in the lake


def _wrong_check_digit(rrn: str) -> str:
    return rrn[:-1] + str((int(rrn[-1]) + 1) % 10)


@pytest.fixture
def db(db_settings: Settings) -> Settings:
    """The store on SQLite or PostgreSQL, migrated."""
    upgrade(db_settings)
    return db_settings


def build_tiny_lake(settings: Settings) -> None:
    """Three records of two persons, linked by the lake's master code and saved where it saves."""
    rows = [
        create_person_record(
            record_id="a1", rrn_hash=hash_rrn(RRN_A, KEY), name="김민준", birth_date="1990-01-01"
        ),
        create_person_record(
            record_id="a2", rrn_hash=hash_rrn(RRN_A, KEY), name="김민준", phone="010-1111-1111"
        ),
        create_person_record(
            record_id="b1", rrn_hash=hash_rrn(RRN_B, KEY), name="이서연", birth_date="1985-03-12"
        ),
    ]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.Utf8))
    records = standardise_person_records(frame.with_columns(pl.col("birth_date").str.to_date()))
    empty = MasterState(
        "person", pl.DataFrame(schema=MASTER_SCHEMA), pl.DataFrame(schema=LINK_SCHEMA), 0
    )

    def attributes(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("master_id").agg(pl.col("name_hangul").drop_nulls().first())

    update = update_masters(
        empty, records, ExactMatcher(), POLICY, run_id="run-1", attributes=attributes
    )
    save_state(LakePaths.of(settings), update.state)


def _proofed(session: Session, login: str = "grandma") -> tuple[str, str]:
    counsellor, _ = create_test_account(session, login=f"c-{login}", roles=("counsellor",))
    person, _ = create_test_account(session, login=login)
    proof_in_person(session, counsellor.id, person.id, "id_card", "주민등록증", now=T0)
    return counsellor.id, person.id


def _audit_text(session: Session) -> str:
    rows = session.scalars(select(AuditEntry)).all()
    return json.dumps([[r.event, r.detail, r.client] for r in rows], ensure_ascii=False)


def test_a_number_in_the_lake_links_the_master_person(db: Settings) -> None:
    build_tiny_lake(db)
    paths = LakePaths.of(db)
    with session_scope(db) as session:
        counsellor_id, person_id = _proofed(session)
        link = link_to_lake(
            session, person_id, RRN_A, key=KEY, paths=paths, counsellor_id=counsellor_id
        )
        assert link.outcome == "linked"
        assert link.master_person_id is not None
        assert link.master_person_id.startswith("P")
        account = get_account(session, person_id)
        assert account.master_person_id == link.master_person_id
        assert account.rrn_hash == hash_rrn(RRN_A, KEY)
        other = find_master_person(paths, hash_rrn(RRN_B, KEY))
        assert other.outcome == "linked"
        assert other.master_person_id != link.master_person_id
        text = _audit_text(session)
        assert "proofing.lake_link" in text
        for clear in (RRN_A, RRN_A.replace("-", "")):
            assert clear not in text  # never the clear number
        assert hash_rrn(RRN_A, KEY) not in text  # not even the hash in the audit log


def test_no_lake_and_no_match_leave_the_link_empty_and_a_later_visit_links(db: Settings) -> None:
    paths = LakePaths.of(db)
    with session_scope(db) as session:
        _, person_id = _proofed(session)
        assert link_to_lake(session, person_id, RRN_A, key=KEY, paths=paths).outcome == "no_lake"
        account = get_account(session, person_id)
        assert account.rrn_hash == hash_rrn(RRN_A, KEY)
        assert account.master_person_id is None
    build_tiny_lake(db)
    with session_scope(db) as session:
        _, stranger = _proofed(session, login="stranger")
        assert link_to_lake(session, stranger, RRN_C, key=KEY, paths=paths).outcome == "no_match"
        assert get_account(session, stranger).master_person_id is None
        later = refresh_lake_link(session, person_id, paths=paths)  # the lake now has the person
        assert later is not None
        assert later.outcome == "linked"
        assert get_account(session, person_id).master_person_id == later.master_person_id


def test_a_wrong_check_digit_is_refused_and_nothing_is_kept(db: Settings) -> None:
    paths = LakePaths.of(db)
    bad = _wrong_check_digit(RRN_A)
    with session_scope(db) as session:
        _, person_id = _proofed(session)
        for typed in (bad, "12345", "900101-12345678", "abcdef-ghijklm"):
            with pytest.raises(InvalidInputError) as caught:
                link_to_lake(session, person_id, typed, key=KEY, paths=paths)
            assert typed not in str(caught.value)
        assert get_account(session, person_id).rrn_hash is None
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "proofing.rrn_refused")
        ).all()
        assert len(refused) == 4
        assert bad not in _audit_text(session)


def test_a_number_already_linked_to_another_account_is_refused(db: Settings) -> None:
    build_tiny_lake(db)
    paths = LakePaths.of(db)
    with session_scope(db) as session:
        _, first = _proofed(session, login="first")
        _, second = _proofed(session, login="second")
        link_to_lake(session, first, RRN_A, key=KEY, paths=paths)
        with pytest.raises(RrnTakenError):
            link_to_lake(session, second, RRN_A.replace("-", ""), key=KEY, paths=paths)
        assert get_account(session, second).rrn_hash is None
        assert get_account(session, second).master_person_id is None
        with pytest.raises(RrnMismatchError):
            link_to_lake(session, first, RRN_B, key=KEY, paths=paths)
        events = set(session.scalars(select(AuditEntry.event)))
        assert {"proofing.rrn_taken", "proofing.rrn_mismatch"} <= events


def test_counter_codes_refuse_wrong_used_expired_and_revoked_codes(db: Settings) -> None:
    from datetime import timedelta

    def reasons(session: Session) -> list[Any]:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "sign_in.failure").order_by(AuditEntry.id)
        )
        return [r.detail["reason"] for r in rows]

    with session_scope(db) as session:
        counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        person, _ = create_test_account(session, login="grandma")
        proofing = proof_in_person(
            session, counsellor.id, person.id, "social_worker_voucher", "사진 신분증 없음",
            "박지원 제12345호", now=T0,
        )  # fmt: skip
        short = issue_code_sheet(
            session, proofing, key=KEY, count=3, valid_for=timedelta(days=1), now=T0
        )
        lost = issue_code_sheet(session, proofing, key=KEY, count=3, now=T0)
        revoke_code_sheet(session, lost.sheet_id, by=counsellor.id, now=T0)

        def attempt(code: str, days: int = 0) -> str:
            now = T0 + timedelta(days=days, minutes=1)
            return check_counter_code(
                session, "grandma", code, key=KEY, client=CLIENT, now=now
            ).outcome

        assert attempt("0000-0000") == "refused"
        assert attempt(short.codes[0]) == "ok"
        assert attempt(short.codes[0]) == "refused"
        assert attempt(lost.codes[0]) == "refused"
        assert attempt(short.codes[1], days=2) == "refused"
        assert reasons(session) == ["code", "code_replay", "code_revoked", "code_expired"]
