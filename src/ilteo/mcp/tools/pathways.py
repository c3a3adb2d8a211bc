"""MCP tools of transition and training pathways: next occupations and the courses for a gap.

Public reference answers only (scope ``reference:read``): a plan for an occupation code and
courses for named skills, never a person's record. Each tool calls the same :mod:`ilteo.pathways`
service function as the public ``/v1/pathways`` endpoints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool

NOT_A_PROBABILITY = (
    "Exposure values rank the technical potential of generative AI over an occupation's tasks "
    "(0 = least exposed, 1 = most); they are NOT a probability of job loss (노출 점수는 실직 "
    "확률이 아닙니다): say so whenever you mention them."
)
ESTIMATES = (
    "Courses come from the K-Digital Training catalogue (HRD-Net runs up to 2024-10): say that "
    "runs, places and costs must be checked on 고용24/HRD-Net, and that the self-pay "
    "(`estimated_self_pay_krw`) is an estimate: eligibility for the National Tomorrow Learning "
    "Card is not checked."
)
RECOMMEND_TRANSITIONS = (
    "Recommend the next occupations a worker could move to from an occupation, with the training "
    "courses that close the skill gap. Use it when a user asks what jobs they could switch to, "
    "which jobs keep their pay or are safer from AI, or what to study to change jobs. The "
    "occupation is a KSCO 8 unit group (Korean, 4 digits, e.g. '2222') or an O*NET-SOC code "
    "('15-1252.00'); find the code first with `search_occupations`. Returns the origin (codes in "
    "both systems, titles in Korean and English, AI exposure, wage) and up to `top` targets, "
    "best first, each with: O*NET-SOC and KSCO 8 codes, Korean and English titles, a score, the "
    "three filters (`viable`: the skills are close enough; `desirable`: the pay is kept, target "
    "wage at least 75% of the origin's; `safer`: less exposed to AI by a margin; null when it "
    "could not be decided), the pay ratio, the exposure change, hires in the data lake (small "
    "counts suppressed), shared strengths and the top skill gaps, an explanation in Korean and "
    "English, and 1-3 courses for the gaps. Present the targets with their filters and "
    "explanation rather than the score alone. An unknown code is an error naming the nearest "
    "occupations. " + NOT_A_PROBABILITY + " " + ESTIMATES
)
MATCH_TRAINING_COURSES = (
    "Find K-Digital Training courses that close named skill gaps. Use it when a user knows which "
    "skills they lack (e.g. the `gaps` of a `recommend_transitions` target, or 'I need "
    "programming and statistics') and asks for courses. Give O*NET skill or knowledge names in "
    "English ('Programming', 'Mathematics', 'Computers and Electronics'); each is one gap of "
    "equal weight. Courses are ranked by how much of the gaps they cover, completion rate, "
    "satisfaction, duration and distance to the person's 시도 (`region`). Returns each course's "
    "id, name, institution, NCS code and name, region, completion rate, satisfaction, days, "
    "hours, cost, estimated self-pay, the gaps it covers (0-1) and its score, plus the basis of "
    "the self-pay estimate. An unknown skill name is an error naming the nearest O*NET names. "
    + ESTIMATES
)


class TransitionPlan(BaseModel):
    """An occupation's plan (see the tool description): origin, targets, notes, caveat."""

    origin: dict[str, Any] = Field(description="The occupation the plan starts from.")
    targets: list[dict[str, Any]] = Field(description="Next occupations, best first.")
    region: str | None = Field(description="The 시도 used for distance and hires, if any.")
    as_of: str | None = Field(description="The plan's day (YYYY-MM-DD).")
    thresholds_version: int = Field(description="Version of the filter thresholds.")
    notes: list[str]
    caveat: str


class TrainingCourses(BaseModel):
    """Courses for named skills, best first."""

    skills: list[str] = Field(description="The O*NET element names read.")
    region: str | None
    courses: list[dict[str, Any]] = Field(description="Courses, best first.")
    basis: str = Field(description="How the self-pay is estimated.")


def register_pathways_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the pathways tools on ``server``; they read data through ``settings``.

    Each call needs a key with the scope ``reference:read``, checked by ``auth``.
    """
    auth = auth or McpAuth(settings)

    @register_tool(
        server, "recommend_transitions", title="다음 직업과 훈련 / Next occupations and courses",
        description=RECOMMEND_TRANSITIONS,
    )  # fmt: skip
    def recommend_transitions(
        occupation: Annotated[
            str,
            Field(
                min_length=1,
                max_length=20,
                description="The occupation code: a KSCO 8 unit group ('2222') or an O*NET-SOC "
                "code ('15-1252.00').",
            ),
        ],
        system: Annotated[
            Literal["ksco8", "onet"] | None,
            Field(description="Force the system: 'ksco8' or 'onet'. Omit to detect it."),
        ] = None,
        top: Annotated[int, Field(ge=1, le=10, description="How many targets (1-10).")] = 5,
        region: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=20,
                description="The person's 시도, a code ('11') or name ('서울'), for course "
                "distance and local hires; omit for the whole country.",
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> TransitionPlan:
        from ilteo.pathways.plan import plan_json, recommend

        auth.require(ctx, "recommend_transitions")
        plan = call_room(
            lambda: recommend(settings, occupation, system=system, top=top, region=region)
        )
        return TransitionPlan(**plan_json(plan))

    @register_tool(
        server, "match_training_courses", title="역량별 훈련 과정 / Courses for skills",
        description=MATCH_TRAINING_COURSES,
    )  # fmt: skip
    def match_training_courses(
        skills: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=80)]],
            Field(
                min_length=1,
                max_length=10,
                description="O*NET skill or knowledge names in English, e.g. ['Programming', "
                "'Mathematics'] (1-10).",
            ),
        ],
        region: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=20,
                description="The person's 시도, a code ('11') or name ('서울'); omit to ignore "
                "distance.",
            ),
        ] = None,
        top: Annotated[int, Field(ge=1, le=10, description="How many courses (1-10).")] = 3,
        ctx: Context | None = None,
    ) -> TrainingCourses:
        from ilteo.pathways.courses import SELF_PAY_BASIS, Gap, match_courses
        from ilteo.pathways.plan import course_json, skill_names

        auth.require(ctx, "match_training_courses")
        names = call_room(lambda: skill_names(skills))
        found = call_room(
            lambda: match_courses(settings, [Gap(n) for n in names], region=region, top=top)
        )
        return TrainingCourses(
            skills=names,
            region=region,
            courses=[course_json(m) for m in found],
            basis=SELF_PAY_BASIS,
        )
