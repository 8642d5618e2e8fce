"""What every console page shares: its services, the reviewer it runs as, its headers, and how
a page's unit of work answers (a page, a redirect, a refusal shown as a page).

Every page is ``no-store`` with a strict Content-Security-Policy and may not be framed; every
state change is a POST carrying the session's CSRF token (login uses a double-submit cookie).
The console is reachable only with a console login: neither an SDK signature nor a client
session token opens it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Connection
from starlette.responses import HTMLResponse, RedirectResponse, Response

from openidv.api.ratelimit import Limiter, make_limiter
from openidv.jobs.queue import Jobs
from openidv.review import accounts
from openidv.review import queue as review
from openidv.sessions.service import SessionContext
from openidv.store.db import utcnow
from openidv.store.units import Units

T = TypeVar("T")
COOKIE = "openidv_console"
LOGIN_COOKIE = "openidv_login_csrf"
DEVICE_COOKIE = "openidv_device"  # review/accounts.py: this browser logged into the account
_HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["html"])
)


def breakable(value: object) -> Markup:
    """``value`` escaped, with a line-break opportunity after each comma and underscore: a
    narrow column then wraps a field list ("date_of_birth,document_number") between names and
    a name ("physical_document_captured") between its words, never inside one. The same as
    case.js's ``wrappable``."""
    return Markup(re.sub(r"([,_])", r"\1<wbr>", str(escape(str(value)))))  # noqa: S704 - escaped


TEMPLATES.filters["breakable"] = breakable


def compile_templates() -> None:
    """Compile every console page now (case.html alone takes ~45 ms), at the server's start,
    rather than on the first reviewer's first case open."""
    for name in TEMPLATES.list_templates(extensions=["html"]):
        TEMPLATES.get_template(name)


HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass(frozen=True)
class ConsoleServices:
    units: Units
    sessions: SessionContext
    jobs: Jobs
    four_eyes: review.FourEyes
    secure_cookies: bool
    prefix: str
    failures: Limiter = field(default_factory=lambda: make_limiter(None))


def services_of(request: Request) -> ConsoleServices:
    found: ConsoleServices = request.app.state.console
    return found


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(prefix=services_of(request).prefix, **context)
    return HTMLResponse(html, status, headers=HEADERS)


class NotLoggedIn(Exception):
    pass


async def as_reviewer(
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
            raise NotLoggedIn
        who, csrf = found
        if form is not None and not hmac.compare_digest(str(form.get("csrf", "")), csrf):
            raise review.ReviewRefused("the form expired; reload the page")
        return unit(conn, who, csrf, now)

    return await services_of(request).units.run(run)


def admin_only(who: accounts.Account) -> None:
    if who.role != "admin":
        raise review.ReviewRefused("this page is for administrators")


async def guarded(
    request: Request,
    unit: Callable[[Connection, accounts.Account, str, dt.datetime], Any],
    *,
    post: bool = False,
    then: str | None = None,
    deliver: bool = False,
) -> Response:
    """Run a page's unit as the logged-in reviewer; a refusal is shown, not a stack trace."""
    services = services_of(request)
    try:
        result = await as_reviewer(request, unit, post)
    except NotLoggedIn:
        return RedirectResponse(f"{services.prefix}/login", 303, headers=HEADERS)
    except review.ReviewRefused as exc:
        return HTMLResponse(
            TEMPLATES.get_template("base.html").render(prefix=services.prefix, message=str(exc)),
            409,
            headers=HEADERS,
        )
    if isinstance(result, Outcome):
        then = result.then
        result = result.deliveries
    if deliver:
        for delivery_id in result:
            services.jobs.enqueue("deliver", delivery_id)
    if isinstance(result, Response):
        return result
    return RedirectResponse(f"{services.prefix}{then or '/'}", 303, headers=HEADERS)


@dataclass(frozen=True)
class Outcome:
    """A state change's deliveries to hand to the queue, and the page to go to after it."""

    deliveries: list[str]
    then: str


def static_files() -> StaticFiles:
    return StaticFiles(directory=_HERE / "static")
