"""Staff reads of a person's record: written with a purpose, listed to the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError
from ilteo.identity.accounts import as_utc, roles_of, utcnow
from ilteo.identity.models import Account, PersonRead

#: The shortest purpose accepted: a reason, not a placeholder.
MIN_PURPOSE_LENGTH = 4


@dataclass(frozen=True)
class PersonReadPublic:
    """One read as shown to the person: when, who (name and roles), why."""

    at: datetime
    staff_name: str
    staff_roles: tuple[str, ...]
    purpose: str


def audit_person_read(
    session: Session,
    staff: Account,
    master_person_id: str,
    purpose: str,
    *,
    now: datetime | None = None,
) -> PersonRead:
    """Record that ``staff`` read the record of ``master_person_id`` for ``purpose``.

    Raises:
        InvalidInputError: When the reader holds no staff role or gives no real purpose.
    """
    if not roles_of(session, staff.id):
        raise InvalidInputError("직원만 개인 기록을 볼 수 있습니다 / only staff may read records")
    purpose = purpose.strip()
    if len(purpose) < MIN_PURPOSE_LENGTH:
        raise InvalidInputError("열람 목적을 적어 주세요 / state the purpose of the read")
    read = PersonRead(
        at=now or utcnow(),
        staff_account_id=staff.id,
        master_person_id=master_person_id,
        purpose=purpose,
    )
    session.add(read)
    session.flush()
    return read


def list_reads_of(session: Session, account: Account) -> list[PersonReadPublic]:
    """Who read the record linked to ``account``, newest first (empty when not linked)."""
    if not account.master_person_id:
        return []
    rows = session.execute(
        select(PersonRead, Account)
        .join(Account, Account.id == PersonRead.staff_account_id)
        .where(PersonRead.master_person_id == account.master_person_id)
        .order_by(PersonRead.at.desc(), PersonRead.id.desc())
    )
    return [
        PersonReadPublic(
            at=as_utc(read.at),
            staff_name=staff.display_name,
            staff_roles=roles_of(session, staff.id),
            purpose=read.purpose,
        )
        for read, staff in rows
    ]
