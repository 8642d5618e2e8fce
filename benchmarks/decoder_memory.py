"""Resident memory of the image decoder processes (capture/decode_pool.py), idle and under
the image-bomb tests' loads.

Starts a pool as a web process does (two decoders, spawned, decoders loaded), then sends each
load to both decoders at once, as two token holders do, and samples every decoder's resident
memory (VmRSS, /proc) every 10 ms meanwhile. Prints the idle figure, each round's peak and the
memory each decoder keeps once the round is over (growth from round to round would be a leak).

    PYTHONPATH=src .venv/bin/python benchmarks/decoder_memory.py [--rounds 3]

Loads:
* ``heic``: tests/security/bomb-7000.heic, 12 KB claiming (and holding) 7000x7000 pixels,
  just under the 50 MP cap: decoded, converted to JPEG.
* ``png``: a 7000x7000 PNG (one colour, 150 KB): under the cap, its header read, metadata
  stripped (not decoded).
* ``over-cap``: a PNG of 8000x8000 declared pixels: refused from its header.
"""

from __future__ import annotations

import argparse
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from openidv.capture.decode_pool import DecodePool
from openidv.capture.images import ImageRefused, sniff

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, format="PNG")
    return out.getvalue()


def _sample(pids: list[int], peak: dict[int, float], done: threading.Event) -> None:
    while not done.is_set():
        for pid in pids:
            peak[pid] = max(peak[pid], rss_mb(pid))
        time.sleep(0.01)


def _decode(content: bytes) -> str:
    try:
        return sniff(content).content_type
    except ImageRefused as exc:
        return f"refused: {exc}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    Image.MAX_IMAGE_PIXELS = None  # only to build the over-cap file here
    loads = {
        "heic": (ROOT / "tests/security/bomb-7000.heic").read_bytes(),
        "png": _png(7000),
        "over-cap": _png(8000),
    }
    pool = DecodePool(2)
    pool.start()
    pids = pool.pids()
    time.sleep(1)
    print(f"idle: {', '.join(f'{rss_mb(p):.0f} MB' for p in pids)} (decoders {pids})")
    with ThreadPoolExecutor(2) as callers:
        for name, content in loads.items():
            for round_ in range(args.rounds):
                peak = dict.fromkeys(pids, 0.0)
                done = threading.Event()
                sampler = threading.Thread(target=_sample, args=(pids, peak, done))
                sampler.start()
                started = time.perf_counter()
                answers = list(callers.map(lambda c: pool.run(_decode, c), [content] * 2))
                took = time.perf_counter() - started
                done.set()
                sampler.join()
                after = ", ".join(f"{rss_mb(p):.0f}" for p in pids)
                print(
                    f"{name} round {round_ + 1}: {answers[0][:40]}; {took:.2f} s; peak "
                    f"{', '.join(f'{v:.0f}' for v in peak.values())} MB; after {after} MB"
                )
    # The address space each decoder reserved at its peak (what RLIMIT_AS would count).
    peaks = ", ".join(f"{rss_mb(pid, 'VmPeak'):.0f} MB" for pid in pids)
    print(f"peak virtual size (VmPeak): {peaks}")
    pool.shutdown()


if __name__ == "__main__":
    main()
