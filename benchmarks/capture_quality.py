"""The capture page's photo check at upload (capture/quality.py) on a folder of real documents.

    PYTHONPATH=src python benchmarks/capture_quality.py ../shared/corpora/real-documents

DIR holds the images and a ``truth.jsonl`` (``id``, ``file``, optional ``back``, ``format``,
``capture``), as the shared real-documents corpus has; the images are read where they lie.
Each side is checked as the page would send it (the front as the portrait side, a passport
page with its MRZ expected), and the script prints what the check would ask to retake, how
often each reason comes up, and the time per check (median and slowest: the upload waits
for it). For the same check on generated captures (sharp, blurred, too small) see
tests/capture/test_quality.py.
"""

from __future__ import annotations

import collections
import json
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from openidv.capture.quality import QualityChecker

# The document type the page would declare for each MRZ format.
_TYPES = {"TD3": "PASSPORT", "TD1": "NATIONAL_ID", "TD2": "NATIONAL_ID", "FRA-CNI": "NATIONAL_ID"}


def main(folder: Path) -> None:
    checker = QualityChecker()
    # Warm-up: the face detector loads on first use (0.1-0.3 s), not counted below.
    _, grey = cv2.imencode(".jpg", np.full((600, 800, 3), 128, np.uint8))
    checker.check(grey.tobytes(), document_type="PASSPORT", portrait_side=True)
    reasons: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    refused = total = 0
    for line in (folder / "truth.jsonl").read_text().splitlines():
        entry = json.loads(line)
        document_type = _TYPES.get(entry["format"], "VISA")
        for side, name in (("front", entry["file"]), ("back", entry.get("back"))):
            if not name:
                continue
            content = (folder / name).read_bytes()
            started = time.perf_counter()
            result = checker.check(
                content,
                document_type=document_type,
                portrait_side=side == "front" and entry.get("capture") != "mrz-crop",
            )
            times.append(time.perf_counter() - started)
            total += 1
            if not result.ok:
                refused += 1
                reasons.update(result.problems)
                print(f"{entry['id']:>4} {side:5} {entry.get('capture', '?'):10} {name}: "
                      f"{', '.join(result.problems)}")  # fmt: skip
    print(f"\nasked to retake {refused} of {total} sides")
    for reason, count in reasons.most_common():
        print(f"  {reason}: {count}")
    print(
        f"time per check: median {statistics.median(times) * 1000:.0f} ms, "
        f"slowest {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora/real-documents"))
