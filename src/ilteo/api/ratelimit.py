"""Rate limits, daily quotas, scopes and usage per key for every ``/v1`` call.

One ASGI middleware (:class:`RateLimitMiddleware`) sits in front of the ``/v1`` routes:

1. **Who calls.** A bearer key or OAuth token, or a session cookie, is resolved once through
   :func:`ilteo.api.routers.identity.current_account` (the answer is cached on the request, so
   the route's own dependencies do not look it up again, and a checked API key is remembered by
   the process for ``settings.api_key_cache_seconds``: no store read per request). A bad,
   expired or revoked key is a 401 problem on every ``/v1`` route, public ones included.
   Without a key or session the caller is anonymous and counted per client address
   (``request.client.host``: run uvicorn with ``--proxy-headers`` behind a trusted proxy).
2. **Rate limit.** Requests per minute in fixed one-minute windows: per API key (the key's own
   ``rate_per_minute`` or ``settings.api_rate_per_minute``), per account for a session or an OAuth
   token, per address for anonymous callers (``settings.api_anonymous_rate_per_minute``). The
   counters live in this process: with N processes a caller may get up to N times the limit. That
   is the documented trade-off of this version; the production path for several processes is a
   shared counter (PostgreSQL ``INSERT ... ON CONFLICT DO UPDATE`` on a per-minute row, or Redis
   ``INCR`` + ``EXPIRE``) behind :class:`MinuteWindows`' two methods.
3. **Daily quota.** Requests per Asia/Seoul day per API key (the key's ``daily_quota`` or
   ``settings.api_daily_quota``). The day's count is the stored usage (read once per key and day,
   and again after each flush, so other processes' counts arrive) plus this process's unflushed
   requests.
4. **Scope.** A key with scopes may call ``/v1/<domain>/...`` only with ``<domain>:read`` (GET,
   HEAD) or ``<domain>:write`` (anything else) among them: otherwise 403 ``insufficient-scope``
   naming the scope. Sessions and OAuth tokens are limited by roles only.

MCP tool calls go through the same limits and quota (:func:`admit_caller`, called by
:class:`ilteo.mcp.tools._common.McpAuth`), in the same per-key bucket.

Every ``/v1`` response carries ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset``
(seconds) and ``RateLimit-Policy`` (IETF httpapi ``ratelimit-headers`` draft), for the limit
closest to exhaustion; a refusal is a 429 problem (``rate-limited`` or ``quota-exceeded``) with
``Retry-After``.

Usage per key per day (admitted and 429-refused requests) is kept in memory and added to
``identity_api_key_usage`` in batches (:class:`UsageBook`): after
``settings.api_usage_flush_requests`` requests, when ``settings.api_usage_flush_seconds`` have
passed, and at shutdown; never one write per request. A 429 writes no audit entry (it is counted
in the usage instead); the first quota exhaustion of a key per day and each scope refusal are
audited, written with the next flush.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ilteo.api.errors import problem
from ilteo.api.security import is_source_system_token
from ilteo.core.settings import Settings
from ilteo.identity.api_keys import SEOUL, has_scope, seoul_day

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
DAY_SECONDS = 86_400
#: ``/v1/<domain>/...`` routes need ``<domain>:read`` or ``<domain>:write`` on a scoped key.
SCOPED_DOMAINS = frozenset({"reference", "lake", "identity"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Clock = Callable[[], float]


def scope_for(method: str, path: str) -> str | None:
    """The scope a ``/v1`` route needs, or ``None`` (documentation routes).

    >>> scope_for("GET", "/v1/lake/sources"), scope_for("POST", "/v1/lake/sources/a/batches")
    ('lake:read', 'lake:write')
    >>> scope_for("GET", "/v1/openapi.json") is None
    True
    """
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[1] != "v1" or parts[2] not in SCOPED_DOMAINS:
        return None
    return f"{parts[2]}:{'read' if method.upper() in _READ_METHODS else 'write'}"


def enforced_scope(method: str, path: str) -> str | None:
    """The scope a key must hold, or ``None`` when no key scope governs the call.

    Only scopes a key can hold (:data:`ilteo.identity.api_keys.SCOPES`) are enforced: a write to a
    read-only domain is answered by the route itself (405 for a wrong method; the live
    ingestion endpoint by its source-system token), not by a 403 naming a scope nobody can get.

    >>> enforced_scope("GET", "/v1/lake/sources"), enforced_scope("POST", "/v1/reference/x")
    ('lake:read', None)
    """
    from ilteo.identity.api_keys import SCOPES

    needed = scope_for(method, path)
    return needed if needed in SCOPES else None


def is_source_system_call(method: str, path: str) -> bool:
    """Whether the call is live ingestion, whose bearer is a source system's token, not a person's.

    >>> is_source_system_call("POST", "/v1/lake/sources/job_seekers/batches")
    True
    >>> is_source_system_call("GET", "/v1/lake/sources/job_seekers/batches")
    False
    """
    parts = path.strip("/").split("/")
    return (
        method.upper() == "POST"
        and len(parts) == 5
        and parts[:3] == ["v1", "lake", "sources"]
        and parts[4] == "batches"
    )


def seconds_to_seoul_midnight(now: float) -> int:
    """Whole seconds until the next Asia/Seoul midnight (when daily quotas reset).

    >>> seconds_to_seoul_midnight(datetime(2026, 11, 21, 14, 59, 30, tzinfo=UTC).timestamp())
    30
    """
    local = datetime.fromtimestamp(now, SEOUL)
    since_midnight = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return max(1, math.ceil(DAY_SECONDS - since_midnight))


class MinuteWindows:
    """Fixed one-minute windows of request counts per bucket, in this process.

    Only the current window is kept: when the clock enters a new minute the old counts are
    dropped, so memory stays bounded by the callers of one minute.
    """

    def __init__(self) -> None:
        """Start with no counts."""
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, limit: int, now: float) -> tuple[bool, int, int]:
        """Count one request of ``bucket`` if it is under ``limit``.

        Returns:
            ``(admitted, remaining, seconds until the window resets)``.
        """
        window = int(now // WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            used = self._counts.get(bucket, 0)
            if used >= limit:
                return False, 0, reset
            self._counts[bucket] = used + 1
            return True, limit - used - 1, reset


@dataclass
class _Pending:
    requests: int = 0
    rejected: int = 0


@dataclass
class UsageBook:
    """Daily usage per API key: the stored count plus this process's unflushed counts."""

    settings: Settings
    stored: dict[tuple[str, date], int] = field(default_factory=dict)
    pending: dict[tuple[str, date], _Pending] = field(default_factory=dict)
    audits: list[tuple[str, str | None, str | None, dict[str, Any]]] = field(default_factory=list)
    exhausted: set[tuple[str, date]] = field(default_factory=set)
    unflushed: int = 0
    last_flush: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def known(self, key_id: str, day: date) -> bool:
        """Whether the stored count of ``key_id`` on ``day`` has been read."""
        return (key_id, day) in self.stored

    def load(self, key_id: str, day: date) -> None:
        """Read the stored count of one key and day (a database read; run it in a thread)."""
        from ilteo.core.db import session_scope
        from ilteo.identity.api_keys import daily_requests

        with session_scope(self.settings) as session:
            found = daily_requests(session, [key_id], day).get(key_id, 0)
        with self.lock:
            self.stored.setdefault((key_id, day), found)
            for old in [k for k in self.stored if k[1] < day]:  # yesterday's counts are done
                self.stored.pop(old, None)
            self.exhausted = {k for k in self.exhausted if k[1] >= day}

    def used(self, key_id: str, day: date) -> int:
        """Admitted requests of ``key_id`` on ``day`` known to this process."""
        pending = self.pending.get((key_id, day))
        return self.stored.get((key_id, day), 0) + (pending.requests if pending else 0)

    def count(self, key_id: str, day: date, *, admitted: bool) -> None:
        """Count one request of ``key_id``: admitted, or refused with 429."""
        with self.lock:
            pending = self.pending.setdefault((key_id, day), _Pending())
            if admitted:
                pending.requests += 1
            else:
                pending.rejected += 1
            self.unflushed += 1

    def audit(self, event: str, account_id: str | None, client: str | None, **detail: Any) -> None:
        """Queue an audit entry, written with the next flush."""
        with self.lock:
            self.audits.append((event, account_id, client, detail))
            self.unflushed += 1

    def due(self) -> bool:
        """Whether a flush is due (enough requests, or enough time with something to write)."""
        if not self.unflushed:
            return False
        return (
            self.unflushed >= self.settings.api_usage_flush_requests
            or time.monotonic() - self.last_flush >= self.settings.api_usage_flush_seconds
        )

    def flush(self) -> None:
        """Write the pending counts and audit entries, then re-read the stored day counts.

        A database write; run it in a thread. On failure the counts are kept for the next flush.
        """
        from ilteo.core.db import session_scope
        from ilteo.identity.accounts import record_audit
        from ilteo.identity.api_keys import add_usage, daily_requests

        with self.lock:
            pending, self.pending = self.pending, {}
            audits, self.audits = self.audits, []
            self.unflushed = 0
            self.last_flush = time.monotonic()
        if not pending and not audits:
            return
        counts = {k: (p.requests, p.rejected) for k, p in pending.items()}
        try:
            with session_scope(self.settings) as session:
                add_usage(session, counts)
                for event, account_id, client, detail in audits:
                    record_audit(session, event, account_id=account_id, client=client, **detail)
                session.flush()
                fresh: dict[tuple[str, date], int] = {}
                for day in {d for _, d in counts}:
                    keys = [k for k, d in counts if d == day]
                    for key_id, total in daily_requests(session, keys, day).items():
                        fresh[(key_id, day)] = total
        except Exception:  # the store is down: keep the counts, try again later
            log.exception("could not write API usage; keeping it for the next flush")
            with self.lock:
                for k, p in pending.items():
                    into = self.pending.setdefault(k, _Pending())
                    into.requests += p.requests
                    into.rejected += p.rejected
                self.audits[:0] = audits
                self.unflushed += len(pending) + len(audits)
            return
        with self.lock:
            self.stored.update(fresh)


