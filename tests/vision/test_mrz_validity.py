"""The validity of France's old national identity card, whose MRZ has no expiry date: ten
years from the issue month in its card number, fifteen for an adult's card issued from 2004."""

from __future__ import annotations

import datetime as dt

import pytest

from openidv.vision.mrz import MrzFormat, compute_check_digit, parse_mrz
from openidv.vision.mrz.validity import expired_without_expiry_date, fra_cni_expiry_bounds


def _card(number: str, birth: str, surname: str = "MARTIN", given: str = "LUCIE") -> list[str]:
    """A card's two lines with their check digits (department 750, office 123)."""
    line1 = f"IDFRA{surname:<<25}750123"
    body = f"{number}{compute_check_digit(number)}{given:<<14}{birth}{compute_check_digit(birth)}F"
    line2 = body + str(compute_check_digit(line1 + body))
    return [line1, line2]


TODAY = dt.date(2026, 12, 2)


def test_a_card_of_1994_expired_ten_years_later() -> None:
    result = parse_mrz(_card("940975012345", "651206"), today=TODAY)
    assert result.format is MrzFormat.FRA_CNI and result.valid
    assert fra_cni_expiry_bounds(result) == (dt.date(2004, 9, 1), dt.date(2004, 9, 30))
    assert expired_without_expiry_date(result, TODAY) is True
    assert expired_without_expiry_date(result, dt.date(2004, 8, 31)) is False


def test_an_adults_card_of_2012_is_valid_fifteen_years() -> None:
    result = parse_mrz(_card("120375012345", "800101"), today=TODAY)
    assert fra_cni_expiry_bounds(result) == (dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    assert expired_without_expiry_date(result, TODAY) is False


def test_a_minors_card_of_2012_is_valid_ten_years() -> None:
    result = parse_mrz(_card("120375012345", "000101"), today=TODAY)
    assert fra_cni_expiry_bounds(result) == (dt.date(2022, 3, 1), dt.date(2022, 3, 31))
    assert expired_without_expiry_date(result, TODAY) is True


@pytest.mark.parametrize("day", [1, 15, 31])
def test_inside_the_expiry_month_the_card_is_undecided(day: int) -> None:
    """The issue day is not coded: any day of the month might be the last valid one."""
    result = parse_mrz(_card("120375012345", "800101"), today=TODAY)
    assert expired_without_expiry_date(result, dt.date(2027, 3, day)) is (
        False if day == 1 else None
    )


def test_a_card_number_that_fails_its_check_digit_gives_no_validity() -> None:
    lines = _card("120375012345", "800101")
    lines[1] = "9" + lines[1][1:]  # the year of issue altered: its check digit no longer holds
    result = parse_mrz(lines, today=TODAY)
    assert fra_cni_expiry_bounds(result) is None
    assert expired_without_expiry_date(result, TODAY) is None
