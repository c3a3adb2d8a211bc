"""Delegation: grant, refuse, act for someone, end at once, and the "done by X for Y" trail.

Domain tests run on SQLite and PostgreSQL (``db_settings``); web tests drive the whole app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.api import create_app
from ilteo.api.routers.identity import require_staff
from ilteo.core.db import Base, engine_for, session_scope, upgrade
from ilteo.core.models import import_all_models
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, AccountPublic, create_account, create_session
from ilteo.identity.delegation import (
    MAX_LOOKUP_MISSES,
    RELATIONS,
    SERVICES,
    DelegationRefused,
    audit_as,
    check_delegation,
    create_delegation,
    list_actions_for,
    list_delegations,
    resolve_acting,
    revoke_delegation,
    start_acting,
    stop_acting,
)
from ilteo.identity.delegation_models import Delegation
from ilteo.identity.models import Account, AuditEntry
from ilteo.identity.sessions import get_session_row
from ilteo.web.i18n import load_catalogue

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
MY_TABLES = {"identity_delegations"}
MY_COLUMNS = {("identity_sessions", "acting_for"), ("identity_audit", "on_behalf_of")}


def _people(session: Session) -> tuple[str, str, str]:
    """Y (the person, an administrator), X (family) and a counsellor; their ids."""
    y = create_account(
        session, login="yuna", display_name="박윤아", password=PASSWORD, roles=("administrator",)
    )
    x = create_account(session, login="minji", display_name="김민지", password=PASSWORD)
    c = create_account(
        session, login="counsel", display_name="이상담", password=PASSWORD, roles=("counsellor",)
    )
    return y.id, x.id, c.id


def _grant(session: Session, y: str, **overrides: Any) -> Delegation:
    terms: dict[str, Any] = {
        "delegate_login": "minji",
        "relation": "family",
        "scopes": ["benefits", "account_view"],
        "expires_at": T0 + timedelta(days=30),
        "now": T0,
    }
    terms.update(overrides)
    return create_delegation(session, y, **terms)


def _refusals(session: Session) -> list[str]:
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.event == "delegation.refused").order_by(AuditEntry.id)
    )
    return [str(row.detail.get("reason")) for row in rows]


@pytest.fixture
def db(db_settings: Settings) -> Iterator[Session]:
    """A migrated store on SQLite or PostgreSQL, one open session (committed at the end)."""
    upgrade(db_settings)
    with session_scope(db_settings) as session:
        yield session


def test_migration_matches_the_models(db_settings: Settings) -> None:
    upgrade(db_settings)
    import_all_models()
    with engine_for(db_settings).connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in diffs if any(t in repr(d) for t in MY_TABLES | {c for _, c in MY_COLUMNS})]
    assert mine == []


def test_catalogue_labels_every_service_and_relation() -> None:
    for lang in ("ko", "en"):
        catalogue = load_catalogue(lang)
        for service in SERVICES:
            assert f"delegation.services.{service}" in catalogue
        for relation in RELATIONS:
            assert f"delegation.relations.{relation}" in catalogue


def test_grant_list_act_and_the_trail_done_by_x_for_y(db: Session) -> None:
    y, x, _ = _people(db)
    row = _grant(db, y)
    given, received = list_delegations(db, y, now=T0)
    assert [d.delegate_name for d in given] == ["김민지"]
    assert given[0].status == "live"
    assert received == []
    _, x_received = list_delegations(db, x, now=T0)
    assert [(d.grantor_name, d.scopes) for d in x_received] == [
        ("박윤아", ("account_view", "benefits"))
    ]
    token = create_session(db, x, now=T0)
    acting = start_acting(db, token, x, y, now=T0 + timedelta(minutes=1))
    assert (acting.delegate_id, acting.grantor_id) == (x, y)
    assert get_session_row(db, token).acting_for == y  # type: ignore[union-attr]
    state = resolve_acting(db, token, x, now=T0 + timedelta(minutes=2))
    assert state.context == acting
    audit_as(db, acting, "benefits.checked", now=T0 + timedelta(minutes=3))
    assert stop_acting(db, token, now=T0 + timedelta(minutes=4))
    assert resolve_acting(db, token, x, now=T0 + timedelta(minutes=5)).context is None
    db.flush()
    trail = list_actions_for(db, y)
    assert [(a.event, a.actor_name) for a in trail] == [
        ("acting.stopped", "김민지"),
        ("benefits.checked", "김민지"),
        ("acting.started", "김민지"),
    ]
    marked = db.scalars(select(AuditEntry).where(AuditEntry.on_behalf_of == y)).all()
    assert {entry.account_id for entry in marked} == {x}  # every entry is the delegate's
    assert list_actions_for(db, x) == []
    assert row.id in {d.id for d in given}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"delegate_login": "nobody"}, "unknown_login"),
        ({"delegate_login": "yuna"}, "self"),
        ({"relation": "neighbour"}, "relation"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["benefits", "bank_account"]}, "scopes"),
        ({"starts_at": T0 - timedelta(days=1)}, "dates"),
        ({"expires_at": T0}, "dates"),
        ({"expires_at": T0 + timedelta(days=367)}, "too_long"),
        ({"relation": "counsellor"}, "not_counsellor"),
    ],
)
def test_grant_refusals_are_audited_and_grant_nothing(
    db: Session, overrides: dict[str, Any], reason: str
) -> None:
    y, _, _ = _people(db)
    with pytest.raises(DelegationRefused) as refused:
        _grant(db, y, **overrides)
    assert refused.value.reason == reason
    assert _refusals(db) == [reason]
    assert db.scalars(select(Delegation)).all() == []


def test_a_counsellor_delegate_needs_the_role_and_inactive_accounts_are_refused(
    db: Session,
) -> None:
    y, x, _ = _people(db)
    assert _grant(db, y, delegate_login="counsel", relation="counsellor").relation == "counsellor"
    db.get_one(Account, x).status = "disabled"
    with pytest.raises(DelegationRefused, match="inactive"):
        _grant(db, y)


def test_unknown_login_lookups_are_limited(db: Session) -> None:
    y, _, _ = _people(db)
    for _ in range(MAX_LOOKUP_MISSES):
        with pytest.raises(DelegationRefused, match="unknown_login"):
            _grant(db, y, delegate_login="guess")
    with pytest.raises(DelegationRefused, match="lookup_limit"):
        _grant(db, y)  # even a real login: the limit is on the person looking, for an hour
    later = T0 + timedelta(hours=1, minutes=1)
    assert _grant(db, y, now=later, expires_at=later + timedelta(days=1)).delegate_id


@pytest.mark.parametrize(
    ("setup", "scope", "reason"),
    [
        ("none", None, "none"),
        ("revoked", None, "revoked"),
        ("expired", None, "expired"),
        ("upcoming", None, "not_started"),
        ("live", "complaints", "scope"),
        ("self", None, "self"),
    ],
)
def test_acting_refusals_are_audited(
    db: Session, setup: str, scope: str | None, reason: str
) -> None:
    y, x, _ = _people(db)
    now = T0 + timedelta(days=10)
    if setup == "revoked":
        revoke_delegation(db, _grant(db, y).id, by_account_id=y, now=T0 + timedelta(days=1))
    elif setup == "expired":
        _grant(db, y, expires_at=T0 + timedelta(days=5))
    elif setup == "upcoming":
        _grant(db, y, starts_at=T0 + timedelta(days=20), expires_at=T0 + timedelta(days=40))
    elif setup == "live":
        _grant(db, y)
    grantor = x if setup == "self" else y
    with pytest.raises(DelegationRefused) as refused:
        check_delegation(db, x, grantor, scope=scope, now=now)
    assert refused.value.reason == reason
    token = create_session(db, x, now=now)
    if setup != "live":
        with pytest.raises(DelegationRefused):
            start_acting(db, token, x, grantor, now=now)
        assert get_session_row(db, token).acting_for is None  # type: ignore[union-attr]
    assert reason in _refusals(db)


def test_revoking_or_expiry_ends_acting_at_once(db: Session) -> None:
    y, x, _ = _people(db)
    row = _grant(db, y, expires_at=T0 + timedelta(days=2))
    token = create_session(db, x, now=T0)
    start_acting(db, token, x, y, now=T0)
    ended = resolve_acting(db, token, x, now=T0 + timedelta(days=2))
    assert (ended.context, ended.ended) == (None, "expired")
    assert get_session_row(db, token).acting_for is None  # type: ignore[union-attr]
    # a second, revoked delegation: revocation by the delegate ends acting too
    second = _grant(db, y, now=T0 + timedelta(days=3), expires_at=T0 + timedelta(days=9))
    start_acting(db, token, x, y, now=T0 + timedelta(days=3))
    revoke_delegation(db, second.id, by_account_id=x, now=T0 + timedelta(days=4))
    ended = resolve_acting(db, token, x, now=T0 + timedelta(days=4))
    assert ended.ended == "revoked"
    events = db.scalars(
        select(AuditEntry).where(AuditEntry.event == "acting.ended").order_by(AuditEntry.at)
    ).all()
    assert [(e.account_id, e.on_behalf_of, e.detail["reason"]) for e in events] == [
        (x, y, "expired"),
        (x, y, "revoked"),
    ]
    assert row.revoked_at is None
    assert second.revoked_by == x


def test_revoke_by_either_side_only_once_never_by_others(db: Session) -> None:
    y, x, c = _people(db)
    row = _grant(db, y)
    for outsider, reason in ((c, "not_found"), (x, None)):
        if reason:
            with pytest.raises(DelegationRefused, match=reason):
                revoke_delegation(db, row.id, by_account_id=outsider, now=T0)
        else:
            revoke_delegation(db, row.id, by_account_id=outsider, now=T0)
    with pytest.raises(DelegationRefused, match="already_ended"):
        revoke_delegation(db, row.id, by_account_id=y, now=T0)
    with pytest.raises(DelegationRefused, match="not_found"):
        revoke_delegation(db, "no-such-id", by_account_id=y, now=T0)
    assert _refusals(db) == ["not_found", "already_ended", "not_found"]
    given, _ = list_delegations(db, y, now=T0)
    assert (given[0].status, given[0].revoked_by_name) == ("revoked", "김민지")


def test_someone_elses_session_cannot_be_made_to_act(db: Session) -> None:
    y, x, c = _people(db)
    _grant(db, y)
    other = create_session(db, c, now=T0)
    with pytest.raises(DelegationRefused, match="tampered"):
        start_acting(db, other, x, y, now=T0)
    assert get_session_row(db, other).acting_for is None  # type: ignore[union-attr]


# --- web ---------------------------------------------------------------------------------------

Admin = Annotated[AccountPublic, Depends(require_staff("administrator"))]


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """The whole app, plus a page only administrators may open."""
    upgrade(settings)
    app = create_app(settings)

    @app.get("/test-admin-page")
    def admin_page(account: Admin) -> dict[str, str]:
        return {"id": account.id}

    with TestClient(app, headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field"
    return found.group(1)


def _web_people(settings: Settings) -> tuple[str, str, str, str]:
    """Y and X, and a fresh session cookie value for each."""
    with session_scope(settings) as session:
        y, x, _ = _people(session)
        return y, x, create_session(session, y), create_session(session, x)


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set(COOKIE_NAME, token)
    return client


def _web_grant(client: TestClient, **form: Any) -> Any:
    page = client.get("/account/delegations")
    assert page.status_code == 200
    last = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    data = {
        "delegate_login": "minji",
        "relation": "family",
        "scopes": ["benefits", "account_view"],
        "ends_on": last,
        "csrf": _csrf(page.text),
    }
    data.update(form)
    return client.post("/account/delegations", data=data)


def _audit(settings: Settings, event: str) -> list[AuditEntry]:
    with session_scope(settings) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_web_grant_act_banner_trail_revoke(app_client: TestClient, settings: Settings) -> None:
    y, x, y_token, x_token = _web_people(settings)
    granted = _web_grant(_as(app_client, y_token))
    assert granted.status_code == 200
    assert "위임을 만들었습니다." in granted.text
    assert "김민지 (minji)" in granted.text

    acting_page = _as(app_client, x_token).get("/account/acting")
    assert f'id="act-for-{y}"' in acting_page.text
    started = app_client.post(
        "/account/acting",
        data={"grantor_id": y, "csrf": _csrf(acting_page.text)},
        follow_redirects=False,
    )
    assert started.status_code == 303
    for path in ("/account/acting", "/account", "/"):
        page = app_client.get(path)
        assert "박윤아 님을 대신하여 사용 중" in page.text, path
        assert 'id="banner-stop"' in page.text
    # acting never lends the person's staff roles
    assert app_client.get("/test-admin-page").status_code == 403
    assert "관리자" not in app_client.get("/account").text.split("로그인 이름")[1].split("</dl>")[0]
    overview = app_client.get("/account/acting/overview")
    assert overview.status_code == 200
    assert "박윤아 님의 계정 정보" in overview.text
    # while acting, delegations cannot be granted (in anyone's name)
    refused = _web_grant(app_client, delegate_login="counsel")
    assert refused.status_code == 403
    assert "먼저 그만하세요" in refused.text
    stop = app_client.post(
        "/account/acting/stop", data={"csrf": _csrf(overview.text)}, follow_redirects=False
    )
    assert stop.status_code == 303
    assert 'id="acting-banner"' not in app_client.get("/account").text

    mine = _as(app_client, y_token).get("/account/delegations")
    trail = mine.text.split('id="trail"')[1]
    assert "김민지 님이 박윤아 님을 대신하여 대신하기를 시작했습니다" in trail
    assert "김민지 님이 박윤아 님을 대신하여 계정 정보를 보았습니다" in trail
    assert "김민지 님이 박윤아 님을 대신하여 대신하기를 그만했습니다" in trail
    with session_scope(settings) as session:
        row_id = session.scalars(select(Delegation.id)).one()
    revoked = app_client.post(
        "/account/delegations/revoke", data={"delegation_id": row_id, "csrf": _csrf(mine.text)}
    )
    assert "위임을 취소했습니다." in revoked.text

    again = _as(app_client, x_token).get("/account/acting")
    assert 'id="no-live"' in again.text
    refused_start = app_client.post(
        "/account/acting", data={"grantor_id": y, "csrf": _csrf(acting_page.text)}
    )
    assert refused_start.status_code == 403
    assert "위임이 취소되었습니다." in refused_start.text
    assert [e.detail["reason"] for e in _audit(settings, "delegation.refused")] == [
        "while_acting",
        "revoked",
    ]
    assert x != y


def test_web_revoking_while_acting_ends_it_on_the_next_page(
    app_client: TestClient, settings: Settings
) -> None:
    y, _, y_token, x_token = _web_people(settings)
    _web_grant(_as(app_client, y_token))
    page = _as(app_client, x_token).get("/account/acting")
    app_client.post("/account/acting", data={"grantor_id": y, "csrf": _csrf(page.text)})
    assert 'id="acting-banner"' in app_client.get("/account").text
    with session_scope(settings) as session:
        row_id = session.scalars(select(Delegation.id)).one()
    mine = _as(app_client, y_token).get("/account/delegations")
    app_client.post(
        "/account/delegations/revoke", data={"delegation_id": row_id, "csrf": _csrf(mine.text)}
    )
    after = _as(app_client, x_token).get("/account/acting")
    assert 'id="acting-banner"' not in after.text
    assert 'id="acting-ended"' in after.text
    assert "위임이 취소되었습니다." in after.text
    assert app_client.get("/account/acting/overview").status_code == 403
    assert [e.detail["reason"] for e in _audit(settings, "acting.ended")] == ["revoked"]


def test_web_scope_not_covered_and_tampered_forms_are_refused(
    app_client: TestClient, settings: Settings
) -> None:
    y, _, y_token, x_token = _web_people(settings)
    _web_grant(_as(app_client, y_token), scopes=["benefits"])
    for form, reason in (
        ({"relation": "boss"}, "관계를 다시 골라 주세요."),
        ({"scopes": ["everything"]}, "맡길 일을 하나 이상 골라 주세요."),
        ({"ends_on": "not-a-date"}, "날짜를 다시 확인해 주세요."),
        ({"delegate_login": "nobody"}, "그 로그인 이름의 계정이 없습니다."),
        ({"delegate_login": "yuna"}, "자기 자신에게는 맡길 수 없습니다."),
    ):
        response = _web_grant(app_client, **form)
        assert response.status_code == 422, form
        assert reason in response.text
    assert app_client.get("/account/acting/overview").status_code == 403  # not acting
    page = _as(app_client, x_token).get("/account/acting")
    forged = app_client.post(
        "/account/acting", data={"grantor_id": "f" * 16, "csrf": _csrf(page.text)}
    )
    assert forged.status_code == 403
    assert "이 사람을 대신할 위임이 없습니다." in forged.text
    app_client.post("/account/acting", data={"grantor_id": y, "csrf": _csrf(page.text)})
    assert app_client.get("/account/acting/overview").status_code == 403  # benefits only
    reasons = [e.detail["reason"] for e in _audit(settings, "delegation.refused")]
    assert reasons == [
        "relation",
        "scopes",
        "dates",
        "unknown_login",
        "self",
        "not_acting",
        "none",
        "scope",
    ]
    no_csrf = app_client.post("/account/acting/stop", data={"csrf": "forged"})
    assert no_csrf.status_code == 403
    assert 'id="acting-banner"' in app_client.get("/account").text  # the forged stop did nothing


def test_web_pages_need_a_session(app_client: TestClient) -> None:
    for path in ("/account/delegations", "/account/acting", "/account/acting/overview"):
        response = app_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")
