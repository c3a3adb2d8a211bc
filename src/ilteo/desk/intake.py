"""Intake: a request is written before its receipt is shown, then triaged; its status is tracked.

:func:`receive` is the only way a request enters: it checks the input, masks the personal data,
seals the original text, writes the :class:`~ilteo.desk.models.Request` with status ``received``
and its first :class:`~ilteo.desk.models.Event`, and flushes - the caller commits, then shows the
receipt (write-ahead: once a tracking number is shown the request exists). :func:`process` runs
the triage (:func:`ilteo.desk.triage.triage`) and moves it to ``classified``; a triage failure is
recorded on the row (``triage_error``) and the request stays ``received`` for
:func:`process_pending` to retry - never lost. :func:`set_status` moves a request along its states
(each change time-stamped with a reason and an actor); :func:`status_of` is what the citizen
sees with the tracking number and their sign-in.

Tracking numbers look like ``2026-1121-K7QX4D``: the Asia/Seoul day and six random Crockford
base-32 characters (about a billion per day; not guessable, and reading one needs the sign-in).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.models import CHANNELS, KINDS, STATUSES, Event, Request

SEOUL: Final = ZoneInfo("Asia/Seoul")
_log = logging.getLogger("ilteo.desk")
#: Purpose under which request texts and contacts are sealed.
SEAL_PURPOSE: Final = "desk.request"
#: The longest request accepted (characters); longer is refused, not cut.
MAX_TEXT: Final = 100_000
#: The longest title.
MAX_TITLE: Final = 200
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
#: Allowed moves between states (``closed`` is final; staff may reopen to ``in_progress``).
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "received": ("classified", "assigned", "closed"),
    "classified": ("assigned", "in_progress", "answered", "closed"),
    "assigned": ("in_progress", "waiting_citizen", "answered", "closed"),
    "in_progress": ("waiting_citizen", "answered", "assigned", "closed"),
    "waiting_citizen": ("in_progress", "answered", "closed"),
    "answered": ("closed", "in_progress"),
    "closed": ("in_progress",),
}


def _utcnow() -> datetime:
    from ilteo.identity.accounts import utcnow

    return utcnow()


def tracking_number(now: datetime) -> str:
    """A new tracking number for a request received at ``now``."""
    day = now.astimezone(SEOUL)
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{day:%Y-%m%d}-{tail}"


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value() if settings.secret_key else ""


def person_key(settings: Settings, account_id: str | None, contact: str | None) -> str | None:
    """A keyed hash naming the person behind a request: the account, else the contact.

    "The same person again" is found by this key (:mod:`ilteo.desk.cases`); the contact itself
    is kept only sealed. Phone numbers and e-mails are normalised first (digits only; lower case).

    >>> s = Settings(env="test", secret_key="k" * 32)
    >>> person_key(s, None, "010-0000-1234") == person_key(s, None, "01000001234")
    True
    >>> person_key(s, None, None) is None
    True
    """
    if account_id:
        subject = f"account:{account_id}"
    elif contact and contact.strip():
        value = contact.strip().lower()
        digits = re.sub(r"\D", "", value)
        subject = (
            f"contact:{digits}" if "@" not in value and len(digits) >= 9 else f"contact:{value}"
        )
    else:
        return None
    digest = hmac.new(_key(settings).encode(), f"desk.person|{subject}".encode(), hashlib.sha256)
    return digest.hexdigest()


@dataclass(frozen=True)
class Receipt:
    """What the person is shown once the request is written (and, when it ran, triaged)."""

    tracking_number: str
    received_at: datetime
    status: str
    kind: str
    status_url: str
    deadline: date | None = None
    deadline_basis: str | None = None
    category: str | None = None
    office_name: str | None = None
    attachments: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-plain receipt."""
        return {
            "tracking_number": self.tracking_number,
            "received_at": self.received_at.isoformat(),
            "status": self.status,
            "kind": self.kind,
            "status_url": self.status_url,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_basis": self.deadline_basis,
            "category": self.category,
            "office_name": self.office_name,
            "attachments": self.attachments,
        }


