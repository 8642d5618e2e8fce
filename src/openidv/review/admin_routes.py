"""The console's administrators' pages: sessions searched and shown, applications disabled
or given a new key, the audit log exported. Each is refused to a reviewer."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from openidv.api.apps import AppNotFound, disable_app, list_apps, rotate_key
from openidv.review import accounts, operator
from openidv.review import queue as review
from openidv.review.audit import append, entries
from openidv.review.pages import HEADERS, admin_only, guarded, render_page


def build_admin_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/sessions")
    async def sessions_page(
        request: Request, q: str = "", state: str = "", since: str = ""
    ) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            admin_only(who)
            try:
                day = dt.date.fromisoformat(since) if since else None
            except ValueError as exc:
                raise review.ReviewRefused("the date must be YYYY-MM-DD") from exc
            found = operator.search(conn, q.strip(), state or None, day)
            append(
                conn, who.email, "search_sessions", "console", {"q": bool(q), "state": state}, now
            )
            return render_page(request, "sessions.html", who=who, csrf=csrf, sessions=found,
                         q=q, state=state, since=since)  # fmt: skip

        return await guarded(request, unit)

    @router.get("/sessions/{session_id}")
    async def session_page(request: Request, session_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            admin_only(who)
            page = operator.session_page(conn, session_id)
            if page is None:
                raise review.ReviewRefused("no such session")
            append(conn, who.email, "view_session", f"session:{session_id}", {}, now)
            return render_page(request, "session.html", who=who, csrf=csrf, **page)

        return await guarded(request, unit)

    @router.get("/apps")
    async def apps_page(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            admin_only(who)
            return render_page(request, "apps.html", who=who, csrf=csrf, apps=list_apps(conn))

        return await guarded(request, unit)

    @router.post("/apps/{sdk_id}/disable")
    async def disable(request: Request, sdk_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            admin_only(who)
            try:
                disable_app(conn, sdk_id)
            except AppNotFound as exc:
                raise review.ReviewRefused("no such application") from exc
            append(conn, who.email, "disable_app", f"app:{sdk_id}", {}, now)

        return await guarded(request, unit, post=True, then="/apps")

    @router.post("/apps/{sdk_id}/key")
    async def replace_key(request: Request, sdk_id: str) -> Response:
        form = await request.form()
        pem = str(form.get("public_key", ""))

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            admin_only(who)
            try:
                rotate_key(conn, sdk_id, pem)
            except AppNotFound as exc:
                raise review.ReviewRefused("no such application") from exc
            except ValueError as exc:
                raise review.ReviewRefused(f"not a usable public key: {exc}") from exc
            append(conn, who.email, "rotate_app_key", f"app:{sdk_id}", {}, now)

        return await guarded(request, unit, post=True, then="/apps")

    @router.get("/audit.jsonl")
    async def audit_export(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            admin_only(who)
            append(conn, who.email, "export_audit", "console", {}, now)
            lines = (json.dumps(e, default=str, sort_keys=True) for e in entries(conn))
            return Response(
                "\n".join(lines) + "\n",
                media_type="application/x-ndjson",
                headers={**HEADERS, "Content-Disposition": "attachment; filename=audit.jsonl"},
            )

        return await guarded(request, unit)

    return router
