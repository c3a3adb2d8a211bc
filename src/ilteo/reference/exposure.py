"""Raw AI-exposure scores by occupation code, one declaration per index.

A new index is one more :class:`ExposureIndex` in :data:`EXPOSURE_INDICES`. Values are returned as
published (no rescaling, no averaging across linked codes): they are different constructs on
different scales, and none of them is a probability of job loss.
"""

from __future__ import annotations

from dataclasses import dataclass

from ilteo.core.settings import Settings
from ilteo.reference.codes import cached_index
from ilteo.reference.datasets import get_dataset
from ilteo.reference.loading import load
from ilteo.reference.schemas import CrosswalkLink, ExposureScore


@dataclass(frozen=True, slots=True)
class ExposureIndex:
    """Where one exposure measure is read from.

    Attributes:
        id: Stable index id.
        name: Human-readable name (English; the source's own term).
        dataset: Dataset id.
        table: Table name.
        system: Occupation system of ``code_column``.
        code_column: Column holding the occupation code.
        value_column: Column holding the score.
        category_column: Optional column with a categorical reading of the score.
    """

    id: str
    name: str
    dataset: str
    table: str
    system: str
    code_column: str
    value_column: str
    category_column: str | None = None


EXPOSURE_INDICES: tuple[ExposureIndex, ...] = (
    ExposureIndex("felten_aioe", "AI Occupational Exposure (AIOE, Felten et al. 2021)",
                  "felten_aioe", "aioe_by_occupation_soc2010", "soc2010", "SOC Code", "AIOE"),
    ExposureIndex("felten_lm_aioe", "Language-modelling AIOE (Felten et al. 2023)",
                  "felten_aioe", "language_modeling_aioe_by_occupation", "soc2010", "SOC Code",
                  "Language Modeling AIOE"),
    ExposureIndex("eloundou_beta_human", "LLM exposure β, human raters (Eloundou et al. 2024)",
                  "eloundou_gpts", "occ_level", "onet", "O*NET-SOC Code", "human_rating_beta"),
    ExposureIndex("eloundou_beta_gpt4", "LLM exposure β, GPT-4 rater (Eloundou et al. 2024)",
                  "eloundou_gpts", "occ_level", "onet", "O*NET-SOC Code", "dv_rating_beta"),
    ExposureIndex("ilo_genai_2025", "ILO generative-AI exposure 2025, mean task score and "
                  "gradient (Gmyrek et al. 2025)", "ilo_genai_2025",
                  "isco08_occupation_scores_gmyrek2025", "isco08", "ISCO_08", "mean_score_2025",
                  "potential25"),
    ExposureIndex("microsoft_ai_applicability", "AI applicability score (Tomlinson et al. 2025)",
                  "microsoft_ai_applicability", "soc_ai_applicability_scores", "soc2018",
                  "SOC Code", "ai_applicability_score"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Reading:
    value: float | None
    category: str | None


@cached_index(*dict.fromkeys(i.dataset for i in EXPOSURE_INDICES))
def exposure_tables(settings: Settings) -> dict[str, dict[str, _Reading]]:
    """Index id → code → reading."""
    tables: dict[str, dict[str, _Reading]] = {}
    for index in EXPOSURE_INDICES:
        frame = load(index.dataset, index.table, settings=settings)
        columns = [index.code_column, index.value_column]
        if index.category_column:
            columns.append(index.category_column)
        readings: dict[str, _Reading] = {}
        for row in frame.select(columns).iter_rows():
            code, value = row[0], row[1]
            category = row[2] if index.category_column else None
            if code is not None and code not in readings:
                readings[code] = _Reading(None if value is None else float(value), category)
        tables[index.id] = readings
    return tables


def exposures_for(
    settings: Settings, system: str, code: str, links: list[CrosswalkLink]
) -> list[ExposureScore]:
    """Scores of every index for the occupation itself and every code linked to it."""
    tables = exposure_tables(settings)
    reached = [(system, code, 0, False)] + [
        (link.system, link.code, link.hops, link.provisional) for link in links
    ]
    scores: list[ExposureScore] = []
    for index in EXPOSURE_INDICES:
        spec = get_dataset(index.dataset)
        for linked_system, linked_code, hops, provisional in reached:
            if linked_system != index.system:
                continue
            reading = tables[index.id].get(linked_code)
            if reading is None:
                continue
            scores.append(
                ExposureScore(
                    index=index.id,
                    index_name=index.name,
                    dataset=index.dataset,
                    version=spec.version,
                    measure=index.value_column,
                    value=reading.value,
                    category=reading.category,
                    system=index.system,
                    code=linked_code,
                    hops=hops,
                    provisional=provisional,
                )
            )
    return scores
