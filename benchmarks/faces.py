"""Face matching sanity check and timing: YuNet + SFace through openidv.vision.faces.

What it prints:

1. genuine / impostor cosine-similarity distributions on every pair the few available real
   photos allow (5 photos of 3 people, plus a synthetic ID card made from each photo);
2. false matches / false non-matches at the OpenCV threshold (0.363) and the stricter one;
3. p50 / p95 wall time of detect + embed per image, and of a full document-vs-selfie match.

THIS IS A SANITY CHECK, NOT AN ACCURACY ESTIMATE: 3 identities, 12 genuine pairs from 3
independent photos of one person, no look-alikes, no age gaps, no real document captures. A
count of 0 errors here says the pipeline is wired correctly, nothing about error rates.

The photos are the ones the tests use (face_recognition 1.3.0 sdist test images and
scikit-image's astronaut), fetched with pip and hash-checked by tests/vision/conftest.py, which
this script reuses so there is one pinned copy of that logic.

Usage: ``python benchmarks/faces.py [--repeats N] [--threads N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import (
    SFACE_COSINE_THRESHOLD,
    STRICT_COSINE_THRESHOLD,
    FaceEngine,
    compare,
    decode_image,
)

Image = NDArray[np.uint8]
ROOT = Path(__file__).resolve().parent.parent


def load_face_fixtures() -> ModuleType:
    path = ROOT / "tests" / "vision" / "conftest.py"
    spec = importlib.util.spec_from_file_location("openidv_face_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetch_photos(target: Path) -> tuple[dict[str, Image], dict[str, str]]:
    """Decoded independent photos and the identity each shows."""
    fixtures = load_face_fixtures()
    fixtures._extract_face_recognition_images(target)
    (target / "astronaut.png").write_bytes(fixtures._astronaut_png())
    identities: dict[str, str] = fixtures.INDEPENDENT_PHOTOS
    photos = {
        name: decode_image(next(target.glob(f"{name}.*")).read_bytes()) for name in identities
    }
    return photos, identities


def id_card(engine: FaceEngine, photo: Image) -> Image:
    """A white 1000x630 card with a head-and-shoulders portrait 250 px wide (1/4 of the card)."""
    x, y, w, h = engine.detect(photo)[0].box
    cx, cy = x + w / 2, y + h / 2
    top, left = max(0, int(cy - 1.25 * h)), max(0, int(cx - 0.95 * w))
    crop = photo[top : int(cy + 1.25 * h), left : int(cx + 0.95 * w)]
    height = min(480, round(crop.shape[0] * 250 / crop.shape[1]))
    portrait = cv2.resize(crop, (250, height), interpolation=cv2.INTER_AREA)
    card = np.full((630, 1000, 3), 245, dtype=np.uint8)
    card[120 : 120 + height, 40:290] = portrait[:height]
    for row in range(6):
        cv2.rectangle(card, (330, 130 + row * 50), (780, 150 + row * 50), (90, 90, 90), -1)
    return card


def embed_largest(engine: FaceEngine, image: Image) -> NDArray[np.float32]:
    faces = engine.detect(image)
    if not faces:
        raise SystemExit("a sample photo has no detectable face: the pipeline is broken")
    return engine.embed(image, faces[0])


def score_pairs(
    engine: FaceEngine, photos: dict[str, Image], identities: dict[str, str]
) -> dict[str, list[tuple[str, str, float]]]:
    """Scores by kind: genuine (same person, different source photo), impostor, and
    same-source (a card vs the photo its portrait was cut from, reported apart: too easy)."""
    samples: dict[str, tuple[str, str, NDArray[np.float32]]] = {}
    for name, photo in photos.items():
        samples[name] = (identities[name], name, embed_largest(engine, photo))
        samples[f"card({name})"] = (
            identities[name],
            name,
            embed_largest(engine, id_card(engine, photo)),
        )
    kinds: dict[str, list[tuple[str, str, float]]] = {
        "genuine": [],
        "impostor": [],
        "same-source": [],
    }
    for (a, (id_a, src_a, va)), (b, (id_b, src_b, vb)) in itertools.combinations(
        samples.items(), 2
    ):
        kind = "impostor" if id_a != id_b else "same-source" if src_a == src_b else "genuine"
        kinds[kind].append((a, b, compare(va, vb)))
    return kinds


def print_distributions(kinds: dict[str, list[tuple[str, str, float]]]) -> None:
    print("\nCosine similarity distributions (SFace, unit embeddings)")
    for kind, rows in kinds.items():
        scores = sorted(score for _, _, score in rows)
        print(
            f"  {kind:12s} n={len(scores):3d}  min={scores[0]:.3f}  "
            f"median={statistics.median(scores):.3f}  max={scores[-1]:.3f}"
        )
    for kind, order in (("genuine", "lowest first"), ("impostor", "highest first")):
        print(f"\n  {kind} pairs, {order}:")
        rows = sorted(kinds[kind], key=lambda r: r[2], reverse=kind == "impostor")
        for a, b, score in rows:
            print(f"    {score:6.3f}  {a} vs {b}")


def print_error_counts(kinds: dict[str, list[tuple[str, str, float]]]) -> None:
    genuine = [score for _, _, score in kinds["genuine"]]
    impostor = [score for _, _, score in kinds["impostor"]]
    print("\nError counts on this tiny set (SANITY CHECK, NOT AN ACCURACY ESTIMATE)")
    for label, threshold in (
        ("OpenCV SFace", SFACE_COSINE_THRESHOLD),
        ("strict", STRICT_COSINE_THRESHOLD),
    ):
        false_matches = sum(score >= threshold for score in impostor)
        false_non_matches = sum(score < threshold for score in genuine)
        print(
            f"  {label:12s} threshold {threshold:.3f}: false matches {false_matches}/"
            f"{len(impostor)}, false non-matches {false_non_matches}/{len(genuine)}"
        )
    gap = min(genuine) - max(impostor)
    print(f"  margin between lowest genuine and highest impostor: {gap:.3f}")


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return f"p50 {statistics.median(samples):6.1f} ms   p95 {cuts[18]:6.1f} ms   n={len(samples)}"


def time_pipeline(engine: FaceEngine, photos: dict[str, Image], repeats: int) -> None:
    print(f"\nTiming ({repeats} rounds over {len(photos)} photos, after one warm-up round)")
    for photo in photos.values():  # warm-up: first inference allocates buffers
        embed_largest(engine, photo)
    detect_ms: list[float] = []
    embed_ms: list[float] = []
    both_ms: list[float] = []
    for _ in range(repeats):
        for photo in photos.values():
            start = time.perf_counter()
            face = engine.detect(photo)[0]
            middle = time.perf_counter()
            engine.embed(photo, face)
            end = time.perf_counter()
            detect_ms.append((middle - start) * 1000)
            embed_ms.append((end - middle) * 1000)
            both_ms.append((end - start) * 1000)
    sizes = ", ".join(f"{p.shape[1]}x{p.shape[0]}" for p in photos.values())
    print(f"  photo sizes: {sizes}")
    print(f"  detect          {percentiles(detect_ms)}")
    print(f"  embed           {percentiles(embed_ms)}")
    print(f"  detect + embed  {percentiles(both_ms)}")


def time_match(engine: FaceEngine, photos: dict[str, Image], repeats: int) -> None:
    ok, card = cv2.imencode(".jpg", id_card(engine, photos["obama"]))
    ok2, selfie = cv2.imencode(".jpg", photos["obama2"])
    assert ok and ok2
    totals: list[float] = []
    for _ in range(repeats):
        result = engine.match_document_to_selfie(card.tobytes(), [selfie.tobytes()])
        totals.append(result.timings.total_ms)
    print(f"  match_document_to_selfie (1 card + 1 selfie, incl. decode)  {percentiles(totals)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="cv2.setNumThreads")
    args = parser.parse_args()
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads")
    start = time.perf_counter()
    engine = FaceEngine()
    print(f"FaceEngine() (hash check + model load): {(time.perf_counter() - start) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        photos, identities = fetch_photos(Path(tmp))
    kinds = score_pairs(engine, photos, identities)
    print_distributions(kinds)
    print_error_counts(kinds)
    time_pipeline(engine, photos, args.repeats)
    time_match(engine, photos, args.repeats)


if __name__ == "__main__":
    main()
