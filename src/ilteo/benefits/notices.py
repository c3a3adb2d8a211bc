"""Notices: what the proactive scan found, offered to each person in plain words, and delivered.

:func:`write_notices` turns the scan's findings (:attr:`ilteo.benefits.scan.ScanResult.findings`,
one row per person and rule) into one :class:`~ilteo.benefits.models.Notice` each - once: a person
found again by the same rule for the same key (the separation day, the outreach month) keeps the
notice they have. Each notice says, in plain Korean (and English), **why** the person can receive
it, **how much**, **what next** (with the deadline the law sets), the **legal basis** (articles on
law.go.kr), and carries the one-click "apply" (:mod:`ilteo.benefits.applications`).

Every notice is in the person's portal inbox (``/benefits/notices``). The other channels - SMS,
e-mail, 알림톡 - are adapters (:data:`SENDERS`) named by the ``notice_channels`` setting; the
built-in development adapter writes each message to the ``benefit_deliveries`` outbox, recipient
masked and sealed, text sealed (:func:`ilteo.core.crypto.seal`), as the sign-in codes' outbox does.
A production gateway plugs in as one more adapter. A message never carries the amount or the
reason - only that there is a notice and where to read it (a text message is not a safe place).

Staff see the same notices as outreach lists (:func:`outreach`: filters, counts, CSV export) and
the outbox (:func:`outbox`).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from ilteo.benefits.models import CHANNELS, NOTICE_STATUSES, Delivery, Notice
from ilteo.benefits.rules import RULES
from ilteo.core.errors import ConfigurationError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings

#: Purpose under which the outbox seals recipients and texts.
SEAL_PURPOSE: Final = "benefits.outbox"
#: Where a person reads their notices (the portal inbox).
INBOX_PATH: Final = "/benefits/notices"
#: 상실사유 code → the words a notice uses.
REASON_WORDS: Final[dict[str, tuple[str, str]]] = {
    "11": ("개인 사정으로 인한 자진 퇴사", "a voluntary quit for personal reasons"),
    "12": ("정당한 사유가 있는 자진 퇴사", "a voluntary quit for a justified reason"),
    "22": ("폐업·도산", "the business closing"),
    "23": ("경영상 필요에 의한 해고·권고사직", "a dismissal for business reasons"),
    "26": ("근로자의 귀책사유에 의한 해고", "a dismissal for misconduct"),
    "31": ("정년 퇴직", "retirement at the retirement age"),
    "32": ("계약기간 만료·공사 종료", "the end of a fixed-term contract"),
}
#: Columns of the outreach CSV export (no names, no contact details).
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "notice_id",
    "master_id",
    "rule",
    "programme",
    "sido",
    "age",
    "amount_krw",
    "status",
    "as_of",
    "created_at",
)


def _new_id() -> str:
    return "N" + secrets.token_hex(8).upper()


def _utcnow() -> datetime:
    from ilteo.identity.accounts import utcnow

    return utcnow()


def _won(value: int | None) -> str:
    return f"{value:,}원" if value is not None else "-"


def _day_ko(day: date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class NoticeText:
    """The words of one notice in one language."""

    title: str
    why: str
    how_much: str
    what_next: str


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def notice_texts(row: Mapping[str, Any]) -> tuple[NoticeText, NoticeText]:
    """The Korean and English words of a finding (a row of ``ScanResult.findings``).

    Raises:
        InvalidInputError: A row of a rule this version does not know.
    """
    rule = str(row["rule"])
    amount = row.get("amount_krw")
    if rule == "job_seeking_not_claimed":
        separated = _as_date(row.get("separation_date"))
        if separated is None:
            raise InvalidInputError("separation_date: 이직일이 없습니다 / missing")
        deadline = _plus_months(separated + timedelta(days=1), 12) - timedelta(days=1)
        reason_ko, reason_en = REASON_WORDS.get(
            str(row.get("loss_reason_code")), ("이직", "leaving")
        )
        daily, days = row.get("daily_amount_krw"), row.get("benefit_days")
        ko = NoticeText(
            title="구직급여(실업급여)를 받으실 수 있습니다",
            why=(
                f"고용보험 기록에 {_day_ko(separated)} {reason_ko}(으)로 일을 그만두신 것으로 "
                "되어 있습니다. 그만두기 전 18개월 동안 고용보험 가입 기간(피보험단위기간)이 "
                "180일 이상이고, 그만둔 사유가 받을 자격을 막지 않는 사유여서 구직급여를 "
                "받으실 수 있는 것으로 보입니다. 아직 신청하신 기록은 없습니다."
            ),
            how_much=(
                f"하루 {_won(daily)}씩 {days}일, 모두 {_won(amount)}을 받으실 수 있습니다. "
                "처음 7일은 대기기간이라 지급되지 않습니다. 실제 금액은 고용센터가 임금 기록을 "
                "확인해 정합니다."
            ),
            what_next=(
                f"{_day_ko(deadline)}이 지나면 남은 날수가 있어도 받을 수 없으니 그 전에 "
                "신청하세요. '신청하기'를 누르고 동의하시면 이직확인서와 임금 기록은 고용보험에서 "
                "바로 확인하므로 서류를 내지 않으셔도 됩니다. 신청 뒤 고용센터가 실업 인정 "
                "일정을 알려 드립니다. 일할 수 있고 일자리를 찾고 계셔야 받을 수 있습니다."
            ),
        )
        en = NoticeText(
            title="You can receive the job-seeking allowance",
            why=(
                f"Employment-insurance records show you left work on {separated.isoformat()} "
                f"after {reason_en}. You were insured for at least 180 days in the 18 months "
                "before, and the reason does not bar the allowance. You have not claimed it yet."
            ),
            how_much=(
                f"{daily:,} won a day for {days} days, {amount:,} won in all; the first 7 days "
                "are a waiting period. The job centre sets the final amount from your wage "
                "records."
                if isinstance(daily, int) and isinstance(amount, int)
                else "The job centre sets the amount from your wage records."
            ),
            what_next=(
                f"Apply before {deadline.isoformat()}: after that day nothing is paid. Press "
                "'Apply' and consent: your separation certificate and wage records are read from "
                "employment insurance, no paper needed. The job centre then sets your "
                "unemployment-recognition days. You must be able to work and looking for work."
            ),
        )
        return ko, en
    if rule == "training_card_high_risk":
        ko = NoticeText(
            title="국민내일배움카드로 훈련비를 지원받으실 수 있습니다",
            why=(
                "지금 하시는 일과 비슷한 일자리들이 인공지능·자동화의 영향을 많이 받는 것으로 "
                "나타나, 새 기술을 배우시도록 미리 알려 드립니다. 재직 중이어도 국민내일배움카드를 "
                "발급받아 훈련비를 지원받으실 수 있는 것으로 보입니다."
            ),
            how_much=(
                f"5년 동안 훈련비 {_won(amount)}까지 지원됩니다(과정에 따라 본인 부담이 "
                "일부 있습니다)."
            ),
            what_next=(
                "'신청하기'를 누르고 동의하시면 고용보험 가입 이력을 바로 확인해 카드 발급을 "
                "신청합니다. 카드가 나오면 고용24에서 훈련 과정을 고르실 수 있고, '다음 "
                "일자리·훈련' 화면에서 맞는 과정을 추천받으실 수 있습니다."
            ),
        )
        en = NoticeText(
            title="You can get training paid with the national training card",
            why=(
                "Jobs like yours are among the most exposed to AI and automation, so we are "
                "telling you early: while employed you can get the training card."
            ),
            how_much=(
                f"Up to {amount:,} won of training over five years (some courses ask a share)."
                if isinstance(amount, int)
                else "Training costs up to the card's limit over five years."
            ),
            what_next=(
                "Press 'Apply' and consent: your insurance history is read directly and the card "
                "is requested. Then choose a course on 고용24 or see the courses suggested on "
                "the 'Next job and training' page."
            ),
        )
        return ko, en
    if rule == "employment_support_youth":
        separated = _as_date(row.get("separation_date"))
        when_ko = f"{_day_ko(separated)}에 " if separated else ""
        ko = NoticeText(
            title="국민취업지원제도(II유형) 취업 지원을 받으실 수 있습니다",
            why=(
                f"{when_ko}일을 그만두신 기록이 있고 구직급여는 받으실 수 없는 것으로 보입니다. "
                "청년은 소득과 관계없이 국민취업지원제도 II유형으로 취업 상담, 훈련, 일자리 "
                "소개와 참여수당을 받으실 수 있습니다."
            ),
            how_much=(
                f"취업활동계획을 세우면 참여수당 등 모두 {_won(amount)}까지 받으실 수 있습니다."
                if amount is not None
                else "참여수당은 참여 단계에 따라 지급됩니다."
            ),
            what_next=(
                "'신청하기'를 누르고 동의하시면 고용보험 이력을 바로 확인해 신청합니다. 고용센터 "
                "상담사가 연락드려 첫 상담 날짜를 정합니다."
            ),
        )
        en = NoticeText(
            title="You can join the National Employment Support Programme (type II)",
            why=(
                "Records show you left work and cannot receive the job-seeking allowance. Young "
                "people can join type II whatever their income: counselling, training, job "
                "offers and participation allowances."
            ),
            how_much=(
                f"Up to {amount:,} won of participation allowances once you have a job-search plan."
                if isinstance(amount, int)
                else "Allowances are paid by stage of participation."
            ),
            what_next=(
                "Press 'Apply' and consent: your insurance history is read directly. A job-centre "
                "counsellor then calls you to set the first meeting."
            ),
        )
        return ko, en
    raise InvalidInputError(f"알 수 없는 규칙 / unknown rule: {rule!r}")


def _references(programme: str) -> list[dict[str, str]]:
    from ilteo.benefits.programmes import programmes

    for p in programmes():
        if p.id == programme:
            return [r.to_json() for r in p.references]
    return []


def programme_label(programme: str, lang: str = "ko") -> str:
    """The programme's official name (Korean) or its English name."""
    from ilteo.benefits.programmes import programmes

    for p in programmes():
        if p.id == programme:
            return p.label_ko if lang == "ko" else p.label_en
    return programme


