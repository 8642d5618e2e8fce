"""The review queue and decisions.

Items come from processing (``review_state = QUEUED``), oldest first. A reviewer claims an item
before deciding (a claim older than ``STALE_CLAIM`` can be taken over: people go home). A
decision is FINAL at once, or PROPOSED when the four-eyes setting asks for a second reviewer
(``reject``: rejections only; ``all``: every decision); a different reviewer then confirms it.
A final decision completes the item exactly as a machine result would: the check becomes DONE
with the reviewer's recommendation (the machine's breakdown kept, plus the expert's sub-check),
notifications are recorded, and the session completes if it was the last item.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Table, insert, or_, select, update

from openidv.checks.processing import TABLES, announce_final
from openidv.review.accounts import Account
from openidv.review.audit import append
from openidv.review.models import Decision
from openidv.review.reasons import MANUAL_SUB_CHECK, allowed
from openidv.sessions import events, keys, states
from openidv.sessions.models import Check, Resource, Session
from openidv.sessions.service import SessionContext, store_media
from openidv.store.crypto import seal, unseal
from openidv.store.db import table_of

decisions_t = table_of(Decision)
checks_t = table_of(Check)
resources_t = table_of(Resource)
sessions_t = table_of(Session)
STALE_CLAIM = dt.timedelta(minutes=30)
FourEyes = Literal["off", "reject", "all"]


class ReviewRefused(Exception):
    pass


@dataclass(frozen=True)
class QueueItem:
    kind: str
    id: str
    type: str
    session_id: str
    queued_at: dt.datetime
    claimed_by: str | None
    proposed: bool


def queue(conn: Connection) -> list[QueueItem]:
    proposed = set(
        conn.execute(
            select(decisions_t.c.item_id).where(decisions_t.c.state == "PROPOSED")
        ).scalars()
    )
    items = []
    for kind, table in TABLES.items():
        for row in conn.execute(
            select(table).where(table.c.review_state == states.REVIEW_QUEUED)
        ).mappings():
            items.append(
                QueueItem(
                    kind, row["id"], row["type"], row["session_id"],
                    row["queued_at"] or row["last_updated"], row["claimed_by"],
                    row["id"] in proposed,
                )
            )  # fmt: skip
    return sorted(items, key=lambda item: item.queued_at)


# The order a reviewer works one session's items in: the document is read before the face on
# it is compared, and the person before the rest.
_WORK_ORDER = {
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION": 0,
    "ID_DOCUMENT_AUTHENTICITY": 1,
    "ID_DOCUMENT_FACE_MATCH": 2,
    "LIVENESS": 3,
}


@dataclass(frozen=True)
class SessionRow:
    """One queue row: a session and its items waiting for a person, in work order."""

    session_id: str
    queued_at: dt.datetime  # its oldest item's
    items: list[QueueItem]


def _work_key(item: QueueItem) -> tuple[int, dt.datetime]:
    return _WORK_ORDER.get(item.type, len(_WORK_ORDER)), item.queued_at


def by_session(items: list[QueueItem]) -> list[SessionRow]:
    """The queue as a reviewer reads it: one row per session, oldest waiting first."""
    grouped: dict[str, list[QueueItem]] = {}
    for item in items:
        grouped.setdefault(item.session_id, []).append(item)
    rows = [
        SessionRow(session_id, min(i.queued_at for i in found), sorted(found, key=_work_key))
        for session_id, found in grouped.items()
    ]
    return sorted(rows, key=lambda row: row.queued_at)


def _workable(item: QueueItem, who: Account) -> bool:
    return not item.proposed and item.claimed_by in (None, who.id)


def claim_next(
    conn: Connection,
    who: Account,
    now: dt.datetime,
    *,
    session_id: str | None,
    skip: tuple[str, str] | None = None,
) -> tuple[str, str] | None:
    """Claim the item a reviewer works next: the rest of this session's first (its evidence is
    already in mind), then the oldest session's; ``skip``: the item just left. None when
    nothing is left to take."""
    items = [i for i in queue(conn) if _workable(i, who) and (i.kind, i.id) != skip]
    same = sorted((i for i in items if i.session_id == session_id), key=_work_key)
    others = [i for row in by_session(items) for i in row.items if i.session_id != session_id]
    for item in [*same, *others]:
        try:
            claim(conn, who, item.kind, item.id, now)
        except ReviewRefused:  # taken meanwhile by someone else: the next one
            continue
        return item.kind, item.id
    return None


def _item(conn: Connection, kind: str, item_id: str) -> tuple[Table, Any]:
    if kind not in TABLES:
        raise ReviewRefused("no such item")
    table = TABLES[kind]
    row = conn.execute(select(table).where(table.c.id == item_id)).mappings().one_or_none()
    if row is None or row["review_state"] != states.REVIEW_QUEUED:
        raise ReviewRefused("this item is not waiting for review")
    return table, row


def session_of(conn: Connection, kind: str, item_id: str) -> str | None:
    """The session of an item in any state (decided ones included)."""
    if kind not in TABLES:
        return None
    table = TABLES[kind]
    found: str | None = conn.execute(
        select(table.c.session_id).where(table.c.id == item_id)
    ).scalar_one_or_none()
    return found


def claim(conn: Connection, who: Account, kind: str, item_id: str, now: dt.datetime) -> None:
    table, _ = _item(conn, kind, item_id)
    taken = conn.execute(
        update(table)
        .where(
            table.c.id == item_id,
            or_(
                table.c.claimed_by.is_(None),
                table.c.claimed_by == who.id,
                table.c.claimed_at < now - STALE_CLAIM,
            ),
        )
        .values(claimed_by=who.id, claimed_at=now)
    ).rowcount
    if not taken:
        raise ReviewRefused("another reviewer is working on this item")
    append(conn, who.email, "claim", f"{kind}:{item_id}", {}, now)


def holds_case_of(conn: Connection, who: Account, session_id: str) -> bool:
    """Whether the reviewer works a case of this session now: an item they claimed, or a
    proposal waiting for a second reviewer, someone else's that they may confirm or their
    own (the ways the case page opens)."""
    for table in TABLES.values():
        claimed = conn.execute(
            select(table.c.id).where(
                table.c.session_id == session_id,
                table.c.review_state == states.REVIEW_QUEUED,
                table.c.claimed_by == who.id,
            )
        ).first()
        if claimed is not None:
            return True
    proposal = conn.execute(
        select(decisions_t.c.id).where(
            decisions_t.c.session_id == session_id,
            decisions_t.c.state == "PROPOSED",
        )
    ).first()
    return proposal is not None


def release(conn: Connection, who: Account, kind: str, item_id: str, now: dt.datetime) -> None:
    table, row = _item(conn, kind, item_id)
    if row["claimed_by"] != who.id:
        raise ReviewRefused("you have not claimed this item")
    conn.execute(
        update(table).where(table.c.id == item_id).values(claimed_by=None, claimed_at=None)
    )
    append(conn, who.email, "release", f"{kind}:{item_id}", {}, now)


def decide(
    conn: Connection,
    ctx: SessionContext,
    who: Account,
    kind: str,
    item_id: str,
    now: dt.datetime,
    *,
    value: str,
    reason: str | None,
    recovery_suggestion: str | None,
    fields: dict[str, Any] | None,
    four_eyes: FourEyes,
) -> tuple[str, list[str]]:
    """Record a decision; returns (its state, deliveries to hand to the queue)."""
    table, row = _item(conn, kind, item_id)
    if row["claimed_by"] != who.id:
        raise ReviewRefused("claim the item before deciding")
    if not allowed(kind, row["type"], value, reason):
        raise ReviewRefused(f"{value} with reason {reason} is not a decision for {row['type']}")
    pending = conn.execute(
        select(decisions_t.c.id).where(
            decisions_t.c.item_id == item_id, decisions_t.c.state == "PROPOSED"
        )
    ).first()
    if pending is not None:
        raise ReviewRefused("a decision on this item waits for confirmation")
    needs_second = four_eyes == "all" or (
        four_eyes == "reject" and value not in ("APPROVE", "PROGRESS")
    )
    decision_id = str(uuid.uuid4())
    conn.execute(
        insert(decisions_t),
        {
            "id": decision_id, "item_kind": kind, "item_id": item_id,
            "session_id": row["session_id"], "reviewer_id": who.id, "value": value,
            "reason": reason, "recovery_suggestion": recovery_suggestion,
            "state": "PROPOSED" if needs_second else "FINAL", "created_at": now,
            "decided_at": None if needs_second else now,
        },
    )  # fmt: skip
    sealed = _seal_fields(conn, ctx, row["session_id"], decision_id, fields)
    if sealed is not None:
        keys.put(conn, row["session_id"], keys.decision_fields(decision_id), sealed)
    append(
        conn, who.email, "propose" if needs_second else "decide", f"{kind}:{item_id}",
        {"decision": decision_id, "value": value, "reason": reason, "fields_entered": bool(fields)},
        now,
    )  # fmt: skip
    if needs_second:
        conn.execute(
            update(table).where(table.c.id == item_id).values(claimed_by=None, claimed_at=None)
        )
        return "PROPOSED", []
    return "FINAL", _apply(conn, ctx, kind, row, decision_id, now)


def _fields_aad(session_id: str, decision_id: str) -> bytes:
    return f"decision-fields:{session_id}:{decision_id}".encode()


def _data_key(conn: Connection, ctx: SessionContext, session_id: str) -> bytes:
    wrapped = keys.wrapped_key(conn, session_id)
    if wrapped is None:
        raise ReviewRefused("this session's data has been deleted")
    return ctx.keyring.unwrap(wrapped, session_id)


def _seal_fields(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    decision_id: str,
    fields: dict[str, Any] | None,
) -> bytes | None:
    """A reviewer's entered fields (name, document number, date of birth) are personal data:
    sealed as the rest of the session's evidence, so that shredding its key shreds them."""
    if not fields:
        return None
    plain = json.dumps(fields, separators=(",", ":")).encode()
    return seal(_data_key(conn, ctx, session_id), plain, _fields_aad(session_id, decision_id))


