"""Erasing destroyed session keys, and what they sealed, from the database's own files.

Deleting a session's ``session_secrets`` rows (its wrapped data key, and the small values
sealed with it) makes its data unreadable (crypto-shredding), but the rows' bytes are not
gone yet: SQLite keeps the old page in its WAL until a checkpoint
(``secure_delete`` zeroes the main file), and PostgreSQL keeps the dead tuple in its page
until VACUUM, and the bytes of a vacuumed tuple in the page's free space until the space is
reused (VACUUM moves tuples, it zeroes nothing). Only a rewrite of the relation removes them
on PostgreSQL: ``VACUUM FULL`` writes the live rows to a new file and truncates the old one
when it commits. The table holds a few short rows per live session, in 64 hash partitions
(migration 0007), and only the partitions a purge deleted from are rewritten, one at a time:
each rewrite locks its partition (the creates that land there wait behind it) for as long as
a 64th of the table takes (benchmarks/secret_erasure.py). It runs batched: at most once per
``key_erasure_interval_seconds``, from the scheduler, when a purge is waiting for it. Then a
CHECKPOINT, so that the WAL segments written before the purge can be recycled.

Which purges a rewrite erased is exact: each deletion receipt is written in the purge's own
transaction, and VACUUM FULL copies a deleted row into the new file only while a transaction
that may still see it is running; so a rewrite marks (``key_erased_at``) only the receipts
whose purge committed before every snapshot then open (PostgreSQL's transaction ids, below).
A crash or kill -9 during the rewrite loses nothing: it commits as a whole or not at all, and
the receipts stay unmarked for the next tick.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.exc import DBAPIError

from openidv.retention.models import DeletionReceipt
from openidv.store.db import checkpoint_after_deletion, table_of, utcnow

log = logging.getLogger(__name__)
receipts_t = table_of(DeletionReceipt)

BATCH = 1000

# Receipts whose purge (the receipt row's own xmin) every open snapshot sees as committed:
# older than the oldest xmin or xid any other backend, replication slot or prepared
# transaction holds, the horizon VACUUM FULL keeps deleted rows for. (A backend of another
# database role shows no xmin to a role without pg_read_all_stats: THREAT_MODEL.md.)
_PENDING_PG = text(
    "SELECT id, session_id FROM deletion_receipts WHERE key_erased_at IS NULL AND age(xmin) > ("
    " SELECT coalesce(max(a), -1) FROM ("
    "  SELECT greatest(age(backend_xmin), age(backend_xid)) AS a FROM pg_stat_activity"
    "   WHERE pid <> pg_backend_pid()"
    "  UNION ALL SELECT greatest(age(xmin), age(catalog_xmin)) FROM pg_replication_slots"
    "  UNION ALL SELECT age(transaction) FROM pg_prepared_xacts) AS horizon)"
    " LIMIT :batch"
)


def erase_destroyed_keys(engine: Engine, min_interval_seconds: float, busy_ms: int = 200) -> int:
    """Rid the database's files of the keys that purges deleted; returns how many purges'
    keys it erased (0 when none was waiting, or it could not run this time)."""
    now = utcnow()
    postgres = engine.dialect.name == "postgresql"
    dirty: list[str] = []
    with engine.connect() as conn:
        if postgres:
            last = conn.execute(select(func.max(receipts_t.c.key_erased_at))).scalar_one()
            if last is not None and now - last < dt.timedelta(seconds=min_interval_seconds):
                return 0
            pending = conn.execute(_PENDING_PG, {"batch": BATCH}).all()
            dirty = _partitions_of(conn, [session_id for _, session_id in pending])
        else:
            pending = conn.execute(
                select(receipts_t.c.id, receipts_t.c.session_id)
                .where(receipts_t.c.key_erased_at.is_(None))
                .limit(BATCH)
            ).all()
    if not pending:
        return 0
    done = _rewrite(engine, dirty, busy_ms) if postgres else checkpoint_after_deletion(engine)
    if not done:
        return 0
    ids = [receipt_id for receipt_id, _ in pending]
    with engine.begin() as conn:
        conn.execute(
            update(receipts_t).where(receipts_t.c.id.in_(ids)).values(key_erased_at=utcnow())
        )
    return len(ids)


def _partitions_of(conn: Connection, session_ids: list[str]) -> list[str]:
    """The partitions of session_secrets that held these sessions' rows (migration 0007
    hash-partitions it on PostgreSQL); the table itself if it is not partitioned."""
    partitions = conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'session_secrets'::regclass"
        )
    ).all()
    if not partitions:
        return ["session_secrets"]
    dirty = []
    for name, bound in partitions:
        modulus, remainder = (int(n) for n in re.findall(r"\d+", bound))
        holds = conn.execute(
            text(
                "SELECT 1 FROM unnest(CAST(:ids AS text[])) AS s(id) WHERE"
                " satisfies_hash_partition('session_secrets'::regclass, :modulus, :remainder,"
                " CAST(s.id AS varchar)) LIMIT 1"
            ),
            {"ids": session_ids, "modulus": modulus, "remainder": remainder},
        ).first()
        if holds:
            dirty.append(name)
    return dirty


def _rewrite(engine: Engine, relations: list[str], busy_ms: int) -> bool:
    # Outside a transaction (VACUUM cannot run in one), one relation at a time: each rewrite
    # locks only its own partition, for as long as that one takes. lock_timeout: a rewrite
    # waits at most busy_ms for its lock, since creates queue behind a waiting ACCESS
    # EXCLUSIVE request.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            conn.exec_driver_sql(f"SET lock_timeout = {int(busy_ms)}")
            for relation in relations:
                conn.exec_driver_sql(f'VACUUM FULL "{relation}"')
        except DBAPIError as exc:
            log.info("session_secrets not rewritten this time: %s", exc.orig)
            return False
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
        try:
            # The WAL written before the purge holds the secrets' inserts; a checkpoint lets
            # those segments be recycled. It needs superuser or pg_checkpoint (PostgreSQL
            # 15+); without it PostgreSQL's own checkpoints (checkpoint_timeout) come later.
            conn.exec_driver_sql("CHECKPOINT")
        except DBAPIError as exc:
            log.warning("CHECKPOINT refused (%s); WAL recycles at the next automatic one", exc.orig)
    return True
