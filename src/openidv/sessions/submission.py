"""The end user is done: the evidence is checked complete, the client token ends, the tasks
are created and each check is told which resources it reads, all in one transaction; what
became runnable is handed to processing once it has committed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import RowMapping

from openidv.sessions import events, keys, states
from openidv.sessions.access import EvidenceMissing, has_media, open_session
from openidv.sessions.models import Check, Resource, Session, Task
from openidv.store.db import table_of

sessions_t = table_of(Session)
resources_t = table_of(Resource)
tasks_t = table_of(Task)
checks_t = table_of(Check)

# Which resources each check reads (Yoti: "resources_used").
_CHECK_READS = {
    "ID_DOCUMENT_AUTHENTICITY": ("ID_DOCUMENT",),
    "ID_DOCUMENT_COMPARISON": ("ID_DOCUMENT",),
    # Any face source of the session: the liveness attempt compared, else the uploaded face.
    "ID_DOCUMENT_FACE_MATCH": ("ID_DOCUMENT", "LIVENESS", "FACE_CAPTURE"),
    "FACE_COMPARISON": ("FACE_CAPTURE", "LIVENESS"),
    "LIVENESS": ("LIVENESS",),
}


@dataclass
class Submitted:
    """What became runnable: to enqueue once the transaction has committed."""

    checks: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)


def _attempt_passed(conn: Connection, resource: RowMapping) -> bool:
    report = conn.execute(
        select(checks_t.c.report).where(checks_t.c.id == resource["content"].get("check_id"))
    ).scalar_one_or_none()
    return bool(report and report.get("recommendation", {}).get("value") == "APPROVE")


def _face_match_attempt(conn: Connection, resources: list[RowMapping]) -> RowMapping | None:
    """The liveness attempt a face match compares: the one that passed, else the latest."""
    attempts = [r for r in resources if r["type"] == "LIVENESS" and has_media(r)]
    attempts.sort(key=lambda r: r["content"].get("attempt", 0))
    passed = [r for r in attempts if _attempt_passed(conn, r)]
    chosen = passed or attempts
    return chosen[-1] if chosen else None


def submit(conn: Connection, session_id: str, now: dt.datetime) -> Submitted:
    """The end user is done: check the evidence is complete, end the client token, create the
    tasks, tell each check what it reads, and hand everything to processing.

    Liveness attempts already carry their own check (one per attempt, judged during the
    journey); any attempt not yet judged is released here with the rest.
    """
    session = open_session(conn, session_id, now)
    resources = list(
        conn.execute(
            select(resources_t)
            .where(resources_t.c.session_id == session_id)
            .order_by(resources_t.c.created_at)
        ).mappings()
    )
    for requirement in session["requirements"]:
        if not any(r["requirement_id"] == requirement["id"] and has_media(r) for r in resources):
            raise EvidenceMissing(requirement["type"])

    submitted = Submitted()
    spec_tasks = {
        t["type"]: t.get("config", {}) for t in session["spec"].get("requested_tasks", [])
    }
    by_requirement = {r["requirement_id"]: r for r in resources if r["type"] != "LIVENESS"}
    for requirement in session["requirements"]:
        resource = by_requirement.get(requirement["id"])
        if resource is None:
            continue  # liveness: no tasks
        for task_type in requirement.get("requested_tasks", []):
            config = spec_tasks.get(task_type, {})
            task_id = str(uuid.uuid4())
            conn.execute(
                insert(tasks_t),
                {
                    "id": task_id,
                    "session_id": session_id,
                    "resource_id": resource["id"],
                    "type": task_type,
                    "config": config,
                    "state": states.CREATED,
                    "manual_check": config.get("manual_check") or "NEVER",
                    "attempts": 0,
                    "generated_media": [],
                    "generated_checks": [],
                    "created_at": now,
                    "last_updated": now,
                },
            )
            submitted.tasks.append(task_id)

    face_attempt = _face_match_attempt(conn, resources)
    checks = conn.execute(
        select(checks_t.c.id, checks_t.c.type, checks_t.c.state).where(
            checks_t.c.session_id == session_id
        )
    ).all()
    for check_id, check_type, state in checks:
        if state in states.FINAL:
            continue  # a liveness attempt judged during the journey
        submitted.checks.append(check_id)
        if check_type == "LIVENESS":
            continue  # reads its own attempt, set when the attempt started
        reads = _CHECK_READS.get(check_type, ())
        used = [
            r["id"]
            for r in resources
            if r["type"] in reads and r["type"] not in ("LIVENESS", "FACE_CAPTURE")
        ]
        if "LIVENESS" in reads and face_attempt is not None:
            used.append(face_attempt["id"])
        if "FACE_CAPTURE" in reads:
            used += [r["id"] for r in resources if r["type"] == "FACE_CAPTURE" and has_media(r)]
        conn.execute(
            update(checks_t)
            .where(checks_t.c.id == check_id)
            .values(resources_used=used, last_updated=now)
        )

    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id)
        .values(
            submitted_at=now,
            last_updated=now,
        )
    )
    # The integrator no longer sees the token; its hash stays until it expires so the page
    # that handed off to a phone can still read the session's progress.
    keys.drop(conn, [session_id], keys.CLIENT_TOKEN)
    events.event("submitted", session_id, checks=len(submitted.checks), tasks=len(submitted.tasks))
    return submitted
