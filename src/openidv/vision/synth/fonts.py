"""Locate the system fonts the generator draws with.

The MRZ must be OCR-B (ICAO 9303 prescribes it, and OCR models behave differently on other
faces), so a missing OCR-B font is an error rather than a silent fallback to something else.
Fonts are looked up on disk at call time; nothing is downloaded.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

__all__ = ["FontNotFoundError", "load_font", "mrz_font_path", "viz_font_path"]

# Debian package -> file names it installs; searched under the usual font roots.
_OCRB_FILES = ("OCRB.otf",)
_DEJAVU_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
_FONT_ROOTS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)


class FontNotFoundError(RuntimeError):
    """A font the generator needs is not installed."""


def _search(names: tuple[str, ...], env_var: str) -> Path | None:
    override = os.environ.get(env_var)
    if override:
        path = Path(override)
        return path if path.is_file() else None
    for root in _FONT_ROOTS:
        if not root.is_dir():
            continue
        for name in names:
            for found in sorted(root.rglob(name)):
                return found
    # Last resort: fontconfig knows about fonts installed in unusual places.
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        family = "OCR B" if names == _OCRB_FILES else "DejaVu Sans"
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell, no user input
            [fc_match, "-f", "%{file}", family], capture_output=True, text=True, check=False
        )
        candidate = Path(result.stdout.strip())
        if result.returncode == 0 and candidate.name in names:
            return candidate
    return None


@functools.cache
def mrz_font_path() -> Path:
    """Path of the OCR-B font (Debian ``fonts-ocr-b``); ``$OPENIDV_OCRB_FONT`` overrides."""
    path = _search(_OCRB_FILES, "OPENIDV_OCRB_FONT")
    if path is None:
        raise FontNotFoundError(
            "OCR-B font not found (looked for OCRB.otf under /usr/share/fonts). Install the "
            "Debian package 'fonts-ocr-b' (apt-get install fonts-ocr-b) or point "
            "$OPENIDV_OCRB_FONT at an OCR-B .otf/.ttf file."
        )
    return path


@functools.cache
def viz_font_path(weight: str = "regular") -> Path:
    """Path of DejaVu Sans (Debian ``fonts-dejavu-core``) in ``regular`` or ``bold``."""
    name = _DEJAVU_FILES[weight]
    path = _search((name,), f"OPENIDV_DEJAVU_{weight.upper()}_FONT")
    if path is None:
        raise FontNotFoundError(
            f"{name} not found under /usr/share/fonts. Install the Debian package "
            "'fonts-dejavu-core' (apt-get install fonts-dejavu-core)."
        )
    return path


@functools.cache
def load_font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    """A cached FreeType font: ``kind`` is ``mrz``, ``regular`` or ``bold``."""
    path = mrz_font_path() if kind == "mrz" else viz_font_path(kind)
    return ImageFont.truetype(str(path), size)
