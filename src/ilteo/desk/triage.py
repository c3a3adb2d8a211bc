"""Triage of one request: mask, classify, flag, route, summarise, draft, set the deadline.

:func:`triage` runs the pieces of the one window in the order the law and privacy ask:

1. **mask** the personal data (:mod:`ilteo.desk.pii`) - everything after this step sees only the
   masked text, so nothing a model or a staff view keeps holds a resident registration number,
   a phone number, an account, an e-mail or a street address;
2. **classify** into the taxonomy with confidence and the runners-up (:mod:`ilteo.desk.classify`);
3. **urgency** flags (:mod:`ilteo.desk.urgency`) - a flagged request goes to the top of the queue;
4. **route** to the office with jurisdiction over the workplace's address - the form's address
   field when given, else the 시도/시군구 named in the text (read in memory; a region is not
   personal data) (:mod:`ilteo.desk.routing`);
5. **deadline** from the law on civil petitions and the inspectors' rules, in working days
   (:mod:`ilteo.desk.deadlines`);
6. **summary** (extractive) and a **draft answer** from the knowledge base with its sources
   (:mod:`ilteo.desk.summary`, :mod:`ilteo.desk.knowledge`).

Every AI output carries its confidence and version; :data:`CAVEAT` says what the triage does not
establish. Input limits: empty or whitespace-only text is refused; text beyond
:data:`MAX_CHARS` is truncated for the models (the whole text is kept by intake) and the answer
says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk.taxonomy import CATEGORIES, URGENT_FLAGS

#: Triages that run at once in one process. The work is CPU-bound (one worker per core is the
#: deployment), so more threads add no speed; under load they multiplied the models' scratch
#: memory (a worker with 8 connections peaked at 2 GB against 0.8 GB one at a time).
CONCURRENCY: Final = 2
_SLOTS = threading.BoundedSemaphore(CONCURRENCY)
#: The longest text the models read (characters); intake keeps the whole text.
MAX_CHARS: Final = 20_000
#: What a triage does not establish.
CAVEAT: Final = (
    "자동 분류·요약·답변 초안은 담당자의 검토를 돕는 참고 자료이며, 사실관계나 법적 판단을 "
    "확정하지 않습니다. / The automatic category, summary and draft help staff review the request; "
    "they establish neither the facts nor any legal decision."
)


@dataclass(frozen=True)
class Triage:
    """Everything the triage found about one request."""

    category: str
    confidence: float
    candidates: tuple[tuple[str, float], ...]
    model_version: str
    urgent: tuple[str, ...]
    urgent_evidence: tuple[dict[str, Any], ...]
    masked_text: str
    pii: dict[str, int]
    route: dict[str, Any]
    deadline: dict[str, Any]
    summary: tuple[str, ...]
    suggested_answer: dict[str, Any]
    truncated: bool
    milliseconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """JSON-plain triage (the CLI's ``--json`` and the API's body)."""
        return {
            "category": self.category,
            "category_label": CATEGORIES[self.category].label_ko,
            "confidence": round(self.confidence, 4),
            "candidates": [
                {"category": c, "label": CATEGORIES[c].label_ko, "probability": round(p, 4)}
                for c, p in self.candidates
            ],
            "model_version": self.model_version,
            "route": self.route,
            "urgent": list(self.urgent),
            "urgent_evidence": list(self.urgent_evidence),
            "masked_text": self.masked_text,
            "pii": self.pii,
            "summary": list(self.summary),
            "suggested_answer": self.suggested_answer,
            "deadline": self.deadline,
            "truncated": self.truncated,
            "notes": list(self.notes),
            "caveat": CAVEAT,
            "milliseconds": round(self.milliseconds, 1),
        }


def _clean(text: str) -> str:
    """Text without control characters other than line breaks and tabs."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def triage(
    settings: Settings,
    text: str,
    *,
    workplace_address: str | None = None,
    received_at: datetime | None = None,
) -> Triage:
    """Triage one request's text.

    Args:
        settings: For the classifier's model and the optional generative endpoint.
        text: The request as the citizen wrote it.
        workplace_address: The form's workplace address, when given (else read from the text).
        received_at: When it was received (default now), for the deadline.

    Returns:
        The triage.

    Raises:
        InvalidInputError: Empty text, or text without any letter or digit.
    """
    from ilteo.desk.classify import classifier
    from ilteo.desk.deadlines import deadline
    from ilteo.desk.knowledge import draft_answer
    from ilteo.desk.pii import mask
    from ilteo.desk.routing import parse_address, route
    from ilteo.desk.summary import summarise
    from ilteo.desk.urgency import urgent_flags

    started = time.perf_counter()
    cleaned = _clean(text).strip()
    if not cleaned:
        raise InvalidInputError("text: 내용을 적어 주세요 / the request is empty", fields=["text"])
    if not any(ch.isalnum() for ch in cleaned):
        raise InvalidInputError(
            "text: 글자나 숫자로 내용을 적어 주세요 / write the request in words "
            "(only symbols or emoji)",
            fields=["text"],
        )
    notes: list[str] = []
    truncated = len(cleaned) > MAX_CHARS
    if truncated:
        notes.append(
            f"앞의 {MAX_CHARS:,}자만 자동 분석했습니다 / only the first {MAX_CHARS:,} "
            "characters were analysed"
        )
        cleaned = cleaned[:MAX_CHARS]
    masked = mask(cleaned)
    with _SLOTS:
        result = classifier(settings).classify(masked.text)
        flags = urgent_flags(masked.text)
    address = parse_address(workplace_address) if workplace_address else None
    if address is None:
        # the region is not personal data; it is read from the text in memory, before masking
        # left only "서울 [주소]" (a short 시도 name before a masked street is not recognised)
        address = parse_address(cleaned)
        if workplace_address:
            notes.append("사업장 주소를 알아보지 못했습니다 / workplace address not recognised")
    routed = route(result.category, address)
    due = deadline(result.category, received_at or datetime.now(UTC))
    with _SLOTS:  # retrieval (e5, BM25); an optional rewrite runs inside, bounded at 2 s
        draft = draft_answer(result.category, masked.text, settings)
    return Triage(
        category=result.category,
        confidence=float(result.confidence),
        candidates=tuple((c, float(p)) for c, p in result.candidates),
        model_version=result.model_version,
        urgent=tuple(f.code for f in flags if f.code in URGENT_FLAGS),
        urgent_evidence=tuple(
            {"flag": f.code, "evidence": f.evidence, "score": round(float(f.score), 3)}
            for f in flags
        ),
        masked_text=masked.text,
        pii=dict(masked.counts),
        route={
            "organisation": routed.organisation,
            "office_code": routed.office_code,
            "office_name": routed.office_name,
            "reason_ko": routed.reason_ko,
            "reason_en": routed.reason_en,
            "address": None
            if address is None
            else {
                "sido": address.sido,
                "sido_name": address.sido_name,
                "sigungu": address.sigungu,
                "sigungu_name": address.sigungu_name,
            },
        },
        deadline={
            "due": due.due.isoformat(),
            "working_days": due.working_days,
            "basis_ko": due.basis_ko,
            "reference": due.reference,
        },
        summary=tuple(summarise(masked.text)),
        suggested_answer={
            "text": draft.text,
            "sources": [
                {
                    "id": p.id,
                    "title": p.title,
                    "category": p.category,
                    "references": list(p.references),
                    "version": p.version,
                }
                for p in draft.sources
            ],
            "kb_version": draft.kb_version,
            "generated": draft.generated,
        },
        truncated=truncated,
        milliseconds=(time.perf_counter() - started) * 1000,
        notes=tuple(notes),
    )
