"""Vega-Lite charts drawn on the server: Hangul text, inline-ready SVG, the in-memory cache."""

from __future__ import annotations

import re

import pytest

from ilteo.monitor import charts

ROWS = [
    {"month": "2025-01", "series": "피보험 취업자", "value": 1200},
    {"month": "2025-02", "series": "피보험 취업자", "value": None},
    {"month": "2025-03", "series": "피보험 취업자", "value": 1180},
]


def _line(title: str = "고용 추이") -> dict[str, object]:
    return charts.line_spec(ROWS, title=title, y_title="명", x_title="월", series_title="지표")


def test_line_chart_draws_korean_text_in_the_korean_font() -> None:
    svg = charts.render_svg(_line())
    assert svg.startswith("<svg")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "월" in texts
    assert "피보험 취업자" in texts
    assert f'font-family="{charts.FONT}"' in svg
    assert "<script" not in svg
    assert "style=" not in svg


def test_spec_is_plain_vega_lite_with_its_data() -> None:
    spec = _line()
    assert spec["$schema"] == charts.SCHEMA
    assert spec["data"] == {"values": ROWS}
    assert spec["config"]["font"] == "NanumGothic"  # type: ignore[index]


def test_inline_svg_is_an_image_named_by_its_caption() -> None:
    svg = charts.inline_svg(_line(), "chart-a", "chart-a-caption")
    root = re.match(r"<svg[^>]*>", svg)
    assert root is not None
    tag = root.group(0)
    assert 'role="img"' in tag
    assert 'aria-labelledby="chart-a-caption"' in tag
    assert " width=" not in tag
    assert " height=" not in tag
    assert "viewBox=" in tag
    assert 'role="graphics' not in svg
    assert "aria-roledescription" not in svg


def test_two_charts_on_a_page_share_no_element_id() -> None:
    spec = charts.bar_spec(
        [{"label": "3403 은행 사무원", "value": -10.6}, {"label": "5103 보험 모집인", "value": 4}],
        title="노출 가중 변화",
        x_title="변화",
        y_title="직업",
    )
    first = charts.inline_svg(spec, "one", "one-caption")
    second = charts.inline_svg(spec, "two", "two-caption")
    ids_one = set(re.findall(r'\bid="([^"]+)"', first))
    ids_two = set(re.findall(r'\bid="([^"]+)"', second))
    assert "one" in ids_one
    assert "two" in ids_two
    assert not ids_one & ids_two
    for ref in re.findall(r"url\(#([^)]+)\)", first):
        assert ref in ids_one


def test_negative_bars_get_the_second_colour() -> None:
    svg = charts.render_svg(
        charts.bar_spec(
            [{"label": "a", "value": -3}, {"label": "b", "value": 5}],
            title="t",
            x_title="x",
            y_title="y",
        )
    )
    assert charts.PALETTE[0] in svg
    assert charts.PALETTE[1] in svg


def test_render_is_cached_by_the_spec_json() -> None:
    spec = _line("캐시 확인 차트")
    first = charts.render_svg(spec)
    size = charts.cache_info()
    again = charts.render_svg(dict(spec))  # an equal spec, another object
    assert again is first
    assert charts.cache_info() == size
    assert charts.render_svg(_line("다른 제목")) is not first


def test_invalid_spec_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Vega-Lite"):
        charts.render_svg({"mark": "no-such-mark", "data": {"values": []}})
