"""The service-menu map: every route and MCP tool of ilteo belongs to one named service menu.

The map is written in ``menus.yaml`` next to this module (Korean and English names, audience,
whether the public status page shows the menu, an optional synthetic probe, and the routes and
tools of the menu). Request logs, rollups, probes and the status page all speak in menu ids.
A route or tool without a menu is an error (:class:`UnknownRouteError`,
:class:`UnknownToolError`), never a silent default; ``tests/status/test_menus.py`` checks that
every route of the app and every MCP tool has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

#: The file the map is read from.
MENUS_FILE: Final[Path] = Path(__file__).with_name("menus.yaml")
#: Who a menu serves.
AUDIENCES: Final[frozenset[str]] = frozenset({"public", "staff", "ops"})
_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_METHODS: Final[frozenset[str]] = frozenset(
    {"*", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
)


class UnknownMenuError(KeyError):
    """No menu has this id."""


class UnknownRouteError(KeyError):
    """A route that belongs to no menu (add it to ``ilteo/status/menus.yaml``)."""


class UnknownToolError(KeyError):
    """An MCP tool that belongs to no menu (add it to ``ilteo/status/menus.yaml``)."""


@dataclass(frozen=True)
class Menu:
    """One service menu.

    Attributes:
        id: The stable kebab-case id (rollups and incidents are stored by it).
        name_ko: The Korean name.
        name_en: The English name.
        audience: ``public``, ``staff`` or ``ops``.
        public: Shown on the public status page.
        probe: A GET path (with its query) answered without login, requested by the probe.
        routes: ``(METHOD, /path/template)`` pairs; ``*`` matches any method.
        tools: The MCP tools that mirror this menu's functions.
    """

    id: str
    name_ko: str
    name_en: str
    audience: str
    public: bool
    probe: str | None
    routes: tuple[tuple[str, str], ...]
    tools: tuple[str, ...]

    def name(self, lang: str = "ko") -> str:
        """The name in ``lang`` (``ko`` or ``en``)."""
        return self.name_en if lang == "en" else self.name_ko


def _parse_route(menu_id: str, entry: Any) -> tuple[str, str]:
    parts = str(entry).split()
    if len(parts) != 2 or parts[0] not in _METHODS or not parts[1].startswith("/"):
        raise ValueError(f"menu {menu_id}: route {entry!r} is not 'METHOD /path/template'")
    return parts[0], parts[1]


def _parse_menu(raw: dict[str, Any]) -> Menu:
    menu_id = str(raw.get("id", ""))
    if not _ID.match(menu_id):
        raise ValueError(f"menu id {menu_id!r} is not kebab-case")
    audience = str(raw.get("audience", ""))
    if audience not in AUDIENCES:
        raise ValueError(f"menu {menu_id}: audience {audience!r} not in {sorted(AUDIENCES)}")
    probe = raw.get("probe")
    if probe is not None and not str(probe).startswith("/"):
        raise ValueError(f"menu {menu_id}: probe {probe!r} is not a path")
    return Menu(
        id=menu_id,
        name_ko=str(raw.get("name_ko") or ""),
        name_en=str(raw.get("name_en") or ""),
        audience=audience,
        public=bool(raw.get("public", False)),
        probe=str(probe) if probe is not None else None,
        routes=tuple(_parse_route(menu_id, entry) for entry in raw.get("routes") or ()),
        tools=tuple(str(tool) for tool in raw.get("tools") or ()),
    )


def load_menus(path: Path = MENUS_FILE) -> tuple[Menu, ...]:
    """Read and check the map: unique ids, and each route and tool in one menu only."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    menus = tuple(_parse_menu(raw) for raw in data.get("menus") or ())
    seen_ids: set[str] = set()
    seen_routes: dict[tuple[str, str], str] = {}
    seen_tools: dict[str, str] = {}
    for menu in menus:
        if menu.id in seen_ids:
            raise ValueError(f"menu id {menu.id} appears twice")
        seen_ids.add(menu.id)
        for route in menu.routes:
            if route in seen_routes:
                raise ValueError(f"route {route} is in {seen_routes[route]} and {menu.id}")
            seen_routes[route] = menu.id
        for tool in menu.tools:
            if tool in seen_tools:
                raise ValueError(f"tool {tool} is in {seen_tools[tool]} and {menu.id}")
            seen_tools[tool] = menu.id
    return menus


#: Every menu, in the order of the file (the order of the status page).
MENUS: Final[tuple[Menu, ...]] = load_menus()
_BY_ID: Final[dict[str, Menu]] = {menu.id: menu for menu in MENUS}
_BY_ROUTE: Final[dict[tuple[str, str], str]] = {
    route: menu.id for menu in MENUS for route in menu.routes
}
_BY_TOOL: Final[dict[str, str]] = {tool: menu.id for menu in MENUS for tool in menu.tools}


def get_menu(menu_id: str) -> Menu:
    """The menu with ``menu_id``.

    Raises:
        UnknownMenuError: No menu has that id.
    """
    try:
        return _BY_ID[menu_id]
    except KeyError:
        raise UnknownMenuError(f"no service menu {menu_id!r} in ilteo/status/menus.yaml") from None


def public_menus() -> tuple[Menu, ...]:
    """The menus shown on the public status page, in page order."""
    return tuple(menu for menu in MENUS if menu.public)


@lru_cache(maxsize=4096)
def menu_for_route(method: str, path_template: str) -> str:
    """The menu id of a route (``HEAD`` follows ``GET``; a ``*`` entry matches any method).

    Args:
        method: The HTTP method.
        path_template: The route's path template (``/v1/x/{id}``), never a raw path.

    Raises:
        UnknownRouteError: The route belongs to no menu.
    """
    method = method.upper()
    if method == "HEAD":
        method = "GET"
    found = _BY_ROUTE.get((method, path_template)) or _BY_ROUTE.get(("*", path_template))
    if found is None:
        raise UnknownRouteError(
            f"route {method} {path_template} has no service menu: add it to ilteo/status/menus.yaml"
        )
    return found


def menu_for_tool(name: str) -> str:
    """The menu id of an MCP tool.

    Raises:
        UnknownToolError: The tool belongs to no menu.
    """
    found = _BY_TOOL.get(name)
    if found is None:
        raise UnknownToolError(
            f"MCP tool {name} has no service menu: add it to ilteo/status/menus.yaml"
        )
    return found


def menu_for_path(path_template: str) -> str | None:
    """The menu of any route with this path template, whatever its method (``None``: none)."""
    for (_method, path), menu_id in _BY_ROUTE.items():
        if path == path_template:
            return menu_id
    return None
