"""Liveness attempts: one capture each, with its own challenge, its own resource and its own
LIVENESS check, judged while the user is still there so they can try again.

Yoti reports one LIVENESS check per attempt and caps attempts with ``max_retries``; we read
``max_retries`` as the number of attempts the user may make in all (the conservative reading:
every challenge issued counts, so nobody can ask for challenges until one suits a recording).

An attempt's life:

* **started**: the server draws a random challenge (for ZOOM: which way to turn the head) and a
  nonce, creates the attempt's LIVENESS resource, and gives it a check: the session's first
  LIVENESS check for the first attempt, a new one after it (Yoti: "one report per attempt").
* **capturing**: frames arrive carrying the nonce, within the capture window
  (``evidence.add_media`` enforces that); the check is still CREATED.
* **released**: the page asks for a verdict (or starts another attempt, or submits): the check
  becomes PENDING before the session is submitted, which is what lets a worker claim it
  (``checks.processing``) and the reconciler retry it.
* **judged**: the check is DONE; the page learns only passed / not passed and a coarse hint.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.engine import RowMapping

from openidv.sessions import events, states
from openidv.sessions.access import EvidenceRefused, find_requirement, open_session
from openidv.sessions.models import Check, Resource
from openidv.store.db import table_of

checks_t = table_of(Check)
resources_t = table_of(Resource)

TURNS = ("LEFT", "RIGHT")
# ZOOM's challenge: CHALLENGE_LENGTH moves drawn uniformly among MOVES (repeats allowed), 16
# sequences: a recording of one earlier run matches a new attempt with probability 1/16.
MOVES = ("LEFT", "RIGHT", "UP", "DOWN")
CHALLENGE_LENGTH = 2
# What the page may tell the user after a failed attempt (the engine's recovery_suggestion);
# anything else becomes TRY_AGAIN, so the page never learns which signal caught an attack.
USER_HINTS = frozenset(
    {"FACE_NOT_FOUND", "MULTIPLE_FACES", "MOVE_CLOSER", "HOLD_STILL", "TURN_FURTHER",
     "BETTER_LIGHT", "TOO_FEW_FRAMES", "NOT_PROVEN"}
)  # fmt: skip


@dataclass(frozen=True)
class Attempt:
    id: str
    check_id: str
    attempt: int
    max_attempts: int
    liveness_type: str
    challenge: dict[str, Any] | None


@dataclass(frozen=True)
class AttemptStatus:
    id: str
    attempt: int
    state: str  # CAPTURING | PENDING | IN_REVIEW | DONE
    passed: bool | None
    hint: str | None
    attempts_left: int


def _attempts(conn: Connection, session_id: str, requirement_id: str) -> list[RowMapping]:
    rows = conn.execute(
        select(resources_t).where(
            resources_t.c.session_id == session_id,
            resources_t.c.requirement_id == requirement_id,
            resources_t.c.type == "LIVENESS",
        )
    ).mappings()
    return sorted(rows, key=lambda r: r["content"]["attempt"])


def _check(conn: Connection, check_id: str) -> RowMapping:
    return conn.execute(select(checks_t).where(checks_t.c.id == check_id)).mappings().one()


def _passed(check: RowMapping) -> bool:
    report = check["report"] or {}
    return bool(report.get("recommendation", {}).get("value") == "APPROVE")


def release(conn: Connection, check_id: str, now: dt.datetime) -> bool:
    """Hand a capturing attempt's check to processing; False if it was already released."""
    released = conn.execute(
        update(checks_t)
        .where(checks_t.c.id == check_id, checks_t.c.state == states.CREATED)
        .values(state=states.PENDING, lease_until=None, last_updated=now)
    ).rowcount
    return bool(released)


def _check_for_attempt(
    conn: Connection, session_id: str, config: dict[str, Any], now: dt.datetime
) -> str:
    """The first attempt takes a LIVENESS check the session was created with; later ones get
    a new check placed after all the others."""
    unused = conn.execute(
        select(checks_t.c.id, checks_t.c.resources_used)
        .where(checks_t.c.session_id == session_id, checks_t.c.type == "LIVENESS")
        .order_by(checks_t.c.position)
    ).all()
    for check_id, used in unused:
        if not used:
            found: str = check_id
            return found
    position = conn.execute(
        select(func.max(checks_t.c.position)).where(checks_t.c.session_id == session_id)
    ).scalar_one()
    check_id = str(uuid.uuid4())
    conn.execute(
        insert(checks_t),
        {
            "id": check_id,
            "session_id": session_id,
            "position": position + 1,
            "type": "LIVENESS",
            "config": config,
            "state": states.CREATED,
            "manual_check": config.get("manual_check") or "NEVER",
            "attempts": 0,
            "resources_used": [],
            "generated_media": [],
            "created_at": now,
            "last_updated": now,
        },
    )
    return check_id


