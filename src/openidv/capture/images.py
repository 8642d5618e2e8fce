"""What an uploaded image really is, decided from its bytes, never from its declared type.

Only JPEG, PNG and WebP are taken. The pixel count is read from the header, without decoding,
and capped: a small file that decodes to gigapixels (a decompression bomb) is refused before
any engine touches it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

MAX_PIXELS = 50_000_000  # 50 MP: more than any phone camera; a bomb is far above it
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRefused(Exception):
    pass


@dataclass(frozen=True)
class SniffedImage:
    content_type: str
    width: int
    height: int


def sniff(content: bytes) -> SniffedImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:  # reads the header only
                kind, (width, height) = image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("the image has too many pixels") from exc
    except Exception as exc:  # Pillow raises several types for "not an image"
        raise ImageRefused("the body is not a JPEG, PNG or WebP image") from exc
    if kind not in _TYPES:
        raise ImageRefused(f"{kind} images are not accepted: send JPEG, PNG or WebP")
    if width * height > MAX_PIXELS:
        raise ImageRefused(f"the image has {width * height} pixels; at most {MAX_PIXELS}")
    return SniffedImage(_TYPES[kind], width, height)
