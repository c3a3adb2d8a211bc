"""AI impact monitoring over HTTP: exposure by occupation, the crosswalk, indicators and alerts.

Public aggregates only: exposure profiles and the KSCO 8 ↔ ISCO-08 crosswalk are built from
published reference data; the monthly indicators are counts with small cells suppressed
(``settings.monitor_min_cell``); alerts name groups, never people. Each endpoint calls one
:mod:`ilteo.monitor` service function; room errors become problem+json through the app's handlers.
The service functions are synchronous, so the endpoints are plain ``def`` (threadpool).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from ilteo import __version__
from ilteo.api.conventions import etag_for, not_modified
from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, page_params
from ilteo.api.routers.reference import Attribution, attribute, cached
from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import CAVEAT
from ilteo.reference.exposure import EXPOSURE_INDICES

router = APIRouter(prefix="/monitor", tags=["monitor"])

#: The reference datasets behind the crosswalk and the exposure profiles.
CROSSWALK_DATASETS: Final = ("ksco8", "onet", "crosswalks", "ilo_genai_2025")
EXPOSURE_DATASETS: Final = tuple(
    dict.fromkeys([*CROSSWALK_DATASETS, *(i.dataset for i in EXPOSURE_INDICES)])
)
CROSSWALK_NOTE: Final = (
    "공식 연계표가 아닙니다; 검토된 보정 파일이 이를 고칩니다 / not an official correspondence "
    "table; reviewed overrides correct it"
)
SYNTHETIC_NOTE: Final = (
    "합성 자료로 계산된 수치일 수 있습니다: 배포 환경의 자료 출처를 확인하세요 / figures computed "
    "on the lake of this server; on a demo server the lake is a synthetic country"
)

_PROBLEMS: dict[int | str, dict[str, object]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}
_ExposurePage = Annotated[PageRequest, Depends(page_params(default=100, maximum=500))]
_CrosswalkPage = Annotated[PageRequest, Depends(page_params(default=100, maximum=1000))]
_RowsPage = Annotated[PageRequest, Depends(page_params(default=100, maximum=1000))]


# --- exposure ------------------------------------------------------------------------------------


class ExposureOut(BaseModel):
    """What an occupation code's AI-exposure profile(s) are, with sources and caveat."""

    query: str = Field(description="코드 / The code as given.")
    system: str = Field(
        description="읽은 분류 / System read: ksco8, isco08, soc2018, soc2010 or onet."
    )
    detected: bool = Field(description="코드 형식으로 분류를 정했는지 / System detected from form.")
    code: str
    title: str | None = None
    title_ko: str | None = None
    combined: float | None = Field(
        description="종합 점수 0..1 (순위) / Combined score, a rank in 0..1; not a probability."
    )
    ksco: dict[str, Any] | None = Field(description="KSCO 8 프로필 / The KSCO 8 profile.")
    isco: list[dict[str, Any]] = Field(
        description="닿는 ISCO-08 세분류와 프로필 / ISCO-08 units reached, each with its profile "
        "or the reason it has none."
    )
    ksco_linked: dict[str, str] = Field(
        description="같은 ISCO로 연계되는 KSCO 8 / KSCO 8 units linked to those ISCO units."
    )
    native_scores: list[dict[str, Any]] = Field(
        description="원 분류의 출처 점수 / Source scores as published on the code's own system."
    )
    missing_sources: list[str] = Field(
        default_factory=list,
        description="빠진 보조 출처 / Secondary sources left out because their data is "
        "unavailable (the combined score is renormalised over the rest).",
    )
    notes: list[str]
    caveat: str
    attribution: list[Attribution]


class KscoExposure(BaseModel):
    """One KSCO 8 unit group's profile in brief."""

    ksco8: str
    title_ko: str
    title_en: str | None
    combined: float = Field(description="종합 점수 0..1 / Combined score (a rank, 0..1).")
    band_low: float
    band_high: float
    gradient: str = Field(description="ILO 2025 노출 등급 / ILO 2025 exposure gradient.")
    leaning: str = Field(description="automation, augmentation or limited.")
    best_confidence: float = Field(description="최선 연계 신뢰도 / Best crosswalk link confidence.")
    low_confidence: bool


