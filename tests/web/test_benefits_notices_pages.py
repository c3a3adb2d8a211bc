"""The notice, application and staff pages of the benefits room, on a real scan of the fixture lake.

Served on a copy of the built fixture lake (``monitor_lake``) with this month's outreach list
written; the scan of 2025-12-31 finds people entitled and not claiming, and each test writes
their notices into its own identity database. Citizens are accounts linked to those people;
the documents of an application are read from the lake.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.identity.factories import create_test_account, sign_in_client
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.benefits.applications import DOCUMENTS, apply, terms_for
from ilteo.benefits.models import Application, Consent, ConsentRead, Delivery, Notice
from ilteo.benefits.notices import SEAL_PURPOSE, NoticeWrite, write_notices
from ilteo.benefits.scan import ScanResult, scan
from ilteo.core.crypto import unseal
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.identity.accounts import get_account
from ilteo.identity.models import PersonRead
from ilteo.monitor.risk import write_outreach

MONTH = "2025-12"
AS_OF = date(2025, 12, 31)
PURPOSE = "수급자격 심사"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built lake with the month's outreach list; one per module."""
    root = tmp_path_factory.mktemp("benefit-notices-web") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings, MONTH)
    return settings


@pytest.fixture(scope="module")
def result(home: Settings) -> ScanResult:
    """The scan of the fixture lake on 2025-12-31 (with its findings)."""
    found = scan(home, AS_OF)
    assert found.findings.height >= 2
    return found


@pytest.fixture
def lake_settings(home: Settings, tmp_path: Path) -> Settings:
    """The module's lake with this test's own identity database."""
    settings = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"})
    upgrade(settings)
    return settings


@pytest.fixture
def written(lake_settings: Settings, result: ScanResult) -> NoticeWrite:
    """The scan's notices written, delivered by the portal and the dev outbox channels."""
    with session_scope(lake_settings) as session:
        return write_notices(session, lake_settings, result, channels=("sms", "email", "alimtalk"))


@pytest.fixture
def web(lake_settings: Settings, written: NoticeWrite) -> Iterator[TestClient]:
    with TestClient(create_app(lake_settings), headers={"Accept": "text/html"}) as client:
        yield client


def _people(settings: Settings) -> list[str]:
    """Master ids with a notice of a programme one can apply for, the 구직급여 ones first."""
    with session_scope(settings) as session:
        rows = session.execute(
            select(Notice.master_person_id, Notice.programme).order_by(Notice.id)
        ).all()
    order = sorted(rows, key=lambda r: r[1] != "job_seeking_allowance")
    found: list[str] = []
    for master_id, _ in order:
        if master_id not in found:
            found.append(master_id)
    return found


def _citizen(client: TestClient, settings: Settings, master_id: str | None, login: str) -> str:
    """Sign ``client`` in as a citizen linked to ``master_id``; the account id."""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login, master_person_id=master_id)
        token = create_session(session, account.id)
        account_id = account.id
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, token)
    return account_id


def _notices_of(settings: Settings, master_id: str) -> list[Notice]:
    with session_scope(settings) as session:
        found = list(session.scalars(select(Notice).where(Notice.master_person_id == master_id)))
        session.expunge_all()
    return found


def _csrf(page: Any) -> str:
    match = CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _one(settings: Settings, model: Any, ident: str) -> Any:
    with session_scope(settings) as session:
        row = session.get(model, ident)
        session.expunge_all()
    return row