def start_attempt(
    conn: Connection, session_id: str, requirement_id: str, now: dt.datetime
) -> tuple[Attempt, list[str]]:
    """Open the next attempt; returns it and the checks of abandoned attempts now released
    (an attempt left mid-capture still counts, and is judged on what it has)."""
    session = open_session(conn, session_id, now)
    requirement = find_requirement(session, requirement_id)
    if requirement["type"] != "LIVENESS":
        raise EvidenceRefused("NOT_LIVENESS", "This requirement is not a liveness capture")
    max_attempts = int(requirement.get("max_retries") or 1)
    previous = _attempts(conn, session_id, requirement_id)
    released = []
    for resource in previous:
        check = _check(conn, resource["content"]["check_id"])
        if _passed(check):
            raise EvidenceRefused("LIVENESS_PASSED", "The liveness capture already passed")
        if check["state"] == states.PENDING:
            raise EvidenceRefused(
                "LIVENESS_ATTEMPT_PENDING", "The previous attempt is still being checked"
            )
    if len(previous) >= max_attempts:
        raise EvidenceRefused("LIVENESS_ATTEMPTS_EXHAUSTED", "No liveness attempts are left")
    for resource in previous:
        if release(conn, resource["content"]["check_id"], now):
            released.append(resource["content"]["check_id"])

    liveness_type = requirement["liveness_type"]
    # Every attempt's frames carry its nonce and arrive within its window (evidence), STATIC's
    # short burst included, so frames recorded before the attempt cannot be matched to it.
    challenge: dict[str, Any] = {"nonce": secrets.token_urlsafe(24), "issued_at": now.isoformat()}
    if liveness_type == "ZOOM":
        moves = [secrets.choice(MOVES) for _ in range(CHALLENGE_LENGTH)]
        # "turn" (the first move) stays for pages and tools that read only it.
        challenge |= {"moves": moves, "turn": moves[0]}
    config = {"liveness_type": liveness_type, "max_retries": max_attempts}
    check_id = _check_for_attempt(conn, session_id, config, now)
    resource_id = str(uuid.uuid4())
    number = len(previous) + 1
    conn.execute(
        insert(resources_t),
        {
            "id": resource_id,
            "session_id": session_id,
            "requirement_id": requirement_id,
            "type": "LIVENESS",
            "liveness_type": liveness_type,
            "content": {
                "frames": [],
                "attempt": number,
                "check_id": check_id,
                "challenge": challenge,
            },
            "created_at": now,
            "last_updated": now,
        },
    )
    conn.execute(
        update(checks_t)
        .where(checks_t.c.id == check_id)
        .values(resources_used=[resource_id], last_updated=now)
    )
    attempt = Attempt(resource_id, check_id, number, max_attempts, liveness_type, challenge)
    return attempt, released


def record_camera(
    conn: Connection, session_id: str, resource_id: str, facts: dict[str, Any], now: dt.datetime
) -> None:
    """What the page's browser said about the camera, before the attempt's first frame (the
    engine judges it: virtual-camera names, frame size against the track's settings)."""
    open_session(conn, session_id, now)
    resource = _resource(conn, session_id, resource_id)
    content = dict(resource["content"])
    if _check(conn, content["check_id"])["state"] != states.CREATED or content.get("frames"):
        raise EvidenceRefused("LIVENESS_ATTEMPT_CLOSED", "The camera is reported before the frames")
    capture = dict(content.get("capture") or {})
    capture["camera"] = facts
    content["capture"] = capture
    conn.execute(
        update(resources_t)
        .where(resources_t.c.id == resource_id)
        .values(content=content, last_updated=now)
    )


def _resource(conn: Connection, session_id: str, resource_id: str) -> RowMapping:
    row = (
        conn.execute(
            select(resources_t).where(
                resources_t.c.id == resource_id,
                resources_t.c.session_id == session_id,
                resources_t.c.type == "LIVENESS",
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise EvidenceRefused("UNKNOWN_RESOURCE", "The session has no such liveness attempt")
    return row


def evaluate(conn: Connection, session_id: str, resource_id: str, now: dt.datetime) -> str | None:
    """The page finished capturing: release the attempt's check (returned, to enqueue)."""
    open_session(conn, session_id, now)
    resource = _resource(conn, session_id, resource_id)
    if not resource["content"].get("frames"):
        raise EvidenceRefused("EVIDENCE_MISSING", "The liveness attempt has no frames")
    check_id: str = resource["content"]["check_id"]
    if not release(conn, check_id, now):
        return None
    frames = len(resource["content"]["frames"])
    events.event("evidence added", session_id, type="LIVENESS", resource=resource_id, frames=frames)
    return check_id


def status(conn: Connection, session_id: str, resource_id: str, now: dt.datetime) -> AttemptStatus:
    session = open_session(conn, session_id, now)
    resource = _resource(conn, session_id, resource_id)
    requirement = find_requirement(session, resource["requirement_id"])
    check = _check(conn, resource["content"]["check_id"])
    used = len(_attempts(conn, session_id, resource["requirement_id"]))
    state, passed, hint = "PENDING", None, None
    if check["state"] == states.CREATED:
        state = "CAPTURING"
    elif check["state"] not in states.FINAL and check.get("review_state") == states.REVIEW_QUEUED:
        state = "IN_REVIEW"  # a reviewer decides; the page goes on with the journey
    elif check["state"] in states.FINAL:
        state, passed = "DONE", _passed(check)
        if not passed:
            suggestion = ((check["report"] or {}).get("recommendation") or {}).get(
                "recovery_suggestion"
            )
            hint = suggestion if suggestion in USER_HINTS else "TRY_AGAIN"
    return AttemptStatus(
        id=resource_id,
        attempt=resource["content"]["attempt"],
        state=state,
        passed=passed,
        hint=hint,
        attempts_left=max(int(requirement.get("max_retries") or 1) - used, 0),
    )
