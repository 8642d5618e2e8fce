"""Seeded generation of one synthetic identity document with its ground truth.

``generate_document(seed, ...)`` is a pure function of its arguments: the same seed, format,
degradation, attack and portrait give byte-identical output. Data-level attacks change what
is printed (MRZ and/or VIZ); image-level attacks change how the page was captured.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from PIL import Image

from openidv.vision.mrz import compute_check_digit
from openidv.vision.synth.degrade import (
    Degradation,
    apply_degradation,
    encode,
    photocopy,
    screen_recapture,
)
from openidv.vision.synth.identity import (
    DocFormat,
    Identity,
    compose_mrz,
    random_identity,
)
from openidv.vision.synth.render import format_date, render_page

__all__ = ["Attack", "SyntheticDocument", "generate_document", "viz_values"]

# The generator's notion of "today": fixed, so that a seed means the same document forever
# (expiry dates would otherwise drift into the past as the calendar moves on).
DEFAULT_TODAY = dt.date(2026, 1, 15)


REMOVED_PORTRAIT_BACKDROP = (218, 224, 230)


class Attack(StrEnum):
    NONE = "none"
    # A field (date of birth, expiry or document number) altered in MRZ and VIZ alike, the
    # check digit left as it was: the forger did not recompute it.
    STALE_CHECK_DIGIT = "stale_check_digit"
    # The VIZ says one thing (surname or date of birth), the valid MRZ another.
    MRZ_VIZ_MISMATCH = "mrz_viz_mismatch"
    EXPIRED = "expired"  # a genuine document whose expiry date has passed
    SCREEN_RECAPTURE = "screen_recapture"
    PHOTOCOPY = "photocopy"
    # Two-sided TD1 only: the front (VIZ) and the back (valid MRZ) disagree on the document
    # number, the surname or the date of birth, as when two cards are combined.
    FRONT_BACK_MISMATCH = "front_back_mismatch"
    # The holder's photo cut out or covered: the portrait box shows only a plain backdrop.
    PORTRAIT_REMOVED = "portrait_removed"


@dataclass(frozen=True)
class SyntheticDocument:
    """A rendered document and what is really printed on it."""

    image: bytes
    mime_type: str  # image/png or image/jpeg
    format: DocFormat
    degradation: Degradation
    attack: Attack
    seed: int
    mrz_lines: tuple[str, ...]
    viz: dict[str, str]  # field -> value as printed; dates in ISO form, sex M/F/X
    identity: Identity
    today: dt.date  # the date the document is valid on (unless expired)
    attacked_field: str | None = None  # which field the data-level attack touched
    back_image: bytes | None = None  # two-sided TD1: ``image`` is the front, this the back

    @property
    def pages(self) -> tuple[bytes, ...]:
        return (self.image,) if self.back_image is None else (self.image, self.back_image)


def viz_values(identity: Identity) -> dict[str, str]:
    """Ground-truth VIZ values (dates ISO), keyed like the reader's output."""
    return {
        "surname": identity.surname,
        "given_names": identity.given_names,
        "nationality": identity.country.nationality,
        "date_of_birth": identity.date_of_birth.isoformat(),
        "sex": identity.sex,
        "place_of_birth": identity.place_of_birth,
        "date_of_issue": identity.date_of_issue.isoformat(),
        "authority": identity.authority,
        "expiry_date": identity.expiry_date.isoformat(),
        "document_number": identity.document_number,
    }


def _printed(values: dict[str, str]) -> dict[str, str]:
    dates = ("date_of_birth", "date_of_issue", "expiry_date")
    return {
        key: format_date(dt.date.fromisoformat(value)) if key in dates else value
        for key, value in values.items()
    }


def _stale_check_digit(
    rng: random.Random, identity: Identity, fmt: DocFormat, lines: tuple[str, ...]
) -> tuple[Identity, tuple[str, ...], str]:
    """Alter a date in the MRZ (keeping a real calendar date) and print the same in the VIZ."""
    field = rng.choice(("date_of_birth", "expiry_date"))
    for _ in range(50):
        delta = dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 9))
        new_day = getattr(identity, field) + delta
        altered = dataclasses.replace(identity, **{field: new_day})
        fresh = compose_mrz(altered, fmt)
        # Keep the old check digit: copy the new data characters into the old lines,
        # everywhere except the field's own check digit and the composite.
        row, start = _date_position(fmt, field)
        old = lines[row]
        new_row = old[:start] + fresh[row][start : start + 6] + old[start + 6 :]
        # A shift can move several digits whose weighted changes cancel mod 10; only keep
        # alterations that the field's own (old) check digit really no longer covers.
        if compute_check_digit(new_row[start : start + 6]) != int(old[start + 6]):
            stale = tuple(new_row if i == row else line for i, line in enumerate(lines))
            return altered, stale, field
    raise AssertionError("could not alter the date")  # pragma: no cover


def _date_position(fmt: DocFormat, field: str) -> tuple[int, int]:
    if fmt is DocFormat.TD1:
        return (1, 0) if field == "date_of_birth" else (1, 8)
    return (1, 13) if field == "date_of_birth" else (1, 21)


