"""The benefits check page: the form, a card per programme of the real check, and bad input.

The pages call :func:`ilteo.benefits.check.check` (the real OpenFisca programmes); the expected
cards are read from the same call, so the test follows the programmes as they grow.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from tests.benefits.test_check import EXAMPLE as EXAMPLE_JSON

from ilteo.benefits.check import check
from ilteo.benefits.inputs import SEPARATION_LABELS
from ilteo.web.views.benefits import FIELDS, build_check, field_for_path, today_in_seoul

#: The issue's example, as the form's fields (money with thousands separators, income in %).
EXAMPLE_FORM = {
    "as_of": "2026-03-02",
    "birth_date": "1980-06-01",
    "disabled": "no",
    "household_size": "3",
    "household_income_pct": "55",
    "household_assets_krw": "150,000,000",
    "insured_start_1": "2019-03-01",
    "insured_end_1": "2026-02-27",
    "paid_days_last_18_months": "450",
    "separation_date": "2026-02-27",
    "separation_reason": "dismissal_business",
    "wages_last_3_months_krw": "12,000,000",
    "days_last_3_months": "89",
    "daily_contract_hours": "8",
}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form has no CSRF token"
    return found.group(1)


def _submit(web: TestClient, fields: dict[str, str], lang: str = "ko") -> Any:
    token = _csrf(web.get("/benefits/check", params={"lang": lang}).text)
    return web.post("/benefits/check", data={**fields, "csrf": token})


def _card(html: str, pid: str) -> str:
    return html.split(f'id="program-{pid}"')[1].split('<li class="ilteo-card')[0]


def test_form_has_every_field_and_the_7_reasons(web: TestClient) -> None:
    page = web.get("/benefits/check")
    assert page.status_code == 200
    text = page.text
    assert text.count("<h1") == 1
    assert "받을 수 있는 급여·지원 확인" in text
    assert len(re.findall(r"<script\b", text)) == 1
    assert page.headers["cache-control"] == "no-store"
    for f in FIELDS:
        assert f'id="f-{f.name}"' in text
        assert f'<label for="f-{f.name}">' in text
    assert text.count("<fieldset") == 5
    assert text.count("<legend>") == 5
    reason = text.split('id="f-separation_reason"')[1].split("</select>")[0]
    assert reason.count("<option") == 8  # none + the 7 codes
    for code, name in SEPARATION_LABELS.items():
        assert f'value="{code}"' in reason
        assert f">{name}<" in reason
    as_of = text.split('id="f-as_of"')[0].rsplit("<input", 1)[1]
    assert f'value="{today_in_seoul().isoformat()}"' in as_of
    english = web.get("/benefits/check", params={"lang": "en"}).text
    assert "What am I entitled to" in english
    assert ">Dismissal for business reasons or advised resignation<" in english


def test_the_form_builds_the_issue_example() -> None:
    data, problems = build_check(EXAMPLE_FORM)
    assert problems == {}
    assert data == EXAMPLE_JSON


def test_the_issue_example_gives_a_card_per_programme(web: TestClient) -> None:
    expected = check(EXAMPLE_JSON)
    page = _submit(web, EXAMPLE_FORM)
    assert page.status_code == 200
    text = page.text
    assert text.count("<h1") == 1
    assert page.headers["cache-control"] == "no-store"
    assert text.count('class="ilteo-card benefits-card"') == len(expected["programs"]) >= 1
    words = {True: "받을 수 있음", False: "받을 수 없음", None: "정보가 더 필요함"}
    for pid, program in expected["programs"].items():
        card = _card(text, pid)
        assert program["label_ko"] in card
        assert words[program["eligible"]] in card
        for key, value in program.items():
            if key.endswith("_krw") and isinstance(value, int):
                assert f"{value:,}원" in card, (pid, key)
        for reference in program["references"]:
            assert f'href="{reference["href"]}"' in card
        for path in program["missing"]:
            f = field_for_path(path)
            assert f is not None, path
            assert f'href="#f-{f.name}"' in card
    jsa = expected["programs"]["job_seeking_allowance"]
    assert jsa["eligible"] is True
    jsa_card = _card(text, "job_seeking_allowance")
    assert f"{jsa['daily_amount_krw']:,}원" in jsa_card
    assert f"{jsa['benefit_days']}일" in jsa_card
    assert "이직 전 18개월 피보험단위기간" in jsa_card
    assert expected["caveat"].split(" / ")[0] in text
    # the form comes back filled in, so the missing-field links lead somewhere
    assert 'value="12,000,000"' in text
    assert 'id="f-reemployment_date"' in text
    english = _submit(web, EXAMPLE_FORM, "en").text
    assert "Job-seeking allowance" in english
    assert "Entitled" in english
    assert f"{jsa['daily_amount_krw']:,} won" in english


def test_a_missing_input_says_more_information_is_needed(web: TestClient) -> None:
    fields = {k: v for k, v in EXAMPLE_FORM.items() if k != "wages_last_3_months_krw"}
    expected = check(
        {
            **EXAMPLE_JSON,
            "employment": {
                k: v
                for k, v in EXAMPLE_JSON["employment"].items()
                if k != "wages_last_3_months_krw"
            },
        }
    )
    assert expected["programs"]["job_seeking_allowance"]["eligible"] is None
    card = _card(_submit(web, fields).text, "job_seeking_allowance")
    assert "정보가 더 필요함" in card
    assert 'href="#f-wages_last_3_months_krw"' in card
    assert "최근 3개월 임금 총액(원)" in card
    assert 'data-amount="daily_amount_krw"' not in card


def test_impossible_input_shows_the_form_with_the_field_named(web: TestClient) -> None:
    before = _submit(web, {**EXAMPLE_FORM, "separation_date": "2018-12-31"})
    assert before.status_code == 422
    assert 'id="error-summary"' in before.text
    assert 'href="#f-separation_date"' in before.text
    assert "이직일이 고용보험 가입 시작일보다 앞섭니다" in before.text
    control = before.text.split('id="f-separation_date"')[1].split(">")[0]
    assert 'aria-invalid="true"' in control
    assert 'aria-describedby="f-separation_date-hint f-separation_date-error"' in control
    assert 'class="ilteo-card benefits-card"' not in before.text

    negative = _submit(web, {**EXAMPLE_FORM, "wages_last_3_months_krw": "-5"})
    assert negative.status_code == 422
    wages = negative.text.split('id="f-wages_last_3_months_krw"')[1].split(">")[0]
    assert 'aria-invalid="true"' in wages

    typed = _submit(web, {**EXAMPLE_FORM, "birth_date": "1980-13-01", "household_size": "three"})
    assert typed.status_code == 422
    for name in ("birth_date", "household_size"):
        assert f'href="#f-{name}"' in typed.text
    unknown = _submit(web, {**EXAMPLE_FORM, "separation_reason": "quit"})
    assert unknown.status_code == 422
    assert 'href="#f-separation_reason"' in unknown.text

    no_day = _submit(web, {**EXAMPLE_FORM, "as_of": ""})
    assert no_day.status_code == 422
    assert 'href="#f-as_of"' in no_day.text

    ended_first = _submit(
        web, {**EXAMPLE_FORM, "insured_start_2": "2015-05-01", "insured_end_2": "2014-01-01"}
    )
    assert ended_first.status_code == 422
    assert 'href="#f-insured_end_2"' in ended_first.text


def test_a_post_without_the_token_is_refused(web: TestClient) -> None:
    web.get("/benefits/check")
    refused = web.post("/benefits/check", data={**EXAMPLE_FORM, "csrf": "x"})
    assert refused.status_code == 403
    assert 'class="ilteo-card' not in refused.text


def test_every_amount_of_the_example_has_a_name_in_both_languages() -> None:
    from ilteo.web.i18n import load_catalogue
    from ilteo.web.views.benefits import NOT_AMOUNTS

    keys = {k for p in check(EXAMPLE_JSON)["programs"].values() for k in p if k not in NOT_AMOUNTS}
    assert "daily_amount_krw" in keys
    for lang in ("ko", "en"):
        catalogue = load_catalogue(lang)
        assert sorted(k for k in keys if f"benefits.amounts.{k}" not in catalogue) == [], lang


def test_the_optional_details_reach_the_check(web: TestClient) -> None:
    fields = {
        **EXAMPLE_FORM,
        "child_birth_date": "2025-10-01",
        "parental_leave_start": "2026-01-05",
        "parental_leave_months": "6",
        "monthly_ordinary_wage_krw": "3,000,000",
        "multiple_birth": "no",
        "priority_support_employer": "yes",
        "public_servant_or_private_teacher": "no",
        "enrolled_student": "no",
        "card_used_krw": "500,000",
    }
    data, problems = build_check(fields)
    assert problems == {}
    assert data["family"]["monthly_ordinary_wage_krw"] == 3_000_000
    assert data["training"]["card_used_krw"] == 500_000
    expected = check(data)
    page = _submit(web, fields)
    assert page.status_code == 200
    assert '<details id="more-details" open>' in page.text
    for pid, program in expected["programs"].items():
        card = _card(page.text, pid)
        for path in program["missing"]:
            f = field_for_path(path)
            assert f is not None, path
            assert f'href="#f-{f.name}"' in card, path
        for key, value in program.items():
            if key.endswith("_krw") and isinstance(value, int):
                assert f"{value:,}원" in card, (pid, key)