# --- channels ---------------------------------------------------------------------------------


class NoticeSender(Protocol):
    """Delivers the short message that a notice waits in the portal inbox."""

    def send(self, delivery: Delivery, recipient: str, text: str) -> None:
        """Send ``text`` to ``recipient`` and record the outcome on ``delivery``."""


class OutboxNoticeSender:
    """The development adapter: the message is kept in the outbox, sealed (status ``written``)."""

    def __init__(self, key: str) -> None:
        """Seal under ``key`` (the secret key)."""
        self._key = key

    def send(self, delivery: Delivery, recipient: str, text: str) -> None:
        """Store the message sealed and the recipient sealed and masked."""
        from ilteo.core.crypto import seal

        delivery.recipient_masked = mask_recipient(delivery.channel, recipient)
        delivery.recipient_sealed = seal(self._key, SEAL_PURPOSE, recipient)
        delivery.text_sealed = seal(self._key, SEAL_PURPOSE, text)
        delivery.status = "written"
        delivery.detail = "개발용 발송함에 기록 / written to the development outbox"


#: Sender adapters by the name the ``notice_sender`` setting uses.
SENDERS: dict[str, Callable[[str], NoticeSender]] = {"outbox": OutboxNoticeSender}


def mask_recipient(channel: str, recipient: str) -> str:
    """A recipient's display form: the middle of a number, most of an e-mail's name hidden.

    >>> mask_recipient("sms", "01012345678"), mask_recipient("email", "hong@example.kr")
    ('010-****-5678', 'h***@example.kr')
    """
    if channel == "email":
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    from ilteo.identity.phone import mask_number

    return mask_number(recipient)


