"""The review console's pages, under ``/console``.

Server-rendered HTML; one same-origin module (case.js) adds zoom, rotate and live MRZ check
digits to the case view, which works without it. This module holds the reviewer's work (the
queue, a case, its claim, decision and the next item); the login (login_routes.py), the
administrators' pages (admin_routes.py) and the media (media_routes.py) are their own, and
what every page shares (headers, CSRF, the reviewer a page runs as) is in pages.py. Every
view of personal data (a case, an image) and every decision is written to the audit log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.review import accounts, evidence
from openidv.review import queue as review
from openidv.review.admin_routes import build_admin_router
from openidv.review.audit import append
from openidv.review.login_routes import build_login_router
from openidv.review.media_routes import build_media_router
from openidv.review.models import Decision
from openidv.review.pages import Outcome, guarded, render_page, services_of
from openidv.review.reasons import CHECK_DECISIONS, TASK_DECISIONS
from openidv.store.db import table_of

SLA_MINUTES = 60
decisions_t = table_of(Decision)


def _age(since: dt.datetime, now: dt.datetime) -> tuple[str, int]:
    minutes = int((now - since).total_seconds() // 60)
    text = f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
    return text, minutes


def build_console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(build_login_router())
    router.include_router(build_admin_router())
    router.include_router(build_media_router())

    @router.get("/")
    async def queue_page(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            rows: list[dict[str, Any]] = []
            waiting = 0
            for row in review.by_session(review.queue(conn)):
                waiting += len(row.items)
                text, minutes = _age(row.queued_at, now)
                rows.append({"session_id": row.session_id, "pending": row.items,
                             "age": text, "age_minutes": minutes})  # fmt: skip
            return render_page(
                request,
                "queue.html",
                rows=rows,
                who=who,
                csrf=csrf,
                sla_minutes=SLA_MINUTES,
                waiting=waiting,
            )

        return await guarded(request, unit)

    @router.post("/items/{kind}/{item_id}/claim")
    async def claim(request: Request, kind: str, item_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            proposed = conn.execute(
                select(decisions_t.c.id).where(
                    decisions_t.c.item_id == item_id, decisions_t.c.state == "PROPOSED"
                )
            ).first()
            if proposed is None:  # a proposal is only looked at, by whoever confirms it
                review.claim(conn, who, kind, item_id, now)

        return await guarded(request, unit, post=True, then=f"/items/{kind}/{item_id}")

    @router.post("/items/{kind}/{item_id}/release")
    async def release(request: Request, kind: str, item_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            review.release(conn, who, kind, item_id, now)

        return await guarded(request, unit, post=True, then="/")

    @router.get("/items/{kind}/{item_id}")
    async def case(request: Request, kind: str, item_id: str) -> Response:
        services = services_of(request)

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            _, row = review._item(conn, kind, item_id)
            proposal = conn.execute(
                select(decisions_t).where(
                    decisions_t.c.item_id == item_id, decisions_t.c.state == "PROPOSED"
                )
            ).mappings().first()  # fmt: skip
            if proposal is None and row["claimed_by"] != who.id:
                raise review.ReviewRefused("claim the item from the queue first")
            shown = evidence.evidence_for(conn, row["type"], row)
            append(conn, who.email, "view_case", f"{kind}:{item_id}",
                   {"images": len(shown.primary)}, now)  # fmt: skip
            if kind == "task":
                values, reasons = (
                    list(TASK_DECISIONS),
                    sorted({r for v in TASK_DECISIONS.values() for r in v}),
                )
                read, sources = evidence.machine_fields(conn, services.sessions, row)
            else:
                table = CHECK_DECISIONS.get(
                    row["type"], CHECK_DECISIONS["ID_DOCUMENT_AUTHENTICITY"]
                )
                values, reasons = list(table), sorted({r for v in table.values() for r in v})
                read, sources = {}, {}
            machine = json.dumps(row["machine_result"], indent=2, sort_keys=True)
            rest = [
                i for i in review.queue(conn)
                if i.session_id == row["session_id"] and (i.kind, i.id) != (kind, item_id)
            ]  # fmt: skip
            return render_page(
                request, "case.html", who=who, csrf=csrf, evidence=shown, machine=machine,
                machine_result=row["machine_result"], proposal=proposal, values=values,
                reasons=reasons, fields=json.dumps(read, indent=2) if read else "{}",
                read=read, sources={k: evidence.source_text(v) for k, v in sources.items()},
                entry_fields=evidence.ENTRY_FIELDS,
                face=evidence.face_match_summary(row["type"], row["machine_result"]),
                approve_value="PROGRESS" if kind == "task" else "APPROVE",
                reject_value="MUST_TRY_AGAIN" if kind == "task" else "REJECT",
                rest=rest,
                item={"kind": kind, "id": item_id, "type": row["type"],
                      "session_id": row["session_id"]},
            )  # fmt: skip

        return await guarded(request, unit)

    @router.post("/items/{kind}/{item_id}/decide")
    async def decide(request: Request, kind: str, item_id: str) -> Response:
        services = services_of(request)
        form = await request.form()
        fields_text = str(form.get("fields", "")).strip()

        go_on = str(form.get("next", "")) == "1"

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Outcome:
            try:
                fields = json.loads(fields_text) if fields_text and fields_text != "{}" else None
            except json.JSONDecodeError as exc:
                raise review.ReviewRefused("the document fields are not valid JSON") from exc
            if fields is not None and not isinstance(fields, dict):
                raise review.ReviewRefused("the document fields must be a JSON object")
            _, deliveries = review.decide(
                conn, services.sessions, who, kind, item_id, now,
                value=str(form.get("value", "")), reason=str(form.get("reason", "")) or None,
                recovery_suggestion=str(form.get("recovery_suggestion", "")) or None,
                fields=fields, four_eyes=services.four_eyes,
            )  # fmt: skip
            session_id = review.session_of(conn, kind, item_id)
            then = _next(conn, who, now, session_id, (kind, item_id)) if go_on else "/"
            return Outcome(deliveries, then)

        return await guarded(request, unit, post=True, then="/", deliver=True)

    @router.post("/items/{kind}/{item_id}/next")
    async def skip(request: Request, kind: str, item_id: str) -> Response:
        """Leave this item to someone else (released, if held) and take the next one."""

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Outcome:
            session_id = review.session_of(conn, kind, item_id)
            # Not held (a proposal looked at, or already decided): nothing to leave.
            with contextlib.suppress(review.ReviewRefused):
                review.release(conn, who, kind, item_id, now)
            return Outcome([], _next(conn, who, now, session_id, (kind, item_id)))

        return await guarded(request, unit, post=True, then="/")

    @router.post("/decisions/{decision_id}/confirm")
    async def confirm(request: Request, decision_id: str) -> Response:
        services = services_of(request)

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> list[str]:
            return review.confirm(conn, services.sessions, who, decision_id, now)

        return await guarded(request, unit, post=True, then="/", deliver=True)

    return router


def _next(
    conn: Connection,
    who: accounts.Account,
    now: dt.datetime,
    session_id: str | None,
    skip: tuple[str, str],
) -> str:
    """The next item's page, claimed for the reviewer; the queue when none is left."""
    found = review.claim_next(conn, who, now, session_id=session_id, skip=skip)
    return f"/items/{found[0]}/{found[1]}" if found else "/"
