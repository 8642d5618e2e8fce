"""Tables of a session and what hangs off it: its checks and its media."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from openidv.store.db import Base, UTCDateTime, utcnow


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(36), ForeignKey("apps.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # ONGOING | COMPLETED | EXPIRED
    # The validated, normalised SessionSpec as JSON (never the raw request body).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Requirement ids handed to the capture client (GET /configuration): stable per session.
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    user_tracking_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    # The client session token is looked up by its SHA-256; sealed with the session's data
    # key (session_secrets) so GET /sessions can return it while it lives.
    client_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    client_token_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resources_expire_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    biometric_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted sessions keep a tombstone row (for audit and receipts) but answer 404.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The end user finished the journey: evidence is complete and processing may start.
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Personal data destroyed (resources_ttl or deletion); the row stays as a tombstone.
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Created through the sandbox API: results come from the ResponseConfig, no model runs.
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sandbox_config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class SessionSecret(Base):
    """A live session's data key (wrapped by the master key) and the small values sealed
    with it (its client token, its webhook credential, what reviewers entered), by name
    (sessions.keys). Every row of a session is deleted when it is purged (crypto-shredding).

    Kept apart from the other tables so that they can be erased for real: on PostgreSQL a
    deleted row's bytes stay in its page until the page is reused, and only rewriting the
    relation removes them. This table is narrow (a few short rows per live session), so
    rewriting it is cheap (retention.erasure, THREAT_MODEL.md).
    """

    __tablename__ = "session_secrets"

    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class WorkItemColumns:
    """What checks and tasks share: their processing state, lease and review routing."""

    state: Mapped[str] = mapped_column(String(16))  # CREATED | PENDING | DONE | INTERNAL_ERROR
    manual_check: Mapped[str] = mapped_column(String(16), default="NEVER")
    # A worker owns the item until lease_until; past it, the reconciler hands it to another.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The machine's own result, kept beside the final one when a human decides.
    machine_result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # NULL: no human needed | QUEUED: waiting for a reviewer | DONE: decided by a reviewer.
    review_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The reviewer working on it (two reviewers never work the same item) and since when.
    claimed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the item entered the review queue: the SLA clock.
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Check(WorkItemColumns, Base):
    __tablename__ = "checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)  # order of requested_checks, then retries
    type: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    resources_used: Mapped[list[str]] = mapped_column(JSON, default=list)
    generated_media: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_checks_session_id_position", "session_id", "position"),
        Index("ix_checks_state_lease_until", "state", "lease_until"),
    )


class Resource(Base):
    """Evidence the end user provided for one requirement: a document or a liveness capture.

    Pages, frames and images are media ids kept in ``content`` (their bytes are in ``media``).
    """

    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    requirement_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))  # ID_DOCUMENT | SUPPLEMENTARY_DOCUMENT | LIVENESS
    document_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issuing_country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    liveness_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(WorkItemColumns, Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("resources.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    recommendation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    generated_media: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    generated_checks: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_tasks_state_lease_until", "state", "lease_until"),)


class Media(Base):
    """One stored piece of media. Its bytes live in the blob store, encrypted."""

    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))  # IMAGE | JSON | BINARY | PDF
    content_type: Mapped[str] = mapped_column(String(100))
    blob_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set once the blob is gone from the store; until then the purge job keeps deleting it.
    blob_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TrackedDevice(Base):
    """One client-API event and the device it came from (Yoti's tracked devices): what the
    request showed (user agent, Accept-Language, peer address), deleted with the session."""

    __tablename__ = "tracked_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    # CONFIG_FIRST_LOADED | RESOURCE_CREATED | CLIENT_SESSION_TOKEN_DELETED
    event: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    device: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
