"""The figures of the monitoring dashboard and the monthly report (HTML and PDF, in Korean).

Everything here reads the lake only through :mod:`ilteo.monitor.indicators`
(``read_indicators``, ``available_months``, ``high_exposure_codes``), the exposure profiles through
:mod:`ilteo.monitor.ksco`, and the alerts through ``ilteo.monitor.warnings.current_alerts`` (shown
as "not built" when that module is absent). Only aggregates leave this module: counts under the
disclosure threshold (``settings.monitor_min_cell``) are shown as ``<5``.

The dashboard pages (:mod:`ilteo.web.views.monitor`) and :func:`build_report` use the same
functions, so a number on a page and in the report are the same number.

The report (:func:`write_report`) is a standalone HTML file (charts inline as SVG, print CSS for
A4) and a PDF printed from it by the Chromium of the machine (``chromium --headless
--print-to-pdf``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl

from ilteo.core.errors import DataUnavailableError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor import charts, indicators
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import month_text, parse_month, shift

#: The measures of the headline table, in order.
HEADLINE_MEASURES: Final = ("employment", "hires", "separations", "jsa_claims")
MEASURE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "employment": ("피보험 취업자", "Insured employment"),
    "hires": ("취득(채용)", "Hires"),
    "separations": ("상실(이직)", "Separations"),
    "jsa_claims": ("구직급여 신청", "Job-seeking allowance claims"),
    "training_enrolments": ("훈련 등록", "Training enrolments"),
    "sep_voluntary": ("자발적 이직", "Voluntary separations"),
    "sep_business": ("경영상 이유 이직", "Separations for business reasons"),
    "sep_misconduct": ("징계·해고 이직", "Dismissals for misconduct"),
    "sep_retirement": ("정년 퇴직", "Retirements"),
    "sep_contract_end": ("계약 만료 이직", "Contract ends"),
    "sep_other": ("기타 이직", "Other separations"),
    "high_exposure_share": ("고노출 직업 고용 비중", "High-exposure employment share"),
}
#: How many months the trend charts show, ending at the chosen month.
TREND_MONTHS: Final = 24
TOP_OCCUPATIONS: Final = 10
#: The keys of a top-occupation row in the report's figures (``--json``).
TOP_KEYS: Final = ("ksco", "title", "combined", "employment", "change", "weighted_change")
CHROMIUM_CANDIDATES: Final = ("/usr/bin/chromium", "chromium", "chromium-browser")
PDF_TIMEOUT_SECONDS: Final = 120
SOURCE_NOTE: Final = (
    "고용보험 피보험자격 이력·구직급여·훈련 기록의 마스터(일터 데이터 레이크) 월별 집계 / "
    "monthly aggregates of the lake's master records (employment insurance, job-seeking "
    "allowance, training)"
)


def pick(lang: str, ko: str, en: str) -> str:
    """The Korean or the English text (``lang`` ``ko``/``en``)."""
    return en if lang == "en" else ko


def measure_labels(lang: str) -> dict[str, str]:
    """The display names of the measures in ``lang`` (alerts name their measure by id)."""
    return {measure: pick(lang, ko, en) for measure, (ko, en) in MEASURE_LABELS.items()}


def min_cell(settings: Settings) -> int:
    """The disclosure threshold: counts below it are suppressed (``settings.monitor_min_cell``)."""
    return settings.monitor_min_cell


def resolve_month(settings: Settings, month: date | str | None) -> tuple[date, list[date]]:
    """The month to show (the latest built when ``None``) and every built month.

    Raises:
        DataUnavailableError: No indicators are built yet (``ilteo monitor indicators``).
        NotFoundError: The month is outside the built data (the message names the range).
    """
    months = sorted(indicators.available_months(settings))
    if not months:
        raise DataUnavailableError(
            "월별 지표가 아직 만들어지지 않았습니다 / no monthly indicators are built yet "
            "(ilteo monitor indicators)"
        )
    if month is None:
        return months[-1], months
    chosen = parse_month(month) if isinstance(month, str) else month.replace(day=1)
    if chosen not in months:
        raise NotFoundError(
            f"{month_text(chosen)}의 지표가 없습니다; 자료 기간은 {month_text(months[0])} ~ "
            f"{month_text(months[-1])}입니다 / no indicators for {month_text(chosen)}; the data "
            f"cover {month_text(months[0])} to {month_text(months[-1])}"
        )
    return chosen, months


def is_synthetic(settings: Settings) -> bool:
    """Whether the lake was filled from ``ilteo synth`` output (the demo's synthetic country).

    A batch whose origin file lies in a folder with ``ground_truth/manifest.json`` (what
    ``ilteo synth`` writes) marks the lake synthetic; so does any non-production setting, where
    only the demo's data can be loaded.
    """
    if settings.env != "prod":
        return True
    try:
        from sqlalchemy import select

        from ilteo.core.db import session_scope
        from ilteo.lake.models import LakeBatch

        with session_scope(settings) as session:
            origins = list(session.scalars(select(LakeBatch.origin).distinct()))
    except Exception:  # no ledger: nothing says the data are real
        return True
    for origin in origins:
        for parent in list(Path(origin).parents)[:4]:
            if (parent / "ground_truth" / "manifest.json").is_file():
                return True
    return False


def count_text(value: Any, suppressed: bool, threshold: int) -> str:
    """A count for display: ``1,234``, ``<5`` when suppressed, ``—`` when missing.

    >>> count_text(1234, False, 5), count_text(None, True, 5), count_text(None, False, 5)
    ('1,234', '<5', '—')
    """
    if value is None:
        return f"<{threshold}" if suppressed else "—"
    return f"{round(float(value)):,}"


def pct_text(value: float | None, signed: bool = True) -> str:
    """A share or change as a percentage (``+1.2%``), ``—`` when missing.

    >>> pct_text(0.0123), pct_text(0.5, signed=False), pct_text(None)
    ('+1.2%', '50.0%', '—')
    """
    if value is None:
        return "—"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def diff_text(value: float | None) -> str:
    """A signed difference of counts (``+1,234``), ``—`` when missing."""
    return "—" if value is None else f"{round(value):+,}"


def _value(row: dict[str, Any] | None, measure: str) -> float | None:
    if row is None or row.get(measure) is None:
        return None
    return float(row[measure])


def _change(now: float | None, before: float | None) -> tuple[float | None, float | None]:
    if now is None or before is None:
        return None, None
    return now - before, ((now - before) / before if before else None)


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its spec name (``/monitor/spec/<name>.vl.json``), title, spec and table."""

    name: str
    title: str
    spec: dict[str, Any]
    columns: list[str]
    rows: list[list[str]]

    def svg(self, dom_id: str | None = None) -> str:
        """The inline SVG, labelled by the figure caption ``<dom_id>-caption``."""
        dom = dom_id or f"chart-{self.name}"
        return charts.inline_svg(self.spec, dom, f"{dom}-caption")


@dataclass(frozen=True, slots=True)
class HeadlineRow:
    """One measure of the month against the previous month and the same month a year before."""

    measure: str
    label: str
    value: str
    previous: str
    change_previous: str
    change_previous_pct: str
    year_ago: str
    change_year: str
    change_year_pct: str
    raw: dict[str, float | None]


def _months_frame(
    settings: Settings, first: date, last: date, **filters: Any
) -> dict[date, dict[str, Any]]:
    frame: pl.DataFrame = indicators.read_indicators(settings, months=(first, last), **filters)
    return {row["month"]: row for row in frame.to_dicts()}


def national_rows(
    settings: Settings, month: date, months: Sequence[date], **filters: Any
) -> list[dict[str, Any]]:
    """The monthly rows (all measures) of the trend window ending at ``month``, oldest first."""
    window = [m for m in months if shift(month, -TREND_MONTHS) < m <= month]
    by_month = _months_frame(settings, window[0], window[-1], **filters)
    return [{"month": m, **by_month.get(m, {})} for m in window]


def headline(
    settings: Settings, month: date, months: Sequence[date], lang: str = "ko", **filters: Any
) -> list[HeadlineRow]:
    """Employment, hires, separations and claims of ``month`` with their changes."""
    threshold = min_cell(settings)
    previous, year_ago = shift(month, -1), shift(month, -12)
    first = year_ago if year_ago in months else (previous if previous in months else month)
    by_month = _months_frame(settings, first, month, **filters)
    now, prev, year = by_month.get(month), by_month.get(previous), by_month.get(year_ago)
    rows: list[HeadlineRow] = []
    for measure in HEADLINE_MEASURES:
        value, before, back = _value(now, measure), _value(prev, measure), _value(year, measure)
        d_prev, p_prev = _change(value, before)
        d_year, p_year = _change(value, back)
        suppressed = bool(now and now.get("suppressed"))
        rows.append(
            HeadlineRow(
                measure=measure,
                label=pick(lang, *MEASURE_LABELS[measure]),
                value=count_text(value, suppressed, threshold),
                previous=count_text(before, bool(prev and prev.get("suppressed")), threshold),
                change_previous=diff_text(d_prev),
                change_previous_pct=pct_text(p_prev),
                year_ago=count_text(back, bool(year and year.get("suppressed")), threshold),
                change_year=diff_text(d_year),
                change_year_pct=pct_text(p_year),
                raw={"value": value, "previous": before, "year_ago": back},
            )
        )
    return rows


def _series_chart(
    name: str,
    title: str,
    rows: Sequence[dict[str, Any]],
    measures: Sequence[str],
    lang: str,
    threshold: int,
    percent: bool = False,
) -> Chart:
    points: list[dict[str, Any]] = []
    table: list[list[str]] = []
    for row in rows:
        line = [month_text(row["month"])]
        suppressed = bool(row.get("suppressed"))
        for measure in measures:
            value = row.get(measure)
            points.append(
                {
                    "month": month_text(row["month"]),
                    "series": pick(lang, *MEASURE_LABELS[measure]),
                    "value": None if value is None else float(value),
                }
            )
            line.append(
                pct_text(value, signed=False)
                if percent
                else count_text(value, suppressed, threshold)
            )
        table.append(line)
    spec = charts.line_spec(
        points,
        title=title,
        y_title=pick(lang, "비중", "share") if percent else pick(lang, "명·건", "count"),
        x_title=pick(lang, "월", "month"),
        series_title=pick(lang, "지표", "measure"),
        percent=percent,
    )
    columns = [pick(lang, "월", "Month"), *(pick(lang, *MEASURE_LABELS[m]) for m in measures)]
    return Chart(name, title, spec, columns, table)


def trend_charts(
    settings: Settings,
    month: date,
    months: Sequence[date],
    lang: str = "ko",
    prefix: str = "national",
    **filters: Any,
) -> list[Chart]:
    """Employment, the flows (hires, separations, claims) and the high-exposure share."""
    rows = national_rows(settings, month, months, **filters)
    threshold = min_cell(settings)
    span = f"{month_text(rows[0]['month'])} ~ {month_text(month)}"
    found = [
        _series_chart(
            f"{prefix}-employment",
            pick(lang, f"피보험 취업자 추이 ({span})", f"Insured employment ({span})"),
            rows,
            ("employment",),
            lang,
            threshold,
        ),
        _series_chart(
            f"{prefix}-flows",
            pick(lang, f"취득·상실·구직급여 신청 ({span})", f"Hires, separations, claims ({span})"),
            rows,
            ("hires", "separations", "jsa_claims"),
            lang,
            threshold,
        ),
    ]
    if not filters.get("ksco"):
        found.append(
            _series_chart(
                f"{prefix}-high-exposure",
                pick(
                    lang,
                    f"고노출 직업(상위 20%) 고용 비중 ({span})",
                    f"Employment share of high-exposure occupations, top 20% ({span})",
                ),
                rows,
                ("high_exposure_share",),
                lang,
                threshold,
                percent=True,
            )
        )
    return found


def ksco_title(settings: Settings, code: str, lang: str = "ko") -> str:
    """The title of a KSCO 8 code (exposure index, then the reference data), or the code."""
    from ilteo.monitor.ksco import ksco_index

    profile = ksco_index(settings).profiles.get(code)
    if profile is not None:
        return (profile.title_en or profile.title_ko) if lang == "en" else profile.title_ko
    try:
        from ilteo.reference import lookup

        found = lookup.get_occupation("ksco8", code, settings=settings)
    except Exception:  # "unknown" and retired codes keep their code
        return code
    return str((found.name_en or found.name_ko) if lang == "en" else (found.name_ko or code))


def reference_month(month: date, months: Sequence[date]) -> date | None:
    """The comparison month: the same month a year before, else the previous month."""
    for candidate in (shift(month, -12), shift(month, -1)):
        if candidate in months:
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class OccupationRow:
    """One KSCO unit of the explorer and the report's ranking."""

    ksco: str
    title: str
    combined: float | None
    high: bool
    employment: str
    change: str
    change_pct: str
    weighted_change: float | None
    raw_employment: float | None

    @property
    def band(self) -> str:
        """``high`` (top 20% of combined scores), ``other`` (scored) or ``none`` (no score)."""
        if self.high:
            return "high"
        return "other" if self.combined is not None else "none"


def occupation_rows(
    settings: Settings,
    month: date,
    months: Sequence[date],
    lang: str = "ko",
    major: str | None = None,
    band: str | None = None,
) -> tuple[list[OccupationRow], date | None]:
    """Every KSCO unit with employment in ``month``: level, change and exposure-weighted change.

    The exposure-weighted change is the change of the sum of employment times the combined
    score (the ``exposure_weighted`` measure) against the comparison month
    (:func:`reference_month`).
    ``major`` keeps one KSCO major group (``1``-``9``, ``A``), ``band`` one exposure band.
    """
    from ilteo.monitor.ksco import ksco_index

    ref = reference_month(month, months)
    frame: pl.DataFrame = indicators.read_indicators(
        settings, by=("ksco",), months=(ref or month, month)
    )
    high = indicators.high_exposure_codes(settings)
    profiles = ksco_index(settings).profiles
    threshold = min_cell(settings)
    now = {r["ksco"]: r for r in frame.filter(pl.col("month") == month).to_dicts()}
    before = {r["ksco"]: r for r in frame.filter(pl.col("month") == ref).to_dicts()} if ref else {}
    rows: list[OccupationRow] = []
    for code, row in sorted(now.items()):
        if major and not code.startswith(major):
            continue
        old = before.get(code)
        value, back = _value(row, "employment"), _value(old, "employment")
        d, p = _change(value, back)
        w_now, w_old = _value(row, "exposure_weighted"), _value(old, "exposure_weighted")
        profile = profiles.get(code)
        rows.append(
            OccupationRow(
                ksco=code,
                title=ksco_title(settings, code, lang) if code != "unknown" else code,
                combined=profile.combined if profile else None,
                high=code in high,
                employment=count_text(value, bool(row.get("suppressed")), threshold),
                change=diff_text(d),
                change_pct=pct_text(p),
                weighted_change=(w_now - w_old)
                if w_now is not None and w_old is not None
                else None,
                raw_employment=value,
            )
        )
    if band:
        rows = [r for r in rows if r.band == band]
    return rows, ref


def top_occupations_chart(
    settings: Settings, month: date, months: Sequence[date], lang: str = "ko"
) -> tuple[Chart | None, date | None]:
    """The units with the largest exposure-weighted change (by size), as a bar chart + table."""
    rows, ref = occupation_rows(settings, month, months, lang)
    ranked = sorted(
        (r for r in rows if r.weighted_change is not None),
        key=lambda r: abs(r.weighted_change or 0.0),
        reverse=True,
    )[:TOP_OCCUPATIONS]
    if not ranked or ref is None:
        return None, ref
    title = pick(
        lang,
        f"노출 가중 고용 변화 상위 직업 ({month_text(ref)} 대비 {month_text(month)})",
        f"Largest exposure-weighted employment changes ({month_text(month)} vs {month_text(ref)})",
    )
    spec = charts.bar_spec(
        [{"label": f"{r.ksco} {r.title}", "value": r.weighted_change} for r in ranked],
        title=title,
        x_title=pick(lang, "노출 가중 변화(취업자 변화 곱하기 점수)", "exposure-weighted change"),
        y_title=pick(lang, "KSCO 세분류", "KSCO unit"),
    )
    columns = [
        pick(lang, "KSCO", "KSCO"),
        pick(lang, "직업", "Occupation"),
        pick(lang, "결합 노출 점수", "Combined exposure score"),
        pick(lang, "취업자", "Employment"),
        pick(lang, "증감", "Change"),
        pick(lang, "노출 가중 변화", "Exposure-weighted change"),
    ]
    table = [
        [
            r.ksco,
            r.title,
            "—" if r.combined is None else f"{r.combined:.3f}",
            r.employment,
            f"{r.change} ({r.change_pct})",
            f"{r.weighted_change:+,.1f}" if r.weighted_change is not None else "—",
        ]
        for r in ranked
    ]
    return Chart("top-occupations", title, spec, columns, table), ref


@dataclass(frozen=True, slots=True)
class AlertsView:
    """The alerts of a month, or why there are none to show."""

    built: bool
    alerts: list[Any] = field(default_factory=list)


def alerts_of(
    settings: Settings, month: date | None = None, limit: int | None = None
) -> AlertsView:
    """``ilteo.monitor.warnings.current_alerts``, or ``built=False`` before indicators exist."""
    from ilteo.monitor import warnings

    try:
        found = warnings.current_alerts(settings, month=month, limit=limit)
    except DataUnavailableError:
        return AlertsView(built=False)
    return AlertsView(built=True, alerts=list(found))


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One 시도: high-exposure share, employment and its change, alerts naming it."""

    sido: str
    name: str
    employment: str
    change: str
    change_pct: str
    high_share: str
    alerts: int | None


def region_rows(
    settings: Settings, month: date, months: Sequence[date], alerts: AlertsView
) -> tuple[list[RegionRow], date | None]:
    """The 17 시도 (and any other code in the data) for ``month``."""
    from ilteo.lake.codes import SIDO

    ref = reference_month(month, months)
    frame: pl.DataFrame = indicators.read_indicators(
        settings, by=("sido",), months=(ref or month, month)
    )
    now = {r["sido"]: r for r in frame.filter(pl.col("month") == month).to_dicts()}
    before = {r["sido"]: r for r in frame.filter(pl.col("month") == ref).to_dicts()} if ref else {}
    names = {s.code: s.name for s in SIDO}
    threshold = min_cell(settings)
    counts: dict[str, int] = {}
    for alert in alerts.alerts:
        code = (getattr(alert, "group", None) or {}).get("sido")
        if code:
            counts[str(code)] = counts.get(str(code), 0) + 1
    rows: list[RegionRow] = []
    for code in [*names, *sorted(set(now) - set(names))]:
        row, old = now.get(code), before.get(code)
        value, back = _value(row, "employment"), _value(old, "employment")
        d, p = _change(value, back)
        share = _value(row, "high_exposure_share")
        rows.append(
            RegionRow(
                sido=code,
                name=names.get(code, code),
                employment=count_text(value, bool(row and row.get("suppressed")), threshold),
                change=diff_text(d),
                change_pct=pct_text(p),
                high_share=pct_text(share, signed=False),
                alerts=counts.get(code, 0) if alerts.built else None,
            )
        )
    return rows, ref


def method_notes(lang: str, threshold: int, synthetic: bool) -> list[str]:
    """The method, sources and caveats paragraph list (pages and report)."""
    notes = [
        pick(
            lang,
            "취업자는 각 월 말일 기준 고용보험 피보험 일자리 수, 취득·상실은 그 달의 자격 취득·"
            "상실 건수, 구직급여 신청은 마지막 직업 기준 신청 건수입니다.",
            "Employment is the number of insured jobs on the month's last day; hires and "
            "separations are the month's acquisitions and losses of insured status; claims are "
            "job-seeking allowance claims by last occupation.",
        ),
        pick(
            lang,
            "고노출 직업은 결합 AI 노출 점수 상위 20%(분위 기준) KSCO 세분류입니다(한국은행식 "
            "'상위 20% 직업' 정의). 노출 가중 변화는 취업자 변화에 결합 점수를 곱한 합입니다.",
            "High-exposure occupations are the KSCO unit groups in the top 20% of combined AI "
            "exposure scores (the Bank of Korea style 'top 20% of occupations'); the exposure-"
            "weighted change is the change in employment times the combined score, summed.",
        ),
        pick(
            lang,
            f"공개 집계만 보여 줍니다. {threshold}명(건) 미만의 칸은 '<{threshold}'로 가립니다.",
            f"Only aggregates are shown; cells under {threshold} are suppressed and shown as "
            f"'<{threshold}'.",
        ),
        CAVEAT,
        SOURCE_NOTE,
    ]
    if synthetic:
        notes.insert(
            0,
            pick(
                lang,
                "합성 데이터: 이 레이크는 ilteo synth가 만든 가상 국가의 자료이며 실제 통계가 "
                "아닙니다. / synthetic data",
                "Synthetic data (합성 데이터): this lake holds the synthetic country made by "
                "ilteo synth; the figures are not real statistics.",
            ),
        )
    return notes


@dataclass(frozen=True, slots=True)
class Report:
    """The monthly report: its HTML, the charts, and the figures as plain data (``--json``)."""

    month: date
    html: str
    charts: list[Chart]
    figures: dict[str, Any]


def build_report(settings: Settings, month: date | str) -> Report:
    """Assemble the monthly report of ``month`` (Korean) as standalone HTML with inline SVG.

    Raises:
        DataUnavailableError: No indicators are built.
        NotFoundError: The month is outside the data.
    """
    from ilteo.web.i18n import Translator
    from ilteo.web.rendering import get_environment

    chosen, months = resolve_month(settings, month)
    lang = "ko"
    synthetic = is_synthetic(settings)
    heads = headline(settings, chosen, months, lang)
    trends = trend_charts(settings, chosen, months, lang)
    top, ref = top_occupations_chart(settings, chosen, months, lang)
    alerts = alerts_of(settings, chosen)
    regions, _ = region_rows(settings, chosen, months, alerts)
    all_charts = [*trends, *([top] if top else [])]
    threshold = min_cell(settings)
    html = (
        get_environment()
        .get_template("monitor/report.html")
        .render(
            lang=lang,
            t=Translator(lang),
            month=month_text(chosen),
            reference=month_text(ref) if ref else None,
            synthetic=synthetic,
            headline=heads,
            trends=trends,
            top=top,
            alerts=alerts,
            regions=regions,
            notes=method_notes(lang, threshold, synthetic),
            threshold=threshold,
            caveat=CAVEAT,
            labels=measure_labels(lang),
            generated=time.strftime("%Y-%m-%d %H:%M"),
        )
    )
    figures = {
        "month": month_text(chosen),
        "synthetic": synthetic,
        "min_cell": threshold,
        "headline": {h.measure: h.raw for h in heads},
        "high_exposure_share": {
            point["month"]: point["value"]
            for point in next(c for c in trends if "high" in c.name).spec["data"]["values"]
        },
        "reference_month": month_text(ref) if ref else None,
        "top_occupations": [
            dict(zip(TOP_KEYS, row, strict=True)) for row in (top.rows if top else [])
        ],
        "alerts": {"built": alerts.built, "count": len(alerts.alerts)},
        "regions": len(regions),
        "caveat": CAVEAT,
    }
    return Report(chosen, html, all_charts, figures)


def find_chromium() -> str:
    """The Chromium executable used to print the PDF.

    Raises:
        DataUnavailableError: Chromium is not installed (``apt-get install chromium``).
    """
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise DataUnavailableError(
        "PDF를 만들 Chromium이 없습니다(apt-get install chromium) 또는 --no-pdf를 쓰세요 / "
        "Chromium is needed to print the PDF (apt-get install chromium), or pass --no-pdf"
    )


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print ``html_path`` to an A4 PDF with headless Chromium.

    Raises:
        DataUnavailableError: Chromium is missing, fails, or takes longer than
            :data:`PDF_TIMEOUT_SECONDS`.
    """
    command = [
        find_chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf_path}",
        html_path.resolve().as_uri(),
    ]
    pdf_path.unlink(missing_ok=True)
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command line of the local Chromium
            command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DataUnavailableError(
            f"Chromium이 {PDF_TIMEOUT_SECONDS}초 안에 PDF를 만들지 못했습니다 / Chromium did not "
            f"print the PDF within {PDF_TIMEOUT_SECONDS} s"
        ) from exc
    if done.returncode != 0 or not pdf_path.is_file():
        tail = (done.stderr or b"")[-400:].decode("utf-8", "replace")
        raise DataUnavailableError(
            f"Chromium PDF 출력 실패 / Chromium failed to print the PDF (exit {done.returncode}): "
            f"{tail}"
        )
    return pdf_path


def write_report(
    settings: Settings, month: date | str, out_dir: Path, pdf: bool = True
) -> dict[str, Any]:
    """Write ``report-YYYY-MM.html`` (and ``.pdf``) and the charts' specs into ``out_dir``.

    Returns:
        The report's figures plus the paths written (``html``, ``pdf``, ``specs``).
    """
    report = build_report(settings, month)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{month_text(report.month)}"
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(report.html, encoding="utf-8")
    specs = out_dir / f"{stem}-specs"
    specs.mkdir(exist_ok=True)
    for chart in report.charts:
        (specs / f"{chart.name}.vl.json").write_text(
            json.dumps(chart.spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    written: dict[str, Any] = {**report.figures, "html": str(html_path), "specs": str(specs)}
    written["pdf"] = str(html_to_pdf(html_path, out_dir / f"{stem}.pdf")) if pdf else None
    return written


def high_exposure_codes(settings: Settings) -> frozenset[str]:
    """The KSCO units in the top quintile of combined scores (see ``indicators``)."""
    codes: frozenset[str] = indicators.high_exposure_codes(settings)
    return codes