@dataclass(frozen=True)
class Decision:
    """What the limiter decided for one request, and the headers that say so."""

    admitted: bool
    limit: int
    remaining: int
    reset: int
    policy: str
    problem_code: str | None = None

    def headers(self) -> dict[str, str]:
        """The ``RateLimit-*`` headers (and ``Retry-After`` on a refusal)."""
        found = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": self.policy,
        }
        if not self.admitted:
            found["Retry-After"] = str(self.reset)
        return found


class RateLimiter:
    """Per-minute windows and daily quotas; ``clock`` (epoch seconds) is replaceable in tests."""

    def __init__(self, settings: Settings, clock: Clock = time.time) -> None:
        """Start empty, with ``clock`` as the time source."""
        self.settings = settings
        self.clock = clock
        self.windows = MinuteWindows()
        self.usage = UsageBook(settings)

    def admit(
        self,
        bucket: str,
        rate: int,
        *,
        key_id: str | None = None,
        daily: int | None = None,
        account_id: str | None = None,
        client: str | None = None,
    ) -> Decision:
        """Decide one request of ``bucket`` (and count it in the key's usage when there is one).

        The key's stored count for today must have been loaded (:meth:`UsageBook.load`).
        """
        now = self.clock()
        minute_policy = f"{rate};w={WINDOW_SECONDS}"
        day = seoul_day(datetime.fromtimestamp(now, UTC))
        if key_id is not None and daily is not None:
            policy = f"{minute_policy}, {daily};w={DAY_SECONDS}"
            used = self.usage.used(key_id, day)
            to_midnight = seconds_to_seoul_midnight(now)
            if used >= daily:
                self.usage.count(key_id, day, admitted=False)
                if (key_id, day) not in self.usage.exhausted:
                    self.usage.exhausted.add((key_id, day))
                    self.usage.audit(
                        "api_key.quota_exhausted",
                        account_id,
                        client,
                        key_id=key_id,
                        day=day.isoformat(),
                        quota=daily,
                    )
                return Decision(False, daily, 0, to_midnight, policy, "quota-exceeded")
            admitted, remaining, reset = self.windows.hit(bucket, rate, now)
            self.usage.count(key_id, day, admitted=admitted)
            if not admitted:
                return Decision(False, rate, 0, reset, policy, "rate-limited")
            daily_left = daily - used - 1
            if daily_left < remaining:
                return Decision(True, daily, daily_left, to_midnight, policy)
            return Decision(True, rate, remaining, reset, policy)
        admitted, remaining, reset = self.windows.hit(bucket, rate, now)
        code = None if admitted else "rate-limited"
        return Decision(admitted, rate, remaining, reset, minute_policy, code)

    async def flush(self) -> None:
        """Write the pending usage now (in a worker thread)."""
        await run_in_threadpool(self.usage.flush)