def decision_fields(conn: Connection, ctx: SessionContext, decision: Any) -> dict[str, Any] | None:
    sealed = keys.get(conn, decision["session_id"], keys.decision_fields(decision["id"]))
    if sealed is None:
        legacy: dict[str, Any] | None = decision["fields"]  # proposed before migration 0005
        return legacy
    key = _data_key(conn, ctx, decision["session_id"])
    plain = unseal(key, sealed, _fields_aad(decision["session_id"], decision["id"]))
    fields: dict[str, Any] = json.loads(plain)
    return fields


def confirm(
    conn: Connection, ctx: SessionContext, who: Account, decision_id: str, now: dt.datetime
) -> list[str]:
    decision = (
        conn.execute(select(decisions_t).where(decisions_t.c.id == decision_id))
        .mappings()
        .one_or_none()
    )
    if decision is None or decision["state"] != "PROPOSED":
        raise ReviewRefused("no decision waits for confirmation here")
    if decision["reviewer_id"] == who.id:
        raise ReviewRefused("a second reviewer must confirm")
    _, row = _item(conn, decision["item_kind"], decision["item_id"])
    conn.execute(
        update(decisions_t)
        .where(decisions_t.c.id == decision_id)
        .values(state="FINAL", confirmed_by=who.id, decided_at=now)
    )
    append(conn, who.email, "confirm", f"{decision['item_kind']}:{decision['item_id']}",
           {"decision": decision_id}, now)  # fmt: skip
    return _apply(conn, ctx, decision["item_kind"], row, decision_id, now)


