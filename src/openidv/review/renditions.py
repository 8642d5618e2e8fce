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
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageOps, UnidentifiedImageError

# Widths the pages ask for; a free-form width would let a client make the server render
# (and the audit log record) any number of variants of one image.
WIDTHS = (480, 800, 1200)
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
