"""The citizen page of the benefits check: "받을 수 있는 급여·지원 확인 / What am I entitled to".

- ``GET /benefits/check`` (public, no login): the form - the check day (today in Asia/Seoul by
  default), the person and household, insured employment and separation, and optional details
  for parental and maternity leave and the training card; every field but the check day may be
  left empty.
- ``POST /benefits/check`` (public, CSRF-checked like the sign-in forms): the check. The form's
  non-empty fields become the check's JSON (``docs/benefits.md``),
  :func:`ilteo.benefits.check.check` evaluates every programme, and the page shows one card per
  programme - eligible, not eligible or more information needed (in words), the amounts in won,
  the reasons, the missing fields as links to the form below (filled in again), the articles of
  law and the caveat. Bad input gets the form again with status 422, an error summary and
  ``aria-invalid`` on the named fields.

The check stores nothing and the answers travel in a POST body, so no personal figure ends up in
an access log or a bookmark; the pages are ``Cache-Control: no-store``. Every text comes from
``messages/{ko,en}/benefits.yaml``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ilteo.core.errors import InvalidInputError
from ilteo.web.i18n import Translator
from ilteo.web.rendering import request_language
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page

router = APIRouter(include_in_schema=False)

SEOUL: Final = ZoneInfo("Asia/Seoul")
#: Longest value one field accepts (a date, a number with separators).
MAX_VALUE: Final = 40
#: Keys of a programme's answer that are not amounts.
NOT_AMOUNTS: Final = frozenset(
    {"label_ko", "label_en", "eligible", "reasons", "references", "missing", "trace"}
)
#: Deepest level of the computation tree shown.
TRACE_DEPTH: Final = 6


@dataclass(frozen=True, slots=True)
class Field:
    """One form field: its name (and id ``f-<name>``), the check's JSON path, kind and group."""

    name: str
    path: str
    kind: str  # date | int | money | number | percent | bool | reason
    group: str
    required: bool = False


#: The form's fields, in order, grouped by fieldset.
FIELDS: Final[tuple[Field, ...]] = (
    Field("as_of", "as_of", "date", "day", required=True),
    Field("birth_date", "person.birth_date", "date", "person"),
    Field("disabled", "person.disabled", "bool", "person"),
    Field("household_size", "person.household_size", "int", "person"),
    Field("household_income_pct", "person.household_income_ratio_to_median", "percent", "person"),
    Field("household_assets_krw", "person.household_assets_krw", "money", "person"),
    Field("insured_start_1", "employment.insured_periods.0.start", "date", "employment"),
    Field("insured_end_1", "employment.insured_periods.0.end", "date", "employment"),
    Field("insured_start_2", "employment.insured_periods.1.start", "date", "employment"),
    Field("insured_end_2", "employment.insured_periods.1.end", "date", "employment"),
    Field("paid_days_last_18_months", "employment.paid_days_last_18_months", "int", "employment"),
    Field("separation_date", "employment.separation_date", "date", "employment"),
    Field("separation_reason", "employment.separation_reason", "reason", "employment"),
    Field("wages_last_3_months_krw", "employment.wages_last_3_months_krw", "money", "employment"),
    Field("days_last_3_months", "employment.days_last_3_months", "int", "employment"),
    Field("daily_contract_hours", "employment.daily_contract_hours", "number", "employment"),
    Field("able_and_willing_to_work", "employment.able_and_willing_to_work", "bool", "employment"),
    Field("reemployment_date", "employment.reemployment_date", "date", "employment"),
    Field(
        "reemployment_expected_months",
        "employment.reemployment_expected_months",
        "int",
        "employment",
    ),
    Field("child_birth_date", "family.child_birth_date", "date", "family"),
    Field("parental_leave_start", "family.parental_leave_start", "date", "family"),
    Field("parental_leave_months", "family.parental_leave_months", "int", "family"),
    Field("monthly_ordinary_wage_krw", "family.monthly_ordinary_wage_krw", "money", "family"),
    Field("other_parent_on_leave_months", "family.other_parent_on_leave_months", "int", "family"),
    Field("maternity_leave_start", "family.maternity_leave_start", "date", "family"),
    Field("multiple_birth", "family.multiple_birth", "bool", "family"),
    Field("priority_support_employer", "family.priority_support_employer", "bool", "family"),
    Field(
        "public_servant_or_private_teacher",
        "training.public_servant_or_private_teacher",
        "bool",
        "training",
    ),
    Field("enrolled_student", "training.enrolled_student", "bool", "training"),
    Field(
        "self_employed_annual_revenue_krw",
        "training.self_employed_annual_revenue_krw",
        "money",
        "training",
    ),
    Field(
        "large_firm_monthly_wage_krw", "training.large_firm_monthly_wage_krw", "money", "training"
    ),
    Field("card_used_krw", "training.card_used_krw", "money", "training"),
    Field(
        "employment_support_participant",
        "training.employment_support_participant",
        "bool",
        "training",
    ),
    Field("low_income", "training.low_income", "bool", "training"),
)
FIELD_BY_NAME: Final = {f.name: f for f in FIELDS}
#: Fieldsets in order; the last two sit in a "more details" disclosure.
GROUPS: Final = ("day", "person", "employment", "family", "training")
OPTIONAL_GROUPS: Final = frozenset({"family", "training"})


