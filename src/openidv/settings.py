"""Runtime settings, read once from ``OPENIDV_*`` environment variables at the entry point.

Nothing in openidv reads the environment anywhere else: the CLI builds a :class:`Settings` and
passes it down, so tests can build as many differently-configured apps as they like.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENIDV_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"),
        description="All embedded state (SQLite database, media, master key) lives here.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    master_key: str | None = Field(
        default=None,
        description="Base64 of 32 bytes: the key-encryption key for media. Default: generated "
        "once into data_dir/master.key (mode 0600).",
    )
    storage_url: str | None = Field(
        default=None, description="s3://bucket/prefix to keep media in S3; default: data_dir/media."
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="For S3-compatible stores other than AWS (MinIO, SeaweedFS...)."
    )
    api_prefix: str = "/idverify/v1"
    sandbox_prefix: str = "/sandbox/idverify/v1"

    # Signed-request authentication (see api/auth.py for the rules).
    auth_timestamp_window_seconds: int = Field(
        default=600,
        gt=0,
        description="A timestamp that looks like wall-clock time (epoch ms or s) must be this "
        "close to now. Timestamps that are not wall-clock, and every timestamp of a client "
        "that says it is the Java SDK (X-Yoti-SDK: Java; its clock is monotonic), are "
        "accepted and protected by the nonce alone.",
    )
    auth_reject_non_wallclock_timestamps: bool = False
    auth_nonce_retention_seconds: int = Field(
        default=86400,
        description="A nonce is refused when seen again from the same app within this time.",
    )

    max_request_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Largest request body outside media uploads and sandbox response configs "
        "(refused with 413 before it is read).",
    )

    failure_limit_per_address: int = Field(
        default=30,
        ge=1,
        description="Failed signatures (or client tokens) one address may send per minute "
        "before it is refused with 429.",
    )
    failure_limit_per_app: int = Field(
        default=600,
        ge=1,
        description="Failed signatures for one sdkId per minute, from all addresses together.",
    )

    # Session rules that are ours to choose (Yoti documents defaults, not limits).
    default_client_session_token_ttl: int = 600
    default_resources_ttl: int = 604800
    allow_http_notification_endpoints: bool = Field(
        default=False, description="Yoti only calls https endpoints; allow http for local dev."
    )
    supported_documents_file: Path | None = Field(
        default=None,
        description="JSON file replacing the built-in supported-documents list.",
    )

    # Background work (jobs/, checks/, notifications/, retention/).
    queue_url: str | None = Field(
        default=None, description="redis://host:6379/0 to share the queue between machines."
    )
    queue_name: str = Field(default="openidv", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    worker_processes: int = Field(default=2, ge=1, description="Consumer workers (CPU work).")
    worker_type: Literal["process", "thread"] = "process"
    engines: str | None = Field(
        default=None,
        description="Check/task engines: TYPE=module:attribute, comma-separated.",
    )
    processing_lease_seconds: float = Field(default=300.0, gt=0)
    processing_max_attempts: int = Field(default=3, ge=1)
    scheduler_interval_seconds: float = Field(default=5.0, gt=0)
    key_erasure_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description="PostgreSQL: at most how often the scheduler rewrites session_keys to "
        "erase purged keys (the rewrite briefly holds session creates back).",
    )
    reconcile_grace_seconds: float = Field(
        default=30.0, ge=0, description="How overdue work must be before it is re-enqueued."
    )
    webhook_allowed_networks: str = Field(
        default="",
        description="Private networks webhooks may reach anyway (CIDR, comma-separated).",
    )
    webhook_backoff_base_seconds: float = Field(default=5.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_give_up_after_seconds: float = Field(default=80 * 3600.0, gt=0)
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Deadline for one whole webhook delivery: connect, send, read the status.",
    )

    passive_liveness_model: Path | None = Field(
        default=None,
        description=(
            "An ONNX passive anti-spoofing model for STATIC liveness (see checks/liveness.py for "
            "its input); without one, STATIC liveness never approves on its own."
        ),
    )

    capture_quality_check: bool = Field(
        default=True,
        description="Check each document photo as it is uploaded (blur, glare, resolution, "
        "MRZ, portrait) so the user can retake it at once; false takes every photo as sent.",
    )

    capture_privacy_policy_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="The privacy policy the capture page links to when a session's "
        "sdk_config names none (the deployment's own).",
    )

    liveness_manual_review: bool = Field(
        default=False,
        description=(
            "Accept manual_check FALLBACK and ALWAYS on LIVENESS checks: a reviewer sees the "
            "frames and what the engine measured (needed for STATIC without a passive model)."
        ),
    )

    demo: bool | None = Field(
        default=None,
        description="Serve /demo (an integrator page that verifies you). Default: only when "
        "the server listens on a loopback address; true or false to decide.",
    )

    # Review console (review/).
    review_four_eyes: Literal["off", "reject", "all"] = Field(
        default="off", description="Which decisions need a second reviewer."
    )
    console_secure_cookies: bool = Field(
        default=True, description="Console cookies only over https; false for local http."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper presents at /metrics; unset: answered "
        "only when the server listens on loopback, to unproxied loopback requests.",
    )

    @model_validator(mode="after")
    def _nonce_outlives_timestamp_window(self) -> Settings:
        # A replayed request must hit the nonce table for as long as its timestamp is fresh.
        if self.auth_nonce_retention_seconds < 2 * self.auth_timestamp_window_seconds:
            raise ValueError(
                "auth_nonce_retention_seconds must be at least twice auth_timestamp_window_seconds"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'openidv.sqlite3').resolve()}"

    def prepare_data_dir(self) -> None:
        """Create the data directory, readable by the service's user only."""
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700)
            self.data_dir.chmod(0o700)  # mkdir's mode is filtered by the umask

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"