def configured_channels(settings: Settings) -> tuple[str, ...]:
    """The channels besides the portal that the ``notice_channels`` setting names.

    Raises:
        ConfigurationError: An unknown channel name.
    """
    names = tuple(c.strip() for c in settings.notice_channels.split(",") if c.strip())
    unknown = [c for c in names if c not in CHANNELS]
    if unknown:
        raise ConfigurationError(
            f"ILTEO_NOTICE_CHANNELS: 알 수 없는 채널 / unknown channel(s) {', '.join(unknown)} "
            f"(known: {', '.join(CHANNELS)})"
        )
    return tuple(c for c in names if c != "portal")


def _message(channel: str, title: str) -> str:
    body = f"[고용노동부] {title}. 자세한 내용은 고용노동 포털 '나에게 온 안내'({INBOX_PATH})에서"
    if channel == "alimtalk":
        return f"{body} 확인하세요. 금액과 사유는 로그인 후에만 보입니다."
    if channel == "email":
        return f"{body} 확인하세요.\n이 메일에는 개인 정보가 없습니다. 로그인 후 확인하세요."
    return f"{body} 확인하세요."


def _contacts(settings: Settings, master_ids: list[str]) -> dict[str, str]:
    """Mobile numbers of master persons in the lake (only 010 numbers receive texts)."""
    if not master_ids:
        return {}
    from ilteo.lake.engine import connect

    con = connect(settings)
    try:
        tables = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        if "master_persons" not in tables:
            return {}
        rows = con.execute(
            "SELECT master_id, phone FROM master_persons "
            "WHERE list_contains(?, master_id) AND phone LIKE '010%'",
            [master_ids],
        ).fetchall()
    finally:
        con.close()
    return {str(m): str(p) for m, p in rows if p}


