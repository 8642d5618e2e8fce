"""Proof-of-address reading on traits of real bills that the benchmark's British generator
does not draw: American, Irish and continental postal codes and dates (in words, in other
languages, month first), addresses of two to five lines, and statements of several pages
(a PDF upload; a statement photographed page by page). Each bill is written here, line by
line, as issuers lay them out; none comes from the generator."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image, ImageDraw, ImageFont

from openidv.capture.pdf import render_first_page
from openidv.checks.postal_codes import find_postal_code
from openidv.checks.proof_of_address import (
    Statement,
    combined,
    document_fields,
    find_date,
    read_statement,
)
from tests.api.bills import column, line, read_scan


@pytest.mark.parametrize(
    ("text", "code", "country"),
    [("SPRINGFIELD, IL 62704-1234", "62704-1234", "USA"), ("Austin TX 78701", "78701", "USA"),
     ("Dublin 2 D02 X285", "D02 X285", "IRL"), ("1012 AB Amsterdam", "1012 AB", "NLD"),
     ("00-950 Warszawa", "00-950", "POL"), ("1000-001 Lisboa", "1000-001", "PRT"),
     ("75002 PARIS", "75002", None), ("D-10115 Berlin", "10115", None),
     ("8001 Zürich", "8001", None),
     # Numbers of the same shapes on a bill's other lines.
     ("Account 12345", None, None), ("12345 ACCOUNT 0042", None, None),
     ("Total 62704", None, None), ("NO 12345", None, None), ("Page 1 of 2", None, None)],
)  # fmt: skip
def test_postal_codes_of_other_countries(text: str, code: str | None, country: str | None) -> None:
    found = find_postal_code(text)
    assert (found.code if found else None) == code
    if found is not None:
        assert found.country == country


@pytest.mark.parametrize(
    ("text", "month_first", "expected"),
    [("Statement Date: March 14, 2026", True, dt.date(2026, 3, 14)),
     ("Statement Date: 03/04/2026", True, dt.date(2026, 3, 4)),
     ("Bill date: 03/04/2026", False, dt.date(2026, 4, 3)),
     ("Rechnungsdatum: 3. März 2026", False, dt.date(2026, 3, 3)),
     ("Date de facture : 1er février 2026", False, dt.date(2026, 2, 1)),
     ("Fecha de emisión: 9 de octubre de 2025", False, dt.date(2025, 10, 9)),
     ("Data emissione 12 gennaio 2026", False, dt.date(2026, 1, 12)),
     ("Issued 2nd Jan. 2026", False, dt.date(2026, 1, 2))],
)  # fmt: skip
def test_dates_in_words_and_orders(text: str, month_first: bool, expected: dt.date) -> None:
    assert find_date(text, month_first=month_first) == expected


def test_an_american_bill() -> None:
    boxes = [
        line("PRAIRIE POWER & LIGHT", 80, 80, 54),
        *column(["PO Box 6400", "Chicago, IL 60680-6400"], 760, 80),
        *column(
            ["JANE Q PUBLIC", "1234 ELM STREET", "APT 5B", "SPRINGFIELD, IL 62704-1234"], 120, 330
        ),
        line("Statement Date: 03/04/2026", 760, 330),
        line("Service period: 01/28/2026 to 02/27/2026", 760, 370),
        line("Payment due by March 25, 2026", 760, 410),
    ]
    statement = read_statement(boxes, 1650, countries=frozenset({"USA"}), month_first=True)
    assert statement.name == "JANE Q PUBLIC" and statement.postcode == "62704-1234"
    assert statement.document_date == dt.date(2026, 3, 4)
    assert statement.issuer == "PRAIRIE POWER & LIGHT"
    address = document_fields(statement, "USA")["structured_postal_address"]
    assert address["town_city"] == "SPRINGFIELD" and address["country_iso"] == "USA"
    assert address["address_line2"] == "APT 5B"


def test_a_french_bill_with_a_five_line_address_and_its_countryline() -> None:
    boxes = [
        line("Énergies du Littoral SA", 80, 80, 54),
        *column(["Service clients", "BP 40123", "44001 NANTES CEDEX 1"], 80, 150),
        *column(
            [
                "Mme Claire Dubois",
                "Résidence Les Tilleuls",
                "Bâtiment B, appartement 12",
                "12 rue de la Paix",
                "Lieu-dit Le Moulin",
                "75002 PARIS",
                "FRANCE",
            ],
            700,
            330,
        ),
        line("Date de facture : 1er mars 2026", 80, 330),
        line("Période du 1 janvier au 28 février 2026", 80, 370),
        line("À payer avant le 20 mars 2026", 80, 410),
    ]
    statement = read_statement(boxes, 1754, countries=frozenset({"FRA"}))
    assert statement.name == "Mme Claire Dubois"
    assert statement.postcode == "75002"
    assert len(statement.address_lines) == 5 and statement.address_lines[-1] == "75002 PARIS"
    assert statement.document_date == dt.date(2026, 3, 1)
    address = document_fields(statement, "FRA")["structured_postal_address"]
    assert address["town_city"] == "PARIS" and address["postal_code"] == "75002"


def test_a_german_bill_with_a_two_line_address() -> None:
    boxes = [
        line("Stadtwerke Musterstadt GmbH", 80, 80, 54),
        *column(["Stadtwerke Musterstadt GmbH", "Postfach 12 34", "12345 Musterstadt"], 80, 170),
        *column(["Herr Jürgen Müller", "Hauptstraße 5", "D-10115 Berlin"], 80, 330),
        line("Rechnungsdatum: 3. März 2026", 760, 330),
        line("Zeitraum 01.01.2026 bis 31.01.2026", 760, 370),
        line("Fällig am 17.03.2026", 760, 410),
    ]
    statement = read_statement(boxes, 1754, countries=frozenset({"DEU"}))
    assert statement.name == "Herr Jürgen Müller" and statement.postcode == "10115"
    assert statement.document_date == dt.date(2026, 3, 3)
    address = document_fields(statement, "DEU")["structured_postal_address"]
    assert address["town_city"] == "Berlin" and address["address_line1"] == "Hauptstraße 5"


def test_an_irish_bill_read_without_a_country_chosen() -> None:
    boxes = [
        line("LIFFEY BROADBAND", 80, 80, 54),
        *column(
            ["Mr Cian Byrne", "Apartment 4", "22 Baggot Street Upper", "Dublin 4 D04 V1W8"], 80, 330
        ),
        line("Invoice date 2 February 2026", 760, 330),
    ]
    statement = read_statement(boxes, 1754, countries=None)
    assert statement.postcode == "D04 V1W8" and statement.country == "IRL"
    assert document_fields(statement, None)["structured_postal_address"]["country_iso"] == "IRL"


def test_a_statement_of_several_pages() -> None:
    """The address on the first page, the date only on the second: both are kept; a page of
    rows read first does not pass for the addressee's."""
    rows = Statement(None, (), None, None, "HARBOUR BANK PLC", 0.99)
    front = Statement("Ms Ada Lovelace", ("12 Mill Lane", "Leeds LS6 2QB"), "LS6 2QB", None,
                      "HARBOUR BANK PLC", 0.95)  # fmt: skip
    dated = Statement(None, (), None, dt.date(2026, 2, 7), None, 0.9)
    whole = combined([rows, front, dated])
    assert whole.name == "Ms Ada Lovelace" and whole.document_date == dt.date(2026, 2, 7)
    assert whole.confidence == 0.9 and whole.missing() == []


