"""The console's login and logout: the double-submit CSRF cookie of the login form, the
failure budgets (api/ratelimit.py) and the device cookie of a browser that logged in."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import math
import secrets

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from openidv.review import accounts
from openidv.review.audit import append
from openidv.review.pages import (
    COOKIE,
    DEVICE_COOKIE,
    HEADERS,
    LOGIN_COOKIE,
    guarded,
    render_page,
    services_of,
)
from openidv.store.db import utcnow


def build_login_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        csrf = secrets.token_urlsafe(24)
        response = render_page(request, "login.html", csrf=csrf, who=None)
        response.set_cookie(
            LOGIN_COOKIE, csrf, httponly=True, samesite="strict",
            secure=services_of(request).secure_cookies, path=services_of(request).prefix,
        )  # fmt: skip
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        services = services_of(request)
        form = await request.form()
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(str(form.get("csrf", "")), expected):
            return render_page(request, "login.html", 400, csrf=expected, who=None,
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
            limited = render_page(request, "login.html", 429, csrf=expected, who=None,
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
            return render_page(request, "login.html", 401, csrf=expected, who=None, message=refused)
        await services.failures.login_succeeded(email, address)
        response = RedirectResponse(f"{services.prefix}/", 303, headers=HEADERS)
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

        return await guarded(request, unit, post=True, then="/login")

    return router