_TITLES = {
    "rate-limited": (
        "요청이 너무 많습니다",
        "Too many requests",
        "분당 요청 한도를 넘었습니다. Retry-After초 뒤에 다시 시도하세요 / the per-minute rate "
        "limit is used up; retry after Retry-After seconds",
    ),
    "quota-exceeded": (
        "일일 할당량을 모두 썼습니다",
        "Daily quota exceeded",
        "이 키의 오늘(한국 시간) 할당량을 모두 썼습니다. 자정(KST)에 초기화됩니다 / this key's "
        "daily quota (Asia/Seoul day) is used up; it resets at midnight KST",
    ),
}


class RateLimitMiddleware:
    """The ASGI middleware applying :class:`RateLimiter` (and key scopes) to ``/v1``."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        """Wrap ``app``."""
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Limit ``/v1`` requests; flush usage at shutdown."""
        if scope["type"] == "lifespan":
            await self.app(scope, self._flushing_at_shutdown(receive), send)
            return
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith("/v1/") or path == "/v1"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        refusal, decision = await self._decide(request)
        if refusal is not None:
            await refusal(scope, receive, send)
        else:
            assert decision is not None  # noqa: S101 - _decide returns one or the other
            extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), *extra]
                await send(message)

            await self.app(scope, receive, send_with_headers)
        if self.limiter.usage.due():
            await self.limiter.flush()

    def _flushing_at_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.limiter.flush()
            return message

        return wrapped

    async def _decide(self, request: Request) -> tuple[Any, Decision | None]:
        """A refusal response, or the decision that admits the request."""
        from fastapi import HTTPException

        from ilteo.api.routers.identity import (
            bearer_token,
            client_of,
            current_account,
            remembered_account,
            session_token,
        )

        settings = self.limiter.settings
        client = client_of(request)
        bearer = bearer_token(request)
        if bearer is not None and is_source_system_token(settings, bearer):
            return None, self.limiter.admit("source-system", settings.api_rate_per_minute)
        if is_source_system_call(request.method, request.url.path):
            # The route checks the source-system token itself (503 while ingestion is off, 401
            # for a wrong token); a bearer here names no person, so it is limited per address.
            return None, self.limiter.admit(
                f"source-system:{client}", settings.api_anonymous_rate_per_minute
            )
        account = None
        if bearer is not None or session_token(request):
            try:
                if remembered_account(request):  # a key checked a moment ago: no store read
                    account = request.state.account
                else:
                    account = await run_in_threadpool(current_account, request)
            except HTTPException as exc:  # a bad, expired or revoked key: 401, audited
                response = problem(
                    exc.status_code,
                    "unauthorized",
                    "인증이 필요합니다",
                    "Authentication required",
                    str(exc.detail),
                    request.url.path,
                )
                response.headers.update(exc.headers or {})
                return response, None
        state = request.state
        if account is None:
            decision = self.limiter.admit(
                f"ip:{client}", settings.api_anonymous_rate_per_minute, client=client
            )
        elif getattr(state, "auth_method", None) == "api_key":
            key_id: str = state.api_key_id
            day = seoul_day(datetime.fromtimestamp(self.limiter.clock(), UTC))
            if not self.limiter.usage.known(key_id, day):
                await run_in_threadpool(self.limiter.usage.load, key_id, day)
            decision = self.limiter.admit(
                f"key:{key_id}",
                getattr(state, "api_key_rate", None) or settings.api_rate_per_minute,
                key_id=key_id,
                daily=getattr(state, "api_key_daily", None) or settings.api_daily_quota,
                account_id=account.id,
                client=client,
            )
            needed = enforced_scope(request.method, request.url.path)
            granted: tuple[str, ...] = getattr(state, "api_key_scopes", ())
            if decision.admitted and needed and not has_scope(granted, needed):
                self.limiter.usage.audit(
                    "api_key.scope_refused", account.id, client, key_id=key_id, scope=needed
                )
                return scope_refusal(request.url.path, needed, granted, decision), None
        else:
            decision = self.limiter.admit(f"account:{account.id}", settings.api_rate_per_minute)
        if not decision.admitted:
            assert decision.problem_code is not None  # noqa: S101 - set on every refusal
            ko, en, detail = _TITLES[decision.problem_code]
            response = problem(
                429, decision.problem_code, ko, en, detail, request.url.path, **_limits(decision)
            )
            response.headers.update(decision.headers())
            return response, None
        return None, decision