def _page(lines: list[tuple[str, int, int, int]]) -> Image.Image:
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    for text, left, top, size in lines:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
        draw.text((left, top), text, fill="black", font=font)
    return page


def test_a_multi_page_pdf_statement_is_read_from_its_first_page() -> None:
    """A three-page American statement saved as PDF (transactions with their own dates on
    pages two and three), uploaded as the client API takes it (its first page drawn by
    PDFium), then read by the real recogniser."""
    first = _page([
        ("Lakeshore Savings Bank", 90, 90, 56),
        ("PO Box 3300, Milwaukee, WI 53201", 90, 170, 24),
        ("ROBERT T MARTINEZ", 130, 360, 30),
        ("4827 W NORTH AVE", 130, 400, 30),
        ("UNIT 2", 130, 440, 30),
        ("MILWAUKEE, WI 53208-1121", 130, 480, 30),
        ("Statement Date: January 31, 2026", 700, 360, 26),
        ("Statement period: 01/01/2026 to 01/31/2026", 700, 400, 22),
        ("Page 1 of 3", 1000, 1650, 20),
    ])  # fmt: skip
    rest = [
        _page([(f"01/{day:02d}/2026  POS PURCHASE  {day * 7}.25", 90, 120 + 50 * day, 24)
               for day in range(1, 20)] + [(f"Page {n} of 3", 1000, 1650, 20)])
        for n in (2, 3)
    ]  # fmt: skip
    out = io.BytesIO()
    first.save(out, format="PDF", save_all=True, append_images=rest, resolution=150)
    jpeg = render_first_page(out.getvalue())
    result = read_scan(jpeg, "BANK_STATEMENT", "USA")
    assert result.decided, result.recommendation
    fields = json.loads(result.media[0].content)
    address = fields["structured_postal_address"]
    assert address["postal_code"] == "53208-1121" and address["country_iso"] == "USA"
    assert fields["date_of_issue"] == "2026-01-31"
    assert fields["full_name"].replace(" ", "") == "ROBERTTMARTINEZ"
