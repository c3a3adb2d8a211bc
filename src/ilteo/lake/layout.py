"""Where the lake keeps its files; every lake module asks here for paths, none builds its own.

```
$ILTEO_HOME/lake/
  staged/<source>/<batch_id>.parquet        rows that passed the contract, one file per batch
  quarantine/<source>/<batch_id>.parquet    rows that failed it, with rule, column and value
  curated/<table>.parquet                   per-source tables, deduplicated across batches
  curated/person_records.parquet            every person-mentioning record, standard columns
  curated/workplace_records.parquet         every workplace-mentioning record, standard columns
  master/persons.parquet, master/person_links.parquet, master/workplaces.parquet, ...
  linkage/                                  trained models (JSON), charts, evaluation reports
  reports/                                  the standardisation report (HTML, Markdown)
```

Files appear only by atomic rename (write ``*.tmp``, then ``os.replace``), and a staged or
quarantine file counts only once its batch is recorded as ``done`` in the batch ledger of the
operational store (``lake_batches``): readers list committed files from the ledger, never by glob,
so a process killed mid-batch leaves nothing half-visible.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ilteo.core.settings import Settings


@dataclass(frozen=True)
class LakePaths:
    """The folder layout of one lake."""

    root: Path

    @classmethod
    def of(cls, settings: Settings) -> LakePaths:
        """The lake of ``settings`` (``$ILTEO_HOME/lake``)."""
        return cls(settings.lake_dir)

    def staged(self, source: str, batch_id: str) -> Path:
        """The staged Parquet file of one batch."""
        return self.root / "staged" / source / f"{batch_id}.parquet"

    def quarantine(self, source: str, batch_id: str) -> Path:
        """The quarantined rows of one batch."""
        return self.root / "quarantine" / source / f"{batch_id}.parquet"

    def curated(self, table: str) -> Path:
        """A curated table."""
        return self.root / "curated" / f"{table}.parquet"

    def master(self, table: str) -> Path:
        """A master table (persons, workplaces, their links)."""
        return self.root / "master" / f"{table}.parquet"

    @property
    def linkage_dir(self) -> Path:
        """Trained linkage models, charts and evaluation reports."""
        return self.root / "linkage"

    @property
    def reports_dir(self) -> Path:
        """Generated reports."""
        return self.root / "reports"


def replace_atomically(tmp: Path, final: Path) -> None:
    """Move a fully written ``tmp`` file over ``final`` in one step (same folder, fsynced)."""
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