class ExposurePage(Page[KscoExposure]):
    """A page of KSCO 8 exposure profiles, with sources and caveat."""

    caveat: str
    attribution: list[Attribution]


@router.get(
    "/exposure",
    operation_id="list_occupation_exposure",
    summary="직업별 AI 노출 목록 / List KSCO 8 exposure profiles",
    response_model=ExposurePage,
    responses=_PROBLEMS,
)
def list_exposure(
    settings: SettingsDep, request: Request, response: Response, page: _ExposurePage
) -> ExposurePage | Response:
    """Every KSCO 8 unit group's AI-exposure profile in brief, by code, a page at a time.

    Scores rank the technical potential of generative AI over an occupation's tasks; they are not
    a probability of job loss.
    """
    from ilteo.monitor.ksco import ksco_index

    if (unchanged := cached(request, response, EXPOSURE_DATASETS)) is not None:
        return unchanged
    profiles = ksco_index(settings).profiles
    items = [
        KscoExposure(
            ksco8=p.ksco8,
            title_ko=p.title_ko,
            title_en=p.title_en,
            combined=round(p.combined, 4),
            band_low=round(p.band_low, 4),
            band_high=round(p.band_high, 4),
            gradient=p.gradient,
            leaning=p.leaning,
            best_confidence=p.best_confidence,
            low_confidence=p.low_confidence,
        )
        for p in sorted(profiles.values(), key=lambda p: p.ksco8)
    ]
    found = page.window(items)
    return ExposurePage(
        **dict(found), caveat=CAVEAT, attribution=attribute(response, EXPOSURE_DATASETS)
    )


@router.get(
    "/exposure/{code}",
    operation_id="get_occupation_exposure",
    summary="직업의 AI 노출 / Get an occupation's AI exposure",
    response_model=ExposureOut,
    responses=_PROBLEMS,
)
def get_exposure(
    settings: SettingsDep,
    request: Request,
    response: Response,
    code: Annotated[
        str,
        Path(
            min_length=1,
            max_length=20,
            description="KSCO 8·ISCO-08 세분류(4자리), SOC(15-1252), O*NET-SOC(15-1252.00) / A "
            "KSCO 8 or ISCO-08 unit group, a SOC or an O*NET-SOC code.",
        ),
    ],
    system: Annotated[
        str | None,
        Query(
            pattern="^(ksco8|isco08|soc|onet)$",
            description="분류 지정 / Force the system: `ksco8`, `isco08`, `soc` or `onet`; from "
            "the code's form when omitted (4-digit codes are KSCO 8).",
        ),
    ] = None,
) -> ExposureOut | Response:
    """The AI-exposure profile(s) an occupation code reaches, with per-source scores.

    KSCO 8 codes go through ilteo's own crosswalk (not an official table); SOC and O*NET-SOC codes
    through the official BLS crosswalks to ISCO-08. An unknown code is a 404 naming the nearest
    valid codes (`suggestions`). An exposure score is not a probability of job loss.
    """
    from ilteo.monitor.lookup import exposure_lookup

    if (unchanged := cached(request, response, EXPOSURE_DATASETS)) is not None:
        return unchanged
    credits = attribute(response, EXPOSURE_DATASETS)
    # The answer only changes with the reference data (the ETag says which): keep its JSON.
    from ilteo.monitor.exposure import unavailable_sources

    missing = ",".join(sorted(unavailable_sources(settings)))
    key = (str(settings.reference_dir), code, system, f"{response.headers['ETag']}|{missing}")
    body = _EXPOSURE_BODIES.get(key)
    if body is None:
        answer = exposure_lookup(settings, code, system).to_json()
        body = ExposureOut(**answer, attribution=credits).model_dump_json().encode()
        if len(_EXPOSURE_BODIES) >= _EXPOSURE_BODIES_MAX:
            _EXPOSURE_BODIES.pop(next(iter(_EXPOSURE_BODIES)))
        _EXPOSURE_BODIES[key] = body
    answered = Response(content=body, media_type="application/json")
    answered.raw_headers.extend(
        (name, value) for name, value in response.headers.raw if name != b"content-length"
    )
    return answered


