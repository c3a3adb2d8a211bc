"""Cases: the same person again, the lake's master workplace, requests grouped for inspectors."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from tests.identity.factories import create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.cases import (
    HORIZON_DAYS,
    SIMILAR,
    assign_case,
    case_of,
    case_requests,
    cases,
    link,
    similarity,
    workplace_for,
)
from ilteo.desk.intake import submit
from ilteo.desk.models import Case, Event, Request
from ilteo.desk.queue import NotHandlerError
from ilteo.identity.accounts import get_account
from ilteo.identity.models import AuditEntry

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul
#: Fake workplaces (names made up; registration numbers not real).
MASTERS = [
    ("W000000001", "active", "1234567890", "(주)가온물류", "서울특별시 강남구 테헤란로 999", "11"),
    (
        "W000000002",
        "active",
        "2234567890",
        "한결정밀 주식회사",
        "부산광역시 해운대구 센텀로 1",
        "26",
    ),
    ("W000000003", "active", None, "(주)다온식품", "경기도 수원시 영통구 봉황로 16", "41"),
    ("W000000004", "active", None, "다온식품", "경기도 수원시 영통구 광교로 2", "41"),
    ("W000000005", "merged", "3234567890", "(주)누리건설", "대구광역시 중구 동덕로 1", "27"),
    ("W000000006", "active", None, "새봄전자", "충청남도 천안시 서북구 불당로 5", "44"),
]
WAGES = (
    "(주)가온물류에서 물류센터 상하차 일을 했는데 석 달째 월급을 못 받았습니다. 사장님은 "
    "다음 달에 준다는 말만 반복하고 연락도 잘 안 됩니다. 임금체불 신고를 하고 싶습니다."
)
WAGES_AGAIN = (
    "다시 문의드립니다. (주)가온물류에서 물류센터 상하차 일을 했는데 석 달째 월급을 못 "
    "받았습니다. 사장님은 다음 달에 준다는 말만 반복하고 연락도 잘 안 됩니다."
)
WAGES_OTHER = (
    "가온물류 사무실에서 경리로 일했고 지난달 퇴사했는데 마지막 두 달 급여가 아직 입금되지 "
    "않았습니다. 회사에 물어봐도 기다리라고만 합니다. 체불 임금을 받고 싶어요."
)


def write_masters(path: Path, rows: list[tuple[str, str, str | None, str, str, str]]) -> None:
    """A master workplaces table as the lake writes it (the columns ``workplace_for`` reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame(
        rows,
        schema=["master_id", "status", "brn", "name", "address", "sido_code"],
        orient="row",
    ).with_columns(pl.lit("49401").alias("ksic_code"))
    frame.write_parquet(path)


@pytest.fixture(scope="module")
def home(desk_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a tiny lake of master workplaces; the desk's model cache is shared."""
    root = tmp_path_factory.mktemp("cases") / "home"
    root.mkdir(parents=True)
    desk_settings.cache_dir.mkdir(parents=True, exist_ok=True)
    (root / "cache").symlink_to(desk_settings.cache_dir, target_is_directory=True)
    write_masters(root / "lake" / "master" / "workplaces.parquet", MASTERS)
    return root


@pytest.fixture
def settings(desk_settings: Settings, home: Path, tmp_path: Path) -> Settings:
    """This module's home (its lake) with this test's own store."""
    own = desk_settings.model_copy(
        update={"home": home, "database_url": f"sqlite:///{tmp_path / 'ops.db'}"}
    )
    upgrade(own)
    return own


# ---------------------------------------------------------------------------------------------
# workplace_for


def test_a_workplace_is_found_by_its_business_number_first(settings: Settings) -> None:
    match = workplace_for(settings, brn="123-45-67890", name="전혀 다른 이름")
    assert match is not None
    assert (match.master_id, match.method, match.sido_code) == ("W000000001", "brn", "11")
    assert match.ksic_code == "49401"
    merged = workplace_for(settings, brn="3234567890")
    assert merged is None  # only active masters


def test_a_workplace_is_found_by_its_standardised_name_in_the_same_place(
    settings: Settings,
) -> None:
    match = workplace_for(settings, name="한결 정밀", address="부산 해운대구 어딘가")
    assert match is not None
    assert (match.master_id, match.method) == ("W000000002", "name_address")
    # a branch elsewhere in the 시도 still finds the only master of that name there
    branch = workplace_for(settings, name="한결정밀 공장", address="부산광역시 사하구 낙동대로 1")
    assert branch is not None
    assert branch.master_id == "W000000002"
    # another 시도, or no address at all: no match
    assert workplace_for(settings, name="한결정밀", address="서울 강남구") is None
    assert workplace_for(settings, name="한결정밀") is None
    assert workplace_for(settings, name="없는회사", address="부산 해운대구") is None


def test_two_masters_with_one_name_in_one_place_give_no_guess(settings: Settings) -> None:
    assert workplace_for(settings, name="다온식품", address="경기도 수원시 영통구") is None
    assert workplace_for(settings, name="다온식품", address="경기도") is None


def test_no_lake_means_no_match(desk_settings: Settings, tmp_path: Path) -> None:
    bare = desk_settings.model_copy(update={"home": tmp_path / "empty"})
    assert workplace_for(bare, brn="1234567890", name="(주)가온물류", address="서울") is None


def test_the_index_follows_the_file(desk_settings: Settings, tmp_path: Path) -> None:
    own = desk_settings.model_copy(update={"home": tmp_path / "own"})
    path = own.lake_dir / "master" / "workplaces.parquet"
    write_masters(path, MASTERS[:1])
    assert workplace_for(own, name="새봄전자", address="충남 천안시 서북구") is None
    write_masters(path, MASTERS)
    later = path.stat().st_mtime + 10
    os.utime(path, (later, later))
    match = workplace_for(own, name="새봄전자", address="충남 천안시 서북구")
    assert match is not None
    assert match.master_id == "W000000006"


# ---------------------------------------------------------------------------------------------
# The same person again


def test_similarity_separates_a_rewrite_from_another_request() -> None:
    assert similarity(WAGES, WAGES_AGAIN) >= SIMILAR
    assert similarity(WAGES, WAGES_OTHER) < SIMILAR
    assert similarity("", WAGES) == 0.0


def _file(settings: Settings, text: str, account_id: str, when: datetime, **kw: str) -> str:
    receipt = submit(
        settings, text=text, channel="web", kind="complaint", account_id=account_id, now=when,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return receipt.tracking_number


def _accounts(settings: Settings, *logins: str, roles: tuple[str, ...] = ()) -> list[str]:
    with session_scope(settings) as session:
        return [create_test_account(session, login=x, roles=roles)[0].id for x in logins]


def test_the_same_person_again_is_marked_a_duplicate_of_the_earliest(settings: Settings) -> None:
    me, other = _accounts(settings, "worker1", "worker2")
    first = _file(settings, WAGES, me, NOW)
    second = _file(settings, WAGES_AGAIN, me, NOW + timedelta(days=3))
    third = _file(settings, WAGES, me, NOW + timedelta(days=5))
    someone = _file(settings, WAGES, other, NOW + timedelta(days=6))
    different = _file(
        settings, "육아휴직 급여는 언제 어디서 신청하나요?", me, NOW + timedelta(days=7)
    )
    late = _file(settings, WAGES, me, NOW + timedelta(days=HORIZON_DAYS + 1))
    with session_scope(settings) as session:
        rows = {r.id: r for r in session.scalars(select(Request))}
    assert rows[first].category == rows[second].category == "wage_arrears"
    assert rows[first].duplicate_of is None
    assert rows[second].duplicate_of == first
    assert rows[third].duplicate_of == first  # the earliest similar one, not the latest
    assert rows[someone].duplicate_of is None  # another person's text is never compared
    assert rows[different].duplicate_of is None
    # 91 days after the first, but within 90 days of the second and third
    assert rows[late].duplicate_of == second


# ---------------------------------------------------------------------------------------------
# Cases


def test_complaints_against_one_workplace_become_one_case(settings: Settings) -> None:
    a, b, c = _accounts(settings, "w1", "w2", "w3")
    one = _file(settings, WAGES, a, NOW, workplace_name="(주)가온물류",
                workplace_address="서울특별시 강남구 테헤란로 999")  # fmt: skip
    two = _file(settings, WAGES_OTHER, b, NOW + timedelta(hours=2), workplace_brn="1234567890")
    benefit = _file(
        settings, "실업급여 신청하려는데 이직확인서를 회사가 안 내줍니다.", c,
        NOW + timedelta(hours=3), workplace_brn="1234567890",
    )  # fmt: skip
    with session_scope(settings) as session:
        rows = {r.id: r for r in session.scalars(select(Request))}
        page, total = cases(session)
        assert total == 1
        case = page[0]
        assert case.master_workplace_id == "W000000001"
        assert case.request_count == 2
        assert case.categories == {"wage_arrears": 2}
        assert case.sido == "11"
        assert case.sigungu == "11680"
        assert case.office_code == rows[one].office_code
        assert [r.id for r in case_requests(session, case.id)] == [one, two]
        again = link(session, settings, rows[two], now=NOW)  # a second run adds nothing
        assert again.case_id == case.id
        assert case_of(session, case.id).request_count == 2
    assert rows[one].master_workplace_id == rows[two].master_workplace_id == "W000000001"
    # a job-centre category is linked to the workplace but is no inspector's case
    assert rows[benefit].category == "unemployment_benefit"
    assert rows[benefit].master_workplace_id == "W000000001"
    assert rows[benefit].case_id is None


def test_the_address_read_from_the_text_finds_the_workplace(settings: Settings) -> None:
    (a,) = _accounts(settings, "w1")
    number = _file(
        settings, "부산 해운대구에 있는 공장에서 일하는데 두 달째 월급이 밀렸습니다. 신고합니다.",
        a, NOW, workplace_name="한결정밀",
    )  # fmt: skip
    with session_scope(settings) as session:
        row = session.get(Request, number)
        assert row is not None
        assert row.master_workplace_id == "W000000002"
        assert row.case_id is not None


def test_cases_are_listed_urgent_first_then_by_size(settings: Settings) -> None:
    a, b, c, d = _accounts(settings, "w1", "w2", "w3", "w4")
    _file(settings, WAGES, a, NOW, workplace_brn="1234567890")
    _file(settings, WAGES_OTHER, b, NOW, workplace_brn="1234567890")
    _file(settings, "한결정밀에서 석 달째 월급을 못 받았어요.", c, NOW, workplace_brn="2234567890")
    _file(
        settings,
        "새봄전자 공장 프레스 안전장치가 고장 난 채로 지금도 돌아가고 있습니다. 곧 사람이 다칠 "
        "것 같습니다. 당장 작업을 멈추게 해 주세요.",
        d, NOW, workplace_name="새봄전자", workplace_address="천안시 서북구 불당로 5",
    )  # fmt: skip
    with session_scope(settings) as session:
        page, total = cases(session)
        assert total == 3
        assert page[0].urgent  # the safety hazard comes first although it has one request
        assert page[0].master_workplace_id == "W000000006"
        assert [c.request_count for c in page[1:]] == [2, 1]
        big, n = cases(session, min_requests=2)
        assert (n, big[0].master_workplace_id) == (1, "W000000001")
        assert cases(session, office_code="no-such-office") == ([], 0)
        assert cases(session, status="closed") == ([], 0)
        second, _ = cases(session, page=2, per_page=2)
        assert [c.id for c in second] == [page[2].id]
        with pytest.raises(InvalidInputError):
            cases(session, status="pending")
        with pytest.raises(NotFoundError):
            case_of(session, "C-nothing")


def test_a_case_is_assigned_with_all_its_open_requests(settings: Settings) -> None:
    a, b = _accounts(settings, "w1", "w2")
    (boss,) = _accounts(settings, "boss", roles=("desk_officer",))
    (inspector,) = _accounts(settings, "inspector", roles=("inspector",))
    (citizen,) = _accounts(settings, "citizen")
    _file(settings, WAGES, a, NOW, workplace_brn="1234567890")
    _file(settings, WAGES_OTHER, b, NOW, workplace_brn="1234567890")
    with session_scope(settings) as session:
        (case,), _ = cases(session)
        with pytest.raises(NotHandlerError):
            assign_case(session, get_account(session, citizen), case.id, inspector, reason="배정")
        with pytest.raises(NotHandlerError):  # a handler takes a case only for themself
            assign_case(session, get_account(session, inspector), case.id, boss, reason="배정")
        with pytest.raises(InvalidInputError):
            assign_case(session, get_account(session, boss), case.id, citizen, reason="배정")
        with pytest.raises(InvalidInputError):
            assign_case(session, get_account(session, boss), case.id, inspector, reason="")
        done = assign_case(
            session, get_account(session, boss), case.id, inspector, reason="근로감독관 일괄 배정",
            now=NOW + timedelta(days=1),
        )  # fmt: skip
        assert done.assigned_to == inspector
        requests = case_requests(session, case.id)
        assert {(r.status, r.assigned_to) for r in requests} == {("assigned", inspector)}
        events = session.scalars(select(Event).where(Event.status == "assigned")).all()
        assert len(events) == 2
        assert {e.actor for e in events} == {f"account:{boss}"}
        audit = session.scalars(select(AuditEntry).where(AuditEntry.event == "desk.case_assign"))
        assert [x.detail["case_id"] for x in audit] == [case.id]


def test_a_broken_lake_never_fails_the_triage(
    desk_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").symlink_to(desk_settings.cache_dir, target_is_directory=True)
    broken = home / "lake" / "master" / "workplaces.parquet"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a parquet file")
    own = desk_settings.model_copy(
        update={"home": home, "database_url": f"sqlite:///{tmp_path / 'ops.db'}"}
    )
    upgrade(own)
    (a,) = _accounts(own, "w1")
    with caplog.at_level(logging.ERROR, logger="ilteo.desk"):
        number = _file(own, WAGES, a, NOW, workplace_name="(주)가온물류",
                       workplace_address="서울 강남구")  # fmt: skip
    with session_scope(own) as session:
        row = session.get(Request, number)
        assert row is not None
        assert (row.status, row.category) == ("classified", "wage_arrears")
        assert row.master_workplace_id is None
        assert session.scalars(select(Case)).all() == []
    assert any("desk.link_failed" in r.getMessage() for r in caplog.records)
