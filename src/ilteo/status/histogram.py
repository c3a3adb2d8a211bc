"""Fixed-bin latency histograms: mergeable by addition, so rollups stay incremental.

A duration in milliseconds falls in the first bin whose upper edge it does not exceed
(:data:`EDGES_MS`, roughly logarithmic from 1 ms to 60 s, then everything longer). Histograms of
two periods merge by adding counts; a percentile is read by linear interpolation inside its bin,
so its error is bounded by the bin's width (about ±25 % of the value in the range that matters).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Final

#: Upper edges of the bins in milliseconds; one more bin holds everything above the last edge.
EDGES_MS: Final[tuple[float, ...]] = (
    1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750,
    1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000,
)  # fmt: skip
#: Number of bins (the edges, plus the overflow bin).
BINS: Final[int] = len(EDGES_MS) + 1


def bin_index(ms: float) -> int:
    """The bin of a duration (negative durations count as 0 ms).

    >>> bin_index(0.4), bin_index(1), bin_index(1.5), bin_index(99_999)
    (0, 0, 1, 28)
    """
    return bisect_left(EDGES_MS, max(ms, 0.0))


def empty() -> list[int]:
    """A histogram with no observation."""
    return [0] * BINS


def add(hist: list[int], ms: float, count: int = 1) -> list[int]:
    """Count ``count`` observations of ``ms`` into ``hist`` (in place; returned for chaining)."""
    if len(hist) < BINS:
        hist.extend([0] * (BINS - len(hist)))
    hist[bin_index(ms)] += count
    return hist


def merge(histograms: Iterable[Sequence[int]]) -> list[int]:
    """The sum of several histograms (missing trailing bins count as zero)."""
    total = empty()
    for hist in histograms:
        for i, count in enumerate(hist[:BINS]):
            total[i] += count
    return total


def percentile(hist: Sequence[int], q: float) -> float | None:
    """The ``q``-quantile (0 < q <= 1) in milliseconds, interpolated in its bin; ``None`` if empty.

    >>> h = empty(); _ = add(h, 12, 90); _ = add(h, 180, 10)
    >>> 10 < percentile(h, 0.5) <= 15, 150 < percentile(h, 0.95) <= 200
    (True, True)
    """
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], not {q}")
    total = sum(hist)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(hist):
        if count and seen + count >= rank:
            low = EDGES_MS[i - 1] if i > 0 else 0.0
            high = EDGES_MS[i] if i < len(EDGES_MS) else EDGES_MS[-1] * 2
            return low + (high - low) * (rank - seen) / count
        seen += count
    return float(EDGES_MS[-1] * 2)
