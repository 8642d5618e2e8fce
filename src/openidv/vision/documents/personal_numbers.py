"""Dates of birth that national personal numbers encode, by their published schemes.

Some issuers print the holder's date of birth only inside a personal number (Romania's
identity cards print the CNP and no date of birth). Where a state's number follows a
documented scheme with a check digit, the date it encodes is printed evidence of the date of
birth as much as a printed date is: the number must be of the MRZ's issuing state or
nationality, its check digit must hold, and the sex it encodes must be the MRZ's. Each
scheme below is the state's own published definition:

* Romania, CNP (13 digits): S YYMMDD JJ NNN C. S gives sex (odd male, even female) and
  century (1/2: 1900s, 3/4: 1800s, 5/6: 2000s; 7-9, residents and foreigners, give none);
  C is the weighted sum with 279146358279 mod 11 (10 counts as 1).
* Bulgaria, EGN (10 digits): YYMMDD RRR C, the month plus 20 for the 1800s and plus 40 for
  the 2000s; the ninth digit even for a male; C is the weighted sum with 2,4,8,5,10,9,7,3,6
  mod 11 (10 counts as 0).
* Poland, PESEL (11 digits): YYMMDD ZZZ P C, the month plus 80 (1800s), 0 (1900s), 20
  (2000s), 40 (2100s), 60 (2200s); P odd for a male; C = (10 - weighted sum with
  1379137913 mod 10) mod 10.
* Estonia and Lithuania, isikukood / asmens kodas (11 digits): G YYMMDD NNN C, G giving sex
  (odd male) and century (1/2: 1800s, 3/4: 1900s, 5/6: 2000s); C is the sum weighted
  1234567891 mod 11, or, when that is 10, weighted 3456789123 mod 11 (10 counts as 0).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from openidv.vision.documents.dates import Date

__all__ = ["SCHEMES", "birth_dates"]

# A scheme reads the digits of one number into (date of birth, sex), or None when they are
# not a valid number of its kind.
Scheme = Callable[[str], tuple[Date, str] | None]


def _date(year: int, month: int, day: int) -> Date | None:
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return year, month, day


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def _cnp(digits: str) -> tuple[Date, str] | None:
    if len(digits) != 13:
        return None
    check = _weighted(digits, (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)) % 11
    if (1 if check == 10 else check) != int(digits[12]):
        return None
    centuries = {"1": 1900, "2": 1900, "3": 1800, "4": 1800, "5": 2000, "6": 2000}
    century = centuries.get(digits[0])
    if century is None:
        return None
    date = _date(century + int(digits[1:3]), int(digits[3:5]), int(digits[5:7]))
    return (date, "M" if int(digits[0]) % 2 else "F") if date else None


def _egn(digits: str) -> tuple[Date, str] | None:
    if len(digits) != 10:
        return None
    check = _weighted(digits, (2, 4, 8, 5, 10, 9, 7, 3, 6)) % 11
    if (0 if check == 10 else check) != int(digits[9]):
        return None
    month = int(digits[2:4])
    century = 1900
    if month > 40:
        century, month = 2000, month - 40
    elif month > 20:
        century, month = 1800, month - 20
    date = _date(century + int(digits[:2]), month, int(digits[4:6]))
    return (date, "F" if int(digits[8]) % 2 else "M") if date else None


def _pesel(digits: str) -> tuple[Date, str] | None:
    if len(digits) != 11:
        return None
    check = (10 - _weighted(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10
    if check != int(digits[10]):
        return None
    month = int(digits[2:4])
    century = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}[month // 20]
    date = _date(century + int(digits[:2]), month % 20, int(digits[4:6]))
    return (date, "M" if int(digits[9]) % 2 else "F") if date else None


def _isikukood(digits: str) -> tuple[Date, str] | None:
    if len(digits) != 11:
        return None
    check = _weighted(digits, (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)) % 11
    if check == 10:
        check = _weighted(digits, (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)) % 11
    if (0 if check == 10 else check) != int(digits[10]):
        return None
    centuries = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
    century = centuries.get(digits[0])
    if century is None:
        return None
    date = _date(century + int(digits[1:3]), int(digits[3:5]), int(digits[5:7]))
    return (date, "M" if int(digits[0]) % 2 else "F") if date else None


# ICAO 9303 codes of the states whose numbers encode the date of birth as above.
SCHEMES: dict[str, Scheme] = {
    "ROU": _cnp,
    "BGR": _egn,
    "POL": _pesel,
    "EST": _isikukood,
    "LTU": _isikukood,
}
# The number is printed as one run of 10-13 digits, often after a caption ("CNP
# 1850509204994"); a run inside a longer one is not a number of its own.
_RUN = re.compile(r"(?<![0-9])[0-9]{10,13}(?![0-9])")


def birth_dates(text: str, states: set[str], sex: str | None) -> set[Date]:
    """The dates of birth the personal numbers printed in ``text`` encode, for numbers of
    ``states`` (the MRZ's issuing state and nationality) whose check digit holds and whose
    encoded sex is ``sex`` (when the MRZ gives M or F)."""
    schemes = {SCHEMES[state] for state in states if state in SCHEMES}
    if not schemes:
        return set()
    found: set[Date] = set()
    for run in _RUN.findall(text):
        for scheme in schemes:
            read = scheme(run)
            if read is not None and (sex not in ("M", "F") or read[1] == sex):
                found.add(read[0])
    return found
