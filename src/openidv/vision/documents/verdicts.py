"""The reasons a reading reports: what the MRZ read, the quality measures, the capture
signals and the expiry date say is wrong (`Reason`s; the checks decide what they mean)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openidv.vision.documents.physical import CaptureMeasures
from openidv.vision.documents.quality import QualityMeasures, QualityThresholds
from openidv.vision.documents.result import Reason, ReasonCode
from openidv.vision.mrz import MrzResult, ProblemCode
from openidv.vision.mrz.validity import expired_without_expiry_date, fra_cni_expiry_bounds

__all__ = ["capture_reasons", "expired", "mrz_reasons", "quality_reasons"]


def mrz_reasons(mrz: MrzResult | None, lines: Sequence[object]) -> list[Reason]:
    """What the MRZ read says is wrong: none found, no layout, uncertain, invalid."""
    if mrz is None or (not lines and mrz.format is None):
        return [Reason(ReasonCode.NO_MRZ, "no machine-readable zone was found on the image")]
    if mrz.format is None:
        return [
            Reason(
                ReasonCode.MRZ_UNREADABLE,
                "an MRZ was found but could not be read as TD1, TD2 or TD3: "
                + "; ".join(str(problem) for problem in mrz.problems),
            )
        ]
    if mrz.problems and all(p.code is ProblemCode.AMBIGUOUS for p in mrz.problems):
        return [
            Reason(
                ReasonCode.MRZ_UNREADABLE,
                "the MRZ could not be read with certainty: "
                + "; ".join(str(problem) for problem in mrz.problems),
            )
        ]
    if not mrz.valid:
        return [
            Reason(
                ReasonCode.MRZ_INVALID,
                "the MRZ fails validation: " + "; ".join(str(problem) for problem in mrz.problems),
            )
        ]
    return []


def quality_reasons(quality: QualityMeasures, gate: QualityThresholds) -> list[Reason]:
    """The capture problems the quality measures pass a gate on."""
    reasons: list[Reason] = []
    height = quality.mrz_text_height_px
    if height is not None and height < gate.min_mrz_text_height_px:
        reasons.append(
            Reason(
                ReasonCode.LOW_RESOLUTION,
                f"MRZ text is {height:.0f} px high (< {gate.min_mrz_text_height_px:.0f})",
            )
        )
    if quality.sharpness < gate.min_sharpness:
        reasons.append(
            Reason(
                ReasonCode.BLURRY,
                f"sharpness {quality.sharpness:.0f} < {gate.min_sharpness:.0f}",
            )
        )
    if quality.glare_blob > gate.max_glare_blob:
        reasons.append(
            Reason(
                ReasonCode.GLARE,
                f"a glare spot covers {quality.glare_blob:.1%} of the document",
            )
        )
    if quality.mean_luma < gate.min_mean_luma:
        reasons.append(
            Reason(ReasonCode.UNDEREXPOSED, f"mean brightness {quality.mean_luma:.0f} is too dark")
        )
    if quality.clipped_high > gate.max_clipped_high:
        reasons.append(
            Reason(
                ReasonCode.OVEREXPOSED,
                f"{quality.clipped_high:.0%} of the document is burnt out",
            )
        )
    return reasons


def capture_reasons(capture: CaptureMeasures) -> list[Reason]:
    """A capture of a screen or a photocopy rather than the document."""
    reasons: list[Reason] = []
    if capture.screen:
        reasons.append(
            Reason(
                ReasonCode.SCREEN_RECAPTURE,
                "the document was photographed off a screen (moire: chroma "
                f"{capture.moire:.1f}, luma {capture.moire_luma:.1f})",
            )
        )
    if capture.copy:
        reasons.append(
            Reason(
                ReasonCode.NO_COLOUR,
                "the image is a photocopy: colour spread "
                f"{capture.chroma_spread:.1f}, saturation p95 {capture.saturation_p95:.0f}, "
                f"white page share {capture.white_share:.0%}",
            )
        )
    return reasons


def expired(mrz: MrzResult | None, today: dt.date) -> bool | None:
    """The MRZ's expiry date is past (None: no expiry date to judge by). A layout without
    one (France's old national card) is judged by the validity its issue date gives."""
    if mrz is not None and mrz.expiry_date.value is None:
        return expired_without_expiry_date(mrz, today)
    if mrz is None or mrz.expiry_date.value is None or mrz.expiry_date.valid is False:
        return None
    return dt.date.fromisoformat(mrz.expiry_date.value) < today


def expiry_text(mrz: MrzResult) -> str:
    """Why an expired document is expired, for its reason."""
    if mrz.expiry_date.value is not None:
        return f"the document expired on {mrz.expiry_date.value}"
    bounds = fra_cni_expiry_bounds(mrz)
    latest = bounds[1].isoformat() if bounds else "an unknown date"
    return f"the document's validity, counted from the issue month in its number, ended by {latest}"
