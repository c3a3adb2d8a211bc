"""Run the ministry's published examples through the benefits check and report the agreement.

The examples are the OpenFisca scenarios of ``tests/benefits/scenarios/ministry/`` (each names
its source in ``description``). Every example whose inputs the check's JSON can express is turned
into that JSON (the issue's input shape: dates instead of day counts, a birth date instead of an
age) and answered by :func:`ilteo.benefits.check.check`; the figures of the answer are compared
with the published ones. ``disagreements.yaml`` holds the examples the rules do not reproduce.

Writes ``examples.md`` beside this file: one row per example (source, expected, ilteo, match),
then the coverage of the rules' branches by published examples.

Run: ``uv run python evals/benefits/examples.py``.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ilteo.benefits.check import check

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MINISTRY = ROOT / "tests" / "benefits" / "scenarios" / "ministry"

#: scenario variable -> (programme id in the check's answer, field of that answer)
OUTPUTS: dict[str, tuple[str, str]] = {
    "job_seeking_eligible": ("job_seeking_allowance", "eligible"),
    "job_seeking_daily_amount": ("job_seeking_allowance", "daily_amount_krw"),
    "job_seeking_benefit_days": ("job_seeking_allowance", "benefit_days"),
    "job_seeking_total": ("job_seeking_allowance", "total_krw"),
    "early_reemployment_eligible": ("early_reemployment_allowance", "eligible"),
    "early_reemployment_allowance": ("early_reemployment_allowance", "amount_krw"),
    "early_reemployment_remaining_days": ("early_reemployment_allowance", "remaining_days"),
    "parental_leave_benefit_total": ("parental_leave_benefit", "total_krw"),
    "parental_leave_benefit_first_month": ("parental_leave_benefit", "first_month_krw"),
    "parental_leave_paid_months": ("parental_leave_benefit", "months"),
    "parental_leave_special_months": ("parental_leave_benefit", "special_months"),
    "parental_leave_benefit_deferred": ("parental_leave_benefit", "deferred_krw"),
    "maternity_leave_benefit_total": ("maternity_leave_benefit", "total_krw"),
    "maternity_leave_insured_days": ("maternity_leave_benefit", "insured_paid_days"),
    "maternity_leave_days": ("maternity_leave_benefit", "leave_days"),
    "training_card_eligible": ("training_card", "eligible"),
    "training_card_limit": ("training_card", "limit_krw"),
    "employment_support_type1_eligible": ("employment_support_type1", "eligible"),
    "employment_support_type1_monthly": ("employment_support_type1", "monthly_krw"),
    "employment_support_type1_total": ("employment_support_type1", "total_krw"),
    "employment_support_type2_eligible": ("employment_support_type2", "eligible"),
    "employment_support_type2_participation": ("employment_support_type2", "participation_krw"),
    "employment_support_type2_training": ("employment_support_type2", "training_allowance_krw"),
    "employment_support_type2_total": ("employment_support_type2", "total_krw"),
}

#: (programme, branch, where a published example covers it, or "" when only our own scenarios do)
BRANCHES: tuple[tuple[str, str, str], ...] = (
    ("구직급여", "60% of the base daily wage", "job_seeking: 고용24 예제3, 예제6"),
    ("구직급여", "cap 66,000 (2025) / 68,100 (2026)", "job_seeking: 고용24 예제1, 2025/2026 상한"),
    (
        "구직급여",
        "floor 80% x minimum wage x 8 h (2025, 2026)",
        "job_seeking: 예제2, 예제5, 2025 하한",
    ),
    ("구직급여", "floor for part-time hours; hours capped at 8", "job_seeking: 4시간, 10시간"),
    ("구직급여", "benefit days: every band, under 50 and 50+", "job_seeking: 경계 스캔, 예제1/3/6"),
    ("구직급여", "disabled = the 50+ column", "job_seeking: 장애인 25세"),
    ("구직급여", "rounding of the total (daily x days)", "disagreements: 고용24 예제7 (differs)"),
    ("구직급여", "180 unit days in 18 months (179 refused)", ""),
    ("구직급여", "separation reasons, 별표 2 justified quits, misconduct", ""),
    ("구직급여", "65+ new hires excluded; 12-month claim window; 7 waiting days", ""),
    ("조기재취업수당", "half the days left; 12 months; x 1/2", "early_reemployment (formula only)"),
    ("국민내일배움카드", "limit 300만 / 500만 (additional support)", "training_card"),
    ("국민내일배움카드", "exclusions: age 75, public servant, student", "training_card"),
    ("국민내일배움카드", "exclusions: revenue 4억, large firm under 45 at 300만", "training_card"),
    ("국민내일배움카드", "revenue cap 1.5억 before 2023", ""),
    ("국민취업지원제도 I", "allowance 50만 (2025) / 60만 (2026) x 6", "employment_support"),
    ("국민취업지원제도 I", "dependants +10만 each, at most 40만", "employment_support"),
    ("국민취업지원제도 I", "income 60% / assets 4억; ages 15-69", "employment_support"),
    ("국민취업지원제도 I", "youth selection track 120% / 5억", "employment_support"),
    ("국민취업지원제도 I", "work experience 100 days (requirement vs selection)", ""),
    (
        "국민취업지원제도 II",
        "participation 25만 + training 28.4만 x 6 (2025)",
        "employment_support",
    ),
    ("국민취업지원제도 II", "2026: training allowance abolished, incentive 2만 x 5", ""),
    ("국민취업지원제도 II", "middle-aged income 100%; priority groups 15-17", ""),
    ("육아휴직 급여", "2025 caps 250/200/160, floor 70만, no deferral", "parental_leave"),
    ("육아휴직 급여", "2024: 80%, cap 150만, 25% deferred", "parental_leave: 2024"),
    ("육아휴직 급여", "6+6: caps 250..450, shorter parent's months, child < 18m", "parental_leave"),
    ("육아휴직 급여", "18 months when both parents take 3+ months", "parental_leave"),
    ("육아휴직 급여", "2024 6+6 month 1 at 200만", ""),
    ("육아휴직 급여", "한부모 (300만 months 1-3)", "not modelled (no input)"),
    ("출산전후휴가 급여", "cap 210만 (2025) / 220만 (2026) per 30 days", "maternity_leave"),
    ("출산전후휴가 급여", "priority-support 90/120 days; large firm 30/45", "maternity_leave"),
    ("출산전후휴가 급여", "floor: minimum wage x 209 h", "maternity_leave: 2026 하한"),
    ("출산전후휴가 급여", "premature birth 100 days", "not modelled (no input)"),
)


def _birth(age: int, day: date) -> date:
    """A birth date that makes the person ``age`` on ``day``."""
    return day.replace(year=day.year - age)


def _job(inp: dict[str, Any], day: date) -> dict[str, Any]:
    sep = day - timedelta(days=int(inp["days_since_separation"]))
    start = sep - timedelta(days=int(inp["insured_period_days"]) - 1)
    employment: dict[str, Any] = {
        "insured_periods": [{"start": start.isoformat(), "end": sep.isoformat()}],
        "paid_days_last_18_months": inp["insured_unit_days_18m"],
        "separation_date": sep.isoformat(),
        "separation_reason": inp["separation_reason"],
        "wages_last_3_months_krw": inp["wages_last_3_months"],
        "days_last_3_months": inp["days_last_3_months"],
        "daily_contract_hours": inp["daily_contract_hours"],
    }
    if "days_reemployed_after_separation" in inp:
        again = sep + timedelta(days=int(inp["days_reemployed_after_separation"]))
        employment["reemployment_date"] = again.isoformat()
        employment["reemployment_expected_months"] = inp["reemployment_expected_months"]
    person = {"birth_date": _birth(int(inp["age_at_separation"]), sep).isoformat()}
    person["disabled"] = inp["disabled"]
    return {"as_of": day.isoformat(), "person": person, "employment": employment}


def _parental(inp: dict[str, Any], day: date) -> dict[str, Any]:
    born = day
    for _ in range(int(inp["child_age_months"])):
        born = (born.replace(day=1) - timedelta(days=1)).replace(day=day.day)
    family = {
        "child_birth_date": born.isoformat(),
        "parental_leave_start": day.isoformat(),
        "parental_leave_months": inp["parental_leave_months"],
        "monthly_ordinary_wage_krw": inp["monthly_ordinary_wage"],
        "other_parent_on_leave_months": inp["other_parent_leave_months"],
    }
    employment = {"paid_days_last_18_months": inp["insured_unit_days_18m"]}
    return {"as_of": day.isoformat(), "employment": employment, "family": family}


def _maternity(inp: dict[str, Any], day: date) -> dict[str, Any]:
    family = {
        "maternity_leave_start": day.isoformat(),
        "monthly_ordinary_wage_krw": inp["monthly_ordinary_wage"],
        "multiple_birth": inp["multiple_birth"],
        "priority_support_employer": inp["priority_support_employer"],
    }
    employment = {"paid_days_last_18_months": inp["insured_unit_days_18m"]}
    return {"as_of": day.isoformat(), "employment": employment, "family": family}


_TRAINING = {
    "public_servant_or_private_teacher": "public_servant_or_private_teacher",
    "enrolled_student": "enrolled_student",
    "self_employed_annual_revenue": "self_employed_annual_revenue_krw",
    "large_firm_monthly_wage": "large_firm_monthly_wage_krw",
    "card_used": "card_used_krw",
    "employment_support_participant": "employment_support_participant",
    "low_income": "low_income",
}
_PERSON = {
    "household_size": "household_size",
    "household_income_ratio": "household_income_ratio_to_median",
    "household_assets": "household_assets_krw",
}


def _other(inp: dict[str, Any], day: date) -> dict[str, Any]:
    person: dict[str, Any] = {"birth_date": _birth(int(inp["age"]), day).isoformat()}
    person |= {_PERSON[k]: v for k, v in inp.items() if k in _PERSON}
    training = {_TRAINING[k]: v for k, v in inp.items() if k in _TRAINING}
    data: dict[str, Any] = {"as_of": day.isoformat(), "person": person, "training": training}
    if "insured_unit_days_18m" in inp:
        data["employment"] = {"paid_days_last_18_months": inp["insured_unit_days_18m"]}
    return data


def to_check(inp: dict[str, Any], day: date) -> dict[str, Any]:
    """The check's JSON for a scenario's inputs on ``day``."""
    builder: Callable[[dict[str, Any], date], dict[str, Any]]
    if "separation_reason" in inp:
        builder = _job
    elif "child_age_months" in inp:
        builder = _parental
    elif "multiple_birth" in inp:
        builder = _maternity
    else:
        builder = _other
    return builder(inp, day)


@dataclass(frozen=True)
class Row:
    """One published example through the check."""

    file: str
    name: str
    source: str
    expected: dict[str, Any]
    got: dict[str, Any]

    @property
    def match(self) -> bool | None:
        """Whether every expressible figure agrees (None: no figure the JSON answer carries).

        An amount the answer leaves out (``None``) because the person is not eligible counts as
        the published 0.
        """
        if not self.expected:
            return None
        return all(
            got == want or (want == 0 and got is None and key.endswith("_krw"))
            for key, want in self.expected.items()
            for got in [self.got.get(key)]
        )


def source_of(description: str) -> str:
    """A short name of an example's source: its first address's host, else the text's start."""
    found = re.search(r"https?://([^/\s]+)", description)
    if "고용24" in description and "work24" in description:
        return "고용24 모의계산 (work24.go.kr, via a public evaluation record)"
    if found:
        return found.group(1) + " (secondary)"
    named = re.search(r"공개[^,;)]*", description)
    if named:
        return named.group(0).strip() + " (secondary)"
    return description.split("(")[0][:60].strip()


