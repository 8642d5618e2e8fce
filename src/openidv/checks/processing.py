"""Running one check or task: claim it, gather its evidence, run its engine, route the result.

Safe to run any number of times for the same item, by any number of workers (at-least-once
queues deliver duplicates, and the reconciler re-enqueues work whose worker died):

* the claim is a conditional UPDATE that takes a lease and increments ``attempts``;
* the engine runs outside any transaction;
* the result is written only if the item is still PENDING under the attempt this worker
  claimed (``attempts`` is the fencing token), so a worker that lost its lease cannot overwrite
  the result of the one that replaced it;
* the completion notifications are recorded with unique event keys in the same transaction.

An engine that keeps failing ends INTERNAL_ERROR with a reason after ``max_attempts``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.engine import RowMapping

from openidv.api.models import App
from openidv.checks.document_media import with_document_media
from openidv.checks.engines import (
    EngineRegistry,
    Evidence,
    EvidenceResource,
    MachineResult,
    MediaItem,
)
from openidv.notifications.service import notify
from openidv.review.renditions import prepare
from openidv.sandbox.engine import SandboxEngine
from openidv.sessions import events, keys, states
from openidv.sessions.filters import allows_expired
from openidv.sessions.models import Check, Media, Resource, Session, Task
from openidv.sessions.service import SessionContext, media_aad, store_media
from openidv.store.crypto import unseal
from openidv.store.db import table_of, utcnow

log = logging.getLogger(__name__)

checks_t = table_of(Check)
tasks_t = table_of(Task)
sessions_t = table_of(Session)
resources_t = table_of(Resource)
media_t = table_of(Media)
apps_t = table_of(App)

Kind = Literal["check", "task"]
TABLES: dict[str, Table] = {"check": checks_t, "task": tasks_t}


@dataclass(frozen=True)
class ProcessingPolicy:
    lease_seconds: float = 300.0
    max_attempts: int = 3


@dataclass(frozen=True)
class ProcessingContext:
    engine: Engine
    sessions: SessionContext
    engines: EngineRegistry
    policy: ProcessingPolicy


@dataclass
class Followups:
    """Work that became due in a committed transaction: hand it to the queue."""

    deliveries: list[str] = field(default_factory=list)


def run_item(ctx: ProcessingContext, kind: Kind, item_id: str) -> Followups:
    table = TABLES[kind]
    attempt = _claim(ctx, table, item_id)
    if attempt is None:
        return Followups()
    if attempt > ctx.policy.max_attempts:
        return _give_up(ctx, kind, item_id, attempt)
    try:
        evidence, sandbox = _evidence(ctx, kind, item_id)
        engine = SandboxEngine() if sandbox else ctx.engines.for_type(evidence.item_type)
        result = with_document_media(evidence, engine.run(evidence), sandbox)
    except Exception as exc:
        log.exception("%s %s failed on attempt %d", kind, item_id, attempt)
        _record_failure(ctx, table, item_id, attempt, f"{type(exc).__name__}: {exc}")
        return Followups()
    return _record(ctx, kind, item_id, attempt, result, sandbox=sandbox)


def _claim(ctx: ProcessingContext, table: Table, item_id: str) -> int | None:
    now = utcnow()
    with ctx.engine.begin() as conn:
        found = conn.execute(
            select(sessions_t.c.submitted_at, table.c.state)
            .join(table, table.c.session_id == sessions_t.c.id)
            .where(table.c.id == item_id, sessions_t.c.purged_at.is_(None))
        ).one_or_none()
        # Runnable once the session is submitted, or (liveness attempts, judged while the user
        # waits) once released to PENDING before that.
        if found is None or (found.submitted_at is None and found.state != states.PENDING):
            return None
        claimed = conn.execute(
            update(table)
            .where(
                table.c.id == item_id,
                table.c.state.in_((states.CREATED, states.PENDING)),
                table.c.review_state.is_(None),
                (table.c.lease_until.is_(None)) | (table.c.lease_until < now),
            )
            .values(
                state=states.PENDING,
                attempts=table.c.attempts + 1,
                lease_until=now + dt.timedelta(seconds=ctx.policy.lease_seconds),
                last_updated=now,
            )
        ).rowcount
        if not claimed:
            return None
        attempts: int = conn.execute(
            select(table.c.attempts).where(table.c.id == item_id)
        ).scalar_one()
        return attempts


def _media_loader(
    ctx: ProcessingContext, session_id: str, data_key: bytes, row: RowMapping
) -> MediaItem:
    media_id, blob_key = row["id"], row["blob_key"]

    def load() -> bytes:
        return unseal(data_key, ctx.sessions.blobs.get(blob_key), media_aad(session_id, media_id))

    return MediaItem(media_id=media_id, content_type=row["content_type"], load=load)


def _evidence(ctx: ProcessingContext, kind: Kind, item_id: str) -> tuple[Evidence, bool]:
    """The item's evidence, and whether it belongs to a sandbox session."""
    table = TABLES[kind]
    with ctx.engine.connect() as conn:
        item = conn.execute(select(table).where(table.c.id == item_id)).mappings().one()
        session = (
            conn.execute(select(sessions_t).where(sessions_t.c.id == item["session_id"]))
            .mappings()
            .one()
        )
        attempt = 0
        if kind == "check":
            attempt = len(
                conn.execute(
                    select(checks_t.c.id).where(
                        checks_t.c.session_id == session["id"],
                        checks_t.c.type == item["type"],
                        checks_t.c.position < item["position"],
                    )
                ).all()
            )
        sandbox_config = None
        if session["sandbox"]:
            sandbox_config = (
                session["sandbox_config"]
                or conn.execute(
                    select(apps_t.c.sandbox_config).where(apps_t.c.id == session["app_id"])
                ).scalar_one()
            )
        wanted = [item["resource_id"]] if kind == "task" else list(item["resources_used"])
        rows = conn.execute(select(resources_t).where(resources_t.c.id.in_(wanted))).mappings()
        resource_rows = sorted(rows, key=lambda r: wanted.index(r["id"]))
        media = {
            m["id"]: m
            for m in conn.execute(
                select(media_t).where(media_t.c.session_id == item["session_id"])
            ).mappings()
        }
        wrapped = keys.wrapped_key(conn, session["id"])
    if wrapped is None:  # purged since the claim: an attempt that fails, as any other
        raise LookupError(f"session {session['id']} has no data key")
    data_key = ctx.sessions.keyring.unwrap(wrapped, session["id"])

    def items(ids: list[str]) -> list[MediaItem]:
        return [_media_loader(ctx, session["id"], data_key, media[i]) for i in ids if i in media]

    filters = {r["id"]: r.get("filter") for r in session["requirements"]}
    resources = [
        EvidenceResource(
            id=r["id"],
            type=r["type"],
            document_type=r["document_type"],
            issuing_country=r["issuing_country"],
            liveness_type=r["liveness_type"],
            challenge=r["content"].get("challenge"),
            capture=r["content"].get("capture"),  # liveness: camera facts, frame arrivals
            # A face capture's one image is its page.
            pages=items(
                [p["media_id"] for p in r["content"].get("pages", [])]
                + ([r["content"]["image"]] if r["content"].get("image") else [])
            ),
            frames=items(list(r["content"].get("frames", []))),
            allow_expired_documents=allows_expired(filters.get(r["requirement_id"])),
            document_fields=next(iter(items([r["content"]["document_fields"]])), None)
            if r["content"].get("document_fields")
            else None,
        )
        for r in resource_rows
    ]
    evidence = Evidence(
        session_id=session["id"],
        item_type=item["type"],
        config=item["config"],
        resources=resources,
        attempt=attempt,
        sandbox_config=sandbox_config,
    )
    return evidence, bool(session["sandbox"])


