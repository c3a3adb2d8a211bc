"""The AI impact monitoring dashboard: national trend, occupations, regions, alerts, chart specs.

Public pages of aggregates only (counts under ``settings.monitor_min_cell`` are shown as ``<5``,
and the rule is stated on every page). Charts are Vega-Lite drawn on the server to inline SVG
(:mod:`ilteo.monitor.charts`), each with a table of the same numbers and a link to its
specification, so the pages carry no script but the site's ``rum.js``. The numbers come from
:mod:`ilteo.monitor.report`, the same functions as the monthly report.

Bad input: a month outside the data gets the 404 page naming the data's range, a malformed month
the 422 page; an unknown KSCO code gets a 404 page listing the nearest valid codes.
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor import report as figures
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import month_text
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language

router = APIRouter(include_in_schema=False)

#: KSCO 8 major groups (대분류) offered by the explorer's filter.
MAJOR_GROUPS: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "A")
BANDS: Final = ("high", "other", "none")
NATIONAL_CHARTS: Final = ("national-employment", "national-flows", "national-high-exposure")
SUGGESTIONS: Final = 5


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _common(
    request: Request, settings: Settings, month: str | None
) -> tuple[date, list[date], dict[str, Any]]:
    """The chosen month, every built month, and the context every monitoring page needs."""
    chosen, months = figures.resolve_month(settings, month)
    lang = request_language(request)
    threshold = figures.min_cell(settings)
    synthetic = figures.is_synthetic(settings)
    context = {
        "month": month_text(chosen),
        "months": [month_text(m) for m in months],
        "synthetic": synthetic,
        "threshold": threshold,
        "caveat": CAVEAT,
        "notes": figures.method_notes(lang, threshold, synthetic),
        "spec_query": f"?month={month_text(chosen)}&lang={lang}",
    }
    return chosen, months, context


@router.get("/monitor", response_class=HTMLResponse, name="web_monitor")
def national_page(request: Request, month: str | None = None) -> HTMLResponse:
    """The national trend: headline figures, trend charts, top occupations by weighted change."""
    settings = _settings(request)
    lang = request_language(request)
    chosen, months, context = _common(request, settings, month)
    top, ref = figures.top_occupations_chart(settings, chosen, months, lang)
    return render(
        request,
        "monitor/index.html",
        title_key="dashboard.national_title",
        current="monitor",
        section="national",
        headline=figures.headline(settings, chosen, months, lang),
        charts=figures.trend_charts(settings, chosen, months, lang),
        top=top,
        reference=month_text(ref) if ref else None,
        **context,
    )


def _majors(settings: Settings, lang: str) -> list[tuple[str, str]]:
    from ilteo.reference import lookup

    found: list[tuple[str, str]] = []
    for code in MAJOR_GROUPS:
        try:
            entry = lookup.get_occupation("ksco8", code, settings=settings)
        except NotFoundError:
            continue
        name = (entry.name_en or entry.name_ko) if lang == "en" else entry.name_ko
        found.append((code, str(name or code)))
    return found


@router.get("/monitor/occupations", response_class=HTMLResponse, name="web_monitor_occupations")
def occupations_page(
    request: Request,
    month: str | None = None,
    major: str | None = None,
    band: str | None = None,
) -> HTMLResponse:
    """The occupation explorer: every KSCO unit of the month, filtered by major group and band."""
    settings = _settings(request)
    lang = request_language(request)
    major = major or None
    band = band or None
    if major is not None and major not in MAJOR_GROUPS:
        raise InvalidInputError(
            f"KSCO 대분류는 {', '.join(MAJOR_GROUPS)} 중 하나입니다 / the KSCO major group is one "
            f"of {', '.join(MAJOR_GROUPS)}: {major!r}"
        )
    if band is not None and band not in BANDS:
        raise InvalidInputError(
            f"노출 구간은 {', '.join(BANDS)} 중 하나입니다 / the band is one of "
            f"{', '.join(BANDS)}: {band!r}"
        )
    chosen, months, context = _common(request, settings, month)
    rows, ref = figures.occupation_rows(settings, chosen, months, lang, major=major, band=band)
    return render(
        request,
        "monitor/occupations.html",
        title_key="dashboard.occupations_title",
        current="monitor",
        section="occupations",
        rows=rows,
        reference=month_text(ref) if ref else None,
        majors=_majors(settings, lang),
        bands=BANDS,
        major=major or "",
        band=band or "",
        **context,
    )


def _known_codes(settings: Settings) -> list[str]:
    from ilteo.monitor.ksco import ksco_index

    index = ksco_index(settings)
    return sorted({*index.profiles, *index.unprofiled})


def _is_known(settings: Settings, code: str) -> bool:
    """A KSCO 8 unit group (4 digits) or a 1-3 digit group of the classification."""
    if not (code.isdigit() and 1 <= len(code) <= 4):
        return False
    if len(code) == 4:
        return code in set(_known_codes(settings))
    from ilteo.reference import lookup

    try:
        lookup.get_occupation("ksco8", code, settings=settings)
    except NotFoundError:
        return False
    return True


def _unknown_page(request: Request, settings: Settings, code: str) -> HTMLResponse:
    lang = request_language(request)
    known = _known_codes(settings)
    nearest = difflib.get_close_matches(code, known, n=SUGGESTIONS, cutoff=0.5)
    if not nearest and code[:2].isdigit():
        nearest = [c for c in known if c.startswith(code[:2])][:SUGGESTIONS]
    return render(
        request,
        "monitor/unknown.html",
        title_key="dashboard.unknown_title",
        status_code=404,
        current="monitor",
        code=code,
        suggestions=[(c, figures.ksco_title(settings, c, lang)) for c in nearest],
    )


@router.get(
    "/monitor/occupations/{ksco}", response_class=HTMLResponse, name="web_monitor_occupation"
)
def occupation_page(request: Request, ksco: str, month: str | None = None) -> HTMLResponse:
    """One occupation (or KSCO group): trends of employment, flows and claims; exposure summary."""
    from ilteo.monitor.ksco import ksco_index, ksco_profile

    settings = _settings(request)
    lang = request_language(request)
    if not _is_known(settings, ksco):
        return _unknown_page(request, settings, ksco)
    chosen, months, context = _common(request, settings, month)
    profile = None
    no_profile = None
    if len(ksco) == 4:
        try:
            profile = ksco_profile(settings, ksco)
        except NotFoundError:
            no_profile = ksco_index(settings).unprofiled.get(ksco, "")
    high = ksco in figures.high_exposure_codes(settings)
    name = figures.ksco_title(settings, ksco, lang)
    t = Translator(lang)
    return render(
        request,
        "monitor/occupation.html",
        page_title=t("dashboard.occupation_title", code=ksco, name=name),
        current="monitor",
        section="occupations",
        code=ksco,
        headline=figures.headline(settings, chosen, months, lang, ksco=ksco),
        charts=figures.trend_charts(
            settings, chosen, months, lang, prefix=f"occupation-{ksco}", ksco=ksco
        ),
        profile=profile,
        no_profile=no_profile,
        high=high,
        **context,
    )


@router.get("/monitor/regions", response_class=HTMLResponse, name="web_monitor_regions")
def regions_page(request: Request, month: str | None = None) -> HTMLResponse:
    """The 17 시도: employment, change, high-exposure share, alerts naming each."""
    settings = _settings(request)
    chosen, months, context = _common(request, settings, month)
    alerts = figures.alerts_of(settings, chosen)
    regions, ref = figures.region_rows(settings, chosen, months, alerts)
    return render(
        request,
        "monitor/regions.html",
        title_key="dashboard.regions_title",
        current="monitor",
        section="regions",
        regions=regions,
        alerts=alerts,
        reference=month_text(ref) if ref else None,
        **context,
    )


@router.get("/monitor/alerts", response_class=HTMLResponse, name="web_monitor_alerts")
def alerts_page(request: Request, month: str | None = None) -> HTMLResponse:
    """The alerts open in the month: what moved, by how much, since when, against what baseline."""
    settings = _settings(request)
    chosen, _, context = _common(request, settings, month)
    return render(
        request,
        "monitor/alerts.html",
        title_key="dashboard.alerts_title",
        current="monitor",
        section="alerts",
        alerts=figures.alerts_of(settings, chosen),
        labels=figures.measure_labels(request_language(request)),
        **context,
    )


@router.get("/monitor/spec/{name}.vl.json", name="web_monitor_spec")
def chart_spec(request: Request, name: str, month: str | None = None) -> JSONResponse:
    """The Vega-Lite specification (with its data) of one chart of the pages."""
    settings = _settings(request)
    lang = request_language(request)
    chosen, months = figures.resolve_month(settings, month)
    charts: list[figures.Chart] = []
    if name in NATIONAL_CHARTS:
        charts = figures.trend_charts(settings, chosen, months, lang)
    elif name == "top-occupations":
        top, _ = figures.top_occupations_chart(settings, chosen, months, lang)
        charts = [top] if top else []
    elif name.startswith("occupation-"):
        code = name.removeprefix("occupation-").rsplit("-", 1)[0]
        if _is_known(settings, code):
            charts = figures.trend_charts(
                settings, chosen, months, lang, prefix=f"occupation-{code}", ksco=code
            )
    for chart in charts:
        if chart.name == name:
            return JSONResponse(chart.spec, media_type="application/json")
    raise NotFoundError(f"차트 명세가 없습니다 / no chart specification named {name!r}")
