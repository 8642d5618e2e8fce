"""Session data keys in their own table, so that a purged key can be erased from the pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 21:45:00

The wrapped keys move from sessions.wrapped_data_key to session_keys (one row per live
session). On PostgreSQL dropping the column leaves its values in the old tuples, so sessions
is rewritten once (VACUUM FULL, outside the migration's transaction): an upgrade of a large
database holds that table locked while it is rewritten. Deletion receipts get key_erased_at,
NULL until the next erasure covers them (retention.erasure).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATISTICS_OFF = (
    ("session_keys", "wrapped_data_key"),
    ("sessions", "client_token_sealed"),
    ("sessions", "user_tracking_id"),
    ("review_decisions", "fields_sealed"),
)


def upgrade() -> None:
    op.create_table(
        "session_keys",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.execute(
        "INSERT INTO session_keys (session_id, wrapped_data_key)"
        " SELECT id, wrapped_data_key FROM sessions WHERE wrapped_data_key IS NOT NULL"
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("wrapped_data_key")
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deletion_receipts_key_erased_at"), ["key_erased_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # ANALYZE keeps sampled values of each column in pg_statistic (a bytea or varchar
        # column's histogram bounds), where a purge never reaches them: none for these.
        for table, column in STATISTICS_OFF:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0")
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL sessions")


def downgrade() -> None:
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_receipts_key_erased_at"))
        batch_op.drop_column("key_erased_at")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE sessions SET wrapped_data_key = (SELECT k.wrapped_data_key FROM session_keys k"
        " WHERE k.session_id = sessions.id)"
    )
    op.drop_table("session_keys")