def _record_failure(
    ctx: ProcessingContext, table: Table, item_id: str, attempt: int, error: str
) -> None:
    # Release the lease at once: the reconciler retries without waiting for it to run out.
    with ctx.engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == item_id, table.c.attempts == attempt)
            .values(lease_until=None, error=error[:500], last_updated=utcnow())
        )


def _give_up(ctx: ProcessingContext, kind: Kind, item_id: str, attempt: int) -> Followups:
    table = TABLES[kind]
    now = utcnow()
    followups = Followups()
    with ctx.engine.begin() as conn:
        row = conn.execute(select(table).where(table.c.id == item_id)).mappings().one()
        reason = f"gave up after {attempt - 1} attempts: {row['error'] or 'worker lost'}"
        done = conn.execute(
            update(table)
            .where(table.c.id == item_id, table.c.attempts == attempt)
            .values(
                state=states.INTERNAL_ERROR, lease_until=None, error=reason[:500], last_updated=now
            )
        ).rowcount
        if done:
            events.event(
                f"{kind} done",
                row["session_id"],
                type=row["type"],
                state=states.INTERNAL_ERROR,
                **{kind: item_id},
            )
            followups.deliveries += announce_final(conn, kind, row, now)
    return followups


def _store_generated(
    conn: Connection,
    ctx: ProcessingContext,
    session_id: str,
    result: MachineResult,
    now: dt.datetime,
) -> tuple[list[dict[str, str]], dict[str, str]]:
    generated, roles = [], {}
    for item in result.media:
        media_id = store_media(
            conn,
            ctx.sessions,
            session_id,
            content=item.content,
            content_type=item.content_type,
            media_type=item.media_type,
            now=now,
        )
        generated.append({"id": media_id, "type": item.media_type})
        roles[item.role] = media_id
    return generated, roles


