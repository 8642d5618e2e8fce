"""Labelled fields of the visual inspection zone (VIZ) from OCR'd text boxes.

ICAO 9303 Part 3 lays the VIZ out as small captions with the value printed just below, and
most issuers caption in their own language plus English/French ("Nom / Surname"). We match
each caption (any part between slashes, accent- and case-insensitive, fuzzily) against a
table of known captions, then take the nearest non-caption text box under it as the value.
Dates are normalised to ISO (``16 JUN 1969``, ``16.06.1969``, ``16/06/1969``).
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from openidv.vision.documents.dates import parse_date
from openidv.vision.documents.ocr import TextBox

__all__ = [
    "CAPTIONS",
    "VizField",
    "caption_field",
    "extract_fields",
    "holds_caption",
    "parse_date",
    "value_distance",
]

# Field -> caption phrases, lower case without accents: English, French, German, Spanish,
# Italian, Dutch, Portuguese, the Nordic, Baltic and Central European languages of EU
# passports and cards, plus common variants. Numbered captions (EU cards: "1. Name") match
# too: the number is not a letter and is dropped before comparing.
CAPTIONS: dict[str, tuple[str, ...]] = {
    "surname": (
        "surname",
        "nom",
        "name",
        "apellidos",
        "cognome",
        "naam",
        "family name",
        "nazwisko",
        "prijmeni",
        "priezvisko",
        "sukunimi",
        "efternamn",
        "etternavn",
        "efternavn",
        "apelido",
        "apelidos",
        "perekonnanimi",
        "pavarde",
        "uzvards",
        "prezime",
        "priimek",
        "csaladi nev",
        "vezeteknev",
        "eftirnafn",
        "kenninafn",
        "sloinne",
    ),
    "given_names": (
        "given names",
        "prenoms",
        "vornamen",
        "nombres",
        "nome",
        "voornamen",
        "forenames",
        "imiona",
        "jmeno",
        "jmena",
        "etunimet",
        "fornamn",
        "fornavn",
        "nomes",
        "eesnimed",
        "vardas",
        "vards",
        "utonev",
        "eiginnafn",
        "given name",
        "first name",
        "forename(s)",
        "prenom",
    ),
    "nationality": (
        "nationality",
        "nationalite",
        "staatsangehorigkeit",
        "nacionalidad",
        "cittadinanza",
        "nationaliteit",
    ),
    "date_of_birth": (
        "date of birth",
        "date de naissance",
        "geburtsdatum",
        "fecha de nacimiento",
        "data di nascita",
        "geboortedatum",
        "data urodzenia",
        "datum narozeni",
        "datum narodenia",
        "syntymaaika",
        "fodelsedatum",
        "fodselsdato",
        "data de nascimento",
        "sunniaeg",
        "gimimo data",
        "dzimsanas datums",
        "datum rodenja",
        "szuletesi ido",
        "faedingardagur",
        "birth date",
        "data dunha",
    ),
    "sex": ("sex", "sexe", "geschlecht", "sexo", "sesso", "geslacht"),
    "place_of_birth": (
        "place of birth",
        "lieu de naissance",
        "geburtsort",
        "lugar de nacimiento",
        "luogo di nascita",
        "geboorteplaats",
        "miejsce urodzenia",
        "misto narozeni",
        "syntymapaikka",
        "fodelseort",
        "fodested",
        "local de nascimento",
        "sunnikoht",
        "gimimo vieta",
        "dzimsanas vieta",
        "mjesto rodenja",
        "szuletesi hely",
        "birthplace",
    ),
    "date_of_issue": (
        "date of issue",
        "date de delivrance",
        "ausstellungsdatum",
        "fecha de expedicion",
        "data di rilascio",
        "datum van afgifte",
        "data wydania",
        "datum vydani",
        "myontamispaiva",
        "utfardandedatum",
        "utstedelsesdato",
        "data de emissao",
        "valjaandmise kuupaev",
        "isdavimo data",
        "izdosanas datums",
        "datum izdavanja",
        "kiallitas kelte",
        "issue date",
    ),
    "expiry_date": (
        "date of expiry",
        "date d'expiration",
        "gultig bis",
        "fecha de caducidad",
        "scadenza",
        "geldig tot",
        "expiry date",
        "data waznosci",
        "platnost do",
        "voimassa",
        "giltig till",
        "gyldig til",
        "data de validade",
        "kehtiv kuni",
        "galioja iki",
        "derigs lidz",
        "vazi do",
        "ervenyesseg",
        "date of expiration",
        "expiration date",
        "expires",
    ),
    "document_number": (
        "document no",
        "passport no",
        "n du document",
        "n du passeport",
        "dokumentennummer",
        "pass-nr",
        "num de documento",
        "n documento",
        "documentnummer",
        "card no",
        "nr paszportu",
        "cislo pasu",
        "passin numero",
        "passnummer",
        "n do passaporte",
        "passi number",
        "paso nr",
        "pases nr",
        "broj putovnice",
        "utlevel szama",
        "passport number",
        "document number",
        "numero de passeport",
        "no du passeport",
        "card number",
    ),
    "authority": (
        "authority",
        "autorite",
        "behorde",
        "autoridad",
        "autorita",
        "instantie",
        "issuing authority",
        "organ wydajacy",
        "myontaja",
        "myndighet",
        "autoridade",
        "valjaandja",
        "isdave",
        "izdevejiestade",
        "izdao",
        "kiallito hatosag",
        "issued by",
        "issuing office",
    ),
    # Printed on ID cards and driving licences (and some passports' observations page).
    "address": (
        "address",
        "adresse",
        "domicile",
        "domiciliu",
        "anschrift",
        "wohnort",
        "domicilio",
        "direccion",
        "indirizzo",
        "residenza",
        "adres",
        "endereco",
        "morada",
        "osoite",
        "adress",
        "adresa",
        "lakcim",
        "bydliste",
        "place of residence",
        "residence",
    ),
}
DATE_FIELDS = frozenset({"date_of_birth", "date_of_issue", "expiry_date"})
# Fields only the printed zone carries: reported as read, with no MRZ value to agree with.
PRINTED_ONLY_FIELDS = frozenset({"date_of_issue", "place_of_birth", "authority", "address"})
# Fields whose value may run on over several lines under the first (an address: street,
# then postcode and town), how many lines at most, and how far apart (in line heights).
MULTI_LINE_FIELDS = frozenset({"address"})
_MAX_VALUE_LINES = 4
_MAX_LINE_GAP = 1.0
_MATCH_RATIO = 0.8


@dataclass(frozen=True)
class VizField:
    """One VIZ field: normalised value, the text as read, and the OCR confidence (0-1).

    ``matches_mrz``: found by looking for the MRZ's value among the printed lines
    (`matching`), so it agrees with the MRZ (``value`` is then the MRZ's); otherwise read
    under its caption. ``cut``: read under its caption from a line (or one of its lines)
    recognised only in part: the value may go on past what was read, so it can show a
    difference from the MRZ's but never agreement, and is never reported."""

    name: str
    value: str | None  # ISO date for dates; upper-case text otherwise; None if unparsable
    text: str
    confidence: float
    matches_mrz: bool = False
    cut: bool = False


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in plain if not unicodedata.combining(char)).lower()
    plain = plain.replace("°", " ").replace("º", " ")
    return re.sub(r"[^a-z'/ -]+", " ", plain)