def _apply(
    conn: Connection, ctx: SessionContext, kind: str, row: Any, decision_id: str, now: dt.datetime
) -> list[str]:
    decision = (
        conn.execute(select(decisions_t).where(decisions_t.c.id == decision_id)).mappings().one()
    )
    table = TABLES[kind]
    machine = row["machine_result"] or {}
    values: dict[str, Any] = {
        "state": states.DONE,
        "review_state": states.REVIEW_DONE,
        "claimed_by": None,
        "claimed_at": None,
        "last_updated": now,
    }
    recommendation: dict[str, Any] = {"value": decision["value"]}
    if kind == "check":
        if decision["reason"]:
            recommendation["reason"] = decision["reason"]
        if decision["recovery_suggestion"]:
            recommendation["recovery_suggestion"] = decision["recovery_suggestion"]
        breakdown = list((machine.get("report") or {}).get("breakdown", []))
        breakdown.append(
            {
                "sub_check": MANUAL_SUB_CHECK.get(row["type"], "expert_review"),
                "result": "PASS" if decision["value"] == "APPROVE" else "FAIL",
                "details": [],
                "process": "EXPERT_REVIEW",
            }
        )
        values["report"] = {"recommendation": recommendation, "breakdown": breakdown}
    else:
        if decision["reason"]:
            recommendation["reason"] = {"value": decision["reason"]}
        values["recommendation"] = recommendation
        values["generated_checks"] = _text_data_check(conn, ctx, row, decision, now)
    conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
    # A decision proposed before migration 0005 carried its fields in clear: applied, they
    # live on only in the sealed document_fields media.
    conn.execute(update(decisions_t).where(decisions_t.c.id == decision_id).values(fields=None))
    item_kind: Literal["check", "task"] = "check" if kind == "check" else "task"
    # The machine logged this item "QUEUED_FOR_REVIEW"; the person's decision is what finishes
    # it, so the operator's log says so too. Ids only: the reviewer's account id, never their
    # e-mail, and never the entered fields. Before the announce, as the machine's path does, so
    # the log reads "check done" then "session completed" when this was the last item.
    events.event(
        f"{item_kind} done",
        row["session_id"],
        type=row["type"],
        state=states.DONE,
        process="EXPERT_REVIEW",
        decision=decision_id,
        reviewer=decision["confirmed_by"] or decision["reviewer_id"],
        **{item_kind: row["id"]},
    )
    return announce_final(conn, item_kind, row, now)


