"""Open311 GeoReport v2 at /open311/v2: discovery, services, filing with an API key, public reads.

The whole app on the shared desk home (the classifier trained once per worker) with this test's
own store. A request is filed with a real personal API key, then read back publicly (no text, no
contact, no street) and as its filer (the masked text); every error is the specification's
``[{"code", "description"}]`` list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from tests.identity.factories import create_test_account

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import set_status, submit
from ilteo.desk.taxonomy import CATEGORIES
from ilteo.identity.api_keys import create_api_key

BASE = "/open311/v2"
TEXT = (
    "서울특별시 강남구 테헤란로 999 (주)가온물류에서 석 달째 월급을 못 받았습니다. "
    "제 번호는 010-0000-1234, 주민번호 901301-1234567 입니다. 어떻게 신고하나요?"
)
ADDRESS = "서울특별시 강남구 테헤란로 999"
FORM = "application/x-www-form-urlencoded"
TRACKING = re.compile(r"^\d{4}-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$")
W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the whole app."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _key(settings: Settings, login: str) -> tuple[str, str]:
    """A new account and its personal API key: (account id, key)."""
    assert settings.secret_key is not None
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login)
        issued = create_api_key(
            session,
            account.id,
            name="civic tool",
            secret_key=settings.secret_key.get_secret_value(),
        )
        return account.id, issued.token


@pytest.fixture
def api_key(settings: Settings) -> str:
    """A citizen's personal API key."""
    return _key(settings, "civic")[1]


def _fields(api_key: str, **extra: str) -> dict[str, str]:
    fields = {
        "api_key": api_key,
        "jurisdiction_id": "moel.go.kr",
        "service_code": "wage_arrears",
        "description": TEXT,
        "address_string": ADDRESS,
        "first_name": "길동",
        "last_name": "홍",
        "email": "hong@example.invalid",
        "phone": "010-0000-5678",
        "attribute[kind]": "complaint",
        "attribute[workplace_name]": "(주)가온물류",
        "attribute[workplace_brn]": "123-45-67890",
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v != "<drop>"}


def _post(client: TestClient, fields: dict[str, str]) -> Any:
    return client.post(f"{BASE}/requests.json", data=fields)


def _file(client: TestClient, api_key: str, **extra: str) -> str:
    answer = _post(client, _fields(api_key, **extra))
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def _xml(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)  # noqa: S314 - our own server's answer


def _error(answer: Any, code: int, *words: str) -> None:
    """An error in the specification's format, with ``code`` and each of ``words``."""
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body, list)
    assert body
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == code
    text = " ".join(e["description"] for e in body)
    for word in words:
        assert word in text, text


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_names_the_json_endpoint(client: TestClient) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "/account/api-keys" in body["key_service"]


def test_one_service_per_category_with_its_organisation(client: TestClient) -> None:
    answer = client.get(f"{BASE}/services.json", params={"jurisdiction_id": "moel.go.kr"})
    assert answer.status_code == 200
    services = {s["service_code"]: s for s in answer.json()}
    assert list(services) == list(CATEGORIES)
    wage = services["wage_arrears"]
    assert wage["service_name"] == "임금체불"
    assert "Unpaid wages" in wage["description"]
    assert (wage["type"], wage["metadata"], wage["group"]) == (
        "realtime",
        True,
        "지방고용노동청·지청",
    )
    assert "임금체불" in wage["keywords"]
    benefit = services["unemployment_benefit"]
    assert (benefit["metadata"], benefit["group"]) == (False, "고용센터")


def test_service_definition_lists_the_workplace_attributes(client: TestClient) -> None:
    body = client.get(f"{BASE}/services/wage_arrears.json").json()
    assert body["service_code"] == "wage_arrears"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert list(attributes) == ["kind", "workplace_name", "workplace_brn"]
    kind = attributes["kind"]
    assert kind["datatype"] == "singlevaluelist"
    assert [v["key"] for v in kind["values"]] == ["inquiry", "complaint"]
    assert attributes["workplace_brn"]["datatype"] == "string"
    assert all(a["variable"] is True and a["required"] is False for a in attributes.values())
    assert [a["order"] for a in attributes.values()] == [1, 2, 3]
    assert client.get(f"{BASE}/services/parental_leave.json").json()["attributes"] == []