def today_in_seoul() -> date:
    """Today's date in Asia/Seoul (the default check day)."""
    return datetime.now(SEOUL).date()


def field_for_path(path: str) -> Field | None:
    """The form field of a check JSON path (``employment.insured_periods`` is the first pair).

    >>> field_for_path("employment.insured_periods").name, field_for_path("as_of").name
    ('insured_start_1', 'as_of')
    >>> field_for_path("employment.insured_periods.1").name
    'insured_start_2'
    """
    if path == "employment.insured_periods":
        return FIELD_BY_NAME["insured_start_1"]
    for f in FIELDS:
        if f.path == path:
            return f
    for f in FIELDS:  # a period's index alone, or a deeper location under a field
        if f.path.startswith(path + ".") or path.startswith(f.path + "."):
            return f
    return None


def _number(text: str) -> str:
    """A number as typed, without thousands separators, spaces or a trailing 원/won."""
    return re.sub(r"[\s,]|원$|won$", "", text, flags=re.I)


def _convert(f: Field, raw: str) -> Any:
    """The JSON value of one non-empty field; ``ValueError`` names the kind of problem."""
    if f.kind == "date":
        return date.fromisoformat(raw).isoformat()
    if f.kind in {"int", "money"}:
        text = _number(raw)
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError("not_whole")
        return int(text)
    if f.kind in {"number", "percent"}:
        value = float(_number(raw).rstrip("%"))
        if value != value or value in {float("inf"), float("-inf")}:
            raise ValueError("not_number")
        return round(value / 100, 6) if f.kind == "percent" else value
    if f.kind == "bool":
        if raw not in {"yes", "no"}:
            raise ValueError("not_choice")
        return raw == "yes"
    return raw  # a reason code: check() names an unknown one


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node: Any = data
    for key, following in itertools.pairwise(keys):
        if key.isdigit():
            node = node[int(key)]
            continue
        node = node.setdefault(key, [] if following.isdigit() else {})
        if following.isdigit():
            while len(node) <= int(following):
                node.append({})
    node[keys[-1]] = value