# One matcher per known phrase: SequenceMatcher caches its analysis of the second sequence,
# and its cheap upper bounds (real_quick_ratio, quick_ratio) rule out most pairs before the
# full ratio(). Same results as a plain SequenceMatcher(None, phrase, known).ratio() per pair
# at a fraction of the cost (this loop was ~10 % of a VIZ read's CPU time).
_MATCHERS: tuple[tuple[str, difflib.SequenceMatcher[str]], ...] = tuple(
    (field, difflib.SequenceMatcher(None, "", known))
    for field, phrases in CAPTIONS.items()
    for known in phrases
)
_MATCHER_LOCK = threading.Lock()  # the matchers hold per-call state (their first sequence)


# Captions repeat from line to line of a read (`printed` and `extract_fields` both ask) and
# from document to document of one issuer: the answer depends on the text alone.
@functools.lru_cache(maxsize=4096)
def _caption_field(text: str) -> tuple[str, float] | None:
    """The field a caption names and how well it matched, or None for non-captions."""
    best: tuple[str, float] | None = None
    phrases = [" ".join(part.replace(".", " ").split()) for part in _fold(text).split("/")]
    with _MATCHER_LOCK:
        for phrase in phrases:
            if len(phrase) < 3:
                continue
            for field, matcher in _MATCHERS:
                matcher.set_seq1(phrase)
                bound = matcher.real_quick_ratio()
                if bound < _MATCH_RATIO or matcher.quick_ratio() < _MATCH_RATIO:
                    continue
                ratio = matcher.ratio()
                if ratio >= _MATCH_RATIO and (best is None or ratio > best[1]):
                    best = field, ratio
    return best


_CAPTION_LETTERS = tuple(
    {re.sub(r"[^a-z]", "", known) for phrases in CAPTIONS.values() for known in phrases}
)
# A value shorter than this is never taken for a piece of a caption ("nom" is a surname).
_MIN_FRAGMENT = 5


