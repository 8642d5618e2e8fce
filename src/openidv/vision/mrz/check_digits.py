"""MRZ character classes and the ICAO 9303 check digit (standard library only)."""

from __future__ import annotations

__all__ = [
    "ALPHABET", "DATE_CHARS", "DIGITS", "FILLER", "LETTERS", "LETTERS_OR_FILLER",
    "char_value", "compute_check_digit", "safe_check_digit",
]  # fmt: skip


FILLER = "<"
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALPHABET = DIGITS | LETTERS | {FILLER}
LETTERS_OR_FILLER = LETTERS | {FILLER}
DATE_CHARS = DIGITS | {FILLER}
_WEIGHTS = (7, 3, 1)


def char_value(char: str) -> int | None:
    """ICAO value of one MRZ character: digits as themselves, A=10..Z=35, filler 0."""
    if char == FILLER:
        return 0
    if char in DIGITS:
        return ord(char) - ord("0")
    if char in LETTERS:
        return ord(char) - ord("A") + 10
    return None


def compute_check_digit(data: str) -> int:
    """The ICAO 9303 check digit of ``data`` (weights 7, 3, 1 repeating, modulo 10).

    Raises ValueError for a character outside A-Z, 0-9 and ``<``; the parser never calls
    this on unchecked input, so parsing itself does not raise.
    """
    total = 0
    for index, char in enumerate(data):
        value = char_value(char)
        if value is None:
            raise ValueError(f"character {char!r} is not allowed in an MRZ")
        total += value * _WEIGHTS[index % 3]
    return total % 10


def safe_check_digit(data: str) -> int | None:
    try:
        return compute_check_digit(data)
    except ValueError:
        return None
