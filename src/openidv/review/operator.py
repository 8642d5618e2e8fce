"""The operator's view of sessions and applications (admins only): search, a session's
checks, webhook log and retention status, and disabling applications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, or_, select

from openidv.api.models import App
from openidv.notifications.service import delivery_log
from openidv.retention.models import DeletionReceipt
from openidv.sessions.models import Check, Session, Task
from openidv.store.db import table_of

sessions_t = table_of(Session)
apps_t = table_of(App)
checks_t = table_of(Check)
tasks_t = table_of(Task)
receipts_t = table_of(DeletionReceipt)


def search(
    conn: Connection, q: str, state: str | None, since: dt.date | None, limit: int = 100
) -> list[dict[str, Any]]:
    query = (
        select(
            sessions_t.c.id, sessions_t.c.app_id, sessions_t.c.state, sessions_t.c.created_at,
            sessions_t.c.user_tracking_id, sessions_t.c.purged_at, sessions_t.c.deleted_at,
            sessions_t.c.sandbox, apps_t.c.name.label("app_name"),
        )
        .join(apps_t, apps_t.c.id == sessions_t.c.app_id)
        .order_by(sessions_t.c.created_at.desc())
        .limit(limit)
    )  # fmt: skip
    if q:
        query = query.where(or_(sessions_t.c.id == q, sessions_t.c.user_tracking_id == q))
    if state:
        query = query.where(sessions_t.c.state == state)
    if since:
        start = dt.datetime.combine(since, dt.time(), dt.UTC)
        query = query.where(sessions_t.c.created_at >= start)
    return [dict(row) for row in conn.execute(query).mappings()]


def session_page(conn: Connection, session_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(sessions_t, apps_t.c.name.label("app_name"))
        .join(apps_t, apps_t.c.id == sessions_t.c.app_id)
        .where(sessions_t.c.id == session_id)
    ).mappings().one_or_none()  # fmt: skip
    if row is None:
        return None
    items = []
    for table in (checks_t, tasks_t):
        for item in conn.execute(select(table).where(table.c.session_id == session_id)).mappings():
            outcome = item.get("report") or item.get("recommendation") or {}
            verdict = outcome.get("recommendation", outcome)
            result = " ".join(str(v) for v in (verdict.get("value"), verdict.get("reason")) if v)
            items.append(
                {
                    "type": item["type"], "state": item["state"], "result": result,
                    "review_state": item["review_state"], "attempts": item["attempts"],
                }
            )  # fmt: skip
    receipts = list(
        conn.execute(select(receipts_t).where(receipts_t.c.session_id == session_id)).mappings()
    )
    return {
        "s": dict(row),
        "items": items,
        "deliveries": delivery_log(conn, session_id),
        "receipts": receipts,
    }
