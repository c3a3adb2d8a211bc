"""Linking a proofed account to the lake's master person, from the resident registration number.

At the first in-person proofing a counsellor may type the person's resident registration number
(RRN). :func:`link_to_lake` checks its form and check digit (:func:`ilteo.core.ids.is_valid_rrn`),
turns it at once into the keyed hash the lake also uses (:func:`ilteo.core.ids.hash_rrn` under
``settings.secret_key``), keeps only that hash on the account (``set_proofed_rrn``), and looks the
hash up in the lake. The clear number is never stored, logged, audited or shown again; errors
carry no part of it.

How the lake keeps persons (see :mod:`ilteo.lake.layout` and :mod:`ilteo.lake.masters`):
``master/persons.parquet`` has one row per master person with ``master_id`` (``P000000123``),
``status`` (``active``, ``merged`` with ``merged_into``, or ``retired``) and ``key``, the RRN hash
that holds its records together (records with the same hash always share a master, and two
masters with different hashes are never merged). The file is read with DuckDB, path from
:class:`ilteo.lake.layout.LakePaths`. A master found as ``merged`` is followed to its survivor.

The outcome is plain: ``linked`` (``Account.master_person_id`` set), ``no_lake`` (the lake has not
been built), ``no_match`` (no master has this number yet) or ``ambiguous`` (several active
masters; nothing is guessed). In every case but ``linked`` the link stays empty; a later proofing
can link it once the lake has the person. An RRN already kept by another account is refused
(:class:`RrnTakenError`): one account per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import IlteoError, InvalidInputError
from ilteo.core.ids import hash_rrn, is_valid_rrn
from ilteo.identity.accounts import get_account, record_audit, set_proofed_rrn
from ilteo.identity.models import Account
from ilteo.lake.layout import LakePaths

LinkOutcome = Literal["linked", "no_lake", "no_match", "ambiguous"]


class RrnTakenError(IlteoError):
    """The resident registration number is already kept by another account."""


class RrnMismatchError(InvalidInputError):
    """The account was proofed before with a different resident registration number."""


@dataclass(frozen=True)
class LakeLink:
    """The outcome of looking a person up in the lake (no RRN, clear or hashed, inside)."""

    outcome: LinkOutcome
    master_person_id: str | None = None


def find_master_person(paths: LakePaths, rrn_hash: str) -> LakeLink:
    """Find the active master person whose key is ``rrn_hash`` in the lake at ``paths``.

    Args:
        paths: The lake's layout (``LakePaths.of(settings)``).
        rrn_hash: The keyed hash of the number (64 hex characters).

    Returns:
        ``linked`` with the master ID, or ``no_lake``, ``no_match`` or ``ambiguous``.
    """
    import duckdb

    persons = paths.master("persons")
    if not persons.is_file():
        return LakeLink("no_lake")
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT master_id, status, merged_into FROM read_parquet(?) WHERE key = ?",
            [str(persons), rrn_hash],
        ).fetchall()
        found: set[str] = set()
        for master_id, status, merged_into in rows:
            current, hops = (master_id, status, merged_into), 0
            while current[1] == "merged" and current[2] and hops < 20:
                successor = con.execute(
                    "SELECT master_id, status, merged_into FROM read_parquet(?)"
                    " WHERE master_id = ?",
                    [str(persons), current[2]],
                ).fetchone()
                if successor is None:
                    break
                current, hops = (successor[0], successor[1], successor[2]), hops + 1
            if current[1] == "active":
                found.add(str(current[0]))
    if not found:
        return LakeLink("no_match")
    if len(found) > 1:
        return LakeLink("ambiguous")
    return LakeLink("linked", found.pop())


def link_to_lake(
    session: Session,
    account_id: str,
    rrn: str,
    *,
    key: str,
    paths: LakePaths,
    counsellor_id: str | None = None,
) -> LakeLink:
    """Check an RRN typed at proofing, keep only its hash, and link the account to the lake.

    Args:
        session: The open session.
        account_id: The proofed account.
        rrn: The number as typed (thirteen digits, with or without the hyphen); used only here.
        key: The secret key the lake hashes numbers with (``settings.secret_key``).
        paths: The lake to look in.
        counsellor_id: Who proofed (for the audit log).

    Returns:
        The lake's answer; ``master_person_id`` is set on the account only when ``linked``.

    Raises:
        InvalidInputError: For a malformed number or a wrong check digit.
        RrnMismatchError: When the account already keeps a different number.
        RrnTakenError: When another account keeps the same number.
    """
    account = get_account(session, account_id)
    if not is_valid_rrn(rrn):
        record_audit(
            session, "proofing.rrn_refused", account_id=account.id, counsellor=counsellor_id
        )
        raise InvalidInputError(
            "주민등록번호가 올바르지 않습니다 / the resident registration number is not valid"
        )
    rrn_hash = hash_rrn(rrn, key)
    del rrn  # from here on only the keyed hash exists
    other = session.scalar(
        select(Account.id).where(Account.rrn_hash == rrn_hash, Account.id != account.id)
    )
    if other is not None:
        record_audit(
            session,
            "proofing.rrn_taken",
            account_id=account.id,
            counsellor=counsellor_id,
            other_account=other,
        )
        raise RrnTakenError(
            "다른 계정에 연결된 주민등록번호입니다 / the number belongs to another account"
        )
    if account.rrn_hash is not None and account.rrn_hash != rrn_hash:
        record_audit(
            session, "proofing.rrn_mismatch", account_id=account.id, counsellor=counsellor_id
        )
        raise RrnMismatchError(
            "이 계정에는 다른 주민등록번호가 확인되어 있습니다 / the account keeps another number"
        )
    set_proofed_rrn(session, account, rrn_hash)
    link = find_master_person(paths, rrn_hash)
    if link.outcome == "linked":
        account.master_person_id = link.master_person_id
    record_audit(
        session,
        "proofing.lake_link",
        account_id=account.id,
        counsellor=counsellor_id,
        outcome=link.outcome,
        master_person_id=link.master_person_id,
    )
    session.flush()
    return link


def refresh_lake_link(session: Session, account_id: str, *, paths: LakePaths) -> LakeLink | None:
    """Try the lake again for an account proofed earlier but not yet linked (no number typed).

    Returns:
        ``None`` when the account keeps no RRN hash (nothing to look up), else the lake's answer;
        an existing link is kept as it is.
    """
    account = get_account(session, account_id)
    if account.rrn_hash is None:
        return None
    if account.master_person_id is not None:
        return LakeLink("linked", account.master_person_id)
    link = find_master_person(paths, account.rrn_hash)
    if link.outcome == "linked":
        account.master_person_id = link.master_person_id
        record_audit(
            session,
            "proofing.lake_link",
            account_id=account.id,
            outcome=link.outcome,
            master_person_id=link.master_person_id,
        )
    return link
