"""Settings from `OPENPOST_*` environment variables (and an optional `.env`).

Read once per process by the entrypoint's factory, never at import. A bad value raises
`SettingsError` with one sentence naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PREFIX = "OPENPOST_"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./openpost.db"
_RATE = re.compile(r"^(\d+)/(second|minute|hour|day)$")


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_keys: tuple[str, ...] = ()
    public_url: str = "http://127.0.0.1:8000"
    # False when PUBLIC_URL is not set: `serve` then uses the address it serves at.
    public_url_set: bool = False
    # The workspace key `openpost mcp` serves over stdio; no other command reads it.
    api_key: str | None = None
    twitter_client_id: str | None = None
    twitter_client_secret: str | None = None
    twitter_authorize_url: str = "https://x.com/i/oauth2/authorize"
    twitter_api_url: str = "https://api.x.com"
    bluesky_service_url: str = "https://bsky.social"
    connect_success_url: str | None = None
    redis_url: str | None = None
    rate_limit: tuple[int, str] | None = (600, "minute")
    # Per client address, for what carries no valid key (health, schema, callback, 401s).
    unauthenticated_rate_limit: tuple[int, str] | None = (120, "minute")
    # Proxies whose X-Forwarded-For is believed (addresses or networks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    # A publish mostly waits on the platform (X answers in a few hundred ms) and holds no
    # database connection meanwhile; 64 in flight keep one worker near 200 posts/s even so.
    worker_concurrency: int = 64
    log_level: str = "INFO"
    log_format: str = "text"
    oauth_state_ttl_s: int = 600
    publish_lease_s: int = 120
    refresh_margin_s: int = 300
    api_key_cache_s: float = 5.0
    # Rendered list/get answers kept per process, checked against the workspace's
    # integrations revision on every request (0 turns the cache off).
    read_cache_bytes: int = 16 * 1024 * 1024
    # After SIGTERM: how long publishes and HTTP requests in flight may take to finish.
    shutdown_grace_s: float = 20.0
    platform_timeout_s: float = 10.0
    # The longest one database statement may run, and wait for a lock, before it fails
    # (503 `database_unavailable`): a stuck query never holds a connection for good.
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 10_000
    # Failed platform logins (Bluesky) allowed per account and per workspace in a window.
    login_failures_per_account: int = 5
    login_failures_per_workspace: int = 20
    login_failure_window_s: int = 900
    # A key in flight this long without having created anything is taken over (its
    # request's process died before its commit).
    idempotency_abandoned_after_s: int = 300
    media_dir: Path | None = None
    media_s3_url: str | None = None
    media_s3_endpoint: str | None = None
    media_max_image_bytes: int = 20 * 1024 * 1024
    media_max_gif_bytes: int = 15 * 1024 * 1024
    media_max_video_bytes: int = 512 * 1024 * 1024
    # How often the worker sweeps the media store (0: never), and how old a partial upload
    # or an object without a media row must be to go.
    media_sweep_every_s: int = 3600
    media_sweep_after_s: int = 3600
    fetch_allow_private: bool = False
    # The longest wait between two checks of X's processing of an uploaded GIF or video;
    # X's own `check_after_secs` is followed when shorter. Tests shorten it.
    twitter_media_poll_max_s: float = 5.0
    webhook_allow_http: bool = False
    webhook_allow_private: bool = False
    # Standard Webhooks' schedule: seconds before each retry (±20% jitter).
    webhook_retry_schedule: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    webhook_timeout_s: float = 10.0
    # Longer than the timeout: only a worker that died loses its claim.
    webhook_lease_s: float = 60.0
    webhook_concurrency: int = 128
    # GET /metrics (Prometheus), unauthenticated: on the API's port when enabled, and/or on a
    # port of its own; with several processes on one machine, a directory they share.
    metrics_enabled: bool = False
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    metrics_dir: Path | None = None

    @property
    def metrics_on(self) -> bool:
        """Whether this process counts at all (otherwise nothing of it is even loaded): a
        process with only METRICS_DIR (a worker) counts for the others to serve."""
        return self.metrics_enabled or self.metrics_port is not None or bool(self.metrics_dir)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def media_folder(self) -> Path:
        """MEDIA_DIR, else `media/` beside the SQLite database, else `./media`."""
        if self.media_dir is not None:
            return self.media_dir
        database = self.sqlite_path
        return (database.parent if database else Path()) / "media"

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        return Path(database) if database and database != ":memory:" else None


def read_dotenv(path: Path) -> dict[str, str]:
    """The file's assignments as python-dotenv reads them (quotes, escapes, `export`,
    comments), taken literally: a `$` in a secret is not expanded. No file: none."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path, interpolate=False).items() if v is not None}


