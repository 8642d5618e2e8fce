"""SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION for British proofs of address (bills and
statements): the first page is read with the OCR engine, and from its lines come

* the address: the block of lines that ends with a UK postcode, aligned on the postcode's
  left edge and stacked without a gap (as a window envelope's address is printed);
* the name: the block's first line, when it holds no digit (the addressee);
* the document date: a date on a line that says it is one ("Bill date", "Statement date",
  "Date of issue"...), else the first date printed;
* the issuer: the tallest line of the page's top third (the company's name in its heading).

They become the supplementary document's ``document_fields`` (``full_name``,
``structured_postal_address``, ``date_of_issue``, ``issuing_authority``). The task recommends
PROGRESS only when the name, the address and the date were all read with confidence; else it
is left undecided (SHOULD_TRY_AGAIN, saying what was missing), so FALLBACK and ALWAYS send it
to a reviewer's manual entry. Other countries' documents are left to a person too: only UK
postcodes are known here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.vision.documents.ocr import OcrEngine, TextBox
from openidv.vision.faces import ImageDecodeError, decode_image

# A UK postcode (outward code, space, inward code), as Royal Mail prints them.
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")
MIN_CONFIDENCE = 0.8
OCR_LIMIT = 1280  # the detector's longest side: an A4 page at ~150 dpi
MAX_ADDRESS_LINES = 7
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_WORD_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]{3,9})\.? (\d{4})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")  # day first (UK)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_LABEL = re.compile(r"\b(date|dated|issued)\b", re.IGNORECASE)

_lock = threading.Lock()
_ocr: OcrEngine | None = None


def _engine() -> OcrEngine:
    global _ocr  # noqa: PLW0603 (one per process, loaded on first use)
    with _lock:
        if _ocr is None:
            _ocr = OcrEngine()
        return _ocr


def find_date(text: str) -> dt.date | None:
    candidates: list[dt.date] = []
    for day, month, year in _WORD_DATE.findall(text):
        number = _MONTHS.get(month.lower())
        if number is not None:
            candidates.append(_date(int(year), number, int(day)))
    for day, month, year in _NUMERIC_DATE.findall(text):
        candidates.append(_date(int(year), int(month), int(day)))
    for year, month, day in _ISO_DATE.findall(text):
        candidates.append(_date(int(year), int(month), int(day)))
    real = [c for c in candidates if c != dt.date.min]
    return real[0] if real else None


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date.min


@dataclass(frozen=True)
class Statement:
    """What was read of one proof of address, and the weakest confidence behind it."""

    name: str | None
    address_lines: tuple[str, ...]
    postcode: str | None
    document_date: dt.date | None
    issuer: str | None
    confidence: float

    def missing(self) -> list[str]:
        wanted = {"name": self.name, "address": self.postcode, "date": self.document_date}
        return [what for what, value in wanted.items() if not value]


def read_statement(boxes: list[TextBox], page_height: float) -> Statement:
    """The fields of a statement from its text lines (pure: tested on its own)."""
    lines = sorted(boxes, key=lambda b: (b.top, b.left))
    block: list[TextBox] = []
    postcode = None
    for index, box in enumerate(lines):
        match = POSTCODE.search(box.text.upper())
        if match is None:
            continue
        block = _block_above(lines, index)
        postcode = f"{match.group(1)} {match.group(2)}"
        break
    name = None
    if len(block) >= 3 and not any(char.isdigit() for char in block[0].text):
        name = block[0].text.strip()
        block = block[1:]
    labelled = [b for b in lines if _DATE_LABEL.search(b.text) and find_date(b.text)]
    dated = labelled or [b for b in lines if find_date(b.text)]
    document_date = find_date(dated[0].text) if dated else None
    used = {id(b) for b in block} | ({id(dated[0])} if dated else set())
    top = [b for b in lines if b.bottom <= page_height / 3 and id(b) not in used]
    issuer = max(top, key=lambda b: b.height).text.strip() if top else None
    read = [*block, *(dated[:1])]
    confidence = min((b.score for b in read), default=0.0)
    return Statement(
        name=name,
        address_lines=tuple(b.text.strip() for b in block),
        postcode=postcode,
        document_date=document_date,
        issuer=issuer,
        confidence=confidence,
    )


def _block_above(lines: list[TextBox], index: int) -> list[TextBox]:
    """The postcode's line (``lines[index]``) and the lines stacked above it on the same
    left edge."""
    block = [lines[index]]
    for box in reversed(lines[:index]):
        current = block[0]
        aligned = abs(box.left - current.left) <= current.height
        stacked = 0 <= current.top - box.bottom <= current.height * 1.2
        if aligned and stacked:
            block.insert(0, box)
            if len(block) >= MAX_ADDRESS_LINES:
                break
    return block


def document_fields(statement: Statement, country: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if statement.name:
        fields["full_name"] = statement.name
    if statement.postcode:
        address: dict[str, Any] = {"address_format": 1}
        lines = [line for line in statement.address_lines if line]
        for number, line in enumerate(lines[:-1], start=1):  # the last line is the postcode's
            address[f"address_line{number}"] = line
        if len(lines) >= 2:
            address["town_city"] = lines[-2]
        address["postal_code"] = statement.postcode
        address["country_iso"] = country or "GBR"
        address["formatted_address"] = "\n".join(lines)
        fields["structured_postal_address"] = address
    if statement.document_date:
        fields["date_of_issue"] = statement.document_date.isoformat()
    if statement.issuer:
        fields["issuing_authority"] = statement.issuer
    return fields


class ProofOfAddressEngine:
    def run(self, evidence: Evidence) -> MachineResult:
        documents = [r for r in evidence.resources if r.pages]
        if not documents:
            return _undecided("no page captured")
        document = documents[0]
        if document.issuing_country not in (None, "GBR"):
            return _undecided(f"no automated reading for {document.issuing_country} documents")
        try:
            image = decode_image(document.pages[0].load())
        except ImageDecodeError:
            return _undecided("the page is not an image")
        if min(image.shape[:2]) < 64:
            return _undecided("the page is too small to read")
        boxes = _engine().read(image, limit=OCR_LIMIT)
        statement = read_statement(boxes, float(image.shape[0]))
        missing = statement.missing()
        if statement.confidence < MIN_CONFIDENCE and not missing:
            missing = ["a confident reading"]
        if missing:
            return _undecided("not read: " + ", ".join(missing))
        fields = document_fields(statement, document.issuing_country)
        return MachineResult(
            decided=True,
            recommendation={"value": "PROGRESS"},
            media=[
                GeneratedMedia(
                    "JSON", "application/json", json.dumps(fields).encode(), "document_fields"
                )
            ],
        )


def _undecided(detail: str) -> MachineResult:
    return MachineResult(
        decided=False,
        recommendation={
            "value": "SHOULD_TRY_AGAIN",
            "reason": {"value": "QUALITY", "detail": detail[:500]},
        },
    )
