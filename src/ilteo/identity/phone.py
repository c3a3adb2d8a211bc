"""Sign-in codes by text message or voice call, for people with a basic phone or only a landline.

Design choices:

* **Numbers.** Korean numbers are normalised to national digits (``+82 10-…`` → ``010…``) and
  their kind follows from the prefix: ``01x`` is a mobile (text or voice), everything else a
  landline (voice only; ``02``, ``031`` … ``064``, ``070``). A number is kept sealed
  (:func:`ilteo.core.crypto.seal`, purpose :data:`SEAL_PURPOSE`) with a masked display form; it
  signs in only after a code sent to it was typed back (``verify``). Adding, verifying and
  removing are audited with the masked form, never the number.
* **Codes.** Six digits, kept only as an HMAC-SHA256 under the secret key bound to the challenge
  and its purpose (``verify`` or ``sign_in``), so a code made to verify a number cannot sign in.
  A code lives :data:`CODE_VALID_FOR`, works once (marked used by a conditional update, so two
  racing requests cannot both pass) and dies after :data:`MAX_TRIES` wrong tries. At most
  :data:`SEND_LIMIT` codes go to one account per :data:`SEND_WINDOW`: calls and texts cost money
  and wake people up.
* **Voice.** A call reads the digits one by one in Sino-Korean (``일, 이, 삼``; zero is ``공``
  as on the telephone) and says them twice, for people who need to find a pen.
* **No enumeration.** :func:`start_phone_sign_in` answers with a challenge id whatever happens;
  when no code is sent (unknown login, no verified number, locked, rate-limited) the id is a
  decoy that matches no row, the same HMAC and sealing work is done, and only the audit log
  says why. The second step then refuses like a wrong code.
* **One sign-in policy.** Refusals and successes go through :mod:`ilteo.identity.signin`
  (``_refuse``/``_succeed`` with ``method="phone"``, the account lockout and client throttle).
* **Senders.** Messages leave through a :class:`ilteo.identity.senders.Sender`, chosen by the
  ``phone_sender`` setting; the development sender writes to the outbox table.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ilteo.core.errors import IlteoError, InvalidInputError, NotFoundError
from ilteo.identity.accounts import as_utc, get_account, record_audit, utcnow
from ilteo.identity.models import Account
from ilteo.identity.phone_models import PhoneChallenge, PhoneNumber
from ilteo.identity.signin import (
    SignInResult,
    _account_failed,
    _account_locked,
    _client_blocked,
    _refuse,
    _succeed,
)

if TYPE_CHECKING:
    from ilteo.identity.senders import Sender

Channel = Literal["sms", "voice"]
Kind = Literal["mobile", "landline"]
Purpose = Literal["verify", "sign_in"]

#: Purpose under which numbers are sealed at rest.
SEAL_PURPOSE = "identity.phone"
CHANNELS: tuple[str, ...] = ("sms", "voice")
CODE_DIGITS = 6
CODE_VALID_FOR = timedelta(minutes=5)
MAX_TRIES = 5
SEND_LIMIT = 3
SEND_WINDOW = timedelta(minutes=15)
#: Numbers one account may hold.
MAX_NUMBERS = 5

#: Area codes of the provinces (three digits; Seoul's ``02`` is matched apart) and ``070``.
_AREA_CODES = frozenset(
    {"031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055"}
    | {"061", "062", "063", "064", "070"}
)
_SPOKEN = dict(
    zip("0123456789", ("공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"), strict=True)
)
_PURPOSE_WORDS = {"verify": "전화번호 확인", "sign_in": "로그인"}


class PhoneRateLimitedError(IlteoError):
    """Too many codes were sent to one account within :data:`SEND_WINDOW`."""

    code = "rate-limited"
    status = 429
    title_ko = "요청이 너무 많습니다"
    title_en = "Too many requests"


@dataclass(frozen=True)
class PhonePublic:
    """What may be shown about a number: its kind and masked form, never the number."""

    id: str
    kind: Kind
    masked: str
    verified: bool
    created_at: datetime


@dataclass(frozen=True)
class SentCode:
    """A code on its way: which challenge to answer, how and to which (masked) number."""

    challenge_id: str
    phone_id: str
    channel: Channel
    masked: str
    expires_at: datetime


def normalise_number(text: str) -> tuple[str, Kind]:
    """A Korean number as national digits with its kind.

    Raises:
        InvalidInputError: When the text is not a Korean mobile or landline number.

    >>> normalise_number("010-1234-5678"), normalise_number("+82 2 123 4567")
    (('01012345678', 'mobile'), ('021234567', 'landline'))
    >>> normalise_number("(031) 123-4567")
    ('0311234567', 'landline')
    """
    digits = re.sub(r"[\s\-.()]", "", text.strip())
    if digits.startswith("+82"):
        digits = "0" + digits[3:].removeprefix("0")
    elif digits.startswith("0082"):
        digits = "0" + digits[4:].removeprefix("0")
    if digits.isdigit():
        if re.fullmatch(r"010\d{8}|01[16789]\d{7,8}", digits):
            return digits, "mobile"
        if re.fullmatch(r"02\d{7,8}", digits):
            return digits, "landline"
        if digits[:3] in _AREA_CODES and len(digits) in (10, 11):
            return digits, "landline"
    raise InvalidInputError(
        "한국 휴대전화 또는 유선전화 번호가 아닙니다 / not a Korean mobile or landline number",
        reason="not_korean",
    )


def _groups(digits: str) -> tuple[str, str, str]:
    head = 2 if digits.startswith("02") else 3
    return digits[:head], digits[head:-4], digits[-4:]


def format_number(digits: str) -> str:
    """Group national digits the Korean way.

    >>> format_number("01012345678"), format_number("021234567"), format_number("0311234567")
    ('010-1234-5678', '02-123-4567', '031-123-4567')
    """
    return "-".join(_groups(digits))


def mask_number(digits: str) -> str:
    """The display form: the middle group hidden.

    >>> mask_number("01012345678"), mask_number("021234567")
    ('010-****-5678', '02-***-4567')
    """
    head, middle, tail = _groups(digits)
    return f"{head}-{'*' * len(middle)}-{tail}"


def spoken_digits(digits: str) -> str:
    """Digits as a voice call reads them, one by one.

    >>> spoken_digits("102938")
    '일, 공, 이, 구, 삼, 팔'
    """
    return ", ".join(_SPOKEN[d] for d in digits)


def message_text(purpose: Purpose, channel: Channel, digits: str) -> str:
    """The text of a code message (a voice call says the digits twice).

    >>> message_text("sign_in", "sms", "123456")
    '[일터] 로그인 인증번호: 123456 (5분 동안 유효합니다. 다른 사람에게 알려 주지 마세요.)'
    """
    words = _PURPOSE_WORDS[purpose]
    if channel == "voice":
        said = f"인증번호는 {spoken_digits(digits)} 입니다."
        return f"일터 {words} 전화입니다. {said} 다시 한 번 알려 드립니다. {said}"
    return (
        f"[일터] {words} 인증번호: {digits} (5분 동안 유효합니다. 다른 사람에게 알려 주지 마세요.)"
    )


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def _code_digest(key: str, challenge_id: str, purpose: str, digits: str) -> str:
    return _hmac(key, f"phone-code:{challenge_id}:{purpose}:{digits}")


def _to_public(row: PhoneNumber) -> PhonePublic:
    kind: Kind = "landline" if row.kind == "landline" else "mobile"
    return PhonePublic(row.id, kind, row.masked, row.verified_at is not None, row.created_at)


def list_phones(session: Session, account_id: str) -> list[PhonePublic]:
    """The numbers of an account, oldest first (masked)."""
    rows = session.scalars(
        select(PhoneNumber)
        .where(PhoneNumber.account_id == account_id)
        .order_by(PhoneNumber.created_at, PhoneNumber.id)
    )
    return [_to_public(row) for row in rows]


def add_phone(
    session: Session, account_id: str, number: str, *, key: str, now: datetime | None = None
) -> PhonePublic:
    """Add an unverified number to an account (audited with the masked form).

    Raises:
        InvalidInputError: For a number that is not Korean, already on the account, or one
            more than :data:`MAX_NUMBERS`.
        NotFoundError: When the account does not exist.
    """
    from ilteo.core.crypto import seal

    now = now or utcnow()
    account = get_account(session, account_id)
    digits, kind = normalise_number(number)
    digest = _hmac(key, f"phone-number:{digits}")
    existing = session.scalars(
        select(PhoneNumber.number_digest).where(PhoneNumber.account_id == account.id)
    ).all()
    if digest in existing:
        raise InvalidInputError(
            "이미 등록한 번호입니다 / this number is already on the account", reason="duplicate"
        )
    if len(existing) >= MAX_NUMBERS:
        raise InvalidInputError(
            f"번호는 {MAX_NUMBERS}개까지 / at most {MAX_NUMBERS} numbers", reason="too_many"
        )
    row = PhoneNumber(
        id=secrets.token_hex(8),
        account_id=account.id,
        kind=kind,
        number_sealed=seal(key, SEAL_PURPOSE, digits),
        number_digest=digest,
        masked=mask_number(digits),
        created_at=now,
    )
    session.add(row)
    record_audit(
        session,
        "phone.added",
        account_id=account.id,
        now=now,
        phone_id=row.id,
        kind=kind,
        masked=row.masked,
    )
    session.flush()
    return _to_public(row)


def _own_phone(session: Session, account_id: str, phone_id: str) -> PhoneNumber:
    row = session.get(PhoneNumber, phone_id)
    if row is None or row.account_id != account_id:
        raise NotFoundError("등록된 번호가 없습니다 / no such number on this account")
    return row


def remove_phone(
    session: Session, account_id: str, phone_id: str, *, now: datetime | None = None
) -> None:
    """Remove a number and its pending codes (audited).

    Raises:
        NotFoundError: When the account has no such number.
    """
    row = _own_phone(session, account_id, phone_id)
    session.execute(delete(PhoneChallenge).where(PhoneChallenge.phone_id == row.id))
    session.delete(row)
    record_audit(
        session, "phone.removed", account_id=account_id, now=now, phone_id=row.id, masked=row.masked
    )
    session.flush()


def _rate_limited(session: Session, account_id: str, now: datetime) -> bool:
    recent = session.scalars(
        select(PhoneChallenge.created_at)
        .where(PhoneChallenge.account_id == account_id)
        .order_by(PhoneChallenge.created_at.desc())
        .limit(SEND_LIMIT)
    ).all()
    return len(recent) >= SEND_LIMIT and now - as_utc(recent[-1]) < SEND_WINDOW


def _new_digits() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _issue(
    session: Session,
    phone: PhoneNumber,
    purpose: Purpose,
    channel: Channel,
    *,
    key: str,
    sender: Sender,
    now: datetime,
    client: str | None = None,
) -> SentCode:
    from ilteo.core.crypto import unseal

    digits, challenge_id = _new_digits(), secrets.token_hex(16)
    number = unseal(key, SEAL_PURPOSE, phone.number_sealed)
    session.add(
        PhoneChallenge(
            id=challenge_id,
            account_id=phone.account_id,
            phone_id=phone.id,
            purpose=purpose,
            channel=channel,
            digest=_code_digest(key, challenge_id, purpose, digits),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_VALID_FOR,
        )
    )
    sender.send(channel, number, message_text(purpose, channel, digits))
    record_audit(
        session,
        "phone.code_sent",
        account_id=phone.account_id,
        client=client,
        now=now,
        phone_id=phone.id,
        purpose=purpose,
        channel=channel,
    )
    session.flush()
    return SentCode(challenge_id, phone.id, channel, phone.masked, now + CODE_VALID_FOR)


def send_verification_code(
    session: Session,
    account_id: str,
    phone_id: str,
    channel: Channel | None = None,
    *,
    key: str,
    sender: Sender,
    now: datetime | None = None,
) -> SentCode:
    """Send a code that proves the person holds the number (SMS to a mobile, else a call).

    Raises:
        NotFoundError: When the account has no such number.
        InvalidInputError: For a text message to a landline, a verified number, or a number
            sealed under an old secret key (add it again).
        PhoneRateLimitedError: After :data:`SEND_LIMIT` codes within :data:`SEND_WINDOW`.
    """
    from ilteo.core.crypto import SealedValueError

    now = now or utcnow()
    phone = _own_phone(session, account_id, phone_id)
    chosen: Channel = channel or ("sms" if phone.kind == "mobile" else "voice")
    if chosen not in CHANNELS:
        raise InvalidInputError("문자 또는 음성만 / the channel is sms or voice", reason="channel")
    if phone.kind == "landline" and chosen == "sms":
        raise InvalidInputError(
            "집 전화는 음성 전화로만 받을 수 있습니다 / a landline only gets voice calls",
            reason="landline_sms",
        )
    if phone.verified_at is not None:
        raise InvalidInputError(
            "이미 확인된 번호입니다 / this number is already verified", reason="verified"
        )
    if _rate_limited(session, account_id, now):
        record_audit(session, "phone.rate_limited", account_id=account_id, now=now)
        raise PhoneRateLimitedError(
            f"인증번호는 {SEND_WINDOW.seconds // 60}분에 {SEND_LIMIT}번까지 보낼 수 있습니다. "
            "잠시 후 다시 시도하세요 / at most 3 codes per 15 minutes: try again later"
        )
    try:
        return _issue(session, phone, "verify", chosen, key=key, sender=sender, now=now)
    except SealedValueError as error:
        raise InvalidInputError(
            "번호를 다시 등록하세요 / add the number again", reason="unsealable"
        ) from error


def _challenge_refusal(
    session: Session,
    challenge: PhoneChallenge,
    purpose: Purpose,
    digits: str,
    key: str,
    now: datetime,
) -> str:
    """Why ``digits`` does not answer ``challenge`` for ``purpose`` (``""`` when it does)."""
    if challenge.purpose != purpose:
        return "purpose"
    if challenge.used_at is not None:
        return "code_replay"
    if challenge.attempts >= MAX_TRIES:
        return "code_tries"
    if as_utc(challenge.expires_at) <= now:
        return "code_expired"
    expected = _code_digest(key, challenge.id, purpose, digits)
    if not hmac.compare_digest(expected, challenge.digest):
        challenge.attempts += 1
        return "code"
    return ""


def _mark_used(session: Session, challenge: PhoneChallenge, now: datetime) -> bool:
    # Only if still unused, so two racing requests cannot both pass.
    marked = session.execute(
        update(PhoneChallenge)
        .where(PhoneChallenge.id == challenge.id, PhoneChallenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return getattr(marked, "rowcount", 0) == 1


def _digits_of(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())[: CODE_DIGITS + 1]


def verify_phone(
    session: Session,
    account_id: str,
    challenge_id: str,
    code: str,
    *,
    key: str,
    now: datetime | None = None,
) -> str:
    """Mark a number verified when ``code`` answers its ``verify`` challenge (audited).

    Returns:
        ``""`` on success, else the reason: ``no_challenge``, ``purpose``, ``code``,
        ``code_replay``, ``code_tries`` or ``code_expired``.
    """
    now = now or utcnow()
    challenge = session.get(PhoneChallenge, challenge_id)
    if challenge is None or challenge.account_id != account_id:
        reason = "no_challenge"
    else:
        reason = _challenge_refusal(session, challenge, "verify", _digits_of(code), key, now)
        if not reason and not _mark_used(session, challenge, now):
            reason = "code_replay"
    if reason or challenge is None:
        record_audit(session, "phone.verify_failed", account_id=account_id, now=now, reason=reason)
        return reason
    phone = session.get_one(PhoneNumber, challenge.phone_id)
    phone.verified_at = now
    record_audit(
        session,
        "phone.verified",
        account_id=account_id,
        now=now,
        phone_id=phone.id,
        masked=phone.masked,
    )
    session.flush()
    return ""


def _phone_for(
    session: Session, account_id: str, channel: Channel
) -> tuple[PhoneNumber | None, str]:
    """The verified number a sign-in code goes to (a landline first for a call), or why none."""
    rows = list(session.scalars(select(PhoneNumber).where(PhoneNumber.account_id == account_id)))
    fit = [r for r in rows if channel == "voice" or r.kind == "mobile"]
    verified = [r for r in fit if r.verified_at is not None]
    if not verified:
        return None, "phone_unverified" if fit else "no_number"
    verified.sort(key=lambda r: (r.kind != "landline", -as_utc(r.created_at).timestamp()))
    return verified[0], ""


def start_phone_sign_in(
    session: Session,
    login: str,
    channel: str,
    *,
    key: str,
    sender: Sender,
    client: str,
    now: datetime | None = None,
) -> str:
    """The first step: send a sign-in code to the account's verified number, if it has one.

    Returns:
        A challenge id for :func:`check_phone_sign_in`, whether or not a code was sent (a
        decoy then), so the answer never tells which logins exist or have a number. The
        audit log records ``phone.code_sent`` or ``phone.code_not_sent`` with the reason.
    """
    from ilteo.core.crypto import SealedValueError, seal

    now = now or utcnow()
    chosen: Channel = "voice" if channel == "voice" else "sms"
    account = session.scalar(select(Account).where(Account.login == login.strip()))
    phone, reason = None, ""
    if _client_blocked(session, client, now):
        reason = "client_throttled"
    elif account is None:
        reason = "unknown_login"
    elif _account_locked(account, now):
        reason = "locked"
    else:
        phone, reason = _phone_for(session, account.id, chosen)
        if phone is not None and _rate_limited(session, account.id, now):
            phone, reason = None, "rate_limited"
    if phone is not None:
        try:
            sent = _issue(
                session, phone, "sign_in", chosen, key=key, sender=sender, now=now, client=client
            )
        except SealedValueError:
            reason = "phone_unsealable"
        else:
            return sent.challenge_id
    decoy = secrets.token_hex(16)
    _code_digest(key, decoy, "sign_in", _new_digits())  # the same crypto work as a real send
    seal(key, SEAL_PURPOSE, "0" * 11)
    record_audit(
        session,
        "phone.code_not_sent",
        account_id=account.id if account else None,
        client=client,
        now=now,
        reason=reason,
        channel=chosen,
    )
    return decoy


def check_phone_sign_in(
    session: Session,
    challenge_id: str,
    code: str,
    *,
    key: str,
    client: str,
    now: datetime | None = None,
) -> SignInResult:
    """The second step: the code sent by :func:`start_phone_sign_in`.

    The caller proves the first step (the web door carries ``challenge_id`` in a short-lived
    signed token). Every failure is ``refused``; the audit log keeps the reason (``code``,
    ``code_replay``, ``code_expired``, ``code_tries``, ``phone_unverified``, ``purpose``,
    ``no_challenge``, ``locked``, ``client_throttled``).
    """
    now = now or utcnow()
    challenge = session.get(PhoneChallenge, challenge_id)
    account = session.get(Account, challenge.account_id) if challenge else None
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, account, method="phone")
    if challenge is None or account is None:
        return _refuse(session, "no_challenge", client, now, method="phone")
    if _account_locked(account, now):
        return _refuse(session, "locked", client, now, account, method="phone")
    reason = _challenge_refusal(session, challenge, "sign_in", _digits_of(code), key, now)
    phone = session.get(PhoneNumber, challenge.phone_id)
    if not reason and (phone is None or phone.verified_at is None):
        reason = "phone_unverified"
    if not reason and not _mark_used(session, challenge, now):
        reason = "code_replay"
    if reason:
        result = _refuse(session, reason, client, now, account, method="phone")
        _account_failed(session, account, client, now)
        return result
    record_audit(
        session,
        "phone.code_used",
        account_id=account.id,
        client=client,
        now=now,
        phone_id=challenge.phone_id,
    )
    return _succeed(session, account, client, now, method="phone")


def refuse_pending_token(session: Session, *, client: str, now: datetime | None = None) -> None:
    """Record a refused second step whose signed token was tampered with or too old."""
    _refuse(session, "pending_token", client, now or utcnow(), method="phone")
