"""Operational metrics in the Prometheus text format, read from the database on each scrape
(the database is the truth; a counter kept in one process would be wrong with several).

Every series carries ``mode="live"`` or ``mode="sandbox"``: sandbox sessions are an
integrator's tests and must never inflate, or hide in, the live figures.

Served at ``/metrics`` only to a scraper presenting ``OPENIDV_METRICS_TOKEN`` as a bearer token.
Without a configured token, only when the server itself listens on a loopback address, to a
loopback peer, on a request that no proxy forwarded: behind a reverse proxy on the same host
every client's peer address is loopback, so the peer alone proves nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from fastapi import APIRouter, Request
from sqlalchemy import Connection, Engine, case, func, select
from starlette.responses import PlainTextResponse, Response

from openidv.notifications.models import Delivery
from openidv.sessions.models import Check, Session, Task
from openidv.store.db import table_of

sessions_t = table_of(Session)
checks_t = table_of(Check)
tasks_t = table_of(Task)
deliveries_t = table_of(Delivery)


def _mode(sandbox: bool | None) -> str:
    return "sandbox" if sandbox else "live"


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _family(name: str, help_text: str, samples: Iterable[tuple[dict[str, str], int]]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels(**labels)} {value}" for labels, value in samples]
    return "\n".join(lines)


def collect(conn: Connection) -> str:
    sessions = conn.execute(
        select(sessions_t.c.sandbox, sessions_t.c.state, func.count()).group_by(
            sessions_t.c.sandbox, sessions_t.c.state
        )
    ).all()
    families = [
        _family(
            "openidv_sessions",
            "Sessions by state.",
            (({"mode": _mode(sb), "state": state}, n) for sb, state, n in sessions),
        )
    ]
    verdict = checks_t.c.report["recommendation"]["value"].as_string()
    for name, table, extra in (
        ("openidv_checks", checks_t, verdict),
        ("openidv_tasks", tasks_t, None),
    ):
        columns = [sessions_t.c.sandbox, table.c.type, table.c.state]
        review = case((table.c.review_state.is_(None), ""), else_=table.c.review_state)
        grouped = [*columns, review, *([extra] if extra is not None else [])]
        rows = conn.execute(
            select(*grouped, func.count())
            .join(sessions_t, sessions_t.c.id == table.c.session_id)
            .group_by(*grouped)
        ).all()
        samples = []
        for row in rows:
            labels = {
                "mode": _mode(row[0]),
                "type": row[1],
                "state": row[2],
                "review": row[3] or "NONE",
            }
            if extra is not None:
                labels["recommendation"] = row[4] or "NONE"
            samples.append((labels, row[-1]))
        what = "Checks by type, state, review state and recommendation."
        families.append(_family(name, what if extra is not None else "Tasks by state.", samples))
    deliveries = conn.execute(
        select(sessions_t.c.sandbox, deliveries_t.c.state, func.count())
        .join(sessions_t, sessions_t.c.id == deliveries_t.c.session_id)
        .group_by(sessions_t.c.sandbox, deliveries_t.c.state)
    ).all()
    families.append(
        _family(
            "openidv_webhook_deliveries",
            "Webhook deliveries by state.",
            (({"mode": _mode(sb), "state": state}, n) for sb, state, n in deliveries),
        )
    )
    return "\n".join(families) + "\n"


_FORWARDING = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via")


def _allowed(request: Request, token: str | None, loopback_server: bool) -> bool:
    if token:
        presented = request.headers.get("authorization", "")
        return hmac.compare_digest(presented.encode(), f"Bearer {token}".encode())
    if not loopback_server or any(name in request.headers for name in _FORWARDING):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_metrics_router(
    engine: Engine, token: str | None, *, loopback_server: bool = False
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        if not _allowed(request, token, loopback_server):
            return Response(status_code=404)  # as if absent: no hint it exists
        with engine.connect() as conn:
            body = collect(conn)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    return router
