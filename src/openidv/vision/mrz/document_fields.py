"""A parsed MRZ as Yoti's ``document_fields`` keys (standard library only)."""

from __future__ import annotations

from typing import Any

from openidv.vision.mrz.result import MrzField, MrzFormat, MrzResult

__all__ = ["DOCUMENT_TYPES", "YOTI_MRZ_TYPES", "to_document_fields"]

# Yoti's own MRZ.Type enum (yoti-python-sdk protobuf compubapi_v1/MRZ.proto):
# UNDEFINED=0, TD1=1, TD3=2, RUS_ID=3, TD2=4. It has no visa types, so visas go by size.
YOTI_MRZ_TYPES = {
    MrzFormat.TD1: 1,
    MrzFormat.TD3: 2,
    MrzFormat.MRV_A: 2,
    MrzFormat.TD2: 4,
    MrzFormat.MRV_B: 4,
    MrzFormat.FRA_CNI: 4,  # a national layout Yoti's enum lacks: by size, as visas
}
# First character of the document code. I/A/C cover identity cards and other official
# travel documents; ICAO leaves the second character to the issuer, so residence
# permits (often 'IR'/'AR') cannot be told apart reliably and stay NATIONAL_ID.
DOCUMENT_TYPES = {
    "P": "PASSPORT",
    "V": "VISA",
    "I": "NATIONAL_ID",
    "A": "NATIONAL_ID",
    "C": "NATIONAL_ID",
}
# ICAO codes that are not ISO 3166-1 alpha-3. Only Germany's one-letter code is mapped;
# ICAO-only codes (XXA stateless, GBD/GBN..., UNO, EUE, XXX...) pass through unchanged.
_ICAO_TO_ISO_ALPHA3 = {"D": "DEU"}
# '<' means the sex is unspecified, which is not the same claim as Yoti's OTHER,
# so gender is left out rather than invented.
_GENDERS = {"M": "MALE", "F": "FEMALE"}


def _usable(field: MrzField) -> str | None:
    """A field's value unless it failed: failed fields are never reported."""
    return field.value if field.valid is not False else None


def _country(field: MrzField) -> str | None:
    code = _usable(field)
    return _ICAO_TO_ISO_ALPHA3.get(code, code) if code is not None else None


def _mrz_object(result: MrzResult) -> dict[str, Any] | None:
    if result.format is None:
        return None
    mrz: dict[str, Any] = {"type": YOTI_MRZ_TYPES[result.format]}
    for number, line in enumerate(result.lines, start=1):
        mrz[f"line{number}"] = line
    return mrz


def to_document_fields(result: MrzResult) -> dict[str, Any]:
    """Map a parsed MRZ to Yoti's document-fields JSON keys (keys only when known).

    Fields marked invalid are left out, so a failed check digit never reaches the
    output as extracted data; callers decide from ``result.valid`` whether to trust the
    rest. Names stay in MRZ upper case; ``full_name`` is given names then family name.
    """
    family_name = _usable(result.surname)
    given_names = _usable(result.given_names)
    code = _usable(result.document_code)
    sex = _usable(result.sex)
    candidates: dict[str, Any] = {
        "full_name": " ".join(part for part in (given_names, family_name) if part) or None,
        "given_names": given_names,
        "family_name": family_name,
        "date_of_birth": _usable(result.date_of_birth),
        "nationality": _country(result.nationality),
        "gender": _GENDERS.get(sex) if sex is not None else None,
        "document_number": _usable(result.document_number),
        "expiration_date": _usable(result.expiry_date),
        "issuing_country": _country(result.issuing_state),
        "document_type": DOCUMENT_TYPES.get(code[0]) if code else None,
        "mrz": _mrz_object(result),
    }
    return {key: value for key, value in candidates.items() if value is not None}
