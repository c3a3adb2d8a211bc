"""How a source system is declared: one :class:`SourceSpec` per system, registered in one place.

The declarations themselves live in :mod:`ilteo.lake.sources`; the catalogue, the contracts, the
quality checks and the standardisation report all read these objects, so adding a source is one
declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FileFormat = Literal["csv", "jsonl", "parquet", "json"]
#: How personal a field is: ``rrn`` is replaced by a keyed hash at arrival; ``direct`` identifies a
#: person on its own (name with phone); ``quasi`` helps identify (birth date, address); ``none``.
PersonalData = Literal["rrn", "direct", "quasi", "none"]
Cadence = Literal["live", "daily", "weekly", "monthly", "quarterly", "yearly"]


@dataclass(frozen=True)
class FieldSpec:
    """One column of a source: its type, whether it is required, and what it means.

    Attributes:
        name: Column name as the source system writes it.
        dtype: ``str``, ``int``, ``float``, ``bool``, ``date`` or ``datetime``.
        required: A missing value quarantines the row.
        title_ko: Korean label.
        title_en: English label.
        personal: Personal-data class of the field.
        code_system: The standard code system the values must belong to, if any (``ksco8``,
            ``ksic11``, ``sido``, ``rrn``, ``brn``, ``ncs``...).
        standard: The standard column the field maps to in the person records (``rrn``,
            ``name``, ``birth_date``, ``sex``, ``phone``, ``address``, ``sido_code``: the
            person's own 시도) or the workplace records (``brn``, ``workplace_no``,
            ``workplace_name``, ``workplace_address``, ``workplace_sido_code``, ``ksic_code``),
            if any.
        min_value: Lower bound of a numeric or date field.
        max_value: Upper bound of a numeric field.
        allowed: The closed list of values a text field may take (empty: any value).
        future_allowed: A date field that may lie in the future (a planned course end); every
            other date or datetime field must not be later than the contract's clock.
    """

    name: str
    dtype: str
    required: bool = False
    title_ko: str = ""
    title_en: str = ""
    personal: PersonalData = "none"
    code_system: str | None = None
    standard: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    allowed: tuple[str, ...] = ()
    future_allowed: bool = False


@dataclass(frozen=True)
class SequenceRule:
    """An order between two kinds of event rows of one group, checked across a whole batch.

    Example: in employment-insurance events, a ``loss`` of a person at a workplace must not be
    dated before that person's earliest ``acquisition`` there (when the batch holds both).

    Attributes:
        rule: Stable rule id reported for a violating row (``date.loss_before_acquisition``).
        group: Columns that identify the group (person and workplace).
        kind_field: Column that holds the event kind.
        first: Kind of the event that opens the group (``acquisition``).
        then: Kind of the event that must not come before it (``loss``).
        date_field: Column with the event date.
    """

    rule: str
    group: tuple[str, ...]
    kind_field: str
    first: str
    then: str
    date_field: str


@dataclass(frozen=True)
class SourceSpec:
    """A source system the ministry receives extracts from.

    Attributes:
        id: Stable id, used in paths and URLs (``ei_events``, ``job_seekers``...).
        title_ko: Korean name.
        title_en: English name.
        owner: The organisation that owns the system (e.g. 근로복지공단 / COMWEL).
        system: The system's name (e.g. 고용보험 전산망).
        file_format: Format of batch files.
        encoding: Text encoding of batch files (``utf-8`` or ``cp949``).
        fields: The schema contract, one :class:`FieldSpec` per column, in order.
        keys: Columns that identify a record within the source (its natural key).
        cadence: Expected refresh cadence (freshness is measured against it).
        entity: What a record mentions: ``person``, ``workplace``, ``both`` or ``none``.
        date_rules: Pairs ``(earlier, later)`` of date columns that must be ordered.
        licence: Terms of use inside the ministry.
        glob: File-name pattern of this source inside an extract folder.
        sequence_rules: Orders between event rows of a group, checked across the whole batch.
    """

    id: str
    title_ko: str
    title_en: str
    owner: str
    system: str
    file_format: FileFormat
    encoding: str
    fields: tuple[FieldSpec, ...]
    keys: tuple[str, ...]
    cadence: Cadence
    entity: Literal["person", "workplace", "both", "none"]
    date_rules: tuple[tuple[str, str], ...] = ()
    licence: str = "내부 행정자료 / internal administrative data"
    glob: str = "*"  # file-name pattern of this source inside an extract folder
    sequence_rules: tuple[SequenceRule, ...] = ()

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (``KeyError`` if the contract has none)."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        """Columns that carry personal data."""
        return tuple(f.name for f in self.fields if f.personal != "none")
