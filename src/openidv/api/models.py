"""Tables of the integrator API: registered applications and the nonces they have used."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from openidv.store.db import Base, UTCDateTime, utcnow


class App(Base):
    """An integrator's application: the Yoti Hub's "SDK ID" and its public key."""

    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the sdkId
    name: Mapped[str] = mapped_column(String(200))
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Sandbox applications work only on the sandbox API, and live ones only on the live API.
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The app-wide sandbox ResponseConfig (PUT /apps/{sdkId}/response-config).
    sandbox_config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Webhook signing secrets, sealed with the master key; the previous one stays valid (and
    # is signed with too) until the rotation is finished.
    webhook_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    previous_webhook_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class UsedNonce(Base):
    """A nonce seen in a signed request; the primary key makes a replay fail to insert."""

    __tablename__ = "used_nonces"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_used_nonces_seen_at", "seen_at"),)
