"""MCP tools for reference data, one per :mod:`ilteo.reference` service function.

Descriptions are written for a model: when to use the tool, what it returns, and what the numbers
do not mean. Expected failures (an unknown code, a bad argument, missing data) come back as tool
errors (``isError``) whose text says what to do next; they never crash the session.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool
from ilteo.reference import lookup, search
from ilteo.reference.schemas import (
    CrosswalkLink,
    DatasetStatus,
    IndustryDetail,
    IndustrySummary,
    KsicRevision,
    OccupationDetail,
    OccupationSummary,
    OccupationSystem,
)

EXPOSURE_CAVEAT = (
    "An AI-exposure score measures how much of an occupation's task content an AI system could "
    "affect according to one published index; it is NOT a probability of job loss and must not be "
    "presented as one (노출 점수는 실직 확률이 아닙니다)."
)

ATTRIBUTION = (
    " Data: KSCO 8 and KSIC from Statistics Korea (통계청; attribute it), O*NET-SOC from the U.S. "
    "Department of Labor (CC BY 4.0; attribute O*NET), SOC/ISCO crosswalks from BLS (public "
    "domain); each result names its dataset."
)

SEARCH_OCCUPATIONS = (
    "Search official occupation classifications by a code or by a Korean or English name: KSCO 8 "
    "(Korean Standard Classification of Occupations, 8th revision; system `ksco8`) and O*NET-SOC "
    "(system `onet`). Use it first whenever a user names a job in words (e.g. '소프트웨어 개발자', "
    "'nurse') and you need its code, or to list candidate occupations. Returns a list of matches, "
    "best first, each with system, code, level and Korean/English names. Then call "
    "`get_occupation` with the system and code for details and exposure scores."
) + ATTRIBUTION
GET_OCCUPATION = (
    "Get one occupation by classification system and code (from `search_occupations`): its names, "
    "level, parent and child codes, crosswalk links to other systems (each with the mapping method "
    "and confidence), and raw AI-exposure scores per published index with source, version and "
    "caveat. Use it to answer what an occupation is, how it maps between KSCO and O*NET-SOC/SOC/"
    "ISCO, or how exposed it is to AI. " + EXPOSURE_CAVEAT + " Always cite the index and version."
) + ATTRIBUTION
SEARCH_INDUSTRIES = (
    "Search the Korean Standard Industrial Classification (KSIC, 11th revision by default, or the "
    "10th) by a code or by a Korean name (English where available). Use it when a user names an "
    "industry or a business activity and you need its KSIC code. Returns a list of matches, best "
    "first, with code, level and names; call `get_industry` for the hierarchy of one code. Data: "
    "KSIC, Statistics Korea (통계청); attribute it."
)
GET_INDUSTRY = (
    "Get one KSIC industry by code and revision (from `search_industries`): names, level (section "
    "to class), parent and child codes. Use it to explain what an industry code covers or to walk "
    "up or down the classification. Data: KSIC, Statistics Korea (통계청); attribute it."
)
GET_OCCUPATION_CROSSWALK = (
    "Map one occupation code to the other classification systems: from KSCO 8, O*NET-SOC, SOC "
    "2010/2018 or ISCO-08 to the codes it links to, optionally only in one target system (e.g. "
    "the O*NET-SOC codes of SOC 2018 '15-1252'). Each link names the system and code, its names, "
    "the code it was reached from, the mapping method ('official_crosswalk' or the provisional "
    "'exact_title_match'), the crosswalk dataset and the number of hops. Use it when a user asks "
    "which code corresponds to another (KSCO to ISCO, O*NET to SOC...). A crosswalk is many-to-"
    "many: several codes may match, and a provisional link is a candidate, not an official "
    "mapping; say so. Links only; use `get_occupation` for exposure scores." + ATTRIBUTION
)
LIST_REFERENCE_DATASETS = (
    "List the public reference datasets ilteo reads (occupation and industry classifications, "
    "crosswalks, AI-exposure indices, statistics): for each its id, Korean and English title, "
    "version, licence and attribution terms, whether it is present and valid on this server, "
    "and how many rows it has. Use it to cite a dataset's version and licence, to explain where "
    "a number comes from, or to find out why a lookup says data is unavailable. Datasets marked "
    "`evaluation_only` must not be republished."
)


SystemParam = Annotated[
    OccupationSystem,
    Field(
        description="Classification system of the code: 'ksco8', 'onet', 'isco08', "
        "'soc2010' or 'soc2018' (as returned by search_occupations)."
    ),
]
CodeParam = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        description="The occupation code in that system, e.g. '2222' or '15-1252.00'.",
    ),
]


class OccupationCrosswalk(BaseModel):
    """An occupation code and the codes it links to in other systems."""

    system: OccupationSystem
    code: str
    name_ko: str | None = None
    name_en: str | None = None
    links: list[CrosswalkLink] = Field(description="Linked codes, nearest first.")
    notes: list[str] = Field(description="Caveats, e.g. on provisional links.")


def register_reference_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the reference tools on ``server``; they read data through ``settings``.

    Each call needs a key with the scope ``reference:read``, checked by ``auth``.
    """
    auth = auth or McpAuth(settings)

    @register_tool(
        server, "search_occupations", title="직업 검색 / Search occupations",
        description=SEARCH_OCCUPATIONS,
    )  # fmt: skip
    def search_occupations(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=100,
                description="A code (e.g. '2222', '15-1252.00') or a Korean or English name.",
            ),
        ],
        system: Annotated[
            OccupationSystem | None,
            Field(
                description="Only this system: 'ksco8' (KSCO 8) or 'onet' (O*NET-SOC); also "
                "'isco08', 'soc2010', 'soc2018'. Omit to search all."
            ),
        ] = None,
        limit: Annotated[
            int, Field(ge=1, le=100, description="Maximum number of results (1-100).")
        ] = 20,
        ctx: Context | None = None,
    ) -> list[OccupationSummary]:
        auth.require(ctx, "search_occupations")
        return call_room(
            lambda: search.search_occupations(query, system=system, limit=limit, settings=settings)
        )

    @register_tool(
        server, "get_occupation", title="직업 상세 / Get an occupation",
        description=GET_OCCUPATION,
    )  # fmt: skip
    def get_occupation(
        system: SystemParam, code: CodeParam, ctx: Context | None = None
    ) -> OccupationDetail:
        auth.require(ctx, "get_occupation")
        return call_room(lambda: lookup.get_occupation(system, code, settings=settings))

    @register_tool(
        server, "get_occupation_crosswalk", title="직업분류 연계 / Map an occupation code",
        description=GET_OCCUPATION_CROSSWALK,
    )  # fmt: skip
    def get_occupation_crosswalk(
        system: SystemParam,
        code: CodeParam,
        target: Annotated[
            OccupationSystem | None,
            Field(
                description="Only links into this system ('ksco8', 'onet', 'isco08', "
                "'soc2010', 'soc2018'). Omit for every system."
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> OccupationCrosswalk:
        auth.require(ctx, "get_occupation_crosswalk")
        detail = call_room(lambda: lookup.get_occupation(system, code, settings=settings))
        links = [link for link in detail.links if target is None or link.system == target]
        return OccupationCrosswalk(
            system=detail.system,
            code=detail.code,
            name_ko=detail.name_ko,
            name_en=detail.name_en,
            links=sorted(links, key=lambda link: (link.hops, link.system, link.code)),
            notes=detail.notes,
        )

    @register_tool(
        server, "search_industries", title="산업 검색 / Search industries",
        description=SEARCH_INDUSTRIES,
    )  # fmt: skip
    def search_industries(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=100,
                description="A KSIC code (e.g. '58221') or an industry name, e.g. '소프트웨어'.",
            ),
        ],
        revision: Annotated[
            KsicRevision, Field(description="KSIC revision: '11' (current) or '10'.")
        ] = "11",
        limit: Annotated[
            int, Field(ge=1, le=100, description="Maximum number of results (1-100).")
        ] = 20,
        ctx: Context | None = None,
    ) -> list[IndustrySummary]:
        auth.require(ctx, "search_industries")
        return call_room(
            lambda: search.search_industries(
                query, revision=revision, limit=limit, settings=settings
            )
        )

    @register_tool(
        server, "get_industry", title="산업 상세 / Get an industry", description=GET_INDUSTRY
    )
    def get_industry(
        code: Annotated[
            str,
            Field(min_length=1, max_length=10, description="The KSIC code, e.g. 'J' or '58221'."),
        ],
        revision: Annotated[
            KsicRevision, Field(description="KSIC revision: '11' (current) or '10'.")
        ] = "11",
        ctx: Context | None = None,
    ) -> IndustryDetail:
        auth.require(ctx, "get_industry")
        return call_room(lambda: lookup.get_industry(code, revision=revision, settings=settings))

    @register_tool(
        server, "list_reference_datasets", title="기준 데이터 현황 / List reference datasets",
        description=LIST_REFERENCE_DATASETS,
    )  # fmt: skip
    def list_reference_datasets(ctx: Context | None = None) -> list[DatasetStatus]:
        from ilteo.reference.status import dataset_status

        auth.require(ctx, "list_reference_datasets")
        return call_room(lambda: dataset_status(settings))
