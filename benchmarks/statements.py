"""Generated British proofs of address (bills and statements) with their truth, for
``benchmarks/proof_of_address.py`` and the proof-of-address tests.

Each seed draws one document: its kind (electricity, gas, water or broadband bill, bank or
credit-card statement, council tax bill), a fictitious issuer, an addressee and a UK address
(3 to 5 lines, the town and postcode on one line or two), the document date with one of the
labels issuers print ("Bill date", "Statement date", "Date of issue"...), and what makes the
reading hard on real ones: other dates (the period, the payment due date, a bank statement's
transactions), the issuer's own address with its postcode (in the heading or the footer), an
account number, a coloured logo band. Layouts differ in where the heading and the address
block stand (a window envelope's top left, the right column, under the heading), fonts in
family (DejaVu Sans, Serif, Mono, Condensed) and size. Pages are A4 at 150 dpi, then
degraded as a scan or a phone photo would (``vision.synth.degrade``).

Every name, company and address is invented; postcodes are well-formed, not real addresses.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from openidv.vision.synth.degrade import Degradation, apply_degradation, photocopy

PAGE = (1240, 1754)  # A4 at 150 dpi
DEGRADATIONS = ("clean", "jpeg", "blur", "noise", "rotation", "perspective", "lowres", "photocopy")
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
}
KINDS = {
    "electricity bill": (["Brightside Energy", "VOLTARA POWER LTD", "Northern Lights Electric"],
                         ["Bill date", "Date of bill", "Bill issued"]),
    "gas bill": (["Hearthstone Gas", "CALDER GAS SUPPLY", "Blue Flame Energy plc"],
                 ["Bill date", "Date of issue"]),
    "water bill": (["NORTHERN WATER LTD", "Severnvale Water", "Tamar & Exe Water"],
                   ["Bill date", "Date of issue", "Invoice date"]),
    "broadband bill": (["Fibrelink Broadband", "SKYLARK TELECOM", "Kestrel Mobile"],
                       ["Bill date", "Invoice date"]),
    "bank statement": (["Harbour Bank plc", "THAMES & MERSEY BANK", "Oakridge Building Society"],
                       ["Statement date", "Date of statement", "Statement issued"]),
    "credit card statement": (["Lumen Card Services", "ARGENT CARD"], ["Statement date"]),
    "council tax bill": (["Westfield Borough Council", "Ashby District Council",
                          "CITY OF LANMOUTH COUNCIL"], ["Date of issue", "Issue date"]),
}  # fmt: skip
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"]
GIVEN = ["Ada", "John", "Priya", "Olusegun", "Siobhan", "Wei", "Fatima", "Gareth", "Agnieszka",
         "Tomasz", "Eleanor", "Hamish", "Aisha", "Rhys", "Niamh", "Kwame"]  # fmt: skip
FAMILY = ["Lovelace", "Smith", "Patel", "Okafor", "O'Neill", "Chen", "Rahman", "Llewellyn",
          "Kowalska", "Nowak", "Fairweather", "MacLeod", "Begum", "Price-Jones", "Byrne",
          "Mensah"]  # fmt: skip
STREETS = ["St James's Square", "Harbour Road", "Mill Lane", "Victoria Street", "Kings Avenue",
           "Church Close", "Orchard Way", "Station Road", "Queensway", "Beech Grove"]  # fmt: skip
LOCALITIES = ["Heaton", "Old Town", "Kingsmead", "Westbury Park", "Moorside"]
TOWNS = [("London", "SW1Y 4JH"), ("Manchester", "M14 5RT"), ("Leeds", "LS6 2QB"),
         ("Cardiff", "CF24 3AA"), ("Glasgow", "G12 8QQ"), ("Bristol", "BS8 1TH"),
         ("Norwich", "NR2 4PD"), ("Belfast", "BT7 1NN"), ("Newcastle upon Tyne", "NE1 7RU"),
         ("Edinburgh", "EH8 9YL"), ("Birmingham", "B15 2TT"), ("York", "YO10 5DD")]  # fmt: skip
ISSUER_ADDRESSES = [("PO Box 418", "Sheffield S98 1AB"),
                    ("Customer House, 1 Quay Street", "Hull HU1 1AA"),
                    ("Registered office: 20 Canal Street", "Reading RG1 2NB")]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """A generated document and what should be read from it."""

    seed: int
    kind: str
    layout: str
    font: str
    degradation: str
    image: bytes
    name: str
    address_lines: tuple[str, ...]  # as printed, the postcode's line last
    postcode: str
    document_date: dt.date
    issuer: str


def _date_text(rng: random.Random, date: dt.date) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
    if style == 1:
        return f"{date.day:02d}/{date.month:02d}/{date.year}"
    if style == 2:
        return f"{date.day} {MONTHS[date.month - 1][:3]} {date.year}"
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(date.day, "th")
    return f"{date.day}{suffix} {MONTHS[date.month - 1]} {date.year}"


def _font(family: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_FONT_DIR / FONTS[family][int(bold)]), size)


def _address(rng: random.Random) -> tuple[str, list[str], str]:
    name = f"{rng.choice(TITLES)} {rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    if rng.random() < 0.3:
        name = name.upper()
    town, postcode = rng.choice(TOWNS)
    lines = []
    if rng.random() < 0.35:
        lines.append(f"Flat {rng.randint(1, 24)}")
    lines.append(f"{rng.randint(1, 240)} {rng.choice(STREETS)}")
    if rng.random() < 0.3:
        lines.append(rng.choice(LOCALITIES))
    if rng.random() < 0.5:
        lines += [town, postcode]
    else:
        lines.append(f"{town} {postcode}")
    if rng.random() < 0.25:
        lines = [line.upper() for line in lines]
    return name, lines, postcode


def generate_statement(seed: int, degradation: str | None = None) -> Statement:
    rng = random.Random(f"statement:{seed}")
    kind = rng.choice(sorted(KINDS))
    issuers, labels = KINDS[kind]
    issuer, label = rng.choice(issuers), rng.choice(labels)
    family = rng.choice(sorted(FONTS))
    size = rng.randint(24, 32)
    text, small = _font(family, False, size), _font(family, False, int(size * 0.8))
    heading = _font(family, True, int(size * rng.uniform(1.6, 2.1)))
    layout = rng.choice(("envelope-left", "right-column", "under-heading"))
    name, lines, postcode = _address(rng)
    document_date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(500))

    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    margin = rng.randint(70, 110)
    gap = int(size * 1.45)
    if rng.random() < 0.5:  # a coloured logo band left of the heading
        colour = tuple(rng.randint(20, 200) for _ in range(3))
        draw.rectangle((margin, 60, margin + 90, 150), fill=colour)
        heading_x = margin + 120
    else:
        heading_x = margin
    issuer_address = rng.choice(ISSUER_ADDRESSES)
    in_heading = rng.random() < 0.5
    # The heading stops a gutter short of the issuer's address beside it.
    room = (PAGE[0] - margin - 420 - 60 if in_heading else PAGE[0] - margin) - heading_x
    while draw.textlength(issuer, font=heading) > room and heading.size > size:
        heading = _font(family, True, int(heading.size) - 2)
    draw.text((heading_x, 75), issuer, font=heading, fill="black")
    if in_heading:  # the issuer's own address, top right, small
        for row, line in enumerate(issuer_address):
            draw.text((PAGE[0] - margin - 420, 80 + row * int(gap * 0.8)), line, font=small,
                      fill=(60, 60, 60))  # fmt: skip
    block = [name, *lines]
    if layout == "envelope-left":
        ax, ay, ix, iy = margin, 330, 700, 330
    elif layout == "right-column":
        ax, ay, ix, iy = 700, 300, margin, 300
    else:
        ax, ay, ix, iy = margin, 230, 700, 620
    for row, line in enumerate(block):
        draw.text((ax, ay + row * gap), line, font=text, fill="black")
    period_start = document_date - dt.timedelta(days=rng.randint(28, 92))
    info = [
        f"{label}: {_date_text(rng, document_date)}",
        f"Account number: {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        f"Period: {_date_text(rng, period_start)} to "
        f"{_date_text(rng, document_date - dt.timedelta(days=1))}",
    ]
    if kind != "bank statement":
        due = document_date + dt.timedelta(days=rng.randint(10, 28))
        info.append(f"Payment due by {_date_text(rng, due)}")
    rng.shuffle(info)
    # Columns keep a gutter of at least 1 cm, as printed bills do: a line too long for its
    # column is wrapped at its last space that fits (the period's "to" starts a new line).
    font = small if ix > 600 else text
    width = (PAGE[0] - margin - ix) if ix > ax else (ax - 60 - ix)
    wrapped = []
    for whole in info:
        line = whole
        while draw.textlength(line, font=font) > width and " " in line:
            spaces = [i for i, c in enumerate(line) if c == " "]
            fitting = [i for i in spaces if draw.textlength(line[:i], font=font) <= width]
            cut = line.find(" to ")
            if cut < 0 or cut not in fitting:
                cut = fitting[-1] if fitting else spaces[0]
            wrapped.append(line[:cut])
            line = line[cut + 1 :]
        wrapped.append(line)
    info = wrapped
    for row, line in enumerate(info):
        draw.text((ix, iy + row * gap), line, font=font, fill="black")
    y = max(ay + len(block) * gap, iy + len(info) * gap) + 3 * gap
    if kind in ("bank statement", "credit card statement"):
        draw.text(
            (margin, y), "Date        Description                 Amount", font=text, fill="black"
        )
        for row in range(rng.randint(4, 9)):
            day = period_start + dt.timedelta(days=rng.randrange(28))
            amount = rng.uniform(2, 400)
            row_text = (
                f"{day.day:02d}/{day.month:02d}/{day.year}   "
                f"CARD PAYMENT {rng.randint(100, 999)}   {amount:.2f}"
            )
            draw.text((margin, y + (row + 1) * gap), row_text, font=small, fill="black")
    else:
        total = rng.uniform(20, 300)
        draw.text((margin, y), f"Amount due: £{total:.2f}", font=text, fill="black")
        draw.text(
            (margin, y + gap), "Thank you for paying by Direct Debit.", font=text, fill="black"
        )
    if not in_heading:  # the issuer's address in the footer, with its postcode
        footer = ", ".join(issuer_address)
        draw.text((margin, PAGE[1] - 140), f"{issuer}, {footer}", font=small, fill=(60, 60, 60))
    draw.text((margin, PAGE[1] - 100), "Page 1 of 2", font=small, fill=(60, 60, 60))

    chosen = degradation or rng.choice(DEGRADATIONS)
    pixels = np.asarray(page, dtype=np.uint8)
    if chosen == "photocopy":
        pixels = photocopy(rng, pixels)
    else:
        pixels = apply_degradation(rng, pixels, Degradation(chosen))
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG" if chosen == "clean" else "JPEG", quality=88)
    return Statement(
        seed, kind, layout, family, chosen, out.getvalue(), name, tuple(lines), postcode,
        document_date, issuer,
    )  # fmt: skip