class _LeaseLost(Exception):
    pass


def _record(
    ctx: ProcessingContext,
    kind: Kind,
    item_id: str,
    attempt: int,
    result: MachineResult,
    *,
    sandbox: bool = False,
) -> Followups:
    table = TABLES[kind]
    now = utcnow()
    followups = Followups()
    queued: RowMapping | None = None
    try:
        with ctx.engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.id == item_id)).mappings().one()
            manual = row["manual_check"]
            # A sandbox result is the integrator's configured one, final as Yoti's sandbox
            # returns it: no reviewer stands between a CI run and its outcome.
            to_review = not sandbox and (
                manual == "ALWAYS" or (manual == "FALLBACK" and not result.decided)
            )
            generated, roles = _store_generated(conn, ctx, row["session_id"], result, now)
            machine: dict[str, Any] = {
                "decided": result.decided,
                "report": result.report,
                "recommendation": result.recommendation,
                "generated_media": generated,
            }
            values: dict[str, Any] = {
                "lease_until": None,
                "machine_result": machine,
                "last_updated": now,
                "generated_media": generated,
            }
            if to_review:
                values["review_state"] = states.REVIEW_QUEUED
                values["queued_at"] = now
            else:
                values["state"] = states.DONE
                values["error"] = None
                if kind == "check":
                    values["report"] = result.report
                else:
                    values["recommendation"] = result.recommendation
            written = conn.execute(
                update(table)
                .where(
                    table.c.id == item_id,
                    table.c.state == states.PENDING,
                    table.c.attempts == attempt,
                )
                .values(**values)
            ).rowcount
            if not written:
                raise _LeaseLost
            if kind == "task" and roles:
                _attach_to_resource(conn, row["resource_id"], roles, now)
            outcome = "QUEUED_FOR_REVIEW" if to_review else states.DONE
            events.event(
                f"{kind} done",
                row["session_id"],
                type=row["type"],
                state=outcome,
                **{kind: item_id},
            )
            if not to_review:
                followups.deliveries += announce_final(conn, kind, row, now)
            else:
                queued = row
    except _LeaseLost:
        log.warning("%s %s: lease lost before recording attempt %d", kind, item_id, attempt)
    if queued is not None:
        _prepare_for_review(ctx, kind, queued)
    return followups


def _prepare_for_review(ctx: ProcessingContext, kind: Kind, row: RowMapping) -> None:
    """The images a reviewer opens the case with, made now rather than at the first open
    (review/renditions.py). The item is queued already: a failure here costs that open the
    time, nothing more."""
    try:
        prepare(ctx.engine, ctx.sessions, row)
    except Exception:
        log.exception("%s %s: renditions not prepared", kind, row["id"])


def _attach_to_resource(
    conn: Connection, resource_id: str, roles: dict[str, str], now: dt.datetime
) -> None:
    """Media a task produced that Yoti shows on the resource (document_fields, id photo)."""
    content = conn.execute(
        select(resources_t.c.content).where(resources_t.c.id == resource_id)
    ).scalar_one()
    conn.execute(
        update(resources_t)
        .where(resources_t.c.id == resource_id)
        .values(content={**content, **roles}, last_updated=now)
    )


def announce_final(conn: Connection, kind: Kind, row: RowMapping, now: dt.datetime) -> list[str]:
    """An item became final: announce it, and complete the session if it was the last one."""
    session = conn.execute(
        select(sessions_t.c.spec).where(sessions_t.c.id == row["session_id"])
    ).one()
    topic = "check_completion" if kind == "check" else "task_completion"
    deliveries = [notify(conn, row["session_id"], session.spec, topic, now, subject_id=row["id"])]
    deliveries += complete_if_final(conn, row["session_id"], now)
    return [d for d in deliveries if d is not None]


def complete_if_final(conn: Connection, session_id: str, now: dt.datetime) -> list[str]:
    """Move a submitted session to COMPLETED once every check and task is final.

    The session row is locked first (PostgreSQL; SQLite writes are serialised anyway), so two
    items finishing at once cannot each see the other unfinished and leave it ONGOING.
    """
    query = select(sessions_t.c.state, sessions_t.c.submitted_at, sessions_t.c.spec).where(
        sessions_t.c.id == session_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    session = conn.execute(query).one()
    if session.state != states.ONGOING or session.submitted_at is None:
        return []
    for table in (checks_t, tasks_t):
        unfinished = conn.execute(
            select(table.c.id).where(
                table.c.session_id == session_id, table.c.state.not_in(states.FINAL)
            )
        ).first()
        if unfinished is not None:
            return []
    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id)
        .values(state=states.COMPLETED, completed_at=now, last_updated=now)
    )
    events.event("completed", session_id)
    delivery = notify(conn, session_id, session.spec, "session_completion", now)
    return [delivery] if delivery else []
