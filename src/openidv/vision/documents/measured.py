"""What a read measured on one image before the verdicts (kept in the reader's cache)."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.band import MrzLineBox
from openidv.vision.documents.mrz_text import MrzLegibility
from openidv.vision.documents.ocr import TextBox
from openidv.vision.documents.physical import CaptureMeasures
from openidv.vision.documents.printed import PrintedLines
from openidv.vision.documents.quality import QualityMeasures
from openidv.vision.documents.recogniser import LineRead
from openidv.vision.mrz import MrzResult

__all__ = ["Measured"]

Array = NDArray[np.uint8]


@dataclasses.dataclass
class Measured:
    """What a read measured on one image, before the VIZ-dependent verdicts: kept in the
    reader's cache so that a second read of the same bytes (another engine of the same
    worker) redoes none of it, and a read with the VIZ after one without it only adds the
    VIZ."""

    page: Array  # as read (turned when the MRZ was found upside down or sideways)
    found_outline: bool
    quality: QualityMeasures
    capture: CaptureMeasures
    mrz: MrzResult | None
    texts: list[str]
    lines: list[MrzLineBox]
    turn: int
    # The recogniser's reads of the MRZ lines (re-parsed with the printed number) and how
    # sure it was of them.
    reads: list[LineRead] = dataclasses.field(default_factory=list)
    legibility: MrzLegibility = dataclasses.field(default_factory=MrzLegibility)
    viz_lines: PrintedLines | None = None
    fine_lines: PrintedLines | None = None  # the finer second look (`_read_fine`)
    decoloured: list[TextBox] | None = None  # lines read again without colour (`_read_decoloured`)
    # The last look (`_read_rest`): every line whole, stacked lines read apart.
    rest: list[TextBox] | None = None
    # Lines read unsurely, read again with each character's runner-ups (`_read_unsure`).
    unsure: list[tuple[TextBox, LineRead]] | None = None
    # Text lines the detector found on the whole page (as read) while looking for an MRZ
    # that was not there: the VIZ read of such a page reuses them.
    page_quads: list[NDArray[np.float32]] | None = None
    portrait_px: int | None = None  # measured with the VIZ, once the page is upright