def generate_document(
    seed: int,
    *,
    fmt: DocFormat | str = DocFormat.TD3,
    degradation: Degradation | str = Degradation.CLEAN,
    attack: Attack | str = Attack.NONE,
    portrait: Image.Image | bytes | None = None,
    today: dt.date = DEFAULT_TODAY,
    image_format: str | None = None,
    two_sided: bool = False,
    holder: Mapping[str, Any] | None = None,
) -> SyntheticDocument:
    """Render one document. ``image_format`` forces 'png' or 'jpeg' (default: PNG for
    lossless variants, JPEG where the degradation or attack implies a camera).

    ``two_sided`` (TD1 only, implied by the front/back attack) renders the front (portrait
    and VIZ) as ``image`` and the back (issue details and MRZ) as ``back_image``.

    ``holder``: `Identity` fields printed instead of the drawn ones (a page whose names and
    number are given, e.g. to match what a test engine reports); the MRZ is composed from
    them, check digits included."""
    fmt, degradation, attack = DocFormat(fmt), Degradation(degradation), Attack(attack)
    two_sided = two_sided or attack is Attack.FRONT_BACK_MISMATCH
    if two_sided and fmt is not DocFormat.TD1:
        raise ValueError("only TD1 cards are generated two-sided")
    # One stream per concern, so that e.g. adding a degradation does not change identities.
    rng = random.Random(f"identity:{seed}:{fmt.value}")  # noqa: S311 - test data
    identity = random_identity(rng, fmt, today=today)
    if holder:
        identity = dataclasses.replace(identity, **holder)
    attacked_field: str | None = None
    if attack is Attack.EXPIRED:
        years_ago = rng.randint(1, 8)
        expiry = today - dt.timedelta(days=365 * years_ago + rng.randint(1, 300))
        identity = dataclasses.replace(
            identity,
            expiry_date=expiry,
            date_of_issue=expiry.replace(year=expiry.year - 10) + dt.timedelta(days=1)
            if not (expiry.month == 2 and expiry.day == 29)
            else expiry - dt.timedelta(days=3652),
        )
        attacked_field = "expiry_date"
    lines = compose_mrz(identity, fmt)
    printed_identity = identity
    if attack is Attack.STALE_CHECK_DIGIT:
        printed_identity, lines, attacked_field = _stale_check_digit(rng, identity, fmt, lines)
    viz = viz_values(printed_identity)
    if attack is Attack.MRZ_VIZ_MISMATCH:
        attacked_field = rng.choice(("surname", "date_of_birth"))
        if attacked_field == "surname":
            others = [s for s in identity.country.surnames if s != identity.surname]
            viz["surname"] = rng.choice(others)
        else:
            shift = dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(30, 3000))
            viz["date_of_birth"] = (identity.date_of_birth + shift).isoformat()
    if attack is Attack.FRONT_BACK_MISMATCH:
        attacked_field = rng.choice(("document_number", "surname", "date_of_birth"))
        if attacked_field == "surname":
            others = [s for s in identity.country.surnames if s != identity.surname]
            viz["surname"] = rng.choice(others)
        elif attacked_field == "date_of_birth":
            shift = dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(30, 3000))
            viz["date_of_birth"] = (identity.date_of_birth + shift).isoformat()
        else:
            number = identity.document_number
            digit = rng.randrange(len(number) - 4, len(number))
            new_digit = str((int(number[digit]) + rng.randint(1, 9)) % 10)
            viz["document_number"] = number[:digit] + new_digit + number[digit + 1 :]
    if attack is Attack.PORTRAIT_REMOVED:
        portrait = Image.new("RGB", (8, 8), REMOVED_PORTRAIT_BACKDROP)
        attacked_field = "portrait"
    page_rng = random.Random(f"page:{seed}:{fmt.value}")  # noqa: S311 - test data, not secrets

    def render(side: str) -> Image.Image:
        return render_page(
            page_rng,
            fmt,
            country_name=identity.country.name,
            language=identity.country.language,
            viz=_printed(viz),
            mrz_lines=lines,
            portrait=portrait,
            side=side,
        )

    capture_rng = random.Random(f"capture:{seed}:{degradation.value}:{attack.value}")  # noqa: S311
    lossless = degradation in (Degradation.CLEAN, Degradation.NOISE, Degradation.GLARE) and (
        attack not in (Attack.SCREEN_RECAPTURE, Attack.PHOTOCOPY)
    )
    kind = image_format or ("png" if lossless else "jpeg")

    def capture(page: Image.Image) -> bytes:
        pixels = apply_degradation(capture_rng, np.asarray(page, dtype=np.uint8), degradation)
        if attack is Attack.SCREEN_RECAPTURE:
            pixels = screen_recapture(capture_rng, pixels)
        elif attack is Attack.PHOTOCOPY:
            pixels = photocopy(capture_rng, pixels)
        return encode(pixels, kind, quality=92)

    image = capture(render("front" if two_sided else "both"))
    back = capture(render("back")) if two_sided else None
    return SyntheticDocument(
        image=image,
        mime_type=f"image/{kind}",
        format=fmt,
        degradation=degradation,
        attack=attack,
        seed=seed,
        mrz_lines=lines,
        viz=viz,
        identity=printed_identity,
        today=today,
        attacked_field=attacked_field,
        back_image=back,
    )
