"""The integrated data lake: sources, contracts, quarantine, standard keys, linkage, catalogue.

Source extracts (files or live micro-batches) are checked against each source's declared
contract, resident registration numbers are replaced by a keyed hash on arrival, rows that pass
are staged and the others quarantined (nothing is dropped), every batch is recorded in a ledger
(``accepted + quarantined == received``), and curated tables feed linkage. Names are imported on
first use, so ``import ilteo.lake`` loads neither polars nor DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ilteo.core.lazy import lazy_exports
from ilteo.lake.layout import LakePaths

if TYPE_CHECKING:
    from ilteo.lake.contracts import Contract, get_contract
    from ilteo.lake.curate import CurateResult, curate
    from ilteo.lake.engine import connect
    from ilteo.lake.ingest import BatchResult, ingest_file, ingest_path, ingest_records
    from ilteo.lake.ledger import BatchBusyError, BatchPublic, get_batch, list_batches
    from ilteo.lake.quality import QualityAlert, list_alerts, list_scores, measure_freshness
    from ilteo.lake.quarantine import (
        QuarantineBatch,
        QuarantineDetail,
        get_quarantine,
        list_quarantine,
        read_fixes,
        retry_quarantine,
    )
    from ilteo.lake.readers import BatchRejected
    from ilteo.lake.sources import SYNTH_SOURCE_NAMES, get_source, list_sources, match_source

_EXPORTS = {
    "Contract": "contracts",
    "get_contract": "contracts",
    "CurateResult": "curate",
    "curate": "curate",
    "connect": "engine",
    "BatchResult": "ingest",
    "ingest_file": "ingest",
    "ingest_path": "ingest",
    "ingest_records": "ingest",
    "BatchBusyError": "ledger",
    "BatchPublic": "ledger",
    "get_batch": "ledger",
    "list_batches": "ledger",
    "QualityAlert": "quality",
    "list_alerts": "quality",
    "list_scores": "quality",
    "measure_freshness": "quality",
    "QuarantineBatch": "quarantine",
    "QuarantineDetail": "quarantine",
    "get_quarantine": "quarantine",
    "list_quarantine": "quarantine",
    "read_fixes": "quarantine",
    "retry_quarantine": "quarantine",
    "BatchRejected": "readers",
    "SYNTH_SOURCE_NAMES": "sources",
    "get_source": "sources",
    "list_sources": "sources",
    "match_source": "sources",
}

__all__ = [
    "SYNTH_SOURCE_NAMES",
    "BatchBusyError",
    "BatchPublic",
    "BatchRejected",
    "BatchResult",
    "Contract",
    "CurateResult",
    "LakePaths",
    "QualityAlert",
    "QuarantineBatch",
    "QuarantineDetail",
    "connect",
    "curate",
    "get_batch",
    "get_contract",
    "get_quarantine",
    "get_source",
    "ingest_file",
    "ingest_path",
    "ingest_records",
    "list_alerts",
    "list_batches",
    "list_quarantine",
    "list_scores",
    "list_sources",
    "match_source",
    "measure_freshness",
    "read_fixes",
    "retry_quarantine",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
