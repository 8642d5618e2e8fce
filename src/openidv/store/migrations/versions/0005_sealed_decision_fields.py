"""Review decisions: fields a reviewer enters are sealed with the session's data key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:30:00.000000

A FINAL decision's fields were copied, sealed, into the resource's document_fields media when
it was applied, so the clear copy is dropped here. A PROPOSED one's clear fields are kept until
it is confirmed (the migration has no master key to seal them with); confirming or purging
clears them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields_sealed", sa.LargeBinary(), nullable=True))
    decisions = sa.table("review_decisions", sa.column("state"), sa.column("fields", sa.JSON()))
    op.execute(decisions.update().where(decisions.c.state != "PROPOSED").values(fields=None))


def downgrade() -> None:
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_column("fields_sealed")
