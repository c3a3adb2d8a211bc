"""Who may call what: the written list of public routes.

Every route the app serves must either be listed here as public or require authentication through
one of :data:`PROTECTING_DEPENDENCIES`; ``tests/api/test_route_access.py`` fails for any other
route, so a new endpoint cannot go live unprotected by accident. Reference data, documentation,
the home page and signing in and out are public deliberately; the lake's
steward pages and ``/v1/lake`` read endpoints need a data steward (``require_staff``), live
ingestion a source-system token (``require_source_system``).

"Signed in" means a session cookie or a personal API key (``Authorization: Bearer ilteo_…``,
resolved by ``current_account``; on ``/v1`` a bearer wins over a cookie). The MCP transport
``/mcp`` is a plain ASGI route without FastAPI dependencies: it is in :data:`KEY_GATED_ROUTES`,
wrapped by :class:`ilteo.mcp.gate.BearerGate` (401 without a valid API key or OAuth token); each
tool call then checks the key's scope, role and limits (``ilteo.mcp.tools._common.McpAuth``).

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
        # AI impact monitoring: public aggregates (exposure, crosswalk, suppressed indicators)
        ("GET", "/v1/monitor/exposure"),
        ("GET", "/v1/monitor/exposure/{code}"),
        ("GET", "/v1/monitor/crosswalk"),
        ("GET", "/v1/monitor/crosswalk.csv"),
        ("GET", "/v1/monitor/indicators"),
        ("GET", "/v1/monitor/alerts"),
        ("GET", "/v1/monitor/high-risk-groups"),
        ("GET", "/monitor/crosswalk"),
        ("GET", "/monitor/exposure/{code}"),
        # AI impact monitoring dashboard (ilteo.web.views.monitor): public aggregates only
        ("GET", "/monitor"),
        ("GET", "/monitor/occupations"),
        ("GET", "/monitor/occupations/{ksco}"),
        ("GET", "/monitor/regions"),
        ("GET", "/monitor/alerts"),
        ("GET", "/monitor/spec/{name}.vl.json"),
        # transition and training pathways: by occupation code or skill names, no personal data
        ("GET", "/v1/pathways/recommendations"),
        ("GET", "/v1/pathways/courses"),
        # benefits rules: computed from what the caller sends, nothing stored (public calculators)
        ("POST", "/v1/benefits/check"),
        ("POST", "/v1/benefits/calculate"),
        ("POST", "/v1/benefits/trace"),
        ("GET", "/v1/benefits/variables"),
        # the benefits check page (ilteo.web.views.benefits): the form and its CSRF-checked POST;
        # nothing stored, the answers travel in the POST body (never in a logged URL)
        ("GET", "/benefits/check"),
        ("POST", "/benefits/check"),
        # pathways pages (ilteo.web.views.pathways): the form and the plan of an occupation code
        ("GET", "/pathways"),
        ("GET", "/pathways/occupations/{code}"),
        # the one window's citizen pages (ilteo.web.views.desk): an inquiry needs no sign-in;
        # a complaint's steps redirect to sign-in inside the view, and a request's page shows
        # only what intake.status_of allows (an anonymous inquiry by its number, else the owner)
        ("GET", "/desk"),
        # the public industrial-safety summary (ilteo.web.views.safety): aggregates only, counts
        # under 5 suppressed, never a workplace
        ("GET", "/safety"),
        # industrial-accident risk (ilteo.api.routers.safety): public aggregates by province
        # (never a workplace, counts under 5 suppressed) and the risk model's card
        ("GET", "/v1/safety/summary"),
        ("GET", "/v1/safety/model"),
        ("GET", "/desk/new/{kind}/{step}"),
        ("POST", "/desk/new/{kind}/{step}"),
        ("POST", "/desk/new/{kind}/send"),
        ("GET", "/desk/requests/{number}"),
        ("GET", "/desk/status"),
        # public handling statistics of the one window (ilteo.web.views.desk_staff): aggregates
        # only, counts under 5 suppressed
        ("GET", "/desk/stats"),
        # the one window (ilteo.api.routers.desk): filing an inquiry needs no sign-in (a
        # complaint does: checked in the route, 401), the status of a request opens with its
        # number (an anonymous inquiry) or its account's sign-in; the taxonomy and the
        # timeliness statistics are open data (counts under 5 suppressed)
        ("POST", "/v1/desk/requests"),
        ("POST", "/v1/desk/requests/upload"),
        ("GET", "/v1/desk/requests/{number}"),
        ("GET", "/v1/desk/categories"),
        ("GET", "/v1/desk/stats"),
        ("GET", "/v1/desk/stats.csv"),
        # Open311 GeoReport v2 (ilteo.api.routers.open311): discovery, services and public rows
        # of requests filed with an account (category, state, office, deadline, district
        # only: never the text, contact, workplace or coordinates); an api_key adds the filer's
        # own masked text. {fmt} is json or xml; the catch-all answers unknown paths with a
        # GeoReport 404. Filing (POST requests.{fmt}) is guarded by require_open311_key.
        ("GET", "/open311/v2/discovery.{fmt}"),
        ("GET", "/open311/v2/services.{fmt}"),
        ("GET", "/open311/v2/services/{service_code}.{fmt}"),
        ("GET", "/open311/v2/requests.{fmt}"),
        ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"),
        ("GET", "/open311/v2/tokens/{token}.{fmt}"),
        ("GET", "/open311/v2/{rest:path}"),
        ("POST", "/open311/v2/{rest:path}"),
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
        # sign-in with a counter-issued one-time code, and account recovery by recovery code
        # (ilteo.web.views.counter): CSRF-checked, same lockout and throttle as sign-in, audited
        ("GET", "/sign-in/code"),
        ("POST", "/sign-in/code"),
        ("GET", "/recover"),
        ("POST", "/recover"),
        # sign-in by a code sent as a text or a voice call (ilteo.identity.phone): CSRF-checked,
        # the same answer for every login, rate-limited per account, throttled and audited
        ("GET", "/sign-in/phone"),
        ("POST", "/sign-in/phone"),
        ("POST", "/sign-in/phone/code"),
        # OpenID Connect sign-in (ilteo.identity.oidc): state-checked, CSRF-checked, audited
        ("GET", "/sign-in/oidc"),
        ("GET", "/sign-in/oidc/callback"),
        ("POST", "/sign-in/oidc/new"),
        # the development OpenID provider: mounted only in dev/test (ilteo.identity.dev_provider)
        ("GET", "/dev/oidc/.well-known/openid-configuration"),
        ("GET", "/dev/oidc/jwks"),
        ("GET", "/dev/oidc/authorize"),
        ("POST", "/dev/oidc/authorize"),
        ("POST", "/dev/oidc/token"),
        ("GET", "/dev/oidc/userinfo"),
        # passkey sign-in (WebAuthn): the page, its JSON options and the signed answer
        # (CSRF token in a header, client-throttled and audited; see ilteo.identity.passkeys)
        ("GET", "/sign-in/passkey"),
        ("POST", "/sign-in/passkey/options"),
        ("POST", "/sign-in/passkey"),
        # the public sign-in drop-off report: weekly counts only, counts below 5 banded
        ("GET", "/sign-in/report"),
        ("GET", "/v1/identity/sign-in-report"),
        # the public performance page of every service menu (ilteo.status): aggregates only
        ("GET", "/status"),
        ("GET", "/status/incidents/{incident_id}"),
        ("GET", "/status/incidents.atom"),
        ("GET", "/status/open-data.csv"),
        ("GET", "/v1/status"),
        ("GET", "/v1/status/incidents"),
        ("GET", "/v1/status/incidents/{incident_id}"),
        # real-user timing beacons from every page: bounded, validated, rate-limited per client,
        # never trusted for failures (ilteo.status.rum)
        ("POST", "/status/beacon"),
    }
)

#: Names of dependencies that make a route require authentication (see ``ilteo.api.security``).
PROTECTING_DEPENDENCIES: Final[frozenset[str]] = frozenset(
    {
        "require_source_system",
        "require_account",
        "require_staff",
        # GET /metrics: the scraper's bearer token or an administrator (ilteo.status.metrics)
        "require_metrics_reader",
        # POST /open311/v2/requests.{fmt}: the GeoReport api_key form field (api.routers.open311)
        "require_open311_key",
    }
)

#: Plain ASGI routes that answer only callers with a valid bearer key or token: their endpoint is
#: an :class:`ilteo.mcp.gate.BearerGate` (``tests/api/test_route_access.py`` checks it is).
KEY_GATED_ROUTES: Final[frozenset[tuple[str, str]]] = frozenset({("*", "/mcp")})
