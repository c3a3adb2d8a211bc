"""A data steward walks the lake pages in a real browser; axe-core checks every page.

The lake holds a few batches, quarantined rows, quality measurements, consistency scores and a
linkage evaluation (tiny fixtures, written directly); the empty-lake page is checked first.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.identity.factories import staff_session
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    create_quarantine_row,
    migrated,
    write_linkage_evaluation,
    write_person_linkage,
    write_small_lake,
)

from ilteo.core.settings import Settings
from ilteo.lake.consistency import run_consistency

ARTIFACTS = Path(__file__).parent / "artifacts"
PAGES = [
    ("/lake", "데이터 레이크 관리"),
    ("/lake/sources", "원천 시스템"),
    ("/lake/batches", "배치"),
    ("/lake/quarantine", "격리"),
    ("/lake/linkage", "연계 품질"),
    ("/lake/quality", "품질 추이"),
    ("/lake/catalog", "데이터 카탈로그"),
    ("/lake/catalog/curated.ei_events", "curated.ei_events"),
    ("/lake/report", "데이터 표준화 보고서"),
]


def fill(settings: Settings) -> None:
    just_now = datetime.now(UTC) - timedelta(minutes=5)
    batch = create_batch(settings, source="ei_events", finished_at=just_now)
    create_batch(settings, source="workplaces", id="workplaces-1", content_sha256="b" * 64,
                 received_rows=3, accepted_rows=3, quarantined_rows=0,
                 finished_at=just_now - timedelta(days=40))  # fmt: skip
    create_quarantine_row(settings, batch.id)
    create_quarantine_row(settings, batch.id, rule="code.ksic11", column="ksic_code",
                          value="99999")  # fmt: skip
    for i, score in enumerate((0.99, 0.97, 0.9, 0.96, 0.99, 0.995)):
        for field in ("rrn", "name", "ksic_code"):
            create_quality_score(settings, batch_id=f"ei_events-{i}", field=field,
                                 score=score if field == "rrn" else 1.0,
                                 measured_at=just_now - timedelta(days=6 - i))  # fmt: skip
    write_small_lake(settings)
    write_person_linkage(settings)
    write_linkage_evaluation(settings)
    run_consistency(settings, now=NOW)


@pytest.mark.e2e
def test_steward_pages_in_chromium(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    settings = migrated(settings)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/lake")
        page.wait_for_url("**/sign-in?next=/lake")  # the lake pages are for data stewards
        _, token = staff_session(settings)
        page.context.add_cookies([{"name": "ilteo_session", "value": token, "url": url}])
        page.goto(f"{url}/lake")
        assert page.get_by_role("heading", name="아직 적재된 데이터가 없습니다").count() == 1
        assert_accessible(page, "/lake (empty)")
        page.screenshot(path=str(ARTIFACTS / "lake-empty.png"), full_page=True)

        fill(settings)
        for path, heading in PAGES:
            page.goto(f"{url}{path}")
            assert page.locator("html").get_attribute("lang") == "ko"
            assert heading in page.get_by_role("heading", level=1).inner_text()
            nav = page.get_by_role("navigation", name="데이터 레이크 메뉴")
            assert nav.get_by_role("link").count() == 8
            assert_accessible(page, path)
        page.goto(f"{url}/lake/quality?source=ei_events")
        trend = page.get_by_role("img", name="최근 6회 측정 평균 점수", exact=False)
        assert trend.count() >= 1
        assert_accessible(page, "/lake/quality?source=ei_events")
        page.screenshot(path=str(ARTIFACTS / "lake-quality.png"), full_page=True)

        page.goto(f"{url}/lake/sources")
        page.screenshot(path=str(ARTIFACTS / "lake-sources.png"), full_page=True)
        page.goto(f"{url}/lake/report?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert_accessible(page, "/lake/report?lang=en")
        page.screenshot(path=str(ARTIFACTS / "lake-report-en.png"), full_page=False)
        page.close()
