"""ID_DOCUMENT_COMPARISON: do two ID documents of one session belong to one person?

Three things are compared, each a sub-check of the report:

* ``document_data_match``: the family name, the given names and the date of birth. Names
  are compared as ICAO 9303 writes them into an MRZ (``vision.documents.transliterate``:
  MÄNNIK is MAENNIK or MANNIK, НИКОЛАЙ is NIKOLAI), so a name typed by a reviewer with its
  diacritics agrees with the same name read from another document's MRZ. Given names agree
  when one document's list of names is the start of the other's (a driving licence that
  leaves out a middle name is not another person); family names and the date of birth must
  be the same.
* ``ai_face_match``: the portraits of the two documents, on the face engine's public API
  (largest face of each document's first page, SFace cosine), on the same decision bands as
  ID_DOCUMENT_FACE_MATCH (`face_match.APPROVE_AT`, `face_match.REJECT_BELOW`). Measured for
  two printed portraits by ``benchmarks/document_comparison.py`` on two sets, and kept:
  generated passports and cards carrying the real-faces corpus's photos (224 genuine pairs,
  8,148 impostors) approve no impostor (the highest scores 0.493, just under 0.50: a lower
  approve threshold would let some through), approve 92 % of genuine pairs and reject 0.45 %
  of them outright; on the real specimen documents no impostor portrait pair reaches 0.40
  (462 measured) and the genuine ones score 0.58-0.97.

Each document's fields are those the session already holds for it (its text-extraction
task's ``document_fields``, or a reviewer's manual entry), else read here from its pages
with the shared reader (`readers.document_reader`, whose page cache makes a second read of
the same pages cheap) and the text-extraction rules (`text_extraction.extract`: only a fully
valid MRZ whose names the printed zone does not contradict).

Decision: any data mismatch or a portrait below the reject band is a REJECT, decided
(``DIFFERENT_PERSON``). Everything agreeing, with the portraits in the approve band, is an
APPROVE. Anything else (a document unread, a portrait not measurable or in the grey zone) is
left undecided: NOT_AVAILABLE, or REJECT in the grey zone, as the face match does.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openidv.checks.engines import Evidence, EvidenceResource, MachineResult
from openidv.checks.readers import document_reader, face_engine
from openidv.checks.text_extraction import extract
from openidv.vision.documents.transliterate import spellings
from openidv.vision.faces import APPROVE_AT, REJECT_BELOW, Embedding, ImageDecodeError, decode_image

log = logging.getLogger(__name__)

MATCH, MISMATCH, NOT_READ = "MATCH", "MISMATCH", "NOT_READ"
_NAME_PARTS = re.compile(r"[\s<\-\u2010,]+")  # spaces, MRZ fillers, hyphens, commas


def _detail(name: str, value: object) -> dict[str, str]:
    return {"name": name, "value": str(value)}


def _same_word(a: str, b: str) -> bool:
    """One name written two ways agrees when any of their MRZ spellings agree."""
    return bool(spellings(a) & spellings(b))


def _words(name: str) -> list[str]:
    return [word for word in _NAME_PARTS.split(name) if word]


def compare_family_names(a: str | None, b: str | None) -> str:
    if not a or not b:
        return NOT_READ
    # Compared whole (spaces and hyphens dropped): DE LA CRUZ is DELACRUZ in an MRZ.
    return MATCH if _same_word("".join(_words(a)), "".join(_words(b))) else MISMATCH


def compare_given_names(a: str | None, b: str | None) -> str:
    if not a or not b:
        return NOT_READ
    first, second = _words(a), _words(b)
    shorter, longer = sorted((first, second), key=len)
    if not shorter:
        return NOT_READ
    if all(_same_word(x, y) for x, y in zip(shorter, longer, strict=False)):
        return MATCH
    # One document may write the given names as one word (an MRZ truncated, a form field).
    return MATCH if _same_word("".join(first), "".join(second)) else MISMATCH


def compare_dates(a: str | None, b: str | None) -> str:
    if not a or not b:
        return NOT_READ
    try:
        return MATCH if dt.date.fromisoformat(a) == dt.date.fromisoformat(b) else MISMATCH
    except ValueError:
        return MISMATCH if a.strip() != b.strip() else MATCH


@dataclass(frozen=True)
class DataComparison:
    family_name: str
    given_names: str
    date_of_birth: str

    @property
    def results(self) -> tuple[str, str, str]:
        return self.family_name, self.given_names, self.date_of_birth


def compare_fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> DataComparison:
    """The two documents' names and dates of birth, compared (pure: tested on its own)."""
    return DataComparison(
        family_name=compare_family_names(a.get("family_name"), b.get("family_name")),
        given_names=compare_given_names(a.get("given_names"), b.get("given_names")),
        date_of_birth=compare_dates(a.get("date_of_birth"), b.get("date_of_birth")),
    )


