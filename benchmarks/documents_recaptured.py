"""The real documents captured again as a phone would (`openidv.vision.synth.recapture`):
turned a quarter and ±12-30°, in perspective, at half size, compressed, in poor light.

Called by ``benchmarks/documents.py --real DIR --recaptured``. Each ICAO-conformant ('bar')
document of DIR is read, its sides together, after each recapture and counted as
`documents_real` counts the originals: exact MRZ, APPROVE of those sent whole, false accepts
(a reported field that differs from the document, names included), MRZs the reader found
valid that are not the printed one, and genuine documents REJECT TAMPERED. The images are
read where they lie and recaptured in memory; nothing is written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from documents_real import RealTally, as_of  # benchmarks/documents_real.py
from openidv.checks.readers import READ_FIELDS, READING_CACHE_SIZE
from openidv.vision.documents import DocumentReader
from openidv.vision.faces import FaceEngine
from openidv.vision.synth.recapture import RECAPTURES, recapture


def run_recaptured(folder: Path, *, threads: int, verbose: bool) -> None:
    truths = [
        truth
        for line in (folder / "truth.jsonl").read_text().splitlines()
        if line.strip() and (truth := json.loads(line))["class"] == "bar"
    ]
    reader = DocumentReader(
        threads=threads,
        faces=FaceEngine(),
        cache_size=READING_CACHE_SIZE,
        viz_fields=READ_FIELDS,
    )
    print(f"{len(truths)} ICAO-conformant real documents from {folder}, each recaptured")
    print(
        f"{'recapture':12s} {'exact MRZ':>10s} {'APPROVE (whole)':>16s} "
        f"{'false accepts':>14s} {'valid, wrong':>13s} {'TAMPERED':>9s} {'s/doc':>6s}"
    )
    for name in RECAPTURES:
        tally = RealTally()
        started = time.perf_counter()
        for truth in truths:
            files = [truth["file"], *([truth["back"]] if truth.get("back") else [])]
            images = [recapture((folder / file).read_bytes(), name) for file in files]
            tally.add(truth, reader.read_sides(images, today=as_of(truth)))
        per_doc = (time.perf_counter() - started) / len(truths)
        exact = f"{tally.exact['all']}/{tally.count['all']}"
        approved = f"{tally.whole_approved['all']}/{tally.whole_total['all']}"
        print(
            f"{name:12s} {exact:>10s} {approved:>16s} {len(tally.false_accepts):>14d} "
            f"{len(tally.reader_valid_wrong):>13d} {len(tally.tampered):>9d} {per_doc:>6.2f}",
            flush=True,
        )
        for line in tally.false_accepts + tally.reader_valid_wrong + tally.tampered:
            print(f"    ! {line}")
        if verbose:
            for line in tally.misses:
                print(f"    miss {line}")
