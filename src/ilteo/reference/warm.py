"""Warm a server process: build the reference indexes before the first person waits for them.

``ilteo serve`` starts this in a background thread of each worker process (``warm_on_start``), so
the first search after a deploy answers in milliseconds, not seconds; the one window's models
(classifier, Kiwi, e5, knowledge base) are loaded too when the home has a trained model. Then
the long-lived objects are moved out of the cyclic garbage collector's way (:func:`gc.freeze`):
a full collection under load would otherwise walk every one of them, which shows as a latency
tail.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

from ilteo.core.errors import DataUnavailableError, IlteoError
from ilteo.core.memory import freeze_long_lived
from ilteo.core.settings import Settings

log = logging.getLogger(__name__)


def _warm_desk(settings: Settings) -> None:
    """Load the one window's models (classifier, Kiwi, e5, knowledge base) when already trained.

    Training (minutes) never happens at start-up: a home without a model trains on its first
    request, or with ``ilteo demo``.
    """
    from ilteo.desk.classify import is_trained

    if not is_trained(settings):
        raise DataUnavailableError("the request classifier is not trained yet")
    from ilteo.desk.triage import triage

    triage(settings, "퇴직금을 언제까지 받아야 하나요?")


def warm_up(settings: Settings) -> list[str]:
    """Build the reference indexes the API and MCP read; return the names built.

    Missing or invalid reference data is logged, not raised: the routes then answer 503 as usual.
    """
    from ilteo.reference.codes import industry_systems, occupation_systems
    from ilteo.reference.crosswalk import crosswalk_index
    from ilteo.reference.exposure import exposure_tables
    from ilteo.reference.search import search_industries, search_occupations

    started = time.perf_counter()
    steps: dict[str, Callable[[], object]] = {
        "occupations": lambda: occupation_systems(settings),
        "industries": lambda: industry_systems(settings),
        "crosswalks": lambda: crosswalk_index(settings),
        "exposure": lambda: exposure_tables(settings),
        "occupation search": lambda: search_occupations("소프트웨어", settings=settings),
        "industry search": lambda: search_industries("소프트웨어", settings=settings),
        "one window": lambda: _warm_desk(settings),
    }
    built = []
    for name, step in steps.items():
        try:
            step()
        except IlteoError as exc:
            log.info("warm-up: %s not built (%s)", name, exc)
            continue
        built.append(name)
    gc.collect()
    freeze_long_lived()
    log.info("warm-up: %s in %.1fs", ", ".join(built) or "nothing", time.perf_counter() - started)
    return built
