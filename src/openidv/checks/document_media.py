"""Media a document's text extraction adds beside its ``document_fields``, whatever engine
produced them: the document's portrait (Yoti's ``document_id_photo``) and, when the task
asks for them (``create_expanded_document_fields``), the expanded document fields.

* The portrait is the largest face on the document's first page (the data page or card
  front; the small ghost copy many documents print is smaller), found with the face engine's
  public API and cut out with a margin, as JPEG. No face, no portrait: the result then simply
  has no ``document_id_photo`` (Yoti's is optional too). A sandbox session's portrait is the
  one its response-config supplies, never one cut here.
* The expanded fields are Yoti's ``{"fields": [{"name", "value", "locale", "source"}]}``,
  one entry per scalar of ``document_fields``: ``source`` is ``MRZ`` or ``VIZ`` (printed) as
  the extraction's ``field_sources`` says, ``locale`` ``la`` (Latin script: what the MRZ and
  this server's recogniser read).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import cv2

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.checks.readers import face_engine
from openidv.vision.faces import ImageDecodeError, decode_image

log = logging.getLogger(__name__)

TEXT_EXTRACTION = "ID_DOCUMENT_TEXT_DATA_EXTRACTION"
# Around the detected face box: room for the hair and chin, as a printed portrait has.
PORTRAIT_MARGIN = 0.35
PORTRAIT_JPEG_QUALITY = 90
_SOURCES = {"MRZ": "MRZ", "PRINTED": "VIZ"}


def portrait(page: bytes) -> bytes | None:
    """The page's largest face, cut out with a margin, as JPEG (None when there is none)."""
    faces = face_engine()
    try:
        image = decode_image(page)
    except ImageDecodeError:
        return None
    found = faces.detect(image)
    if not found or found[0].size_px < faces.min_face_side_px:
        return None
    x, y, w, h = found[0].box
    height, width = image.shape[:2]
    left = max(0, int(x - w * PORTRAIT_MARGIN))
    top = max(0, int(y - h * PORTRAIT_MARGIN))
    right = min(width, int(x + w * (1 + PORTRAIT_MARGIN)))
    bottom = min(height, int(y + h * (1 + PORTRAIT_MARGIN)))
    if right - left < 2 or bottom - top < 2:
        return None
    ok, encoded = cv2.imencode(
        ".jpg", image[top:bottom, left:right], [cv2.IMWRITE_JPEG_QUALITY, PORTRAIT_JPEG_QUALITY]
    )
    return encoded.tobytes() if ok else None


def expanded_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Yoti's expanded document fields over a ``document_fields`` object."""
    sources = fields.get("field_sources") or {}
    entries = []
    for name, value in fields.items():
        if name in ("mrz", "field_sources") or not isinstance(value, str | int | float):
            continue
        source = (sources.get(name) or {}).get("source")
        entry: dict[str, Any] = {"name": name, "value": str(value), "locale": "la"}
        if source in _SOURCES:
            entry["source"] = _SOURCES[source]
        entries.append(entry)
    return {"fields": entries}


def with_document_media(evidence: Evidence, result: MachineResult, sandbox: bool) -> MachineResult:
    """``result`` with the portrait and expanded fields the task's document should carry."""
    if evidence.item_type != TEXT_EXTRACTION:
        return result
    media = list(result.media)
    roles = {item.role for item in media}
    documents = [r for r in evidence.resources if r.type == "ID_DOCUMENT" and r.pages]
    if not sandbox and "document_id_photo" not in roles and documents:
        try:
            photo = portrait(documents[0].pages[0].load())
        except Exception:  # a portrait is an extra: never the reason a task fails
            log.exception("document %s: portrait not cut", documents[0].id)
            photo = None
        if photo is not None:
            media.append(GeneratedMedia("IMAGE", "image/jpeg", photo, "document_id_photo"))
    held = next((item for item in media if item.role == "document_fields"), None)
    wanted = bool(evidence.config.get("create_expanded_document_fields"))
    if wanted and held is not None and "expanded_document_fields" not in roles:
        try:
            fields = json.loads(held.content)
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            content = json.dumps(expanded_fields(fields)).encode()
            media.append(
                GeneratedMedia("JSON", "application/json", content, "expanded_document_fields")
            )
    return replace(result, media=media)
