"""Whether a document is past its validity, for layouts whose MRZ carries no expiry date.

France's national identity card of 1988-2021 (`layouts.FRA_CNI`) prints its expiry only in
the visual zone, but its card number starts with the year and month of issue (YYMM), and
French law fixes the validity from that: ten years, or fifteen for a card issued from
2 January 2004 to a holder of age (the 2014 extension of décret 2013-1188). The issue day is
not coded, so the expiry is known to the month: a date inside that month is undecided.
"""

from __future__ import annotations

import datetime as dt

from openidv.vision.mrz.result import MrzFormat, MrzResult

# Cards of this layout were issued from 1988 to 2021: a two-digit year above this is 19YY.
_FRA_CNI_LAST_YEAR = 21
_FRA_CNI_LONGER_FROM = dt.date(2004, 1, 2)
_AGE_OF_MAJORITY = 18


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _fra_cni_issue_month(number: str) -> dt.date | None:
    if len(number) < 4 or not number[:4].isdigit():
        return None
    yy, month = int(number[:2]), int(number[2:4])
    if not 1 <= month <= 12:
        return None
    year = 2000 + yy if yy <= _FRA_CNI_LAST_YEAR else 1900 + yy
    if year < 1988:
        return None
    return dt.date(year, month, 1)


def _fra_cni_years(issued: dt.date, birth: dt.date) -> int:
    adult = _add_years(birth, _AGE_OF_MAJORITY) <= issued
    return 15 if issued >= _FRA_CNI_LONGER_FROM and adult else 10


def fra_cni_expiry_bounds(mrz: MrzResult) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest day a French national identity card can expire, from its
    card number's issue month and its holder's date of birth, both covered by their check
    digits; None when either is unreadable."""
    number, birth = mrz.document_number, mrz.date_of_birth
    if not (number.valid is True and birth.valid is True and number.value and birth.value):
        return None
    issued = _fra_cni_issue_month(number.value)
    if issued is None:
        return None
    born = dt.date.fromisoformat(birth.value)
    # Issued some day of that month: the first and last day give the two bounds (the holder's
    # majority may fall inside the month, so each bound takes its own validity).
    first, last = issued, _month_end(issued)
    return (
        _add_years(first, _fra_cni_years(first, born)),
        _add_years(last, _fra_cni_years(last, born)),
    )


def expired_without_expiry_date(mrz: MrzResult, today: dt.date) -> bool | None:
    """Past its validity (True), inside it (False), or undecided (None), for a layout whose
    MRZ has no expiry date."""
    if mrz.format is not MrzFormat.FRA_CNI:
        return None
    bounds = fra_cni_expiry_bounds(mrz)
    if bounds is None:
        return None
    earliest, latest = bounds
    if today > latest:
        return True
    if today <= earliest:
        return False
    return None
