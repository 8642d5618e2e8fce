"""Reference data the session rules need: countries and the document types we accept.

The supported-documents list says what the capture page offers and what
``GET /supported-documents`` answers. Operators can replace it with their own JSON file
(``OPENIDV_SUPPORTED_DOCUMENTS_FILE``, same shape as the endpoint's response).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# ICAO 9303 machine-readable documents and the identity cards Yoti's SDKs name.
ID_DOCUMENT_TYPES = (
    "PASSPORT",
    "DRIVING_LICENCE",
    "NATIONAL_ID",
    "RESIDENCE_PERMIT",
    "TRAVEL_DOCUMENT",
    "PASS_CARD",
    "STATE_ID",
    "AADHAAR",
)

# What the built-in list offers in every country: documents that carry an ICAO 9303 MRZ,
# which the document engine reads. Driving licences have no MRZ and need manual data entry.
_DEFAULT_DOCUMENTS = ("PASSPORT", "NATIONAL_ID", "RESIDENCE_PERMIT", "DRIVING_LICENCE")


def _load_countries() -> list[dict[str, str]]:
    text = resources.files("openidv.sessions").joinpath("data/countries.json").read_text("utf-8")
    rows: list[dict[str, str]] = json.loads(text)
    return rows


COUNTRIES: tuple[dict[str, str], ...] = tuple(_load_countries())
COUNTRY_CODES: frozenset[str] = frozenset(row["code"] for row in COUNTRIES)


@cache
def supported_documents(override: Path | None = None) -> dict[str, Any]:
    """The supported-documents response, built once per process."""
    if override is not None:
        data: dict[str, Any] = json.loads(override.read_text("utf-8"))
        return data
    return {
        "supported_countries": [
            {
                "code": row["code"],
                "supported_documents": [
                    {"type": kind, "is_strictly_latin": True} for kind in _DEFAULT_DOCUMENTS
                ],
            }
            for row in COUNTRIES
        ]
    }
