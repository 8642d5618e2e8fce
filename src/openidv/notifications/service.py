"""Recording notifications: a delivery row per event, written in the event's own transaction.

The delivery table is the outbox: the row commits with the state change it announces, and is
then handed to a worker; if that hand-off is lost (a crash just after commit), the reconciler
finds the row. ``event_key`` makes an event's notification unique, so an event recorded twice
(a check retried after its worker died) is still announced once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from openidv.notifications.models import Attempt, Delivery
from openidv.store.db import table_of

deliveries_t = table_of(Delivery)
attempts_t = table_of(Attempt)

# The id each topic's body carries besides session_id and topic (reference §5).
_SUBJECT_KEY = {
    "check_completion": "check_id",
    "task_completion": "task_id",
    "resource_update": "resource_id",
}
DEFAULT_TOPICS = ("SESSION_COMPLETION",)

_INSERT = {
    name: dialect.insert(deliveries_t).on_conflict_do_nothing().returning(deliveries_t.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def subscribed(spec: Mapping[str, Any], topic: str) -> bool:
    notifications = spec.get("notifications")
    if not notifications or not notifications.get("endpoint"):
        return False
    return topic.upper() in (notifications.get("topics") or DEFAULT_TOPICS)


def notify(
    conn: Connection,
    session_id: str,
    spec: Mapping[str, Any],
    topic: str,
    now: dt.datetime,
    *,
    subject_id: str | None = None,
    event_key: str | None = None,
) -> str | None:
    """Record the notification for an event if the session subscribed to its topic; returns the
    delivery id to hand to a worker after commit (None: not subscribed, or already recorded)."""
    topic = topic.lower()
    if not subscribed(spec, topic):
        return None
    body: dict[str, Any] = {"session_id": session_id, "topic": topic}
    if subject_id is not None and topic in _SUBJECT_KEY:
        body[_SUBJECT_KEY[topic]] = subject_id
    key = event_key or f"{session_id}:{topic}:{subject_id or ''}"
    row = conn.execute(
        _INSERT[conn.dialect.name].values(
            id=str(uuid.uuid4()),
            session_id=session_id,
            topic=topic,
            event_key=key,
            body=body,
            state="PENDING",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    ).first()
    return None if row is None else str(row[0])


def delivery_log(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """Every notification of a session with its attempts, oldest first (operator's view)."""
    deliveries = conn.execute(
        select(deliveries_t)
        .where(deliveries_t.c.session_id == session_id)
        .order_by(deliveries_t.c.created_at)
    ).mappings()
    log = []
    for delivery in deliveries:
        attempts = conn.execute(
            select(
                attempts_t.c.attempted_at,
                attempts_t.c.status_code,
                attempts_t.c.latency_ms,
                attempts_t.c.error,
            )
            .where(attempts_t.c.delivery_id == delivery["id"])
            .order_by(attempts_t.c.id)
        ).mappings()
        log.append({**delivery, "attempt_log": [dict(a) for a in attempts]})
    return log


def replay(conn: Connection, delivery_id: str, now: dt.datetime) -> bool:
    """Send a delivery again (delivered, failed or pending): it is due now, with a fresh
    give-up window. Returns False when there is no such delivery."""
    return bool(
        conn.execute(
            update(deliveries_t)
            .where(deliveries_t.c.id == delivery_id)
            .values(state="PENDING", next_attempt_at=now, lease_until=None, created_at=now)
        ).rowcount
    )
