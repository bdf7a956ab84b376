"""The one settings object: every knob of the process, read from ``OUTREACH_*`` variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER = "change-me"
LOCAL_GRAPH_USER = "root"


class Settings(BaseSettings):
    """Process-wide configuration. Matcher parameters live in the graph, versioned."""

    model_config = SettingsConfigDict(env_prefix="OUTREACH_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Graph. No URI means: start and use the local Bolt server in ``data_dir``.
    graph_uri: str | None = None
    graph_user: str = LOCAL_GRAPH_USER
    graph_password: SecretStr = SecretStr("outreach-local-graph")
    # A file holding the password (a Docker secret); read at start, it wins over the above.
    graph_password_file: Path | None = None
    graph_database: str = "outreach"
    local_bolt_port: int = 7687
    local_http_port: int = 2480
    local_graph_heap: str = "2g"
    graph_write_batch: int = Field(default=2000, ge=1, le=100_000)
    # Contacts looked up and linked together; bounds a big upload's memory.
    link_chunk_size: int = Field(default=1000, ge=1, le=100_000)
    # A contact links to its best candidate voter at this match probability or more;
    # below it, candidates from the review floor up are kept for the supporter to review.
    link_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    link_review_floor: float = Field(default=0.5, ge=0.0, le=1.0)
    rank_partitions: int = Field(default=4, ge=1, le=64)

    # Long tasks (see workers/app.py): a task is stopped after ``task_time_limit`` seconds;
    # the broker redelivers unacknowledged work after ``task_visibility_timeout`` seconds,
    # which must be longer. A running job with no progress for ``job_stale_seconds``, or a
    # queued one for ``job_queued_stale_seconds``, is failed by the housekeeping task.
    task_time_limit: int = Field(default=4 * 3600, ge=60)
    task_visibility_timeout: int = Field(default=5 * 3600, ge=120)
    task_max_attempts: int = Field(default=3, ge=1, le=20)
    job_stale_seconds: int = Field(default=4 * 3600 + 600, ge=60)
    job_queued_stale_seconds: int = Field(default=24 * 3600, ge=60)
    upload_file_max_age_seconds: int = Field(default=6 * 3600, ge=60)

    # Queue. No broker means: the embedded SQLite broker in ``data_dir``.
    broker_url: str | None = None
    result_backend: str | None = None

    data_dir: Path = Path(".outreach")

    # Secrets. The key for hashing phone and email keys, and the API's signing key.
    secret_key: SecretStr = SecretStr(PLACEHOLDER)
    api_secret: SecretStr = SecretStr(PLACEHOLDER)
    api_previous_secrets: list[SecretStr] = Field(default_factory=list)
    token_max_age_seconds: int = 60 * 60 * 24 * 90
    # How long a process trusts the token version it read (a revocation reaches every
    # process within this time; the process that revokes sees it at once).
    token_version_cache_seconds: float = Field(default=10.0, ge=0, le=300)
    # Seals the supporter's own contact details for their friends (see core/sealing.py);
    # unset: derived from the secret key.
    contact_key: SecretStr | None = None
    contact_previous_keys: list[SecretStr] = Field(default_factory=list)

    # What people see: the campaign's name on pages and opt-out links.
    campaign_name: str = "Our campaign"

    # Rate limits ("N/second|minute|hour", the ``limits`` library's notation) on the routes
    # that cost or that anyone can call; counted in Redis when ``rate_limit_storage`` or a
    # Redis broker is set (shared by every API process), else in each process's memory.
    rate_limit_signin: str = "30/minute"
    rate_limit_opt_out: str = "60/minute"
    rate_limit_upload: str = "10/minute"
    rate_limit_rerank: str = "5/minute"
    rate_limit_storage: str | None = None
    # Analysts: queries per analyst, and queries that ran out of time (each one held the
    # graph server until it was stopped); past either, the analyst waits.
    rate_limit_analyst_query: str = "60/minute"
    rate_limit_analyst_timeouts: str = "3/10 minutes"
    # Connections (and queries at once) for analysts, apart from everyone else's. Keep it
    # below what the graph server runs at once (the local server: twice the cores, at least
    # 4), so that analysts can never take every slot (see graph/db/dialect.py).
    analyst_pool_size: int = Field(default=2, ge=1, le=64)

    # Webhooks (see outreach/integrations/webhooks.py). URLs that resolve to loopback,
    # link-local, private or other non-public addresses are refused unless allowed here
    # (a server-side request forgery guard); a delivery is tried ``webhook_max_attempts``
    # times, ``webhook_retry_seconds * 2**n`` apart, and a webhook whose deliveries fail
    # ``webhook_disable_after`` times in a row is disabled, with the reason shown.
    webhook_allow_private_urls: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_retry_seconds: float = Field(default=30.0, ge=0, le=3600)
    webhook_disable_after: int = Field(default=10, ge=1, le=1000)

    # NGP VAN / EveryAction (see outreach/integrations/van.py): the application name and
    # API key VAN issued, and the database mode (0: My Voters, the voter file; 1: My
    # Campaign). Unset: no sync. ``van_export_type`` is the export job type VAN gave you.
    van_base_url: str = "https://api.securevan.com/v4"
    van_application_name: str | None = None
    van_api_key: SecretStr | None = None
    van_database_mode: int = Field(default=0, ge=0, le=1)
    van_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    van_max_retries: int = Field(default=4, ge=0, le=20)
    van_retry_seconds: float = Field(default=2.0, ge=0, le=600)
    van_export_type: int | None = None
    van_export_wait_seconds: float = Field(default=900.0, ge=1)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The address people use to reach the API, when it is not host:port (a proxy, a domain).
    public_base_url: str | None = None
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # A request body that stops arriving this long, or is still arriving after the most,
    # is refused (408): slow uploads cannot hold requests open (api/body_limit.py).
    request_body_idle_seconds: float = Field(default=30.0, gt=0)
    request_body_max_seconds: float = Field(default=600.0, gt=0)
    # A compressed voter or history file (.gz, .zip) may hold at most this much data, and
    # at most this many times its own size (past 64 MiB): more is refused as a bomb.
    decompressed_max_bytes: int = Field(default=32 * 1024**3, ge=1)
    decompression_max_ratio: float = Field(default=100.0, gt=1)
    default_region: str = "US"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _review_floor_below_threshold(self) -> Settings:
        if self.link_review_floor > self.link_threshold:
            raise ValueError(
                f"OUTREACH_LINK_REVIEW_FLOOR ({self.link_review_floor}) must not exceed "
                f"OUTREACH_LINK_THRESHOLD ({self.link_threshold})"
            )
        return self

    @model_validator(mode="after")
    def _password_from_file(self) -> Settings:
        if self.graph_password_file is not None:
            try:
                secret = self.graph_password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(
                    f"OUTREACH_GRAPH_PASSWORD_FILE ({self.graph_password_file}) cannot be read: "
                    f"{exc.strerror}"
                ) from exc
            self.graph_password = SecretStr(secret)
        return self

    @model_validator(mode="after")
    def _redelivery_after_time_limit(self) -> Settings:
        if self.task_visibility_timeout <= self.task_time_limit:
            raise ValueError(
                f"OUTREACH_TASK_VISIBILITY_TIMEOUT ({self.task_visibility_timeout}) must exceed "
                f"OUTREACH_TASK_TIME_LIMIT ({self.task_time_limit}), or a long task runs twice"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment == "production":
            for name in ("secret_key", "api_secret", "graph_password"):
                value: SecretStr = getattr(self, name)
                if value.get_secret_value() in (PLACEHOLDER, "outreach-local-graph", ""):
                    raise ValueError(
                        f"OUTREACH_{name.upper()} must be set to a real secret in production"
                    )
            if self.graph_uri is None:
                raise ValueError("OUTREACH_GRAPH_URI must point at Neo4j in production")
        return self

    @property
    def uses_local_graph(self) -> bool:
        """True when no graph URI is configured and the local Bolt server is the graph."""
        return self.graph_uri is None

    @property
    def effective_graph_uri(self) -> str:
        """The Bolt URI the driver connects to."""
        return self.graph_uri or f"bolt://127.0.0.1:{self.local_bolt_port}"

    @property
    def effective_broker_url(self) -> str:
        """The Celery broker: configured, or the embedded SQLite one."""
        if self.broker_url:
            return self.broker_url
        return f"sqla+sqlite:///{(self.data_dir / 'broker.sqlite').resolve()}"

    @property
    def effective_result_backend(self) -> str:
        """The Celery result backend: configured, or the embedded SQLite one."""
        if self.result_backend:
            return self.result_backend
        if self.broker_url and self.broker_url.startswith("redis"):
            return self.broker_url
        return f"db+sqlite:///{(self.data_dir / 'results.sqlite').resolve()}"

    @property
    def effective_rate_limit_storage(self) -> str:
        """Where rate limits are counted: configured, the Redis broker, or memory."""
        if self.rate_limit_storage:
            return self.rate_limit_storage
        if self.broker_url and self.broker_url.startswith("redis"):
            return self.broker_url
        return "memory://"

    @property
    def public_url(self) -> str:
        """Where supporters and asked friends reach the API (links in lists use it)."""
        return self.public_base_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files wait for their ingest job."""
        return self.data_dir / "uploads"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI use this after changing the environment)."""
    get_settings.cache_clear()
