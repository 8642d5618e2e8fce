"""SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION for proofs of address (bills and statements):
each page (up to ``MAX_PAGES``, until one gives everything) is read with the OCR engine, and
from its lines come

* the address: a block of lines that ends with a postal code of the document's country
  (`postal_codes`: the UK's postcode, read through the recogniser's O/0, I/1, S/5, B/8
  confusions; US ZIP codes after a state; Irish Eircodes; the continental codes written
  before the town; every one known when the session gives no country), aligned on the
  code's line's left edge and one line pitch apart (as a window envelope's address is
  printed). Every postcode's block is a candidate:
  issuers print their own address too (heading, footer); the addressee's is the one headed by
  a person's name (an honorific first; no digit, colon or organisation word such as "Ltd",
  "office", "Council");
* the name: that block's first line;
* the document date: a date on a line that says it is one ("Bill date", "Statement date",
  "Date of issue", "Rechnungsdatum", "Date de facture"...) and is not a due date or a period
  (in words in seven languages, or numeric: day first, month first on US documents); with
  no such line, only a page that prints one date, nowhere a due date or period, gives it (a
  statement's rows never do);
* the issuer: the tallest confident word line of the page's top third, not the address.

They become the supplementary document's ``document_fields`` (``full_name``,
``structured_postal_address``, ``date_of_issue``, ``issuing_authority``). The task recommends
PROGRESS only when the name, the address and the date were all read with confidence and no
line of another column runs into the address block (the recogniser then read two columns as
one line, and an address line may be lost); else it is left undecided (SHOULD_TRY_AGAIN,
saying what was missing), so FALLBACK and ALWAYS send it to a reviewer's manual entry.
Documents of countries whose postal codes are not known here are left to a person too. A
statement of several pages gives the addressee from the first page whose address block is
headed by a name, and its date from that page or else another (`combined`). Measured on
generated British bills and statements by ``benchmarks/proof_of_address.py``; the other
countries' layouts are tested on bills written line by line (no real bill corpus exists
here).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.checks.postal_codes import CONTINENTAL_COUNTRIES, find_postal_code, town_of
from openidv.checks.readers import ocr_engine
from openidv.vision.documents.ocr import TextBox
from openidv.vision.faces import ImageDecodeError, decode_image

# A UK postcode (outward code, space, inward code), as Royal Mail prints them.
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")
# The same as the recogniser may read it: O and 0, I and 1, S and 5, B and 8 confused in the
# outward code's letters and the inward code's ("Y010 5DD" for YO10 5DD). It starts with a
# letter and holds a digit in each half, so neither a number nor a word ("MOBILE") passes.
_LOOSE_POSTCODE = re.compile(r"\b([A-Z][A-Z0-9]?[0-9][A-Z0-9]?) ?([0-9][A-Z0-9]{2})\b")
_AS_LETTER = str.maketrans("0158", "OISB")
_AS_DIGIT = str.maketrans("OISB", "0158")
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
} | {
    # The months of the statements of continental Europe (German, French, Spanish,
    # Italian, Dutch, Portuguese), where they differ from the English names.
    name: number
    for number, names in enumerate(
        (("januar", "jänner", "janvier", "enero", "gennaio", "januari", "janeiro", "janv"),
         ("februar", "février", "fevrier", "febrero", "febbraio", "februari", "fevereiro",
          "févr", "fevr"),
         ("märz", "maerz", "mars", "marzo", "maart", "março", "marco"),
         ("avril", "abril", "aprile", "avr"),
         ("mai", "mayo", "maggio", "mei", "maio"),
         ("juni", "juin", "junio", "giugno", "junho"),
         ("juli", "juillet", "julio", "luglio", "julho", "juil"),
         ("août", "aout", "agosto", "augustus"),
         ("septembre", "septiembre", "settembre", "setembro"),
         ("oktober", "octobre", "octubre", "ottobre", "outubro", "okt"),
         ("novembre", "noviembre", "novembro"),
         ("dezember", "décembre", "decembre", "diciembre", "dicembre", "dezembro", "déc",
          "dez")),
        start=1,
    )
    for name in names
}  # fmt: skip
# Spaces optional: the recogniser often drops them ("28July 2025", "to27/07/2025").
# The month may start with a zero read for an O ("0ctober").
_WORD_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er|\.)? ?(?:de )?([^\W\d_]|0)([^\W\d_]{2,9})\.?,? ?"
    r"(?:de )?(\d{4})(?!\d)"
)
# The month first (American): "March 14, 2026", "Mar. 14 2026".
_MONTH_FIRST_DATE = re.compile(
    r"(?<![^\W\d_])([^\W\d_]{3,9})\.? ?(\d{1,2})(?:st|nd|rd|th)?,? ?(\d{4})(?!\d)"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")  # day first (UK)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATE_LABEL = re.compile(
    r"(date|dated|issued|datum|fecha|data\b|emisi[oó]n|emissione|[ée]mission\b)", re.IGNORECASE
)
# Dates that are not the document's: when to pay, the period billed, a statement's rows.
_OTHER_DATE = re.compile(
    r"(due|pay|period|from|until|between|\bto\b|\d to|through|f[äa]llig|zahlbar|zeitraum|"
    r"\bvom\b|\bbis\b|[ée]ch[ée]ance|p[ée]riode|periodo|vencimiento|scadenza|\bhasta\b|"
    r"\bdesde\b|\bdu\b.*\bau\b)",
    re.IGNORECASE,
)
# A person's honorific: what tells the addressee's block from the issuer's own address.
_HONORIFIC = re.compile(
    r"^(mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord|rev|herr|frau|m|mme|mlle|monsieur|madame|"
    r"sr|sra|srta|sig|sig\.ra|dhr|mevr)\b\.?",
    re.IGNORECASE,
)
# Words of an organisation's address block, never of an addressee's name.
_NOT_A_NAME = re.compile(
    r"(:|\b(office|box|ltd|limited|plc|llp|council|services?|house|bank|energy|water|inc|llc|"
    r"corp|company|gmbh|ag|sa|sas|sarl|srl|spa|bv|nv|postfach|bp|apartado)\b)",
    re.IGNORECASE,
)


def find_postcode(text: str) -> str | None:
    """The UK postcode on a line, as Royal Mail writes it, with the recogniser's digit and
    letter confusions undone where the postcode's format says which one it must be."""
    found = _postcode_in(text)
    return found[0] if found else None


