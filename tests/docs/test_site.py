"""The docs site builds from code (``scripts/build_docs.py``) and its reference is complete.

Every operation id of the app and every MCP tool name (as the official SDK client lists them)
appears in the generated reference; the built HTML loads no script or stylesheet from another
host; Korean text survives as UTF-8; the examples page shows the tested example files verbatim.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.mcp import create_server
from mcp import Client

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The work folder of one full build: ``docs/`` (staged pages) and ``site/`` (HTML)."""
    work = tmp_path_factory.mktemp("docs-build")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--work-dir", str(work)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return work


def _tool_names(settings: Settings) -> set[str]:
    names: set[str] = set()

    async def main() -> None:
        async with Client(create_server(settings)) as client:
            names.update(tool.name for tool in (await client.list_tools()).tools)

    anyio.run(main)
    return names


def test_reference_lists_every_operation(built: Path, settings: Settings) -> None:
    pages = "\n".join(
        p.read_text(encoding="utf-8") for p in (built / "docs" / "reference").glob("api-*.md")
    )
    document = create_app(settings).openapi()
    operations = [
        (method.upper(), path, operation["operationId"])
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert operations
    missing = [
        op for op in operations if f"`{op[0]} {op[1]}`" not in pages or f"`{op[2]}`" not in pages
    ]
    assert missing == []
    tags = {
        tag
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for op in item.values()
        for tag in op.get("tags", ["other"])
    }
    for tag in tags:
        assert (built / "site" / "reference" / f"api-{tag}.html").is_file(), tag


def test_reference_lists_every_mcp_tool(built: Path, settings: Settings) -> None:
    page = (built / "docs" / "reference" / "mcp-tools.md").read_text(encoding="utf-8")
    names = _tool_names(settings)
    assert {"search_occupations", "get_occupation"} <= names
    assert [name for name in sorted(names) if f"## `{name}`" not in page] == []
    html = (built / "site" / "reference" / "mcp-tools.html").read_text(encoding="utf-8")
    assert all(name in html for name in names)


def test_site_loads_nothing_from_other_hosts(built: Path) -> None:
    pages = list((built / "site").rglob("*.html"))
    assert len(pages) > 10
    offenders = {
        str(page.relative_to(built / "site")): EXTERNAL.findall(page.read_text(encoding="utf-8"))
        for page in pages
    }
    assert {page: found for page, found in offenders.items() if found} == {}
    assert EXTERNAL.search('<script src="https://cdn.example/x.js">')  # the check can fail


def test_korean_renders_as_utf8(built: Path) -> None:
    home = (built / "site" / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in home.lower()
    assert "일터" in home
    reference = (built / "site" / "reference" / "api-reference.html").read_text(encoding="utf-8")
    assert "직업 검색" in reference


def test_examples_page_shows_the_tested_files(built: Path) -> None:
    page = (built / "docs" / "examples" / "index.md").read_text(encoding="utf-8")
    for name in ("curl.sh", "httpx_example.py", "mcp_client.py"):
        text = (ROOT / "docs" / "examples" / name).read_text(encoding="utf-8").rstrip("\n")
        assert text in page, name
        assert (built / "site" / "examples" / name).is_file()  # downloadable as well