#: Serialised exposure answers by reference folder, code, system and ETag (every KSCO, ISCO and
#: SOC code fits: about 3,000 entries of a few kB).
_EXPOSURE_BODIES: dict[tuple[str, str, str | None, str], bytes] = {}
_EXPOSURE_BODIES_MAX: Final = 4096


# --- crosswalk -----------------------------------------------------------------------------------


class CrosswalkRow(BaseModel):
    """One KSCO 8 → ISCO-08 link of ilteo's crosswalk."""

    ksco8: str
    ksco8_title_ko: str
    ksco8_title_en: str
    isco08: str
    isco08_title: str
    confidence: float = Field(description="연계 신뢰도 0..1 / Link confidence, 0..1.")
    method: str = Field(description="title+structure, structure-only or override.")
    score_en: float
    score_embedding: float
    rank: int = Field(description="이 KSCO 단위 안 순위 / Rank among this KSCO unit's links.")


class CrosswalkPage(Page[CrosswalkRow]):
    """A page of the crosswalk, with its coverage figures and sources."""

    coverage: dict[str, Any]
    note: str
    attribution: list[Attribution]


def _filtered_rows(
    settings: Settings, major: str | None, min_confidence: float, method: str | None
) -> list[dict[str, Any]]:
    from ilteo.monitor.crosswalk import crosswalk_rows, ksco_isco_crosswalk

    return [
        row
        for row in crosswalk_rows(ksco_isco_crosswalk(settings))
        if (major is None or row["ksco8"].startswith(major))
        and row["confidence"] >= min_confidence
        and (method is None or row["method"] == method)
    ]


Major = Annotated[
    str | None,
    Query(
        pattern="^[0-9A]$",
        description="KSCO 대분류 / Only this KSCO 8 major group (`1`-`9`, `A`).",
    ),
]
MinConfidence = Annotated[
    float, Query(ge=0, le=1, description="최소 신뢰도 / Only links at least this confident.")
]
Method = Annotated[
    str | None,
    Query(
        pattern="^(title\\+structure|structure-only|override)$",
        description="연계 방법 / Only this method: `title+structure`, `structure-only` or "
        "`override`.",
    ),
]


@router.get(
    "/crosswalk",
    operation_id="list_crosswalk_links",
    summary="KSCO 8 ↔ ISCO-08 연계표 / List the crosswalk",
    response_model=CrosswalkPage,
    responses=_PROBLEMS,
)
def list_crosswalk(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _CrosswalkPage,
    major: Major = None,
    min_confidence: MinConfidence = 0.0,
    method: Method = None,
) -> CrosswalkPage | Response:
    """The project's KSCO 8 → ISCO-08 crosswalk, one row per link, a page at a time.

    Built by structural alignment and Korean/English title matching, corrected by reviewed
    overrides; not an official correspondence table. The same rows as `crosswalk.csv`.
    """
    from ilteo.monitor.crosswalk import coverage, ksco_isco_crosswalk

    if (unchanged := cached(request, response, CROSSWALK_DATASETS)) is not None:
        return unchanged
    rows = _filtered_rows(settings, major, min_confidence, method)
    found = page.window([CrosswalkRow(**row) for row in rows])
    return CrosswalkPage(
        **dict(found),
        coverage=coverage(ksco_isco_crosswalk(settings)),
        note=CROSSWALK_NOTE,
        attribution=attribute(response, CROSSWALK_DATASETS),
    )


@router.get(
    "/crosswalk.csv",
    operation_id="get_crosswalk_csv",
    summary="연계표 CSV / Download the crosswalk (CSV)",
    response_class=Response,
    responses={
        **_PROBLEMS,
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV, one row per link."},
    },
)
def crosswalk_csv(
    settings: SettingsDep,
    request: Request,
    response: Response,
    major: Major = None,
    min_confidence: MinConfidence = 0.0,
    method: Method = None,
) -> Response:
    """The published artefact: the crosswalk as UTF-8 CSV (header row, one row per link)."""
    from ilteo.monitor.crosswalk import CSV_COLUMNS

    if (unchanged := cached(request, response, CROSSWALK_DATASETS)) is not None:
        return unchanged
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_filtered_rows(settings, major, min_confidence, method))
    answer = Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "ETag": response.headers["ETag"],
            "Cache-Control": response.headers["Cache-Control"],
            "Content-Disposition": 'attachment; filename="ilteo-ksco8-isco08-crosswalk.csv"',
        },
    )
    attribute(answer, CROSSWALK_DATASETS)
    return answer


