"""Sandbox: applications and sessions marked, ResponseConfigs stored

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:26:43.730119
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sandbox", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("sandbox_config", sa.JSON(), nullable=True))

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sandbox", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("sandbox_config", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("sandbox_config")
        batch_op.drop_column("sandbox")

    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("sandbox_config")
        batch_op.drop_column("sandbox")