def _emails(session: Session, master_ids: list[str]) -> dict[str, str]:
    from ilteo.identity.models import Account

    found: dict[str, str] = {}
    for start in range(0, len(master_ids), 500):
        chunk = master_ids[start : start + 500]
        rows = session.execute(
            select(Account.master_person_id, Account.email).where(
                Account.master_person_id.in_(chunk), Account.email.is_not(None)
            )
        )
        for master, email in rows:
            if master and email:
                found[str(master)] = str(email)
    return found


@dataclass(frozen=True)
class NoticeWrite:
    """What :func:`write_notices` did."""

    created: int
    existing: int
    deliveries: dict[str, dict[str, int]] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-plain counts."""
        return {
            "created": self.created,
            "existing": self.existing,
            "deliveries": self.deliveries,
            "by_rule": self.by_rule,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def write_notices(
    session: Session,
    settings: Settings,
    result: Any,
    *,
    channels: Sequence[str] | None = None,
    now: datetime | None = None,
) -> NoticeWrite:
    """Turn the scan's findings into notices and deliver the new ones.

    Args:
        session: The operational store's session (the caller commits).
        settings: For the lake (mobile numbers), the secret key and the channels.
        result: A :class:`ilteo.benefits.scan.ScanResult` (its ``findings``).
        channels: Channels besides the portal (default: the ``notice_channels`` setting).
        now: The time of writing (tests).

    Returns:
        Counts: notices created, found again (kept as they were), deliveries by channel and
        status, new notices by rule.

    Raises:
        ConfigurationError: An unknown channel or sender.
    """
    now = now or _utcnow()
    chosen = configured_channels(settings) if channels is None else tuple(channels)
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown:
        raise ConfigurationError(f"알 수 없는 채널 / unknown channel(s): {', '.join(unknown)}")
    chosen = tuple(c for c in chosen if c != "portal")
    findings = getattr(result, "findings", None)
    if findings is None or findings.height == 0:
        return NoticeWrite(0, 0, {}, {})
    rows = list(findings.iter_rows(named=True))
    masters = sorted({str(r["master_id"]) for r in rows})
    have: set[tuple[str, str, str]] = set()
    for start in range(0, len(masters), 500):
        chunk = masters[start : start + 500]
        have.update(
            (str(m), str(r), str(k))
            for m, r, k in session.execute(
                select(Notice.master_person_id, Notice.rule, Notice.key).where(
                    Notice.master_person_id.in_(chunk)
                )
            )
        )
    new_rows = [r for r in rows if (str(r["master_id"]), str(r["rule"]), str(r["key"])) not in have]
    seen: set[tuple[str, str, str]] = set()
    notices: list[Notice] = []
    by_rule: dict[str, int] = {}
    for row in new_rows:
        ident = (str(row["master_id"]), str(row["rule"]), str(row["key"]))
        if ident in seen:
            continue
        seen.add(ident)
        ko, en = notice_texts(row)
        rule = RULES.get(str(row["rule"]))
        programme = rule.programme if rule else str(row["programme"])
        details = {
            k: _plain(row.get(k))
            for k in (
                "daily_amount_krw",
                "benefit_days",
                "separation_date",
                "loss_reason_code",
                "ksco",
                "days_since_separation",
                "reasons",
            )
            if row.get(k) is not None
        }
        amount = row.get("amount_krw")
        age = row.get("age")
        notice = Notice(
            id=_new_id(),
            master_person_id=ident[0],
            rule=ident[1],
            programme=programme,
            key=ident[2],
            as_of=result.as_of,
            created_at=now,
            status="new",
            amount_krw=int(amount) if amount is not None else None,
            sido=str(row["sido"]) if row.get("sido") else None,
            age=int(age) if age is not None else None,
            details=details,
            title_ko=ko.title,
            body_ko={"why": ko.why, "how_much": ko.how_much, "what_next": ko.what_next},
            title_en=en.title,
            body_en={"why": en.why, "how_much": en.how_much, "what_next": en.what_next},
            references=_references(programme),
        )
        notices.append(notice)
        by_rule[ident[1]] = by_rule.get(ident[1], 0) + 1
    session.add_all(notices)
    session.flush()
    deliveries = _deliver(session, settings, notices, chosen, now)
    return NoticeWrite(
        created=len(notices),
        existing=len(rows) - len(new_rows),
        deliveries=deliveries,
        by_rule=by_rule,
    )


def _deliver(
    session: Session,
    settings: Settings,
    notices: list[Notice],
    channels: Sequence[str],
    now: datetime,
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}

    def count(channel: str, status: str) -> None:
        counts.setdefault(channel, {})
        counts[channel][status] = counts[channel].get(status, 0) + 1

    masters = sorted({n.master_person_id for n in notices})
    phones = _contacts(settings, masters) if {"sms", "alimtalk"} & set(channels) else {}
    emails = _emails(session, masters) if "email" in channels else {}
    factory = SENDERS.get(settings.notice_sender)
    if factory is None:
        raise ConfigurationError(f"ILTEO_NOTICE_SENDER={settings.notice_sender!r}: unknown")
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    sender = factory(secret)
    rows: list[Delivery] = []
    for notice in notices:
        rows.append(
            Delivery(
                notice_id=notice.id,
                channel="portal",
                status="delivered",
                created_at=now,
                detail="포털 알림함 / portal inbox",
            )
        )
        count("portal", "delivered")
        for channel in channels:
            address = (emails if channel == "email" else phones).get(notice.master_person_id)
            delivery = Delivery(notice_id=notice.id, channel=channel, status="skipped",
                                created_at=now, detail="")  # fmt: skip
            if not address:
                delivery.detail = "연락처 없음 / no address on record"
            else:
                try:
                    sender.send(delivery, address, _message(channel, notice.title_ko))
                except Exception as exc:  # a gateway's failure is recorded, not fatal
                    delivery.status = "failed"
                    delivery.detail = str(exc)[:200]
            rows.append(delivery)
            count(channel, delivery.status)
    session.add_all(rows)
    session.flush()
    return counts


# --- the person's inbox ---------------------------------------------------------------------


def inbox(session: Session, master_person_id: str) -> list[Notice]:
    """The person's notices, newest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.master_person_id == master_person_id)
            .order_by(Notice.created_at.desc(), Notice.id)
        )
    )


