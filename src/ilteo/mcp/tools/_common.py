"""What every tool module shares: registration, room errors as tool errors, who calls."""

from __future__ import annotations

import atexit
import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from ilteo.core.errors import IlteoError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.api_keys import BearerCache, has_scope
from ilteo.mcp.registry import spec

if TYPE_CHECKING:
    from ilteo.api.ratelimit import RateLimiter

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

#: Tools that only read published or aggregate data.
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


def call_room(function: Callable[[], _T]) -> _T:
    """Run a room call, turning expected room errors into tool errors a model can act on."""
    try:
        return function()
    except IlteoError as exc:
        raise ToolError(f"{exc.title_en} ({exc.code}): {exc.detail}") from exc


#: Environment variable holding the API key of the person running ``ilteo mcp`` over stdio.
API_KEY_ENV = "ILTEO_API_KEY"
_HOW = (
    "Create a key at /account/api-keys (or 'ilteo keys create'), then send it as "
    f"'Authorization: Bearer <key>' over HTTP or set {API_KEY_ENV} for 'ilteo mcp' over stdio."
)


def register_tool(
    server: MCPServer, name: str, *, title: str, description: str
) -> Callable[[_F], _F]:
    """``@server.tool`` for a tool of :data:`ilteo.mcp.registry.TOOLS`, read-only.

    The description gets the registry's access note (scope, roles, any deprecation), so what a
    model reads before calling always matches what :meth:`McpAuth.require` checks.

    Raises:
        KeyError: When ``name`` is not in the registry.
    """
    entry = spec(name)
    decorator: Callable[[_F], _F] = server.tool(
        name=name,
        title=title,
        description=description + entry.access_note(),
        annotations=READ_ONLY,
    )

    def logged(function: _F) -> _F:
        return decorator(_with_request_log(server, name, function))

    return logged


def _client_of(kwargs: dict[str, Any]) -> str:
    """The calling address of a tool call over HTTP (from its ``Context``), else ``stdio``."""
    for value in kwargs.values():
        if isinstance(value, Context):
            try:
                request = value.request_context.request
            except ValueError:
                return "stdio"
            client = getattr(request, "client", None)
            return str(client.host) if client else "stdio"
    return "stdio"


def _with_request_log(server: MCPServer, name: str, function: _F) -> _F:
    """``function``, logging each call to the status request log (route ``mcp:<name>``).

    The wrapper keeps the signature (``functools.wraps``), so the SDK sees the same parameters.
    A tool error is logged with status 400 (the caller's error, not a failure), any other
    exception with 500 (a failure).
    """
    from ilteo.status.logs import record_tool_call

    def finish(started: float, status: int, kwargs: dict[str, Any]) -> None:
        duration = (time.perf_counter() - started) * 1000.0
        record_tool_call(server, name, duration, status=status, client=_client_of(kwargs))

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def logged_async(*args: Any, **kwargs: Any) -> Any:
            started, status = time.perf_counter(), 500
            try:
                result = await function(*args, **kwargs)
                status = 200
                return result
            except ToolError:
                status = 400
                raise
            finally:
                finish(started, status, kwargs)

        return cast("_F", logged_async)

    @functools.wraps(function)
    def logged_sync(*args: Any, **kwargs: Any) -> Any:
        started, status = time.perf_counter(), 500
        try:
            result = function(*args, **kwargs)
            status = 200
            return result
        except ToolError:
            status = 400
            raise
        finally:
            finish(started, status, kwargs)

    return cast("_F", logged_sync)


