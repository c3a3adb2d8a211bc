"""The published KSCO 8 ↔ ISCO-08 crosswalk as a public page: table, filters, CSV, method.

The page reads the same service functions as ``GET /v1/monitor/crosswalk`` and
``GET /v1/monitor/crosswalk.csv`` (:mod:`ilteo.monitor.crosswalk`). Filters are a plain GET form
(no script); a bad filter value is shown next to its field with status 422.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ilteo.core.settings import Settings
from ilteo.web.rendering import render, request_language

router = APIRouter(include_in_schema=False)

#: KSCO 8 major groups (대분류); their names are ``xw.majors.<code>`` in the catalogues.
MAJORS: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "A")
#: Confidence floors offered by the filter.
CONFIDENCES: Final = ("0", "0.3", "0.5", "0.7", "0.9")
METHODS: Final = ("title+structure", "structure-only", "override")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/monitor/crosswalk", response_class=HTMLResponse, name="web_monitor_crosswalk")
def crosswalk_page(
    request: Request,
    major: str | None = None,
    confidence: str | None = None,
    method: str | None = None,
) -> HTMLResponse:
    """The crosswalk table with filters by major group, confidence and method, and its method."""
    from ilteo.monitor.crosswalk import (
        MARGIN,
        MAX_LINKS,
        TITLE_FLOOR,
        coverage,
        crosswalk_rows,
        ksco_isco_crosswalk,
        lossy_groups,
    )

    errors: dict[str, str] = {}
    major = major or None
    method = method or None
    if major is not None and major not in MAJORS:
        errors["major"] = "xw.error_major"
        major = None
    if method is not None and method not in METHODS:
        errors["method"] = "xw.error_method"
        method = None
    floor = confidence or "0"
    if floor not in CONFIDENCES:
        errors["confidence"] = "xw.error_confidence"
        floor = "0"
    built = ksco_isco_crosswalk(_settings(request))
    rows = [
        row
        for row in crosswalk_rows(built)
        if (major is None or row["ksco8"].startswith(major))
        and row["confidence"] >= float(floor)
        and (method is None or row["method"] == method)
    ]
    query: dict[str, Any] = {
        k: v for k, v in (("major", major), ("min_confidence", floor), ("method", method)) if v
    }
    lossy = lossy_groups(built)
    return render(
        request,
        "monitor/crosswalk.html",
        title_key="xw.title",
        status_code=422 if errors else 200,
        current="monitor",
        rows=rows,
        majors=MAJORS,
        confidences=CONFIDENCES,
        methods=METHODS,
        form={"major": major or "", "confidence": floor, "method": method or ""},
        errors=errors,
        figures=coverage(built),
        lossy=lossy["counts"],
        one_to_many=list(lossy["one_to_many"].items())[:20],
        csv_url="/v1/monitor/crosswalk.csv" + (f"?{urlencode(query)}" if query else ""),
        margin=MARGIN,
        max_links=MAX_LINKS,
        title_floor=TITLE_FLOOR,
        ksco_titles={code: unit.title for code, unit in built.ksco.items()},
    )


@router.get("/monitor/exposure/{code}", response_class=HTMLResponse, name="web_monitor_exposure")
def exposure_page(request: Request, code: str, system: str | None = None) -> HTMLResponse:
    """An occupation code's AI-exposure answer (KSCO 8, ISCO-08, SOC or O*NET-SOC).

    An unknown code gets a 404 page listing the nearest valid codes as links; a code of no known
    form or an unknown system a 422 page.
    """
    from ilteo.core.errors import InvalidInputError, NotFoundError
    from ilteo.monitor.exposure import CAVEAT
    from ilteo.monitor.lookup import exposure_lookup
    from ilteo.reference.exposure import EXPOSURE_INDICES

    lang = request_language(request)
    try:
        answer = exposure_lookup(_settings(request), code, system or None)
    except (NotFoundError, InvalidInputError) as exc:
        return render(
            request,
            "monitor/exposure.html",
            title_key="xe.not_found",
            status_code=exc.status,
            current="monitor",
            code=code,
            system=system or "",
            answer=None,
            problem=exc.detail,
            suggestions=list(exc.extra.get("suggestions", [])),
            caveat=CAVEAT,
        )
    title = answer.title_ko if lang == "ko" and answer.title_ko else answer.title
    return render(
        request,
        "monitor/exposure.html",
        page_title=f"{answer.code} {title or ''}".strip(),
        current="monitor",
        code=code,
        system=system or "",
        answer=answer,
        problem=None,
        suggestions=[],
        caveat=CAVEAT,
        index_names={i.id: i.name for i in EXPOSURE_INDICES},
    )