def notice_of(session: Session, notice_id: str, master_person_id: str | None) -> Notice:
    """One notice; with ``master_person_id``, only if it is that person's.

    Raises:
        NotFoundError: Unknown, or another person's (the same answer: no existence leak).
    """
    notice = session.get(Notice, notice_id)
    if notice is None or (
        master_person_id is not None and notice.master_person_id != master_person_id
    ):
        raise NotFoundError(f"안내를 찾을 수 없습니다 / no such notice: {notice_id}")
    return notice


def open_notice(session: Session, notice: Notice, *, now: datetime | None = None) -> None:
    """Mark a new notice read (the person opened it)."""
    if notice.status == "new":
        notice.status = "read"
        notice.read_at = now or _utcnow()
        session.flush()


def notice_json(notice: Notice, lang: str = "ko") -> dict[str, Any]:
    """A notice as JSON-plain data in ``lang`` (``ko`` or ``en``)."""
    from ilteo.identity.accounts import as_utc

    body = notice.body_ko if lang == "ko" else notice.body_en
    rule = RULES.get(notice.rule)
    return {
        "id": notice.id,
        "rule": notice.rule,
        "rule_label": (rule.label_ko if lang == "ko" else rule.label_en) if rule else notice.rule,
        "programme": notice.programme,
        "programme_label": programme_label(notice.programme, lang),
        "status": notice.status,
        "as_of": notice.as_of.isoformat(),
        "created_at": as_utc(notice.created_at).isoformat(),
        "amount_krw": notice.amount_krw,
        "title": notice.title_ko if lang == "ko" else notice.title_en,
        "why": body.get("why", ""),
        "how_much": body.get("how_much", ""),
        "what_next": body.get("what_next", ""),
        "legal_basis": list(notice.references),
        "apply_url": f"{INBOX_PATH}/{notice.id}/apply",
        "details": dict(notice.details),
    }