def load_settings(
    env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    source = dict(read_dotenv(dotenv)) if dotenv else {}
    source.update(os.environ if env is None else env)
    raw = {k[len(PREFIX) :]: v for k, v in source.items() if k.startswith(PREFIX)}
    return _parse(raw)


def _parse(raw: Mapping[str, str]) -> Settings:
    def text(name: str, default: str | None = None) -> str | None:
        value = raw.get(name, "").strip()
        return value or default

    def number(name: str, default: int, low: int = 0, high: int = 10**9) -> int:
        value = text(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            raise SettingsError(
                f"{PREFIX}{name} must be a whole number from {low} to {high}, not {value!r}"
            )
        return int(value)

    def flag(name: str) -> bool:
        value = (text(name, "false") or "false").lower()
        if value not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError(f"{PREFIX}{name} must be true or false, not {value!r}")
        return value in ("true", "1", "yes")

    database_url = text("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
    try:
        backend = make_url(database_url).get_backend_name()
    except Exception as error:
        raise SettingsError(f"{PREFIX}DATABASE_URL is not a database URL: {error}") from error
    if backend not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"{PREFIX}DATABASE_URL must be sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    keys = tuple(k.strip() for k in (text("SECRET_KEY") or "").split(",") if k.strip())
    if backend == "postgresql" and not keys:
        raise SettingsError(f"{PREFIX}SECRET_KEY is required with PostgreSQL")
    for name in ("PUBLIC_URL", "TWITTER_AUTHORIZE_URL", "TWITTER_API_URL", "BLUESKY_SERVICE_URL"):
        value = text(name)
        if value is not None and not value.startswith(("http://", "https://")):
            raise SettingsError(f"{PREFIX}{name} must be an http(s) URL, not {value!r}")
    log_format = (text("LOG_FORMAT", "text") or "text").lower()
    if log_format not in ("text", "json"):
        raise SettingsError(f"{PREFIX}LOG_FORMAT must be text or json")
    log_level = (text("LOG_LEVEL", "INFO") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")

    defaults = Settings()
    webhook_timeout_s = _seconds(text("WEBHOOK_TIMEOUT_S"), "WEBHOOK_TIMEOUT_S", 10.0)
    webhook_lease_s = _seconds(text("WEBHOOK_LEASE_S"), "WEBHOOK_LEASE_S", 60.0)
    if webhook_lease_s <= webhook_timeout_s:
        raise SettingsError(
            f"{PREFIX}WEBHOOK_LEASE_S must be longer than {PREFIX}WEBHOOK_TIMEOUT_S"
        )
    lease_s = number("PUBLISH_LEASE_S", defaults.publish_lease_s, 1)
    grace_s = number("SHUTDOWN_GRACE_S", int(defaults.shutdown_grace_s), 0, 3600)
    if grace_s >= lease_s:
        # A publish finishing within the grace must still hold its lease, or another
        # worker may expire it into outcome_unknown while it is being sent.
        raise SettingsError(
            f"{PREFIX}SHUTDOWN_GRACE_S ({grace_s}) must be shorter than "
            f"{PREFIX}PUBLISH_LEASE_S ({lease_s})"
        )
    return Settings(
        database_url=database_url,
        api_key=text("API_KEY"),
        secret_keys=keys,
        public_url=(text("PUBLIC_URL", defaults.public_url) or "").rstrip("/"),
        public_url_set=text("PUBLIC_URL") is not None,
        twitter_client_id=text("TWITTER_CLIENT_ID"),
        twitter_client_secret=text("TWITTER_CLIENT_SECRET"),
        twitter_authorize_url=text("TWITTER_AUTHORIZE_URL", defaults.twitter_authorize_url) or "",
        twitter_api_url=(text("TWITTER_API_URL", defaults.twitter_api_url) or "").rstrip("/"),
        bluesky_service_url=(
            text("BLUESKY_SERVICE_URL", defaults.bluesky_service_url) or ""
        ).rstrip("/"),
        connect_success_url=text("CONNECT_SUCCESS_URL"),
        redis_url=text("REDIS_URL"),
        rate_limit=_rate(text("RATE_LIMIT", "600/minute") or "600/minute"),
        unauthenticated_rate_limit=_rate(
            text("UNAUTHENTICATED_RATE_LIMIT", "120/minute") or "120/minute",
            "UNAUTHENTICATED_RATE_LIMIT",
        ),
        trusted_proxies=_networks(text("TRUSTED_PROXIES") or ""),
        max_body_bytes=number("MAX_BODY_BYTES", defaults.max_body_bytes, 1),
        worker_concurrency=number("WORKER_CONCURRENCY", defaults.worker_concurrency, 1, 1024),
        log_level=log_level,
        log_format=log_format,
        oauth_state_ttl_s=number("OAUTH_STATE_TTL_S", defaults.oauth_state_ttl_s, 1),
        publish_lease_s=lease_s,
        refresh_margin_s=number("REFRESH_MARGIN_S", defaults.refresh_margin_s, 0),
        api_key_cache_s=min(float(number("API_KEY_CACHE_S", 5, 0, 5)), 5.0),
        read_cache_bytes=number("READ_CACHE_MB", 16, 0, 4096) * 1024 * 1024,
        shutdown_grace_s=float(grace_s),
        platform_timeout_s=float(number("PLATFORM_TIMEOUT_S", 10, 1, 120)),
        statement_timeout_ms=number(
            "STATEMENT_TIMEOUT_MS", defaults.statement_timeout_ms, 1, 3_600_000
        ),
        lock_timeout_ms=number("LOCK_TIMEOUT_MS", defaults.lock_timeout_ms, 1, 3_600_000),
        login_failures_per_account=number(
            "LOGIN_FAILURES_PER_ACCOUNT", defaults.login_failures_per_account, 0, 10_000
        ),
        login_failures_per_workspace=number(
            "LOGIN_FAILURES_PER_WORKSPACE", defaults.login_failures_per_workspace, 0, 100_000
        ),
        idempotency_abandoned_after_s=number(
            "IDEMPOTENCY_ABANDONED_AFTER_S", defaults.idempotency_abandoned_after_s, 1, 86_400
        ),
        login_failure_window_s=number(
            "LOGIN_FAILURE_WINDOW_S", defaults.login_failure_window_s, 1, 86_400
        ),
        media_dir=Path(media_dir) if (media_dir := text("MEDIA_DIR")) else None,
        media_s3_url=_s3_url(text("MEDIA_S3_URL")),
        media_s3_endpoint=text("MEDIA_S3_ENDPOINT"),
        media_max_image_bytes=number("MEDIA_MAX_IMAGE_BYTES", defaults.media_max_image_bytes, 1),
        media_max_gif_bytes=number("MEDIA_MAX_GIF_BYTES", defaults.media_max_gif_bytes, 1),
        media_max_video_bytes=number(
            "MEDIA_MAX_VIDEO_BYTES", defaults.media_max_video_bytes, 1, 2**40
        ),
        fetch_allow_private=flag("FETCH_ALLOW_PRIVATE"),
        media_sweep_every_s=number("MEDIA_SWEEP_EVERY_S", defaults.media_sweep_every_s, 0),
        media_sweep_after_s=number("MEDIA_SWEEP_AFTER_S", defaults.media_sweep_after_s, 60),
        twitter_media_poll_max_s=number("TWITTER_MEDIA_POLL_MAX_MS", 5000, 0, 60_000) / 1000,
        webhook_allow_http=flag("WEBHOOK_ALLOW_HTTP"),
        webhook_allow_private=flag("WEBHOOK_ALLOW_PRIVATE"),
        webhook_retry_schedule=_schedule(text("WEBHOOK_RETRY_SCHEDULE"))
        or defaults.webhook_retry_schedule,
        webhook_timeout_s=webhook_timeout_s,
        webhook_lease_s=webhook_lease_s,
        webhook_concurrency=number("WEBHOOK_CONCURRENCY", defaults.webhook_concurrency, 1, 1024),
        metrics_enabled=flag("METRICS_ENABLED"),
        metrics_port=number("METRICS_PORT", 0, 1, 65535) if text("METRICS_PORT") else None,
        metrics_host=text("METRICS_HOST", defaults.metrics_host) or defaults.metrics_host,
        metrics_dir=Path(metrics_dir) if (metrics_dir := text("METRICS_DIR")) else None,
    )


def _s3_url(value: str | None) -> str | None:
    if value is not None and (not value.startswith("s3://") or len(value) <= len("s3://")):
        raise SettingsError(f"{PREFIX}MEDIA_S3_URL must look like s3://bucket/prefix")
    return value


def _rate(value: str, name: str = "RATE_LIMIT") -> tuple[int, str] | None:
    if value == "0":
        return None
    match = _RATE.match(value)
    if not match:
        raise SettingsError(f"{PREFIX}{name} must look like 600/minute, or 0 to disable")
    return int(match.group(1)), match.group(2)


def _networks(value: str) -> tuple[str, ...]:
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for part in found:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(
                f"{PREFIX}TRUSTED_PROXIES must be IP addresses or networks, not {part!r}"
            ) from None
    return found


def _seconds(value: str | None, name: str, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 86400:
        raise SettingsError(f"{PREFIX}{name} must be a number of seconds above 0, not {value!r}")
    return seconds


def _schedule(value: str | None) -> tuple[float, ...] | None:
    """Comma-separated seconds before each retry, e.g. `5,300,1800` (fractions allowed)."""
    if value is None:
        return None
    try:
        delays = tuple(float(part) for part in value.split(","))
    except ValueError:
        delays = (-1.0,)
    if any(not 0 <= d <= 30 * 86400 for d in delays):
        raise SettingsError(
            f"{PREFIX}WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds, not {value!r}"
        )
    return delays
