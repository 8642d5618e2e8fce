"""Random identities and the ICAO 9303 MRZ lines that encode them.

Check digits come from `openidv.vision.mrz.compute_check_digit`, the same code the reader
validates with, so the generator cannot drift from the parser; the tests additionally parse
every generated MRZ to prove the two agree on field positions.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum

from openidv.vision.mrz import compute_check_digit

__all__ = [
    "COUNTRIES",
    "Country",
    "DocFormat",
    "Identity",
    "compose_mrz",
    "mrz_name",
    "random_identity",
]

FILLER = "<"


class DocFormat(StrEnum):
    """The ICAO document layouts the generator renders."""

    TD1 = "TD1"  # ID card, 3 x 30
    TD2 = "TD2"  # ID card / travel document, 2 x 36
    TD3 = "TD3"  # passport data page, 2 x 44
    MRV_A = "MRV-A"  # full-size visa sticker, 2 x 44, no composite check digit
    MRV_B = "MRV-B"  # small visa sticker, 2 x 36, no composite check digit

    @property
    def is_visa(self) -> bool:
        return self in (DocFormat.MRV_A, DocFormat.MRV_B)


@dataclass(frozen=True)
class Country:
    """An issuing state: ICAO code, names as printed, and the second label language."""

    code: str  # ICAO code as in the MRZ, unpadded ('D' for Germany)
    name: str
    nationality: str
    language: str  # label language next to English: fr, de, es, it, nl
    cities: tuple[str, ...]
    surnames: tuple[str, ...]
    female_names: tuple[str, ...]
    male_names: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "UTO",
        "UTOPIA",
        "UTOPIAN",
        "fr",
        ("ZENITH", "ARCADIA", "LUMEN CITY", "NEW HAVEN"),
        ("ERIKSSON", "SPECIMEN", "MARLOWE", "OKONKWO", "VAN DER BERG", "HAYES", "LINDQVIST"),
        ("ANNA MARIA", "LUCY", "NADIA", "GRACE", "IRIS"),
        ("JOHN", "OMAR", "VIKTOR", "PETER JAMES", "KOFI"),
    ),
    Country(
        "D",
        "BUNDESREPUBLIK DEUTSCHLAND",
        "DEUTSCH",
        "de",
        ("BERLIN", "MUENCHEN", "HAMBURG", "KOELN", "LEIPZIG"),
        ("MUSTERMANN", "SCHMIDT", "WAGNER", "BECKER", "HOFFMANN", "SCHULZ"),
        ("ERIKA", "SABINE", "KATJA", "LENA MARIE", "HEIKE"),
        ("MAX", "JUERGEN", "STEFAN", "KLAUS PETER", "TOBIAS"),
    ),
    Country(
        "FRA",
        "REPUBLIQUE FRANCAISE",
        "FRANCAISE",
        "fr",
        ("PARIS", "LYON", "MARSEILLE", "TOULOUSE", "LILLE"),
        ("MARTIN", "BERNARD", "DUBOIS", "LEFEBVRE", "MOREAU", "GIRARD"),
        ("MARIE", "CAMILLE", "CHLOE", "SOPHIE ANNE", "ELODIE"),
        ("PIERRE", "LUCAS", "THOMAS", "JEAN LUC", "NICOLAS"),
    ),
    Country(
        "ESP",
        "REINO DE ESPANA",
        "ESPANOLA",
        "es",
        ("MADRID", "SEVILLA", "VALENCIA", "BILBAO", "ZARAGOZA"),
        ("GARCIA LOPEZ", "MARTINEZ", "SANCHEZ", "FERNANDEZ", "RUIZ", "ORTEGA"),
        ("CARMEN", "LUCIA", "MARIA JOSE", "ELENA", "PILAR"),
        ("JAVIER", "ANTONIO", "PABLO", "JOSE LUIS", "DIEGO"),
    ),
    Country(
        "ITA",
        "REPUBBLICA ITALIANA",
        "ITALIANA",
        "it",
        ("ROMA", "MILANO", "NAPOLI", "TORINO", "BOLOGNA"),
        ("ROSSI", "BIANCHI", "ESPOSITO", "COLOMBO", "RICCI", "DE LUCA"),
        ("GIULIA", "CHIARA", "FRANCESCA", "ANNA", "SARA"),
        ("MARCO", "LUCA", "GIUSEPPE", "ANDREA", "PAOLO"),
    ),
    Country(
        "NLD",
        "KONINKRIJK DER NEDERLANDEN",
        "NEDERLANDSE",
        "nl",
        ("AMSTERDAM", "UTRECHT", "ROTTERDAM", "DEN HAAG", "EINDHOVEN"),
        ("DE JONG", "JANSEN", "BAKKER", "VISSER", "SMIT", "MEIJER"),
        ("SANNE", "FLEUR", "ANOUK", "EMMA", "LOTTE"),
        ("DAAN", "SEM", "JEROEN", "BRAM", "WILLEM"),
    ),
)


@dataclass(frozen=True)
class Identity:
    """Everything printed on one document. Names are upper-case ASCII, as in the MRZ."""

    document_code: str  # 'P<', 'I<', 'ID', 'AC'
    country: Country
    surname: str
    given_names: str
    sex: str  # 'M', 'F' or 'X' (MRZ '<')
    date_of_birth: dt.date
    date_of_issue: dt.date
    expiry_date: dt.date
    document_number: str  # may exceed 9 characters on TD1/TD2 (ICAO long-number rule)
    optional_data: str  # personal number / optional data, '' when unused
    place_of_birth: str
    authority: str

    @property
    def code(self) -> str:
        return self.country.code


def _document_number(rng: random.Random, long: bool) -> str:
    letters = "CFGHJKLMNPRTVWXYZ"  # no I/O/S/B look-alikes, as many issuers do
    head = "".join(rng.choice(letters) for _ in range(rng.randint(1, 2)))
    length = rng.randint(11, 13) if long else 9
    return head + "".join(rng.choice("0123456789") for _ in range(length - len(head)))


def random_identity(
    rng: random.Random, fmt: DocFormat, *, today: dt.date, country: Country | None = None
) -> Identity:
    """A random, internally consistent identity for a document valid on ``today``."""
    country = country if country is not None else rng.choice(COUNTRIES)
    sex = rng.choice("MMFFFX" if fmt is not DocFormat.TD3 else "MMMFFF")
    pool = country.female_names if sex == "F" else country.male_names
    if sex == "X":
        pool = country.female_names + country.male_names
    age_days = rng.randint(18 * 365, 85 * 365)
    birth = today - dt.timedelta(days=age_days)
    validity_years = 10 if fmt is DocFormat.TD3 else rng.choice((5, 10))
    issued = today - dt.timedelta(days=rng.randint(30, validity_years * 365 - 60))
    expiry = _add_years(issued, validity_years) - dt.timedelta(days=1)
    if fmt.is_visa:  # visas: issued recently, valid from three months to five years
        issued = today - dt.timedelta(days=rng.randint(5, 80))
        expiry = issued + dt.timedelta(days=rng.choice((90, 180, 365, 730, 1825)))
    long_number = fmt in (DocFormat.TD1, DocFormat.TD2) and rng.random() < 0.15
    optional = ""
    if fmt is DocFormat.TD3 and rng.random() < 0.5:
        optional = "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 14)))
    elif fmt.is_visa and rng.random() < 0.5:
        width = 16 if fmt is DocFormat.MRV_A else 8
        optional = "".join(rng.choice("0123456789ABCDEF") for _ in range(rng.randint(4, width)))
    elif not fmt.is_visa and fmt is not DocFormat.TD3 and rng.random() < 0.4 and not long_number:
        optional = "".join(rng.choice("0123456789ABCDEF") for _ in range(rng.randint(4, 6)))
    if fmt is DocFormat.TD3:
        code = "P<"
    elif fmt.is_visa:
        code = rng.choice(("V<", "VC", "VT"))
    else:
        code = rng.choice(("I<", "ID", "AC", "IR"))
    authority = rng.choice(
        (f"{rng.choice(country.cities)}", "MINISTRY OF INTERIOR", "PASSPORT OFFICE")
    )
    return Identity(
        document_code=code,
        country=country,
        surname=rng.choice(country.surnames),
        given_names=rng.choice(pool),
        sex=sex,
        date_of_birth=birth,
        date_of_issue=issued,
        expiry_date=expiry,
        document_number=_document_number(rng, long_number),
        optional_data=optional,
        place_of_birth=rng.choice(country.cities),
        authority=authority,
    )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _pad(text: str, width: int) -> str:
    return (text + FILLER * width)[:width]


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def _cd(data: str) -> str:
    return str(compute_check_digit(data))


def mrz_name(surname: str, given_names: str, width: int) -> str:
    """ICAO name field: SURNAME<<GIVEN<NAMES, spaces and hyphens as '<', truncated."""

    def words(text: str) -> str:
        return FILLER.join(text.replace("-", " ").split())

    return _pad(f"{words(surname)}{FILLER * 2}{words(given_names)}", width)


def _number_fields(number: str, optional: str, width: int) -> tuple[str, str]:
    """TD1/TD2 document number (9) + check + optional data, with the long-number rule."""
    if len(number) <= 9:
        return _pad(number, 9) + _cd(_pad(number, 9)), _pad(optional, width)
    # 9303 Part 5 4.2.2: first 9 characters, '<' as check digit, the rest of the number
    # and its check digit at the start of the optional data, then a filler.
    head, tail = number[:9], number[9:]
    return head + FILLER, _pad(f"{tail}{_cd(number)}{FILLER}{optional}", width)


def compose_mrz(identity: Identity, fmt: DocFormat) -> tuple[str, ...]:
    """The MRZ lines of ``identity`` in layout ``fmt``, with every check digit computed."""
    state = _pad(identity.code, 3)
    sex = identity.sex if identity.sex in "MF" else FILLER
    birth = _yymmdd(identity.date_of_birth)
    expiry = _yymmdd(identity.expiry_date)
    if fmt is DocFormat.TD3:
        number = _pad(identity.document_number, 9)
        personal = _pad(identity.optional_data, 14)
        personal_cd = _cd(personal) if identity.optional_data else FILLER
        line1 = (
            identity.document_code + state + mrz_name(identity.surname, identity.given_names, 39)
        )
        body = (
            f"{number}{_cd(number)}{state}{birth}{_cd(birth)}{sex}"
            f"{expiry}{_cd(expiry)}{personal}{personal_cd}"
        )
        composite = _cd(body[0:10] + body[13:20] + body[21:43])
        return line1, body + composite
    if fmt.is_visa:
        # ICAO 9303 Part 7: as TD3/TD2 but the optional data runs to the end of line 2,
        # with neither an optional-data nor a composite check digit.
        width = 44 if fmt is DocFormat.MRV_A else 36
        number = _pad(identity.document_number, 9)
        line1 = (
            identity.document_code
            + state
            + mrz_name(identity.surname, identity.given_names, width - 5)
        )
        optional = _pad(identity.optional_data, width - 28)
        line2 = (
            f"{number}{_cd(number)}{state}{birth}{_cd(birth)}{sex}{expiry}{_cd(expiry)}{optional}"
        )
        return line1, line2
    if fmt is DocFormat.TD2:
        number, optional = _number_fields(identity.document_number, identity.optional_data, 7)
        line1 = (
            identity.document_code + state + mrz_name(identity.surname, identity.given_names, 31)
        )
        body = f"{number}{state}{birth}{_cd(birth)}{sex}{expiry}{_cd(expiry)}{optional}"
        composite = _cd(body[0:10] + body[13:20] + body[21:35])
        return line1, body + composite
    number, optional = _number_fields(identity.document_number, identity.optional_data, 15)
    line1 = identity.document_code + state + number + optional
    optional_2 = _pad("", 11)
    line2_body = f"{birth}{_cd(birth)}{sex}{expiry}{_cd(expiry)}{state}{optional_2}"
    composite = _cd(line1[5:30] + line2_body[0:7] + line2_body[8:15] + line2_body[18:29])
    line3 = mrz_name(identity.surname, identity.given_names, 30)
    return line1, line2_body + composite, line3
