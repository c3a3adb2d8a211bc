"""Notices from the scan, their deliveries, the outreach lists; applications under consent.

On a copy of the built fixture lake (``monitor_lake``) with the month's outreach list, scanned
once per module; each test has its own operational store.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from tests.identity.factories import create_test_account
from tests.monitor.conftest import MonitorLake

from ilteo.benefits.applications import (
    DOCUMENTS,
    application_json,
    apply,
    consents_of,
    read_documents,
    set_status,
    staff_application,
    staff_applications,
    terms_for,
    withdraw,
)
from ilteo.benefits.models import ConsentRead, Delivery, Notice
from ilteo.benefits.notices import (
    CSV_COLUMNS,
    OutreachFilters,
    delivery_counts,
    inbox,
    notice_json,
    notice_of,
    notice_texts,
    open_notice,
    outbox,
    outreach,
    outreach_csv,
    write_notices,
)
from ilteo.benefits.rules import FINDING_COLUMNS, RULES
from ilteo.benefits.scan import ScanResult, scan
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import ConfigurationError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.models import PersonRead

DAY = date(2025, 12, 31)
MONTH = "2025-12"
NOW = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built lake with the month's outreach list."""
    from ilteo.monitor.risk import write_outreach

    root = tmp_path_factory.mktemp("benefits-notices") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings, MONTH)
    return settings


@pytest.fixture(scope="module")
def result(home: Settings) -> ScanResult:
    return scan(home, DAY)


@pytest.fixture
def settings(home: Settings, tmp_path: Path) -> Settings:
    """The module's lake with this test's own operational store."""
    own = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


def _key(settings: Settings) -> str:
    assert settings.secret_key is not None
    return settings.secret_key.get_secret_value()


def test_the_scan_gives_findings_in_the_contract_layout(result: ScanResult) -> None:
    findings = result.findings
    assert tuple(findings.columns) == FINDING_COLUMNS
    assert findings.height > 0
    assert set(findings["rule"].unique()) <= set(RULES)
    assert findings.select(["master_id", "rule", "key"]).is_duplicated().sum() == 0


def test_notices_are_written_once_and_delivered_by_every_channel(
    settings: Settings, result: ScanResult
) -> None:
    with session_scope(settings) as session:
        first = write_notices(session, settings, result, now=NOW)
    assert first.created == result.findings.height > 0
    assert first.existing == 0
    assert sum(first.by_rule.values()) == first.created
    assert first.deliveries["portal"] == {"delivered": first.created}
    for channel in ("sms", "alimtalk", "email"):
        assert sum(first.deliveries[channel].values()) == first.created
    # the lake's people have 010 numbers (most) and no accounts yet (no e-mail)
    assert first.deliveries["sms"].get("written", 0) > 0
    assert first.deliveries["email"] == {"skipped": first.created}
    with session_scope(settings) as session:
        again = write_notices(session, settings, result, now=NOW + timedelta(days=1))
        total = session.scalar(select(func.count()).select_from(Notice))
        deliveries = session.scalar(select(func.count()).select_from(Delivery))
    assert again.created == 0
    assert again.existing == first.created
    assert total == first.created
    assert deliveries == first.created * 4


def test_the_outbox_keeps_recipients_masked_and_texts_sealed(
    settings: Settings, result: ScanResult
) -> None:
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=["sms"], now=NOW)
        raw = session.scalars(select(Delivery).where(Delivery.status == "written")).first()
        assert raw is not None
        assert raw.text_sealed
        assert raw.recipient_sealed
        assert "고용노동부" not in raw.text_sealed  # sealed, not clear
        entries = outbox(session, key=_key(settings), channel="sms", limit=5)
        counts = delivery_counts(session)
    assert entries
    assert all(e.channel == "sms" for e in entries)
    written = [e for e in entries if e.status == "written"]
    assert written
    for entry in written:
        assert "****" in entry.recipient
        assert "/benefits/notices" in entry.text
        assert not re.search(r"\d[\d,]*\s*원", entry.text)  # no amount in a text message
    assert set(counts) == {"portal", "sms"}
    with pytest.raises(InvalidInputError), session_scope(settings) as session:
        outbox(session, key=_key(settings), channel="fax")


def test_an_unknown_channel_is_a_configuration_error(
    settings: Settings, result: ScanResult
) -> None:
    with pytest.raises(ConfigurationError), session_scope(settings) as session:
        write_notices(session, settings, result, channels=["pigeon"])
    bad = settings.model_copy(update={"notice_channels": "sms,pigeon"})
    with pytest.raises(ConfigurationError), session_scope(bad) as session:
        write_notices(session, bad, result)


