"""The document reader's line recogniser against RapidOCR's own, on the same crops, in one run.

`openidv.vision.documents.recogniser` runs PP-OCRv6's recogniser with its output layer cut
to the scripts documents print. This prints how many line texts differ from RapidOCR's
recogniser with the full model (it should be none), the largest confidence difference, and
the time per page of each, alternating the two so that both see the same machine load.

Usage: ``python benchmarks/ocr_recogniser.py [--pages N] [--rounds N]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from numpy.typing import NDArray
from rapidocr import RapidOCR
from rapidocr.ch_ppocr_rec import TextRecInput

from openidv.vision.documents import DocumentReader, DocumentReading
from openidv.vision.documents.band import line_crop
from openidv.vision.documents.ocr import (
    DET_MODEL,
    REC_MIN_WIDTH,
    REC_MODEL,
    _model_dir,
    crop_quad,
)
from openidv.vision.synth import Degradation, DocFormat, generate_document


def _page_crops(reader: DocumentReader, seed: int) -> list[NDArray[np.uint8]]:
    """The MRZ lines and the printed lines of one generated page, as the reader crops them."""
    formats, degradations = list(DocFormat), list(Degradation)
    doc = generate_document(
        seed, fmt=formats[seed % len(formats)], degradation=degradations[seed % len(degradations)]
    )
    measured = reader._measure(doc.image, doc.today, {})
    assert not isinstance(measured, DocumentReading), "the page could not be read"
    page = measured.page
    crops = [line_crop(page, line, pad_x=0.8, pad_y=0.35) for line in measured.lines]
    crops += [crop_quad(page, quad) for quad in reader._ocr.detect(page, limit=640)]
    return crops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=30, help="generated pages (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    args = parser.parse_args()
    reader = DocumentReader()
    directory = _model_dir()
    full = RapidOCR(
        params={
            "Global.log_level": "error",
            "Det.model_path": str(directory / DET_MODEL[0]),
            "Rec.model_path": str(directory / REC_MODEL[0]),
        }
    )._load_rec_model()  # type: ignore[no-untyped-call]
    full.rec_image_shape = [3, 48, REC_MIN_WIDTH]  # the reader's floor, not PaddleOCR's 320
    pages = [_page_crops(reader, seed) for seed in range(args.pages)]
    lines = sum(len(crops) for crops in pages)
    ours = [result for crops in pages for result in reader._ocr.recognise(crops)]
    theirs: list[tuple[str, float]] = []
    for crops in pages:
        output = full(TextRecInput(img=crops))
        theirs += zip(output.txts, output.scores, strict=True)
    differ = sum(a[0] != b[0] for a, b in zip(ours, theirs, strict=True))
    gap = max(abs(a[1] - b[1]) for a, b in zip(ours, theirs, strict=True))
    times: dict[str, list[float]] = {"full model (RapidOCR)": [], "cut output layer (ours)": []}
    for _ in range(args.rounds):
        for name, run in (
            ("full model (RapidOCR)", lambda crops: full(TextRecInput(img=crops))),
            ("cut output layer (ours)", reader._ocr.recognise),
        ):
            start = time.perf_counter()
            for crops in pages:
                run(crops)
            times[name].append((time.perf_counter() - start) * 1000 / len(pages))
    print(f"{len(pages)} pages, {lines} lines (MRZ and printed, whole)")
    print(f"texts that differ: {differ}; largest confidence difference: {gap:.4f}")
    base = statistics.median(times["full model (RapidOCR)"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:26s} {median:6.0f} ms per page   ratio {median / base:.2f}")


if __name__ == "__main__":
    main()