def _count(settings: Settings, model: Any, *where: Any) -> int:
    with session_scope(settings) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _apply_via_page(web: TestClient, notice_id: str) -> str:
    """Open the consent screen, agree, and follow the redirect; the application id."""
    form = web.get(f"/benefits/notices/{notice_id}/apply")
    assert form.status_code == 200
    sent = web.post(
        f"/benefits/notices/{notice_id}/apply",
        data={"csrf": _csrf(form)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.startswith("/benefits/applications/")
    return location.rsplit("/", 1)[1]


def test_pages_need_a_sign_in_and_the_right_role(web: TestClient, lake_settings: Settings) -> None:
    citizen_paths = ["/benefits/notices", "/benefits/consents", "/benefits/notices/N1"]
    staff_paths = [
        "/benefits/outreach",
        "/benefits/outreach.csv",
        "/benefits/outbox",
        "/benefits/staff/applications",
        "/benefits/staff/applications/A1?purpose=" + PURPOSE,
    ]
    for path in citizen_paths + staff_paths:
        anonymous = web.get(path, follow_redirects=False)
        assert anonymous.status_code == 303, path
        assert anonymous.headers["location"].startswith("/sign-in"), path
    _citizen(web, lake_settings, _people(lake_settings)[0], "citizen")
    assert all(web.get(path).status_code == 403 for path in staff_paths)
    web.cookies.clear()
    sign_in_client(web, lake_settings, login="analyst1", roles=("analyst",))
    counts = web.get("/benefits/outreach")
    assert counts.status_code == 200
    assert 'id="count-total"' in counts.text
    assert 'id="counts-only"' in counts.text
    assert 'id="outreach-table"' not in counts.text
    assert 'id="csv-link"' not in counts.text
    assert all(web.get(path).status_code == 403 for path in staff_paths[1:])
    web.cookies.clear()
    sign_in_client(web, lake_settings, login="steward", roles=("data_steward",))
    assert all(web.get(path).status_code == 403 for path in staff_paths)


def test_an_unlinked_account_is_told_how_to_link(web: TestClient, lake_settings: Settings) -> None:
    _citizen(web, lake_settings, None, "unlinked")
    for path in ("/benefits/notices", "/benefits/consents"):
        page = web.get(path)
        assert page.status_code == 200
        assert 'data-state="not_linked"' in page.text
        assert "고용센터 창구" in page.text
    assert web.get("/benefits/notices/N1").status_code == 200  # the same explanation
    assert 'id="inbox"' not in web.get("/benefits/notices").text


def test_inbox_shows_only_the_persons_own_notices(web: TestClient, lake_settings: Settings) -> None:
    mine, other = _people(lake_settings)[:2]
    _citizen(web, lake_settings, mine, "citizen")
    own, others = _notices_of(lake_settings, mine), _notices_of(lake_settings, other)
    assert own
    assert others
    page = web.get("/benefits/notices")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "나에게 온 급여·지원 안내" in page.text
    assert page.text.count('class="ilteo-card benefits-notice"') == len(own)
    for notice in own:
        assert f'href="/benefits/notices/{notice.id}"' in page.text
        assert notice.title_ko in page.text
        if notice.amount_krw is not None:
            assert f"{notice.amount_krw:,}원" in page.text
    assert not any(f"/benefits/notices/{n.id}" in page.text for n in others)
    assert page.text.count('data-status="new"') >= len(own)  # none opened yet
    assert page.headers["cache-control"] == "no-store"

    # Another person's notice and an unknown one: the same 404, and nothing is marked read.
    theirs = web.get(f"/benefits/notices/{others[0].id}")
    unknown = web.get("/benefits/notices/N000000000000")
    assert theirs.status_code == unknown.status_code == 404
    masked = theirs.text.replace(others[0].id, "ID"), unknown.text.replace("N000000000000", "ID")
    assert masked[0] == masked[1]  # word for word the same: whether it exists is not told
    assert _one(lake_settings, Notice, others[0].id).status == "new"
    assert web.get(f"/benefits/notices/{others[0].id}/apply").status_code == 404

    opened = web.get(f"/benefits/notices/{own[0].id}")
    assert opened.status_code == 200
    assert opened.text.count("<h1") == 1
    for heading in ("왜 받을 수 있나요", "얼마나 받나요", "다음에 할 일", "근거 법령"):
        assert heading in opened.text
    assert opened.text.count('id="apply-button"') == 1
    assert f'href="/benefits/notices/{own[0].id}/apply"' in opened.text
    for reference in own[0].references:
        assert reference["href"] in opened.text
    assert _one(lake_settings, Notice, own[0].id).status == "read"
    english = web.get(f"/benefits/notices/{own[0].id}", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert own[0].title_en in english.text
    assert "Why you may receive it" in english.text


def test_applying_reads_the_documents_and_records_every_read(
    web: TestClient, lake_settings: Settings
) -> None:
    mine, other = _people(lake_settings)[:2]
    _citizen(web, lake_settings, mine, "citizen")
    notice = _notices_of(lake_settings, mine)[0]
    terms = terms_for(notice)
    form = web.get(f"/benefits/notices/{notice.id}/apply")
    assert form.status_code == 200
    assert form.text.count('id="consent-submit"') == 1
    assert terms.purpose_ko in form.text
    assert terms.holder_ko in form.text
    assert terms.recipient_ko in form.text
    assert f"({terms.days}일)" in form.text
    for item in terms.items:
        assert DOCUMENTS[item].title_ko in form.text
    assert _count(lake_settings, Application) == 0  # showing the terms applies for nothing

    refused = web.post(f"/benefits/notices/{notice.id}/apply", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert _count(lake_settings, Application) == 0

    application_id = _apply_via_page(web, notice.id)
    application = _one(lake_settings, Application, application_id)
    assert application.status == "submitted"
    assert application.notice_id == notice.id
    assert application.documents is not None
    assert set(application.documents) == set(terms.items)
    reads = _count(lake_settings, ConsentRead, ConsentRead.application_id == application_id)
    assert reads == len(terms.items)
    assert _one(lake_settings, Notice, notice.id).status == "applied"

    page = web.get(f"/benefits/applications/{application_id}")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    for item in terms.items:
        assert f'id="document-{item}"' in page.text
    assert page.text.count('data-reader-kind="system"') == len(terms.items)
    assert 'id="withdraw-form"' in page.text
    # Applying again goes to the same application; the notice now links to it.
    again = web.get(f"/benefits/notices/{notice.id}/apply")
    assert 'id="already-applied"' in again.text
    assert 'id="consent-form"' not in again.text
    resent = web.post(
        f"/benefits/notices/{notice.id}/apply", data={"csrf": _csrf(page)}, follow_redirects=False
    )
    assert resent.headers["location"] == f"/benefits/applications/{application_id}"
    assert _count(lake_settings, Application) == 1
    assert (
        f"/benefits/applications/{application_id}" in web.get(f"/benefits/notices/{notice.id}").text
    )

    _citizen(web, lake_settings, other, "someone")
    assert web.get(f"/benefits/applications/{application_id}").status_code == 404
    assert web.get("/benefits/applications/A000000000000").status_code == 404


def test_withdrawing_erases_the_documents_and_keeps_the_record(
    web: TestClient, lake_settings: Settings
) -> None:
    mine = _people(lake_settings)[0]
    _citizen(web, lake_settings, mine, "citizen")
    notice = _notices_of(lake_settings, mine)[0]
    application_id = _apply_via_page(web, notice.id)
    consent_id = _one(lake_settings, Application, application_id).consent_id
    page = web.get(f"/benefits/applications/{application_id}")
    token = _csrf(page)
    path = f"/benefits/consents/{consent_id}/withdraw"

    assert web.post(path, data={"csrf": "forged", "confirm": "yes"}).status_code == 403
    unconfirmed = web.post(path, data={"csrf": token})
    assert unconfirmed.status_code == 422
    assert 'aria-invalid="true"' in unconfirmed.text
    assert _one(lake_settings, Consent, consent_id).withdrawn_at is None

    done = web.post(path, data={"csrf": token, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/benefits/applications/{application_id}"
    consent = _one(lake_settings, Consent, consent_id)
    application = _one(lake_settings, Application, application_id)
    assert consent.withdrawn_at is not None
    assert application.documents is None
    assert application.status == "withdrawn"
    after = web.get(f"/benefits/applications/{application_id}")
    assert 'id="no-documents"' in after.text
    assert 'id="document-' not in after.text
    assert 'id="withdraw-form"' not in after.text
    assert 'data-reader-kind="system"' in after.text  # the reads stay on record

    consents = web.get("/benefits/consents")
    assert consents.status_code == 200
    assert f'id="consent-{consent_id}"' in consents.text
    assert 'data-active="no"' in consents.text
    assert f"/benefits/applications/{application_id}" in consents.text

    someone = _people(lake_settings)[1]
    _citizen(web, lake_settings, someone, "someone")
    theirs = _notices_of(lake_settings, someone)[0]
    token = _csrf(web.get(f"/benefits/notices/{theirs.id}/apply"))
    assert web.post(path, data={"csrf": token, "confirm": "yes"}).status_code == 404


def test_staff_read_needs_a_purpose_and_is_audited(
    web: TestClient, lake_settings: Settings
) -> None:
    mine = _people(lake_settings)[0]
    notice = _notices_of(lake_settings, mine)[0]
    with session_scope(lake_settings) as session:
        citizen, _ = create_test_account(session, login="citizen", master_person_id=mine)
        application_id = apply(session, lake_settings, citizen, notice.id).id
    items = terms_for(notice).items
    staff = sign_in_client(web, lake_settings, login="counsellor1", roles=("counsellor",))

    listing = web.get("/benefits/staff/applications")
    assert listing.status_code == 200
    assert f'href="/benefits/staff/applications/{application_id}"' in listing.text
    assert web.get("/benefits/staff/applications", params={"status": "nope"}).status_code == 422
    only = web.get("/benefits/staff/applications", params={"status": "approved"})
    assert application_id not in only.text

    path = f"/benefits/staff/applications/{application_id}"
    asked = web.get(path)
    assert asked.status_code == 200
    assert 'id="purpose-form"' in asked.text
    assert 'id="documents"' not in asked.text
    assert web.get(path, params={"purpose": "ab"}).status_code == 422
    assert _count(lake_settings, PersonRead) == 0

    page = web.get(path, params={"purpose": PURPOSE})
    assert page.status_code == 200
    for item in items:
        assert f'id="document-{item}"' in page.text
    with session_scope(lake_settings) as session:
        reads = list(session.scalars(select(PersonRead)))
        assert len(reads) == 1
        assert reads[0].master_person_id == mine
        assert reads[0].staff_account_id == staff.id
        assert PURPOSE in reads[0].purpose
        staff_reads = list(
            session.scalars(select(ConsentRead).where(ConsentRead.reader_kind == "staff"))
        )
        assert len(staff_reads) == len(items)
        assert all(r.reader_account_id == staff.id for r in staff_reads)
    assert (
        web.get(
            "/benefits/staff/applications/A000000000000", params={"purpose": PURPOSE}
        ).status_code
        == 404
    )

    status_path = f"{path}/status"
    token = _csrf(page)
    assert web.post(status_path, data={"csrf": "forged", "status": "approved"}).status_code == 403
    assert web.post(status_path, data={"csrf": token, "status": "paid"}).status_code == 422
    moved = web.post(
        status_path, data={"csrf": token, "status": "approved"}, follow_redirects=False
    )
    assert moved.status_code == 303
    assert _one(lake_settings, Application, application_id).status == "approved"

    # The citizen sees the same application, the staff reads included.
    web.cookies.clear()
    with session_scope(lake_settings) as session:
        token = create_session(session, get_account(session, citizen.id).id)
    web.cookies.set(COOKIE_NAME, token)
    own = web.get(f"/benefits/applications/{application_id}")
    assert own.status_code == 200
    assert own.text.count('data-reader-kind="staff"') == len(items)
    assert "상담원" in own.text
    assert 'data-status="approved"' in own.text


def _grouped(settings: Settings, column: Any, *where: Any) -> dict[str, int]:
    with session_scope(settings) as session:
        rows = session.execute(select(column, func.count()).where(*where).group_by(column))
        return {str(k): int(n) for k, n in rows}


def test_outreach_counts_and_filters_match_the_database(
    web: TestClient, lake_settings: Settings, written: NoticeWrite
) -> None:
    sign_in_client(web, lake_settings, login="counsellor1", roles=("counsellor",))
    page = web.get("/benefits/outreach")
    assert page.status_code == 200
    total = _count(lake_settings, Notice)
    assert total == written.created
    assert f'data-total="{total}"' in page.text
    by_rule = _grouped(lake_settings, Notice.rule)
    assert by_rule == written.by_rule
    for rule, n in by_rule.items():
        row = page.text.split('id="counts-by_rule"')[1].split(f'data-key="{rule}"')[1]
        assert f'<td class="num">{n:,}</td>' in row.split("</tr>")[0]
    assert 'id="outreach-table"' in page.text
    assert page.text.count("<tr data-notice=") == min(total, 50)
    with session_scope(lake_settings) as session:
        amount = int(session.scalar(select(func.sum(Notice.amount_krw))) or 0)
    assert f'data-amount="{amount}"' in page.text

    rule = min(by_rule, key=lambda r: by_rule[r])
    one = web.get("/benefits/outreach", params={"rule": rule})
    assert f'data-total="{by_rule[rule]}"' in one.text
    sidos = _grouped(lake_settings, Notice.sido, Notice.sido.is_not(None))
    sido = max(sidos, key=lambda s: sidos[s])
    aged = _count(lake_settings, Notice, Notice.sido == sido, Notice.age >= 30, Notice.age <= 50)
    narrowed = web.get("/benefits/outreach", params={"sido": sido, "age_min": 30, "age_max": 50})
    assert narrowed.status_code == 200
    assert f'data-total="{aged}"' in narrowed.text

    for params, field in (
        ({"rule": "no_such_rule"}, "rule"),
        ({"sido": "99"}, "sido"),
        ({"status": "gone"}, "status"),
        ({"age_min": "abc"}, "age_min"),
        ({"age_min": "50", "age_max": "20"}, "age_max"),
    ):
        bad = web.get("/benefits/outreach", params=params)
        assert bad.status_code == 422, params
        assert f'<li data-field="{field}">' in bad.text
        assert f'id="f-{field}"' in bad.text
        assert 'id="count-total"' not in bad.text
    assert web.get("/benefits/outreach", params={"page": "0"}).status_code == 422


def test_outreach_csv_export_has_the_filtered_rows_and_no_names(
    web: TestClient, lake_settings: Settings
) -> None:
    sign_in_client(web, lake_settings, login="admin1", roles=("administrator",))
    export = web.get("/benefits/outreach.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment;")
    assert ".csv" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == _count(lake_settings, Notice)
    header = export.text.splitlines()[0].lower()
    assert "name" not in header
    assert "phone" not in header
    by_rule = _grouped(lake_settings, Notice.rule)
    rule = next(iter(by_rule))
    filtered = list(
        csv.DictReader(io.StringIO(web.get("/benefits/outreach.csv", params={"rule": rule}).text))
    )
    assert len(filtered) == by_rule[rule]
    assert web.get("/benefits/outreach.csv", params={"age_min": "x"}).status_code == 422


def test_outbox_shows_masked_recipients_only(
    web: TestClient, lake_settings: Settings, written: NoticeWrite
) -> None:
    sign_in_client(web, lake_settings, login="counsellor1", roles=("counsellor",))
    page = web.get("/benefits/outbox")
    assert page.status_code == 200
    for channel, statuses in written.deliveries.items():
        for status, n in statuses.items():
            row = page.text.split(f'data-channel="{channel}" data-status="{status}"')[1]
            assert f'<td class="num">{n:,}</td>' in row.split("</tr>")[0]
    with session_scope(lake_settings) as session:
        sms = list(session.scalars(select(Delivery).where(Delivery.channel == "sms")))
    assert sms
    assert any(d.recipient_masked for d in sms)
    assert any(d.recipient_masked and d.recipient_masked in page.text for d in sms)
    key = lake_settings.secret_key.get_secret_value() if lake_settings.secret_key else ""
    numbers = [unseal(key, SEAL_PURPOSE, d.recipient_sealed) for d in sms if d.recipient_sealed]
    assert numbers
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        assert digits not in page.text
        assert f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}" not in page.text
    assert not re.search(r"01[016789]-?\d{3,4}-?\d{4}", page.text.replace("****", "")), (
        "a full phone number is on the page"
    )
    assert "[고용노동부]" in page.text  # the texts are unsealed for staff
    only_sms = web.get("/benefits/outbox", params={"channel": "sms"})
    table = only_sms.text.split('id="outbox-table"')[1]
    assert 'data-channel="sms"' in table
    assert 'data-channel="email"' not in table
    bad = web.get("/benefits/outbox", params={"channel": "pigeon"})
    assert bad.status_code == 422
    assert '<li data-field="channel">' in bad.text
