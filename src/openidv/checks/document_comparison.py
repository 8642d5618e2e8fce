"""ID_DOCUMENT_COMPARISON: do two ID documents of one session belong to one person?

Three things are compared, each a sub-check of the report:

* ``document_data_match``: the family name, the given names and the date of birth. Names
  are compared as ICAO 9303 writes them into an MRZ (``vision.documents.transliterate``:
  MÄNNIK is MAENNIK or MANNIK, НИКОЛАЙ is NIKOLAI), so a name typed by a reviewer with its
  diacritics agrees with the same name read from another document's MRZ. Given names agree
  when each of one document's names is one of the other's, in any order, the other's first
  name among them (issuers order names differently; a driving licence leaves out a middle
  name or prints an initial); a list without the other's first name, or of initials alone,
  is a PARTIAL_MATCH (undecided). A person with no given names (an MRZ with none, a full
  name that is the family name alone) agrees with the same on the other document (ABSENT):
  the family name, the date of birth and the portraits decide. Family names and the date
  of birth must be the same.
* ``ai_face_match``: the portraits of the two documents, on the face engine's public API
  (largest face of each document's first page, SFace cosine), on the same decision bands as
  ID_DOCUMENT_FACE_MATCH (`face_match.APPROVE_AT`, `face_match.REJECT_BELOW`). Measured for
  two printed portraits by ``benchmarks/document_comparison.py`` on two sets, and kept:
  generated passports and cards carrying the real-faces corpus's photos (224 genuine pairs,
  8,148 impostors) approve no impostor (the highest scores 0.493, just under 0.50: a lower
  approve threshold would let some through), approve 92 % of genuine pairs and reject 0.45 %
  of them outright; on the real specimen documents no impostor portrait pair reaches 0.40
  (462 measured) and the genuine ones score 0.58-0.97.

Each document's values are those the session already holds for it (its text-extraction
task's ``document_fields``, or a reviewer's manual entry), the rest read here from its pages
with the shared reader (`readers.document_reader`, whose page cache makes a second read of
the same pages cheap): a fully valid MRZ (`text_extraction.extract`), else an MRZ whose check
digits all hold though it breaks a rule of form (a specimen's country code), else the printed
zone (`data_from_readings`). On the real specimens (`benchmarks/document_comparison.py
--real-documents`) 36 of 42 documents give all three values (4 of them from an MRZ whose
check digits hold but whose country code is a specimen's, BDR), none differing from the
truth; 3 of the 6 genuine pairs approve and 3 lack a portrait on one side (a card's back
sent alone, a blurred phone photo); of 855 impostor pairs none approves and 816 are
rejected (580 when only a fully valid MRZ was read).

Decision: a data mismatch or a portrait below the reject band is a REJECT, decided
(``DIFFERENT_PERSON``), except a mismatch of a value read from the printed zone alone (one
misread letter makes one), which is left to a reviewer. Everything agreeing, with the
portraits in the approve band, is an APPROVE. Anything else (a document unread, a portrait
not measurable or in the grey zone, given names agreeing only in part) is left undecided:
NOT_AVAILABLE, or REJECT in the grey zone, as the face match does.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openidv.checks.engines import Evidence, EvidenceResource, MachineResult
from openidv.checks.readers import document_reader, face_engine
from openidv.checks.text_extraction import MIN_PRINTED_CONFIDENCE, extract
from openidv.vision.documents import DocumentReading
from openidv.vision.documents.crosscheck import names_contradicted
from openidv.vision.documents.transliterate import spellings
from openidv.vision.faces import APPROVE_AT, REJECT_BELOW, Embedding, ImageDecodeError, decode_image
from openidv.vision.mrz import MrzResult, ProblemCode

log = logging.getLogger(__name__)

MATCH, MISMATCH, NOT_READ = "MATCH", "MISMATCH", "NOT_READ"
# Given names only: neither document has any (ABSENT, agreeing); or one list's names are
# all the other's but not surely the same person's (PARTIAL, undecided).
ABSENT, PARTIAL = "ABSENT", "PARTIAL_MATCH"
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


def _word_matches(short: str, long: str) -> bool:
    # An initial stands for a name (J for JOHN: licences and forms print initials).
    if len(short) == 1 or len(long) == 1:
        return short[0] == long[0]
    return _same_word(short, long)


def compare_given_names(a: str | None, b: str | None) -> str:
    """``""`` is a document that has no given names at all (an MRZ with none, a full name
    that is the family name alone): both such documents agree (ABSENT); one such document
    against one with names is undecided (PARTIAL)."""
    if a is None or b is None:
        return NOT_READ
    first, second = _words(a), _words(b)
    if not first and not second:
        return ABSENT
    if not first or not second:
        return PARTIAL
    # One document may write the given names as one word (an MRZ truncated, a form field).
    if _same_word("".join(first), "".join(second)):
        return MATCH
    shorter, longer = sorted((first, second), key=len)
    # Each of the shorter list's names is one of the other's, in any order (issuers order
    # given names differently; a licence leaves out a middle name).
    unused = list(range(len(longer)))
    matched_to = []
    for word in shorter:
        found = next((i for i in unused if _word_matches(word, longer[i])), None)
        if found is None:
            return MISMATCH
        unused.remove(found)
        matched_to.append(found)
    if all(len(word) == 1 for word in shorter):
        return PARTIAL  # initials alone: never enough for the same names
    # The longer list's first name left out (a person known by a middle name), or only
    # initials agreeing: not another person's names, nor surely the same.
    return MATCH if 0 in matched_to else PARTIAL


def compare_dates(a: str | None, b: str | None) -> str:
    if not a or not b:
        return NOT_READ
    try:
        return MATCH if dt.date.fromisoformat(a) == dt.date.fromisoformat(b) else MISMATCH
    except ValueError:
        return MISMATCH if a.strip() != b.strip() else MATCH


COMPARED = ("family_name", "given_names", "date_of_birth")
# Where a document's value came from. A fully valid MRZ, the fields the session holds (its
# text extraction's, or a reviewer's entry) and an MRZ whose every check digit holds but
# which breaks a rule of form (a specimen's country code such as BDR or UTO) are read
# surely enough to decide a mismatch; a value read from the printed zone alone is not (one
# misread letter is a mismatch): a mismatch there goes to a reviewer.
FROM_MRZ, FROM_SESSION, FROM_MRZ_CHECK_DIGITS, FROM_PRINT = (
    "MRZ", "SESSION", "MRZ_CHECK_DIGITS", "PRINTED",
)  # fmt: skip
TENTATIVE_SOURCES = frozenset({FROM_PRINT})


@dataclass(frozen=True)
class DocumentData:
    """The compared values of one document and where each came from. ``given_names`` is
    ``""`` when the document has none (not None: unread)."""

    family_name: str | None = None
    given_names: str | None = None
    date_of_birth: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def held(cls, fields: Mapping[str, Any], source: str = FROM_SESSION) -> DocumentData:
        """From Yoti ``document_fields``: given names are absent, rather than unread, when
        the full name is the family name alone."""
        family, given = fields.get("family_name"), fields.get("given_names")
        full = fields.get("full_name")
        if given is None and family and full and _words(full) == _words(family):
            given = ""
        values = {"family_name": family, "given_names": given,
                  "date_of_birth": fields.get("date_of_birth")}  # fmt: skip
        known = {key: source for key, value in values.items() if value is not None}
        return cls(**values, sources=known)

    def value(self, key: str) -> str | None:
        found: str | None = getattr(self, key)
        return found


@dataclass(frozen=True)
class DataComparison:
    family_name: str
    given_names: str
    date_of_birth: str
    # A mismatch read from the printed zone alone: not decided (a reviewer looks).
    tentative: bool = False

    @property
    def results(self) -> tuple[str, str, str]:
        return self.family_name, self.given_names, self.date_of_birth

    @property
    def mismatch(self) -> bool:
        return MISMATCH in self.results

    @property
    def match(self) -> bool:
        return all(result in (MATCH, ABSENT) for result in self.results)


def compare_fields(
    a: Mapping[str, Any] | DocumentData, b: Mapping[str, Any] | DocumentData
) -> DataComparison:
    """The two documents' names and dates of birth, compared (pure: tested on its own)."""
    first = a if isinstance(a, DocumentData) else DocumentData.held(a)
    second = b if isinstance(b, DocumentData) else DocumentData.held(b)
    compare = {"family_name": compare_family_names, "given_names": compare_given_names,
               "date_of_birth": compare_dates}  # fmt: skip
    results = {key: compare[key](first.value(key), second.value(key)) for key in COMPARED}
    tentative = any(
        results[key] == MISMATCH
        and TENTATIVE_SOURCES & {first.sources.get(key), second.sources.get(key)}
        for key in COMPARED
    )
    return DataComparison(**results, tentative=tentative)


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

    def _fields(self, resource: EvidenceResource) -> DocumentData:
        held = None
        if resource.document_fields is not None:
            try:
                held = DocumentData.held(json.loads(resource.document_fields.load()))
            except ValueError:
                log.warning("document %s: its document_fields are not JSON", resource.id)
        if held is not None and all(held.value(key) is not None for key in COMPARED):
            return held
        read = read_fields([page.load() for page in resource.pages], as_of=self.as_of)
        # What the session holds comes first; the pages fill in what it lacks (a reviewer
        # who entered no date of birth, an extraction without names).
        return read if held is None else _merged(held, read)

    def _portraits(self, first: EvidenceResource, second: EvidenceResource) -> PortraitComparison:
        vectors: list[Embedding] = []
        for resource in (first, second):
            vector, reason = portrait_embedding(resource.pages[0].load())
            if vector is None:
                return PortraitComparison(None, reason)
            vectors.append(vector)
        return compare_portraits(vectors[0], vectors[1])