@dataclass(frozen=True)
class PortraitComparison:
    similarity: float | None
    reason: str | None  # why not measured: Yoti's face-match reasons


class DocumentComparisonEngine:
    """``as_of``: the date two-digit MRZ years are read against (the CLI's ``--as-of``)."""

    def __init__(self, *, as_of: dt.date | None = None) -> None:
        self.as_of = as_of

    def run(self, evidence: Evidence) -> MachineResult:
        documents = [r for r in evidence.resources if r.type == "ID_DOCUMENT" and r.pages]
        if len(documents) < 2:
            return MachineResult(
                decided=False,
                report={
                    "recommendation": {"value": "NOT_AVAILABLE", "reason": "DOCUMENT_NOT_FOUND"},
                    "breakdown": [],
                },
            )
        first, second = documents[:2]
        data = compare_fields(self._fields(first), self._fields(second))
        portraits = self._portraits(first, second)
        return decide(data, portraits)

    def _fields(self, resource: EvidenceResource) -> dict[str, Any]:
        if resource.document_fields is not None:
            try:
                held: dict[str, Any] = json.loads(resource.document_fields.load())
                return held
            except ValueError:
                log.warning("document %s: its document_fields are not JSON", resource.id)
        return read_fields([page.load() for page in resource.pages], as_of=self.as_of)

    def _portraits(self, first: EvidenceResource, second: EvidenceResource) -> PortraitComparison:
        vectors: list[Embedding] = []
        for resource in (first, second):
            vector, reason = portrait_embedding(resource.pages[0].load())
            if vector is None:
                return PortraitComparison(None, reason)
            vectors.append(vector)
        return compare_portraits(vectors[0], vectors[1])


def read_fields(images: list[bytes], *, as_of: dt.date | None = None) -> dict[str, Any]:
    """A document's fields read from its pages, as its text extraction would report them."""
    result = extract(document_reader().read_sides(images, read_viz=True, today=as_of))
    for media in result.media:
        if media.role == "document_fields":
            read: dict[str, Any] = json.loads(media.content)
            return read
    return {}


def portrait_embedding(page: bytes) -> tuple[Embedding | None, str | None]:
    """The embedding of the page's largest face (the main portrait, not its ghost copy), or
    why there is none."""
    faces = face_engine()
    try:
        image = decode_image(page)
    except ImageDecodeError:
        return None, "UNABLE_TO_LOAD"
    found = faces.detect(image)
    if not found:
        return None, "FACE_NOT_FOUND"
    if found[0].size_px < faces.min_face_side_px:
        return None, "FACE_PHOTO_LOW_RESOLUTION"
    return faces.embed(image, found[0]), None


def compare_portraits(first: Embedding, second: Embedding) -> PortraitComparison:
    return PortraitComparison(float(face_engine().compare(first, second)), None)


def decide(data: DataComparison, portraits: PortraitComparison) -> MachineResult:
    """The report over the two comparisons (pure)."""
    data_details = [
        _detail("family_name", data.family_name),
        _detail("given_names", data.given_names),
        _detail("date_of_birth", data.date_of_birth),
        _detail("names_compared_as", "ICAO_9303_TRANSLITERATION"),
    ]
    data_mismatch = MISMATCH in data.results
    data_match = all(result == MATCH for result in data.results)
    face_details = [
        _detail("approve_threshold", f"{APPROVE_AT:.3f}"),
        _detail("reject_threshold", f"{REJECT_BELOW:.3f}"),
    ]
    score = portraits.similarity
    if score is None:
        face_details.append(_detail("not_measurable", portraits.reason or "INVALID"))
    else:
        face_details.insert(0, _detail("confidence_score", f"{max(score, 0.0):.2f}"))
    face_pass = score is not None and score >= APPROVE_AT
    face_reject = score is not None and score < REJECT_BELOW
    breakdown = [
        {
            "sub_check": "document_data_match",
            "result": "PASS" if data_match else "FAIL",
            "details": data_details,
            "process": "AUTOMATED",
        },
        {
            "sub_check": "ai_face_match",
            "result": "PASS" if face_pass else "FAIL",
            "details": face_details,
            "process": "AUTOMATED",
        },
    ]
    if data_mismatch or face_reject:
        recommendation: dict[str, Any] = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}
        decided = True
    elif data_match and face_pass:
        recommendation, decided = {"value": "APPROVE"}, True
    elif score is not None and not face_pass:  # the portraits' grey zone
        recommendation, decided = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}, False
    else:
        # The portraits not measured, or a document's name or date of birth not read.
        reason = (portraits.reason or "INVALID") if score is None else "DOCUMENT_DATA_NOT_READ"
        recommendation, decided = {"value": "NOT_AVAILABLE", "reason": reason}, False
    return MachineResult(
        decided=decided, report={"recommendation": recommendation, "breakdown": breakdown}
    )
