"""The service-menu map: every route and MCP tool belongs to a named menu, and nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path

from ilteo.api import create_app
from ilteo.api.access import PUBLIC_ROUTES
from ilteo.core.settings import Settings
from ilteo.mcp.registry import TOOLS
from ilteo.status.menus import (
    MENUS,
    UnknownMenuError,
    UnknownRouteError,
    UnknownToolError,
    get_menu,
    load_menus,
    menu_for_route,
    menu_for_tool,
    public_menus,
)


def _entries(app: FastAPI) -> set[tuple[str, str]]:
    entries: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        assert route.path
        if isinstance(route.original_route, Mount):
            entries.add(("GET", route.path))
            continue
        methods = (route.methods or set()) - {"HEAD"}
        entries |= {(m, route.path) for m in methods} if methods else {("*", route.path)}
    return entries


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """Every ``(METHOD, template)`` of the development app."""
    return _entries(create_app(Settings(env="dev", home=tmp_path_factory.mktemp("menus"))))


def test_every_route_has_a_menu(served: set[tuple[str, str]]) -> None:
    missing = []
    for method, path in sorted(served):
        try:
            get_menu(menu_for_route(method, path))
        except UnknownRouteError:
            missing.append(f"{method} {path}")
    assert not missing, f"routes without a service menu (add to menus.yaml): {missing}"


def test_every_mapped_route_exists(served: set[tuple[str, str]]) -> None:
    mapped = {route for menu in MENUS for route in menu.routes}
    gone = sorted(mapped - served)
    assert not gone, f"menus.yaml maps routes the app does not serve: {gone}"


def test_every_mcp_tool_has_a_menu_and_mapped_tools_exist() -> None:
    names = {tool.name for tool in TOOLS}
    missing = sorted(name for name in names if name not in {t for m in MENUS for t in m.tools})
    assert not missing, f"MCP tools without a service menu (add to menus.yaml): {missing}"
    mapped = {tool for menu in MENUS for tool in menu.tools}
    assert not sorted(mapped - names), "menus.yaml maps unknown MCP tools"
    assert menu_for_tool("search_occupations") == "reference-search"
    assert menu_for_tool("get_lake_batch") == "lake-steward"


def test_menu_ids_names_and_audiences() -> None:
    ids = [menu.id for menu in MENUS]
    assert len(ids) == len(set(ids))
    for menu_id in ("home", "reference-search", "open-mcp", "service-status", "ops"):
        assert get_menu(menu_id).id == menu_id
    for menu in public_menus():
        assert menu.audience == "public"
        assert menu.name_ko.strip(), menu.id
        assert menu.name_en.strip(), menu.id
        assert any("\uac00" <= ch <= "\ud7a3" for ch in menu.name_ko), f"{menu.id}: not Korean"
        assert menu.name("en") == menu.name_en
    assert {m.id for m in public_menus()} >= {"home", "reference-search", "service-status"}
    assert not get_menu("lake-steward").public
    assert not get_menu("ops").public


def test_probes_are_public_get_routes() -> None:
    public_get = [path for method, path in PUBLIC_ROUTES if method == "GET"]
    for menu in MENUS:
        if menu.probe is None:
            continue
        path = urlsplit(menu.probe).path
        matching = [t for t in public_get if compile_path(t)[0].match(path)]
        assert matching, f"{menu.id}: probe {menu.probe} is not a public GET route"
        assert all(menu_for_route("GET", t) == menu.id for t in matching), menu.id


def test_unknown_names_are_errors_not_defaults() -> None:
    with pytest.raises(UnknownRouteError, match=r"GET /nowhere/\{x\}"):
        menu_for_route("GET", "/nowhere/{x}")
    with pytest.raises(UnknownRouteError):
        menu_for_route("DELETE", "/healthz")  # a known path, not with that method
    with pytest.raises(UnknownToolError, match="no_such_tool"):
        menu_for_tool("no_such_tool")
    with pytest.raises(UnknownMenuError):
        get_menu("no-such-menu")
    assert isinstance(UnknownRouteError("x"), KeyError)
    assert menu_for_route("HEAD", "/healthz") == "ops"  # HEAD follows GET
    assert menu_for_route("POST", "/mcp") == "open-mcp"  # '*' matches any method


def test_map_errors_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "menus.yaml"
    twice = "  - {id: a, name_ko: 가, name_en: A, audience: public, routes: ['GET /x']}\n"
    bad.write_text("menus:\n" + twice + twice.replace("id: a", "id: b"), encoding="utf-8")
    with pytest.raises(ValueError, match="GET"):
        load_menus(bad)
    bad.write_text("menus:\n  - {id: Not_Kebab, audience: public}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kebab"):
        load_menus(bad)
    bad.write_text("menus:\n  - {id: a, audience: everyone}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="audience"):
        load_menus(bad)
