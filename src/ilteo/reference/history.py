"""Record reference fetches and loads in the operational store (best effort) and list them."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from ilteo.core.settings import Settings, get_settings
from ilteo.reference.schemas import ReferenceEventPublic
from ilteo.reference.spec import Dataset

logger = logging.getLogger(__name__)

#: After a store fails, skip recording to it for this many seconds (a down PostgreSQL server must
#: not add a connection timeout to every table of a `load_all`).
RETRY_AFTER_SECONDS = 60.0
_failed_at: dict[str, float] = {}


def combined_sha256(sources: Mapping[str, str]) -> str:
    """One checksum for several files: the file's own for one, else a digest of ``path:sha``.

    >>> combined_sha256({"a.csv": "ab" * 32}) == "ab" * 32
    True
    """
    if len(sources) == 1:
        return next(iter(sources.values()))
    lines = "".join(f"{path}:{sha}\n" for path, sha in sorted(sources.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def record_event(
    settings: Settings,
    *,
    dataset: Dataset,
    action: Literal["load", "fetch"],
    sha256: str,
    rows: int | None,
    table: str | None = None,
    source_url: str | None = None,
) -> bool:
    """Write one event; never fails the caller (a missing or unmigrated store is only logged).

    Returns:
        Whether the event was stored.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ilteo.core.db import session_scope
    from ilteo.reference.models import ReferenceEvent

    url = settings.sqlalchemy_url
    failed = _failed_at.get(url)
    if failed is not None and time.monotonic() - failed < RETRY_AFTER_SECONDS:
        return False
    event = ReferenceEvent(
        dataset_id=dataset.id,
        version=dataset.version[:200],
        action=action,
        table_name=table,
        sha256=sha256,
        rows=rows,
        at=datetime.now(UTC),
        source_url=source_url,
    )
    try:
        with session_scope(settings) as session:
            session.add(event)
    except (SQLAlchemyError, OSError) as exc:
        _failed_at[url] = time.monotonic()
        logger.info("reference %s of %s not recorded: %s", action, dataset.id, exc)
        return False
    _failed_at.pop(url, None)
    return True


def list_events(
    settings: Settings | None = None, *, dataset: str | None = None, limit: int = 100
) -> list[ReferenceEventPublic]:
    """The latest recorded fetches and loads, newest first."""
    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.reference.models import ReferenceEvent

    query = select(ReferenceEvent).order_by(ReferenceEvent.id.desc()).limit(limit)
    if dataset is not None:
        query = query.where(ReferenceEvent.dataset_id == dataset)
    with session_scope(settings or get_settings()) as session:
        return [
            ReferenceEventPublic.model_validate(row, from_attributes=True)
            for row in session.scalars(query)
        ]
