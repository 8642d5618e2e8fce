"""Metadata stripped from stored images, without re-encoding their pixels.

A phone photo's EXIF says where and when it was taken (GPS), with which device; XMP, IPTC,
comments and PNG text chunks can say as much. None of it is evidence a check reads, so it is
not kept. The pixels are left byte for byte (no quality lost, nothing for an engine to
re-measure); only a JPEG's EXIF orientation survives, rewritten alone, because without it a
photo taken sideways would be stored sideways.

Each function returns its input object itself when there was nothing to remove.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

_JPEG_DROPPED = {
    0xE1,  # APP1: EXIF, XMP
    0xED,  # APP13: Photoshop IRB / IPTC
    0xFE,  # COM
    *range(0xE3, 0xED),  # APP3..APP12: vendor data (maker notes, Ducky, ...)
    0xEF,  # APP15
}
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROPPED = {b"EXIF", b"XMP "}
_ORIENTATION = 0x0112


def _orientation_segment(content: bytes) -> bytes:
    """An APP1 segment carrying only the photo's EXIF orientation (or nothing if upright)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            orientation = image.getexif().get(_ORIENTATION)
    except Exception:  # unreadable EXIF: nothing worth keeping
        return b""
    if not isinstance(orientation, int) or orientation in (0, 1) or orientation > 8:
        return b""
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    payload = exif.tobytes()  # b"Exif\0\0" + TIFF
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def strip_jpeg(content: bytes) -> bytes:
    if not content.startswith(b"\xff\xd8"):
        return content
    kept = [b"\xff\xd8"]
    at, dropped = 2, False
    while at + 4 <= len(content) and content[at] == 0xFF:
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xDA:  # start of scan: the entropy-coded data follows, kept as it is
            break
        length = struct.unpack(">H", content[at + 2 : at + 4])[0]
        segment = content[at : at + 2 + length]
        if marker in _JPEG_DROPPED:
            dropped = True
        else:
            kept.append(segment)
        at += 2 + length
    if not dropped:
        return content
    orientation = _orientation_segment(content)
    # After JFIF (APP0) if there is one, where readers look for EXIF.
    position = 2 if len(kept) > 1 and kept[1][1] == 0xE0 else 1
    kept.insert(position, orientation)
    return b"".join(kept) + content[at:]


def strip_png(content: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not content.startswith(signature):
        return content
    kept, at, dropped = [signature], len(signature), False
    while at + 8 <= len(content):
        length = struct.unpack(">I", content[at : at + 4])[0]
        kind = content[at + 4 : at + 8]
        chunk = content[at : at + 12 + length]  # length, type, data, CRC
        if kind in _PNG_DROPPED:
            dropped = True
        else:
            kept.append(chunk)
        at += 12 + length
        if kind == b"IEND":
            break
    return b"".join(kept) if dropped else content


def strip_webp(content: bytes) -> bytes:
    if len(content) < 12 or content[:4] != b"RIFF" or content[8:12] != b"WEBP":
        return content
    chunks, at, dropped = [], 12, False
    while at + 8 <= len(content):
        kind = content[at : at + 4]
        size = struct.unpack("<I", content[at + 4 : at + 8])[0]
        chunk = content[at : at + 8 + size + (size & 1)]  # chunks are padded to even sizes
        if kind in _WEBP_DROPPED:
            dropped = True
        else:
            chunks.append(chunk)
        at += 8 + size + (size & 1)
    if not dropped:
        return content
    for index, chunk in enumerate(chunks):
        if chunk[:4] == b"VP8X":  # its flags must no longer announce EXIF (0x08) or XMP (0x04)
            flags = chunk[8] & ~0x0C
            chunks[index] = chunk[:8] + bytes([flags]) + chunk[9:]
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def strip_metadata(content_type: str, content: bytes) -> bytes:
    if content_type == "image/jpeg":
        return strip_jpeg(content)
    if content_type == "image/png":
        return strip_png(content)
    if content_type == "image/webp":
        return strip_webp(content)
    return content
