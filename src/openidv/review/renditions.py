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
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from openidv.sessions.service import RENDITION_WIDTHS, rendition_aad, rendition_blob_key
from openidv.store.blobs import BlobNotFound, BlobStore
from openidv.store.crypto import seal, unseal

# Widths the pages ask for; a free-form width would let a client make the server render
# (and the audit log record) any number of variants of one image.
WIDTHS = RENDITION_WIDTHS
# Beyond this a decode is refused rather than risked (capture limits uploads far below).
MAX_PIXELS = 60_000_000
QUALITY = 85
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
        (``discard`` if not): a purge that committed while this was made may already have
        removed the source's blobs, and would not see this one, stored after them."""
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
