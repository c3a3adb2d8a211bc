"""Korean request (민원) text from compositional templates (``requests.yaml``).

Each request draws its pieces with pre-drawn uniforms, so composing is a handful of list lookups
and one ``str.format`` per fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ilteo.synth._params import read_yaml

#: Uniforms used per request (one per choice below).
DRAWS = 14


@dataclass(frozen=True, slots=True)
class Templates:
    """Parsed ``requests.yaml``."""

    openings: tuple[str, ...]
    intros: tuple[str, ...]
    asks: tuple[str, ...]
    closings: tuple[str, ...]
    generic_titles: tuple[str, ...]
    titles: dict[str, tuple[str, ...]]
    fragments: dict[str, tuple[str, ...]]
    urgent: dict[str, tuple[str, ...]]
    confusable: dict[str, tuple[str, ...]]
    accidents: tuple[str, ...]
    nationalities: tuple[str, ...]
    sex_words: dict[str, str]


@cache
def load_templates() -> Templates:
    """Read the templates shipped with the room (cached per process)."""
    raw = read_yaml("requests.yaml")
    situations = raw["situations"]
    return Templates(
        openings=tuple(raw["openings"]),
        intros=tuple(raw["intros"]),
        asks=tuple(raw["asks"]),
        closings=tuple(raw["closings"]),
        generic_titles=tuple(raw["generic_titles"]),
        titles={k: tuple(v["titles"]) for k, v in situations.items()},
        fragments={k: tuple(v["fragments"]) for k, v in situations.items()},
        urgent={k: tuple(v) for k, v in raw["urgent"].items()},
        confusable={k: tuple(v) for k, v in raw["confusable"].items()},
        accidents=tuple(raw["accidents"]),
        nationalities=tuple(raw["nationalities"]),
        sex_words=dict(raw["sex_words"]),
    )


def _pick(items: tuple[str, ...], u: float) -> str:
    return items[min(int(u * len(items)), len(items) - 1)]


def won(amount: float) -> str:
    """Write an amount of won the way people do: ``350만 원`` or ``1,234,000원``.

    >>> won(3_500_000), won(1_234_000), won(12_345_678)
    ('350만 원', '1,234,000원', '1,234만 원')
    """
    value = int(round(amount, -3))
    if value % 100_000 == 0 or value >= 10_000_000:
        return f"{value // 10_000:,}만 원"
    return f"{value:,}원"


def compose(
    t: Templates,
    category: str,
    secondary: str | None,
    urgent: str | None,
    slots: dict[str, Any],
    u: np.ndarray[Any, Any],
) -> tuple[str, str]:
    """Return (title, body) of one request.

    Args:
        t: Templates.
        category: True category.
        secondary: A confusable category mixed in, or ``None``.
        urgent: ``self_harm``, ``imminent_danger``, ``mass_arrears`` or ``None``.
        slots: Values for the template slots.
        u: ``DRAWS`` uniforms in [0, 1).
    """
    own = t.fragments[category]
    first = min(int(u[0] * len(own)), len(own) - 1)
    parts = []
    if u[1] < 0.7:
        parts.append(_pick(t.openings, u[2]))
    if u[3] < 0.45:
        parts.append(_pick(t.intros, u[4]))
    parts.append(own[first])
    if secondary is not None:
        parts.append(_pick(t.fragments[secondary], u[5]))
    if u[6] < 0.45 and len(own) > 1:
        parts.append(own[(first + 1 + int(u[7] * (len(own) - 1))) % len(own)])
    if urgent is not None:
        parts.append(_pick(t.urgent[urgent], u[8]))
    parts.append(_pick(t.asks, u[9]))
    parts.append(_pick(t.closings, u[10]))
    separator = "\n" if u[11] < 0.3 else " "
    body = separator.join(p for p in parts if p).format_map(slots)
    if u[12] < 0.25:
        title = _pick(t.generic_titles, u[13])
    else:
        title = _pick(t.titles[category], u[13]).format_map(slots)
    return title, body
