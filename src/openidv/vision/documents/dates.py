"""Dates as identity documents print them.

``12 AUG/AOÛT 1964`` (a month name, often in two languages), ``12.08.1964``, ``12 08 1964``,
``07 DEC 84`` (two-digit years), ``1964-08-12``, with the letters a recogniser reads for
digits (``O1.O8.1964``) and lost separators (``21.121971``, ``23111959``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["Date", "holds_date", "parse_date", "printed_dates"]

Date = tuple[int, int, int]  # (year, month, day); year < 100 when printed with two digits

# Month names and abbreviations as documents print them (accents removed): English, French,
# German, Spanish, Italian, Dutch, Portuguese, the Nordic languages (Icelandic DES, MAI),
# Estonian, Latvian, Lithuanian, Hungarian, Polish, Czech, Slovak, Slovene and Turkish. An
# abbreviation that names two months in two languages (Polish LIS is November, Croatian
# LIS October; LIP, SRP likewise) is left out: such a date is not read rather than misread.
_MONTH_NAMES = (
    ("JAN", "JANV", "GEN", "ENE", "JAAN", "STY", "SAU", "OCA", "TAM"),
    ("FEB", "FEV", "FEBR", "VEEBR", "VAS", "LUT", "SUB", "HEL"),
    ("MAR", "MARS", "MAER", "MRT", "MARTS", "MARC", "KOV", "BRE"),
    ("APR", "AVR", "ABR", "BAL", "KWI", "NIS", "DUB", "HUH"),
    ("MAY", "MAI", "MAG", "MEI", "MAJ", "MAIO", "MAIJS", "GEG", "KVE", "TOU"),
    ("JUN", "JUIN", "GIU", "JUNI", "JUUNI", "BIR", "CZE", "HAZ", "KES"),
    ("JUL", "JUIL", "LUG", "JULI", "JUULI", "LIE", "TEM", "HEI"),
    ("AUG", "AOU", "AOUT", "AGO", "RGP", "SIE", "AGU", "ELO"),
    ("SEP", "SEPT", "SET", "SZEPT", "RGS", "WRZ", "ZAR", "EYL", "SYY"),
    ("OCT", "OKT", "OTT", "OUT", "SPA", "PAZ", "RIJ", "EKI", "LOK"),
    ("NOV", "LAP", "KAS"),
    ("DEC", "DEZ", "DIC", "DES", "DETS", "GRU", "PROS", "ARA", "JOU"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
# Look-alikes of one digit each (a recogniser's O for 0, I for 1...): a letter read in a
# digit's place stands for that digit alone, so a date read through them is the date
# printed, never one a digit away. Letters that resemble two digits (B: 8 or 3) stay out.
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "D": "0", "Q": "0", "C": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8",
     "Z": "2"}
)  # fmt: skip
# And the other way, digits read inside a month's name (0CT, N0V, 5EP).
_LETTER_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_DIGITISH = re.compile(r"\b(?=[0-9OIL]*[0-9])[0-9OIL]{2,4}\b")
# A day glued to the month's name (``1COKT``, ``O7DEC``): its two characters, one a digit,
# the other a digit or a look-alike, standing before three letters or more.
_GLUED_DAY = re.compile(
    r"(?<![0-9A-Z])([0-3][0-9ODQCILSZ]|[0-3ODQCIL][0-9])(?=[A-Z0-9]{3,5}(?:[^A-Z0-9]|$))"
)
# Day, month name (or the same month in two languages: 12 AUG/AOU 1964), year; the month
# may hold a digit read for one of its letters (0CT), and ends with a letter.
_TEXT_DATE = re.compile(
    r"(?<![0-9])([0-3]?[0-9])(\s*[./ -]?\s*)"
    r"((?:[A-Z0-9]{3,5}\.?\s*/\s*)*[A-Z0-9][A-Z0-9]{1,3}[A-Z])\.?"
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


def _normalised(text: str, *, glued: bool = False) -> str:
    """Upper case without accents, letters read in place of digits inside a group of digits
    made digits (O1.O8.1964); with ``glued``, also in a day glued to its month (1COKT: the
    10th). That reading is a second one: a one-digit day glued to a month that begins with
    a look-alike (2SEPT) would lose its month to it."""
    plain = unicodedata.normalize("NFKD", text.upper())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    plain = _DIGITISH.sub(lambda match: match.group(0).translate(_DIGIT_LOOKALIKES), plain)
    if glued:
        plain = _GLUED_DAY.sub(lambda match: match.group(0).translate(_DIGIT_LOOKALIKES), plain)
    return plain


def _month(name: str) -> int | None:
    """The month a printed name or abbreviation names (digits read for its letters folded
    back: 0CT), None for any other word."""
    letters = name.translate(_LETTER_LOOKALIKES)
    if sum(char.isalpha() for char in name) < 2:
        return None
    return _MONTHS.get(letters) or _MONTHS.get(letters[:3])


def _dates(text: str) -> list[Date]:
    """The dates of a line in reading order; a numeric one day-first, then month-first;
    then those only a day glued to its month shows (`_normalised`)."""
    found = _dates_in(_normalised(text))
    return found + [date for date in _dates_in(_normalised(text, glued=True)) if date not in found]


def _dates_in(cleaned: str) -> list[Date]:
    found: list[Date] = []
    for day, separator, month_names, year in _TEXT_DATE.findall(cleaned):
        names = re.split(r"[\s./]+", month_names)
        if not separator:
            # A day glued to a word that names no month (1COKT/OCT: the C is a digit the
            # recogniser misread) is not that day: only a month glued whole counts.
            names = names[:1]
        for name in names:
            month = _month(name)
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


_DAY_AND_MONTH = re.compile(r"(?<![0-9])[0-3]?[0-9]\s*[./ -]?\s*([A-Z0-9]{3,5})(?![A-Z])")


def holds_date(text: str) -> bool:
    """The text holds a date or part of one: a whole date, or a day and a month's name
    without the year (``25 MAY /MAY``, a date's line cut short)."""
    if printed_dates(text):
        return True
    cleaned = _normalised(text)
    return any(_month(name) is not None for name in _DAY_AND_MONTH.findall(cleaned))
