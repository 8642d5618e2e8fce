"""Deletion receipts: what was destroyed, when and why, with no personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from openidv.store.db import Base, UTCDateTime


class DeletionReceipt(Base):
    __tablename__ = "deletion_receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    app_id: Mapped[str] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(40))  # RESOURCES_TTL | SESSION_DELETED | ...
    media_destroyed: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # When the database's own pages were rid of the destroyed key's bytes (SQLite: WAL
    # checkpointed; PostgreSQL: session_keys rewritten); NULL until then.
    key_erased_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True
    )