def run(files: list[Path]) -> list[Row]:
    """Every example of ``files`` through :func:`check`."""
    rows = []
    for path in files:
        tests: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for test in tests:
            day = date.fromisoformat(str(test["period"]))
            answer = check(to_check(test["input"], day))["programs"]
            expected, got = {}, {}
            for variable, value in test["output"].items():
                if variable not in OUTPUTS:
                    continue
                programme, field = OUTPUTS[variable]
                expected[f"{programme}.{field}"] = value
                got[f"{programme}.{field}"] = answer[programme].get(field)
            rows.append(Row(path.stem, test["name"], source_of(test["description"]), expected, got))
    return rows


def _fmt(values: dict[str, Any]) -> str:
    return "<br>".join(f"{k.split('.')[1]}={v}" for k, v in values.items()) or "-"


def report(rows: list[Row], disagreements: list[Row]) -> str:
    """The Markdown report."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    agree = sum(r.match is True for r in rows)
    compared = sum(r.match is not None for r in rows)
    lines = [
        "# Benefits: published examples through the check",
        "",
        f"Generated {now} by `uv run python evals/benefits/examples.py` on {platform.node()} "
        f"(Python {platform.python_version()}).",
        "",
        "Each example is a scenario of `tests/benefits/scenarios/ministry/` (its `description` "
        "names the source); here its inputs are written as the check's JSON (the issue's input "
        "shape) and "
        "answered by `ilteo.benefits.check.check()`. Only figures the JSON answer carries are "
        "compared. Most sources are secondary (public explanations and calculators quoting the "
        "ministry); the 구직급여 examples are responses of the ministry's own 고용24 calculator as "
        "recorded by a public evaluation record (not re-run here, no internet).",
        "",
        f"**{agree} of {compared} comparable examples agree** (examples whose figures the JSON "
        f"answer does not carry, only its trace: {len(rows) - compared}); "
        f"{len(disagreements)} known disagreement(s) below.",
        "",
        "| example | source | expected | ilteo | match |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        mark = {True: "yes", False: "**no**", None: "n/a"}[r.match]
        lines.append(
            f"| {r.file}: {r.name} | {r.source} | {_fmt(r.expected)} | {_fmt(r.got)} | {mark} |"
        )
    lines += [
        "",
        "## Known disagreements (`disagreements.yaml`, strict xfail in the tests)",
        "",
        "| example | source | published | ilteo |",
        "|---|---|---|---|",
    ]
    for r in disagreements:
        lines.append(f"| {r.name} | {r.source} | {_fmt(r.expected)} | {_fmt(r.got)} |")
    lines += [
        "",
        "- 구직급여 total: the 고용24 모의계산 multiplies the unrounded daily amount by the days "
        "(112,001 x 0.6 = 67,200.6; x 240 = 16,128,144); ilteo floors the daily amount to the won "
        "first (67,200 x 240 = 16,128,000). The law pays a daily amount (구직급여일액) per "
        "recognised day, so ilteo's total is what is paid day by day; the calculator's total "
        "differs by less than 1 won a day. Left to the lead: keep, or compute the total unrounded.",
        "- 국민취업지원제도 II 2026 training allowance: sources disagree (one 2026 guide still "
        "says up to 284,000원 a month; the parameters follow the guides saying it was abolished "
        "for 2026 applicants).",
        "",
        "## Coverage of the rules' branches",
        "",
        "| programme | branch | published example |",
        "|---|---|---|",
    ]
    for programme, branch, where in BRANCHES:
        lines.append(f"| {programme} | {branch} | {where or 'only our own scenarios'} |")
    lines += [
        "",
        "Branches marked *only our own scenarios* are tested in `tests/benefits/scenarios/"
        "{job_seeking,parental,training_employment}/` from the law's text, without a published "
        "worked example found (search: the `search` tool's pages, docs, code and issues corpora).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the examples and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "examples.md")
    args = parser.parse_args(argv)
    files = sorted(p for p in MINISTRY.glob("*.yaml") if p.name != "disagreements.yaml")
    rows = run(files)
    disagreements = run([MINISTRY / "disagreements.yaml"])
    args.out.write_text(report(rows, disagreements), encoding="utf-8")
    agree = sum(r.match is True for r in rows)
    wrong = sum(r.match is False for r in rows)
    sys.stdout.write(f"{agree} agree, {wrong} differ of {len(rows)} examples; report: {args.out}\n")
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