class McpAuth:
    """Who calls an MCP tool: the account behind an API key, checked on every tool call.

    Every tool needs a key (or a linked OAuth access token) with the tool's scope, and lake tools
    also need an account with a data steward's role (:mod:`ilteo.mcp.registry`). Over HTTP no
    request reaches the server without a valid key at all (:mod:`ilteo.mcp.gate`); the tool list
    is published in the generated docs for developers who have no key yet.

    Over streamable HTTP the key is the request's ``Authorization: Bearer`` header (the SDK hands
    the Starlette request to tools as ``ctx.request_context.request``); a server-wide key would
    let every HTTP caller act as its owner, so an HTTP call never falls back to ``local_token``.
    Over stdio (and in process) there is no HTTP request: the process belongs to one person, and
    ``local_token`` is their key (``ilteo mcp`` reads it from :data:`API_KEY_ENV`, never from a
    command-line argument, which other users of the machine could see). Bearer tokens go through
    :func:`ilteo.identity.api_keys.resolve_bearer`, so an OAuth access token of a linked account
    works too.
    """

    def __init__(self, settings: Settings, local_token: str | None = None) -> None:
        """Check callers against the store of ``settings``; ``local_token`` serves stdio."""
        self.settings = settings
        self.local_token = local_token or None
        self._checked: BearerCache[_Caller] = BearerCache(settings.api_key_cache_seconds)
        self._own_limiter: RateLimiter | None = None

    def credentials(self, request: object | None) -> tuple[str | None, str]:
        """The bearer token and client address of a call: HTTP header, else the local key.

        Args:
            request: ``ctx.request_context.request``: the Starlette request over HTTP, ``None``
                over stdio or in process.
        """
        from starlette.requests import Request

        if isinstance(request, Request):
            scheme, _, value = request.headers.get("authorization", "").partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else None
            return token or None, request.client.host if request.client else "unknown"
        return self.local_token, "stdio"

    def require(self, ctx: Context[Any, Any] | None, tool: str) -> AccountPublic:
        """The calling account when its key has the tool's scope and role, within its limits.

        Refusals are audited (``mcp.refused`` without a key, ``mcp.forbidden`` for a missing
        scope or role; a bad key is audited by the identity room). A key checked a moment ago is
        remembered (:class:`~ilteo.identity.api_keys.BearerCache`, as for ``/v1``). Every
        admitted call counts against the key's per-minute limit and daily quota, shared with its
        ``/v1`` calls (:func:`ilteo.api.ratelimit.admit_caller`).

        Raises:
            ToolError: With what to do next, for a missing, invalid, expired or revoked key, a key
                without the scope, an account without the role, or a limit used up (with the
                seconds to wait). The key is never echoed.
        """
        from ilteo.api.ratelimit import admit_caller, refusal_text

        entry = spec(tool)
        try:
            request = ctx.request_context.request if ctx is not None else None
        except ValueError:  # called outside a request (a direct call of the function)
            request = None
        token, client = self.credentials(request)
        if token is None:
            self._audit("mcp.refused", None, client, tool=tool, reason="missing")
            raise ToolError(
                f"'{tool}' needs an ilteo API key with the scope '{entry.scope}'. {_HOW}"
            )
        caller = self._caller(token, client)
        reason, message = None, ""  # the role first: a key with more scopes would not help
        if entry.roles and not set(caller.account.roles) & set(entry.roles):
            reason = "role"
            needed = " or ".join(entry.roles)
            message = f"'{tool}' needs the role {needed}; this key's account lacks it."
        elif not has_scope(caller.scopes, entry.scope):
            reason = "scope"
            message = (
                f"'{tool}' needs the scope '{entry.scope}'; this API key has only "
                f"{', '.join(repr(s) for s in caller.scopes)}. Create a key with "
                f"'{entry.scope}' at /account/api-keys."
            )
        if reason is not None:
            self._audit("mcp.forbidden", caller.account.id, client, tool=tool, reason=reason)
            raise ToolError(message)
        decision = admit_caller(
            self._limiter(request),
            key_id=caller.key_id,
            account_id=caller.account.id,
            rate=caller.rate,
            daily=caller.daily,
            client=client,
        )
        if not decision.admitted:
            raise ToolError(refusal_text(decision))
        return caller.account

    def _caller(self, token: str, client: str) -> _Caller:
        """Who ``token`` stands for (remembered a few seconds); a tool error when refused."""
        from ilteo.core.db import session_scope
        from ilteo.identity.accounts import to_public
        from ilteo.identity.api_keys import resolve_bearer

        remembered = self._checked.get(token)
        if remembered is not None:
            return remembered
        with session_scope(self.settings) as session:  # the refusal's audit entry commits here
            found = resolve_bearer(session, self.settings, token, client=client)
            caller = None
            if found is not None:
                caller = _Caller(
                    to_public(session, found.account),
                    found.key_id,
                    found.scopes,
                    found.rate_per_minute,
                    found.daily_quota,
                )
        if caller is None:
            raise ToolError(f"The API key was refused (invalid, expired or revoked). {_HOW}")
        if found is not None and found.method == "api_key":
            self._checked.put(token, caller, expires_at=found.expires_at)
        return caller

    def _audit(self, event: str, account_id: str | None, client: str, **detail: Any) -> None:
        from ilteo.core.db import session_scope
        from ilteo.identity.accounts import record_audit

        with session_scope(self.settings) as session:
            record_audit(session, event, account_id=account_id, client=client, **detail)

    def _limiter(self, request: object | None) -> RateLimiter:
        """The server's limiter over HTTP (shared with ``/v1``); this process's own over stdio."""
        from starlette.requests import Request

        if isinstance(request, Request):
            shared = getattr(request.app.state, "rate_limiter", None)
            if shared is not None:
                return cast("RateLimiter", shared)
        if self._own_limiter is None:
            from ilteo.api.ratelimit import RateLimiter

            self._own_limiter = RateLimiter(self.settings)
            atexit.register(self._own_limiter.usage.flush)  # the last counts of a stdio session
        return self._own_limiter


@dataclass(frozen=True, slots=True)
class _Caller:
    """A checked MCP caller: the account, and the key's scopes and limits (``None``: defaults)."""

    account: AccountPublic
    key_id: str | None
    scopes: tuple[str, ...]
    rate: int | None
    daily: int | None
