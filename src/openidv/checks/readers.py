"""Models shared by several engines, loaded once per process on first use.

The text-extraction and authenticity engines both read documents: one DocumentReader (about
0.7 s to load and a few hundred MB of OCR models) serves both instead of one each, and its
OCR engine serves the proof-of-address reading (it had a copy of its own, loaded by the first
such session in each worker); one
FaceEngine (YuNet + SFace) serves the face match, the liveness check and the reader's
portrait measure. Loaded lazily, so forked workers load their own and the web process never
does.

The reader keeps a small cache of recent pages keyed by a hash of their bytes: the
authenticity check (with the printed fields) and the text-extraction task (MRZ only) of one
session read the same pages in the same worker, and the second read then reuses the first
one's OCR (a repeated MRZ-only read costs a hash; an MRZ-only read followed by a full one
adds only the printed fields). It reads only the printed fields the checks compare with the
MRZ (`CROSS_CHECKED_FIELDS`) and the printed-only ones the text-extraction task reports
(date of issue, place of birth, issuing authority, address).
"""

from __future__ import annotations

import threading

from openidv.vision.documents import CROSS_CHECKED_FIELDS, DocumentReader
from openidv.vision.documents.ocr import OcrEngine
from openidv.vision.faces import FaceEngine

# The printed fields read: those the checks compare, and the printed-only ones the
# text-extraction task reports.
READ_FIELDS = (
    *CROSS_CHECKED_FIELDS, "date_of_issue", "place_of_birth", "authority", "address"
)  # fmt: skip
# A few sessions' worth of pages (each entry ~2 MB: the flattened page and the readings).
READING_CACHE_SIZE = 8

_lock = threading.Lock()
_reader: DocumentReader | None = None
_faces: FaceEngine | None = None


def face_engine() -> FaceEngine:
    global _faces  # noqa: PLW0603 (one per process, by design)
    with _lock:
        if _faces is None:
            _faces = FaceEngine()
        return _faces


def document_reader() -> DocumentReader:
    global _reader  # noqa: PLW0603 (one per process, by design)
    faces = face_engine()
    with _lock:
        if _reader is None:
            _reader = DocumentReader(
                cache_size=READING_CACHE_SIZE, faces=faces, viz_fields=READ_FIELDS
            )
        return _reader


def ocr_engine() -> OcrEngine:
    """The document reader's OCR engine, for engines that read text without it."""
    return document_reader().ocr
