"""Phone sign-in: numbers, codes by text or voice, the outbox sender, the pages and the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import T0, create_test_account
from tests.identity.test_cli import run

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import DEV_SECRET_KEY, Settings
from ilteo.identity import COOKIE_NAME, create_session, unlock_account
from ilteo.identity.models import AuditEntry
from ilteo.identity.phone import (
    PhoneRateLimitedError,
    add_phone,
    check_phone_sign_in,
    format_number,
    list_phones,
    mask_number,
    normalise_number,
    remove_phone,
    send_verification_code,
    start_phone_sign_in,
    verify_phone,
)
from ilteo.identity.phone_models import OutboxMessage, PhoneChallenge, PhoneNumber
from ilteo.identity.senders import OutboxSender, get_sender, list_outbox

KEY = DEV_SECRET_KEY  # the key the app of the ``settings`` fixture uses
CLIENT = "203.0.113.9"
_WORDS = {
    w: str(i) for i, w in enumerate(("공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"))
}


def code_in(text: str) -> str:
    """The code of an outbox message: the digits of a text, or the words a voice call says."""
    if found := re.search(r"\b(\d{6})\b", text):
        return found.group(1)
    said = text.split("인증번호는 ", 1)[1].split(" 입니다", 1)[0]
    return "".join(_WORDS[word] for word in said.split(", "))


def latest_code(settings: Settings) -> str:
    """The code of the newest outbox message of the app run with ``settings``."""
    with session_scope(settings) as session:
        return code_in(list_outbox(session, key=KEY, limit=1)[0].text)


@pytest.fixture
def db(db_settings: Settings) -> Settings:
    """A migrated store on SQLite and on PostgreSQL."""
    upgrade(db_settings)
    return db_settings


def _events(session: Session, event: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id))
    )


def _reasons(session: Session) -> list[object]:
    failures = _events(session, "sign_in.failure")
    return [e.detail["reason"] for e in failures if e.detail.get("method") == "phone"]


def _verified(session: Session, number: str, *, login: str = "grandpa") -> tuple[str, str]:
    """An account with a verified ``number``: (account id, phone id)."""
    account, _ = create_test_account(session, login=login)
    phone = add_phone(session, account.id, number, key=KEY, now=T0)
    sent = send_verification_code(
        session, account.id, phone.id, key=KEY, sender=OutboxSender(session, KEY), now=T0
    )
    code = code_in(list_outbox(session, key=KEY, limit=1)[0].text)
    assert verify_phone(session, account.id, sent.challenge_id, code, key=KEY, now=T0) == ""
    return account.id, phone.id


def _sign_in_code(session: Session, login: str, channel: str, at: timedelta) -> tuple[str, str]:
    """Start a sign-in at ``T0 + at``: (challenge id, the code the outbox got)."""
    sender = OutboxSender(session, KEY)
    challenge = start_phone_sign_in(
        session, login, channel, key=KEY, sender=sender, client=CLIENT, now=T0 + at
    )
    return challenge, code_in(list_outbox(session, key=KEY, limit=1)[0].text)


@pytest.mark.parametrize(
    ("typed", "digits", "kind", "shown", "masked"),
    [
        ("010-1234-5678", "01012345678", "mobile", "010-1234-5678", "010-****-5678"),
        ("+82 10 1234 5678", "01012345678", "mobile", "010-1234-5678", "010-****-5678"),
        ("02-123-4567", "021234567", "landline", "02-123-4567", "02-***-4567"),
        ("02)1234-5678", "0212345678", "landline", "02-1234-5678", "02-****-5678"),
        ("031-123-4567", "0311234567", "landline", "031-123-4567", "031-***-4567"),
        ("064.1234.5678", "06412345678", "landline", "064-1234-5678", "064-****-5678"),
        ("011-123-4567", "0111234567", "mobile", "011-123-4567", "011-***-4567"),
    ],
)
def test_korean_numbers_are_normalised_formatted_and_masked(
    typed: str, digits: str, kind: str, shown: str, masked: str
) -> None:
    assert normalise_number(typed) == (digits, kind)
    assert format_number(digits) == shown
    assert mask_number(digits) == masked


@pytest.mark.parametrize("typed", ["", "12345", "1588-1234", "010-123-456", "099-123-4567", "abc"])
def test_other_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInputError):
        normalise_number(typed)


def test_a_number_is_sealed_verified_by_sms_and_audited(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="grandpa")
        phone = add_phone(session, account.id, "010-1234-5678", key=KEY, now=T0)
        assert (phone.kind, phone.masked, phone.verified) == ("mobile", "010-****-5678", False)
        row = session.get_one(PhoneNumber, phone.id)
        assert "5678" not in row.number_sealed
        assert row.number_sealed.startswith("v1.")
        sent = send_verification_code(
            session, account.id, phone.id, key=KEY, sender=OutboxSender(session, KEY), now=T0
        )
        assert sent.channel == "sms"
        message = session.scalars(select(OutboxMessage)).one()
        assert message.recipient_masked == "010-****-5678"
        assert "1234" not in message.recipient_sealed + message.text_sealed
        text = list_outbox(session, key=KEY)[0].text
        assert text.startswith("[일터] 전화번호 확인 인증번호: ")
        challenge = session.get_one(PhoneChallenge, sent.challenge_id)
        assert code_in(text) not in challenge.digest
        assert (
            verify_phone(session, account.id, sent.challenge_id, "000000x", key=KEY, now=T0)
            == "code"
        )
        assert (
            verify_phone(session, account.id, sent.challenge_id, code_in(text), key=KEY, now=T0)
            == ""
        )
        assert list_phones(session, account.id)[0].verified
        assert len(_events(session, "phone.added")) == 1
        assert len(_events(session, "phone.verified")) == 1
        assert _events(session, "phone.verify_failed")[0].detail["reason"] == "code"
        audit = json.dumps([e.detail for e in session.scalars(select(AuditEntry))])
        assert "1234" not in audit
        assert code_in(text) not in audit


def test_duplicates_landline_texts_and_strangers_numbers_are_refused(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="grandpa")
        other, _ = create_test_account(session, login="other")
        landline = add_phone(session, account.id, "02-123-4567", key=KEY, now=T0)
        with pytest.raises(InvalidInputError, match="already"):
            add_phone(session, account.id, "(02) 123 4567", key=KEY, now=T0)
        sender = OutboxSender(session, KEY)
        with pytest.raises(InvalidInputError, match="voice"):
            send_verification_code(session, account.id, landline.id, "sms", key=KEY, sender=sender)
        with pytest.raises(NotFoundError):
            send_verification_code(session, other.id, landline.id, key=KEY, sender=sender)
        with pytest.raises(NotFoundError):
            remove_phone(session, other.id, landline.id)
        sent = send_verification_code(session, account.id, landline.id, key=KEY, sender=sender)
        assert sent.channel == "voice"
        code = code_in(list_outbox(session, key=KEY, limit=1)[0].text)
        assert verify_phone(session, other.id, sent.challenge_id, code, key=KEY) == "no_challenge"


def test_a_voice_code_reads_digits_twice_and_signs_in_once(db: Settings) -> None:
    with session_scope(db) as session:
        account_id, _ = _verified(session, "02-123-4567")
        challenge, code = _sign_in_code(session, "grandpa", "voice", timedelta(minutes=1))
        text = list_outbox(session, key=KEY, limit=1)[0].text
        assert text.count("인증번호는 ") == 2
        assert re.search(
            r"인증번호는 ([공일이삼사오육칠팔구], ){5}[공일이삼사오육칠팔구] 입니다", text
        )
        assert not re.search(r"\d", text)
        at = T0 + timedelta(minutes=2)
        ok = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT, now=at)
        assert (ok.outcome, ok.account_id) == ("ok", account_id)
        again = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT, now=at)
        assert again.outcome == "refused"
        assert _reasons(session) == ["code_replay"]
        success = _events(session, "sign_in.success")
        assert success[-1].detail["method"] == "phone"


def test_wrong_expired_and_exhausted_codes_are_refused_and_audited(db: Settings) -> None:
    with session_scope(db) as session:
        account_id, _ = _verified(session, "010-1234-5678")
        challenge, code = _sign_in_code(session, "grandpa", "sms", timedelta(minutes=1))
        late = T0 + timedelta(minutes=6, seconds=1)
        expired = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT, now=late)
        assert expired.outcome == "refused"

        unlock_account(session, account_id)  # the expired code counted as one failure
        challenge, code = _sign_in_code(session, "grandpa", "sms", timedelta(minutes=20))
        wrong = "000000" if code != "000000" else "111111"
        at = T0 + timedelta(minutes=21)
        for _ in range(5):
            result = check_phone_sign_in(session, challenge, wrong, key=KEY, client=CLIENT, now=at)
            assert result.outcome == "refused"
        assert _events(session, "account.locked"), "five wrong codes lock the account"
        unlock_account(session, account_id, now=at)
        tired = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT, now=at)
        assert tired.outcome == "refused"
        assert _reasons(session) == ["code_expired", *["code"] * 5, "code_tries"]


def test_codes_are_bound_to_their_purpose_and_to_a_verified_number(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="grandpa")
        phone = add_phone(session, account.id, "010-1234-5678", key=KEY, now=T0)
        sent = send_verification_code(
            session, account.id, phone.id, key=KEY, sender=OutboxSender(session, KEY), now=T0
        )
        code = code_in(list_outbox(session, key=KEY, limit=1)[0].text)
        # A code made to verify the number does not sign in ...
        crossed = check_phone_sign_in(session, sent.challenge_id, code, key=KEY, client=CLIENT)
        assert crossed.outcome == "refused"
        # ... and an unverified number gets no sign-in code at all (the same answer).
        decoy = start_phone_sign_in(
            session, "grandpa", "sms", key=KEY, sender=OutboxSender(session, KEY), client=CLIENT
        )
        assert len(decoy) == 32
        assert len(list_outbox(session, key=KEY)) == 1
        not_sent = _events(session, "phone.code_not_sent")
        assert not_sent[-1].detail["reason"] == "phone_unverified"
        assert check_phone_sign_in(session, decoy, code, key=KEY, client=CLIENT).outcome == (
            "refused"
        )
        assert _reasons(session) == ["purpose", "no_challenge"]


def test_a_number_unverified_after_the_code_was_sent_cannot_sign_in(db: Settings) -> None:
    with session_scope(db) as session:
        _, phone_id = _verified(session, "010-1234-5678")
        challenge, code = _sign_in_code(session, "grandpa", "sms", timedelta(minutes=1))
        session.get_one(PhoneNumber, phone_id).verified_at = None
        at = T0 + timedelta(minutes=2)
        result = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT, now=at)
        assert result.outcome == "refused"
        assert _reasons(session) == ["phone_unverified"]


def test_unknown_logins_and_numberless_accounts_get_the_same_answer(db: Settings) -> None:
    with session_scope(db) as session:
        create_test_account(session, login="nonumber")
        sender = OutboxSender(session, KEY)
        answers = [
            start_phone_sign_in(session, login, "sms", key=KEY, sender=sender, client=CLIENT)
            for login in ("nobody", "nonumber")
        ]
        assert all(re.fullmatch(r"[0-9a-f]{32}", answer) for answer in answers)
        assert session.scalars(select(OutboxMessage)).all() == []
        reasons = [e.detail["reason"] for e in _events(session, "phone.code_not_sent")]
        assert reasons == ["unknown_login", "no_number"]


def test_at_most_three_codes_per_account_per_fifteen_minutes(db: Settings) -> None:
    with session_scope(db) as session:
        _verified(session, "010-1234-5678")  # the first code (verification) at T0
        for minute in (1, 2):
            _sign_in_code(session, "grandpa", "sms", timedelta(minutes=minute))
        assert len(list_outbox(session, key=KEY)) == 3
        _sign_in_code(session, "grandpa", "sms", timedelta(minutes=3))
        assert len(list_outbox(session, key=KEY)) == 3, "the fourth code is not sent"
        assert _events(session, "phone.code_not_sent")[-1].detail["reason"] == "rate_limited"
        account, _ = create_test_account(session, login="another")
        phone = add_phone(session, account.id, "010-9999-0000", key=KEY, now=T0)
        sender = OutboxSender(session, KEY)
        for _ in range(3):
            session.get_one(PhoneNumber, phone.id).verified_at = None
            send_verification_code(session, account.id, phone.id, key=KEY, sender=sender, now=T0)
        with pytest.raises(PhoneRateLimitedError, match="15"):
            send_verification_code(session, account.id, phone.id, key=KEY, sender=sender, now=T0)
        assert len(_events(session, "phone.rate_limited")) == 1
        _sign_in_code(session, "grandpa", "sms", timedelta(minutes=15, seconds=1))
        assert len(list_outbox(session, key=KEY)) == 7


def test_removing_a_number_is_audited_and_kills_its_codes(db: Settings) -> None:
    with session_scope(db) as session:
        account_id, phone_id = _verified(session, "010-1234-5678")
        challenge, code = _sign_in_code(session, "grandpa", "sms", timedelta(minutes=1))
        remove_phone(session, account_id, phone_id, now=T0)
        assert list_phones(session, account_id) == []
        assert _events(session, "phone.removed")[0].detail["masked"] == "010-****-5678"
        result = check_phone_sign_in(session, challenge, code, key=KEY, client=CLIENT)
        assert result.outcome == "refused"


def test_an_unknown_sender_is_a_configuration_error(db: Settings) -> None:
    from ilteo.core.errors import ConfigurationError

    with session_scope(db) as session, pytest.raises(ConfigurationError, match="outbox"):
        get_sender("carrier-pigeon", session=session, key=KEY)


def test_the_cli_shows_the_outbox(tmp_path: object) -> None:
    from pathlib import Path

    home = Path(str(tmp_path))
    settings = Settings(env="dev", home=home)
    upgrade(settings)
    with session_scope(settings) as session:
        _verified(session, "031-123-4567")
    shown = run("outbox", "--json", "--limit", "5", home=home)
    assert shown.returncode == 0, shown.stderr
    entries = json.loads(shown.stdout)
    assert [e["channel"] for e in entries] == ["voice"]
    assert entries[0]["recipient"] == "031-***-4567"
    assert entries[0]["text"].count("인증번호는") == 2
    table = run("outbox", home=home)
    assert table.returncode == 0
    assert "031-***-4567" in table.stdout


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The whole app on a migrated SQLite store."""
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)