# --- indicators and alerts -----------------------------------------------------------------------


class IndicatorPage(Page[dict[str, Any]]):
    """A page of monthly indicator rows (aggregates; small cells suppressed)."""

    months: list[str] = Field(description="지표가 있는 월 / Months built (YYYY-MM).")
    min_cell: int = Field(description="공개 최소 셀 / Disclosure threshold: counts below are null.")
    measures: dict[str, str] = Field(description="측정값 설명 / What each measure counts.")
    note: str


def _month(text: str | None, name: str) -> date | None:
    from ilteo.monitor.indicators import parse_month

    return None if text is None else parse_month(text, name)


def _lake_etag(request: Request, response: Response, settings: Settings) -> Response | None:
    """A 304 when the client's copy of an indicator answer is current (built files' stamps)."""
    from ilteo.monitor.indicators import indicators_dir

    folder = indicators_dir(settings)
    stamps = (
        sorted(f"{p.name}:{p.stat().st_mtime_ns}" for p in folder.glob("*"))
        if folder.exists()
        else []
    )
    etag = etag_for(__version__, *stamps, str(settings.monitor_min_cell), str(request.url))
    if not_modified(request, response, etag, "public, max-age=300"):
        kept = {name: response.headers[name] for name in ("ETag", "Cache-Control")}
        return Response(status_code=304, headers=kept)
    return None


Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")]


@router.get(
    "/indicators",
    operation_id="list_labour_indicators",
    summary="월별 노동시장 지표 / List monthly labour indicators",
    response_model=IndicatorPage,
    responses=_PROBLEMS,
)
def list_indicators(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _RowsPage,
    by: Annotated[
        str | None,
        Query(
            max_length=80,
            description="나눌 차원(쉼표) / Dimensions to keep, comma-separated: `ksco`, `ksco1`-"
            "`ksco3`, `ksic_section`, `sido`, `age_band`, `sex`; national totals when omitted.",
        ),
    ] = None,
    month_from: Annotated[Month, Query(description="첫 월 / First month, YYYY-MM.")] = None,
    month_to: Annotated[Month, Query(description="끝 월 / Last month, YYYY-MM.")] = None,
    ksco: Annotated[
        str | None, Query(pattern=r"^\d{1,4}$", description="KSCO 8 코드 접두 / Prefix.")
    ] = None,
    ksic_section: Annotated[
        str | None, Query(max_length=8, description="KSIC 대분류 / KSIC section (A-U).")
    ] = None,
    sido: Annotated[str | None, Query(pattern=r"^\d{2}$", description="시도 / Region.")] = None,
    age_band: Annotated[
        str | None, Query(max_length=8, description="연령대 / 15-29, 30-39, 40-49, 50-59, 60+.")
    ] = None,
    sex: Annotated[str | None, Query(pattern="^[MF]$", description="성별 / M or F.")] = None,
) -> IndicatorPage | Response:
    """Monthly labour indicators from the lake, by the dimensions asked, with filters.

    Insured employment, hires, separations by reason, job-seeking allowance claims, training
    enrolments and exposure-weighted aggregates per month.
    Counts below the disclosure threshold (`min_cell`) are null and the row is `suppressed`.
    An empty list with no `months` means no indicators are built on this server yet.
    """
    from ilteo.monitor.indicators import MEASURE_LABELS, available_months, read_indicators

    if (unchanged := _lake_etag(request, response, settings)) is not None:
        return unchanged
    low, high = _month(month_from, "month_from"), _month(month_to, "month_to")
    built = available_months(settings)
    rows: list[dict[str, Any]] = []
    if built:
        span = (low or built[0], high or built[-1]) if (low or high) else None
        dims = tuple(d.strip() for d in by.split(",") if d.strip()) if by else ()
        try:
            frame = read_indicators(
                settings, by=dims, months=span, ksco=ksco, ksic_section=ksic_section, sido=sido,
                age_band=age_band, sex=sex,
            )  # fmt: skip
        except DataUnavailableError:
            frame = None
        if frame is not None:
            for row in frame.iter_rows(named=True):
                row["month"] = row["month"].strftime("%Y-%m")
                rows.append(row)
    found = page.window(rows)
    return IndicatorPage(
        **dict(found),
        months=[m.strftime("%Y-%m") for m in built],
        min_cell=settings.monitor_min_cell,
        measures=dict(MEASURE_LABELS),
        note=SYNTHETIC_NOTE,
    )


