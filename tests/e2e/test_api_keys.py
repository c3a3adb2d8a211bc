"""A signed-in person makes, uses and revokes an API key by keyboard; axe-core checks each page."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to
from tests.identity.factories import staff_session

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.mark.e2e
def test_make_use_and_revoke_a_key_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    with serve(settings) as url:
        _, token = staff_session(settings)
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.context.add_cookies([{"name": "ilteo_session", "value": token, "url": url}])
        page.goto(f"{url}/account")
        tab_to(page, "api-keys-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/account/api-keys")
        assert page.get_by_role("heading", name="API 키", exact=True).count() == 1
        assert_accessible(page, "/account/api-keys (empty)")

        tab_to(page, "key-name")
        page.keyboard.type("내 노트북")
        tab_to(page, "create-key")
        page.keyboard.press("Enter")
        page.wait_for_selector("#new-key")
        key = page.input_value("#new-key")
        assert key.startswith("ilteo_")
        assert_accessible(page, "/account/api-keys (new key shown once)")

        me = httpx.get(f"{url}/v1/lake/catalog", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200

        page.get_by_role("button", name="내 노트북 키 폐기").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=폐기됨")
        assert_accessible(page, "/account/api-keys (revoked)")
        refused = httpx.get(f"{url}/v1/lake/catalog", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 401
