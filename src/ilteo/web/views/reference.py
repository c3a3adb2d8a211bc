"""The reference browser: search occupations and industries, detail pages, dataset status.

Searches are plain GET forms, so they work without JavaScript. Bad input is shown next to the
field (status 422); an unknown code gets the 404 page (see :mod:`ilteo.web.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference import lookup, search, status
from ilteo.reference.schemas import KsicRevision, OccupationSystem
from ilteo.web.rendering import render

router = APIRouter(include_in_schema=False)

KINDS: Final = ("occupations", "industries")
OCCUPATION_SYSTEMS: Final[tuple[str, ...]] = get_args(OccupationSystem)
#: Newest first: the form offers KSIC 11 before 10.
REVISIONS: Final[tuple[str, ...]] = tuple(sorted(get_args(KsicRevision), reverse=True))
MAX_QUERY_LENGTH: Final = 100
RESULT_LIMIT: Final = 50


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass
class SearchForm:
    """The values of the two search forms and their errors (catalogue keys per field)."""

    kind: str = "occupations"
    query: str | None = None
    system: str = ""
    revision: str = "11"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(
        cls, q: str | None, kind: str | None, system: str | None, revision: str | None
    ) -> SearchForm:
        """Read and check the query parameters of ``/reference``."""
        form = cls(
            kind=kind or "occupations",
            query=q.strip() if q is not None else None,
            system=system or "",
            revision=revision or "11",
        )
        if form.kind not in KINDS:
            form.errors["kind"] = "search.error_kind"
            form.kind = "occupations"
        if form.query is not None:
            if not form.query:
                form.errors["q"] = "search.error_empty"
            elif len(form.query) > MAX_QUERY_LENGTH:
                form.errors["q"] = "search.error_too_long"
        if form.system and form.system not in OCCUPATION_SYSTEMS:
            form.errors["system"] = "search.error_system"
        if form.revision not in REVISIONS:
            form.errors["revision"] = "search.error_revision"
        return form

    @property
    def ready(self) -> bool:
        """Whether a search was asked for and its input is valid."""
        return self.query is not None and not self.errors


def _search(form: SearchForm, settings: Settings) -> list[object]:
    """Run the search the form asks for (the same room functions as the API and MCP)."""
    query = form.query or ""
    if form.kind == "industries":
        return list(
            search.search_industries(
                query, revision=form.revision, limit=RESULT_LIMIT, settings=settings
            )
        )
    return list(
        search.search_occupations(
            query, system=form.system or None, limit=RESULT_LIMIT, settings=settings
        )
    )


@router.get("/reference", response_class=HTMLResponse, name="web_reference")
def reference_browser(
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    system: str | None = None,
    revision: str | None = None,
) -> HTMLResponse:
    """The search page; with ``q`` it also shows the results of the chosen kind."""
    form = SearchForm.from_params(q, kind, system, revision)
    results: list[object] | None = None
    if form.ready:
        try:
            results = _search(form, _settings(request))
        except InvalidInputError:
            form.errors["q"] = "search.error_invalid"
    return render(
        request,
        "reference/search.html",
        title_key="reference.title",
        status_code=422 if form.errors else 200,
        current="reference",
        form=form,
        results=results,
        systems=OCCUPATION_SYSTEMS,
        revisions=REVISIONS,
    )


@router.get(
    "/reference/occupations/{system}/{code}", response_class=HTMLResponse, name="web_occupation"
)
def occupation_page(request: Request, system: str, code: str) -> HTMLResponse:
    """One occupation: codes, hierarchy, crosswalk links and raw exposure scores."""
    occupation = lookup.get_occupation(system, code, settings=_settings(request))
    return render(
        request,
        "reference/occupation.html",
        page_title=f"{occupation.code} {occupation.name_ko or occupation.name_en or ''}".strip(),
        current="reference",
        occupation=occupation,
    )


@router.get(
    "/reference/industries/{revision}/{code}", response_class=HTMLResponse, name="web_industry"
)
def industry_page(request: Request, revision: str, code: str) -> HTMLResponse:
    """One KSIC industry: codes and hierarchy."""
    industry = lookup.get_industry(code, revision=revision, settings=_settings(request))
    return render(
        request,
        "reference/industry.html",
        page_title=f"{industry.code} {industry.name_ko}",
        current="reference",
        industry=industry,
        revisions=REVISIONS,
    )


@router.get("/reference/datasets", response_class=HTMLResponse, name="web_datasets")
def datasets_page(request: Request) -> HTMLResponse:
    """Status of every reference dataset: version, licence, rows, present."""
    return render(
        request,
        "reference/datasets.html",
        title_key="datasets.title",
        current="datasets",
        datasets=status.dataset_status(_settings(request)),
    )
