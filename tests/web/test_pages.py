"""Web pages: Korean first, English by ``?lang=en`` and a cookie, search, details, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ilteo.web import rendering
from ilteo.web.i18n import LANG_COOKIE, load_catalogue

KO_CAVEAT = "노출 점수는 실직 확률이 아닙니다"
EN_CAVEAT = "An exposure score is not a probability of job loss"


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', html)
    assert match, "no <html lang>"
    return match.group(1)


def test_home_is_korean_with_demo_note_and_links(web: TestClient) -> None:
    response = web.get("/")
    assert response.status_code == 200
    html = response.text
    assert html_lang(html) == "ko"
    assert "오픈소스 시연" in html
    assert "정부 공식 누리집이 아닙니다" in html
    assert 'href="/reference"' in html
    assert 'href="/v1/docs"' in html
    assert "/mcp" in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html
    assert html.count("<h1") == 1


def test_english_by_query_then_by_cookie(web: TestClient) -> None:
    first = web.get("/", params={"lang": "en"})
    assert html_lang(first.text) == "en"
    assert "open-source demonstration, not an official government website" in first.text
    assert first.cookies.get(LANG_COOKIE) == "en"
    assert html_lang(web.get("/reference").text) == "en"  # the cookie carries it
    back = web.get("/reference", params={"lang": "ko"})
    assert html_lang(back.text) == "ko"


def test_language_switch_link_keeps_the_query(web: TestClient) -> None:
    html = web.get("/reference", params={"q": "간호", "kind": "occupations"}).text
    assert 'href="/reference?q=%EA%B0%84%ED%98%B8&amp;kind=occupations&amp;lang=en"' in html
    assert 'lang="en" hreflang="en">English</a>' in html


def test_language_switch_link_stays_on_this_site(web: TestClient) -> None:
    html = web.get("http://testserver//evil.example/x").text
    assert 'href="//evil' not in html
    assert 'href="/evil.example/x?lang=en"' in html


def test_search_occupations_lists_linked_results(web: TestClient) -> None:
    response = web.get("/reference", params={"q": "소프트웨어", "kind": "occupations"})
    assert response.status_code == 200
    html = response.text
    assert 'href="/reference/occupations/ksco8/2222"' in html
    assert "시스템 소프트웨어 개발자" in html
    assert "<caption>" in html
    assert 'scope="col"' in html
    assert 'value="소프트웨어"' in html  # the form keeps the query


def test_search_industries(web: TestClient) -> None:
    html = web.get("/reference", params={"q": "소프트웨어", "kind": "industries"}).text
    assert 'href="/reference/industries/11/' in html


def test_search_without_results_says_so(web: TestClient) -> None:
    html = web.get("/reference", params={"q": "zzzqqqxxx", "kind": "occupations"}).text
    assert "맞는 결과가 없습니다" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": " ", "kind": "occupations"}, "검색어를 입력하세요."),
        ({"q": "가" * 101, "kind": "occupations"}, "100자 이내"),
        ({"q": "a", "kind": "occupations", "system": "nope"}, "알 수 없는 분류 체계"),
        ({"q": "a", "kind": "industries", "revision": "9"}, "11 또는 10"),
    ],
)
def test_bad_search_input_is_shown_on_the_page(
    web: TestClient, params: dict[str, str], message: str
) -> None:
    response = web.get("/reference", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert 'role="alert"' in response.text


def test_occupation_page_in_korean_and_english(web: TestClient) -> None:
    ko = web.get("/reference/occupations/onet/15-1252.00").text
    assert KO_CAVEAT in ko
    assert "Software Developers" in ko
    assert 'aria-current="page"' in ko  # breadcrumb end
    assert "ISCO-08" in ko  # a crosswalk link
    en = web.get("/reference/occupations/onet/15-1252.00", params={"lang": "en"}).text
    assert EN_CAVEAT in en
    assert html_lang(en) == "en"


def test_ksco_occupation_breadcrumb_follows_the_hierarchy(web: TestClient) -> None:
    html = web.get("/reference/occupations/ksco8/2222").text
    for parent in ("2", "22", "222"):
        assert f'href="/reference/occupations/ksco8/{parent}"' in html


def test_industry_page(web: TestClient) -> None:
    response = web.get("/reference/industries/11/58221")
    assert response.status_code == 200
    assert "소프트웨어" in response.text


def test_datasets_page(web: TestClient) -> None:
    html = web.get("/reference/datasets").text
    assert "ksco8" in html
    assert "준비됨" in html


@pytest.mark.parametrize(
    "path", ["/nowhere", "/reference/occupations/ksco8/99999", "/reference/industries/11/00000"]
)
def test_not_found_is_an_html_page(web: TestClient, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "찾을 수 없습니다" in response.text
    assert 'href="/reference"' in response.text


def test_bad_path_value_is_an_html_error_page(web: TestClient) -> None:
    response = web.get("/reference/occupations/ksco9/2222")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "입력값이 올바르지 않습니다" in response.text


def test_api_errors_stay_problem_json(web: TestClient) -> None:
    response = web.get("/v1/reference/occupations/ksco8/99999")
    assert response.headers["content-type"].startswith("application/problem+json")


def test_json_client_gets_problem_json_for_unknown_page(web: TestClient) -> None:
    response = web.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_static_css_is_served(web: TestClient) -> None:
    response = web.get("/static/ilteo.css")
    assert response.status_code == 200
    assert "--ilteo-text" in response.text


def test_pages_render_without_vendored_krds(
    web: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(rendering, "KRDS_CSS", tmp_path / "missing" / "krds.css")
    html = web.get("/").text
    assert "vendor/krds/krds.css" not in html
    assert "/static/ilteo.css" in html
    assert "without-krds" in html


def test_catalogues_have_the_same_keys() -> None:
    assert sorted(load_catalogue("ko")) == sorted(load_catalogue("en"))


def test_every_message_key_used_in_templates_exists() -> None:
    keys = set(load_catalogue("ko"))
    used: set[str] = set()
    for template in rendering.TEMPLATES_DIR.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([\w.-]+)["']""", template.read_text("utf-8")))
    assert used, "no t(...) calls found"
    assert sorted(used - keys) == []


def test_templates_hold_no_hard_coded_hangul_sentences() -> None:
    # User text comes from the catalogues; the brand name 일터 is the one exception.
    for template in rendering.TEMPLATES_DIR.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text("utf-8"), flags=re.S)
        hangul = set(re.findall(r"[\uac00-\ud7a3]+", text))
        assert hangul <= {"일터"}, f"{template.name}: {sorted(hangul)}"


def test_every_page_is_documented(web: TestClient) -> None:
    from fastapi.routing import iter_route_contexts

    docs = (rendering.TEMPLATES_DIR.parents[3] / "docs" / "web.md").read_text(encoding="utf-8")
    pages = [
        route.path
        for route in iter_route_contexts(web.app.routes)  # type: ignore[attr-defined]
        if route.name and route.name.startswith("web_")
    ]
    assert pages
    assert [path for path in pages if f"| `{path}` |" not in docs] == []
