"""Parse and validate ICAO Doc 9303 machine-readable zones (MRZ).

Written from the public ICAO 9303 rules (Parts 3 to 7); standard library only.

Layouts (detected from the line count, line lengths and the document code):

* TD1: 3 lines of 30 (identity cards), composite check digit, long-number rule.
* TD2: 2 lines of 36, composite check digit, long-number rule.
* TD3: 2 lines of 44 (passports), personal-number and composite check digits.
* MRV-A: 2 lines of 44 whose document code starts with ``V`` (visa, no composite).
* MRV-B: 2 lines of 36 whose document code starts with ``V`` (visa, no composite).
* FRA-CNI: France's national identity card of 1988-2021, 2 lines of 36 opening ``IDFRA``:
  not ICAO 9303 but its own positions (no nationality, no expiry date; given names on line
  2) with ICAO check digits over the card number, the birth date and both lines.

Validity model. Every field of an `MrzResult` is an `MrzField` whose ``valid`` is

* ``True``: a check digit covers the field, it holds, and the content is well formed;
* ``False``: its check digit fails or the content breaks its ICAO character class or
  value rules (month 13, a digit in a country code...) - or the MRZ could not be read;
* ``None``: the format gives the field no check digit of its own (names, nationality,
  sex, most optional data) and it is well formed. Such fields are only as good as the read.

``MrzResult.valid`` is true only when the layout was recognised and nothing at all went
wrong; ``problems`` says what did, in sentences. Malformed input never raises.

Public API:

* `compute_check_digit(data) -> int`
* `parse_mrz(lines, *, today=None, repair=False) -> MrzResult`
* `normalise_ocr_lines(text_or_lines) -> list[str]`
* `read_mrz(text_or_lines, *, today=None, repair=True) -> MrzResult` (normalise, then parse)
* `to_document_fields(result) -> dict[str, Any]` (Yoti ``document_fields`` keys)

The package is split by responsibility: `check_digits` (character classes, the check
digit), `result` (formats, fields, problems), `layouts` (field positions per format and
detection), `parse` (reading fields against a layout, with letter-for-digit repair),
`ocr_text` (OCR text to MRZ lines) and `document_fields` (Yoti's keys).
"""

from __future__ import annotations

from openidv.vision.mrz.check_digits import FILLER, compute_check_digit
from openidv.vision.mrz.document_fields import DOCUMENT_TYPES, YOTI_MRZ_TYPES, to_document_fields
from openidv.vision.mrz.layouts import detect_layout
from openidv.vision.mrz.ocr_text import clean_line, normalise_ocr_lines, read_mrz
from openidv.vision.mrz.parse import EXPIRY_HORIZON_YEARS, parse_mrz
from openidv.vision.mrz.result import (
    FIELD_NAMES,
    MrzField,
    MrzFormat,
    MrzProblem,
    MrzRepair,
    MrzResult,
    ProblemCode,
)

__all__ = [
    "DOCUMENT_TYPES", "EXPIRY_HORIZON_YEARS", "FIELD_NAMES", "FILLER", "YOTI_MRZ_TYPES",
    "MrzField", "MrzFormat", "MrzProblem", "MrzRepair", "MrzResult", "ProblemCode",
    "clean_line", "compute_check_digit", "detect_layout", "normalise_ocr_lines", "parse_mrz",
    "read_mrz", "to_document_fields",
]  # fmt: skip