def admit_caller(
    limiter: RateLimiter,
    *,
    key_id: str | None,
    account_id: str,
    rate: int | None = None,
    daily: int | None = None,
    client: str | None = None,
) -> Decision:
    """Decide one call of an authenticated caller outside ``/v1`` (an MCP tool call).

    The same buckets as the middleware: ``key:<id>`` with the key's limits and daily quota for
    an API key, so a key's budget is shared by its API and MCP calls; ``account:<id>`` for an
    OAuth token. Reads the key's stored day count when not known yet (a store read: call it
    from a worker thread) and writes the usage when a flush is due.
    """
    settings = limiter.settings
    if key_id is None:
        decision = limiter.admit(f"account:{account_id}", settings.api_rate_per_minute)
    else:
        day = seoul_day(datetime.fromtimestamp(limiter.clock(), UTC))
        if not limiter.usage.known(key_id, day):
            limiter.usage.load(key_id, day)
        decision = limiter.admit(
            f"key:{key_id}",
            rate or settings.api_rate_per_minute,
            key_id=key_id,
            daily=daily or settings.api_daily_quota,
            account_id=account_id,
            client=client,
        )
    if limiter.usage.due():
        limiter.usage.flush()
    return decision


def refusal_text(decision: Decision) -> str:
    """The English sentence of a refusal for an MCP tool error: which limit, when to retry."""
    if decision.problem_code == "quota-exceeded":
        return (
            f"Daily quota exceeded: this key's {decision.limit} calls for today (Asia/Seoul) are "
            f"used up; it resets at midnight KST: retry after {decision.reset} s."
        )
    return (
        f"Too many requests: this key's limit of {decision.limit} calls per minute is used up; "
        f"retry after {decision.reset} s."
    )


