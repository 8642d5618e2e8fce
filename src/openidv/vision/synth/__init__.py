"""Synthetic identity documents for tests and benchmarks (never for production use).

Renders ICAO TD3 passport data pages, TD1 and TD2 identity cards for several issuing states,
with random identities, a drawn (or caller-supplied) portrait, guilloche underprint, an
OCR-B MRZ (Debian ``fonts-ocr-b``) and DejaVu VIZ text (``fonts-dejavu-core``); then capture
degradations and attack variants. Nothing is downloaded; everything follows from the seed.

    doc = generate_document(7, fmt="TD1", degradation="camera", attack="expired")
    doc.image, doc.mrz_lines, doc.viz
"""

from openidv.vision.synth.degrade import HARD, MILD, Degradation
from openidv.vision.synth.fonts import FontNotFoundError, mrz_font_path, viz_font_path
from openidv.vision.synth.generator import Attack, SyntheticDocument, generate_document
from openidv.vision.synth.identity import COUNTRIES, DocFormat, Identity, compose_mrz

__all__ = [
    "COUNTRIES",
    "HARD",
    "MILD",
    "Attack",
    "Degradation",
    "DocFormat",
    "FontNotFoundError",
    "Identity",
    "SyntheticDocument",
    "compose_mrz",
    "generate_document",
    "mrz_font_path",
    "viz_font_path",
]
