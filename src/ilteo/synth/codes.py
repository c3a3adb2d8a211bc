"""Code lists that appear in the synthetic extracts (part of their documented format)."""

from __future__ import annotations

__all__ = [
    "JOB_SEEKING_ELIGIBLE",
    "REJECT_REASONS",
    "REQUEST_CATEGORIES",
    "SEPARATION_REASONS",
    "SOURCES",
]

#: 고용보험 피보험자격 상실사유 구분코드 (the codes of the 상실신고서) and their meaning.
SEPARATION_REASONS: dict[str, str] = {
    "11": "개인사정으로 인한 자진퇴사",
    "12": "사업장 이전, 근로조건 변동, 임금체불 등으로 자진퇴사",
    "22": "폐업, 도산",
    "23": "경영상 필요 및 회사불황으로 인원감축 등에 의한 퇴사 (해고·권고사직·명예퇴직 포함)",
    "26": "근로자의 귀책사유에 의한 징계해고·권고사직 또는 계약파기",
    "31": "정년",
    "32": "계약만료, 공사종료",
    "41": "고용보험 비적용",
    "42": "이중고용",
}

#: Separation reasons after which 구직급여 can be paid (고용보험법 제58조 reading, simplified:
#: 12 stands for the voluntary quits with a just cause listed in 시행규칙 별표 2).
JOB_SEEKING_ELIGIBLE = frozenset({"12", "22", "23", "31", "32"})

#: Reasons of rejected benefit claims.
REJECT_REASONS: dict[str, str] = {
    "R01": "정당한 사유 없는 자발적 이직",
    "R02": "중대한 귀책사유로 인한 해고",
    "R03": "이직 전 18개월 중 피보험단위기간 180일 미만",
    "R04": "고용보험 적용 제외 또는 이중 취득",
    "R11": "지원 제외 대상: 대규모기업 종사자 (월 임금 300만 원 이상, 45세 미만)",
}

#: Request (민원) categories: code → Korean name. The codes are part of the later API.
REQUEST_CATEGORIES: dict[str, str] = {
    "wage_arrears": "임금체불",
    "severance_pay": "퇴직금·퇴직연금",
    "unfair_dismissal": "부당해고·징계",
    "workplace_harassment": "직장 내 괴롭힘·성희롱",
    "working_hours": "근로시간·휴일·연차",
    "minimum_wage": "최저임금",
    "industrial_accident_comp": "산재보상",
    "safety_hazard": "산업안전 위험 신고",
    "unemployment_benefit": "실업급여",
    "job_seeking_support": "취업지원·국민취업지원제도",
    "vocational_training": "직업훈련·내일배움카드",
    "parental_leave": "모성보호·육아휴직",
    "employment_insurance": "고용보험 가입·자격",
    "foreign_workers": "외국인 고용허가",
    "discrimination": "고용상 차별",
    "labor_union": "노동조합·부당노동행위",
    "employer_subsidy": "사업주 지원금",
    "ai_transition": "AI·자동화 일자리 전환 상담",
    "other": "기타",
}

#: Source systems as named in ``ground_truth/record_links.parquet``.
SOURCES = (
    "workplaces",
    "employment_insurance",
    "industrial_accidents",
    "job_seekers",
    "counselling",
    "training",
    "benefit_claims",
    "benefit_payments",
    "requests",
)
