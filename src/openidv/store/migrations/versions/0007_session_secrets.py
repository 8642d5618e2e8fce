"""Session data keys, and what is sealed with them, in their own table (session_secrets), so
that a purge's can be erased from the pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 21:45:00

The wrapped keys (sessions.wrapped_data_key), the sealed client tokens
(sessions.client_token_sealed) and the sealed entered fields (review_decisions.fields_sealed)
move to session_secrets, one row each. On PostgreSQL dropping a column leaves its values in
the old tuples, so both tables are rewritten once (VACUUM FULL, outside the migration's
transaction): an upgrade of a large database holds them locked while they are rewritten.
Webhook credentials sealed in a spec by an earlier release stay there (they are read from
there; a purge clears the spec). Deletion receipts get key_erased_at, NULL until the next
erasure covers them (retention.erasure).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MOVED = (  # (table, column, the secret's name as SQL)
    ("sessions", "wrapped_data_key", "'data_key'"),
    ("sessions", "client_token_sealed", "'client_token'"),
    ("review_decisions", "fields_sealed", "'decision_fields:' || id"),
)


# PostgreSQL: hash partitions of session_secrets. The erasure rewrites only the partitions a
# purge deleted from, and each rewrite locks only its own: with one table, rewriting the
# secrets of 100,000 live sessions (66 MB) held every create back for 2.8-3.2 s
# (benchmarks/secret_erasure.py); a 64th of that is one partition's.
PARTITIONS = 64


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE session_secrets (session_id VARCHAR(36) NOT NULL,"
            " name VARCHAR(80) NOT NULL, value BYTEA NOT NULL,"
            " CONSTRAINT pk_session_secrets PRIMARY KEY (session_id, name),"
            " CONSTRAINT fk_session_secrets_session_id_sessions FOREIGN KEY (session_id)"
            " REFERENCES sessions (id) ON DELETE CASCADE) PARTITION BY HASH (session_id)"
        )
        for remainder in range(PARTITIONS):
            op.execute(
                f"CREATE TABLE session_secrets_p{remainder} PARTITION OF session_secrets"
                f" FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})"
            )
    else:
        op.create_table(
            "session_secrets",
            sa.Column("session_id", sa.String(length=36), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("value", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(
                ["session_id"], ["sessions.id"], ondelete="CASCADE",
                name="fk_session_secrets_session_id_sessions",
            ),
            sa.PrimaryKeyConstraint("session_id", "name", name="pk_session_secrets"),
        )  # fmt: skip
    for table, column, name in MOVED:
        owner = "id" if table == "sessions" else "session_id"
        op.execute(
            f"INSERT INTO session_secrets (session_id, name, value) SELECT {owner}, {name},"  # noqa: S608
            f" {column} FROM {table} WHERE {column} IS NOT NULL"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deletion_receipts_key_erased_at"), ["key_erased_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # ANALYZE keeps sampled values of a column in pg_statistic (a bytea or varchar
        # column's histogram bounds), where no purge reaches them: none for these.
        op.execute("ALTER TABLE session_secrets ALTER COLUMN value SET STATISTICS 0")
        op.execute("ALTER TABLE sessions ALTER COLUMN user_tracking_id SET STATISTICS 0")
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL sessions")
            op.execute("VACUUM FULL review_decisions")


def downgrade() -> None:
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_receipts_key_erased_at"))
        batch_op.drop_column("key_erased_at")
    for table, column, name in MOVED:
        owner = "sessions.id" if table == "sessions" else f"{table}.session_id"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))
        named = name.replace("id", f"{table}.id")
        op.execute(
            f"UPDATE {table} SET {column} = (SELECT s.value FROM session_secrets s"  # noqa: S608
            f" WHERE s.session_id = {owner} AND s.name = {named})"
        )
    op.drop_table("session_secrets")