def test_a_notice_says_why_how_much_what_next_and_the_law(
    settings: Settings, result: ScanResult
) -> None:
    row = result.findings.filter(pl.col("rule") == "job_seeking_not_claimed").row(0, named=True)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        notice = session.scalars(
            select(Notice).where(
                Notice.master_person_id == row["master_id"], Notice.rule == row["rule"]
            )
        ).one()
        data = notice_json(notice)
        english = notice_json(notice, "en")
    assert data["amount_krw"] == row["amount_krw"] == row["daily_amount_krw"] * row["benefit_days"]
    assert f"{row['daily_amount_krw']:,}원" in data["how_much"]
    assert f"{row['benefit_days']}일" in data["how_much"]
    separated: date = row["separation_date"]
    deadline = date(separated.year + 1, separated.month, separated.day)
    assert f"{deadline.year}년 {deadline.month}월 {deadline.day}일" in data["what_next"]
    assert "서류" in data["what_next"]
    assert any("law.go.kr" in r["href"] and "제40조" in r["title"] for r in data["legal_basis"])
    assert data["apply_url"] == f"/benefits/notices/{data['id']}/apply"
    assert english["title"].startswith("You can receive")
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in english["why"])


def test_every_rule_has_words(result: ScanResult) -> None:
    for rule in RULES:
        found = result.findings.filter(pl.col("rule") == rule)
        if found.height:
            ko, en = notice_texts(found.row(0, named=True))
            assert ko.title
            assert ko.why
            assert ko.how_much
            assert ko.what_next
            assert en.title
            assert en.what_next
    with pytest.raises(InvalidInputError):
        notice_texts({"rule": "lottery"})


def test_the_inbox_holds_only_the_persons_notices(settings: Settings, result: ScanResult) -> None:
    masters = result.findings["master_id"].unique().sort().to_list()
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        mine = inbox(session, masters[0])
        theirs = inbox(session, masters[1])
        assert mine
        assert all(n.master_person_id == masters[0] for n in mine)
        with pytest.raises(NotFoundError):
            notice_of(session, theirs[0].id, masters[0])
        with pytest.raises(NotFoundError):
            notice_of(session, "N0000", None)
        open_notice(session, mine[0], now=NOW)
        assert mine[0].status == "read"
        assert mine[0].read_at is not None


def test_outreach_filters_and_counts_agree_with_the_findings(
    settings: Settings, result: ScanResult
) -> None:
    findings = result.findings
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        everything = outreach(session, OutreachFilters(), per_page=10)
        assert everything.total == findings.height
        assert len(everything.rows) == min(10, findings.height)
        assert everything.counts["by_rule"] == dict(findings.group_by("rule").len().iter_rows())
        assert everything.counts["amount_krw"] == int(findings["amount_krw"].fill_null(0).sum())
        amounts = [n.amount_krw or 0 for n in everything.rows]
        assert amounts == sorted(amounts, reverse=True)
        sido = str(findings["sido"].drop_nulls()[0])
        by_sido = outreach(session, OutreachFilters(sido=sido, age_min=20, age_max=60))
        expected = findings.filter(
            (pl.col("sido") == sido) & pl.col("age").is_between(20, 60)
        ).height
        assert by_sido.total == expected
        lines = "".join(outreach_csv(session, OutreachFilters(sido=sido))).splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS)
    assert len(lines) - 1 == findings.filter(pl.col("sido") == sido).height


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (OutreachFilters(rule="lottery"), "rule"),
        (OutreachFilters(sido="99"), "sido"),
        (OutreachFilters(status="lost"), "status"),
        (OutreachFilters(age_min=50, age_max=40), "age_max"),
        (OutreachFilters(age_min=-1), "age_min"),
    ],
)
def test_bad_outreach_filters_name_the_field(
    settings: Settings, filters: OutreachFilters, field: str
) -> None:
    with pytest.raises(InvalidInputError) as error, session_scope(settings) as session:
        outreach(session, filters)
    assert field in error.value.extra["fields"]


# --- applications ------------------------------------------------------------------------------


def _job_seeker(result: ScanResult) -> dict[str, Any]:
    found = result.findings.filter(pl.col("rule") == "job_seeking_not_claimed")
    row: dict[str, Any] = found.row(0, named=True)
    return row