def _problems(
    body: str,
    *,
    channel: str,
    kind: str,
    title: str,
    account_id: str | None,
    contact: str | None,
    workplace_name: str | None,
    workplace_address: str | None,
    workplace_brn: str | None,
    brn: str | None,
) -> dict[str, str]:
    """Each field's problem, if any (empty when the request may be written)."""
    problems: dict[str, str] = {}
    if not body:
        problems["text"] = "내용을 적어 주세요 / the request is empty"
    elif len(body) > MAX_TEXT:
        problems["text"] = f"{MAX_TEXT:,}자를 넘습니다 / longer than {MAX_TEXT:,} characters"
    elif not any(ch.isalnum() for ch in body):
        problems["text"] = (
            "글자나 숫자로 내용을 적어 주세요 / write the request in words (only symbols or emoji)"
        )
    if channel not in CHANNELS:
        problems["channel"] = f"unknown (known: {', '.join(CHANNELS)})"
    if kind not in KINDS:
        problems["kind"] = f"unknown (known: {', '.join(KINDS)})"
    elif kind == "complaint" and account_id is None:
        problems["kind"] = (
            "사업장에 대한 신고는 로그인이 필요합니다 / a complaint about a workplace needs a "
            "signed-in account"
        )
    if len(title) > MAX_TITLE:
        problems["title"] = f"{MAX_TITLE}자 이내 / at most {MAX_TITLE} characters"
    if workplace_brn and (brn is None or len(brn) != 10):
        problems["workplace_brn"] = "사업자등록번호는 10자리 / a business number has 10 digits"
    if workplace_name and len(workplace_name) > 200:
        problems["workplace_name"] = "200자 이내 / at most 200 characters"
    if workplace_address and len(workplace_address) > 300:
        problems["workplace_address"] = "300자 이내 / at most 300 characters"
    if contact and len(contact) > 200:
        problems["contact"] = "200자 이내 / at most 200 characters"
    return problems


