"""Tracked devices: the client-API events of a session and the device each came from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracked_devices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=True),
        sa.Column("device", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tracked_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracked_devices_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tracked_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracked_devices_session_id"))
    op.drop_table("tracked_devices")
