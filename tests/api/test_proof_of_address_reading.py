"""Proof-of-address reading (``checks/proof_of_address.py``) on text lines laid out as bills
print them, and on generated bills and statements (``benchmarks/statements.py``, the
benchmark's generator): what must never pass for the addressee's address or the document's
date."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from openidv.checks.proof_of_address import (
    document_fields,
    find_postcode,
    read_statement,
)
from tests.api.bills import column, line, read_scan

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_addressee_block_not_the_issuers_own_address() -> None:
    boxes = [
        line("HARBOUR BANK PLC", 80, 80, 50),
        *column(["Registered office: 20 Canal Street", "Reading RG1 2NB"], 700, 80),
        *column(["Mr Wei Chen", "Flat 3", "51 Queensway", "York YO10 5DD"], 700, 300),
        line("Statement date: 7 February 2026", 80, 300),
    ]
    statement = read_statement(boxes, 1754)
    assert statement.name == "Mr Wei Chen"
    assert statement.postcode == "YO10 5DD"
    assert statement.address_lines == ("Flat 3", "51 Queensway", "York YO10 5DD")
    assert statement.issuer == "HARBOUR BANK PLC"
    assert statement.missing() == []
    address = document_fields(statement, None)["structured_postal_address"]
    assert address["town_city"] == "York" and address["address_line2"] == "51 Queensway"


def test_dates_that_are_not_the_documents() -> None:
    address = column(["Ms Ada Lovelace", "12 Mill Lane", "Leeds", "LS6 2QB"], 80, 300)
    due_only = [*address, line("Payment due date: 28 March 2026", 700, 300)]
    assert read_statement(due_only, 1754).document_date is None
    period = line("Period: 1 Feb 2026 to 28 Feb 2026", 700, 340)
    labelled = [*address, period, line("Bill date:14March 2026", 700, 380)]
    assert read_statement(labelled, 1754).document_date == dt.date(2026, 3, 14)
    # A statement's rows: several dates, none saying it is the document's.
    rows = [line(f"0{day}/02/2026 CARD PAYMENT {day}0.00", 80, 600 + day * 40) for day in (1, 2)]
    assert read_statement([*address, *rows], 1754).document_date is None
    one = [*address, line("14 March 2026", 700, 300)]
    assert read_statement(one, 1754).document_date == dt.date(2026, 3, 14)


def test_a_line_running_into_the_address_leaves_it_to_a_person() -> None:
    address = column(["Mr Tomasz Smith", "95 Mill Lane", "Glasgow", "G12 8QQ"], 700, 300)
    # The recogniser read a left-column line and an address line as one.
    merged = line("Period: 01/08/2025 to 15/09/2025 Westbury Park", 80, 334)
    statement = read_statement([*address, merged, line("Bill date: 2 Oct 2025", 80, 300)], 1754)
    assert any("another column" in what for what in statement.missing())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("York Y010 5DD", "YO10 5DD"), ("Hull HU11AA", "HU1 1AA"), ("SW1Y 4JH", "SW1Y 4JH"),
     ("Sheffield S981AB", "S98 1AB"), ("Account number: 9498 4372", None),
     ("Page 1 of 2", None), ("Amount due: £117.78", None), ("Kestrel Mobile", None),
     ("MOBILE", None), ("Westbury Park", None)],
)  # fmt: skip
def test_postcodes_as_the_recogniser_reads_them(text: str, expected: str | None) -> None:
    assert find_postcode(text) == expected


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("statements", BENCHMARKS / "statements.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["statements"] = module
    spec.loader.exec_module(module)
    return module


def test_generated_statements_never_pass_a_wrong_address_or_date() -> None:
    """Six generated documents (kinds, layouts and fonts drawn by seed; scanned as JPEG): a
    decided reading has the document's name, postcode and date; most are decided."""
    generator = _generator()
    decided = 0
    for seed in range(6):
        statement = generator.generate_statement(seed, "jpeg")
        image: bytes = statement.image
        result = read_scan(image, "UTILITY_BILL", "GBR")
        if not result.decided:
            continue
        decided += 1
        fields = json.loads(result.media[0].content)
        assert fields["structured_postal_address"]["postal_code"] == statement.postcode, seed
        assert fields["date_of_issue"] == statement.document_date.isoformat(), seed
        assert fields["full_name"].replace(" ", "") == statement.name.replace(" ", ""), seed
    assert decided >= 4
