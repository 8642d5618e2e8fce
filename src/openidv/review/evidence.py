"""What a case page shows: the evidence the item needs first, the rest on demand, and what
the machine read or measured, in the reviewer's terms.

A session holds many images (two document sides and a liveness burst of a dozen frames and
more); showing all of them made a case page thousands of pixels tall and made the browser
fetch and decode every one before the reviewer could start. Each item type names the few it
is judged on: a face match its document portrait beside the selfie the machine compared, a
data entry the document's pages, an authenticity check the pages. The others stay one
click away, and load only then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from openidv.sessions import keys
from openidv.sessions.models import Media, Resource, Session
from openidv.sessions.service import SessionContext, media_aad
from openidv.store.crypto import unseal
from openidv.store.db import table_of

resources_t = table_of(Resource)
media_t = table_of(Media)
sessions_t = table_of(Session)

# The nine fields a reviewer enters by hand (the form's inputs); the rest of the machine's
# JSON (the MRZ lines, the document type) is kept in the JSON box as read.
ENTRY_FIELDS = (
    ("full_name", "Full name", ""),
    ("given_names", "Given names", ""),
    ("family_name", "Family name", ""),
    ("date_of_birth", "Date of birth", "date"),
    ("gender", "Gender", ""),
    ("nationality", "Nationality", ""),
    ("issuing_country", "Issuing country", ""),
    ("document_number", "Document number", "text"),
    ("expiration_date", "Expiry date", "date"),
)
# The checks that compare two faces: their case shows the portrait beside the selfie, and
# the score between the thresholds.
FACE_COMPARING_TYPES = frozenset({"ID_DOCUMENT_FACE_MATCH", "FACE_COMPARISON"})
# A prefilled JSON larger than this is not shown (a reader's fields are a few hundred bytes).
MAX_FIELDS_BYTES = 64 * 1024


@dataclass(frozen=True)
class Image:
    id: str
    label: str
    role: str = ""  # portrait | selfie | page | frame


@dataclass
class Evidence:
    primary: list[Image] = field(default_factory=list)  # shown at once, side by side
    others: list[Image] = field(default_factory=list)  # on demand

    @property
    def all(self) -> list[Image]:
        return [*self.primary, *self.others]


# As checks/face_match.py picks them: the frames around the middle of the burst are the close,
# frontal ones the comparison used; the middle one stands for them.
def _frontal(frames: list[str]) -> str:
    return frames[int(0.5 * (len(frames) - 1) + 0.5)]


def _resources(conn: Connection, session_id: str) -> list[Any]:
    query = (
        select(resources_t)
        .where(resources_t.c.session_id == session_id)
        .order_by(resources_t.c.created_at)
    )
    return list(conn.execute(query).mappings())


def evidence_for(conn: Connection, item_type: str, row: Any) -> Evidence:
    """The images of ``row``'s session, those its ``item_type`` is judged on first."""
    resources = _resources(conn, row["session_id"])
    every: list[Image] = []
    pages_of: dict[str, list[Image]] = {}
    documents: list[str] = []
    selfie: Image | None = None
    for resource in resources:
        content = resource["content"] or {}
        label = (resource["document_type"] or resource["type"]).replace("_", " ").lower()
        pages = [
            Image(page["media_id"], f"{label} page {n}", "page")
            for n, page in enumerate(content.get("pages", []), 1)
            if page.get("media_id")
        ]
        frames = list(content.get("frames", []))
        pages_of[resource["id"]] = pages
        every += pages
        every += [Image(f, f"liveness frame {n}", "frame") for n, f in enumerate(frames, 1)]
        if resource["type"] == "ID_DOCUMENT" and pages:
            documents.append(resource["id"])
        if selfie is None and resource["type"] == "LIVENESS" and frames:
            selfie = Image(_frontal(frames), "selfie (liveness frame compared)", "selfie")
        elif selfie is None and resource["type"] == "FACE_CAPTURE" and pages:
            selfie = Image(pages[0].id, "selfie (face capture)", "selfie")

    primary: list[Image] = []
    if item_type in FACE_COMPARING_TYPES:
        if documents:
            first = pages_of[documents[0]][0]  # the portrait's page, as the check compares
            primary.append(Image(first.id, f"document portrait ({first.label})", "portrait"))
        if selfie is not None:
            primary.append(selfie)
    elif item_type == "LIVENESS":
        frames = [i for i in every if i.role == "frame"]
        step = max(1, len(frames) // 4)
        primary = frames[::step][:4]
    elif row.get("resource_id") in pages_of:  # a task: its own document
        primary = pages_of[row["resource_id"]]
    else:
        primary = [page for resource_id in documents for page in pages_of[resource_id]]
    shown = {i.id for i in primary}
    return Evidence(primary, [i for i in every if i.id not in shown])


def face_match_summary(item_type: str, machine: dict[str, Any] | None) -> dict[str, Any] | None:
    """The score and the thresholds from a face-match breakdown (checks/face_match.py writes
    them as details): what the reviewer weighs the two faces against. None for the checks
    that compare no faces: their own thresholds (the authenticity check's moire_threshold,
    glare_threshold...) are not a face score's."""
    if item_type not in FACE_COMPARING_TYPES:
        return None
    report = (machine or {}).get("report") or {}
    for sub in report.get("breakdown") or []:
        details = sub.get("details") or []
        pairs = (
            list(details.items())
            if isinstance(details, dict)
            else [(d.get("name"), d.get("value")) for d in details if isinstance(d, dict)]
        )
        values = {str(name): value for name, value in pairs}
        thresholds = {
            name.removesuffix("_threshold"): _number(value)
            for name, value in values.items()
            if name.endswith("_threshold") and _number(value) is not None
        }
        score = _number(values.get("confidence_score"))
        if score is None and not thresholds:
            continue
        approve, reject = thresholds.get("approve"), thresholds.get("reject")
        if score is None:
            band = "not measured"
        elif approve is not None and score >= approve:
            band = "above the approve threshold"
        elif reject is not None and score < reject:
            band = "below the reject threshold"
        else:
            band = "between the thresholds: a person decides"
        return {
            "sub_check": sub.get("sub_check"),
            "score": score,
            "thresholds": thresholds,
            "band": band,
            "not_measurable": values.get("not_measurable"),
            # Where the check found the portrait on the page (x,y,w,h in the page's pixels),
            # when it says: the viewer opens zoomed on it.
            "portrait_box": _box(values.get("document_face_box")),
            "others": {k: v for k, v in values.items()
                       if k != "confidence_score" and not k.endswith("_threshold")},
        }  # fmt: skip
    return None


def _box(value: Any) -> str | None:
    parts = [_number(p) for p in str(value).split(",")] if value is not None else []
    if len(parts) != 4 or any(p is None or p < 0 for p in parts) or not all(parts[2:]):
        return None
    return ",".join(f"{p:.0f}" for p in parts if p is not None)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def machine_fields(
    conn: Connection, ctx: SessionContext, row: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields the machine read for a data-entry task (its document_fields media, sealed
    as all media are: decrypted only for this page, never stored again in clear) and where
    each came from. ({}, {}) when it read none."""
    generated = (row.get("machine_result") or {}).get("generated_media") or []
    candidates = [m["id"] for m in generated if m.get("type") == "JSON" and m.get("id")]
    if not candidates:
        return {}, {}
    session_id = row["session_id"]
    wrapped = keys.wrapped_key(conn, session_id)
    media = conn.execute(
        select(media_t).where(media_t.c.id == candidates[0], media_t.c.session_id == session_id)
    ).mappings().one_or_none()  # fmt: skip
    if wrapped is None or media is None or media["content_deleted_at"] is not None:
        return {}, {}
    key = ctx.keyring.unwrap(wrapped, session_id)
    sealed = ctx.blobs.get(media["blob_key"])
    if len(sealed) > MAX_FIELDS_BYTES:
        return {}, {}
    plain = unseal(key, sealed, media_aad(session_id, candidates[0]))  # tampering raises
    try:
        read = json.loads(plain)
    except ValueError:
        return {}, {}
    if not isinstance(read, dict):
        return {}, {}
    # Where a value came from is the machine's note for the reviewer, not a document field:
    # the fields the reviewer records are theirs.
    sources = read.pop("field_sources", None)
    return read, sources if isinstance(sources, dict) else {}


def source_text(source: Any) -> str:
    """``{"source": "PRINTED", "confidence": 0.93}`` as the reviewer reads it."""
    if not isinstance(source, dict):
        return ""
    where = {"MRZ": "read from the MRZ", "PRINTED": "read from the printed text"}.get(
        str(source.get("source")), f"read from {source.get('source')}"
    )
    if isinstance(source.get("printed_confidence"), int | float):
        return f"{where}; the printed text agrees"
    confidence = source.get("confidence")
    if isinstance(confidence, int | float):
        return f"{where} ({round(confidence * 100)}% confident)"
    return where