def _limits(decision: Decision) -> dict[str, int]:
    return {"limit": decision.limit, "retry_after": decision.reset}


def scope_refusal(
    path: str, needed: str, granted: tuple[str, ...], decision: Decision | None = None
) -> Any:
    """The 403 ``insufficient-scope`` problem naming the missing scope (RFC 6750 header too)."""
    response = problem(
        403,
        "insufficient-scope",
        "API 키의 범위가 부족합니다",
        "Insufficient scope",
        f"이 API 키에는 '{needed}' 범위가 없습니다 / this API key lacks the scope '{needed}'",
        path,
        required_scope=needed,
        granted_scopes=list(granted),
    )
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="ilteo", error="insufficient_scope", scope="{needed}"'
    )
    if decision is not None:
        response.headers.update(decision.headers())
    return response


def install_rate_limits(app: Any, settings: Settings) -> RateLimiter:
    """Add the middleware to ``app``; the limiter is kept as ``app.state.rate_limiter``."""
    from ilteo.api.routers.identity import InsufficientScope, client_of

    limiter = RateLimiter(settings)
    app.state.rate_limiter = limiter
    app.add_middleware(RateLimitMiddleware, limiter=limiter)

    async def insufficient_scope(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, InsufficientScope)  # noqa: S101 - registered for it only
        account = getattr(request.state, "account", None)
        limiter.usage.audit(
            "api_key.scope_refused",
            account.id if account is not None else None,
            client_of(request),
            key_id=getattr(request.state, "api_key_id", None),
            scope=exc.scope,
        )
        return scope_refusal(request.url.path, exc.scope, exc.granted)

    app.add_exception_handler(InsufficientScope, insufficient_scope)
    return limiter