def _postcode_in(text: str) -> tuple[str, int, int] | None:
    """The postcode (as ``find_postcode``) and where it stands on the line."""
    upper = text.upper()
    strict = POSTCODE.search(upper)
    if strict is not None:
        return f"{strict.group(1)} {strict.group(2)}", strict.start(), strict.end()
    for match in _LOOSE_POSTCODE.finditer(upper):
        outward, inward = match.group(1), match.group(2)
        tail = f" {inward[0].translate(_AS_DIGIT)}{inward[1:].translate(_AS_LETTER)}"
        # Outward: one or two letters, then the district (a digit, then a digit or letter);
        # the reading as printed first, then the other.
        for letters in (2, 1) if outward[1].isalpha() else (1, 2):
            if len(outward) <= letters:
                continue
            district = outward[letters:]
            code = (
                outward[:letters].translate(_AS_LETTER)
                + district[0].translate(_AS_DIGIT)
                + district[1:]
                + tail
            )
            if POSTCODE.fullmatch(code):
                return code, match.start(), match.end()
    return None


def find_date(text: str, *, month_first: bool = False) -> dt.date | None:
    """The first date on the line: day month year in words (in English or a continental
    language: "1st March 2026", "1. März 2026", "1er mars 2026", "1 de marzo de 2026"),
    month day year ("March 1, 2026"), numeric (day first, or month first where
    ``month_first``: American documents) or ISO."""
    candidates: list[tuple[int, dt.date]] = []
    for match in _WORD_DATE.finditer(text):
        day, head, rest, year = match.groups()
        number = _month(head + rest)
        if number is not None:
            candidates.append((match.start(), _date(int(year), number, int(day))))
    for match in _MONTH_FIRST_DATE.finditer(text):
        name, day, year = match.groups()
        number = _month(name)
        if number is not None:
            candidates.append((match.start(), _date(int(year), number, int(day))))
    for match in _NUMERIC_DATE.finditer(text):
        first, second, year = match.groups()
        month, day = (first, second) if month_first else (second, first)
        candidates.append((match.start(), _date(int(year), int(month), int(day))))
    for match in _ISO_DATE.finditer(text):
        year, month, day = match.groups()
        candidates.append((match.start(), _date(int(year), int(month), int(day))))
    real = [date for _, date in sorted(candidates, key=lambda c: c[0]) if date != dt.date.min]
    return real[0] if real else None


def _month(name: str) -> int | None:
    folded = name.lower().rstrip(".")
    return _MONTHS.get("o" + folded[1:] if folded.startswith("0") else folded)


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
    # The postal code's country where its shape says (GBR, USA, IRL, NLD...), else None.
    country: str | None = None
    # A line of another column that runs into the address block: the recogniser read the two
    # as one line, so one of the address's lines may be missing from the block.
    address_overrun: bool = False

    def missing(self) -> list[str]:
        wanted = {"name": self.name, "address": self.postcode, "date": self.document_date}
        missed = [what for what, value in wanted.items() if not value]
        if self.address_overrun and self.postcode:
            missed.append("the whole address (a line of another column runs into it)")
        return missed


