"""The reference room: occupations, industries, crosswalks, exposure indices, courses, statistics.

Read-only public datasets declared once in :mod:`ilteo.reference.datasets`, validated against their
checksums and schemas, cached as Parquet, and served through the service functions below. Names
are imported lazily, so ``import ilteo.reference`` (and its table models) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ilteo.core.lazy import lazy_exports

if TYPE_CHECKING:
    from ilteo.reference.datasets import dataset_ids, get_dataset, list_datasets
    from ilteo.reference.exposure import EXPOSURE_INDICES
    from ilteo.reference.fetch import fetch_datasets
    from ilteo.reference.history import list_events
    from ilteo.reference.loading import load, load_all, table_names
    from ilteo.reference.lookup import get_industry, get_occupation
    from ilteo.reference.schemas import (
        EXPOSURE_CAVEAT,
        CrosswalkLink,
        DatasetStatus,
        ExposureScore,
        FetchResult,
        IndustryDetail,
        IndustrySummary,
        OccupationDetail,
        OccupationSummary,
        TableLoad,
    )
    from ilteo.reference.search import search_industries, search_occupations
    from ilteo.reference.status import dataset_status

_EXPORTS = {
    "dataset_ids": "datasets",
    "get_dataset": "datasets",
    "list_datasets": "datasets",
    "EXPOSURE_INDICES": "exposure",
    "fetch_datasets": "fetch",
    "list_events": "history",
    "load": "loading",
    "load_all": "loading",
    "table_names": "loading",
    "get_industry": "lookup",
    "get_occupation": "lookup",
    "EXPOSURE_CAVEAT": "schemas",
    "CrosswalkLink": "schemas",
    "DatasetStatus": "schemas",
    "ExposureScore": "schemas",
    "FetchResult": "schemas",
    "IndustryDetail": "schemas",
    "IndustrySummary": "schemas",
    "OccupationDetail": "schemas",
    "OccupationSummary": "schemas",
    "TableLoad": "schemas",
    "search_industries": "search",
    "search_occupations": "search",
    "dataset_status": "status",
}

__all__ = [
    "EXPOSURE_CAVEAT",
    "EXPOSURE_INDICES",
    "CrosswalkLink",
    "DatasetStatus",
    "ExposureScore",
    "FetchResult",
    "IndustryDetail",
    "IndustrySummary",
    "OccupationDetail",
    "OccupationSummary",
    "TableLoad",
    "dataset_ids",
    "dataset_status",
    "fetch_datasets",
    "get_dataset",
    "get_industry",
    "get_occupation",
    "list_datasets",
    "list_events",
    "load",
    "load_all",
    "search_industries",
    "search_occupations",
    "table_names",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
