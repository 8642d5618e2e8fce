"""Tracked devices (``GET|DELETE /sessions/{id}/tracked-devices``): which device did what in
the end user's journey, recorded by the client API at the events Yoti reports (the first
configuration load, each resource created, the client token deleted at submission).

The device is described only as the request shows it: the browser and operating system its
User-Agent names, the first language of Accept-Language, the peer address the server saw. No
fingerprinting, no geolocation (``ip_iso_country_code`` stays absent). The rows are deleted
when the session is purged or when the integrator deletes them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select

from openidv.sessions import results as out
from openidv.sessions.models import TrackedDevice
from openidv.store.db import table_of

devices_t = table_of(TrackedDevice)

CONFIG_FIRST_LOADED = "CONFIG_FIRST_LOADED"
RESOURCE_CREATED = "RESOURCE_CREATED"
CLIENT_SESSION_TOKEN_DELETED = "CLIENT_SESSION_TOKEN_DELETED"  # noqa: S105 (an event name)

# (name, pattern of its version) in the order they must be tried: Edge and Opera also say
# Chrome, Chrome also says Safari.
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/([\d.]+)"),
    ("Opera", r"OPR/([\d.]+)"),
    ("Samsung Internet", r"SamsungBrowser/([\d.]+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/([\d.]+)"),
    ("Chrome", r"(?:Chrome|CriOS)/([\d.]+)"),
    ("Safari", r"Version/([\d.]+).*Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android ([\d.]+)"),
    ("iOS", r"(?:iPhone|CPU) OS ([\d_]+)"),
    ("Windows", r"Windows NT ([\d.]+)"),
    ("macOS", r"Mac OS X ([\d_.]+)"),
    ("Linux", r"Linux()"),
)
_MAX_FIELD = 100


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> tuple[str | None, str | None]:
    for name, pattern in patterns:
        if found := re.search(pattern, text):
            return name, found.group(1).replace("_", ".")[:_MAX_FIELD] or None
    return None, None


def describe(headers: Mapping[str, str], peer: str | None) -> dict[str, str]:
    """The device as one request shows it (only what it shows: absent stays absent)."""
    agent = headers.get("user-agent", "")
    browser, browser_version = _first(_BROWSERS, agent)
    system, system_version = _first(_SYSTEMS, agent)
    language = headers.get("accept-language", "").split(",")[0].split(";")[0].strip()
    device = {
        "ip_address": peer,
        "browser_name": browser,
        "browser_version": browser_version,
        "os_name": system,
        "os_version": system_version,
        "locale": language[:35] or None,
        "manufacture_name": "Apple" if re.search(r"iPhone|iPad", agent) else None,
        "model_name": m.group(0) if (m := re.search(r"iPhone|iPad", agent)) else None,
    }
    return {k: v for k, v in device.items() if v}


def record(
    conn: Connection,
    session_id: str,
    event: str,
    device: dict[str, str],
    now: dt.datetime,
    resource_id: str | None = None,
) -> None:
    if event == CONFIG_FIRST_LOADED:
        seen = conn.execute(
            select(devices_t.c.id).where(
                devices_t.c.session_id == session_id, devices_t.c.event == CONFIG_FIRST_LOADED
            )
        ).first()
        if seen is not None:
            return
    conn.execute(
        insert(devices_t),
        {
            "id": str(uuid.uuid4()),
            "session_id": session_id,
            "event": event,
            "resource_id": resource_id,
            "device": device,
            "created_at": now,
        },
    )


def events(conn: Connection, session_id: str) -> list[out.TrackedDeviceEvent]:
    rows = conn.execute(
        select(devices_t)
        .where(devices_t.c.session_id == session_id)
        .order_by(devices_t.c.created_at)
    ).mappings()
    return [
        out.TrackedDeviceEvent(
            event=row["event"],
            resource_id=row["resource_id"],
            created=row["created_at"],
            device=out.DeviceDescription(**row["device"]),
        )
        for row in rows
    ]


def forget(conn: Connection, session_id: str) -> None:
    conn.execute(delete(devices_t).where(devices_t.c.session_id == session_id))
