"""Golden files: the OpenAPI document and the MCP tool list are part of the contract.

A change to either (a new endpoint, a renamed parameter, a reworded tool description) fails here
until the golden file is regenerated and reviewed with the change:

    ILTEO_UPDATE_GOLDEN=1 uv run pytest tests/golden

With ``ILTEO_UPDATE_GOLDEN=1`` a differing file is rewritten and the test fails once saying so
(run it again: it passes, and ``git diff tests/golden`` shows what changed). An unchanged file
passes. When ``CI`` is set, updating is refused: CI only compares.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ilteo.core.settings import Settings

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parents[1]
UPDATE_VARIABLE = "ILTEO_UPDATE_GOLDEN"
REGENERATE = f"{UPDATE_VARIABLE}=1 uv run pytest tests/golden"
MAX_DIFF_LINES = 80


def _build_docs() -> ModuleType:
    """``scripts/build_docs.py``, which owns the canonical document and tool list."""
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs = _build_docs()


def readable_diff(expected: str, actual: str, name: str) -> str:
    """The first :data:`MAX_DIFF_LINES` lines of a unified diff, golden file first."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(),
            actual.splitlines(),
            fromfile=f"tests/golden/{name} (golden)",
            tofile=f"{name} (the app now)",
            lineterm="",
        )
    )
    shown = lines[:MAX_DIFF_LINES]
    if len(lines) > MAX_DIFF_LINES:
        shown.append(f"... {len(lines) - MAX_DIFF_LINES} more diff lines")
    return "\n".join(shown)


def check_golden(path: Path, value: Any, environ: dict[str, str] | None = None) -> None:
    """Compare ``value`` (as canonical JSON) with the golden file at ``path``.

    Fails with a unified diff and the command that regenerates the file; with
    ``ILTEO_UPDATE_GOLDEN=1`` (refused when ``CI`` is set) rewrites it and fails once saying so.
    """
    env = os.environ if environ is None else environ
    actual = build_docs.canonical_json(value)
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual == expected:
        return
    if env.get(UPDATE_VARIABLE) == "1":
        if env.get("CI"):
            pytest.fail(
                f"{UPDATE_VARIABLE} is refused when CI is set: CI only compares golden files"
            )
        path.write_text(actual, encoding="utf-8")
        pytest.fail(
            f"rewrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}; "
            "review it with `git diff tests/golden` and run the tests again"
        )
    what = "is missing" if not expected else "differs from the app"
    pytest.fail(
        f"{path.name} {what}. If the change is intended, regenerate the golden files with\n"
        f"    {REGENERATE}\nand commit them with the change.\n\n"
        f"{readable_diff(expected, actual, path.name)}",
        pytrace=False,
    )


def test_openapi_document_matches_golden_file(settings: Settings) -> None:
    check_golden(GOLDEN / "openapi.json", build_docs.openapi_document(settings))


def test_mcp_tool_list_matches_golden_file(settings: Settings) -> None:
    tools = build_docs.mcp_tool_list(settings)
    assert {"search_occupations", "get_occupation"} <= {tool["name"] for tool in tools}
    assert all(set(tool) <= set(build_docs.TOOL_FIELDS) for tool in tools)
    check_golden(GOLDEN / "mcp_tools.json", tools)


# --- the mechanism itself, on a scratch file ---------------------------------------------------


def test_a_difference_fails_with_a_diff_and_the_command(tmp_path: Path) -> None:
    golden = tmp_path / "thing.json"
    golden.write_text(build_docs.canonical_json({"a": 1, "b": "가"}), encoding="utf-8")
    check_golden(golden, {"b": "가", "a": 1}, environ={})  # key order does not matter
    with pytest.raises(pytest.fail.Exception) as failed:
        check_golden(golden, {"a": 2, "b": "가"}, environ={})
    message = str(failed.value)
    assert REGENERATE in message
    assert '-  "a": 1,' in message
    assert '+  "a": 2,' in message
    assert golden.read_text(encoding="utf-8") == build_docs.canonical_json({"a": 1, "b": "가"})


def test_a_long_diff_is_cut(tmp_path: Path) -> None:
    golden = tmp_path / "long.json"
    golden.write_text(build_docs.canonical_json(list(range(200))), encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as failed:
        check_golden(golden, list(range(1000, 1200)), environ={})
    assert "more diff lines" in str(failed.value)
    assert str(failed.value).count("\n+  ") < MAX_DIFF_LINES


def test_update_rewrites_then_passes(tmp_path: Path) -> None:
    golden = tmp_path / "new.json"
    env = {UPDATE_VARIABLE: "1"}
    with pytest.raises(pytest.fail.Exception, match="rewrote"):
        check_golden(golden, {"가": [1, 2]}, environ=env)
    assert golden.read_text(encoding="utf-8") == '{\n  "가": [\n    1,\n    2\n  ]\n}\n'
    check_golden(golden, {"가": [1, 2]}, environ=env)  # unchanged now: passes
    check_golden(golden, {"가": [1, 2]}, environ={})


def test_update_is_refused_in_ci(tmp_path: Path) -> None:
    golden = tmp_path / "ci.json"
    golden.write_text("{}\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="refused"):
        check_golden(golden, {"x": 1}, environ={UPDATE_VARIABLE: "1", "CI": "true"})
    assert golden.read_text(encoding="utf-8") == "{}\n"
