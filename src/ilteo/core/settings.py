"""Settings read from the environment (prefix ``ILTEO_``) or a ``.env`` file.

One :class:`Settings` object behind the cached :func:`get_settings`; nothing is read at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ilteo.core.errors import ConfigurationError

#: Secret values that must never be accepted outside development.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "dev", "test", "password", "xxx"}
)

#: A fixed key used only when ``ILTEO_ENV=dev`` and no key is given; never valid in production.
DEV_SECRET_KEY = "ilteo-dev-only-secret-key-not-for-production"  # noqa: S105 - refused in prod


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "ilteo"


class Settings(BaseSettings):
    """Runtime configuration of every ilteo door and room.

    Attributes:
        env: ``dev`` allows a development secret key; ``prod`` refuses placeholders.
        home: Where ilteo keeps its caches, lake and default SQLite database.
        reference_dir: A folder laid out like ``shared/data`` (one folder per dataset).
        database_url: SQLAlchemy URL of the operational store; SQLite under ``home`` by default.
        secret_key: The key for hashing resident registration numbers and signing sessions.
        host: Address ``ilteo serve`` binds to.
        port: Port ``ilteo serve`` binds to.
        workers: Server processes ``ilteo serve`` starts on the port (``--workers``). With more
            than one, MCP over HTTP is stateless (no session may span processes) and rate-limit
            windows are per process (see ``ilteo.api.ratelimit``).
        warm_on_start: Build the reference indexes in the background when a server process
            starts (``ilteo.reference.warm``), so the first caller does not wait for them.
        log_level: Log level of the server.
        lake_ingest_token: Bearer token source systems present to push live micro-batches;
            live ingestion is off while it is unset.
        phone_sender: How sign-in codes by text or voice call leave (``outbox``: the
            development adapter that writes to the ``identity_outbox`` table).
        notice_channels: Channels a benefit notice goes out by besides the portal inbox, comma
            separated (``sms``, ``alimtalk``, ``email``; empty: the inbox only).
        notice_sender: The adapter those channels use (``outbox``: the development adapter
            that keeps each message sealed in ``benefit_deliveries``).
        desk_llm_url: Base URL of an OpenAI-compatible endpoint that may rewrite the one
            window's draft answers in plainer words (off when unset; everything works without).
        desk_llm_model: The model name sent to that endpoint.
        desk_llm_key: Its bearer token, if it needs one.
        passkey_origin: The site's public origin (``https://host``) passkeys belong to; unset
            means each request's own origin (fine for development, pin it in production).
        oidc_issuer: Issuer URL of the OpenID provider for simple authentication; unset in
            ``dev``/``test`` means the built-in development provider at ``<base URL>/dev/oidc``.
        oidc_client_id: This service's client id at the OpenID provider.
        oidc_client_secret: This service's client secret at the OpenID provider.
        oidc_display_name: The provider's name shown on the sign-in pages.
        oidc_dev_provider: Serve the development OpenID provider outside ``dev``/``test`` too.
        api_rate_per_minute: Requests per minute per API key (and per signed-in account) on
            ``/v1``, unless the key sets its own.
        api_daily_quota: Requests per Asia/Seoul day per API key, unless the key sets its own.
        api_contact_url: Where developers reach the API's operators, published as
            ``info.contact.url`` in the OpenAPI document; the served API docs by default.
        api_anonymous_rate_per_minute: Requests per minute per client address for anonymous
            callers of public ``/v1`` routes.
        api_usage_flush_requests: Daily usage counts are written to the store after this many
            requests per process (and every ``api_usage_flush_seconds``, and at shutdown).
        api_usage_flush_seconds: At most this many seconds between usage writes while busy.
        status_log: Log every request (menu, route, status, time, size, anonymised client) for the
            public status page (``ilteo.status``).
        status_raw_retention_days: Days raw request logs and real-user timings are kept.
        status_rollup_retention_days: Days the hourly and daily aggregates are kept (>= 90).
        status_flush_seconds: At most this many seconds between writes of buffered log rows.
        status_timeout_ms: A request slower than this counts as a failure (a timeout).
        status_monitor: Run the incident monitor and synthetic probes in the server.
        status_check_seconds: How often the monitor evaluates every menu's error rate.
        status_probe_seconds: How often each menu's synthetic probe runs.
        status_error_rate_threshold: Error rate over the window that opens an incident.
        status_min_requests: Requests a window needs before its error rate can open an incident.
        status_window_minutes: The window of the error rate.
        status_recovery_checks: Consecutive good checks that close an incident.
        status_fault_menu: Inject failures into one menu (fault drills; refused outside dev/test).
        status_fault_rate: Share of that menu's requests that fail while injecting.
        status_beacon_per_minute: Real-user timing beacons accepted per client per minute.
        metrics_token: Bearer token a Prometheus scraper presents at ``/metrics`` (staff sessions
            work too); unset means staff sessions only.
        otel_exporter: ``console`` or ``otlp`` to export OpenTelemetry traces; unset means off.
        api_key_cache_seconds: How long a server process remembers a checked API key (0: never).
            A change made in the same process (revocation, roles, account status) is seen at
            once; one made by another process (``ilteo keys revoke``) within this many seconds.
        monitor_min_cell: Disclosure threshold of the monitoring indicators: non-zero counts
            below it are shown as suppressed on every open door (pages, API, MCP, report).
    """

    model_config = SettingsConfigDict(env_prefix="ILTEO_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "prod"
    home: Path = Field(default_factory=_default_home)
    reference_dir: Path | None = None
    database_url: str | None = None
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    warm_on_start: bool = True
    log_level: str = "INFO"
    lake_ingest_token: SecretStr | None = None
    phone_sender: Literal["outbox"] = "outbox"  # sender adapter (ilteo.identity.senders)
    notice_channels: str = "sms,alimtalk,email"  # benefit notices besides the portal inbox
    notice_sender: Literal["outbox"] = "outbox"  # adapter (ilteo.benefits.notices.SENDERS)
    # the one window's optional generative rewrite of draft answers (ilteo.desk.knowledge)
    desk_llm_url: str | None = None
    desk_llm_model: str = ""
    desk_llm_key: SecretStr | None = None
    passkey_origin: str | None = None  # WebAuthn relying party (ilteo.identity.passkeys)
    # OpenID Connect sign-in (ilteo.identity.oidc)
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_display_name: str = "간편인증"
    oidc_dev_provider: bool = False
    # API rate limits and quotas (ilteo.api.ratelimit); a key may override the key defaults
    api_rate_per_minute: int = Field(default=600, ge=1)
    api_daily_quota: int = Field(default=100_000, ge=1)
    api_anonymous_rate_per_minute: int = Field(default=120, ge=1)
    api_contact_url: str | None = None
    api_usage_flush_requests: int = Field(default=200, ge=1)
    api_usage_flush_seconds: float = Field(default=10.0, gt=0)
    api_key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    status_log: bool = True
    status_raw_retention_days: int = Field(default=14, ge=1, le=400)
    status_rollup_retention_days: int = Field(default=400, ge=90, le=3660)
    status_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    status_timeout_ms: float = Field(default=10_000.0, gt=0)
    status_monitor: bool = True
    status_check_seconds: float = Field(default=30.0, gt=0)
    status_probe_seconds: float = Field(default=60.0, gt=0)
    status_error_rate_threshold: float = Field(default=0.05, gt=0, le=1)
    status_min_requests: int = Field(default=20, ge=1)
    status_window_minutes: int = Field(default=5, ge=1, le=60)
    status_recovery_checks: int = Field(default=3, ge=1)
    status_fault_menu: str | None = None
    status_fault_rate: float = Field(default=1.0, ge=0, le=1)
    status_beacon_per_minute: int = Field(default=60, ge=1)
    metrics_token: SecretStr | None = None
    otel_exporter: str | None = None
    monitor_min_cell: int = Field(default=5, ge=1, le=1000)

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        value = self.secret_key.get_secret_value() if self.secret_key else ""
        if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 16:
            if self.env == "prod":
                raise ConfigurationError(
                    "ILTEO_SECRET_KEY가 없거나 임시 값입니다. 32자 이상의 임의 값을 설정하세요. / "
                    "ILTEO_SECRET_KEY is missing or a placeholder: set a random value of 32+ "
                    "characters (python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                    "or set ILTEO_ENV=dev for local development."
                )
            self.secret_key = SecretStr(value if len(value) >= 16 else DEV_SECRET_KEY)
        if self.status_fault_menu and self.env == "prod":
            raise ConfigurationError(
                "ILTEO_STATUS_FAULT_MENU는 고장 훈련용이며 운영(prod)에서는 쓸 수 없습니다. / "
                "ILTEO_STATUS_FAULT_MENU injects failures for fault drills; it is refused in prod."
            )
        if self.otel_exporter not in (None, "console", "otlp"):
            raise ConfigurationError(
                f"ILTEO_OTEL_EXPORTER must be console or otlp, not {self.otel_exporter!r}"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The operational store URL, defaulting to a SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'ilteo.db'}"

    @property
    def cache_dir(self) -> Path:
        """Validated reference data as Parquet."""
        return self.home / "cache"

    @property
    def lake_dir(self) -> Path:
        """The data lake (Parquet files)."""
        return self.home / "lake"

    def require_reference_dir(self) -> Path:
        """Return the reference folder or raise a clear error naming the setting."""
        if self.reference_dir is None:
            raise ConfigurationError(
                "ILTEO_REFERENCE_DIR가 설정되지 않았습니다. / ILTEO_REFERENCE_DIR is not set: "
                "point it at a folder laid out like shared/data, or run `ilteo reference fetch`."
            )
        return self.reference_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once, on first use)."""
    return Settings()
