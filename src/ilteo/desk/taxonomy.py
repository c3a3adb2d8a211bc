"""The request categories and urgency flags of the one window (their codes are part of the API).

The same category codes are used by the synthetic requests (``ilteo.synth``'s ``requests.yaml``),
the labelled training set (``data/labelled/<code>.jsonl``), the classifier, routing, deadlines and
the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Category:
    """One request category: code, Korean and English labels, the organisation that handles it."""

    code: str
    label_ko: str
    label_en: str
    #: labour_office (지방고용노동청·지청: inspectors), job_centre (고용센터), comwel
    #: (근로복지공단), labour_commission (노동위원회), ministry (본부 부서).
    organisation: str


CATEGORIES: Final[dict[str, Category]] = {
    c.code: c
    for c in (
        Category("wage_arrears", "임금체불", "Unpaid wages", "labour_office"),
        Category("severance_pay", "퇴직금·퇴직연금", "Severance pay and pensions", "labour_office"),
        Category("unfair_dismissal", "부당해고·징계", "Unfair dismissal and discipline",
                 "labour_commission"),
        Category("workplace_harassment", "직장 내 괴롭힘·성희롱",
                 "Workplace harassment and sexual harassment", "labour_office"),
        Category("working_hours", "근로시간·휴일·연차", "Working hours, holidays and leave",
                 "labour_office"),
        Category("minimum_wage", "최저임금", "Minimum wage", "labour_office"),
        Category("industrial_accident_comp", "산재보상", "Industrial accident compensation",
                 "comwel"),
        Category("safety_hazard", "산업안전 위험 신고", "Workplace safety hazard report",
                 "labour_office"),
        Category("unemployment_benefit", "실업급여", "Unemployment benefit", "job_centre"),
        Category("job_seeking_support", "취업지원·국민취업지원제도",
                 "Job-seeking support and the Employment Support Programme", "job_centre"),
        Category("vocational_training", "직업훈련·내일배움카드",
                 "Vocational training and the training card", "job_centre"),
        Category("parental_leave", "모성보호·육아휴직", "Maternity protection and parental leave",
                 "job_centre"),
        Category("employment_insurance", "고용보험 가입·자격", "Employment insurance coverage",
                 "comwel"),
        Category("foreign_workers", "외국인 고용허가", "Employment permits for foreign workers",
                 "job_centre"),
        Category("discrimination", "고용상 차별", "Discrimination in employment", "labour_office"),
        Category("labor_union", "노동조합·부당노동행위", "Trade unions and unfair labour practices",
                 "labour_office"),
        Category("employer_subsidy", "사업주 지원금", "Employer subsidies", "job_centre"),
        Category("ai_transition", "AI·자동화 일자리 전환 상담",
                 "AI and automation job-transition advice", "job_centre"),
        Category("other", "기타", "Other", "ministry"),
    )
}  # fmt: skip

#: Urgency flags: they put a request at the top of the queue and alert a supervisor.
URGENT_FLAGS: Final[dict[str, tuple[str, str]]] = {
    "self_harm_risk": ("자해·자살 위험", "Risk of self-harm or suicide"),
    "imminent_danger": ("급박한 산업재해 위험", "Imminent danger at work"),
    "mass_wage_arrears": ("집단 임금체불", "Wage arrears affecting many workers"),
    "violence": ("폭행·폭력", "Violence"),
}