def _code_on(text: str, countries: frozenset[str] | None) -> tuple[str, str | None] | None:
    """The postal code ending an address on this line, and its country: the UK's postcode
    (read through the recogniser's confusions) where the UK is asked for, else the other
    countries' (`postal_codes`)."""
    if countries is None or "GBR" in countries:
        uk = find_postcode(text)
        if uk is not None:
            return uk, "GBR"
    others = None if countries is None else countries - {"GBR"}
    if others is not None and not others:
        return None
    found = find_postal_code(text, others)
    return (found.code, found.country) if found is not None else None


def read_statement(
    boxes: list[TextBox],
    page_height: float,
    *,
    countries: frozenset[str] | None = frozenset({"GBR"}),
    month_first: bool = False,
) -> Statement:
    """The fields of a statement from its text lines (pure: tested on its own).
    ``countries``: whose postal codes to look for (None: every one known here);
    ``month_first``: numeric dates are American (month, day, year)."""
    lines = sorted(boxes, key=lambda b: (b.top, b.left))
    block: list[TextBox] = []
    postcode = None
    country = None
    name = None
    best = -1
    # Every postcode's block is a candidate: the issuer prints its own address too (in the
    # heading or the footer). The addressee's is the one headed by a person's name.
    for index, box in enumerate(lines):
        coded = _code_on(box.text, countries)
        if coded is None:
            continue
        found, found_country = coded
        candidate = _block_above(lines, index)
        head = candidate[0].text.strip()
        named = len(candidate) >= 3 and _is_name(head)
        score = (2 if named and _HONORIFIC.match(head) else int(named)) * 10 + len(candidate)
        if score > best:
            best, block = score, candidate
            postcode, country = found, found_country
            name = head if named else None
    name_line = block[0] if name is not None else None
    if name is not None:
        block = block[1:]

    def date_of(text: str) -> dt.date | None:
        return find_date(text, month_first=month_first)

    dated = [b for b in lines if date_of(b.text)]
    labelled = [b for b in dated if _DATE_LABEL.search(b.text) and not _OTHER_DATE.search(b.text)]
    document_date = date_of(labelled[0].text) if labelled else None
    if not labelled:
        # No date says it is the document's: only one date printed, everywhere, will do (a
        # statement's rows or a due date must never pass for it).
        distinct = {date_of(b.text) for b in dated}
        if len(distinct) == 1 and not any(_OTHER_DATE.search(b.text) for b in dated):
            document_date, labelled = distinct.pop(), dated
    used = {id(b) for b in [*block, *([name_line] if name_line else [])]}
    used |= {id(labelled[0])} if labelled else set()
    # The heading: the tallest confident line of the page's top third that is a word, not a
    # logo read as a letter, nor the issuer's own address.
    top = [
        b
        for b in lines
        if b.bottom <= page_height / 3
        and id(b) not in used
        and b.score >= MIN_CONFIDENCE
        and sum(c.isalpha() for c in b.text) >= 3
    ]
    top = [b for b in top if _code_on(b.text, countries) is None] or top
    issuer = max(top, key=lambda b: b.height).text.strip() if top else None
    read = [*block, *(labelled[:1])]
    confidence = min((b.score for b in read), default=0.0)
    address_lines = [b.text.strip() for b in block]
    if country == "GBR" and address_lines and (spot := _postcode_in(address_lines[-1])):
        code, start, end = spot  # the postcode as it should read, on its line
        address_lines[-1] = (address_lines[-1][:start] + code + address_lines[-1][end:]).strip()
    return Statement(
        name=name,
        address_lines=tuple(address_lines),
        postcode=postcode,
        document_date=document_date,
        issuer=issuer,
        confidence=confidence,
        country=country,
        address_overrun=_overrun(lines, block, name_line),
    )


def _overrun(lines: list[TextBox], block: list[TextBox], name_line: TextBox | None) -> bool:
    """Whether a line that starts left of the address block reaches into it, beside it."""
    whole = [*([name_line] if name_line is not None else []), *block]
    if not whole:
        return False
    top, bottom = whole[0].top, whole[-1].bottom
    left, height = min(b.left for b in whole), whole[-1].height
    inside = {id(b) for b in whole}
    return any(
        id(b) not in inside
        and top <= (b.top + b.bottom) / 2 <= bottom
        and b.left < left - height
        and b.right > left - 0.5 * height
        for b in lines
    )


