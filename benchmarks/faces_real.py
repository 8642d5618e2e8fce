"""``benchmarks/faces.py --real DIR``: face match on real identity-labelled photos.

DIR holds ``<identity>/<photo>`` files and a ``photos.csv`` (identity, file, face_box, sex,
group, collection; the corpus README describes it). Nothing from DIR is written anywhere.

Each photo becomes the *document* side in several renderings (``KINDS``): a head-and-shoulders
crop around its labelled face printed as the portrait of a synthetic ID page by the project's
own page renderer (``openidv.vision.synth``), then captured (clean scan, phone camera, low
resolution), in colour, in grey as laser-engraved cards print it, or as a CMY dot screen.
Every *other* photo, unchanged (bystanders and all), is the *selfie*. All against all: a pair is
genuine when both photos show the same identity, an impostor otherwise; a rendering against its
own source photo is not counted.

Every image is measured once (``FaceMatcher.document_side`` / ``selfie_side``) and every pair
is then scored and decided exactly as ID_DOCUMENT_FACE_MATCH does (``compare_sides`` +
``decide``); the time per comparison is measured apart, on fresh ``match_document_to_selfie``
calls with nothing cached, after the models are loaded.

Reported: per kind and per photo collection, FMR / FNMR at the shipped thresholds with 95%
Clopper-Pearson intervals, the undecided (NOT_AVAILABLE / grey) counts and their reasons, DET
points, FNMR at the lowest threshold with FMR <= 1e-4, and (``--calibrate``) a 5-fold
cross-validation by identity of the fusion weight and the approve threshold (held-out figures).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import random
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage

from openidv.vision.faces import (
    APPROVE_AT,
    REJECT_BELOW,
    FaceEngine,
    FaceMatcher,
    FaceModelNotFoundError,
    FaceSide,
    decide,
)
from openidv.vision.faces import second as fusion
from openidv.vision.synth import generate_document

Image = NDArray[np.uint8]
NIST_FMR, NIST_FNMR = 1e-4, 1e-2
DET_THRESHOLDS = tuple(round(0.30 + 0.02 * i, 2) for i in range(19))  # 0.30 ... 0.66


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Bin(n, p), summed from the smaller tail."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if k <= n // 2:
        return min(1.0, sum(math.exp(_log_binom_pmf(i, n, p)) for i in range(k + 1)))
    return max(0.0, 1.0 - sum(math.exp(_log_binom_pmf(i, n, p)) for i in range(k + 1, n + 1)))


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided binomial interval for k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    alpha = 1.0 - confidence

    def solve(target: Callable[[float], bool]) -> float:
        low, high = 0.0, 1.0
        for _ in range(60):
            mid = (low + high) / 2
            low, high = (mid, high) if target(mid) else (low, mid)
        return (low + high) / 2

    lower = 0.0 if k == 0 else solve(lambda p: 1.0 - _binom_cdf(k - 1, n, p) < alpha / 2)
    upper = 1.0 if k == n else solve(lambda p: _binom_cdf(k, n, p) > alpha / 2)
    return lower, upper


def rate(k: int, n: int) -> str:
    """``k/n = x% [lo%, hi%]`` with the 95% Clopper-Pearson interval."""
    if n == 0:
        return "-"
    low, high = clopper_pearson(k, n)
    return f"{k}/{n} = {100 * k / n:.2f}% [{100 * low:.3f}%, {100 * high:.2f}%]"


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Photo:
    file: str
    identity: str
    collection: str
    box: tuple[int, int, int, int] | None  # labelled face box (x, y, w, h), if any
    data: bytes


def load_corpus(root: Path, limit_people: int | None = None) -> list[Photo]:
    rows = list(csv.DictReader((root / "photos.csv").open(encoding="utf-8")))
    people = sorted({row["identity"] for row in rows})
    if limit_people is not None:
        # A fixed, spread-out subset (not the first names alphabetically).
        people = sorted(people, key=lambda p: zlib.crc32(p.encode()))[:limit_people]
    chosen = set(people)
    photos = []
    for row in rows:
        if row["identity"] not in chosen:
            continue
        box_text = (row.get("face_box") or "").split()
        box = tuple(int(float(v)) for v in box_text) if len(box_text) == 4 else None
        photos.append(
            Photo(
                row["file"],
                row["identity"],
                row.get("collection") or "?",
                box,  # type: ignore[arg-type]
                (root / row["file"]).read_bytes(),
            )
        )
    return photos


def families(root: Path) -> list[set[str]]:
    """Look-alike families (pairs.jsonl kind ``lookalike``), kept in one fold together."""
    path = root / "pairs.jsonl"
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            pair = json.loads(line)
            if "look" in str(pair.get("kind", "")):
                a, b = pair["ids"]
                parent[find(a)] = find(b)
    groups: dict[str, set[str]] = defaultdict(set)
    for person in parent:
        groups[find(person)].add(person)
    return list(groups.values())


# --------------------------------------------------------------------------------------------
# Document renderings
# --------------------------------------------------------------------------------------------


def _portrait(photo: Photo, image: Image) -> PILImage.Image:
    """Head and shoulders around the labelled face, about 2.2 face heights tall, 3:4."""
    if photo.box is not None:
        x, y, w, h = photo.box
    else:
        x, y, w, h = 0, 0, image.shape[1], image.shape[0]
    cx, cy = x + w / 2, y + h / 2 + 0.1 * h
    height = 2.2 * h
    width = height * 0.75
    left, top = int(max(0, cx - width / 2)), int(max(0, cy - height * 0.48))
    right = int(min(image.shape[1], cx + width / 2))
    bottom = int(min(image.shape[0], cy + height * 0.52))
    crop = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_BGR2RGB)
    return PILImage.fromarray(crop)


def _grey(portrait: PILImage.Image) -> PILImage.Image:
    return portrait.convert("L").convert("RGB")


def _halftoned(portrait: PILImage.Image, cell: float) -> PILImage.Image:
    """CMY dot screens at the size the TD1 page prints the portrait (200 x 260 px)."""
    from faces import halftone  # noqa: PLC0415 (the sibling script's screens, the same print)
    from openidv.vision.synth.artwork import fit_portrait  # noqa: PLC0415

    fitted = np.asarray(fit_portrait(portrait, (200, 260)), dtype=np.uint8)[:, :, ::-1]
    printed = halftone(np.ascontiguousarray(fitted), cell)
    return PILImage.fromarray(np.ascontiguousarray(printed[:, :, ::-1]))


Kind = Callable[[int, PILImage.Image], bytes]


def _page(fmt: str, degradation: str, change: Callable[[PILImage.Image], PILImage.Image]) -> Kind:
    def render(seed: int, portrait: PILImage.Image) -> bytes:
        return generate_document(
            seed, fmt=fmt, degradation=degradation, portrait=change(portrait)
        ).image

    return render


def _same(portrait: PILImage.Image) -> PILImage.Image:
    return portrait


KINDS: dict[str, Kind] = {
    "passport-scan": _page("TD3", "clean", _same),
    "card-camera": _page("TD1", "camera", _same),
    "card-grey": _page("TD1", "camera", _grey),
    "card-halftone": _page("TD1", "jpeg", lambda p: _halftoned(p, 3.0)),
    "card-lowres": _page("TD1", "lowres", _same),
}
QUICK_KINDS = ("card-camera", "card-grey")


def render_documents(photos: Sequence[Photo], kinds: Sequence[str]) -> dict[tuple[str, str], bytes]:
    from openidv.vision.faces import decode_image  # noqa: PLC0415

    documents: dict[tuple[str, str], bytes] = {}
    for photo in photos:
        portrait = _portrait(photo, decode_image(photo.data))
        seed = zlib.crc32(photo.file.encode()) % 100_000
        for kind in kinds:
            documents[(kind, photo.file)] = KINDS[kind](seed, portrait)
    return documents


# --------------------------------------------------------------------------------------------
# Scoring all against all
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    kind: str
    collection: str  # the selfie's collection ("kind of photo")
    genuine: bool
    document: str
    selfie: str
    score: float | None  # fused (or SFace alone) score, None when not measurable
    sface: float | None
    distance: float | None  # dlib distance when it ran
    value: str  # APPROVE / REJECT / NOT_AVAILABLE
    reason: str | None
    why: str
    selfie_one_main_face: bool  # the selfie has no second face of similar size
    ids: tuple[str, str]


def score_all(
    matcher: FaceMatcher,
    photos: Sequence[Photo],
    documents: dict[tuple[str, str], FaceSide],
    selfies: dict[str, FaceSide],
) -> list[Comparison]:
    identity = {p.file: p.identity for p in photos}
    collection = {p.file: p.collection for p in photos}
    out: list[Comparison] = []
    for (kind, doc_file), doc in documents.items():
        for photo in photos:
            if photo.file == doc_file:
                continue
            selfie = selfies[photo.file]
            measured = matcher.compare_sides(doc, [selfie])
            decision = decide(measured)
            frame = measured.selfie_frames[0]
            out.append(
                Comparison(
                    kind,
                    collection[photo.file],
                    identity[doc_file] == photo.identity,
                    doc_file,
                    photo.file,
                    measured.similarity,
                    frame.sface_similarity,
                    frame.dlib_distance,
                    decision.value,
                    decision.reason,
                    decision.why
                    + (
                        ":" + ",".join(r.value for r in measured.reasons)
                        if measured.reasons
                        else ""
                    )
                    + (
                        ":" + ",".join(measured.quality_issues) if decision.why == "quality" else ""
                    ),
                    selfie.reason is None or selfie.reason.value != "SELFIE_MULTIPLE_FACES",
                    (identity[doc_file], photo.identity),
                )
            )
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _at_floor(rows: Sequence[Comparison]) -> str:
    """FNMR at the lowest threshold whose FMR on these impostors is <= 1e-4."""
    genuine = [r.score for r in rows if r.genuine and r.score is not None]
    impostor = sorted(
        (r.score for r in rows if not r.genuine and r.score is not None), reverse=True
    )
    if not genuine or not impostor:
        return ""
    allowed = math.floor(NIST_FMR * len(impostor))
    threshold = impostor[allowed] + 1e-6 if len(impostor) > allowed else -1.0
    fnm = sum(s < threshold for s in genuine)
    return f"  at FMR<=1e-4 (t={threshold:.3f}): FNMR {rate(fnm, len(genuine))}"


def _row(label: str, rows: Sequence[Comparison]) -> str:
    genuine = [r for r in rows if r.genuine]
    impostor = [r for r in rows if not r.genuine]
    approved_imp = sum(r.value == "APPROVE" for r in impostor)
    not_approved_gen = sum(r.value != "APPROVE" for r in genuine)
    rejected_gen = sum(r.value == "REJECT" and r.why == "reject" for r in genuine)
    undecided_gen = sum(r.why not in {"approve", "reject"} for r in genuine)
    return (
        f"  {label:26s} FMR(approve) {rate(approved_imp, len(impostor)):40s} "
        f"FNMR(not approved) {rate(not_approved_gen, len(genuine)):36s} "
        f"wrongly rejected {rejected_gen:3d}  to reviewer {undecided_gen:3d}" + _at_floor(rows)
    )


def det_points(rows: Sequence[Comparison]) -> list[str]:
    genuine = [r.score for r in rows if r.genuine and r.score is not None]
    impostor = [r.score for r in rows if not r.genuine and r.score is not None]
    lines = [f"  {'threshold':>9s}  {'FMR':>40s}  {'FNMR':>38s}"]
    for t in DET_THRESHOLDS:
        fm = sum(s >= t for s in impostor)
        fnm = sum(s < t for s in genuine)
        mark = "  <- approve" if abs(t - APPROVE_AT) < 1e-9 else ""
        lines.append(
            f"  {t:>9.2f}  {rate(fm, len(impostor)):>40s}  {rate(fnm, len(genuine)):>38s}{mark}"
        )
    ordered = sorted(impostor, reverse=True)
    allowed = math.floor(NIST_FMR * len(impostor))
    # Lowest threshold whose false matches stay within FMR 1e-4 of the measured impostors.
    threshold = (ordered[allowed] + 1e-6) if len(ordered) > allowed else -1.0
    fnm = sum(s < threshold for s in genuine)
    lines.append(
        f"  at the lowest threshold with FMR <= 1e-4 on these {len(impostor)} impostors "
        f"({threshold:.3f}, {allowed} false matches allowed): FNMR {rate(fnm, len(genuine))}"
    )
    return lines


def report(rows: Sequence[Comparison], title: str) -> str:
    measurable = [r for r in rows if r.score is not None]
    lines = ["", f"== {title} ==", ""]
    n_gen = sum(r.genuine for r in rows)
    lines.append(
        f"{len(rows)} comparisons: {n_gen} genuine, {len(rows) - n_gen} impostor; approve at "
        f">= {APPROVE_AT:.3f}, reject below {REJECT_BELOW:.3f} (fused score, SFace scale). "
        "Intervals: 95% Clopper-Pearson."
    )
    lines.append("")
    lines.append("By document kind (the document side's rendering):")
    for kind in dict.fromkeys(r.kind for r in rows):
        lines.append(_row(kind, [r for r in rows if r.kind == kind]))
    lines.append("By kind of selfie photo (its collection):")
    for coll in sorted({r.collection for r in rows}):
        lines.append(_row(coll, [r for r in rows if r.collection == coll]))
    lines.append(_row("OVERALL", rows))
    one_face = [r for r in rows if r.genuine and r.selfie_one_main_face]
    undecided = sum(r.value == "NOT_AVAILABLE" for r in one_face)
    lines.append(
        f"  undecided (NOT_AVAILABLE) among genuine pairs whose selfie shows one main face: "
        f"{rate(undecided, len(one_face))}  (target <= 3%)"
    )
    lines.append("")
    lines.append("Outcomes and reasons (genuine / impostor):")
    for genuine in (True, False):
        counts = Counter(
            f"{r.value} {r.reason or ''} [{r.why}]" for r in rows if r.genuine is genuine
        )
        lines.append(f"  {'genuine' if genuine else 'impostor'}:")
        for key, n in counts.most_common():
            lines.append(f"    {n:6d}  {key}")
    lines.append("")
    lines.append("DET (measurable pairs; FMR over impostors, FNMR over genuine):")
    lines += det_points(measurable)
    gen = sorted((r for r in measurable if r.genuine), key=lambda r: r.score or 0.0)
    imp = sorted((r for r in measurable if not r.genuine), key=lambda r: -(r.score or 0.0))
    lines.append("  lowest genuine:   " + "; ".join(_pair(r) for r in gen[:5]))
    lines.append("  highest impostor: " + "; ".join(_pair(r) for r in imp[:5]))
    ran = sum(r.distance is not None for r in measurable)
    lines.append(f"  second model (dlib) ran on {ran} of {len(measurable)} measurable comparisons")
    return "\n".join(lines)


def _pair(r: Comparison) -> str:
    return f"{r.score:.3f} {r.kind}:{Path(r.document).stem} v {Path(r.selfie).stem}"


# --------------------------------------------------------------------------------------------
# Cross-validation by identity
# --------------------------------------------------------------------------------------------


def _fused(r: Comparison, weight: float) -> float | None:
    return None if r.sface is None else fusion.fuse(r.sface, r.distance, weight)


def cross_validate(rows: Sequence[Comparison], root: Path, folds: int = 5) -> str:
    """Choose (weight, approve threshold) on 4/5 of the identities, count errors on the rest.

    A comparison is in a test fold when both of its identities are; in training when neither
    is. The threshold chosen is the lowest that approves no training impostor, plus 0.02 (a
    margin for the next corpus); the weight is the one that then leaves fewest training genuine
    pairs unapproved (ties to the smaller weight).
    """
    people = sorted({p for r in rows for p in r.ids})
    units: list[set[str]] = []
    seen: set[str] = set()
    for fam in families(root):
        members = fam & set(people)
        if members:
            units.append(members)
            seen |= members
    units += [{p} for p in people if p not in seen]
    random.Random(17).shuffle(units)
    fold_of = {p: i % folds for i, unit in enumerate(units) for p in unit}
    weights = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4)
    held_fm = held_imp = held_fnm = held_gen = 0
    lines = ["", f"== Cross-validation by identity ({folds} folds, families kept together) =="]
    for fold in range(folds):
        train = [r for r in rows if fold_of[r.ids[0]] != fold and fold_of[r.ids[1]] != fold]
        test = [r for r in rows if fold_of[r.ids[0]] == fold and fold_of[r.ids[1]] == fold]
        best: tuple[int, float, float] | None = None
        for w in weights:
            imp = [s for r in train if not r.genuine if (s := _fused(r, w)) is not None]
            gen = [s for r in train if r.genuine if (s := _fused(r, w)) is not None]
            threshold = max(imp, default=0.0) + 0.02
            misses = sum(s < threshold for s in gen)
            if best is None or misses < best[0]:
                best = (misses, w, threshold)
        assert best is not None
        _, w, threshold = best
        t_imp = [s for r in test if not r.genuine if (s := _fused(r, w)) is not None]
        t_gen = [(s, r) for r in test if r.genuine if (s := _fused(r, w)) is not None]
        fm = sum(s >= threshold for s in t_imp)
        fnm = sum(s < threshold for s, _ in t_gen)
        held_fm, held_imp = held_fm + fm, held_imp + len(t_imp)
        held_fnm, held_gen = held_fnm + fnm, held_gen + len(t_gen)
        lines.append(
            f"  fold {fold + 1}: weight {w:.2f}, approve at {threshold:.3f}: held-out FMR "
            f"{fm}/{len(t_imp)}, FNMR {fnm}/{len(t_gen)}"
        )
    lines.append(f"  held-out overall: FMR {rate(held_fm, held_imp)}")
    lines.append(f"                    FNMR {rate(held_fnm, held_gen)} (measurable pairs)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def _timed_runs(matcher: FaceMatcher, pairs: Sequence[tuple[bytes, bytes]]) -> list[float]:
    samples = []
    for document, selfie in pairs:
        start = time.perf_counter()
        decide(matcher.match_document_to_selfie(document, [selfie]))
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_comparisons(
    matcher: FaceMatcher, baseline: FaceMatcher, pairs: Sequence[tuple[bytes, bytes]]
) -> str:
    """Fresh comparisons (nothing cached) after load, interleaved with the SFace-only
    baseline on the same pairs so that the ratio survives a busy machine."""
    ours: list[float] = []
    base: list[float] = []
    for pair in pairs:
        base += _timed_runs(baseline, [pair])
        ours += _timed_runs(matcher, [pair])
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "Time per comparison (document page + selfie: decode, detect, embed, quality, the "
            "second model when in its band, decision; nothing cached; after load):",
            f"  shipped:        p50 {percentile(ours, 50):5.0f} ms  p95 "
            f"{percentile(ours, 95):5.0f} ms  max {max(ours):5.0f} ms  n={len(ours)}",
            f"  SFace baseline: p50 {percentile(base, 50):5.0f} ms  p95 "
            f"{percentile(base, 95):5.0f} ms  (same pairs, interleaved)",
            f"  ratio p95 shipped / baseline: {percentile(ours, 95) / percentile(base, 95):.2f}; "
            f"load average {load:.1f} on {os.cpu_count()} cores (target p95 <= 150 ms)",
        ]
    )


def time_shipped(matcher: FaceMatcher, pairs: Sequence[tuple[bytes, bytes]]) -> str:
    """Fresh comparisons (nothing cached) after load, as the check runs them."""
    ours = _timed_runs(matcher, pairs)
    load = os.getloadavg()[0]
    return (
        "Time per comparison (document page + selfie: decode, detect, embed, quality, "
        "decision; nothing cached; after load):\n"
        f"  shipped (SFace alone): p50 {percentile(ours, 50):5.0f} ms  p95 "
        f"{percentile(ours, 95):5.0f} ms  max {max(ours):5.0f} ms  n={len(ours)}; "
        f"load average {load:.1f} on {os.cpu_count()} cores (target p95 <= 150 ms; figures "
        "taken under load are not valid)"
    )


def run(
    root: Path,
    *,
    quick: bool,
    limit_people: int | None,
    second: bool,
    calibrate: bool,
    rows_out: Path | None = None,
) -> None:
    started = time.perf_counter()
    engine = FaceEngine()
    dlib = None
    if second:
        try:
            dlib = fusion.DlibResnet()
        except FaceModelNotFoundError as exc:
            # The second model is an optional extra (weight 0 as shipped): without it the run
            # measures what the check runs, and says so, instead of stopping.
            print(f"Second model not installed ({exc}); SFace alone, as the check runs it.")
    matcher = FaceMatcher(engine, dlib)
    print(f"Models loaded in {time.perf_counter() - started:.1f} s: {matcher.model_id}")
    photos = load_corpus(root, limit_people if limit_people else (10 if quick else None))
    kinds = QUICK_KINDS if quick else tuple(KINDS)
    people = len({p.identity for p in photos})
    print(
        f"{len(photos)} photos of {people} people from {root}; document kinds: {', '.join(kinds)}"
    )
    t0 = time.perf_counter()
    rendered = render_documents(photos, kinds)
    print(f"Rendered {len(rendered)} document pages in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    documents = {key: matcher.document_side(data) for key, data in rendered.items()}
    selfies = {p.file: matcher.selfie_side(p.data) for p in photos}
    rows = score_all(matcher, photos, documents, selfies)
    print(f"Measured and compared in {time.perf_counter() - t0:.0f} s")
    if rows_out is not None:
        # Scores and file names only (no pixels): for analysis outside the repository.
        with rows_out.open("w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps(dataclasses.asdict(r)) + "\n")
    print(report(rows, f"Real faces: {len(photos)} photos, {people} people, all against all"))
    if calibrate:
        print(cross_validate(rows, root))
    rng = random.Random(5)
    by_file = {p.file: p for p in photos}
    genuine = [r for r in rows if r.genuine]
    impostor = [r for r in rows if not r.genuine]
    sample = rng.sample(genuine, min(len(genuine), 15 if quick else 40)) + rng.sample(
        impostor, min(len(impostor), 15 if quick else 40)
    )
    pairs = [(rendered[(r.kind, r.document)], by_file[r.selfie].data) for r in sample]
    # Timed as shipped: the second model only when its calibrated weight is above 0.
    if fusion.FUSION_WEIGHT > 0 and matcher.second is not None:
        print(time_comparisons(matcher, FaceMatcher(engine), pairs))
    else:
        # Shipped is SFace alone: timing a "baseline" of the same configuration would only
        # double the run (and, interleaved, the load on a shared machine).
        print(time_shipped(FaceMatcher(engine), pairs))
    print(f"Whole run: {time.perf_counter() - started:.0f} s")