def _text_data_check(
    conn: Connection, ctx: SessionContext, task: Any, decision: Any, now: dt.datetime
) -> list[dict[str, str]]:
    """Manual data entry: the fields become the resource's document_fields, and the task's
    generated ID_DOCUMENT_TEXT_DATA_CHECK carries the reviewer's verdict (as at Yoti)."""
    fields = decision_fields(conn, ctx, decision)
    if fields:
        media_id = store_media(
            conn, ctx, task["session_id"], content=json.dumps(fields).encode(),
            content_type="application/json", media_type="JSON", now=now,
        )  # fmt: skip
        content = conn.execute(
            select(resources_t.c.content).where(resources_t.c.id == task["resource_id"])
        ).scalar_one()
        conn.execute(
            update(resources_t)
            .where(resources_t.c.id == task["resource_id"])
            .values(content={**content, "document_fields": media_id}, last_updated=now)
        )
    position = conn.execute(
        select(checks_t.c.position).where(checks_t.c.session_id == task["session_id"])
        .order_by(checks_t.c.position.desc()).limit(1)
    ).scalar() or 0  # fmt: skip
    check_id = str(uuid.uuid4())
    check_type = states.text_data_check_type(task["type"])
    readable = decision["value"] == "PROGRESS"
    conn.execute(
        insert(checks_t),
        {
            "id": check_id, "session_id": task["session_id"], "position": position + 1,
            "type": check_type, "config": {}, "state": states.DONE,
            "manual_check": "ALWAYS", "attempts": 0, "review_state": states.REVIEW_DONE,
            "resources_used": [task["resource_id"]], "generated_media": [],
            "report": {
                "recommendation": {"value": "APPROVE" if readable else "NOT_AVAILABLE"},
                "breakdown": [{
                    "sub_check": "text_data_readable", "result": "PASS" if readable else "FAIL",
                    "details": [], "process": "EXPERT_REVIEW",
                }],
            },
            "created_at": now, "last_updated": now,
        },
    )  # fmt: skip
    return [{"id": check_id, "type": check_type}]
