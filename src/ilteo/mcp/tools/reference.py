"""MCP tools for reference data, one per :mod:`ilteo.reference` service function.

Descriptions are written for a model: when to use the tool, what it returns, and what the numbers
do not mean. Expected failures (an unknown code, a bad argument, missing data) come back as tool
errors (``isError``) whose text says what to do next; they never crash the session.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import READ_ONLY, call_room
from ilteo.reference import lookup, search
from ilteo.reference.schemas import (
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

SEARCH_OCCUPATIONS = (
    "Search official occupation classifications by a code or by a Korean or English name: KSCO 8 "
    "(Korean Standard Classification of Occupations, 8th revision; system `ksco8`) and O*NET-SOC "
    "(system `onet`). Use it first whenever a user names a job in words (e.g. '소프트웨어 개발자', "
    "'nurse') and you need its code, or to list candidate occupations. Returns a list of matches, "
    "best first, each with system, code, level and Korean/English names. Then call "
    "`get_occupation` with the system and code for details and exposure scores."
)
GET_OCCUPATION = (
    "Get one occupation by classification system and code (from `search_occupations`): its names, "
    "level, parent and child codes, crosswalk links to other systems (each with the mapping method "
    "and confidence), and raw AI-exposure scores per published index with source, version and "
    "caveat. Use it to answer what an occupation is, how it maps between KSCO and O*NET-SOC/SOC/"
    "ISCO, or how exposed it is to AI. " + EXPOSURE_CAVEAT + " Always cite the index and version."
)
SEARCH_INDUSTRIES = (
    "Search the Korean Standard Industrial Classification (KSIC, 11th revision by default, or the "
    "10th) by a code or by a Korean name (English where available). Use it when a user names an "
    "industry or a business activity and you need its KSIC code. Returns a list of matches, best "
    "first, with code, level and names; call `get_industry` for the hierarchy of one code."
)
GET_INDUSTRY = (
    "Get one KSIC industry by code and revision (from `search_industries`): names, level (section "
    "to class), parent and child codes. Use it to explain what an industry code covers or to walk "
    "up or down the classification."
)


def register_reference_tools(server: MCPServer, settings: Settings) -> None:
    """Register the reference tools on ``server``; they read data through ``settings``."""

    @server.tool(
        name="search_occupations",
        title="직업 검색 / Search occupations",
        description=SEARCH_OCCUPATIONS,
        annotations=READ_ONLY,
    )
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
    ) -> list[OccupationSummary]:
        return call_room(
            lambda: search.search_occupations(query, system=system, limit=limit, settings=settings)
        )

    @server.tool(
        name="get_occupation",
        title="직업 상세 / Get an occupation",
        description=GET_OCCUPATION,
        annotations=READ_ONLY,
    )
    def get_occupation(
        system: Annotated[
            OccupationSystem,
            Field(
                description="Classification system of the code: 'ksco8', 'onet', 'isco08', "
                "'soc2010' or 'soc2018' (as returned by search_occupations)."
            ),
        ],
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=20,
                description="The occupation code in that system, e.g. '2222' or '15-1252.00'.",
            ),
        ],
    ) -> OccupationDetail:
        return call_room(lambda: lookup.get_occupation(system, code, settings=settings))

    @server.tool(
        name="search_industries",
        title="산업 검색 / Search industries",
        description=SEARCH_INDUSTRIES,
        annotations=READ_ONLY,
    )
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
    ) -> list[IndustrySummary]:
        return call_room(
            lambda: search.search_industries(
                query, revision=revision, limit=limit, settings=settings
            )
        )

    @server.tool(
        name="get_industry",
        title="산업 상세 / Get an industry",
        description=GET_INDUSTRY,
        annotations=READ_ONLY,
    )
    def get_industry(
        code: Annotated[
            str,
            Field(min_length=1, max_length=10, description="The KSIC code, e.g. 'J' or '58221'."),
        ],
        revision: Annotated[
            KsicRevision, Field(description="KSIC revision: '11' (current) or '10'.")
        ] = "11",
    ) -> IndustryDetail:
        return call_room(lambda: lookup.get_industry(code, revision=revision, settings=settings))
