"""The catalogue as DCAT (W3C Data Catalog Vocabulary) in JSON-LD, for a public data portal.

Compact JSON-LD with prefixed terms (``dcat:``, ``dct:``...) declared in ``@context``; titles and
descriptions in Korean and English (``@language``); access rights, frequencies and languages from
the EU authority tables that DCAT-AP uses. Personal datasets are NON_PUBLIC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from ilteo.lake.steward_schemas import CatalogEntry

CONTEXT: Final[dict[str, str]] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_EU: Final = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHTS: Final[dict[str, str]] = {
    "public": _EU + "access-right/PUBLIC",
    "restricted": _EU + "access-right/RESTRICTED",
    "non-public": _EU + "access-right/NON_PUBLIC",
}
FREQUENCIES: Final[dict[str, str]] = {
    "live": _EU + "frequency/CONT",
    "daily": _EU + "frequency/DAILY",
    "weekly": _EU + "frequency/WEEKLY",
    "monthly": _EU + "frequency/MONTHLY",
    "quarterly": _EU + "frequency/QUARTERLY",
    "yearly": _EU + "frequency/ANNUAL",
}
#: Media types registered with IANA get an IRI; others (JSON Lines) only a ``dct:format``.
IANA_REGISTERED: Final = frozenset(
    {"text/csv", "application/json", "text/html", "text/markdown", "application/vnd.apache.parquet"}
)
_HANGUL: Final = re.compile(r"[\uac00-\ud7a3]")
_RIGHTS: Final[dict[str, tuple[str, str]]] = {
    "non-public": (
        "개인정보가 있어 공개하지 않습니다. 법령에 따른 목적 범위에서만 이용합니다.",
        "Contains personal data: not open; used only for its lawful purpose.",
    ),
    "restricted": (
        "내부 행정자료로 이용이 제한됩니다.",
        "Internal administrative data; access is restricted.",
    ),
    "public": ("공개 데이터입니다.", "Open data."),
}


def _text(ko: str, en: str) -> list[dict[str, str]]:
    return [{"@value": ko, "@language": "ko"}, {"@value": en, "@language": "en"}]


def _keyword(word: str) -> dict[str, str] | str:
    """A keyword, tagged Korean when it is written in Hangul.

    >>> _keyword("고용보험"), _keyword("ksic11")
    ({'@value': '고용보험', '@language': 'ko'}, 'ksic11')
    """
    return {"@value": word, "@language": "ko"} if _HANGUL.search(word) else word


def _typed(value: date | datetime, kind: str) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": f"xsd:{kind}"}


def _licence(entry: CatalogEntry) -> dict[str, Any]:
    if entry.licence_url:
        return {"@id": entry.licence_url, "@type": "dct:LicenseDocument"}
    ko, _, en = entry.licence.partition(" / ")
    return {"@type": "dct:LicenseDocument", "rdfs:label": _text(ko, en or ko)}


def _distributions(entry: CatalogEntry, access_url: str) -> list[dict[str, Any]]:
    made = []
    for dist in entry.distributions:
        node: dict[str, Any] = {
            "@type": "dcat:Distribution",
            "dct:title": _text(
                f"{entry.title_ko} ({dist.format})", f"{entry.title_en} ({dist.format})"
            ),
            "dct:format": dist.format,
            "dcat:accessURL": {"@id": access_url},
            "dct:license": _licence(entry),
            "dct:accessRights": {"@id": ACCESS_RIGHTS[entry.access_rights]},
        }
        if dist.media_type in IANA_REGISTERED:
            node["dcat:mediaType"] = {
                "@id": f"https://www.iana.org/assignments/media-types/{dist.media_type}"
            }
        made.append(node)
    return made


def _dataset(
    entry: CatalogEntry, base: str, publisher: dict[str, str], landing: str | None
) -> dict[str, Any]:
    iri = f"{base}datasets/{entry.id}"
    access_url = f"{landing}/v1/lake/catalog/{entry.id}" if landing else iri
    rights_ko, rights_en = _RIGHTS[entry.access_rights]
    node: dict[str, Any] = {
        "@id": iri,
        "@type": "dcat:Dataset",
        "dct:identifier": entry.id,
        "dct:title": _text(entry.title_ko, entry.title_en),
        "dct:description": _text(entry.description_ko, entry.description_en),
        "dct:publisher": publisher,
        "dct:creator": {"@type": "foaf:Organization", "foaf:name": entry.owner},
        "dct:license": _licence(entry),
        "dct:accessRights": {"@id": ACCESS_RIGHTS[entry.access_rights]},
        "dct:rights": {"@type": "dct:RightsStatement", "rdfs:label": _text(rights_ko, rights_en)},
        "dcat:keyword": [_keyword(word) for word in entry.keywords],
        "dcat:distribution": _distributions(entry, access_url),
    }
    if entry.modified:
        node["dct:modified"] = _typed(entry.modified, "dateTime")
    if entry.temporal_start or entry.temporal_end:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if entry.temporal_start:
            period["dcat:startDate"] = _typed(entry.temporal_start, "date")
        if entry.temporal_end:
            period["dcat:endDate"] = _typed(entry.temporal_end, "date")
        node["dct:temporal"] = period
    if entry.cadence in FREQUENCIES:
        node["dct:accrualPeriodicity"] = {"@id": FREQUENCIES[entry.cadence]}
    if entry.code_systems:
        node["dct:conformsTo"] = [
            {"@id": f"{base}code-systems/{code}", "rdfs:label": code} for code in entry.code_systems
        ]
    if entry.lineage:
        node["prov:wasDerivedFrom"] = [{"@id": f"{base}datasets/{p}"} for p in entry.lineage]
    if landing:
        node["dcat:landingPage"] = {"@id": f"{landing}/lake/catalog#{entry.id}"}
    return node


def to_jsonld(
    entries: Sequence[CatalogEntry],
    config: dict[str, Any],
    *,
    modified: datetime,
    landing_base: str | None = None,
) -> dict[str, Any]:
    """A ``dcat:Catalog`` JSON-LD document of ``entries``.

    Args:
        entries: The catalogue entries.
        config: The declarations of ``catalog.yaml`` (publisher, base IRI).
        modified: When the catalogue was made (``dct:modified``).
        landing_base: Base URL of the serving site, for landing pages and access URLs.
    """
    base: str = config["base_iri"]
    landing = landing_base.rstrip("/") if landing_base else None
    pub = config["publisher"]
    publisher_iri = f"{base}publisher"
    publisher = {
        "@id": publisher_iri,
        "@type": "foaf:Organization",
        "foaf:name": _text(pub["name_ko"], pub["name_en"]),
        "foaf:homepage": {"@id": pub["homepage"]},
    }
    return {
        "@context": CONTEXT,
        "@id": f"{base}catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text("일터 데이터 레이크 카탈로그", "ilteo data lake catalogue"),
        "dct:description": _text(
            "고용노동 행정 원천 시스템에서 받은 데이터와 레이크가 만든 데이터의 목록입니다. "
            "개인정보가 있는 데이터셋은 공개하지 않습니다(비공개).",
            "The datasets the lake receives from employment and labour source systems and "
            "those it derives. Datasets with personal data are not open (non-public).",
        ),
        "dct:publisher": publisher,
        "dct:language": [{"@id": _EU + "language/KOR"}, {"@id": _EU + "language/ENG"}],
        "dct:modified": _typed(modified, "dateTime"),
        "dcat:dataset": [
            _dataset(entry, base, {"@id": publisher_iri}, landing) for entry in entries
        ],
    }
