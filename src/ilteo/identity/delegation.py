"""Delegation: a person lets a family member, a guardian or a counsellor act for them.

Design choices:

- **What may be delegated is declared once**, here: :data:`SERVICES` (the scopes) and
  :data:`RELATIONS`. A later service guards its routes with
  ``ilteo.api.routers.identity.require_delegated("<service>")`` and marks what it does with
  :func:`audit_as`.
- **A delegation is a row, never a second login.** The delegate signs in as themself; their
  session's ``acting_for`` names the person they act for. Acting therefore never lends the
  delegate the person's staff roles, authenticators or delegations: every check of "who is
  signed in" still answers the delegate, and the delegation pages refuse changes while acting.
- **Checked on every request.** :func:`resolve_acting` looks the delegation up again each time;
  an expired or revoked one ends the acting at once (``acting.ended`` in the audit log).
- **Bounded and revocable.** A delegation starts now or on a later day and lasts at most
  :data:`MAX_DURATION`; either side may revoke it (``revoked_by`` says who). Rows are kept after
  they end so the person's history stays readable.
- **Done by X for Y.** Every action in the acting context is an audit entry whose
  ``account_id`` is the delegate and ``on_behalf_of`` the person; :func:`list_actions_for`
  shows the person that trail.
- **Refusals are uniform.** Each refusal raises :class:`DelegationRefused` with a stable
  ``reason`` (a catalogue key for the safe message) after writing ``delegation.refused``.
- **Finding the delegate by login.** Only a signed-in person can look a login up, one per form,
  and the answer for an unknown login is plain ("no account with that login": a grantor must know
  whom they trust). To stop this from becoming an enumeration tool, misses are audited and more
  than :data:`MAX_LOOKUP_MISSES` in an hour refuse further lookups.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ilteo.core.errors import IlteoError
from ilteo.identity.accounts import as_utc, record_audit, roles_of, utcnow
from ilteo.identity.delegation_models import Delegation
from ilteo.identity.models import Account, AuditEntry
from ilteo.identity.sessions import get_session_row

#: Services a delegation can cover (scopes), with their Korean and English labels.
SERVICES: dict[str, tuple[str, str]] = {
    "benefits": ("급여·수당 신청과 확인", "benefits: applying and checking"),
    "training_plan": ("직업훈련 계획", "training plan"),
    "complaints": ("민원 신청과 확인", "complaints and requests"),
    "account_view": ("계정 정보 보기", "viewing the account"),
}
#: Who a delegate may be to the person; ``counsellor`` needs the counsellor staff role.
RELATIONS: dict[str, tuple[str, str]] = {
    "family": ("가족", "family member"),
    "guardian": ("후견인", "guardian"),
    "counsellor": ("상담사", "counsellor"),
}
#: The longest a delegation may last (one year, counted to the end of its last day).
MAX_DURATION = timedelta(days=366)
#: Unknown-login lookups one account may make per :data:`LOOKUP_WINDOW` before being refused.
MAX_LOOKUP_MISSES = 10
LOOKUP_WINDOW = timedelta(hours=1)
#: Audit events shown to the person as done for them (``on_behalf_of``), newest first.
TRAIL_LIMIT = 50


class DelegationRefused(IlteoError):
    """A delegation could not be made, used or ended; ``reason`` is stable and safe to show.

    The ``delegation.refused`` audit entry is already added to the session when this is raised:
    catch it inside the session scope, so the entry is committed rather than rolled back.
    """

    code = "delegation-refused"
    status = 403
    title_ko = "위임을 사용할 수 없습니다"
    title_en = "Delegation refused"

    def __init__(self, reason: str) -> None:
        """Keep the stable ``reason`` (a catalogue key under ``delegation.refused``)."""
        super().__init__(f"delegation refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class DelegationPublic:
    """What either side may see of a delegation."""

    id: str
    grantor_id: str
    grantor_name: str
    delegate_id: str
    delegate_name: str
    delegate_login: str
    relation: str
    scopes: tuple[str, ...]
    starts_at: datetime
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None
    revoked_by_name: str | None
    status: str  # live, upcoming, expired or revoked


@dataclass(frozen=True)
class ActingContext:
    """A delegate acting for a person under their live delegations (scopes are the union)."""

    delegate_id: str
    delegate_name: str
    grantor_id: str
    grantor_name: str
    scopes: tuple[str, ...]
    expires_at: datetime

    def covers(self, scope: str) -> bool:
        """Whether acting may use ``scope``."""
        return scope in self.scopes


@dataclass(frozen=True)
class ActingState:
    """The acting context of a session, or why it just ended (``ended`` is a refusal reason)."""

    context: ActingContext | None
    ended: str | None = None


@dataclass(frozen=True)
class ActionForYou:
    """One audit entry done by a delegate for the person."""

    at: datetime
    event: str
    actor_name: str


def _refuse(
    session: Session,
    reason: str,
    *,
    account_id: str | None,
    client: str | None,
    now: datetime,
    **detail: str | None,
) -> DelegationRefused:
    record_audit(
        session,
        "delegation.refused",
        account_id=account_id,
        client=client,
        now=now,
        reason=reason,
        **detail,
    )
    return DelegationRefused(reason)


def status_of(row: Delegation, now: datetime) -> str:
    """``revoked``, ``upcoming``, ``expired`` or ``live`` at ``now``."""
    if row.revoked_at is not None:
        return "revoked"
    if now < as_utc(row.starts_at):
        return "upcoming"
    if now >= as_utc(row.expires_at):
        return "expired"
    return "live"


def _misses(session: Session, account_id: str, now: datetime) -> int:
    count = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.account_id == account_id,
            AuditEntry.event == "delegation.lookup_missed",
            AuditEntry.at >= now - LOOKUP_WINDOW,
        )
    )
    return int(count or 0)


def _check_terms(
    relation: str, scopes: Iterable[str], starts_at: datetime, expires_at: datetime, now: datetime
) -> str | None:
    if relation not in RELATIONS:
        return "relation"
    chosen = list(scopes)
    if not chosen or any(scope not in SERVICES for scope in chosen):
        return "scopes"
    if as_utc(starts_at) < now - timedelta(minutes=5) or as_utc(expires_at) <= as_utc(starts_at):
        return "dates"
    if as_utc(expires_at) - as_utc(starts_at) > MAX_DURATION:
        return "too_long"
    return None


def create_delegation(
    session: Session,
    grantor_id: str,
    *,
    delegate_login: str,
    relation: str,
    scopes: Iterable[str],
    expires_at: datetime,
    starts_at: datetime | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> Delegation:
    """Let the account with ``delegate_login`` act for ``grantor_id``.

    Args:
        session: The open session.
        grantor_id: The person granting (the signed-in account, never one acted for).
        delegate_login: The delegate's login name.
        relation: One of :data:`RELATIONS`.
        scopes: Services from :data:`SERVICES` (at least one).
        expires_at: When it ends (at most :data:`MAX_DURATION` after the start).
        starts_at: When it starts (now when ``None``; not in the past).
        client: The caller's address, for the audit log.
        now: The clock.

    Returns:
        The new delegation.

    Raises:
        DelegationRefused: ``lookup_limit``, ``unknown_login``, ``self``, ``relation``,
            ``scopes``, ``dates``, ``too_long``, ``inactive`` or ``not_counsellor``.
    """
    now = now or utcnow()
    starts_at = as_utc(starts_at) if starts_at else now
    scopes = sorted(set(scopes))

    def refused(reason: str, **detail: str | None) -> DelegationRefused:
        return _refuse(session, reason, account_id=grantor_id, client=client, now=now, **detail)

    if _misses(session, grantor_id, now) >= MAX_LOOKUP_MISSES:
        raise refused("lookup_limit")
    delegate = session.scalar(select(Account).where(Account.login == delegate_login.strip()))
    if delegate is None:
        record_audit(
            session, "delegation.lookup_missed", account_id=grantor_id, client=client, now=now
        )
        raise refused("unknown_login")
    if delegate.id == grantor_id:
        raise refused("self")
    if reason := _check_terms(relation, scopes, starts_at, expires_at, now):
        raise refused(reason, delegate=delegate.id)
    if delegate.status != "active":
        raise refused("inactive", delegate=delegate.id)
    if relation == "counsellor" and "counsellor" not in roles_of(session, delegate.id):
        raise refused("not_counsellor", delegate=delegate.id)
    row = Delegation(
        id=secrets.token_hex(8),
        grantor_id=grantor_id,
        delegate_id=delegate.id,
        relation=relation,
        scopes=scopes,
        starts_at=starts_at,
        expires_at=as_utc(expires_at),
        created_at=now,
    )
    session.add(row)
    record_audit(
        session,
        "delegation.granted",
        account_id=grantor_id,
        client=client,
        now=now,
        delegation=row.id,
        delegate=delegate.id,
        relation=relation,
        scopes=scopes,
    )
    session.flush()
    return row


def revoke_delegation(
    session: Session,
    delegation_id: str,
    *,
    by_account_id: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Delegation:
    """End a delegation now; either the person or the delegate may.

    Raises:
        DelegationRefused: ``not_found`` (no such delegation, or the caller is neither side:
            the same answer, so ids cannot be probed) or ``already_ended``.
    """
    now = now or utcnow()
    row = session.get(Delegation, delegation_id) if delegation_id else None
    if row is None or by_account_id not in (row.grantor_id, row.delegate_id):
        raise _refuse(
            session,
            "not_found",
            account_id=by_account_id,
            client=client,
            now=now,
            delegation=delegation_id[:32],
        )
    if status_of(row, now) in ("revoked", "expired"):
        raise _refuse(
            session,
            "already_ended",
            account_id=by_account_id,
            client=client,
            now=now,
            delegation=row.id,
        )
    row.revoked_at = now
    row.revoked_by = by_account_id
    record_audit(
        session,
        "delegation.revoked",
        account_id=by_account_id,
        client=client,
        now=now,
        delegation=row.id,
        grantor=row.grantor_id,
        delegate=row.delegate_id,
    )
    return row


def _names(session: Session, ids: Iterable[str]) -> dict[str, Account]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(wanted)))}


def _to_public(row: Delegation, accounts: dict[str, Account], now: datetime) -> DelegationPublic:
    grantor, delegate = accounts[row.grantor_id], accounts[row.delegate_id]
    revoker = accounts.get(row.revoked_by or "")
    return DelegationPublic(
        id=row.id,
        grantor_id=row.grantor_id,
        grantor_name=grantor.display_name,
        delegate_id=row.delegate_id,
        delegate_name=delegate.display_name,
        delegate_login=delegate.login,
        relation=row.relation,
        scopes=tuple(row.scopes),
        starts_at=as_utc(row.starts_at),
        expires_at=as_utc(row.expires_at),
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        revoked_by_name=revoker.display_name if revoker else None,
        status=status_of(row, now),
    )


def list_delegations(
    session: Session, account_id: str, *, now: datetime | None = None
) -> tuple[list[DelegationPublic], list[DelegationPublic]]:
    """The delegations ``account_id`` gave and those it received, newest first."""
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(Delegation)
            .where(or_(Delegation.grantor_id == account_id, Delegation.delegate_id == account_id))
            .order_by(Delegation.created_at.desc(), Delegation.id)
        )
    )
    accounts = _names(
        session, [i for r in rows for i in (r.grantor_id, r.delegate_id, r.revoked_by or "")]
    )
    given = [_to_public(r, accounts, now) for r in rows if r.grantor_id == account_id]
    received = [_to_public(r, accounts, now) for r in rows if r.delegate_id == account_id]
    return given, received


def _pair_rows(session: Session, delegate_id: str, grantor_id: str) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(Delegation.delegate_id == delegate_id, Delegation.grantor_id == grantor_id)
            .order_by(Delegation.created_at.desc(), Delegation.id)
        )
    )


def _why_not(rows: list[Delegation], scope: str | None, now: datetime) -> str | None:
    """The refusal reason for acting with ``scope`` under ``rows``, or ``None`` when allowed."""
    live = [r for r in rows if status_of(r, now) == "live"]
    if live:
        return None if scope is None or any(scope in r.scopes for r in live) else "scope"
    if not rows:
        return "none"
    return {"revoked": "revoked", "upcoming": "not_started"}.get(status_of(rows[0], now), "expired")


def _context(session: Session, rows: list[Delegation], now: datetime) -> ActingContext:
    live = [r for r in rows if status_of(r, now) == "live"]
    accounts = _names(session, [live[0].grantor_id, live[0].delegate_id])
    grantor, delegate = accounts[live[0].grantor_id], accounts[live[0].delegate_id]
    return ActingContext(
        delegate_id=delegate.id,
        delegate_name=delegate.display_name,
        grantor_id=grantor.id,
        grantor_name=grantor.display_name,
        scopes=tuple(sorted({s for r in live for s in r.scopes})),
        expires_at=max(as_utc(r.expires_at) for r in live),
    )


def check_delegation(
    session: Session,
    delegate_id: str,
    grantor_id: str,
    *,
    scope: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> ActingContext:
    """The acting context if ``delegate_id`` may act for ``grantor_id`` (in ``scope``) now.

    Raises:
        DelegationRefused: ``self``, ``none``, ``revoked``, ``expired``, ``not_started`` or
            ``scope`` (audited with both accounts).
    """
    now = now or utcnow()
    rows = _pair_rows(session, delegate_id, grantor_id)
    reason = "self" if delegate_id == grantor_id else _why_not(rows, scope, now)
    if reason:
        raise _refuse(
            session,
            reason,
            account_id=delegate_id,
            client=client,
            now=now,
            for_account=grantor_id[:32],
            scope=scope,
        )
    return _context(session, rows, now)


def start_acting(
    session: Session,
    token: str,
    delegate_id: str,
    grantor_id: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> ActingContext:
    """Make the (already checked) session ``token`` act for ``grantor_id``.

    Raises:
        DelegationRefused: As :func:`check_delegation`, or ``tampered`` when the session is not
            the delegate's.
    """
    now = now or utcnow()
    row = get_session_row(session, token)
    if row is None or row.account_id != delegate_id:
        raise _refuse(session, "tampered", account_id=delegate_id, client=client, now=now)
    context = check_delegation(session, delegate_id, grantor_id, scope=None, client=client, now=now)
    row.acting_for = grantor_id
    record_audit(
        session,
        "acting.started",
        account_id=delegate_id,
        client=client,
        now=now,
        on_behalf_of=grantor_id,
    )
    return context


def stop_acting(
    session: Session, token: str, *, client: str | None = None, now: datetime | None = None
) -> bool:
    """Stop acting for anyone in session ``token``; ``False`` when it was not acting."""
    row = get_session_row(session, token)
    if row is None or row.acting_for is None:
        return False
    record_audit(
        session,
        "acting.stopped",
        account_id=row.account_id,
        client=client,
        now=now or utcnow(),
        on_behalf_of=row.acting_for,
    )
    row.acting_for = None
    return True


def resolve_acting(
    session: Session,
    token: str | None,
    account_id: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> ActingState:
    """The acting context of a (checked) session, checked against a live delegation.

    When the session acts for someone whose delegation has expired or been revoked since, the
    acting ends here (``acting_for`` is cleared) and ``acting.ended`` is audited with the reason.
    """
    row = get_session_row(session, token)
    if row is None or row.account_id != account_id or row.acting_for is None:
        return ActingState(None)
    now = now or utcnow()
    grantor_id = row.acting_for
    rows = _pair_rows(session, account_id, grantor_id)
    reason = _why_not(rows, None, now)
    if reason is None:
        return ActingState(_context(session, rows, now))
    row.acting_for = None
    record_audit(
        session,
        "acting.ended",
        account_id=account_id,
        client=client,
        now=now,
        on_behalf_of=grantor_id,
        reason=reason,
    )
    return ActingState(None, ended=reason)


def audit_as(
    session: Session,
    acting: ActingContext,
    event: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
    **detail: object,
) -> None:
    """Record ``event`` as done by the delegate for the person ("done by X for Y")."""
    record_audit(
        session,
        event,
        account_id=acting.delegate_id,
        client=client,
        now=now,
        on_behalf_of=acting.grantor_id,
        **detail,
    )


def list_actions_for(
    session: Session, account_id: str, *, limit: int = TRAIL_LIMIT
) -> list[ActionForYou]:
    """What delegates did for ``account_id``, newest first (from the audit log)."""
    rows = list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.on_behalf_of == account_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
    accounts = _names(session, [r.account_id or "" for r in rows])
    return [
        ActionForYou(
            at=as_utc(r.at),
            event=r.event,
            actor_name=accounts[r.account_id].display_name if r.account_id in accounts else "?",
        )
        for r in rows
    ]


def list_live_received(
    session: Session, delegate_id: str, *, now: datetime | None = None
) -> list[DelegationPublic]:
    """The live delegations ``delegate_id`` may act under now (whom they may act for)."""
    _, received = list_delegations(session, delegate_id, now=now)
    return [d for d in received if d.status == "live"]
