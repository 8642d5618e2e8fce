"""Processing, notifications and retention: resources, tasks, leases, delivery log, receipts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:45:12.152621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "deletion_receipts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("media_destroyed", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_receipts")),
    )
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deletion_receipts_app_id"), ["app_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deletion_receipts_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_notification_deliveries_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint("event_key", name=op.f("uq_notification_deliveries_event_key")),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_deliveries_due", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_deliveries_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "resources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=64), nullable=True),
        sa.Column("issuing_country", sa.String(length=3), nullable=True),
        sa.Column("liveness_type", sa.String(length=16), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_resources_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resources_session_id"), ["session_id"], unique=False)

    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["notification_deliveries.id"],
            name=op.f("fk_notification_attempts_delivery_id_notification_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_attempts_delivery_id"), ["delivery_id"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.JSON(), nullable=True),
        sa.Column("generated_media", sa.JSON(), nullable=False),
        sa.Column("generated_checks", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("manual_check", sa.String(length=16), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("machine_result", sa.JSON(), nullable=True),
        sa.Column("review_state", sa.String(length=16), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_tasks_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_tasks_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_session_id"), ["session_id"], unique=False)
        batch_op.create_index("ix_tasks_state_lease_until", ["state", "lease_until"], unique=False)

    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_secret_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("previous_webhook_secret_sealed", sa.LargeBinary(), nullable=True)
        )

    with op.batch_alter_table("checks", schema=None) as batch_op:
        # Existing rows predate manual routing: they are never sent to review.
        batch_op.add_column(
            sa.Column("manual_check", sa.String(length=16), nullable=False, server_default="NEVER")
        )
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("machine_result", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("review_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("error", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_checks_state_lease_until", ["state", "lease_until"], unique=False)

    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blob_deleted_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("blob_deleted_at")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
        batch_op.drop_column("completed_at")
        batch_op.drop_column("submitted_at")

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index("ix_checks_state_lease_until")
        batch_op.drop_column("error")
        batch_op.drop_column("review_state")
        batch_op.drop_column("machine_result")
        batch_op.drop_column("attempts")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("manual_check")

    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("previous_webhook_secret_sealed")
        batch_op.drop_column("webhook_secret_sealed")

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_state_lease_until")
        batch_op.drop_index(batch_op.f("ix_tasks_session_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_attempts_delivery_id"))

    op.drop_table("notification_attempts")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resources_session_id"))

    op.drop_table("resources")
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_session_id"))
        batch_op.drop_index("ix_notification_deliveries_due")

    op.drop_table("notification_deliveries")
    op.drop_table("leases")
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_receipts_session_id"))
        batch_op.drop_index(batch_op.f("ix_deletion_receipts_app_id"))

    op.drop_table("deletion_receipts")
