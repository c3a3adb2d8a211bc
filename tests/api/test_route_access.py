"""Every route is public by the written list in ``ilteo.api.access`` or requires authentication.

A new route that is in neither fails here, so nothing goes live unprotected by accident; a listed
route that no longer exists fails too, so the list stays true.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Mount

from ilteo.api import create_app
from ilteo.api.access import KEY_GATED_ROUTES, PROTECTING_DEPENDENCIES, PUBLIC_ROUTES
from ilteo.core.settings import Settings
from ilteo.mcp.gate import BearerGate

#: Methods Starlette adds by itself (HEAD for every GET); they follow their GET.
_IMPLICIT = {"HEAD"}


def _routes(app: FastAPI) -> list[RouteContext]:
    # FastAPI includes routers lazily; this walks them to the effective routes with full paths.
    return list(iter_route_contexts(app.routes))


def _entries(route: RouteContext) -> set[tuple[str, str]]:
    assert route.path, f"route without a path: {route!r}"
    if isinstance(route.original_route, Mount):
        return {("GET", route.path)}
    methods = (route.methods or set()) - _IMPLICIT
    return {(method, route.path) for method in methods} if methods else {("*", route.path)}


def _protected(route: RouteContext) -> bool:
    if isinstance(getattr(route.original_route, "endpoint", None), BearerGate):
        return all(entry in KEY_GATED_ROUTES for entry in _entries(route))
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return False
    names = {getattr(dep.call, "__name__", "") for dep in dependant.dependencies}
    return bool(names & PROTECTING_DEPENDENCIES)


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(env="dev", home=tmp_path))


def test_every_route_is_public_by_list_or_protected(tmp_path: Path) -> None:
    unlisted = sorted(
        entry
        for route in _routes(_app(tmp_path))
        if not _protected(route)
        for entry in _entries(route)
        if entry not in PUBLIC_ROUTES
    )
    assert not unlisted, f"add to ilteo.api.access.PUBLIC_ROUTES or protect: {unlisted}"


def test_public_list_names_only_existing_routes(tmp_path: Path) -> None:
    served = {entry for route in _routes(_app(tmp_path)) for entry in _entries(route)}
    assert sorted(PUBLIC_ROUTES - served) == []


def test_key_gated_routes_are_gated(tmp_path: Path) -> None:
    gated = {
        entry
        for route in _routes(_app(tmp_path))
        if isinstance(getattr(route.original_route, "endpoint", None), BearerGate)
        for entry in _entries(route)
    }
    assert gated == KEY_GATED_ROUTES
