"""The stored media a case shows, under ``/console/media``: only to the reviewer who holds a
case of the session, each view written to the audit log, at a rendition's width when the case
view asks one (review/renditions.py)."""

from __future__ import annotations

import datetime as dt

from anyio import to_thread
from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.review import accounts
from openidv.review import queue as review
from openidv.review.audit import append
from openidv.review.pages import HEADERS, guarded, services_of
from openidv.review.renditions import WIDTHS, Source, StoredRenditions, content_kept
from openidv.sessions.media_types import browser_headers
from openidv.sessions.models import Media
from openidv.sessions.service import media_aad
from openidv.store.crypto import unseal
from openidv.store.db import table_of

media_t = table_of(Media)


def build_media_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

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
        stored = StoredRenditions(services_of(request).sessions.blobs)
        smaller = await to_thread.run_sync(stored.make, wanted[0], bytes(served.body), width)
        if smaller is None:
            return served

        def kept(conn: Connection) -> bool:
            return content_kept(conn, session_id, media_id)

        if not await services_of(request).units.run(kept):  # purged meanwhile: not kept either
            await to_thread.run_sync(stored.discard, wanted[0], width)
        media_type, headers = browser_headers(smaller, "image/jpeg", media_id)
        return Response(smaller, media_type=media_type, headers={**HEADERS, **headers})

    async def _media(
        request: Request, session_id: str, media_id: str, width: int | None, wanted: list[Source]
    ) -> Response:
        services = services_of(request)
        stored = StoredRenditions(services.sessions.blobs)

        def unit(conn: Connection, who: accounts.Account, csrf: str, now: dt.datetime) -> Response:
            row = conn.execute(
                select(media_t).where(media_t.c.id == media_id, media_t.c.session_id == session_id)
            ).mappings().one_or_none()  # fmt: skip
            wrapped = _wrapped_key(conn, session_id)
            # Only for a case the reviewer holds: evidence is seen because a case needs it.
            held = review.holds_case_of(conn, who, session_id)
            if row is None or row["content_deleted_at"] is not None or wrapped is None or not held:
                return Response(status_code=404, headers=HEADERS)
            append(conn, who.email, "view_media", f"media:{media_id}", {"session": session_id}, now)
            key = services.sessions.keyring.unwrap(wrapped, session_id)
            source = Source(session_id, media_id, row["blob_key"], key)
            if width is not None:
                smaller = stored.cached(source, width)
                if smaller is not None:
                    media_type, headers = browser_headers(smaller, "image/jpeg", media_id)
                    return Response(smaller, media_type=media_type, headers={**HEADERS, **headers})
                wanted.append(source)
            content = unseal(
                key, services.sessions.blobs.get(row["blob_key"]), media_aad(session_id, media_id)
            )
            media_type, headers = browser_headers(content, row["content_type"], media_id)
            # The media's own CSP replaces the pages' one: it must never run anything.
            return Response(content, media_type=media_type, headers={**HEADERS, **headers})

        return await guarded(request, unit)

    return router


def _wrapped_key(conn: Connection, session_id: str) -> bytes | None:
    from openidv.sessions.keys import wrapped_key  # noqa: PLC0415

    return wrapped_key(conn, session_id)