def read_fields(images: list[bytes], *, as_of: dt.date | None = None) -> DocumentData:
    """A document's compared values read from its pages (`data_from_readings`)."""
    return data_from_readings(document_reader().read_sides(images, read_viz=True, today=as_of))


# MRZ problems that say nothing of the compared values: a code the ICAO lists do not hold
# (specimens' BDR, UTO; national variants), a document code or sex the layout does not allow,
# a document number that G/6, S/8 swaps leave ambiguous.
_FORM_PROBLEMS = frozenset(
    {ProblemCode.COUNTRY_CODE, ProblemCode.DOCUMENT_CODE, ProblemCode.SEX, ProblemCode.AMBIGUOUS}
)
_MRZ_NAMES = {"family_name": "surname", "given_names": "given_names",
              "date_of_birth": "date_of_birth"}  # fmt: skip


def data_from_readings(readings: list[DocumentReading]) -> DocumentData:
    """The compared values of one document from its pages' readings (pure).

    First the fields its text extraction reports (`text_extraction.extract`: a fully valid
    MRZ whose names the printed zone does not contradict). Else an MRZ whose check digits
    all hold but which breaks a rule of form (the German specimen's BDR): its date of birth,
    and its names where the printed zone does not contradict them. Else (no MRZ, or one
    whose check digits fail) the printed zone's names and date of birth read with
    confidence; a mismatch on those is left to a reviewer (`TENTATIVE_SOURCES`). Names the
    printed zone contradicts are taken from neither: one of the two reads is wrong.
    """
    result = extract(readings)
    for media in result.media:
        if media.role == "document_fields":
            return DocumentData.held(json.loads(media.content), FROM_MRZ)
    printed = {name: viz for reading in readings for name, viz in reading.viz.items()}
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    contradicted: set[str] = set()
    for reading in readings:
        mrz = reading.mrz
        if mrz is None or not _check_digits_hold(mrz):
            continue
        contradicted |= set(names_contradicted(mrz, printed))
        for key, name in _MRZ_NAMES.items():
            mrz_field = mrz.fields[name]
            if key in values or name in contradicted or mrz_field.valid is False:
                continue
            if key == "date_of_birth" and mrz_field.valid is not True:
                continue
            if mrz_field.value:
                values[key] = mrz_field.value
            elif key == "given_names" and mrz.surname.value and not mrz_field.raw.strip("<"):
                values[key] = ""  # the MRZ's given names are all fillers: the person has none
            else:
                continue
            sources[key] = FROM_MRZ_CHECK_DIGITS
    for key, name in _MRZ_NAMES.items():
        viz = printed.get(name)
        if key in values or name in contradicted or viz is None or not viz.value:
            continue
        if viz.confidence >= MIN_PRINTED_CONFIDENCE and _printed_plausible(key, viz.value):
            values[key], sources[key] = viz.value, FROM_PRINT
    return DocumentData(
        family_name=values.get("family_name"),
        given_names=values.get("given_names"),
        date_of_birth=values.get("date_of_birth"),
        sources=sources,
    )