def test_unknown_service_and_other_jurisdiction_are_404(client: TestClient) -> None:
    _error(client.get(f"{BASE}/services/potholes.json"), 404, "service_code", "not found")
    _error(
        client.get(f"{BASE}/services.json", params={"jurisdiction_id": "sfgov.org"}),
        404,
        "jurisdiction_id",
    )


def test_xml_is_served_as_the_specification_shows(client: TestClient, api_key: str) -> None:
    answer = client.get(f"{BASE}/services.xml")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = _xml(answer.content)
    assert root.tag == "services"
    first = root.find("service")
    assert first is not None
    assert first.findtext("service_code") == "wage_arrears"
    assert first.findtext("metadata") == "true"
    definition = _xml(client.get(f"{BASE}/services/wage_arrears.xml").content)
    values = definition.findall("attributes/attribute/values/value/key")
    assert [v.text for v in values] == ["inquiry", "complaint"]
    filed = client.post(f"{BASE}/requests.xml", data=_fields(api_key))
    assert filed.status_code == 200, filed.text
    number = _xml(filed.content).findtext("request/service_request_id")
    assert number is not None
    assert TRACKING.match(number)
    rows = _xml(client.get(f"{BASE}/requests/{number}.xml").content)
    assert rows.findtext("request/status") == "open"
    assert rows.findtext("request/address") == "서울특별시 강남구"
    assert "월급" not in client.get(f"{BASE}/requests.xml").text


def test_errors_follow_the_format_asked_for(client: TestClient) -> None:
    answer = client.get(f"{BASE}/services/potholes.xml")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/xml")
    error = _xml(answer.content)
    assert error.tag == "errors"
    assert error.findtext("error/code") == "404"
    assert "service_code" in (error.findtext("error/description") or "")
    _error(client.get(f"{BASE}/services.csv"), 404, "use .json or .xml")
    _error(client.get(f"{BASE}/nothing-here"), 404, "discovery.json")
    _error(client.post(f"{BASE}/services.json", data={"a": "b"}), 404)


# --- filing and reading back --------------------------------------------------------------------


def test_a_request_filed_with_a_key_is_read_back_without_its_text(
    client: TestClient, api_key: str, settings: Settings
) -> None:
    answer = _post(client, _fields(api_key))
    assert answer.status_code == 200, answer.text
    (receipt,) = answer.json()
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    number = receipt["service_request_id"]
    assert TRACKING.match(number)
    assert receipt["account_id"] is None
    assert "처리 기한" in receipt["service_notice"]
    assert "due" in receipt["service_notice"]
    assert "010-0000-5678" not in answer.text
    assert "hong@" not in answer.text

    public = client.get(f"{BASE}/requests.json")
    assert public.status_code == 200
    rows = public.json()
    assert public.headers["X-Total-Count"] == "1"
    (row,) = rows
    assert row["service_request_id"] == number
    assert row["status"] == "open"
    assert row["status_notes"] == "분류 완료, 담당 배정 대기 / classified, waiting for a handler"
    code = row["service_code"]
    assert row["description"] == row["service_name"] == CATEGORIES[code].label_ko
    assert row["address"] == "서울특별시 강남구"
    assert (row["lat"], row["long"], row["zipcode"], row["media_url"]) == (None,) * 4
    assert W3.match(row["requested_datetime"])
    assert W3.match(row["updated_datetime"])
    assert row["expected_datetime"].endswith("T23:59:59+09:00")
    assert row["agency_responsible"]  # the office the request was routed to
    for secret in ("월급", "테헤란로", "999", "가온물류", "010-0000", "901301", "hong@", "길동"):
        assert secret not in public.text, secret

    single = client.get(f"{BASE}/requests/{number}.json")
    assert single.status_code == 200
    assert single.json() == rows

    own = client.get(f"{BASE}/requests.json", params={"api_key": api_key}).json()
    assert "월급" in own[0]["description"]
    assert "901301-1234567" not in own[0]["description"]  # the masked text only
    assert "010-0000-1234" not in own[0]["description"]
    by_header = client.get(
        f"{BASE}/requests/{number}.json", headers={"Authorization": f"Bearer {api_key}"}
    ).json()
    assert by_header[0]["description"] == own[0]["description"]
    other_key = _key(settings, "other")[1]
    theirs = client.get(f"{BASE}/requests.json", params={"api_key": other_key}).json()
    assert theirs[0]["description"] == row["description"]  # another filer sees the public row

    token = client.get(f"{BASE}/tokens/{number}.json").json()
    assert token == [{"service_request_id": number, "token": number}]


