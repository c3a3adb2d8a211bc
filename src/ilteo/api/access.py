"""Who may call what: the written list of public routes.

Every route the app serves must either be listed here as public or require authentication through
one of :data:`PROTECTING_DEPENDENCIES`; ``tests/api/test_route_access.py`` fails for any other
route, so a new endpoint cannot go live unprotected by accident. Today nothing is protected (the
one-ID service comes later): everything served is reference data, documentation, or the open MCP
endpoint, and is listed as public deliberately.

Entries are ``(method, path)`` with the route's path template. Mounted apps (``/static``) are
listed with ``GET``; routes that accept every method (the MCP transport) with ``*``.
"""

from __future__ import annotations

from typing import Final

PUBLIC_ROUTES: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        # liveness and documentation
        ("GET", "/healthz"),
        ("GET", "/v1/openapi.json"),
        ("GET", "/v1/docs"),
        # reference data (public statistics classifications and published indices)
        ("GET", "/v1/reference/occupations"),
        ("GET", "/v1/reference/occupations/{system}/{code}"),
        ("GET", "/v1/reference/industries"),
        ("GET", "/v1/reference/industries/{revision}/{code}"),
        ("GET", "/v1/reference/datasets"),
        # the lake, read-only: declarations, ledger counts, quality and linkage figures, the
        # catalogue and the report. No row of a person leaves through these (quarantined values
        # are masked). Staff pages move behind staff roles with the one-ID service.
        ("GET", "/v1/lake/sources"),
        ("GET", "/v1/lake/batches"),
        ("GET", "/v1/lake/batches/{batch_id}"),
        ("GET", "/v1/lake/catalog"),
        ("GET", "/v1/lake/catalog.jsonld"),
        ("GET", "/v1/lake/catalog/{dataset_id}"),
        ("GET", "/v1/lake/quality"),
        ("GET", "/v1/lake/quality/alerts"),
        ("GET", "/v1/lake/quarantine"),
        ("GET", "/v1/lake/linkage"),
        ("GET", "/v1/lake/report"),
        # Open MCP (streamable HTTP; GET, POST and DELETE on one path)
        ("*", "/mcp"),
        # web pages and their static files
        ("GET", "/"),
        ("GET", "/reference"),
        ("GET", "/reference/occupations/{system}/{code}"),
        ("GET", "/reference/industries/{revision}/{code}"),
        ("GET", "/reference/datasets"),
        ("GET", "/lake"),
        ("GET", "/lake/sources"),
        ("GET", "/lake/batches"),
        ("GET", "/lake/quarantine"),
        ("GET", "/lake/linkage"),
        ("GET", "/lake/linkage/charts/{name}"),
        ("GET", "/lake/quality"),
        ("GET", "/lake/catalog"),
        ("GET", "/lake/catalog/{dataset_id}"),
        ("GET", "/lake/report"),
        ("GET", "/static"),
    }
)

#: Names of dependencies that make a route require authentication (see ``ilteo.api.security``).
PROTECTING_DEPENDENCIES: Final[frozenset[str]] = frozenset({"require_source_system"})
