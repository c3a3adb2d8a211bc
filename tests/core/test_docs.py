"""Every setting is documented (a new setting without a line in docs/settings.md fails)."""

from pathlib import Path

import pytest

from ilteo.core.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_setting_is_documented(field: str) -> None:
    assert f"`ILTEO_{field.upper()}`" in DOCS.read_text(encoding="utf-8")
