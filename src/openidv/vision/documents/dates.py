"""Dates as identity documents print them.

``12 AUG/AOÛT 1964`` (a month name, often in two languages), ``12.08.1964``, ``12 08 1964``,
``07 DEC 84`` (two-digit years), ``1964-08-12``, with the letters a recogniser reads for
digits (``O1.O8.1964``) and lost separators (``21.121971``, ``23111959``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["Date", "parse_date", "printed_dates"]

Date = tuple[int, int, int]  # (year, month, day); year < 100 when printed with two digits

# Month names and abbreviations as documents print them (accents removed): English, French,
# German, Spanish, Italian, Dutch, Portuguese and the Scandinavian languages.
_MONTH_NAMES = (
    ("JAN", "JANV", "GEN", "ENE"),
    ("FEB", "FEV", "FEBR"),
    ("MAR", "MARS", "MAER", "MRT"),
    ("APR", "AVR", "ABR"),
    ("MAY", "MAI", "MAG", "MEI", "MAJ", "MAIO"),
    ("JUN", "JUIN", "GIU", "JUNI"),
    ("JUL", "JUIL", "LUG", "JULI"),
    ("AUG", "AOU", "AOUT", "AGO"),
    ("SEP", "SEPT", "SET"),
    ("OCT", "OKT", "OTT", "OUT"),
    ("NOV",),
    ("DEC", "DEZ", "DIC"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8"})
_DIGITISH = re.compile(r"\b(?=[0-9OIL]*[0-9])[0-9OIL]{2,4}\b")
# Day, month name (or the same month in two languages: 12 AUG/AOU 1964), year.
_TEXT_DATE = re.compile(
    r"(?<![0-9])([0-3]?[0-9])\s*[./ -]?\s*((?:[A-Z]{3,5}\.?\s*/\s*)*[A-Z]{3,5})\.?"
    r"\s*[./ -]?\s*([0-9]{4}|[0-9]{2})(?![0-9])"
)
# Day, month, year in digits; the separator before a four-digit year is sometimes lost.
_NUMERIC_DATE = re.compile(
    r"(?<![0-9])([0-3]?[0-9])\s*[./ -]\s*([01]?[0-9])"
    r"(?:\s*[./ -]\s*([0-9]{4}|[0-9]{2})|([0-9]{4}))(?![0-9])"
)
# Day, month and four-digit year with every separator lost (``23 11 1959`` read as
# ``23111959``): eight digits standing alone. Only looked for by `printed_dates`, where a
# date must be the MRZ's to count; a caption's value is never parsed so (`parse_date`: an
# eight-digit number under a date caption is no evidence of a date).
_RUN_DATE = re.compile(r"(?<![0-9])([0-3][0-9])([01][0-9])([12][0-9]{3})(?![0-9])")
_ISO_DATE = re.compile(r"(?<![0-9])([12][0-9]{3})\s*[./-]\s*([01][0-9])\s*[./-]\s*([0-3][0-9])")


def _normalised(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.upper())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    # Letters read in place of digits inside a group of digits (O1.O8.1964).
    return _DIGITISH.sub(lambda match: match.group(0).translate(_DIGIT_LOOKALIKES), plain)


def _dates(text: str) -> list[Date]:
    """The dates of a line in reading order; a numeric one day-first, then month-first."""
    cleaned = _normalised(text)
    found: list[Date] = []
    for day, month_names, year in _TEXT_DATE.findall(cleaned):
        for name in re.split(r"[\\s./]+", month_names):
            month = _MONTHS.get(name) or _MONTHS.get(name[:3])
            if month is not None:
                found.append((int(year), month, int(day)))
                break
    for first, second, short_or_long, joined in _NUMERIC_DATE.findall(cleaned):
        year = int(short_or_long or joined)
        found += [(year, int(second), int(first)), (year, int(first), int(second))]
    found += [(int(y), int(mo), int(d)) for y, mo, d in _ISO_DATE.findall(cleaned)]
    return [date for date in found if _is_calendar_date(date)]


def printed_dates(text: str) -> set[Date]:
    """Every date a printed line holds, as (year, month, day); a two-digit year stays as
    printed (< 100). Numeric dates are taken both day-first and month-first, eight digits
    run together too (``23111959``)."""
    found = set(_dates(text))
    for first, second, year in _RUN_DATE.findall(_normalised(text)):
        for date in ((int(year), int(second), int(first)), (int(year), int(first), int(second))):
            if _is_calendar_date(date):
                found.add(date)
    return found


def _is_calendar_date(date: Date) -> bool:
    year, month, day = date
    try:
        dt.date(year if year >= 100 else 2000 + year, month, day)
    except ValueError:
        return False
    return True


def parse_date(text: str, *, today: dt.date | None = None) -> str | None:
    """The first date of a printed value as an ISO date (day-first where numeric), a
    two-digit year put in the nearest plausible century; None when it holds none."""
    dates = _dates(text)
    if not dates:
        return None
    year, month, day = dates[0]
    if year < 100:
        this_year = (today or dt.date.today()).year
        year += 2000 if year <= this_year % 100 + 20 else 1900
    return dt.date(year, month, day).isoformat()