def build_check(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The check's JSON from the form's non-empty fields, and the fields that could not be read.

    Returns:
        ``(data, problems)``: ``problems`` maps a field name to a problem key
        (``benefits.problems.<key>``).
    """
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in FIELDS:
        raw = values.get(f.name, "").strip()
        if not raw:
            if f.required:
                problems[f.name] = "required"
            continue
        try:
            value = _convert(f, raw)
        except ValueError as error:
            problems[f.name] = str(error) if str(error).startswith("not_") else f"bad_{f.kind}"
            continue
        _set(data, f.path, value)
    periods = data.get("employment", {}).get("insured_periods")
    if periods is not None:
        kept = []
        for number, period in enumerate(periods, start=1):
            if period and "start" not in period:
                problems.setdefault(f"insured_start_{number}", "period_start")
            elif period:
                kept.append(period)
        data["employment"]["insured_periods"] = kept
    return data, problems


#: Parts of check()'s messages that say which consistency rule failed.
_CONSISTENCY: Final = (
    ("before the first insured day", "employment.separation_date", "before_insured"),
    ("separation_date is after as_of", "employment.separation_date", "after_as_of"),
    ("birth_date is after as_of", "person.birth_date", "after_as_of"),
    ("reemployment_date is not after", "employment.reemployment_date", "reemployment_order"),
    ("end (상실일) is before start", "", "end_before_start"),
    ("separations from", "employment.separation_date", "not_covered"),
    ("as_of: the rules cover", "as_of", "not_covered"),
    ("parental_leave_start: the rules cover", "family.parental_leave_start", "not_covered"),
    ("maternity_leave_start: the rules cover", "family.maternity_leave_start", "not_covered"),
)


def problems_of(error: InvalidInputError) -> dict[str, str]:
    """The form fields named by a refused check, each with a problem key."""
    problems: dict[str, str] = {}
    parts = error.detail.split(": ", 1)[-1].split("; ")
    fields = list(error.extra.get("fields") or [])
    for index, part in enumerate(parts):
        where = fields[index] if index < len(fields) else part.split(":")[0]
        key = "out_of_range"
        for needle, path, problem in _CONSISTENCY:
            if needle in part:
                key = problem
                where = path or where
                if problem == "end_before_start":
                    where = where + ".end"
                break
        if "Input should be" in part and "separation_reason" in where:
            key = "not_choice"
        f = field_for_path(where)
        if f is not None:
            problems.setdefault(f.name, key)
    if not problems:
        problems["as_of"] = "out_of_range"
    return problems


def _amount_text(t: Translator, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key == "selection":
        return t.label("benefits.selection", int(value))
    if key.endswith("_krw"):
        return t("benefits.units.krw", amount=f"{int(value):,}")
    if key.endswith("_days") or key == "benefit_days":
        return t("benefits.units.days", n=f"{int(value):,}")
    if key.endswith("months"):
        return t("benefits.units.months", n=int(value))
    return f"{value:,}"


def _trace(node: dict[str, Any], depth: int = 0) -> dict[str, Any] | None:
    if not node or depth > TRACE_DEPTH:
        return None
    children = [c for c in (_trace(x, depth + 1) for x in node.get("children", [])) if c]
    return {
        "variable": node.get("variable", ""),
        "value": _plain(node.get("value")),
        "parameters": [
            {"name": p.get("name", ""), "value": _plain(p.get("value"))}
            for p in node.get("parameters", [])
        ],
        "children": children,
    }


def _plain(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "-"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def cards(t: Translator, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per programme of a check's answer, ready for the template."""
    found = []
    for pid, program in answer["programs"].items():
        eligible = program.get("eligible")
        state = (
            "eligible" if eligible is True else ("ineligible" if eligible is False else "unknown")
        )
        amounts = [
            {
                "key": key,
                "label": t.label("benefits.amounts", key),
                "text": _amount_text(t, key, value),
            }
            for key, value in program.items()
            if key not in NOT_AMOUNTS and value is not None
        ]
        missing = []
        for path in program.get("missing") or []:
            f = field_for_path(path)
            missing.append(
                {
                    "path": path,
                    "label": t(f"benefits.fields.{f.name}.label") if f else path,
                    "anchor": f"f-{f.name}" if f else "benefits-form",
                }
            )
        found.append(
            {
                "id": pid,
                "label": program.get("label_en") if t.lang == "en" else program.get("label_ko"),
                "label_ko": program.get("label_ko", pid),
                "state": state,
                "amounts": amounts,
                "reasons": list(program.get("reasons") or []),
                "references": list(program.get("references") or []),
                "missing": missing,
                "trace": _trace(program.get("trace") or {}),
            }
        )
    return found


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's text fields, cut to :data:`MAX_VALUE` characters (the token to 128)."""
    form = await request.form()
    return {
        k: v[: 128 if k == "csrf" else MAX_VALUE] for k, v in form.items() if isinstance(v, str)
    }


Posted = Annotated[dict[str, str], Depends(_posted)]


def _separation_options(lang: str) -> list[dict[str, str]]:
    from ilteo.benefits.inputs import SEPARATION_LABELS

    t = Translator(lang)
    return [
        {"code": code, "name": name if lang == "ko" else t(f"benefits.separation.{code}")}
        for code, name in SEPARATION_LABELS.items()
    ]


def _page(
    request: Request,
    values: dict[str, str],
    *,
    answer: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    lang = request_language(request)
    t = Translator(lang)
    problems = problems or {}
    filled = {f.name: values.get(f.name, "") for f in FIELDS}
    details_open = bool(problems) or any(
        filled[f.name] for f in FIELDS if f.group in OPTIONAL_GROUPS
    )
    return identity_page(
        request,
        "benefits/result.html" if answer is not None else "benefits/check.html",
        title_key="benefits.result.title" if answer is not None else "benefits.check.title",
        current="benefits",
        status_code=status_code,
        fields=FIELDS,
        groups=GROUPS,
        optional_groups=OPTIONAL_GROUPS,
        values=filled,
        problems=problems,
        details_open=details_open,
        reasons=_separation_options(lang),
        cards=cards(t, answer) if answer is not None else [],
        answer=answer,
    )


@router.get("/benefits/check", response_class=HTMLResponse, name="web_benefits_check")
def check_form(request: Request) -> Response:
    """The form of the check, the check day set to today in Asia/Seoul."""
    return _page(request, {"as_of": today_in_seoul().isoformat()})


@router.post("/benefits/check", response_class=HTMLResponse, name="web_benefits_check_result")
def check_result(request: Request, posted: Posted) -> Response:
    """Run the check on the posted fields: the programme cards, or the form again with 422."""
    from ilteo.benefits.check import check

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    data, problems = build_check(posted)
    if problems:
        return _page(request, posted, problems=problems, status_code=422)
    try:
        answer = check(data)
    except InvalidInputError as error:
        return _page(request, posted, problems=problems_of(error), status_code=422)
    return _page(request, posted, answer=answer)
