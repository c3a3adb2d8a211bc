"""Who may call what: the written list of public routes.

Every route the app serves must either be listed here as public or require authentication through
one of :data:`PROTECTING_DEPENDENCIES`; ``tests/api/test_route_access.py`` fails for any other
route, so a new endpoint cannot go live unprotected by accident. Reference data, documentation,
the open MCP endpoint, the home page and signing in and out are public deliberately; the lake's
steward pages and ``/v1/lake`` read endpoints need a data steward (``require_staff``), live
ingestion a source-system token (``require_source_system``).

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
        # Open MCP (streamable HTTP; GET, POST and DELETE on one path)
        ("*", "/mcp"),
        # web pages and their static files
        ("GET", "/"),
        ("GET", "/reference"),
        ("GET", "/reference/occupations/{system}/{code}"),
        ("GET", "/reference/industries/{revision}/{code}"),
        ("GET", "/reference/datasets"),
        ("GET", "/static"),
        # signing in and out: open to anyone by nature (CSRF-checked, throttled; see identity)
        ("GET", "/sign-in"),
        ("POST", "/sign-in"),
        ("POST", "/sign-in/totp"),
        ("POST", "/sign-out"),
    }
)

#: Names of dependencies that make a route require authentication (see ``ilteo.api.security``).
PROTECTING_DEPENDENCIES: Final[frozenset[str]] = frozenset(
    {"require_source_system", "require_account", "require_staff"}
)