class AlertPage(Page[dict[str, Any]]):
    """A page of open early-warning alerts (groups, never people)."""

    month: str | None = Field(description="경보 기준 월 / The month the alerts are open in.")
    months: list[str] = Field(description="지표가 있는 월 / Months built (YYYY-MM).")
    note: str


@router.get(
    "/alerts",
    operation_id="list_labour_alerts",
    summary="조기 경보 / List early-warning alerts",
    response_model=AlertPage,
    responses=_PROBLEMS,
)
def list_alerts(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _RowsPage,
    month: Annotated[
        Month, Query(description="기준 월 / Month, YYYY-MM (default: latest).")
    ] = None,
) -> AlertPage | Response:
    """Early warnings open in a month, strongest first: what moved, by how much, since when.

    Each alert names the measure, the group (occupation, industry, region...), the observed and
    expected counts since the onset, the baseline and a link to its chart. An empty list with no
    `months` means no indicators are built on this server yet.
    """
    from ilteo.monitor.indicators import available_months
    from ilteo.monitor.warnings import current_alerts

    if (unchanged := _lake_etag(request, response, settings)) is not None:
        return unchanged
    wanted = _month(month, "month")
    built = available_months(settings)
    items: list[dict[str, Any]] = []
    if built:
        try:
            items = [alert.to_dict() for alert in current_alerts(settings, wanted)]
        except DataUnavailableError:
            items = []
    found = page.window(items)
    shown = wanted or (built[-1] if built else None)
    return AlertPage(
        **dict(found),
        month=shown.strftime("%Y-%m") if shown else None,
        months=[m.strftime("%Y-%m") for m in built],
        note=SYNTHETIC_NOTE,
    )


class RiskGroupPage(Page[dict[str, Any]]):
    """A page of high-risk groups (aggregates of at least ``min_cell`` people, never people)."""

    month: str | None = Field(description="기준 월 / The month scored (YYYY-MM).")
    months: list[str] = Field(description="지표가 있는 월 / Months built (YYYY-MM).")
    min_cell: int = Field(description="공개 최소 집단 크기 / Smallest group shown.")
    note: str


@router.get(
    "/high-risk-groups",
    operation_id="list_high_risk_groups",
    summary="고위험 집단 / List high-risk groups",
    response_model=RiskGroupPage,
    responses=_PROBLEMS,
)
def list_high_risk_groups(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _RowsPage,
    month: Annotated[
        Month, Query(description="기준 월 / Month, YYYY-MM (default: latest).")
    ] = None,
) -> RiskGroupPage | Response:
    """Groups (KSCO sub-major x age band x 시도) ranked by expected people at risk in a month.

    Risk combines AI exposure with vulnerability (age, wage level, tenure, education proxies,
    region); each group shows its size, components, drivers and score. Aggregates only: the
    people in a group are for staff, not on this open endpoint. An empty list with no `months`
    means no indicators are built on this server yet.
    """
    from ilteo.monitor.indicators import available_months
    from ilteo.monitor.risk import high_risk_groups

    if (unchanged := _lake_etag(request, response, settings)) is not None:
        return unchanged
    _month(month, "month")
    built = available_months(settings)
    items: list[dict[str, Any]] = []
    if built:
        try:
            items = [asdict(group) for group in high_risk_groups(settings, month, limit=None)]
        except DataUnavailableError:
            items = []
    found = page.window(items)
    return RiskGroupPage(
        **dict(found),
        month=month or (built[-1].strftime("%Y-%m") if built else None),
        months=[m.strftime("%Y-%m") for m in built],
        min_cell=settings.monitor_min_cell,
        note=SYNTHETIC_NOTE,
    )
