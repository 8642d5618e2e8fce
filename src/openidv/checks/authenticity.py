"""ID_DOCUMENT_AUTHENTICITY from what the document reader can really evaluate.

Each sub-check carries its measured value and its threshold in ``details``. The decision:

* NOT_AVAILABLE (undecided) when the image cannot be judged: too blurred, glare, too dark,
  too small, or no readable MRZ (Yoti's NOT_AVAILABLE reasons; a retake can fix these).
  Glare is judged where it lies: a hotspot off the MRZ leaves the check digits as sure as
  on a clean capture, and one that also spares the portrait and every compared printed
  field (all of them read with confidence) hides nothing, so the capture is judged.
  Evidence that survives a poor capture still decides: an MRZ whose every check digit holds
  and that says the document has expired (EXPIRED_DOCUMENT), or printed data that
  contradicts such an MRZ by more than a partial read explains (TAMPERED, undecided).
* REJECT (decided) on evidence of forgery or misuse: a capture of a screen or a photocopy
  rather than the document (DOCUMENT_COPY), a check digit that fails on an otherwise
  readable MRZ (TAMPERED), printed data that contradicts the MRZ on the same side or on the
  other side of a card (TAMPERED; undecided when every differing field was read with little
  confidence, `crosscheck.MIN_FIELD_CONFIDENCE`, and differs by more than a misread explains),
  an expired document (EXPIRED_DOCUMENT). A screen seen only
  by the straight edges framing the page (no moire) is REJECT but *undecided*: FALLBACK lets
  a human look, since real documents (an open passport's cover) can draw such edges too.
* NOT_AVAILABLE (undecided) when a card's other side could not be compared with the MRZ on
  the number, surname and date of birth, or the printed number, surname or date of birth
  was not read on any side (IMAGE_RESOLUTION_TOO_LOW: a printed field altered where the OCR
  could not read it would otherwise pass on the MRZ alone), or no side shows a face
  of portrait size (the `portrait_present` sub-check): MISSING_DOCUMENT_SIDE for the back
  of a card alone, OBJECT_OBSTRUCTION else.
* APPROVE otherwise. Holograms and other security features are not evaluated, and the
  screen/copy detector is calibrated on synthetic captures only: an APPROVE means "nothing
  we can measure is wrong", and the breakdown says exactly what was measured.

`assess` is the pure decision over readings (the benchmark calls it on its own readings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from openidv.checks.engines import Evidence, MachineResult
from openidv.checks.readers import document_reader
from openidv.vision.documents.crosscheck import (
    agreeing_fields,
    check_digit_misread,
    cross_check,
    is_degraded,
    mrz_names_legible,
    surely_different,
)
from openidv.vision.documents.physical import CaptureThresholds
from openidv.vision.documents.quality import QualityThresholds
from openidv.vision.documents.result import DocumentReading, ReasonCode
from openidv.vision.mrz import MrzFormat, ProblemCode

# Checked in this order: the first one present is the reason given, so the order is by cause.
# MRZ characters below a legible height come before blur: the sharpness of a page that small
# is low whether or not the camera was steady (too few pixels per stroke), and "hold still"
# does not help where "move closer" does. The capture page's at-upload check
# (`openidv.capture.quality`) puts IMAGE_RESOLUTION_TOO_LOW first for the same reason.
_NOT_AVAILABLE = (
    (ReasonCode.NOT_AN_IMAGE, "UNABLE_TO_LOAD"),
    (ReasonCode.IMAGE_TOO_SMALL, "IMAGE_RESOLUTION_TOO_LOW"),
    (ReasonCode.LOW_RESOLUTION, "IMAGE_RESOLUTION_TOO_LOW"),
    (ReasonCode.BLURRY, "PHOTO_TOO_BLURRY"),
    (ReasonCode.GLARE, "GLARE_OBSTRUCTION"),
    (ReasonCode.UNDEREXPOSED, "PHOTO_TOO_DARK"),
    (ReasonCode.NO_MRZ, "INCORRECT_MRZ"),
    (ReasonCode.MRZ_UNREADABLE, "INCORRECT_MRZ"),
)
# Smallest face (px, shorter side of the detector's box on the 1000 px page) taken for the
# portrait: synthetic data pages measure 110-170; a ghost image or a face on a background
# pattern is smaller.
MIN_PORTRAIT_PX = 60
# Fields a card's two sides must both show, and agree on, before they count as one card.
_IDENTIFYING_FIELDS = ("document_number", "surname", "date_of_birth")
# Fields compared between the VIZ of one side and the MRZ of the other.
_FRONT_BACK_FIELDS = ("document_number", "surname", "given_names", "date_of_birth", "expiry_date")


def _sub(name: str, passed: bool, **details: object) -> dict[str, Any]:
    return {
        "sub_check": name,
        "result": "PASS" if passed else "FAIL",
        "details": [{"name": k, "value": str(v)} for k, v in details.items()],
        "process": "AUTOMATED",
    }


class AuthenticityEngine:
    """``as_of``: judge expiry (and two-digit years) as of that date instead of today, as
    ``openidv check document --as-of`` does for specimens past their expiry."""

    def __init__(self, *, as_of: dt.date | None = None) -> None:
        self.as_of = as_of

    def run(self, evidence: Evidence) -> MachineResult:
        pages = [page for r in evidence.resources if r.type == "ID_DOCUMENT" for page in r.pages]
        reader = document_reader()
        # The integrator's filter may allow expired documents (GOV.UK's face-to-face
        # service does): expiry is then reported, not held against the document.
        allow_expired = any(
            r.allow_expired_documents for r in evidence.resources if r.type == "ID_DOCUMENT"
        )
        readings = reader.read_sides([page.load() for page in pages], today=self.as_of)
        return assess(readings, allow_expired=allow_expired)


def assess(readings: list[DocumentReading], *, allow_expired: bool = False) -> MachineResult:
    """The authenticity report over the readings of one document's pages, in order.
    ``allow_expired``: the session's filter allows expired documents, so an expiry date
    passed fails the `document_in_date` sub-check but does not reject the document."""
    reading = _mrz_page(readings)
    if reading is None:
        return _result("NOT_AVAILABLE", "MISSING_DOCUMENT_SIDE", [], decided=False)
    others = [r for r in readings if r is not reading]
    front_back = _front_back(
        reading, others, degraded=any(is_degraded(r.reasons) for r in readings)
    )
    names_legible = mrz_names_legible(reading, QualityThresholds())
    retakes = [reason for code, reason in _NOT_AVAILABLE if reading.has(code)]
    # Glare and a low resolution are judged by what they hide. A hotspot or small print
    # that leaves the MRZ valid, the printed number, surname and date of birth agreeing
    # with it, the names sure (legible in the MRZ, or found printed) and the portrait
    # visible has hidden nothing the checks use: the capture is judged like a clean one.
    local = [reason for reason in retakes if reason not in _JUDGED_BY_WHAT_IT_HIDES]
    hidden_nothing = (
        not local
        and reading.mrz is not None
        and reading.mrz.valid
        and _names_sure(reading, readings, front_back, names_legible)
        and _compared(readings, _IDENTIFYING_FIELDS, front_back)
        and portrait_found(readings) is not False
    )
    breakdown = _breakdown(reading, readings, front_back, hides_nothing=hidden_nothing)
    if reading.has(ReasonCode.NOT_AN_IMAGE) or reading.has(ReasonCode.IMAGE_TOO_SMALL):
        reason = "UNABLE_TO_LOAD" if reading.has(ReasonCode.NOT_AN_IMAGE) else None
        return _result("NOT_AVAILABLE", reason or "IMAGE_RESOLUTION_TOO_LOW", breakdown, False)
    # A screen or a copy is evidence in itself, whether or not its text can be read.
    screen, copy = _not_physical(readings)
    if screen or copy:
        # A screen seen only by the straight edges around the page (no moire) is a weaker
        # sign: an open passport's cover or a card on a notebook draws edges too, and the
        # signal is calibrated on synthetic captures only. FALLBACK sends it to a human.
        # Moire on a badly blurred capture is suspect too: blur smooths a display's pixel
        # grid away, and one genuine, heavily blurred visa measured screen-like moire.
        blurred = any(r.has(ReasonCode.BLURRY) for r in readings)
        decided = copy or (_moire(readings) and not blurred)
        return _result("REJECT", "DOCUMENT_COPY", breakdown, decided=decided)
    contradicted = bool(reading.mismatches or (front_back and front_back.mismatched))
    retake = None if hidden_nothing else (retakes[0] if retakes else None)
    # The MRZ's own verdict stands when only glare elsewhere or small print mars the
    # capture and its characters are legible and clear of the glare.
    mrz_judgeable = retake is None or (not local and names_legible)
    if mrz_judgeable and reading.has(ReasonCode.MRZ_INVALID):
        # Failed check digits on an MRZ read from legible characters mean an altered
        # document; any other fault (a character class, a country code no state has) is
        # as often a misread or an issuer's quirk as a forgery: a human looks.
        if names_legible and _only_check_digits_fail(reading):
            return _result("REJECT", "TAMPERED", breakdown)
        return _result("NOT_AVAILABLE", retake or "INCORRECT_MRZ", breakdown, decided=False)
    if retake is not None and _back_only(readings) and portrait_found(readings) is False:
        # The MRZ side of a card sent alone: whatever glare or small print it shows, the
        # printed holder details are on the front, so a retake of this side cannot be
        # approved either. Ask for the missing side (the TAMPERED verdicts come first).
        return _result("NOT_AVAILABLE", "MISSING_DOCUMENT_SIDE", breakdown, decided=False)
    if retake is None:
        if contradicted:
            # Printed data that differs from the MRZ is evidence only when no reading error
            # explains it (`surely_different`); anything less goes to a human, undecided.
            if _surely_contradicted(reading, front_back, names_legible):
                return _result("REJECT", "TAMPERED", breakdown)
            return _result("NOT_AVAILABLE", "IMAGE_RESOLUTION_TOO_LOW", breakdown, decided=False)
        if reading.expired and not allow_expired:
            return _result("REJECT", "EXPIRED_DOCUMENT", breakdown)
        if others and not _sides_vouch(front_back):
            # The other side's printed holder details could not all be read (a low-resolution
            # or blurred front): that side is not shown to belong with this one. Retake.
            return _result("NOT_AVAILABLE", "IMAGE_RESOLUTION_TOO_LOW", breakdown, decided=False)
        if portrait_found(readings) is False:
            # No face on any side: only the back of a card was sent, or the portrait is
            # covered or gone. A retake shows which; a human decides if it does not.
            reason = "MISSING_DOCUMENT_SIDE" if _back_only(readings) else "OBJECT_OBSTRUCTION"
            return _result("NOT_AVAILABLE", reason, breakdown, decided=False)
        if not _compared(readings, _IDENTIFYING_FIELDS, front_back):
            # The printed number, surname or date of birth was not found agreeing with the
            # MRZ: the MRZ alone cannot show that the printed data was not altered. Retake.
            return _result("NOT_AVAILABLE", "IMAGE_RESOLUTION_TOO_LOW", breakdown, decided=False)
        if not _names_sure(reading, readings, front_back, names_legible):
            # No check digit covers the names: read from small or glared characters and
            # not found printed, they may be misread. Never approved so.
            return _result("NOT_AVAILABLE", "IMAGE_RESOLUTION_TOO_LOW", breakdown, decided=False)
        return _result("APPROVE", None, breakdown)
    # A poor capture (glare, blur, low resolution) hides most evidence, not all of it. An
    # MRZ whose every check digit holds is as sure as on a clean capture: its expiry date
    # decides. Printed data that contradicts it is for a human to judge (undecided).
    mrz_sure = reading.mrz is not None and reading.mrz.valid
    if mrz_sure and reading.expired and not contradicted and not allow_expired:
        return _result("REJECT", "EXPIRED_DOCUMENT", breakdown)
    return _result("NOT_AVAILABLE", retake, breakdown, decided=False)


# Capture problems that matter only where they hide something the checks use.
_JUDGED_BY_WHAT_IT_HIDES = frozenset({"GLARE_OBSTRUCTION", "IMAGE_RESOLUTION_TOO_LOW"})


def _back_only(readings: list[DocumentReading]) -> bool:
    """Only the back of a TD1 card was sent: one page, a TD1 MRZ, no printed names."""
    if len(readings) != 1:
        return False
    reading = readings[0]
    return (
        reading.mrz is not None
        and reading.mrz.format is MrzFormat.TD1
        and not {"surname", "given_names"} & set(reading.viz)  # a back prints no names
    )


def _only_check_digits_fail(reading: DocumentReading) -> bool:
    """Check digits fail, and nothing else: unless a misread explains them (a field read
    from unsure characters), the document was altered."""
    mrz = reading.mrz
    return (
        mrz is not None
        and bool(mrz.problems)
        and all(problem.code is ProblemCode.CHECK_DIGIT for problem in mrz.problems)
        and not check_digit_misread(mrz, reading.mrz_field_confidence)
    )


def _names_sure(
    reading: DocumentReading,
    readings: list[DocumentReading],
    front_back: _SideComparison | None,
    names_legible: bool,
) -> bool:
    """The MRZ names can be trusted: read from legible characters clear of glare, or each
    found printed on some side."""
    if names_legible:
        return True
    mrz = reading.mrz
    names = [name for name in ("surname", "given_names") if mrz and mrz.fields[name].value]
    return bool(names) and _compared(readings, names, front_back)


def _mrz_page(readings: list[DocumentReading]) -> DocumentReading | None:
    """The page the data checks are about: the one with a valid MRZ (TD1: usually the
    back), else the first with an MRZ layout, else the first."""
    with_mrz = [r for r in readings if r.mrz is not None and r.mrz.format is not None]
    return next((r for r in with_mrz if r.mrz and r.mrz.valid), None) or (
        with_mrz[0] if with_mrz else (readings[0] if readings else None)
    )


class _SideComparison(NamedTuple):
    """The MRZ side's data against the other side's printed fields."""

    compared: list[str]  # found agreeing with the MRZ on the other side
    mismatched: list[str]
    surely_mismatched: list[str]  # different by more than a reading error explains


def _sides_vouch(front_back: _SideComparison | None) -> bool:
    """The sides were compared on every field that identifies the holder."""
    return front_back is not None and set(_IDENTIFYING_FIELDS) <= set(front_back.compared)


def _agreed(reading: DocumentReading, front_back: _SideComparison | None) -> list[str]:
    """The printed fields found agreeing with the MRZ, on its page or another side."""
    mrz = reading.mrz
    on_page = agreeing_fields(mrz, reading.viz) if mrz is not None and mrz.format else []
    return sorted(set(on_page) | set(front_back.compared if front_back else ()))


def _compared(
    readings: list[DocumentReading], fields: Sequence[str], front_back: _SideComparison | None
) -> bool:
    """Each of ``fields`` was found printed and agreeing with the MRZ: nothing that could
    contradict the MRZ there is hidden."""
    reading = _mrz_page(readings)
    return reading is not None and set(fields) <= set(_agreed(reading, front_back))


def _surely_contradicted(
    reading: DocumentReading, front_back: _SideComparison | None, names_legible: bool
) -> bool:
    """Some printed field differs from the MRZ by more than a reading error explains."""
    mrz = reading.mrz
    on_page = mrz is not None and any(
        surely_different(name, mrz, reading.viz[name], mrz_names_legible=names_legible)
        for name in reading.mismatches
    )
    return on_page or bool(front_back and front_back.surely_mismatched)


def _largest_face(readings: list[DocumentReading]) -> int | None:
    """The largest face found on any side (px); None when no side was looked at."""
    sizes = [r.portrait_px for r in readings if r.portrait_px is not None]
    return max(sizes) if sizes else None


def portrait_found(readings: list[DocumentReading]) -> bool | None:
    """A face of portrait size on some side; None when no side was looked at."""
    largest = _largest_face(readings)
    return None if largest is None else largest >= MIN_PORTRAIT_PX


def _moire(readings: list[DocumentReading]) -> bool:
    """Some side shows a display's pixel grid beating with the camera's (moire)."""
    gate = CaptureThresholds()
    return any(
        c.moire > gate.max_moire_chroma or c.moire_luma > gate.max_moire_luma
        for c in (r.capture for r in readings)
        if c is not None
    )


def _not_physical(readings: list[DocumentReading]) -> tuple[bool, bool]:
    """(any side photographed off a screen, the document is a copy). A copy is judged on
    the most colourful side: the back of a genuine card can be nearly colourless (no
    portrait, a pale underprint), its front cannot. Without a portrait on any side the
    colour says nothing (the portrait holds most of a page's colour): no copy is called,
    and the missing portrait is the finding."""
    captures = [r.capture for r in readings if r.capture is not None]
    if not captures:
        return False, False
    copy = all(c.copy for c in captures) and portrait_found(readings) is not False
    return any(c.screen for c in captures), copy


def _front_back(
    reading: DocumentReading, others: list[DocumentReading], *, degraded: bool
) -> _SideComparison | None:
    """The MRZ side against the other side's printed fields, or None when there is no other
    side with readable fields. ``degraded``: some side is a poor capture, so only
    differences a partial read cannot explain count."""
    mrz = reading.mrz
    if mrz is None or mrz.format is None:
        return None
    compared: list[str] = []
    mismatched: list[str] = []
    surely: list[str] = []
    legible = mrz_names_legible(reading, QualityThresholds())
    for other in others:
        viz = {name: field for name, field in other.viz.items() if name in _FRONT_BACK_FIELDS}
        compared += agreeing_fields(mrz, viz)
        different = cross_check(mrz, viz, degraded=degraded)
        mismatched += different
        surely += [
            name
            for name in different
            if surely_different(name, mrz, viz[name], mrz_names_legible=legible)
        ]
    if not compared:
        return None
    return _SideComparison(sorted(set(compared)), sorted(set(mismatched)), sorted(set(surely)))


def _breakdown(
    reading: DocumentReading,
    readings: list[DocumentReading],
    front_back: _SideComparison | None,
    *,
    hides_nothing: bool,
) -> list[dict[str, Any]]:
    gate = QualityThresholds()
    capture_gate = CaptureThresholds()
    quality = reading.quality
    mrz = reading.mrz
    subs = [
        _sub("mrz_validation", mrz is not None and mrz.valid,
             format=mrz.format.name if mrz and mrz.format else "none",
             problems=len(mrz.problems) if mrz else "no MRZ"),
        _sub("ocr_mrz_comparison",
             not reading.mismatches and _compared(readings, _IDENTIFYING_FIELDS, front_back),
             mismatched_fields=",".join(reading.mismatches) or "none",
             compared_fields=",".join(_agreed(reading, front_back)) or "none",
             required_fields=",".join(_IDENTIFYING_FIELDS),
             mrz_names_legible=mrz_names_legible(reading, gate)),
        _sub("document_in_date", reading.expired is False,
             expired="unknown" if reading.expired is None else reading.expired),
    ]  # fmt: skip
    if len(readings) > 1:
        compared, mismatched = front_back[:2] if front_back is not None else ([], [])
        subs.append(
            _sub("front_back_consistency", not mismatched and _sides_vouch(front_back),
                 compared_fields=",".join(compared) or "none",
                 mismatched_fields=",".join(mismatched) or "none",
                 required_fields=",".join(_IDENTIFYING_FIELDS))
        )  # fmt: skip
    captures = [r.capture for r in readings if r.capture is not None]
    if captures:
        # The worst page decides: any screen or copy side fails the sub-check.
        moire = max(c.moire for c in captures)
        moire_luma = max(c.moire_luma for c in captures)
        framed = max(captures, key=lambda c: (c.frame_sides, -c.frame_visible))
        colourful = max(captures, key=lambda c: c.chroma_spread)  # copies: see _not_physical
        spread, saturation = colourful.chroma_spread, colourful.saturation_p95
        white = colourful.white_share
        screen, copy = _not_physical(readings)
        subs.append(
            _sub("physical_document_captured", not (screen or copy),
                 screen_recapture=screen, moire=f"{moire:.1f}",
                 moire_threshold=capture_gate.max_moire_chroma,
                 moire_luma=f"{moire_luma:.1f}", moire_luma_threshold=capture_gate.max_moire_luma,
                 screen_frame_sides=framed.frame_sides,
                 screen_frame_sides_threshold=(
                     f"{capture_gate.min_frame_sides} (or every visible side, when only 2)"),
                 screen_frame_visible_sides=framed.frame_visible,
                 photocopy=copy, chroma_spread=f"{spread:.2f}",
                 chroma_spread_threshold=capture_gate.min_chroma_spread,
                 saturation_p95=f"{saturation:.0f}",
                 saturation_p95_threshold=capture_gate.min_saturation_p95,
                 white_share=f"{white:.3f}", white_share_threshold=capture_gate.max_white_share)
        )  # fmt: skip
    largest = _largest_face(readings)
    if largest is not None:
        subs.append(
            _sub("portrait_present", largest >= MIN_PORTRAIT_PX,
                 face_size_px=largest, face_size_threshold=MIN_PORTRAIT_PX)
        )  # fmt: skip
    if quality is not None:
        subs.append(
            _sub("image_quality",
                 hides_nothing
                 or not any(reading.has(code) for code, _ in _NOT_AVAILABLE[1:6]),
                 sharpness=f"{quality.sharpness:.0f}", sharpness_threshold=gate.min_sharpness,
                 glare=f"{quality.glare_blob:.3f}", glare_threshold=gate.max_glare_blob,
                 glare_on_mrz=f"{quality.mrz_glare or 0.0:.3f}",
                 mrz_text_height_px=quality.mrz_text_height_px or "unknown",
                 mrz_text_height_threshold=gate.min_mrz_text_height_px,
                 # Glare or small print that left the MRZ valid, the compared fields
                 # agreeing, the names sure and the portrait visible hid nothing.
                 hides_checked_data=not hides_nothing and bool(reading.reasons))
        )  # fmt: skip
    return subs


def _result(
    value: str, reason: str | None, breakdown: list[dict[str, Any]], decided: bool = True
) -> MachineResult:
    recommendation: dict[str, Any] = {"value": value}
    if reason:
        recommendation["reason"] = reason
    return MachineResult(
        decided=decided, report={"recommendation": recommendation, "breakdown": breakdown}
    )
