"""Models shared by several engines, loaded once per process on first use.

The text-extraction and authenticity engines both read documents: one DocumentReader (about
0.7 s to load and a few hundred MB of OCR models) serves both instead of one each. Loaded
lazily, so forked workers load their own and the web process never does.
"""

from __future__ import annotations

import threading

from openidv.vision.documents import DocumentReader

_lock = threading.Lock()
_reader: DocumentReader | None = None


def document_reader() -> DocumentReader:
    global _reader  # noqa: PLW0603 (one per process, by design)
    with _lock:
        if _reader is None:
            _reader = DocumentReader()
        return _reader