def test_the_request_is_filed_through_the_one_window(
    client: TestClient, api_key: str, settings: Settings
) -> None:
    from ilteo.core.crypto import unseal
    from ilteo.desk.intake import SEAL_PURPOSE
    from ilteo.desk.models import Request

    number = _file(client, api_key, lat="37.5", long="127.03")
    assert settings.secret_key is not None
    with session_scope(settings) as session:
        row = session.get(Request, number)
        assert row is not None
        assert (row.channel, row.kind, row.service_code) == ("open311", "complaint", "wage_arrears")
        assert row.account_id is not None
        assert (row.latitude, row.longitude) == (37.5, 127.03)
        assert row.workplace_address == ADDRESS
        assert row.workplace_brn == "1234567890"
        assert row.contact_sealed is not None
        contact = unseal(settings.secret_key.get_secret_value(), SEAL_PURPOSE, row.contact_sealed)
        assert "010-0000-5678" in contact
        assert "hong@example.invalid" in contact
        assert "010-0000-5678" not in (row.contact_masked or "")


def test_closed_and_answered_map_to_closed_and_status_filters(
    client: TestClient, api_key: str, settings: Settings
) -> None:
    first = _file(client, api_key)
    no_attributes = {
        f"attribute[{a}]": "<drop>" for a in ("kind", "workplace_name", "workplace_brn")
    }
    second = _file(client, api_key, service_code="parental_leave", **no_attributes)
    with session_scope(settings) as session:
        set_status(session, first, "answered", reason="답변 발송", actor="system")
    rows = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert rows[first]["status"] == "closed"
    assert rows[first]["status_notes"] == "답변 완료 / answered"
    assert "답변 발송" not in str(rows)  # the reason written by staff stays inside
    assert rows[second]["status"] == "open"
    closed = client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [first]
    both = client.get(f"{BASE}/requests.json", params={"status": "open,closed"}).json()
    assert len(both) == 2
    code = rows[second]["service_code"]
    by_code = client.get(f"{BASE}/requests.json", params={"service_code": code}).json()
    assert second in {r["service_request_id"] for r in by_code}
    ids = client.get(f"{BASE}/requests.json", params={"service_request_id": f"{first},nope"}).json()
    assert [r["service_request_id"] for r in ids] == [first]
    paged = client.get(f"{BASE}/requests.json", params={"page_size": "1"})
    assert len(paged.json()) == 1
    assert paged.headers["X-Total-Count"] == "2"
    assert 'rel="next"' in paged.headers["Link"]
    assert "page=2" in paged.headers["Link"]
    old = client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-03-01T00:00:00+09:00"},
    )
    assert old.status_code == 200
    assert old.json() == []


def test_an_inquiry_filed_without_an_account_is_never_published(
    client: TestClient, settings: Settings
) -> None:
    receipt = submit(settings, text="육아휴직 급여는 어디서 신청하나요?", channel="web")
    assert client.get(f"{BASE}/requests.json").json() == []
    _error(client.get(f"{BASE}/requests/{receipt.tracking_number}.json"), 404, "not found")
    _error(client.get(f"{BASE}/tokens/{receipt.tracking_number}.json"), 404, "not found")


