"""Vega-Lite charts of the monitoring pages and the monthly report, drawn on the server as SVG.

Every chart is a Vega-Lite specification with its data inline (published as
``/monitor/spec/<name>.vl.json``) and drawn to SVG by ``vl-convert-python``, which bundles Vega and
Vega-Lite in its PyPI package: those are the vendored assets. No browser script and nothing from a
CDN is involved, so the pages keep their strict Content Security Policy. Text is set in the Korean
font NanumGothic (``fonts-nanum``), registered with vl-convert when the folder exists.

:func:`render_svg` keeps the SVG of each specification in memory (keyed by the specification's
JSON); :func:`inline_svg` makes it fit to be placed in a page: ``role="img"``, labelled by the
figure's caption, element ids prefixed so that several charts can share a page, and the fixed
width and height dropped (the ``viewBox`` stays) so it scales with its column.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any, Final

#: The Vega-Lite schema the specifications declare (the version vl-convert bundles).
SCHEMA: Final = "https://vega.github.io/schema/vega-lite/v5.json"
#: The Korean font of the charts, and where Debian's ``fonts-nanum`` puts it.
FONT: Final = "NanumGothic"
FONT_DIR: Final = Path("/usr/share/fonts/truetype/nanum")
WIDTH: Final = 640
HEIGHT: Final = 240
#: Colours of the series (KRDS primary blue first; distinguishable without red/green).
PALETTE: Final = ("#256ef4", "#e07a00", "#6b4fbb", "#00897b", "#5c5c5c")
CACHE_SIZE: Final = 256

_lock = threading.Lock()
_cache: dict[str, str] = {}
_font_state: dict[str, bool] = {}


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "aria": False,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6"},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
        "title": {"fontSize": 14, "anchor": "start"},
        "range": {"category": list(PALETTE)},
    }


def line_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    y_title: str,
    x_title: str,
    series_title: str,
    percent: bool = False,
) -> dict[str, Any]:
    """A monthly line chart: one line per ``series``, points on every month.

    Args:
        rows: ``{"month": "YYYY-MM", "series": label, "value": number or None}`` (``None``: a
            suppressed or missing value; the line breaks there).
        title: What the chart shows (the spec's ``description``; pages put it in the caption).
        y_title: Title of the value axis.
        x_title: Title of the month axis.
        series_title: Title of the legend.
        percent: Format the values as percentages (values are shares 0-1).

    >>> spec = line_spec([{"month": "2024-01", "series": "a", "value": 1}], title="t",
    ...                  y_title="y", x_title="x", series_title="s")
    >>> spec["mark"]["type"], spec["encoding"]["x"]["field"]
    ('line', 'month')
    """
    fmt = ".1%" if percent else ",.0f"
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": [dict(row) for row in rows]},
        "mark": {"type": "line", "point": True, "strokeWidth": 2},
        "encoding": {
            "x": {
                "field": "month",
                "type": "temporal",
                "timeUnit": "yearmonth",
                "title": x_title,
                "axis": {"format": "%Y-%m", "labelAngle": 0},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": y_title,
                "axis": {"format": fmt},
                "scale": {"zero": False},
            },
            "color": {"field": "series", "type": "nominal", "title": series_title},
            "strokeDash": {"field": "series", "type": "nominal", "title": series_title},
        },
        "config": _config(),
    }


def bar_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    percent: bool = False,
) -> dict[str, Any]:
    """A horizontal bar chart of ``{"label": text, "value": number}`` rows, in the given order.

    >>> bar_spec([{"label": "a", "value": 2}], title="t", x_title="x", y_title="y")["mark"]
    {'type': 'bar'}
    """
    fmt = ".1%" if percent else ",.0f"
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": WIDTH - 220,
        "height": {"step": 18},
        "data": {"values": [dict(row) for row in rows]},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": y_title},
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": x_title,
                "axis": {"format": fmt},
            },
            "color": {
                "condition": {"test": "datum.value < 0", "value": PALETTE[1]},
                "value": PALETTE[0],
            },
        },
        "config": _config(),
    }


def spec_json(spec: Mapping[str, Any]) -> str:
    """The specification as canonical JSON (the cache key, and the body of the spec links)."""
    return json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _register_font() -> None:
    import vl_convert

    if not _font_state.get("done"):
        if FONT_DIR.is_dir():
            vl_convert.register_font_directory(str(FONT_DIR))
        _font_state["done"] = True


def render_svg(spec: Mapping[str, Any]) -> str:
    """Draw a Vega-Lite specification to SVG (cached in memory by the specification's JSON).

    Raises:
        ValueError: The specification is not valid Vega-Lite (vl-convert's message).
    """
    key = spec_json(spec)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
        import vl_convert

        _register_font()
        try:
            svg: str = vl_convert.vegalite_to_svg(json.loads(key))
        except Exception as exc:  # vl-convert raises plain ValueError/RuntimeError from Rust
            raise ValueError(f"Vega-Lite 변환 실패 / Vega-Lite conversion failed: {exc}") from exc
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = svg
        return svg


def cache_info() -> int:
    """How many SVGs the in-memory cache holds."""
    return len(_cache)


_ID = re.compile(r'\bid="([^"]+)"')
_ROOT = re.compile(r"<svg\b[^>]*>")
#: Vega's own ARIA roles inside the drawing: the root ``role="img"`` stands for all of them.
_INNER_ARIA = re.compile(r'\s(role|aria-roledescription|aria-label)="[^"]*"')


def inline_svg(spec: Mapping[str, Any], dom_id: str, labelled_by: str) -> str:
    """The chart's SVG ready to be placed inline in a page.

    Args:
        spec: The Vega-Lite specification.
        dom_id: A page-unique id: the SVG gets it, and every id inside is prefixed with it.
        labelled_by: The id of the element that names the chart (the figure caption).

    Returns:
        ``<svg role="img" aria-labelledby=...>`` without fixed width/height; its internal
        elements are hidden from assistive technology (the table next to it carries the numbers).
    """
    svg = render_svg(spec)
    for old in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        new = f"{dom_id}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    svg = _INNER_ARIA.sub("", svg)
    root = _ROOT.search(svg)
    if root is None:  # pragma: no cover - vl-convert always writes an <svg> root
        raise ValueError("no <svg> element in the chart")
    tag = re.sub(r'\s(width|height)="[^"]*"', "", root.group(0))
    tag = tag.replace(
        "<svg",
        f'<svg id="{escape(dom_id)}" role="img" aria-labelledby="{escape(labelled_by)}" '
        'focusable="false"',
        1,
    )
    return svg[: root.start()] + tag + svg[root.end() :]
