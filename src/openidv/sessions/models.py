"""Tables of a session and what hangs off it: its checks and its media."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
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
    # The client session token is looked up by its SHA-256 and kept sealed with the session's
    # data key so GET /sessions can return it while it lives.
    client_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    client_token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    client_token_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resources_expire_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # The session's data key wrapped by the master key; NULL once purged (crypto-shredding).
    wrapped_data_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    biometric_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted sessions keep a tombstone row (for audit and receipts) but answer 404.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Check(Base):
    __tablename__ = "checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)  # order of requested_checks
    type: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # CREATED | PENDING | DONE | INTERNAL_ERROR
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    resources_used: Mapped[list[str]] = mapped_column(JSON, default=list)
    generated_media: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_checks_session_id_position", "session_id", "position"),)


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
