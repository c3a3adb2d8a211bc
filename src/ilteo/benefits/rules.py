"""The scan's rules: who is found, for which programme, and what a notice about it says.

Each rule of :func:`ilteo.benefits.scan.scan` has an id (part of the API and of the notices'
keys), the programme whose law it applies, and its labels. The scan writes one row per person and
rule into ``ScanResult.findings``; :mod:`ilteo.benefits.notices` turns each row into a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the proactive scan."""

    id: str
    programme: str
    label_ko: str
    label_en: str


#: The rules, in the order the staff pages list them.
RULES: Final[dict[str, Rule]] = {
    rule.id: rule
    for rule in (
        Rule(
            "job_seeking_not_claimed",
            "job_seeking_allowance",
            "구직급여 대상이지만 신청하지 않은 이직자",
            "Entitled to the job-seeking allowance, separated and not claiming",
        ),
        Rule(
            "training_card_high_risk",
            "training_card",
            "AI 전환 고위험군 재직자의 국민내일배움카드",
            "A worker in an AI-exposed high-risk group, entitled to the training card",
        ),
        Rule(
            "employment_support_youth",
            "employment_support_type2",
            "구직급여를 받을 수 없는 청년 이직자의 국민취업지원제도 II유형",
            "A young separated person without the job-seeking allowance: Employment Support "
            "Programme type II",
        ),
    )
}

#: Columns of ``ScanResult.findings`` (one row per person and rule), in order.
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "master_id",  # str
    "rule",  # str, a key of RULES
    "programme",  # str
    "key",  # str: what makes the finding once per person (the separation day, the outreach month)
    "amount_krw",  # Int64 or null: the total the person may receive (or the card's limit)
    "daily_amount_krw",  # Int64 or null
    "benefit_days",  # Int64 or null
    "separation_date",  # Date or null
    "loss_reason_code",  # str or null
    "sido",  # str or null (2-digit 시도 code)
    "ksco",  # str or null
    "age",  # Int64 or null (on the scan day)
    "days_since_separation",  # Int64 or null
    "reasons",  # List(str): short codes of why (e.g. "separated_dismissal_business", "outreach")
)