def _check_digits_hold(mrz: MrzResult) -> bool:
    """The MRZ was read as a layout and every check digit it has holds; what is wrong with
    it, if anything, is of form only."""
    return (
        mrz.format is not None
        and mrz.composite_valid is not False
        and all(
            mrz_field.valid is not False
            for name, mrz_field in mrz.fields.items()
            if mrz_field.check_digit is not None or name == "date_of_birth"
        )
        and all(problem.code in _FORM_PROBLEMS for problem in mrz.problems)
    )


def _printed_plausible(key: str, value: str) -> bool:
    """A printed value can be that field's: a date of birth is an ISO date; a name holds
    letters, no slash (a bilingual caption) and no run of digits (a date read under it)."""
    if key == "date_of_birth":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    letters = sum(char.isalpha() for char in value)
    return letters >= 2 and "/" not in value and sum(char.isdigit() for char in value) < 2


def _merged(held: DocumentData, read: DocumentData) -> DocumentData:
    values = {key: held.value(key) if held.value(key) is not None else read.value(key)
              for key in COMPARED}  # fmt: skip
    sources = {**read.sources, **held.sources}
    return DocumentData(
        **values, sources={k: v for k, v in sources.items() if values.get(k) is not None}
    )


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
    if data.tentative:
        data_details.append(_detail("mismatch_read_from", FROM_PRINT))
    data_mismatch, data_match = data.mismatch, data.match
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
    if face_reject or (data_mismatch and not data.tentative):
        recommendation: dict[str, Any] = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}
        decided = True
    elif data_mismatch:  # a value read from the printed zone alone differs: a reviewer looks
        recommendation, decided = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}, False
    elif data_match and face_pass:
        recommendation, decided = {"value": "APPROVE"}, True
    elif score is not None and not face_pass:  # the portraits' grey zone
        recommendation, decided = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}, False
    else:
        # The portraits not measured, or a document's name or date of birth not read.
        if score is None:
            reason = portraits.reason or "INVALID"
        elif PARTIAL in data.results:
            reason = "DOCUMENT_DATA_PARTIAL_MATCH"
        else:
            reason = "DOCUMENT_DATA_NOT_READ"
        recommendation, decided = {"value": "NOT_AVAILABLE", "reason": reason}, False
    return MachineResult(
        decided=decided, report={"recommendation": recommendation, "breakdown": breakdown}
    )