def _is_name(text: str) -> bool:
    return bool(text) and not any(c.isdigit() for c in text) and not _NOT_A_NAME.search(text)


def _block_above(lines: list[TextBox], index: int) -> list[TextBox]:
    """The postcode's line (``lines[index]``) and the lines stacked above it on the same
    left edge, one line pitch apart (boxes of tightly set lines overlap: their tops are
    compared, not a gap between them); a wider gap ends the block."""
    block = [lines[index]]
    for box in reversed(lines[:index]):
        current = block[0]
        if abs(box.left - current.left) > current.height:
            continue  # another column
        pitch = current.top - box.top
        if pitch < 0.5 * current.height:
            continue  # the same line's other fragment, or a line beside it
        if pitch > 2.0 * current.height:
            break
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
        last = lines[-1] if lines else ""
        if statement.country in (None, "GBR") and POSTCODE.search(last.upper()):
            # The postcode on a line of its own, or after the town ("York YO10 5DD").
            town = POSTCODE.sub("", last.upper()).strip(" ,")
            town = last[: len(town)].strip(" ,") if town else ""
        else:
            found = find_postal_code(last, None if statement.country is None else
                                     frozenset({statement.country}))  # fmt: skip
            town = town_of(last, found) if found is not None else ""
        streets = lines[:-1]
        for number, line in enumerate(streets, start=1):
            address[f"address_line{number}"] = line
        if town:
            address["town_city"] = town
        elif len(streets) >= 2:
            address["town_city"] = streets[-1]
        address["postal_code"] = statement.postcode
        country_iso = country or statement.country
        if country_iso:
            address["country_iso"] = country_iso
        address["formatted_address"] = "\n".join(lines)
        fields["structured_postal_address"] = address
    if statement.document_date:
        fields["date_of_issue"] = statement.document_date.isoformat()
    if statement.issuer:
        fields["issuing_authority"] = statement.issuer
    return fields


# The countries whose postal codes this reading knows (`postal_codes`).
KNOWN_COUNTRIES = frozenset({"GBR", "USA", "IRL"}) | CONTINENTAL_COUNTRIES
MAX_PAGES = 4  # a statement's pages read; the addressee's block is on its first


class ProofOfAddressEngine:
    def run(self, evidence: Evidence) -> MachineResult:
        documents = [r for r in evidence.resources if r.pages]
        if not documents:
            return _undecided("no page captured")
        document = documents[0]
        country = document.issuing_country
        if country is not None and country not in KNOWN_COUNTRIES:
            return _undecided(f"no automated reading for {country} documents")
        countries = None if country is None else frozenset({country})
        statements = []
        for page in document.pages[:MAX_PAGES]:
            try:
                image = decode_image(page.load())
            except ImageDecodeError:
                return _undecided("the page is not an image")
            if min(image.shape[:2]) < 64:
                return _undecided("the page is too small to read")
            boxes = ocr_engine().read(image, limit=OCR_LIMIT)  # the document reader's own
            statements.append(
                read_statement(
                    boxes, float(image.shape[0]), countries=countries, month_first=country == "USA"
                )
            )
            if not statements[-1].missing():
                break
        statement = combined(statements)
        missing = statement.missing()
        if statement.confidence < MIN_CONFIDENCE and not missing:
            missing = ["a confident reading"]
        if missing:
            return _undecided("not read: " + ", ".join(missing))
        fields = document_fields(statement, country)
        return MachineResult(
            decided=True,
            recommendation={"value": "PROGRESS"},
            media=[
                GeneratedMedia(
                    "JSON", "application/json", json.dumps(fields).encode(), "document_fields"
                )
            ],
        )


def combined(statements: list[Statement]) -> Statement:
    """One document's reading over its pages (pure): the addressee from the first page whose
    address block is headed by a name (a statement's later pages hold its rows), the
    document's date from that page, else from the first other page that gives one."""
    addressed = [s for s in statements if s.name and s.postcode]
    first = addressed[0] if addressed else statements[0]
    if first.document_date is not None:
        return first
    dated = next((s for s in statements if s.document_date is not None), None)
    if dated is None:
        return first
    return replace(first, document_date=dated.document_date,
                   confidence=min(first.confidence, dated.confidence))  # fmt: skip


def _undecided(detail: str) -> MachineResult:
    return MachineResult(
        decided=False,
        recommendation={
            "value": "SHOULD_TRY_AGAIN",
            "reason": {"value": "QUALITY", "detail": detail[:500]},
        },
    )
