"""What the proof-of-address tests build their bills from: text lines laid out as a bill
prints them (the recogniser's boxes, without the recogniser), and the engine's reading of a
one-page scan, as a supplementary document's text extraction runs it."""

from __future__ import annotations

import functools

import numpy as np

from openidv.checks.engines import Evidence, EvidenceResource, MachineResult, MediaItem
from openidv.checks.proof_of_address import ProofOfAddressEngine
from openidv.vision.documents.ocr import TextBox


def line(text: str, left: float, top: float, height: float = 36.0) -> TextBox:
    width = 18.0 * len(text)
    quad = np.array(
        [[left, top], [left + width, top], [left + width, top + height], [left, top + height]],
        np.float32,
    )
    return TextBox(quad, text, 0.99)


def column(lines: list[str], left: float, top: float, pitch: float = 34.0) -> list[TextBox]:
    # A pitch below the box height: tightly set lines whose boxes overlap, as detected.
    return [line(text, left, top + row * pitch) for row, text in enumerate(lines)]


def read_scan(jpeg: bytes, document_type: str, country: str) -> MachineResult:
    """The engine's result for a supplementary document of one page, ``jpeg``."""
    item = MediaItem("p", "image/jpeg", functools.partial(bytes, jpeg))
    resource = EvidenceResource("d", "SUPPLEMENTARY_DOCUMENT", document_type, country, None,
                                pages=[item])  # fmt: skip
    evidence = Evidence("s", "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION", {}, [resource])
    return ProofOfAddressEngine().run(evidence)
