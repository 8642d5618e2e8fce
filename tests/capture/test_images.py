"""``sniff``: the bytes decide what an upload is; HEIC (iPhone photos) becomes JPEG.

``iphone-like.heic`` is a real HEIC file, made once with Debian's ``heif-enc -q 85`` (package
``libheif-examples`` 1.15.1, the x265 3.5 HEVC encoder) from a 160x120 PNG whose left half is
red and right half blue: ``pi_heif`` decodes only (its libheif has no HEVC encoder), so a test
cannot make one at run time without another encoder. 695 bytes, brands ``heic mif1 miaf``.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from openidv.capture.images import MAX_PIXELS, ImageRefused, sniff

HEIC = (Path(__file__).parent / "iphone-like.heic").read_bytes()


def _encoded(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, format=kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_jpeg_png_webp_are_kept_as_they_are(kind: str, content_type: str) -> None:
    content = _encoded(kind)
    image = sniff(content)
    assert (image.content_type, image.width, image.height) == (content_type, 40, 30)
    assert image.content is content


def test_heic_is_converted_to_jpeg() -> None:
    assert HEIC[4:12] == b"ftypheic"
    image = sniff(HEIC)
    assert (image.content_type, image.width, image.height) == ("image/jpeg", 160, 120)
    assert image.content[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(image.content)) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (160, 120)
        assert not decoded.getexif()  # nothing carried over (EXIF would say where)
        red, _, blue = decoded.convert("RGB").getpixel((20, 60))  # type: ignore[misc]
        assert red > 180 and blue < 80
        red, _, blue = decoded.convert("RGB").getpixel((140, 60))  # type: ignore[misc]
        assert blue > 180 and red < 80


def _with_image_size(heic: bytes, width: int, height: int) -> bytes:
    """The same file whose header (the ``ispe`` property) claims another size."""
    at = heic.index(b"ispe") + 8  # box type, then version and flags
    return heic[:at] + struct.pack(">II", width, height) + heic[at + 8 :]


def test_heic_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _with_image_size(HEIC, 20_000, 20_000)
    assert MAX_PIXELS < 20_000 * 20_000
    with pytest.raises(ImageRefused, match="pixels"):
        sniff(bomb)


def test_broken_heic_is_refused() -> None:
    with pytest.raises(ImageRefused):
        sniff(HEIC[: len(HEIC) - 200])  # the coded picture cut short
    with pytest.raises(ImageRefused):
        sniff(HEIC[:40])  # not even a complete header


def test_other_types_and_bombs_are_refused() -> None:
    with pytest.raises(ImageRefused, match="PDF is accepted only as an uploaded document scan"):
        sniff(b"%PDF-1.7 not an image")  # not a liveness frame, nor a camera capture
    with pytest.raises(ImageRefused, match="not a JPEG, PNG, WebP or HEIC"):
        sniff(b"GIF87a not really")
    with pytest.raises(ImageRefused, match="GIF images are not accepted"):
        sniff(_encoded("GIF"))
    big = _encoded("PNG", (8000, 7000))  # 56 MP of one colour: a small file
    with pytest.raises(ImageRefused, match="pixels"):
        sniff(big)
