"""Time per face comparison, per stage, as a ratio against a baseline measured in the same run.

    PYTHONPATH=src .venv/bin/python benchmarks/faces_timing.py --real DIR \
        [--baseline-src OTHER/src] [--rounds 4] [--pairs 24]

A fixed sample of document pages (rendered from DIR's photos as ``faces_real`` renders them,
every kind) and selfies is written to a temporary folder (deleted afterwards; nothing lands in
the repository). Child processes then time ``match_document_to_selfie`` + ``decide`` on every
pair, after the models are loaded and warmed, and report each stage (decode, detection,
embedding with quality and descreening, total). With ``--baseline-src`` the children alternate
between that source tree and this one, round by round and in alternating order, so a shared
machine's load falls on both alike and the p95 ratio means something when the milliseconds do
not. Without it, each round also times a reference workload (one YuNet detection at 640 px and
one SFace embedding) so that the p95 can be read in units of the machine's current speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ("decode_ms", "detect_ms", "embed_ms", "total_ms")


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def write_sample(root: Path, out: Path, pairs: int) -> None:
    """Documents of every kind against other people's and the same person's photos."""
    sys.path.insert(0, str(HERE))
    import faces_real  # noqa: PLC0415 (sibling script)

    photos = faces_real.load_corpus(root, limit_people=8)
    documents = faces_real.render_documents(photos[::4], tuple(faces_real.KINDS))
    selfies = photos[1::3]
    for index, page in enumerate(list(documents.values())[:pairs]):
        (out / f"{index:03d}-doc").write_bytes(page)
        (out / f"{index:03d}-selfie").write_bytes(selfies[index % len(selfies)].data)


def child(folder: Path, reference: bool) -> None:
    """Time every pair in ``folder`` with the ``openidv`` on this process's path."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    from openidv.vision.faces import (  # noqa: PLC0415
        FaceEngine,
        FaceMatcher,
        decide,
        decode_image,
    )

    engine = FaceEngine()
    matcher = FaceMatcher(engine)
    pairs = [
        (
            (folder / f"{p.name[:3]}-doc").read_bytes(),
            (folder / f"{p.name[:3]}-selfie").read_bytes(),
        )
        for p in sorted(folder.glob("*-doc"))
    ]
    decide(matcher.match_document_to_selfie(pairs[0][0], [pairs[0][1]]))  # warm the buffers
    rows = []
    probe = np.asarray(cv2.resize(decode_image(pairs[0][1]), (640, 480)), dtype=np.uint8)
    for document, selfie in pairs:
        start = time.perf_counter()
        measured = matcher.match_document_to_selfie(document, [selfie])
        decide(measured)
        row = {s: getattr(measured.timings, s) for s in STAGES}
        row["wall_ms"] = (time.perf_counter() - start) * 1000
        if reference:
            start = time.perf_counter()
            faces = engine.detect(probe)
            if faces:
                engine.embed(probe, faces[0])
            row["reference_ms"] = (time.perf_counter() - start) * 1000
        rows.append(row)
    print(json.dumps(rows))


def _run_child(src: Path, folder: Path, reference: bool) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    args = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    if reference:
        args.append("--reference")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    rows: list[dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def _summary(label: str, rows: list[dict[str, float]]) -> str:
    parts = [
        f"{s[:-3]} p50 {_percentile([r[s] for r in rows], 50):5.0f} / p95 "
        f"{_percentile([r[s] for r in rows], 95):5.0f}"
        for s in (*STAGES, "wall_ms")
    ]
    return f"  {label:9s} " + ";  ".join(parts) + f" ms  (n={len(rows)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, help="real labelled photos (faces_real's layout)")
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.reference)
        return
    if args.real is None:
        parser.error("--real DIR is required")
    ours_src = HERE.parent / "src"
    with tempfile.TemporaryDirectory(prefix="openidv-face-timing-") as tmp:
        folder = Path(tmp)
        write_sample(args.real, folder, args.pairs)
        ours: list[dict[str, float]] = []
        base: list[dict[str, float]] = []
        for round_ in range(args.rounds):
            if args.baseline_src is None:
                ours += _run_child(ours_src, folder, reference=True)
                continue
            order = [(args.baseline_src, base), (ours_src, ours)]
            for src, sink in order if round_ % 2 == 0 else order[::-1]:
                sink.extend(_run_child(src, folder, reference=False))
    load = os.getloadavg()[0]
    print(f"Time per comparison, {args.rounds} rounds of {len(ours) // args.rounds} pairs "
          f"(document page of every kind + one selfie; after load); load average {load:.1f} "
          f"on {os.cpu_count()} cores:")  # fmt: skip
    print(_summary("this tree", ours))
    if base:
        print(_summary("baseline", base))
        ratio = _percentile([r["total_ms"] for r in ours], 95) / _percentile(
            [r["total_ms"] for r in base], 95
        )
        print(f"  p95 ratio this tree / baseline ({args.baseline_src}): {ratio:.2f}")
    else:
        reference = [r["reference_ms"] for r in ours]
        p95 = _percentile([r["total_ms"] for r in ours], 95)
        print(f"  reference (YuNet 640x480 + SFace, interleaved): p50 "
              f"{_percentile(reference, 50):.0f} ms; p95 per comparison = "
              f"{p95 / _percentile(reference, 50):.2f} x the reference")  # fmt: skip


if __name__ == "__main__":
    main()
