"""The audit log: append-only and hash-chained.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical
content, so editing, deleting or reordering any row breaks every hash after it;
:func:`verify` walks the chain (``openidv audit verify``). Appends are serialised (SQLite's
single writer; a transaction-scoped advisory lock on PostgreSQL) so the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, insert, select, text

from openidv.review.models import AuditEntry
from openidv.store.db import table_of

audit_t = table_of(AuditEntry)
GENESIS = "0" * 64
_LOCK_KEY = 0x6F70656E6964  # "openid": any constant shared by all appenders


def _digest(prev: str, at: dt.datetime, actor: str, action: str, subject: str, details: str) -> str:
    material = json.dumps(
        [
            prev,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            details,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


def append(
    conn: Connection,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    prev = conn.execute(select(audit_t.c.hash).order_by(audit_t.c.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    canonical = json.dumps(details, sort_keys=True, separators=(",", ":"))
    conn.execute(
        insert(audit_t),
        {
            "at": now,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": canonical,
            "prev_hash": prev,
            "hash": _digest(prev, now, actor, action, subject, canonical),
        },
    )


def entries(conn: Connection) -> Iterator[dict[str, Any]]:
    for row in conn.execute(select(audit_t).order_by(audit_t.c.id)).mappings():
        yield dict(row)


def verify(conn: Connection) -> tuple[bool, int | None]:
    """(True, None) when the whole chain holds, else (False, id of the first bad entry)."""
    prev = GENESIS
    for row in entries(conn):
        expected = _digest(
            prev, row["at"], row["actor"], row["action"], row["subject"], row["details"]
        )
        if row["prev_hash"] != prev or row["hash"] != expected:
            return False, int(row["id"])
        prev = row["hash"]
    return True, None
