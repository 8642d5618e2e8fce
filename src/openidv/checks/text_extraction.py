"""ID_DOCUMENT_TEXT_DATA_EXTRACTION from the document's MRZ (``openidv.vision.documents``).

The captured pages are read as the sides of one document (`DocumentReader.read_sides`: a
card's MRZ number can be settled with the number printed on its front), and the first that
yields an MRZ whose every check digit holds gives the fields: they become Yoti's
``document_fields`` media and the task recommends PROGRESS. The date of issue, place of
birth, issuing authority and (ID cards, driving licences) the address, which only the
printed zone carries, are added when read with confidence and plausible
(`plausible_printed`), and ``field_sources`` says where each field came from (MRZ or
PRINTED, with the recogniser's confidence). Names, which no check digit covers, read from
small, blurred or glared MRZ characters and not found printed make the MRZ uncertain (the
reader marks them).
MRZ fields come only from a fully valid MRZ: a field that failed its check digit is never
reported as extracted. A document number holding G, 6, S or 8 is also compared with the
printed one: G/6 and S/8 misreads pass every
check digit, and a number that differs from the printed one only by such swaps makes the MRZ
uncertain rather than extracted. When no page gives a valid MRZ (blur, glare, a document
without one such as most driving licences), the task recommends SHOULD_TRY_AGAIN with the
reader's reasons and is left undecided, so FALLBACK or ALWAYS send it to manual data entry
and NEVER ends it so.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.checks.readers import document_reader
from openidv.vision.documents import DocumentReading
from openidv.vision.documents.crosscheck import names_contradicted
from openidv.vision.documents.dates import holds_date, printed_dates
from openidv.vision.documents.viz import holds_caption
from openidv.vision.mrz import to_document_fields


class TextExtractionEngine:
    """``as_of``: the date two-digit years are read against instead of today (the CLI's
    ``--as-of``)."""

    def __init__(self, *, as_of: dt.date | None = None) -> None:
        self.as_of = as_of

    def run(self, evidence: Evidence) -> MachineResult:
        pages = [page for r in evidence.resources if r.type == "ID_DOCUMENT" for page in r.pages]
        images = [page.load() for page in pages]
        # With the printed zone: the date of issue, place of birth and issuing authority are
        # printed only (the authenticity check of the same worker reads the same pages, and
        # the reader's cache makes the second read cost only the verdicts).
        return extract(document_reader().read_sides(images, read_viz=True, today=self.as_of))


def extract(readings: list[DocumentReading]) -> MachineResult:
    """The task's result over the readings of one document's pages (pure: the benchmark
    calls it on its own readings)."""
    problems: list[str] = []
    for reading in readings:
        mrz = reading.mrz
        if mrz is not None and mrz.valid:
            contradicted = names_contradicted(
                mrz, {n: f for r in readings for n, f in r.viz.items()}
            )
            if contradicted:
                # No check digit covers names: a printed name read with confidence that is
                # not the MRZ's means one of the two reads is wrong. Never reported so.
                problems.append(
                    "the printed "
                    + " and ".join(n.replace("_", " ") for n in contradicted)
                    + " differ from the MRZ's"
                )
                continue
            fields = _with_printed_fields(to_document_fields(mrz), readings)
            return MachineResult(
                decided=True,
                recommendation={"value": "PROGRESS"},
                media=[
                    GeneratedMedia(
                        "JSON", "application/json", json.dumps(fields).encode(), "document_fields"
                    )
                ],
            )
        problems += [str(reason) for reason in reading.reasons]
    detail = "; ".join(dict.fromkeys(problems)) or "no page with a machine-readable zone"
    recommendation: dict[str, Any] = {
        "value": "SHOULD_TRY_AGAIN",
        "reason": {"value": "QUALITY", "detail": detail[:500]},
    }
    return MachineResult(decided=False, recommendation=recommendation)


# Printed-only fields and their Yoti document_fields keys (the address goes into
# ``structured_postal_address`` as its ``formatted_address``).
PRINTED_FIELDS = {
    "date_of_issue": "date_of_issue",
    "place_of_birth": "place_of_birth",
    "authority": "issuing_authority",
    "address": "structured_postal_address",
}
# Printed-only text fields: a place or an authority, never a date nor a caption.
_TEXT_FIELDS = frozenset({"place_of_birth", "authority", "address"})
# A printed value is reported from this OCR confidence (as the checks trust one).
MIN_PRINTED_CONFIDENCE = 0.8


def _with_printed_fields(fields: dict[str, Any], readings: list[DocumentReading]) -> dict[str, Any]:
    """The MRZ's fields, the printed-only ones read with confidence on any side, and where
    each came from: ``field_sources`` maps a key to its source (``MRZ``, or ``PRINTED``
    with the recogniser's confidence; an MRZ value also found printed says so)."""
    sources: dict[str, dict[str, Any]] = {key: {"source": "MRZ"} for key in fields if key != "mrz"}
    printed = {name: field for r in readings for name, field in r.viz.items()}
    for name, key in PRINTED_FIELDS.items():
        field = printed.get(name)
        if field is None or not field.value or field.confidence < MIN_PRINTED_CONFIDENCE:
            continue
        if field.cut:  # read from a line recognised only in part: it may go on
            continue
        if not plausible_printed(name, field.value, fields):
            continue
        fields[key] = {"formatted_address": field.value} if name == "address" else field.value
        sources[key] = {"source": "PRINTED", "confidence": round(field.confidence, 2)}
    for name, key in (("surname", "family_name"), ("given_names", "given_names"),
                      ("document_number", "document_number"), ("date_of_birth", "date_of_birth"),
                      ("expiry_date", "expiration_date")):  # fmt: skip
        field = printed.get(name)
        if key in sources and field is not None and field.matches_mrz:
            sources[key] = {"source": "MRZ", "printed_confidence": round(field.confidence, 2)}
    fields["field_sources"] = sources
    return fields


def plausible_printed(name: str, value: str, mrz_fields: dict[str, Any]) -> bool:
    """A printed-only value can be that field's at all (no check digit vouches for it, and
    real layouts put other values near a caption): a date of issue lies between the birth
    and the expiry the MRZ gives; a place, an authority or an address holds letters, no
    date (the issue date read under the neighbouring caption) and is no caption itself."""
    if name == "date_of_issue":
        birth, expiry = mrz_fields.get("date_of_birth"), mrz_fields.get("expiration_date")
        return (birth is None or birth < value) and (expiry is None or value < expiry)
    if name in _TEXT_FIELDS:
        letters = sum(char.isalpha() for char in value)
        digits = sum(char.isdigit() for char in value)
        if letters < 2 or printed_dates(value):
            return False
        # An address holds numbers (and words a month's name begins: MAIN STREET); a place
        # or an authority holds neither a date's day and month nor mostly digits.
        if name != "address" and (digits > letters or holds_date(value)):
            return False
        return not holds_caption(value)
    return True