def _start(web: TestClient, login: str, channel: str = "sms") -> str:
    form = web.get("/sign-in/phone?next=/account").text
    response = web.post(
        "/sign-in/phone",
        data={"login": login, "channel": channel, "csrf": _field(form, "csrf"), "next": "/account"},
    )
    assert response.status_code == 200
    return response.text


def _citizen(web: TestClient, settings: Settings, login: str = "grandpa") -> str:
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login)
        web.cookies.set(COOKIE_NAME, create_session(session, account.id))
        return account.id


def test_people_add_verify_and_sign_in_with_a_landline(web: TestClient, settings: Settings) -> None:
    _citizen(web, settings)
    page = web.get("/account/phone")
    assert page.status_code == 200
    assert "등록한 번호가 없습니다" in page.text
    added = web.post(
        "/account/phone", data={"number": "02-765-4321", "csrf": _field(page.text, "csrf")}
    )
    assert added.status_code == 200
    assert "음성 전화로 인증번호를 알려 드립니다" in added.text
    verified = web.post(
        re.findall(r'action="(/account/phone/[0-9a-f]+/verify)"', added.text)[0],
        data={
            "challenge": _field(added.text, "challenge"),
            "code": latest_code(settings),
            "csrf": _field(added.text, "csrf"),
        },
    )
    assert verified.status_code == 200
    assert "번호를 확인했습니다" in verified.text
    assert "02-***-4321" in verified.text
    assert "02-765-4321" not in verified.text

    web.cookies.clear()
    step2 = _start(web, "grandpa", "voice")
    response = web.post(
        "/sign-in/phone/code",
        data={
            "pending": _field(step2, "pending"),
            "code": latest_code(settings),
            "csrf": _field(step2, "csrf"),
            "next": "/account",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert COOKIE_NAME in response.cookies
    with session_scope(settings) as session:
        paths = [(e.event, e.detail["path"]) for e in _events(session, "funnel.started")]
        assert ("funnel.started", "sign_in.phone") in paths
        finished = [e.detail["path"] for e in _events(session, "funnel.finished")]
        assert "sign_in.phone" in finished


def test_the_first_step_answers_the_same_for_every_login(
    web: TestClient, settings: Settings
) -> None:
    with session_scope(settings) as session:
        _verified(session, "010-1234-5678")
        create_test_account(session, login="nonumber")

    def shape(html: str) -> str:
        return re.sub(r'value="[^"]*"', 'value=""', html)

    pages = [shape(_start(web, login)) for login in ("grandpa", "nonumber", "nobody")]
    assert pages[0] == pages[1] == pages[2]
    assert "인증번호를 보냈습니다" in pages[0]


def test_wrong_codes_and_tampered_tokens_are_refused_and_audited(
    web: TestClient, settings: Settings
) -> None:
    with session_scope(settings) as session:
        _verified(session, "010-1234-5678")
    step2 = _start(web, "grandpa")
    code = latest_code(settings)
    data = {"pending": _field(step2, "pending"), "csrf": _field(step2, "csrf"), "next": "/account"}
    wrong = web.post(
        "/sign-in/phone/code", data={**data, "code": "000000" if code != "000000" else "1" * 6}
    )
    assert wrong.status_code == 401
    assert "인증번호가 맞지 않거나" in wrong.text
    tampered = web.post(
        "/sign-in/phone/code", data={**data, "pending": data["pending"][:-2] + "xx", "code": code}
    )
    assert tampered.status_code == 401
    assert "처음부터 다시" in tampered.text
    no_csrf = web.post("/sign-in/phone/code", data={**data, "csrf": "", "code": code})
    assert no_csrf.status_code == 403
    ok = web.post("/sign-in/phone/code", data={**data, "code": code}, follow_redirects=False)
    assert ok.status_code == 303
    web.cookies.delete(COOKIE_NAME)
    replay = web.post("/sign-in/phone/code", data={**data, "code": code})
    assert replay.status_code == 401
    with session_scope(settings) as session:
        assert _reasons(session) == ["code", "pending_token", "code_replay"]
        assert len(_events(session, "csrf.refused")) == 1


def test_the_numbers_page_needs_sign_in_csrf_and_says_when_to_wait(
    web: TestClient, settings: Settings
) -> None:
    assert web.get("/account/phone", follow_redirects=False).status_code == 303
    _citizen(web, settings)
    csrf = _field(web.get("/account/phone").text, "csrf")
    assert web.post("/account/phone", data={"number": "010-1111-2222"}).status_code == 403
    bad = web.post("/account/phone", data={"number": "1588-1234", "csrf": csrf})
    assert bad.status_code == 422
    assert "010-…" in bad.text
    added = web.post("/account/phone", data={"number": "010-1111-2222", "csrf": csrf})
    send = re.findall(r'action="(/account/phone/[0-9a-f]+/send)"', added.text)[0]
    assert web.post(send, data={"csrf": csrf}).status_code == 200
    assert web.post(send, data={"csrf": csrf}).status_code == 200
    limited = web.post(send, data={"csrf": csrf})
    assert limited.status_code == 429
    assert "15분에 3번까지" in limited.text
    remove = send.replace("/send", "/remove")
    removed = web.post(remove, data={"csrf": csrf})
    assert removed.status_code == 200
    assert "번호를 삭제했습니다" in removed.text
    with session_scope(settings) as session:
        assert len(_events(session, "phone.rate_limited")) == 1
        assert len(_events(session, "phone.removed")) == 1
