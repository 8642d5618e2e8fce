# ruff: noqa: RUF001, RUF002, RUF003 - Cyrillic and Greek look-alikes of Latin, on purpose
"""Comparing printed names and numbers with the MRZ as ICAO 9303 writes them.

The MRZ holds only A-Z, 0-9 and ``<``. Issuers write a printed name into it by ICAO 9303
Part 3's transliteration tables (Ä -> AE or A, ß -> SS, Cyrillic and Greek letter by letter),
so a printed MÄNNIK is the MRZ's MAENNIK. And a recogniser trained on Latin text reads the
Cyrillic or Greek capitals that look like Latin ones as those (Н as H, С as C), and confuses
digits with letters of the same shape (0/O, 1/I, 5/S). Two spellings are compared here both
ways: by *sound* (transliterated, every accepted variant) and by *shape* (every look-alike
folded to one representative), and agree when either says so.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

__all__ = ["same_name", "same_number", "shape_fold", "spellings"]

# ICAO 9303 Part 3, section 6 (Latin letters with diacritics and ligatures). Where the table
# allows two spellings (Ä as AE or A), both are listed: issuers chose differently.
_LATIN: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"), "Å": ("AA", "A"), "Æ": ("AE",), "Ö": ("OE", "O"), "Ø": ("OE", "O"),
    "Ü": ("UE", "U"), "ß": ("SS",), "Œ": ("OE",), "Þ": ("TH",), "Ð": ("D",), "Đ": ("D",),
    "Ħ": ("H",), "Ĳ": ("IJ",), "Ł": ("L",), "Ŀ": ("L",), "Ŋ": ("N",), "Ñ": ("N", "NXX"),
    "Ŧ": ("T",), "ı": ("I",),
}  # fmt: skip
# ICAO 9303 Part 3, Cyrillic (the Russian, Ukrainian, Belarusian, Serbian, Macedonian and
# Bulgarian letters) and Greek transliteration.
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Ђ": "D", "Ѓ": "G", "Е": "E",
    "Ё": "E", "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "І": "I", "Ї": "I",
    "Й": "I", "Ј": "J", "К": "K", "Л": "L", "Љ": "LJ", "М": "M", "Н": "N", "Њ": "NJ",
    "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "Ћ": "C", "Ќ": "KJ", "У": "U", "Ў": "U",
    "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE",
    "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}  # fmt: skip
_GREEK = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}  # fmt: skip
_SOUND = {key: (value,) for key, value in {**_CYRILLIC, **_GREEK}.items()} | _LATIN

# Shapes: Cyrillic and Greek capitals drawn like Latin ones, and the digit/letter pairs a
# recogniser confuses, each class folded to one representative.
_SHAPES = {
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "0": "O", "1": "I", "|": "I", "5": "S", "8": "B", "2": "Z", "6": "G",
}  # fmt: skip
# Document numbers mix letters and digits freely, so more pairs are confusable there; but
# G and 6 keep apart: they weigh the same in a check digit, so only the printed number can
# tell them apart, and folding them would hide that it does (`crosscheck.check_neutral_swaps`).
_NUMBER_SHAPES = {key: value for key, value in _SHAPES.items() if key != "6"} | {
    "Q": "O", "D": "O", "L": "I", "7": "T", "4": "A",
}  # fmt: skip
# Spellings tried per name; a name with more letters that allow two is compared by shape.
_MAX_SPELLINGS = 16
# Letters outside the Latin alphabet proper that a recogniser trained mostly on it reads as
# a Latin one (Icelandic, Danish, Norwegian, Old English names): Þ as P, the ligature Æ as
# its E. The MRZ writes them as TH and AE, so an MRZ's TH may be a printed Þ read as P and
# its AE a printed Æ read as E.
_MISREAD_AS = {"TH": "P", "AE": "E"}
_MISREAD = re.compile("|".join(_MISREAD_AS))


def _plain(char: str) -> str:
    """A letter without its diacritics (É -> E), upper case."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def spellings(text: str) -> set[str]:
    """The MRZ spellings of a printed text: letters and digits only, every accepted
    transliteration (at most `_MAX_SPELLINGS`; past that, the first variant of each)."""
    options: list[tuple[str, ...]] = []
    for char in unicodedata.normalize("NFC", text.upper()):
        if char in _SOUND:
            options.append(_SOUND[char])
        elif char.lower() in _SOUND:  # the table's lower-case keys (ß, ı)
            options.append(_SOUND[char.lower()])
        else:
            plain = _plain(char)
            options.append((plain,) if plain.isascii() and plain.isalnum() else ("",))
    count = 1
    for choice in options:
        count *= len(choice)
    if count > _MAX_SPELLINGS:
        options = [choice[:1] for choice in options]
    return {"".join(parts) for parts in itertools.product(*options)}


def shape_fold(text: str, *, number: bool = False) -> str:
    """Letters and digits with every look-alike class folded to one representative (the
    wider classes of document numbers with ``number``)."""
    shapes = _NUMBER_SHAPES if number else _SHAPES
    folded = []
    for original in unicodedata.normalize("NFC", text.upper()):
        char = shapes.get(original, original)
        plain = _plain(char) if not char.isascii() else char
        plain = "".join(shapes.get(c, c) for c in plain)
        folded.append(plain if plain.isascii() and plain.isalnum() else "")
    return "".join(folded)


def same_name(printed: str, mrz: str, *, truncated: bool = False) -> bool:
    """The printed name is the MRZ's (``<`` as the MRZ separates names), by sound or shape.
    ``truncated``: the MRZ field was filled to its end, so the issuer may have cut the
    name short: a printed name that begins with the MRZ's agrees too."""
    wanted = "".join(char for char in mrz.upper() if char.isalnum())
    if not wanted:
        return False

    def agrees(candidate: str, target: str) -> bool:
        return candidate == target or (truncated and candidate.startswith(target))

    printed_spellings = spellings(printed)
    for target in _as_misread(wanted):
        if any(agrees(spelling, target) for spelling in printed_spellings):
            return True
        if agrees(shape_fold(printed), shape_fold(target)):
            return True
    return False


def _as_misread(mrz: str) -> list[str]:
    """The MRZ name, then as a recogniser may have read its printed Þ and Æ (`_MISREAD_AS`):
    every combination, up to `_MAX_SPELLINGS`."""
    parts = _MISREAD.split(mrz)
    found = _MISREAD.findall(mrz)
    if not found:
        return [mrz]
    options = [(pair, _MISREAD_AS[pair]) for pair in found]
    out = []
    for choice in itertools.islice(itertools.product(*options), _MAX_SPELLINGS):
        out.append(parts[0] + "".join(c + rest for c, rest in zip(choice, parts[1:], strict=True)))
    return out


def same_number(printed: str, mrz: str) -> bool:
    """The printed document number is the MRZ's, spaces and look-alikes aside."""
    wanted = shape_fold(mrz.replace("<", ""), number=True)
    return bool(wanted) and shape_fold(printed, number=True) == wanted
