"""How the catalogue describes columns: personal-data class, code system, standard key, access.

Columns are described by the source declarations (a field, or the hash, birth date and sex columns
that replace an RRN field on arrival), by the standard column a record table holds, or by
``catalog.yaml``; a column in none of them is ``unclassified``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from ilteo.lake._catalog_files import FileFacts
from ilteo.lake.spec import FieldSpec, SourceSpec
from ilteo.lake.steward_schemas import AccessRights, CatalogColumn, ColumnPersonal

#: Standard columns that identify a person or a workplace across sources.
STANDARD_KEYS: Final = frozenset({"rrn", "brn", "workplace_no"})
#: Entities whose datasets are personal data whatever their columns.
PERSONAL_ENTITIES: Final = frozenset({"person", "both"})
#: How personal each class is; a dataset takes the highest class of its columns.
PERSONAL_RANK: Final[dict[str, int]] = {
    "none": 0,
    "quasi": 1,
    "unclassified": 2,
    "direct": 3,
    "rrn": 4,
}


def column_of(spec: FieldSpec, keys: Sequence[str]) -> CatalogColumn:
    """A declared field as a catalogue column (a key when it is in ``keys`` or a standard key)."""
    return CatalogColumn(
        name=spec.name,
        dtype=spec.dtype,
        title_ko=spec.title_ko,
        title_en=spec.title_en,
        personal=spec.personal,
        code_system=spec.code_system,
        standard=spec.standard,
        required=spec.required,
        key=spec.name in keys or spec.standard in STANDARD_KEYS,
    )


def declared_columns(spec: SourceSpec) -> dict[str, CatalogColumn]:
    """Columns a source's stored tables may have, by name.

    Its fields, and for an RRN field the hash, birth date and sex columns that replace it on
    arrival (:func:`ilteo.lake.protect.derived_columns`).
    """
    from ilteo.lake.protect import derived_columns

    made: dict[str, CatalogColumn] = {}
    for field in spec.fields:
        column = column_of(field, spec.keys)
        made[field.name] = column
        if field.personal != "rrn":
            continue
        hashed, birth, sex = derived_columns(field.name)
        made[hashed] = column.model_copy(
            update={
                "name": hashed,
                "title_ko": f"{field.title_ko} 해시",
                "title_en": f"{field.title_en} (keyed hash)",
            }
        )
        for name, standard, ko, en in (
            (birth, "birth_date", "생년월일", "birth date"),
            (sex, "sex", "성별", "sex"),
        ):
            made[name] = CatalogColumn(
                name=name,
                dtype="date" if standard == "birth_date" else "str",
                title_ko=f"{ko} ({field.title_ko}에서)",
                title_en=f"{en.capitalize()} (from {field.title_en})",
                personal="quasi",
                standard=standard,
            )
    return made


def standard_columns(sources: Sequence[SourceSpec]) -> dict[str, CatalogColumn]:
    """Metadata of each standard column: the most personal class any source field mapped to it."""
    found: dict[str, CatalogColumn] = {}
    for spec in sources:
        for field in spec.fields:
            if field.standard is None:
                continue
            column = column_of(field, ()).model_copy(
                update={"name": field.standard, "required": False}
            )
            known = found.get(field.standard)
            if known is None or PERSONAL_RANK[column.personal] > PERSONAL_RANK[known.personal]:
                found[field.standard] = column
    return found


def annotate(
    facts: FileFacts,
    by_name: dict[str, CatalogColumn],
    config: dict[str, Any],
) -> list[CatalogColumn]:
    """Columns of a file, described by the declarations that name them (else unclassified)."""
    technical = set(config.get("technical_columns", ()))
    declared: dict[str, dict[str, Any]] = config.get("columns", {})
    columns = []
    for name, dtype in facts.columns:
        if name in by_name:
            columns.append(by_name[name].model_copy(update={"dtype": dtype}))
        elif name in declared:
            extra = declared[name]
            columns.append(
                CatalogColumn(
                    name=name,
                    dtype=dtype,
                    title_ko=extra.get("title_ko", ""),
                    title_en=extra.get("title_en", ""),
                    personal=extra.get("personal", "unclassified"),
                    code_system=extra.get("code_system"),
                    standard=extra.get("standard"),
                    key=extra.get("standard") in STANDARD_KEYS,
                )
            )
        else:
            personal: ColumnPersonal = "none" if name in technical else "unclassified"
            columns.append(CatalogColumn(name=name, dtype=dtype, personal=personal))
    return columns


def dataset_personal(columns: Sequence[CatalogColumn]) -> ColumnPersonal:
    """The most personal class of any column (``none`` for no column)."""
    return max((c.personal for c in columns), key=PERSONAL_RANK.__getitem__, default="none")


def access_rights(personal: ColumnPersonal, entity: str, licence_url: str | None) -> AccessRights:
    """Who may see a dataset.

    Anything about persons is non-public even when no column is personal on its own: linked or
    pseudonymised records (a master id per source record) remain personal data.
    """
    if personal != "none" or entity in PERSONAL_ENTITIES:
        return "non-public"
    return "public" if licence_url else "restricted"


def bilingual(text: str) -> tuple[str, str]:
    """Split ``"한국어 / English"`` into its two halves (the same text twice when not split).

    >>> bilingual("근로복지공단 / COMWEL"), bilingual("HRD-Net")
    (('근로복지공단', 'COMWEL'), ('HRD-Net', 'HRD-Net'))
    """
    ko, _, en = text.partition(" / ")
    return ko.strip(), (en or ko).strip()
