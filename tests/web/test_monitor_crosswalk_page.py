"""The public pages `/monitor/crosswalk` and `/monitor/exposure/{code}`."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_crosswalk_page_filters_and_links_the_csv(web: TestClient) -> None:
    page = web.get("/monitor/crosswalk", params={"major": "2", "confidence": "0.9"})
    assert page.status_code == 200
    assert "/v1/monitor/crosswalk.csv?major=2&amp;min_confidence=0.9" in page.text
    assert "공식 연계표가 아니며" in page.text
    rows = page.text.count('<a href="/reference/occupations/ksco8/2')
    api = web.get("/v1/monitor/crosswalk", params={"major": "2", "min_confidence": 0.9})
    assert rows == len(api.json()["items"]) > 0
    english = web.get("/monitor/crosswalk", params={"lang": "en", "method": "override"})
    assert "not an official correspondence table" in english.text
    assert english.text.count("<code>override</code>") >= 9
    bad = web.get("/monitor/crosswalk", params={"major": "Z"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text


def test_exposure_page_for_any_code_and_nearest_codes(web: TestClient) -> None:
    onet = web.get("/monitor/exposure/15-1252.00", params={"lang": "en"})
    assert onet.status_code == 200
    assert "not a probability of job loss" in onet.text
    assert '<a href="/monitor/exposure/2512?system=isco08">' in onet.text
    assert "Eloundou" in onet.text
    ksco = web.get("/monitor/exposure/2222", params={"lang": "ko"})
    assert ksco.status_code == 200
    assert "KSCO 8 프로필" in ksco.text
    unknown = web.get("/monitor/exposure/15-9999")
    assert unknown.status_code == 404
    assert '<a href="/monitor/exposure/15-' in unknown.text
    assert web.get("/monitor/exposure/abc").status_code == 422
