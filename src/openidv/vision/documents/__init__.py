"""Identity-document reading: image bytes in, measurements out (no web, no database).

    reader = DocumentReader()          # loads the OCR models once (~0.5 s)
    reading = reader.read(image_bytes)  # or read_document(image_bytes, engine=reader)
    reading.mrz.valid, reading.viz["surname"].value, reading.quality.sharpness, reading.reasons

MRZ parsing and check digits are `openidv.vision.mrz`; OCR is RapidOCR 3.10 (PP-OCRv6 small,
ONNX models inside the wheel, never downloaded).
"""

from openidv.vision.documents.ocr import OcrModelError
from openidv.vision.documents.quality import QualityMeasures
from openidv.vision.documents.reader import (
    CROSS_CHECKED_FIELDS,
    DocumentReader,
    QualityThresholds,
    read_document,
)
from openidv.vision.documents.result import DocumentReading, Reason, ReasonCode
from openidv.vision.documents.viz import VizField

__all__ = [
    "CROSS_CHECKED_FIELDS",
    "DocumentReader",
    "DocumentReading",
    "OcrModelError",
    "QualityMeasures",
    "QualityThresholds",
    "Reason",
    "ReasonCode",
    "VizField",
    "read_document",
]
