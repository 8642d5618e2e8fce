"""Result types of a document reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from openidv.vision.documents.ocr import TextBox
from openidv.vision.documents.physical import CaptureMeasures
from openidv.vision.documents.quality import QualityMeasures
from openidv.vision.documents.viz import VizField
from openidv.vision.mrz import MrzResult

__all__ = ["DocumentReading", "Reason", "ReasonCode"]


class ReasonCode(StrEnum):
    """Why a reading is missing or cannot be trusted (stable, machine-readable)."""

    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_SMALL = "image_too_small"
    NO_MRZ = "no_mrz"  # nothing that looks like an MRZ was found
    MRZ_UNREADABLE = "mrz_unreadable"  # an MRZ was found but its text has no valid layout
    MRZ_INVALID = "mrz_invalid"  # read, but a check digit or field rule fails
    LOW_RESOLUTION = "low_resolution"
    BLURRY = "blurry"
    GLARE = "glare"
    UNDEREXPOSED = "underexposed"
    OVEREXPOSED = "overexposed"
    NO_COLOUR = "no_colour"  # photocopy: grey-scale or colour-reduced, underprint lost
    SCREEN_RECAPTURE = "screen_recapture"  # the document was photographed off a screen
    MRZ_VIZ_MISMATCH = "mrz_viz_mismatch"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class DocumentReading:
    """Everything measured on one document image.

    ``mrz`` is None only when no MRZ text could be produced at all; otherwise it is the
    `MrzResult` with per-field validity (``mrz.valid`` is the overall verdict). ``viz`` holds
    the captioned fields that were found, each with its OCR confidence. ``reasons`` lists
    every problem found, from "not an image" to "expired"; an empty tuple means nothing was
    wrong. ``timings_ms`` has one entry per stage plus ``total``.
    """

    mrz: MrzResult | None
    mrz_text: tuple[str, ...]  # recogniser output per MRZ line, before normalisation
    viz: dict[str, VizField]
    quality: QualityMeasures | None
    reasons: tuple[Reason, ...]
    timings_ms: dict[str, float]
    document_found: bool = False  # a document outline was found and flattened
    mismatches: tuple[str, ...] = field(default=())  # fields where MRZ and VIZ disagree
    expired: bool | None = None  # None when the expiry date could not be read
    capture: CaptureMeasures | None = None  # screen-recapture and photocopy signals
    rotation: int = 0  # degrees the page was turned (counter-clockwise) to be read
    # Side (px, on the page flattened to 1000 px wide) of the largest face found: 0 when
    # none was, None when not looked for (an MRZ-only read, or a reader without faces).
    portrait_px: int | None = None
    # Every printed line recognised (on the page as read): another side's MRZ values are
    # looked for among them too (`DocumentReader.read_sides`).
    printed_lines: tuple[TextBox, ...] = ()

    @property
    def mrz_valid(self) -> bool:
        return self.mrz is not None and self.mrz.valid

    def has(self, code: ReasonCode) -> bool:
        return any(reason.code is code for reason in self.reasons)
