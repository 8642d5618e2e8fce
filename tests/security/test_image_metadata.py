"""Low: JPEG and PNG uploads kept their EXIF, GPS position included, at rest and in what the
integrator and the console are served."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from tests.security.conftest import Target, journey

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # taken sideways
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x9003] = "2026:11:30 08:15:00"  # taken at
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return exif


def _photo(kind: str) -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, format="JPEG", exif=_exif(), comment=b"home address")
    elif kind == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Location", "51.5N 0.12W")
        image.save(out, format="PNG", exif=_exif(), pnginfo=info)
    else:
        image.save(out, format="WEBP", exif=_exif(), xmp=b"<x:xmpmeta>GPS 51.5N</x:xmpmeta>")
    return out.getvalue()


def _stored(target: Target, photo: bytes, content_type: str) -> bytes:
    """Upload as the capture page does, then fetch what is stored, as the integrator does."""
    with target.integrator() as shop:
        session_id, token = target.session(shop)
        with journey(target, session_id, token) as capture:
            uploaded = capture.upload(capture.passport(), photo, content_type)
            assert uploaded.status_code == 201, uploaded.text
        media = shop.send("GET", f"/sessions/{session_id}/media/{uploaded.json()['id']}/content")
        assert media.status_code == 200
        return media.content


@pytest.mark.parametrize(
    ("kind", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_stored_images_keep_no_gps_or_other_metadata(
    served: Target, kind: str, content_type: str
) -> None:
    photo = _photo(kind)
    assert b"PhoneMaker" in photo  # the attack's premise: the upload carries it
    stored = _stored(served, photo, content_type)
    for secret in (b"PhoneMaker", b"2026:11:30", b"home address", b"51.5N", b"Location"):
        assert secret not in stored, secret
    with Image.open(io.BytesIO(stored)) as image, Image.open(io.BytesIO(photo)) as original:
        exif = image.getexif()
        assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD)
        if kind == "JPEG":
            assert exif.get(ORIENTATION) == 6  # still shown upright
        assert image.size == original.size
        assert image.convert("RGB").tobytes() == original.convert("RGB").tobytes()  # same pixels
