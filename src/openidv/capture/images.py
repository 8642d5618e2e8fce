"""What an uploaded image really is, decided from its bytes, never from its declared type.

JPEG, PNG and WebP are taken as they are, their metadata stripped (capture/metadata.py).
HEIC/HEIF (what iPhones save) is taken too, but converted to JPEG here: no engine, browser or
integrator has to read HEIC, and the stored evidence is always a type every SDK user can open.
The pixel count is read from the header, without decoding, and capped: a small file that
decodes to gigapixels (a decompression bomb) is refused before anything decodes it.
PDF scans are taken only where the caller allows them (``allow_pdf``): their first page is
drawn to a JPEG (capture/pdf.py) and the PDF itself is dropped.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pi_heif
from PIL import Image

from openidv.capture.metadata import strip_metadata
from openidv.capture.pdf import PdfRefused, is_pdf, render_pages

MAX_PIXELS = 50_000_000  # 50 MP: more than any phone camera; a bomb is far above it
# A converted HEIC must still fit the upload limit (api/limits.py's MAX_MEDIA_BYTES).
MAX_CONVERTED_BYTES = 15 * 1024 * 1024
HEIC_JPEG_QUALITY = 92
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_ACCEPTED = "a JPEG, PNG, WebP or HEIC image"


class ImageRefused(Exception):
    pass


@dataclass(frozen=True)
class SniffedImage:
    """What to store: ``content`` is the upload itself, or its JPEG conversion (HEIC)."""

    content_type: str
    width: int
    height: int
    content: bytes
    from_pdf: bool = False
    # A PDF statement's pages after the first, each a JPEG (`pdf.STATEMENT_PAGES`).
    more_pages: tuple[bytes, ...] = ()


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused(f"the image has {width * height} pixels; at most {MAX_PIXELS}")


def _heic_to_jpeg(content: bytes) -> SniffedImage:
    try:
        heif = pi_heif.open_heif(content, convert_hdr_to_8bit=True)  # reads the header only
        width, height = heif.size
    except Exception as exc:  # pi_heif raises ValueError, EOFError, SyntaxError, RuntimeError
        raise ImageRefused(f"the body is not {_ACCEPTED}") from exc
    _check_pixels(width, height)
    try:
        # Decodes the primary image, its rotation and mirroring (irot/imir) applied.
        image = heif.to_pillow()
        # Memory: to_pillow copies libheif's decoded buffer, and convert() copies an RGB image
        # again; dropping the first and skipping the second took a 7000x7000 decode's peak from
        # 534 to 350 MB (benchmarks/decoder_memory.py; the JPEG written is the same).
        del heif
        if image.mode != "RGB":
            image = image.convert("RGB")
    except Exception as exc:
        raise ImageRefused("the HEIC image could not be decoded") from exc
    _check_pixels(*image.size)  # what was decoded, in case the header understated it
    out = io.BytesIO()
    # No metadata is carried over: an iPhone photo's EXIF holds where it was taken.
    image.save(out, format="JPEG", quality=HEIC_JPEG_QUALITY, optimize=True)
    converted = out.getvalue()
    if len(converted) > MAX_CONVERTED_BYTES:
        raise ImageRefused(f"the converted image is over {MAX_CONVERTED_BYTES} bytes")
    return SniffedImage("image/jpeg", image.width, image.height, converted)


def _pdf_to_jpeg(content: bytes, pages: int = 1) -> SniffedImage:
    try:
        first, *more = render_pages(content, pages)
    except PdfRefused as exc:
        raise ImageRefused(str(exc)) from exc
    with Image.open(io.BytesIO(first)) as image:
        width, height = image.size
    return SniffedImage("image/jpeg", width, height, first, from_pdf=True, more_pages=tuple(more))


def sniff(content: bytes, allow_pdf: bool = False, pdf_pages: int = 1) -> SniffedImage:
    """The image's real type and size, and the bytes to store (HEIC and PDF become JPEG;
    ``pdf_pages``: how many of a PDF's pages to keep)."""
    if is_pdf(content):
        if not allow_pdf:
            raise ImageRefused("a PDF is accepted only as an uploaded document scan")
        return _pdf_to_jpeg(content, pdf_pages)
    if pi_heif.is_supported(content):  # the ISO-BMFF brand says HEIF (HEIC, heix, mif1...)
        return _heic_to_jpeg(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:  # reads the header only
                kind, (width, height) = image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("the image has too many pixels") from exc
    except Exception as exc:  # Pillow raises several types for "not an image"
        raise ImageRefused(f"the body is not {_ACCEPTED}") from exc
    if kind not in _TYPES:
        raise ImageRefused(f"{kind} images are not accepted: send JPEG, PNG, WebP or HEIC")
    _check_pixels(width, height)
    content_type = _TYPES[kind]
    # EXIF (GPS: where it was taken), XMP, comments: not evidence, not kept.
    return SniffedImage(content_type, width, height, strip_metadata(content_type, content))