def receive(
    session: Session,
    settings: Settings,
    *,
    text: str,
    channel: str,
    kind: str = "inquiry",
    title: str = "",
    account_id: str | None = None,
    contact: str | None = None,
    workplace_name: str | None = None,
    workplace_address: str | None = None,
    workplace_brn: str | None = None,
    service_code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Write a new request (masked and sealed) and its first event; the caller commits.

    Raises:
        InvalidInputError: Empty or too long text, an unknown channel or kind, a complaint
            without a signed-in account; ``fields`` names each.
    """
    from ilteo.core.crypto import seal
    from ilteo.desk.pii import mask

    body = (text or "").strip()
    brn = re.sub(r"\D", "", workplace_brn or "") or None
    problems = _problems(
        body,
        channel=channel,
        kind=kind,
        title=title,
        account_id=account_id,
        contact=contact,
        workplace_name=workplace_name,
        workplace_address=workplace_address,
        workplace_brn=workplace_brn,
        brn=brn,
    )
    if problems:
        raise InvalidInputError(
            "; ".join(f"{k}: {v}" for k, v in problems.items()), fields=list(problems)
        )
    now = now or _utcnow()
    masked = mask(body)
    key = _key(settings)
    number = tracking_number(now)
    while session.get(Request, number) is not None:  # pragma: no cover - 1 in a billion a day
        number = tracking_number(now)
    contact_masked = None
    if contact:
        contact_masked = mask(contact).text[:64]
    request = Request(
        id=number,
        received_at=now,
        channel=channel,
        kind=kind,
        account_id=account_id,
        service_code=service_code,
        title_masked=mask(title).text[:300] if title else "",
        text_masked=masked.text,
        text_sealed=seal(key, SEAL_PURPOSE, body),
        pii_counts=dict(masked.counts),
        contact_masked=contact_masked,
        contact_sealed=seal(key, SEAL_PURPOSE, contact) if contact else None,
        workplace_name=workplace_name,
        workplace_address=workplace_address,
        workplace_brn=brn,
        # a civic tool's key files for many citizens: there the contact names the person
        person_key=(
            person_key(settings, None, contact) or person_key(settings, account_id, None)
            if channel == "open311"
            else person_key(settings, account_id, contact)
        ),
        latitude=latitude,
        longitude=longitude,
        status="received",
        status_at=now,
        urgent=[],
    )
    session.add(request)
    session.flush()
    session.add(
        Event(
            request_id=number,
            at=now,
            status="received",
            reason=f"{channel} 접수 / received by {channel}",
            actor=f"account:{account_id}" if account_id else "system",
        )
    )
    session.flush()
    return Receipt(number, now, "received", kind, f"/desk/requests/{number}")


def process(
    session: Session, settings: Settings, request_id: str, *, now: datetime | None = None
) -> Request:
    """Triage a received request and move it to ``classified``; a failure is recorded, not raised.

    Raises:
        NotFoundError: Unknown request.
    """
    from ilteo.desk.triage import triage

    request = session.get(Request, request_id)
    if request is None:
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {request_id}")
    if request.status != "received":
        return request
    now = now or _utcnow()
    from ilteo.core.crypto import unseal

    try:
        result = triage(
            settings,
            unseal(_key(settings), SEAL_PURPOSE, request.text_sealed),  # in memory only
            workplace_address=request.workplace_address,
            received_at=request.received_at,
        )
    except Exception as error:  # a model failure must not lose the request
        request.triage_error = f"{type(error).__name__}: {error}"[:300]
        session.flush()
        return request
    request.category = result.category
    request.confidence = result.confidence
    request.candidates = [[c, p] for c, p in result.candidates]
    request.model_version = result.model_version
    request.urgent = list(result.urgent)
    request.route = result.route
    request.office_code = str(result.route.get("office_code") or "") or None
    request.deadline = datetime.fromisoformat(result.deadline["due"]).date()
    request.summary = list(result.summary)
    request.draft = result.suggested_answer
    request.triaged_at = now
    request.triage_error = None
    _move(request, session, "classified", f"자동 분류: {result.category}", "system", now)
    try:  # the same person again, the workplace's case: a failure never fails the triage
        from ilteo.desk.cases import link

        with session.begin_nested():
            link(session, settings, request, now=now)
    except Exception as error:
        _log.exception("desk.link_failed request=%s: %s", request.id, type(error).__name__)
    if request.urgent and request.alerted_at is None:
        request.alerted_at = now  # the supervisors' queue shows it on top until acknowledged
        _log.warning("desk.urgent_alert request=%s flags=%s", request.id, ",".join(request.urgent))
    return request


def process_pending(session: Session, settings: Settings, *, limit: int = 500) -> int:
    """Triage every request still ``received`` (oldest first); how many were classified."""
    ids = list(
        session.scalars(
            select(Request.id)
            .where(Request.status == "received")
            .order_by(Request.received_at)
            .limit(limit)
        )
    )
    done = 0
    for request_id in ids:
        if process(session, settings, request_id).status == "classified":
            done += 1
    return done


def _move(
    request: Request, session: Session, status: str, reason: str, actor: str, now: datetime
) -> None:
    request.status = status
    request.status_at = now
    session.add(Event(request_id=request.id, at=now, status=status, reason=reason, actor=actor))
    session.flush()


def set_status(
    session: Session,
    request_id: str,
    status: str,
    *,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> Request:
    """Move a request to ``status`` with a reason.

    Raises:
        NotFoundError: Unknown request.
        InvalidInputError: An unknown state, a move the process does not allow, or no reason.
    """
    request = session.get(Request, request_id)
    if request is None:
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {request_id}")
    if status not in STATUSES:
        raise InvalidInputError(
            f"status: unknown (known: {', '.join(STATUSES)})", fields=["status"]
        )
    if status not in TRANSITIONS[request.status]:
        raise InvalidInputError(
            f"status: {request.status} → {status} 불가 / not allowed "
            f"(from {request.status}: {', '.join(TRANSITIONS[request.status])})",
            fields=["status"],
        )
    if len(reason.strip()) < 2:
        raise InvalidInputError("reason: 사유를 적어 주세요 / give a reason", fields=["reason"])
    _move(request, session, status, reason.strip()[:300], actor, now or _utcnow())
    return request


def history(session: Session, request_id: str) -> list[Event]:
    """The request's status changes, oldest first."""
    return list(
        session.scalars(
            select(Event).where(Event.request_id == request_id).order_by(Event.at, Event.id)
        )
    )


def status_of(session: Session, request_id: str, account_id: str | None) -> dict[str, Any]:
    """What the person sees: state, deadline, office and the time-stamped history.

    A request filed with a sign-in is shown only to that account; one filed without (an
    inquiry) to anyone holding its tracking number.

    Raises:
        NotFoundError: Unknown, or another account's (the same answer).
    """
    from ilteo.identity.accounts import as_utc

    request = session.get(Request, request_id)
    if request is None or (request.account_id is not None and request.account_id != account_id):
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {request_id}")
    route = request.route or {}
    return {
        "tracking_number": request.id,
        "kind": request.kind,
        "received_at": as_utc(request.received_at).isoformat(),
        "status": request.status,
        "status_at": as_utc(request.status_at).isoformat(),
        "category": request.category,
        "office_name": route.get("office_name"),
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "answer": request.answer_text if request.status in {"answered", "closed"} else None,
        "history": [
            {"at": as_utc(e.at).isoformat(), "status": e.status, "reason": e.reason}
            for e in history(session, request.id)
        ],
    }


def submit(
    settings: Settings,
    *,
    text: str,
    channel: str,
    kind: str = "inquiry",
    title: str = "",
    account_id: str | None = None,
    contact: str | None = None,
    workplace_name: str | None = None,
    workplace_address: str | None = None,
    workplace_brn: str | None = None,
    service_code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
    now: datetime | None = None,
) -> Receipt:
    """Every door's way in: check, write and commit (the receipt exists), then triage and commit.

    The files are checked before anything is written (:func:`ilteo.desk.attachments.check_all`);
    the request, its first event and its attachments are committed together; then the triage
    runs in a second transaction. When the triage fails the receipt still stands (status
    ``received``, the general deadline of the law on civil petitions) and
    :func:`process_pending` retries it.

    Raises:
        InvalidInputError: The first problems found, naming the fields (nothing is written).
    """
    from ilteo.core.db import session_scope
    from ilteo.desk import attachments as files
    from ilteo.desk.deadlines import deadline as deadline_of
    from ilteo.desk.taxonomy import CATEGORIES

    checked = files.check_all(list(attachments))
    with session_scope(settings) as session:
        receipt = receive(
            session,
            settings,
            text=text,
            channel=channel,
            kind=kind,
            title=title,
            account_id=account_id,
            contact=contact,
            workplace_name=workplace_name,
            workplace_address=workplace_address,
            workplace_brn=workplace_brn,
            service_code=service_code if service_code in CATEGORIES else None,
            latitude=latitude,
            longitude=longitude,
            now=now,
        )
        for file in checked:
            files.store(session, settings, receipt.tracking_number, file, receipt.received_at)
    with session_scope(settings) as session:
        request = process(session, settings, receipt.tracking_number, now=now)
        due = request.deadline
        if due is None:
            general = deadline_of("other", request.received_at)
            due, basis = general.due, general.basis_ko
        else:
            basis = deadline_of(request.category or "other", request.received_at).basis_ko
        route = request.route or {}
        return Receipt(
            receipt.tracking_number,
            receipt.received_at,
            request.status,
            request.kind,
            receipt.status_url,
            deadline=due,
            deadline_basis=basis,
            category=request.category,
            office_name=route.get("office_name"),
            attachments=len(checked),
        )
