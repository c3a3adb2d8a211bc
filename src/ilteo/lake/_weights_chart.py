"""The match-weights chart of a trained model: Vega-Lite JSON, offline HTML and a plain SVG.

Splink's ``match_weights_chart()`` gives the Vega-Lite specification (with its data); Splink writes
it as a self-contained HTML page without Altair. A PNG/SVG export of Vega-Lite would need
``vl-convert-python``, which ilteo does not depend on, so the SVG is drawn here from the same
data: one bar per comparison level, green for evidence for a match, red against.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from ilteo.lake.layout import replace_atomically

_ROW, _LABEL, _BAR, _PAD = 18, 250, 360, 12


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    replace_atomically(tmp, path)


def weights_svg(levels: list[dict[str, Any]], title: str) -> str:
    """An SVG bar chart of match weights (log2 Bayes factors) per comparison level.

    Args:
        levels: Splink's chart records (``comparison_name``, ``label_for_charts``,
            ``log2_bayes_factor``, ``is_null_level``).
        title: Chart title.

    >>> svg = weights_svg([{"comparison_name": "name", "label_for_charts": "exact",
    ...                     "log2_bayes_factor": 12.5, "is_null_level": False}], "t")
    >>> svg.startswith("<svg") and "exact" in svg and "+12.5" in svg
    True
    """
    rows = [r for r in levels if not r.get("is_null_level")]
    limit = max((abs(float(r["log2_bayes_factor"])) for r in rows), default=1.0) or 1.0
    zero = _LABEL + _BAR / 2
    scale = (_BAR / 2 - 4) / limit
    height = _PAD * 3 + _ROW * (len(rows) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_LABEL + _BAR + 60}" '
        f'height="{height}" font-family="sans-serif" font-size="11">',
        f'<text x="{_PAD}" y="{_PAD + 4}" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{zero}" y1="{_PAD * 2}" x2="{zero}" y2="{height - _PAD}" stroke="#555"/>',
    ]
    y = _PAD * 2 + 4
    for row in rows:
        weight = float(row["log2_bayes_factor"])
        width = abs(weight) * scale
        x = zero if weight >= 0 else zero - width
        colour = "#2e7d32" if weight >= 0 else "#c62828"
        name = str(row["comparison_name"])
        label = (
            "prior (λ)"
            if name.startswith("probability_two")
            else f"{name}: {row['label_for_charts']}"
        )
        parts += [
            f'<text x="{_LABEL - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{_ROW - 6}" '
            f'fill="{colour}"/>',
            f'<text x="{_LABEL + _BAR + 4}" y="{y + 12}">{weight:+.1f}</text>',
        ]
        y += _ROW
    parts.append("</svg>")
    return "\n".join(parts)


def save_match_weights_chart(
    spec: dict[str, Any], html: str, folder: Path, kind: str
) -> list[Path]:
    """Write ``<kind>-match-weights.vl.json``, ``.html`` and ``.svg`` into ``folder``.

    Args:
        spec: The Vega-Lite specification with its data (Splink's ``chart_dict``).
        html: Splink's self-contained HTML page of the chart.
        folder: Usually ``linkage/``.
        kind: ``person`` (the only kind with a trained model).
    """
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = folder / f"{kind}-match-weights.vl.json"
    _write(spec_path, json.dumps(spec, ensure_ascii=False, indent=1, default=float))
    html_path = folder / f"{kind}-match-weights.html"
    _write(html_path, html)
    title = "일치 가중치 / match weights (log2 Bayes factor)"
    svg_path = folder / f"{kind}-match-weights.svg"
    _write(svg_path, weights_svg(list(spec["data"]["values"]), title))
    return [spec_path, html_path, svg_path]