def test_applying_reads_the_documents_instead_of_paper(
    settings: Settings, result: ScanResult
) -> None:
    row = _job_seeker(result)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        account, _ = create_test_account(
            session, login="citizen", master_person_id=row["master_id"]
        )
        notice = next(n for n in inbox(session, row["master_id"]) if n.rule == row["rule"])
        terms = terms_for(notice)
        application = apply(session, settings, account, notice.id, now=NOW)
        data = application_json(session, application)
        assert notice.status == "applied"
        with pytest.raises(InvalidInputError) as again:
            apply(session, settings, account, notice.id, now=NOW)
        assert application.id in str(again.value)
    assert terms.items == ("separation_certificate", "wage_records", "insured_history")
    assert data["status"] == "submitted"
    assert data["consent"]["active"]
    assert data["consent"]["purpose"] == terms.purpose_ko
    separation = data["documents"]["separation_certificate"]["records"]
    assert separation[0]["separation_date"] == row["separation_date"].isoformat()
    assert separation[0]["loss_reason_code"] == row["loss_reason_code"]
    wages = data["documents"]["wage_records"]["records"]
    assert 0 < len(wages) <= 12
    assert all(w["month"] <= row["separation_date"].isoformat()[:7] for w in wages)
    history = data["documents"]["insured_history"]["records"]
    assert any(h["end"] == row["separation_date"].isoformat() for h in history)
    assert sorted(r["item"] for r in data["reads"]) == sorted(terms.items)
    assert {r["reader_kind"] for r in data["reads"]} == {"system"}


def test_the_counsellor_sees_the_same_application_and_every_read_is_recorded(
    settings: Settings, result: ScanResult
) -> None:
    row = _job_seeker(result)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        citizen, _ = create_test_account(
            session, login="citizen", master_person_id=row["master_id"]
        )
        staff, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        notice = next(n for n in inbox(session, row["master_id"]) if n.rule == row["rule"])
        application = apply(session, settings, citizen, notice.id, now=NOW)
        mine = application_json(session, application)
        with pytest.raises(InvalidInputError):
            staff_application(session, staff, application.id, "  ", now=NOW)
        with pytest.raises(InvalidInputError):
            staff_application(session, citizen, application.id, "궁금해서 봄", now=NOW)
        seen = staff_application(session, staff, application.id, "수급자격 심사", now=NOW)
        theirs = application_json(session, seen)
        reads = session.scalars(select(PersonRead)).all()
        listed, total = staff_applications(session, status="submitted")
        set_status(session, staff, application.id, "in_review", now=NOW)
        with pytest.raises(InvalidInputError):
            set_status(session, staff, application.id, "paid", now=NOW)
    assert theirs["documents"] == mine["documents"]
    assert [(r.master_person_id, r.purpose) for r in reads] == [(row["master_id"], "수급자격 심사")]
    staff_reads = [r for r in theirs["reads"] if r["reader_kind"] == "staff"]
    assert len(staff_reads) == 3  # the three documents of the job-seeking claim
    assert all(r["reader"] == "staff:counsellor" for r in staff_reads)
    assert total == 1
    assert listed[0].id == application.id


def test_withdrawing_consent_erases_the_documents_and_stops_reads(
    settings: Settings, result: ScanResult
) -> None:
    row = _job_seeker(result)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        citizen, _ = create_test_account(
            session, login="citizen", master_person_id=row["master_id"]
        )
        other, _ = create_test_account(session, login="other", master_person_id="P000000001")
        staff, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        notice = next(n for n in inbox(session, row["master_id"]) if n.rule == row["rule"])
        application = apply(session, settings, citizen, notice.id, now=NOW)
        with pytest.raises(NotFoundError):
            withdraw(session, other, application.consent_id)
        consent = withdraw(session, citizen, application.consent_id, now=NOW + timedelta(hours=1))
        reads_before = session.scalar(select(func.count()).select_from(ConsentRead))
        staff_application(session, staff, application.id, "수급자격 심사", now=NOW)
        reads_after = session.scalar(select(func.count()).select_from(ConsentRead))
        data = application_json(session, application)
        assert consents_of(session, citizen)[0].withdrawn_at is not None
        assert notice.status == "read"  # may apply again
        again = apply(session, settings, citizen, notice.id, now=NOW + timedelta(hours=2))
        assert again.id != application.id
        assert again.documents
    assert consent.withdrawn_at is not None
    assert application.documents is None
    assert data["documents"] is None
    assert data["status"] == "withdrawn"
    assert data["consent"]["active"] is False
    assert reads_after == reads_before  # nothing read after withdrawal


def test_an_unlinked_account_cannot_apply(settings: Settings, result: ScanResult) -> None:
    row = _job_seeker(result)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=[], now=NOW)
        account, _ = create_test_account(session, login="nobody")
        notice = inbox(session, row["master_id"])[0]
        with pytest.raises(InvalidInputError) as error:
            apply(session, settings, account, notice.id)
    assert error.value.extra["fields"] == ["account"]


def test_documents_of_a_person_without_a_lake_record_are_empty(home: Settings) -> None:
    documents = read_documents(home, "P999999999", tuple(DOCUMENTS))
    assert documents == {code: [] for code in DOCUMENTS}
    with pytest.raises(InvalidInputError):
        read_documents(home, "P000000001", ("birth_certificate",))
    with pytest.raises(InvalidInputError):
        read_documents(home, "not-an-id", ("insured_history",))
