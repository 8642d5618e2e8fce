"""Images at the size the case view shows them.

A phone's document photo is 2400x1520 or more (900 kB as a JPEG) and the case view shows it
385 px wide: the browser fetched and decoded six times the pixels it drew, for each page, on
every case opened (benchmarks/console.py --browser prints both sizes). The view asks for a
rendition as wide as it needs (``?w=``, at twice the displayed width for high-density
screens) and fetches the original only when the reviewer zooms in or opens "full size".

A JPEG is decoded straight at a reduced scale (its DCT allows 1/2, 1/4, 1/8: Pillow's
``draft``), so the rendition costs the server less than decoding the original would. What
cannot be made smaller (not an image Pillow reads, already small enough, too large to decode
safely) is served as it is.

A rendition is made once and kept (``StoredRenditions``): a case is opened several times (by
the reviewer who claims it, again after a reload, by a second reviewer under four eyes), and
each image cost 20-40 ms of decoding and encoding on every open. It is derived media and kept
as media are: sealed under the session's data key (bound to its source and width), in the
blob store beside its source, named after it (sessions/service.py), so that the source's
deletion, the session's purge and the key's destruction take it with them.

The pages a case shows at once are made by the worker when it queues the item for review
(``prepare``, from checks/processing.py): made at the case's first open, they cost that open
~600 ms on a loaded machine, while the worker has the time between the queueing and a
reviewer's claim. The console still makes, at an open, what was not prepared (a page opened
from "other images", an item queued before this existed).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import RowMapping

from openidv.review.evidence import evidence_for
from openidv.sessions import keys
from openidv.sessions.models import Media
from openidv.sessions.service import (
    RENDITION_WIDTHS,
    SessionContext,
    media_aad,
    rendition_aad,
    rendition_blob_key,
)
from openidv.store.blobs import BlobNotFound, BlobStore
from openidv.store.crypto import seal, unseal
from openidv.store.db import table_of

media_t = table_of(Media)

# Widths the pages ask for; a free-form width would let a client make the server render
# (and the audit log record) any number of variants of one image.
WIDTHS = RENDITION_WIDTHS
# Beyond this a decode is refused rather than risked (capture limits uploads far below).
MAX_PIXELS = 60_000_000
QUALITY = 85
# The width case.html asks a page it shows at once at (the evidence the item is judged on);
# the others, behind "other images", come at 480 when the reviewer opens them.
SHOWN_WIDTH = 1200
ORIENTATION = 0x0112  # the EXIF tag


def rendition(content: bytes, width: int) -> bytes | None:
    """A JPEG at most ``width`` pixels wide, or None to serve the original instead."""
    if width not in WIDTHS:
        return None
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            # As the browser shows the original: upright by its EXIF orientation (5 to 8: a
            # quarter turn, so the width shown is the stored height).
            turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
            shown_width = image.height if turned else image.width
            if shown_width <= width:
                return None
            scale = width / shown_width
            # JPEG: decoded at 1/2, 1/4 or 1/8 scale, the smallest still this large.
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    upright.thumbnail((width, upright.height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


@dataclass(frozen=True)
class Source:
    """One media the case view asks a rendition of, as the authorised read found it."""

    session_id: str
    media_id: str
    blob_key: str
    data_key: bytes


@dataclass(frozen=True)
class StoredRenditions:
    """Renditions kept in the blob store, sealed as their source is."""

    blobs: BlobStore

    def cached(self, source: Source, width: int) -> bytes | None:
        """The rendition made earlier, or None (never made, or not a width the pages ask
        for). A sealed blob that does not authenticate raises, as a media's would."""
        if width not in WIDTHS:
            return None
        try:
            sealed = self.blobs.get(rendition_blob_key(source.blob_key, width))
        except BlobNotFound:
            return None
        return unseal(
            source.data_key, sealed, rendition_aad(source.session_id, source.media_id, width)
        )

    def make(self, source: Source, content: bytes, width: int) -> bytes | None:
        """Make the rendition of ``content`` (the source, decrypted) and keep it; None: the
        original is to be served. The caller then asks whether the source is still kept
        (``content_kept``; ``discard`` if not): a purge that committed while this was made
        may already have removed the source's blobs, and would not see this one, stored
        after them."""
        smaller = rendition(content, width)
        if smaller is None:
            return None
        aad = rendition_aad(source.session_id, source.media_id, width)
        self.blobs.put(
            rendition_blob_key(source.blob_key, width), seal(source.data_key, smaller, aad)
        )
        return smaller

    def discard(self, source: Source, width: int) -> None:
        self.blobs.delete(rendition_blob_key(source.blob_key, width))


def content_kept(conn: Connection, session_id: str, media_id: str) -> bool:
    """The media's content is still kept: neither it nor its session's key was deleted."""
    deleted = conn.execute(
        select(media_t.c.content_deleted_at).where(
            media_t.c.id == media_id, media_t.c.session_id == session_id
        )
    ).one_or_none()
    return (
        deleted is not None
        and deleted[0] is None
        and keys.wrapped_key(conn, session_id) is not None
    )


@dataclass(frozen=True)
class Staged:
    """A page to make the rendition of: its source and its content, decrypted."""

    source: Source
    content: bytes


def staged(conn: Connection, sessions: SessionContext, item: RowMapping) -> list[Staged]:
    """The pages ``item`` (a check's or task's row) is shown with at once that have no
    rendition yet, read with their session's key; [] once the session's key is gone."""
    shown = evidence_for(conn, item["type"], item).primary
    wanted = [image.id for image in shown if image.role == "page"]
    session_id = item["session_id"]
    wrapped = keys.wrapped_key(conn, session_id)
    if not wanted or wrapped is None:
        return []
    rows = conn.execute(
        select(media_t).where(
            media_t.c.session_id == session_id,
            media_t.c.id.in_(wanted),
            media_t.c.content_deleted_at.is_(None),
        )
    ).mappings()
    key = sessions.keyring.unwrap(wrapped, session_id)
    stored = StoredRenditions(sessions.blobs)
    found = []
    for row in rows:
        source = Source(session_id, row["id"], row["blob_key"], key)
        if stored.cached(source, SHOWN_WIDTH) is not None:  # another item of the session
            continue
        sealed = sessions.blobs.get(row["blob_key"])
        found.append(Staged(source, unseal(key, sealed, media_aad(session_id, row["id"]))))
    return found


def keep(engine: Engine, blobs: BlobStore, pages: list[Staged]) -> int:
    """Make and keep the renditions of ``pages``, then drop those whose source was deleted
    meanwhile; returns how many are kept."""
    stored = StoredRenditions(blobs)
    made = [page.source for page in pages if stored.make(page.source, page.content, SHOWN_WIDTH)]
    if not made:
        return 0
    with engine.connect() as conn:
        gone = [s for s in made if not content_kept(conn, s.session_id, s.media_id)]
    for source in gone:
        stored.discard(source, SHOWN_WIDTH)
    return len(made) - len(gone)


def prepare(engine: Engine, sessions: SessionContext, item: RowMapping) -> int:
    """The renditions ``item``'s case view shows at once, made as it is queued for review
    (after that transaction committed: decoding holds no lock). Returns how many were made."""
    with engine.connect() as conn:
        pages = staged(conn, sessions, item)
    return keep(engine, sessions.blobs, pages)