# --- staff: outreach lists and the outbox ----------------------------------------------------


@dataclass(frozen=True)
class OutreachFilters:
    """Filters of an outreach list; ``None`` is no filter."""

    rule: str | None = None
    programme: str | None = None
    sido: str | None = None
    status: str | None = None
    age_min: int | None = None
    age_max: int | None = None

    def check(self) -> OutreachFilters:
        """Refuse unknown values, naming the field.

        Raises:
            InvalidInputError: With ``fields`` naming the bad filter.
        """
        from ilteo.lake.codes import SIDO_NAMES

        bad: dict[str, str] = {}
        if self.rule is not None and self.rule not in RULES:
            bad["rule"] = f"알 수 없는 규칙 / unknown rule (known: {', '.join(RULES)})"
        programmes = {r.programme for r in RULES.values()}
        if self.programme is not None and self.programme not in programmes:
            bad["programme"] = f"unknown programme (known: {', '.join(sorted(programmes))})"
        if self.sido is not None and self.sido not in SIDO_NAMES:
            bad["sido"] = "알 수 없는 시도 코드 / unknown 시도 code (two digits, e.g. 11)"
        if self.status is not None and self.status not in NOTICE_STATUSES:
            bad["status"] = f"unknown status (known: {', '.join(NOTICE_STATUSES)})"
        for name in ("age_min", "age_max"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 120:
                bad[name] = "나이는 0-120 / age 0-120"
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            bad["age_max"] = "최대 나이가 최소보다 작습니다 / age_max below age_min"
        if bad:
            raise InvalidInputError(
                "; ".join(f"{k}: {v}" for k, v in bad.items()), fields=list(bad)
            )
        return self

    def where(self) -> ColumnElement[bool]:
        """The SQL condition of the filters."""
        conditions: list[ColumnElement[bool]] = []
        if self.rule is not None:
            conditions.append(Notice.rule == self.rule)
        if self.programme is not None:
            conditions.append(Notice.programme == self.programme)
        if self.sido is not None:
            conditions.append(Notice.sido == self.sido)
        if self.status is not None:
            conditions.append(Notice.status == self.status)
        if self.age_min is not None:
            conditions.append(Notice.age >= self.age_min)
        if self.age_max is not None:
            conditions.append(Notice.age <= self.age_max)
        return and_(True, *conditions)


@dataclass(frozen=True)
class OutreachPage:
    """One page of an outreach list and the counts of the whole filter."""

    rows: list[Notice]
    total: int
    page: int
    per_page: int
    counts: dict[str, Any]


def outreach(
    session: Session, filters: OutreachFilters, *, page: int = 1, per_page: int = 50
) -> OutreachPage:
    """The notices matching ``filters`` (largest amount first) and their counts.

    Raises:
        InvalidInputError: A bad filter or page.
    """
    filters.check()
    if page < 1 or not 1 <= per_page <= 500:
        raise InvalidInputError("page >= 1, per_page 1-500")
    where = filters.where()

    def grouped(column: Any) -> dict[str, int]:
        rows = session.execute(select(column, func.count()).where(where).group_by(column))
        return {str(k) if k is not None else "": int(n) for k, n in rows}

    total = int(session.scalar(select(func.count()).select_from(Notice).where(where)) or 0)
    amount = int(session.scalar(select(func.sum(Notice.amount_krw)).where(where)) or 0)
    rows = list(
        session.scalars(
            select(Notice)
            .where(where)
            .order_by(Notice.amount_krw.desc().nulls_last(), Notice.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    counts = {
        "by_rule": grouped(Notice.rule),
        "by_status": grouped(Notice.status),
        "by_sido": grouped(Notice.sido),
        "amount_krw": amount,
    }
    return OutreachPage(rows, total, page, per_page, counts)


def outreach_row(notice: Notice) -> dict[str, Any]:
    """A notice as a row of an outreach list: no name, no contact, no text."""
    from ilteo.identity.accounts import as_utc

    return {
        "notice_id": notice.id,
        "master_id": notice.master_person_id,
        "rule": notice.rule,
        "programme": notice.programme,
        "sido": notice.sido,
        "age": notice.age,
        "amount_krw": notice.amount_krw,
        "status": notice.status,
        "as_of": notice.as_of.isoformat(),
        "created_at": as_utc(notice.created_at).isoformat(),
    }


def outreach_csv(session: Session, filters: OutreachFilters) -> Iterator[str]:
    """The whole outreach list as CSV lines (header first), streamed in pages of 1,000."""
    filters.check()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    last = ""
    where = filters.where()
    while True:
        rows = list(
            session.scalars(
                select(Notice).where(where, Notice.id > last).order_by(Notice.id).limit(1000)
            )
        )
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for notice in rows:
            item = outreach_row(notice)
            writer.writerow(["" if item[c] is None else item[c] for c in CSV_COLUMNS])
        yield buffer.getvalue()
        last = rows[-1].id


@dataclass(frozen=True)
class OutboxEntry:
    """One delivery as staff see it: recipient masked, text unsealed."""

    id: int
    created_at: datetime
    notice_id: str
    channel: str
    status: str
    recipient: str
    text: str
    detail: str


def outbox(
    session: Session, *, key: str, channel: str | None = None, limit: int = 50
) -> list[OutboxEntry]:
    """The newest deliveries (of ``channel``), texts unsealed with ``key``, newest first.

    Raises:
        InvalidInputError: An unknown channel.
    """
    from ilteo.core.crypto import SealedValueError, unseal
    from ilteo.identity.accounts import as_utc

    if channel is not None and channel not in CHANNELS:
        raise InvalidInputError(f"channel: unknown (known: {', '.join(CHANNELS)})")
    query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc())
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    entries = []
    for row in session.scalars(query.limit(max(1, min(limit, 1000)))):
        text = ""
        if row.text_sealed:
            try:
                text = unseal(key, SEAL_PURPOSE, row.text_sealed)
            except SealedValueError:
                text = ""
        entries.append(
            OutboxEntry(
                row.id,
                as_utc(row.created_at),
                row.notice_id,
                row.channel,
                row.status,
                row.recipient_masked or "",
                text,
                row.detail,
            )
        )
    return entries


def delivery_counts(session: Session) -> dict[str, dict[str, int]]:
    """Deliveries by channel and status."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(
            Delivery.channel, Delivery.status
        )
    )
    for channel, status, n in rows:
        counts.setdefault(str(channel), {})[str(status)] = int(n)
    return counts