# --- errors -------------------------------------------------------------------------------------


def test_filing_needs_a_valid_api_key(client: TestClient) -> None:
    _error(_post(client, _fields("<drop>")), 400, "api_key was not provided")
    _error(_post(client, _fields("ilteo_" + "0" * 16 + "_" + "A" * 43)), 403, "api_key")
    _error(_post(client, _fields("not-a-key")), 403, "invalid")
    assert client.get(f"{BASE}/requests.json").json() == []


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"service_code": "potholes"}, 404, ("service_code", "not found")),
        ({"service_code": "<drop>"}, 400, ("service_code was not provided",)),
        ({"jurisdiction_id": "sfgov.org"}, 404, ("jurisdiction_id",)),
        ({"description": "<drop>"}, 400, ("description was not provided",)),
        ({"description": "가" * 4001}, 400, ("4,000",)),
        ({"address_string": "<drop>"}, 400, ("location was not provided",)),
        ({"address_string": "<drop>", "address_id": "545483"}, 400, ("address_id",)),
        ({"lat": "37.5"}, 400, ("lat and long must both be sent",)),
        ({"lat": "91", "long": "127"}, 400, ("lat must be a number",)),
        ({"lat": "nan", "long": "127"}, 400, ("lat must be a number",)),
        ({"media_url": "http://example.invalid/a.jpg"}, 400, ("never fetches", "/v1/desk")),
        ({"attribute[kind]": "lawsuit"}, 400, ("attribute[kind]",)),
        ({"attribute[workplace_name]": "<drop>"}, 400, ("required for a complaint",)),
        ({"attribute[workplace_brn]": "12345"}, 400, ("10 digits",)),
        ({"attribute[colour]": "red"}, 400, ("attribute[colour] is not an attribute",)),
    ],
)
def test_each_bad_field_is_a_specification_error(
    client: TestClient, api_key: str, extra: dict[str, str], code: int, words: tuple[str, ...]
) -> None:
    _error(_post(client, _fields(api_key, **extra)), code, *words)
    assert client.get(f"{BASE}/requests.json").json() == []  # nothing was filed


def test_every_problem_of_a_post_is_listed_at_once(client: TestClient, api_key: str) -> None:
    answer = _post(client, _fields(api_key, description="<drop>", address_string="<drop>"))
    _error(answer, 400, "description was not provided", "location was not provided")
    assert len(answer.json()) == 2


def test_a_post_must_be_form_encoded(client: TestClient, api_key: str) -> None:
    answer = client.post(f"{BASE}/requests.json", json=_fields(api_key))
    _error(answer, 415, FORM)
    big = client.post(
        f"{BASE}/requests.json",
        content=b"description=" + b"a" * 200_000,
        headers={"Content-Type": FORM},
    )
    _error(big, 413, "bytes")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "yesterday"}, ("start_date", "w3")),
        ({"end_date": "2026-13-01"}, ("end_date",)),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, ("90 days",)),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, ("after",)),
        ({"status": "pending"}, ("status",)),
        ({"page_size": "1001"}, ("page_size",)),
        ({"page": "0"}, ("page",)),
    ],
)
def test_bad_read_parameters_are_400(
    client: TestClient, params: dict[str, str], words: tuple[str, ...]
) -> None:
    _error(client.get(f"{BASE}/requests.json", params=params), 400, *words)


def test_read_errors_for_jurisdiction_service_and_key(client: TestClient) -> None:
    _error(client.get(f"{BASE}/requests.json", params={"jurisdiction_id": "x.org"}), 404)
    _error(client.get(f"{BASE}/requests.json", params={"service_code": "potholes"}), 404)
    _error(client.get(f"{BASE}/requests.json", params={"api_key": "wrong"}), 403, "api_key")
    _error(client.get(f"{BASE}/requests/2026-0101-AAAAAA.json"), 404, "not found")
