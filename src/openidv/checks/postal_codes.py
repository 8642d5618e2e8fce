"""Postal codes on an address's last line, for the proof-of-address reading (pure).

Where a country writes its code decides how the line is read:

* the United Kingdom: the postcode ends the line, after the town or alone
  (``York YO10 5DD``), read through the recogniser's O/0, I/1, S/5, B/8 confusions
  (`proof_of_address.find_postcode`);
* the United States: the town, a state's two-letter code, the ZIP code (five digits, or
  ZIP+4): ``SPRINGFIELD, IL 62704-1234``;
* Ireland: the Eircode ends the line (``Dublin 2 D02 X285``);
* most of continental Europe: the code opens the line and the town follows
  (``75008 PARIS``, ``D-10115 Berlin``, ``1012 AB Amsterdam``, ``00-950 Warszawa``,
  ``1000-001 Lisboa``, ``114 55 Stockholm``), a country prefix allowed.

A digits-first code is taken only when a town follows it and nothing else on the line is a
number (an account line ``12345 ACCOUNT 0042`` is not an address), and a ZIP code only after
a real state code: a bill's other lines hold numbers of the same shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PostalCode", "find_postal_code", "town_of"]


@dataclass(frozen=True)
class PostalCode:
    code: str  # as the country writes it (no country prefix)
    # ISO 3166-1 alpha-3; None where the code's shape is shared by several countries and
    # none was asked for (five digits: France, Germany, Spain, Italy...).
    country: str | None
    start: int  # where it stands on the line
    end: int


_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
)
_US_STATES = frozenset(_STATE_CODES.split())
_ZIP = re.compile(r"(?:^|[\s,])([A-Z]{2})\.?,?\s+(\d{5}(?:-\d{4})?)\s*$")
# Eircode: a routing key (letter, digit, digit or W: D6W) and a four-character identifier.
_EIRCODE = re.compile(r"\b([ACDEFHKNPRTVWXY]\d[\dW]) ?([0-9ACDEFHKNPRTVWXY]{4})\s*$")
# Digits-first codes by shape, each with the countries that write it so; a country prefix
# (D-, F-, L-, NL-, CH-...) may stand before it.
_CONTINENTAL: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"(\d{4}) ?([A-Z]{2})\b"), ("NLD",)),
    (re.compile(r"(\d{2}-\d{3})\b"), ("POL",)),
    (re.compile(r"(\d{4}-\d{3})\b"), ("PRT",)),
    (re.compile(r"(\d{3} \d{2})\b"), ("SWE", "CZE", "SVK", "GRC")),
    (re.compile(r"(\d{5})\b"), ("FRA", "DEU", "ESP", "ITA", "FIN", "EST", "HRV", "LTU", "MCO")),
    (re.compile(r"(\d{4})\b"), ("AUT", "BEL", "CHE", "DNK", "NOR", "LUX", "HUN", "SVN", "BGR",
                                 "CYP", "LIE")),
)  # fmt: skip
_PREFIX = re.compile(r"^(?:[A-Z]{1,3}-)?")
_TOWN = re.compile(r"^[\s,]*([^\W\d_][^\d]*?)[\s,]*$")
CONTINENTAL_COUNTRIES = frozenset(c for _, countries in _CONTINENTAL for c in countries)


def find_postal_code(text: str, countries: frozenset[str] | None = None) -> PostalCode | None:
    """The postal code ending an address on this line, for the given countries (``None``:
    any this module knows, the UK's first). The UK's is `proof_of_address`'s own reading."""
    upper = text.upper().strip()
    wanted = countries

    def allowed(country: str) -> bool:
        return wanted is None or country in wanted

    if allowed("USA"):
        match = _ZIP.search(upper)
        if match is not None and match.group(1) in _US_STATES:
            return PostalCode(match.group(2), "USA", match.start(2), match.end(2))
    if allowed("IRL"):
        match = _EIRCODE.search(upper)
        if match is not None and any(c.isalpha() for c in upper[: match.start()]):
            code = f"{match.group(1)} {match.group(2)}"
            return PostalCode(code, "IRL", match.start(), match.end())
    prefix = _PREFIX.match(upper)
    offset = prefix.end() if prefix is not None else 0
    for pattern, pattern_countries in _CONTINENTAL:
        options = [c for c in pattern_countries if allowed(c)]
        if not options:
            continue
        for start in dict.fromkeys((offset, 0)):
            match = pattern.match(upper, start)
            if match is None:
                continue
            rest = upper[match.end() :]
            if _TOWN.match(rest) is None:  # a town, and no other number, must follow
                continue
            country = options[0] if len(options) == 1 else None
            return PostalCode(match.group(0).strip(), country, start, match.end())
    return None


def town_of(line: str, found: PostalCode) -> str:
    """The town on the code's line: after a digits-first code, before a ZIP's state or an
    Eircode, as printed (its case kept)."""
    if found.country == "USA":
        head = line[: found.start].rstrip(" ,")
        return re.sub(r"[\s,]+[A-Za-z]{2}\.?$", "", head).strip(" ,")
    if found.country == "IRL":
        return line[: found.start].strip(" ,")
    return line[found.end :].strip(" ,")
