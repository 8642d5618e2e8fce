"""The review console's pages, under ``/console``.

Server-rendered HTML; one same-origin module (case.js) adds zoom, rotate and live MRZ check
digits to the case view, which works without it. Every page is ``no-store`` with a strict
Content-Security-Policy
and may not be framed; every state change is a POST carrying the session's CSRF token (login
uses a double-submit cookie). The console is reachable only with a console login: neither an
SDK signature nor a client session token opens it. Every view of personal data (a case, an
image) and every decision is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection, select
from starlette.responses import HTMLResponse, RedirectResponse, Response

from openidv.api.apps import AppNotFound, disable_app, list_apps, rotate_key
from openidv.api.ratelimit import Limiter, make_limiter
from openidv.jobs.queue import Jobs
from openidv.review import accounts, evidence, operator
from openidv.review import queue as review
from openidv.review.audit import append, entries
from openidv.review.models import Decision
from openidv.review.reasons import CHECK_DECISIONS, TASK_DECISIONS
from openidv.review.renditions import WIDTHS, Source, StoredRenditions, content_kept
from openidv.sessions.media_types import browser_headers
from openidv.sessions.models import Media
from openidv.sessions.service import SessionContext, media_aad
from openidv.store.crypto import unseal
from openidv.store.db import table_of, utcnow
from openidv.store.units import Units

T = TypeVar("T")
COOKIE = "openidv_console"
LOGIN_COOKIE = "openidv_login_csrf"
DEVICE_COOKIE = "openidv_device"  # review/accounts.py: this browser logged into the account
SLA_MINUTES = 60
_HERE = Path(__file__).parent
_templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["html"])
)
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
decisions_t = table_of(Decision)
media_t = table_of(Media)


@dataclass(frozen=True)
class ConsoleServices:
    units: Units
    sessions: SessionContext
    jobs: Jobs
    four_eyes: review.FourEyes
    secure_cookies: bool
    prefix: str
    failures: Limiter = field(default_factory=lambda: make_limiter(None))


def _services(request: Request) -> ConsoleServices:
    services: ConsoleServices = request.app.state.console
    return services


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(prefix=_services(request).prefix, **context)
    return HTMLResponse(html, status, headers=_HEADERS)


def _age(since: dt.datetime, now: dt.datetime) -> tuple[str, int]:
    minutes = int((now - since).total_seconds() // 60)
    text = f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
    return text, minutes


class _NotLoggedIn(Exception):
    pass


async def _as_reviewer(
    request: Request,
    unit: Callable[[Connection, accounts.Account, str, dt.datetime], T],
    post: bool,
) -> T:
    token = request.cookies.get(COOKIE)
    form = await request.form() if post else None

    def run(conn: Connection) -> T:
        now = utcnow()
        found = accounts.current(conn, token, now)
        if found is None:
            raise _NotLoggedIn
        who, csrf = found
        if form is not None and not hmac.compare_digest(str(form.get("csrf", "")), csrf):
            raise review.ReviewRefused("the form expired; reload the page")
        return unit(conn, who, csrf, now)

    return await _services(request).units.run(run)


def build_console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        csrf = secrets.token_urlsafe(24)
        response = _page(request, "login.html", csrf=csrf, who=None)
        response.set_cookie(
            LOGIN_COOKIE, csrf, httponly=True, samesite="strict",
            secure=_services(request).secure_cookies, path=_services(request).prefix,
        )  # fmt: skip
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        services = _services(request)
        form = await request.form()
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(str(form.get("csrf", "")), expected):
            return _page(request, "login.html", 400, csrf=expected, who=None,
                         message="The form expired; try again.")  # fmt: skip
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        totp = str(form.get("totp", "")) or None
        address = request.client.host if request.client else "-"
        cookie = request.cookies.get(DEVICE_COOKIE)
        device = "" if not cookie else await services.units.run(
            lambda conn: accounts.trusted_device(conn, email, cookie, utcnow())
        )  # fmt: skip
        # Before argon2 runs: this address's (or this device's) budgets refuse; an account
        # many addresses are guessing only slows those that never logged into it
        # (api/ratelimit.py: an outsider can never lock the reviewer out).
        wait = await services.failures.login_wait(email, address, device)
        if wait is None and not device and await services.failures.login_slowed(email, address):
            await asyncio.sleep(services.failures.rules.login_slow_seconds)
        if wait is not None:
            limited = _page(request, "login.html", 429, csrf=expected, who=None,
                            message="Too many failed attempts; try again later.")  # fmt: skip
            limited.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return limited

        def unit(conn: Connection) -> tuple[str, str, accounts.Account] | None:
            now = utcnow()
            try:
                result = accounts.login(conn, services.sessions.keyring, email, password, totp, now)
            except accounts.LoginRefused:
                append(conn, email[:320], "login_failed", "console", {}, now)
                return None
            append(conn, result[2].email, "login", "console", {}, now)
            return result

        result = await services.units.run(unit)
        if result is None:
            await services.failures.login_failed(email, address, device)
            refused = "Those credentials did not work, or the account is locked."
            return _page(request, "login.html", 401, csrf=expected, who=None, message=refused)
        await services.failures.login_succeeded(email, address)
        response = RedirectResponse(f"{services.prefix}/", 303, headers=_HEADERS)
        response.set_cookie(
            COOKIE, result[0], httponly=True, samesite="strict", secure=services.secure_cookies,
            path=services.prefix, max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        )  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path=services.prefix)
        trusted = await services.units.run(
            lambda conn: accounts.device_cookie(conn, email, utcnow())
        )
        response.set_cookie(
            DEVICE_COOKIE, trusted, httponly=True, samesite="strict",
            secure=services.secure_cookies, path=f"{services.prefix}/login",
            max_age=int(accounts.DEVICE_LIFETIME.total_seconds()),
        )  # fmt: skip
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            accounts.logout(conn, request.cookies.get(COOKIE, ""))
            append(conn, who.email, "logout", "console", {}, now)

        return await _guarded(request, unit, post=True, then="/login")

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
            return _page(
                request,
                "queue.html",
                rows=rows,
                who=who,
                csrf=csrf,
                sla_minutes=SLA_MINUTES,
                waiting=waiting,
            )

        return await _guarded(request, unit)

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

        return await _guarded(request, unit, post=True, then=f"/items/{kind}/{item_id}")

    @router.post("/items/{kind}/{item_id}/release")
    async def release(request: Request, kind: str, item_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            review.release(conn, who, kind, item_id, now)

        return await _guarded(request, unit, post=True, then="/")

    @router.get("/items/{kind}/{item_id}")
    async def case(request: Request, kind: str, item_id: str) -> Response:
        services = _services(request)

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
            return _page(
                request, "case.html", who=who, csrf=csrf, evidence=shown, machine=machine,
                machine_result=row["machine_result"], proposal=proposal, values=values,
                reasons=reasons, fields=json.dumps(read, indent=2) if read else "{}",
                read=read, sources={k: evidence.source_text(v) for k, v in sources.items()},
                entry_fields=evidence.ENTRY_FIELDS,
                face=evidence.face_match_summary(row["machine_result"]),
                approve_value="PROGRESS" if kind == "task" else "APPROVE",
                reject_value="MUST_TRY_AGAIN" if kind == "task" else "REJECT",
                rest=rest,
                item={"kind": kind, "id": item_id, "type": row["type"],
                      "session_id": row["session_id"]},
            )  # fmt: skip

        return await _guarded(request, unit)

    @router.post("/items/{kind}/{item_id}/decide")
    async def decide(request: Request, kind: str, item_id: str) -> Response:
        services = _services(request)
        form = await request.form()
        fields_text = str(form.get("fields", "")).strip()

        go_on = str(form.get("next", "")) == "1"

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> _Outcome:
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
            return _Outcome(deliveries, then)

        return await _guarded(request, unit, post=True, then="/", deliver=True)

    @router.post("/items/{kind}/{item_id}/next")
    async def skip(request: Request, kind: str, item_id: str) -> Response:
        """Leave this item to someone else (released, if held) and take the next one."""

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> _Outcome:
            session_id = review.session_of(conn, kind, item_id)
            # Not held (a proposal looked at, or already decided): nothing to leave.
            with contextlib.suppress(review.ReviewRefused):
                review.release(conn, who, kind, item_id, now)
            return _Outcome([], _next(conn, who, now, session_id, (kind, item_id)))

        return await _guarded(request, unit, post=True, then="/")

    @router.post("/decisions/{decision_id}/confirm")
    async def confirm(request: Request, decision_id: str) -> Response:
        services = _services(request)

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> list[str]:
            return review.confirm(conn, services.sessions, who, decision_id, now)

        return await _guarded(request, unit, post=True, then="/", deliver=True)

    @router.get("/sessions")
    async def sessions_page(
        request: Request, q: str = "", state: str = "", since: str = ""
    ) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            _admin(who)
            try:
                day = dt.date.fromisoformat(since) if since else None
            except ValueError as exc:
                raise review.ReviewRefused("the date must be YYYY-MM-DD") from exc
            found = operator.search(conn, q.strip(), state or None, day)
            append(
                conn, who.email, "search_sessions", "console", {"q": bool(q), "state": state}, now
            )
            return _page(request, "sessions.html", who=who, csrf=csrf, sessions=found,
                         q=q, state=state, since=since)  # fmt: skip

        return await _guarded(request, unit)

    @router.get("/sessions/{session_id}")
    async def session_page(request: Request, session_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            _admin(who)
            page = operator.session_page(conn, session_id)
            if page is None:
                raise review.ReviewRefused("no such session")
            append(conn, who.email, "view_session", f"session:{session_id}", {}, now)
            return _page(request, "session.html", who=who, csrf=csrf, **page)

        return await _guarded(request, unit)

    @router.get("/apps")
    async def apps_page(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            _admin(who)
            return _page(request, "apps.html", who=who, csrf=csrf, apps=list_apps(conn))

        return await _guarded(request, unit)

    @router.post("/apps/{sdk_id}/disable")
    async def disable(request: Request, sdk_id: str) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            _admin(who)
            try:
                disable_app(conn, sdk_id)
            except AppNotFound as exc:
                raise review.ReviewRefused("no such application") from exc
            append(conn, who.email, "disable_app", f"app:{sdk_id}", {}, now)

        return await _guarded(request, unit, post=True, then="/apps")

    @router.post("/apps/{sdk_id}/key")
    async def replace_key(request: Request, sdk_id: str) -> Response:
        form = await request.form()
        pem = str(form.get("public_key", ""))

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> None:
            _admin(who)
            try:
                rotate_key(conn, sdk_id, pem)
            except AppNotFound as exc:
                raise review.ReviewRefused("no such application") from exc
            except ValueError as exc:
                raise review.ReviewRefused(f"not a usable public key: {exc}") from exc
            append(conn, who.email, "rotate_app_key", f"app:{sdk_id}", {}, now)

        return await _guarded(request, unit, post=True, then="/apps")

    @router.get("/audit.jsonl")
    async def audit_export(request: Request) -> Response:
        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            _admin(who)
            append(conn, who.email, "export_audit", "console", {}, now)
            lines = (json.dumps(e, default=str, sort_keys=True) for e in entries(conn))
            return Response(
                "\n".join(lines) + "\n",
                media_type="application/x-ndjson",
                headers={**_HEADERS, "Content-Disposition": "attachment; filename=audit.jsonl"},
            )

        return await _guarded(request, unit)

    @router.get("/media/{session_id}/{media_id}")
    async def media(
        request: Request, session_id: str, media_id: str, w: int | None = None
    ) -> Response:
        """The stored media; ``w``: an image at most that wide (renditions.WIDTHS), as the case
        view shows it: the one the worker prepared or an earlier open made, else made now
        after the transaction (decoding holds no database lock) and kept."""
        width = w if w in WIDTHS else None
        wanted: list[Source] = []  # the source to make a rendition of, when none is kept
        served = await _media(request, session_id, media_id, width, wanted)
        if (
            not wanted
            or served.status_code != 200
            or not (served.media_type or "").startswith("image/")
        ):
            return served
        assert width is not None
        stored = StoredRenditions(_services(request).sessions.blobs)
        smaller = await to_thread.run_sync(stored.make, wanted[0], bytes(served.body), width)
        if smaller is None:
            return served

        def kept(conn: Connection) -> bool:
            return content_kept(conn, session_id, media_id)

        if not await _services(request).units.run(kept):  # purged meanwhile: not kept either
            await to_thread.run_sync(stored.discard, wanted[0], width)
        media_type, headers = browser_headers(smaller, "image/jpeg", media_id)
        return Response(smaller, media_type=media_type, headers={**_HEADERS, **headers})

    async def _media(
        request: Request, session_id: str, media_id: str, width: int | None, wanted: list[Source]
    ) -> Response:
        services = _services(request)
        stored = StoredRenditions(services.sessions.blobs)

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            row = conn.execute(
                select(media_t).where(media_t.c.id == media_id, media_t.c.session_id == session_id)
            ).mappings().one_or_none()  # fmt: skip
            wrapped = _wrapped_key(conn, session_id)
            # Only for a case the reviewer holds: evidence is seen because a case needs it.
            held = review.holds_case_of(conn, who, session_id)
            if row is None or row["content_deleted_at"] is not None or wrapped is None or not held:
                return Response(status_code=404, headers=_HEADERS)
            append(conn, who.email, "view_media", f"media:{media_id}", {"session": session_id}, now)
            key = services.sessions.keyring.unwrap(wrapped, session_id)
            source = Source(session_id, media_id, row["blob_key"], key)
            if width is not None:
                smaller = stored.cached(source, width)
                if smaller is not None:
                    media_type, headers = browser_headers(smaller, "image/jpeg", media_id)
                    return Response(smaller, media_type=media_type, headers={**_HEADERS, **headers})
                wanted.append(source)
            content = unseal(
                key, services.sessions.blobs.get(row["blob_key"]), media_aad(session_id, media_id)
            )
            media_type, headers = browser_headers(content, row["content_type"], media_id)
            # The media's own CSP replaces the pages' one: it must never run anything.
            return Response(content, media_type=media_type, headers={**_HEADERS, **headers})

        return await _guarded(request, unit)

    return router


def _admin(who: accounts.Account) -> None:
    if who.role != "admin":
        raise review.ReviewRefused("this page is for administrators")


def _wrapped_key(conn: Connection, session_id: str) -> bytes | None:
    from openidv.sessions.keys import wrapped_key  # noqa: PLC0415

    return wrapped_key(conn, session_id)


async def _guarded(
    request: Request,
    unit: Callable[[Connection, accounts.Account, str, dt.datetime], Any],
    *,
    post: bool = False,
    then: str | None = None,
    deliver: bool = False,
) -> Response:
    """Run a page's unit as the logged-in reviewer; a refusal is shown, not a stack trace."""
    services = _services(request)
    try:
        result = await _as_reviewer(request, unit, post)
    except _NotLoggedIn:
        return RedirectResponse(f"{services.prefix}/login", 303, headers=_HEADERS)
    except review.ReviewRefused as exc:
        return HTMLResponse(
            _templates.get_template("base.html").render(prefix=services.prefix, message=str(exc)),
            409,
            headers=_HEADERS,
        )
    if isinstance(result, _Outcome):
        then = result.then
        result = result.deliveries
    if deliver:
        for delivery_id in result:
            services.jobs.enqueue("deliver", delivery_id)
    if isinstance(result, Response):
        return result
    return RedirectResponse(f"{services.prefix}{then or '/'}", 303, headers=_HEADERS)


@dataclass(frozen=True)
class _Outcome:
    """A state change's deliveries to hand to the queue, and the page to go to after it."""

    deliveries: list[str]
    then: str


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


def static_files() -> StaticFiles:
    return StaticFiles(directory=_HERE / "static")