def _caption_fragment(text: str) -> bool:
    """A piece of a caption word ("ALIDAD" of "Nacionalidad", the rest hidden by glare or cut
    off by the detector): not the value printed under a caption."""
    letters = re.sub(r"[^a-z]", "", _fold(text))
    return len(letters) >= _MIN_FRAGMENT and any(letters in known for known in _CAPTION_LETTERS)


def _value(field: str, text: str) -> str | None:
    cleaned = " ".join(unicodedata.normalize("NFKC", text).upper().split())
    if field in DATE_FIELDS:
        return parse_date(cleaned)
    if field == "sex":
        letter = cleaned[:1]
        return {"M": "M", "F": "F", "X": "X", "<": "X"}.get(letter)
    if field == "document_number":
        return cleaned.replace(" ", "") or None
    return cleaned or None


def value_distance(caption: TextBox, box: TextBox) -> float | None:
    """How far ``box`` lies from where the value of ``caption`` is printed (directly under
    it, starting near its left edge), or None when it is not there. Geometry only."""
    gap = box.top - caption.bottom
    if not -0.5 * caption.height <= gap <= 2.5 * max(caption.height, 8.0):
        return None
    if abs(box.left - caption.left) > 2.5 * max(box.height, caption.height):
        return None
    return gap + 0.2 * abs(box.left - caption.left)


# Caption phrases long enough to tell a caption inside a longer text ("PLACE AND DATE OF
# BIRTH" holds "date of birth") from a value that merely shares a short word with one.
_LONG_CAPTIONS = tuple(
    sorted({known for phrases in CAPTIONS.values() for known in phrases if len(known) >= 6})
)


def holds_caption(text: str) -> bool:
    """The text is, or holds as whole words, a caption of the table (a caption read where
    a value was expected)."""
    if caption_field(text) is not None:
        return True
    words = f" {' '.join(_fold(text).replace('/', ' ').split())} "
    return any(f" {known} " in words for known in _LONG_CAPTIONS)


def caption_field(text: str) -> str | None:
    """The field a VIZ caption names, or None for text that is no known caption."""
    match = _caption_field(text)
    return match[0] if match is not None else None


def extract_fields(
    boxes: Sequence[TextBox],
    fields: Collection[str] | None = None,
    continues: Callable[[TextBox], bool] | None = None,
) -> dict[str, VizField]:
    """Caption -> value pairs found among the OCR text boxes of the VIZ (only ``fields``,
    when given: the values of the others may not have been recognised). ``continues``
    tells a box the printed line goes on past (`printed.continues_right`): a value of the
    printed-only fields (`PRINTED_ONLY_FIELDS`, which no MRZ vouches for) read from one is
    marked cut."""
    captions: dict[int, tuple[str, float]] = {}
    for index, box in enumerate(boxes):
        match = _caption_field(box.text)
        if match is not None:
            captions[index] = match
    found: dict[str, VizField] = {}
    for index, (field, ratio) in sorted(captions.items(), key=lambda item: -item[1][1]):
        if field in found or (fields is not None and field not in fields):
            continue
        caption = boxes[index]
        best: tuple[float, TextBox] | None = None
        for other_index, box in enumerate(boxes):
            if other_index in captions or other_index == index or _caption_fragment(box.text):
                continue
            distance = value_distance(caption, box)
            if distance is not None and (best is None or distance < best[0]):
                best = distance, box
        if best is None:
            continue
        value_box = best[1]
        parts = [value_box]
        if field in MULTI_LINE_FIELDS:
            parts += _continued(value_box, [b for i, b in enumerate(boxes) if i not in captions])
        text = ", ".join(part.text.strip() for part in parts)
        score = min(part.score for part in parts)
        found[field] = VizField(
            name=field,
            value=_value(field, text),
            text=text,
            confidence=round(min(score, caption.score * ratio), 4),
            cut=any(part.cut for part in parts)
            or (
                continues is not None
                and field in PRINTED_ONLY_FIELDS
                and any(continues(part) for part in parts)
            ),
        )
    return found


def _continued(first: TextBox, boxes: Sequence[TextBox]) -> list[TextBox]:
    """The lines that continue a value printed over several (`MULTI_LINE_FIELDS`): each
    directly under the one before, starting near its left edge, no caption or piece of
    one; at most `_MAX_VALUE_LINES` in all."""
    lines: list[TextBox] = []
    taken = {id(first)}  # by identity: a TextBox holds an array, so == is no test
    last = first
    while len(lines) + 1 < _MAX_VALUE_LINES:
        below = [
            box
            for box in boxes
            if id(box) not in taken
            and -0.3 * last.height <= box.top - last.bottom <= _MAX_LINE_GAP * last.height
            and abs(box.left - last.left) <= 1.5 * max(box.height, last.height)
            and not _caption_fragment(box.text)
        ]
        if not below:
            break
        last = min(below, key=lambda box: box.top)
        taken.add(id(last))
        lines.append(last)
    return lines
