"""Face matching: FMR / FNMR at the operating thresholds, the ROC, and time per pair.

YuNet + SFace through ``openidv.vision.faces``, scored exactly as ID_DOCUMENT_FACE_MATCH does:
``FaceEngine.match_document_to_selfie(document page bytes, [selfie bytes])``, decode included.

Built-in set (default). Each real photo becomes the *document* side in several renderings:

* ``card``       the portrait printed on a white ID card (1000x630, portrait 250 px wide);
* ``halftone``   the same card printed with three rotated CMY dot screens, re-captured with a
  little blur: dots 2.5-3.5 px at capture scale (``halftone-coarse``: 4-5 px, the dots resolved);
* ``ghost``      only the small, grey, washed-out "ghost image" copy (120 px wide) with guilloche
  lines over it (the main portrait is left out so the ghost is what gets matched);
* ``lowres``     the card captured so small that the portrait is 60, 70 or 80 px wide (faces of
  31-42 px: below the engine's 48 px minimum, so not measurable; a diagnostic row scores them
  with that guard off);
* ``photocopy``  a grey, contrast-crushed, toner-speckled, slightly rotated copy, JPEG quality 30;

and each other real photo, unchanged, is the *selfie*. A pair is genuine when both photos show
the same person and are independent photos (not a crop or re-encoding of one another: the
fixtures' INDEPENDENT_PHOTOS), impostor when they show different people; a rendering of a photo
against that same photo is not counted at all. ``photo`` (the photo itself as the document) is
printed as a reference row and kept out of the overall figures and the ROC.

THIS IS A SANITY CHECK, NOT AN ACCURACY ESTIMATE: 5 photos of 3 people (3 independent photos of
one of them), so 6 genuine and 14 impostor pairs per rendering (36 / 84 over the six), no
look-alikes, no age gaps, no real document captures. Zero errors here says the pipeline is wired
correctly and survives the renderings; it says nothing about error rates of 1 in 10,000.

The photos are the ones the tests use (face_recognition 1.3.0 sdist test images and
scikit-image's astronaut), fetched with pip and hash-checked by tests/vision/conftest.py, which
this script reuses so there is one pinned copy of that logic.

``--pairs-dir DIR``: an operator's labelled pairs in the LFW layout, ``DIR/<name>/<name>_0001.jpg``
plus ``pairs.txt`` (default ``DIR/pairs.txt``, or ``--pairs-file``) in LFW's format: a first line
``<folds> <n>`` (each fold is n matched then n mismatched lines) or a single count, then
``name i j`` (same person, images i and j) and ``name1 i name2 j`` (different people). The same
report is printed for those pairs, image against image, with no document rendering. Nothing is
downloaded for it: bring your own data.

Usage::

    .venv/bin/python benchmarks/faces.py [--repeats N] [--threads N]
    .venv/bin/python benchmarks/faces.py --pairs-dir DIR [--pairs-file FILE] [--limit N]
    .venv/bin/python benchmarks/faces.py --real DIR [--quick] [--people N] [--calibrate]
        (real identity-labelled photos rendered as ID pages, all against all: faces_real.py)

Times are wall-clock on whatever machine runs this (a shared 2-core box in the README): noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import (
    SFACE_COSINE_THRESHOLD,
    STRICT_COSINE_THRESHOLD,
    FaceEngine,
    decode_image,
)

Image = NDArray[np.uint8]
ROOT = Path(__file__).resolve().parent.parent

REJECT_BELOW = SFACE_COSINE_THRESHOLD  # ID_DOCUMENT_FACE_MATCH: REJECT below this
APPROVE_AT = STRICT_COSINE_THRESHOLD  # ID_DOCUMENT_FACE_MATCH: APPROVE at or above this
OPERATING_THRESHOLDS = (REJECT_BELOW, APPROVE_AT)
ROC_THRESHOLDS = tuple(round(0.20 + 0.05 * i, 2) for i in range(13))  # 0.20 ... 0.80
TARGET_P95_MS = 150.0
REFERENCE_GROUP = "photo"
LFW_EXTENSIONS = (".jpg", ".jpeg", ".png")


# --------------------------------------------------------------------------------------------
# Pair results and the report (pure: no models, no files)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairResult:
    """One scored pair. ``score`` is None when the engine could not measure it."""

    group: str  # rendering name, or fold for --pairs-dir
    genuine: bool
    document: str
    selfie: str
    score: float | None
    reason: str | None  # the engine's not-measurable reasons, comma-separated
    ms: float  # wall time of match_document_to_selfie, decode included


def false_counts(
    genuine: Sequence[float], impostor: Sequence[float], threshold: float
) -> tuple[int, int]:
    """(false matches, false non-matches) when a pair matches at ``score >= threshold``."""
    return sum(s >= threshold for s in impostor), sum(s < threshold for s in genuine)


def fraction(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


def percent(k: int, n: int) -> str:
    return f"{k}/{n} ({100.0 * k / n:.1f}%)" if n else "-"


def equal_error_point(genuine: Sequence[float], impostor: Sequence[float]) -> str:
    """Where FMR and FNMR cross, as one line of text.

    With separated scores the equal error rate is 0 over a whole interval of thresholds, which
    is printed as such; otherwise the threshold among the observed scores that makes the two
    rates closest, and the rates there.
    """
    if not genuine or not impostor:
        return "equal error point: n/a (needs both genuine and impostor scores)"
    highest_impostor, lowest_genuine = max(impostor), min(genuine)
    if highest_impostor < lowest_genuine:
        return (
            f"equal error point: 0 errors for any threshold in ({highest_impostor:.3f}, "
            f"{lowest_genuine:.3f}] (highest impostor, lowest genuine): the sets do not overlap"
        )
    best: tuple[float, float, int, int] | None = None
    for threshold in sorted({*genuine, *impostor}):
        fm, fnm = false_counts(genuine, impostor, threshold)
        gap = abs(fm / len(impostor) - fnm / len(genuine))
        if best is None or gap < best[0]:
            best = (gap, threshold, fm, fnm)
    assert best is not None
    _, threshold, fm, fnm = best
    rate = (fm / len(impostor) + fnm / len(genuine)) / 2
    return (
        f"equal error point: ~{100 * rate:.1f}% at threshold {threshold:.3f} "
        f"(FMR {percent(fm, len(impostor))}, FNMR {percent(fnm, len(genuine))})"
    )


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100]) of a non-empty sequence."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _scores(results: Iterable[PairResult], genuine: bool) -> list[float]:
    return [r.score for r in results if r.genuine is genuine and r.score is not None]


def _operating_header() -> str:
    reject, approve = f"{REJECT_BELOW:.3f}", f"{APPROVE_AT:.2f}"
    return (
        f"{'group':18s}  {'gen':>5s}  {'imp':>5s}  {'n/m g/i':>9s}  {'FNMR' + reject:>9s}  "
        f"{'FNMR' + approve:>9s}  {'FMR' + reject:>9s}  {'FMR' + approve:>9s}  "
        f"{'gen min':>7s}  {'imp max':>8s}"
    )


def _operating_row(label: str, rows: Sequence[PairResult]) -> str:
    genuine, impostor = _scores(rows, True), _scores(rows, False)
    n_gen = sum(r.genuine for r in rows)
    n_imp = len(rows) - n_gen
    cells = [f"{label:18s}", f"{n_gen:>5d}", f"{n_imp:>5d}"]
    cells.append(f"{n_gen - len(genuine):>3d} / {n_imp - len(impostor):<3d}")
    for threshold in OPERATING_THRESHOLDS:
        cells.append(f"{fraction(false_counts(genuine, impostor, threshold)[1], len(genuine)):>9s}")
    for threshold in OPERATING_THRESHOLDS:
        cells.append(
            f"{fraction(false_counts(genuine, impostor, threshold)[0], len(impostor)):>9s}"
        )
    cells.append(f"{min(genuine):>7.3f}" if genuine else f"{'-':>7s}")
    cells.append(f"{max(impostor):>8.3f}" if impostor else f"{'-':>8s}")
    return "  ".join(cells)


def report(results: Sequence[PairResult], title: str, reference_groups: Sequence[str] = ()) -> str:
    """The whole printed report for a set of scored pairs, as text.

    Groups in ``reference_groups`` get their own row but are left out of the overall row, the
    ROC, the equal error point and the timing.
    """
    groups = list(dict.fromkeys(r.group for r in results))
    counted = [r for r in results if r.group not in reference_groups]
    genuine, impostor = _scores(counted, True), _scores(counted, False)
    n_gen = sum(r.genuine for r in counted)
    n_imp = len(counted) - n_gen
    lines = [
        "",
        f"== {title} ==",
        "",
        f"!!! {n_gen} GENUINE AND {n_imp} IMPOSTOR PAIRS. THIS IS A SANITY CHECK, NOT AN "
        "ACCURACY ESTIMATE. !!!",
        f"!!! With {len(impostor)} measurable impostor pairs, 0 false matches only bounds FMR "
        f"below ~{min(100.0, 300 / max(len(impostor), 1)):.1f}% (95%, rule of three); "
        "NIST SP 800-63A-4 asks <= 0.01%. !!!",
        "",
        "A pair matches when its score is >= the threshold. ID_DOCUMENT_FACE_MATCH rejects below "
        f"{REJECT_BELOW:.3f} and approves at >= {APPROVE_AT:.3f} (the band between goes to a "
        "reviewer),",
        f"so FMR@{REJECT_BELOW:.3f} counts impostors not rejected outright, FMR@{APPROVE_AT:.2f} "
        f"impostors approved; FNMR@{APPROVE_AT:.2f} counts genuine pairs not approved.",
        "Not-measurable pairs (no face / face too small / several faces: NOT_AVAILABLE, to a "
        "reviewer) are counted apart, not in FMR/FNMR.",
        "",
        _operating_header(),
    ]
    for group in groups:
        if group not in reference_groups:
            lines.append(_operating_row(group, [r for r in results if r.group == group]))
    lines.append(_operating_row("OVERALL", counted))
    for group in reference_groups:
        if group in groups:
            rows = [r for r in results if r.group == group]
            lines.append(_operating_row(f"{group} (reference)", rows))

    n_not = n_gen - len(genuine) + n_imp - len(impostor)
    lines += ["", f"Overall at the operating thresholds ({n_not} not-measurable pairs left out):"]
    for threshold in OPERATING_THRESHOLDS:
        fm, fnm = false_counts(genuine, impostor, threshold)
        lines.append(
            f"  threshold {threshold:.3f}:  FMR {percent(fm, len(impostor))}   "
            f"FNMR {percent(fnm, len(genuine))}"
        )
    if n_gen > len(genuine):
        fnm = false_counts(genuine, impostor, APPROVE_AT)[1] + n_gen - len(genuine)
        lines.append(
            f"  genuine pairs not approved incl. not measurable (FRR@{APPROVE_AT:.2f}): "
            f"{percent(fnm, n_gen)}"
        )
    approved_impostors = false_counts(genuine, impostor, APPROVE_AT)[0]
    lines.append(
        f"  target 'zero impostor accepts at the operating threshold ({APPROVE_AT:.2f})': "
        f"{'met' if approved_impostors == 0 else 'NOT MET'} on this set "
        f"({approved_impostors} of {len(impostor)})"
    )

    lines += ["", "ROC (overall; FMR over impostor, FNMR over genuine measurable pairs):"]
    lines.append(f"  {'threshold':>9s}  {'FMR':>18s}  {'FNMR':>18s}")
    sweep = sorted({*ROC_THRESHOLDS, *OPERATING_THRESHOLDS})
    for threshold in sweep:
        fm, fnm = false_counts(genuine, impostor, threshold)
        mark = (
            "  <- reject below"
            if threshold == REJECT_BELOW
            else "  <- approve at"
            if threshold == APPROVE_AT
            else ""
        )
        lines.append(
            f"  {threshold:>9.3f}  {percent(fm, len(impostor)):>18s}  "
            f"{percent(fnm, len(genuine)):>18s}{mark}"
        )
    lines.append("  " + equal_error_point(genuine, impostor))

    lines += ["", "Score distributions (cosine, measurable pairs):"]
    for label, scores in (("genuine", genuine), ("impostor", impostor)):
        if scores:
            lines.append(
                f"  {label:9s} n={len(scores):4d}  min {min(scores):.3f}  "
                f"p50 {statistics.median(scores):.3f}  max {max(scores):.3f}"
            )
    worst_gen = sorted((r for r in counted if r.genuine and r.score is not None), key=_score)
    worst_imp = sorted((r for r in counted if not r.genuine and r.score is not None), key=_score)
    lines.append("  lowest genuine:  " + _pair_list(worst_gen[:4]))
    lines.append("  highest impostor: " + _pair_list(worst_imp[::-1][:4]))
    unmeasured = [r for r in counted if r.score is None]
    if unmeasured:
        reasons: dict[str, int] = {}
        for r in unmeasured:
            key = f"{r.group}: {r.reason}"
            reasons[key] = reasons.get(key, 0) + 1
        lines.append("  not measurable: " + "; ".join(f"{k} x{n}" for k, n in reasons.items()))

    lines += ["", "Time per pair (document page + one selfie, decode included), wall clock:"]
    times = [r.ms for r in counted]
    if times:
        for group in groups:
            if group not in reference_groups:
                lines.append(_time_row(group, [r.ms for r in counted if r.group == group]))
        lines.append(_time_row("OVERALL", times))
        p95 = percentile(times, 95)
        verdict = "met" if p95 <= TARGET_P95_MS else "NOT MET"
        lines.append(
            f"  target p95 <= {TARGET_P95_MS:.0f} ms: {verdict} ({p95:.1f} ms; shared machine, "
            "noisy; first call on each new image size included)"
        )
    return "\n".join(lines)


def _score(result: PairResult) -> float:
    return result.score if result.score is not None else math.nan


def _pair_list(rows: Sequence[PairResult]) -> str:
    return ", ".join(f"{r.score:.3f} {r.group}({r.document}) v {r.selfie}" for r in rows) or "-"


def _time_row(label: str, times: Sequence[float]) -> str:
    return (
        f"  {label:18s} p50 {percentile(times, 50):6.1f} ms   p95 {percentile(times, 95):6.1f} ms"
        f"   max {max(times):6.1f} ms   n={len(times)}"
    )


# --------------------------------------------------------------------------------------------
# Scoring pairs
# --------------------------------------------------------------------------------------------


def match_pair(
    engine: FaceEngine, document: bytes, selfie: bytes
) -> tuple[float | None, str | None, float]:
    """(score, not-measurable reasons, wall ms) for one document page and one selfie."""
    start = time.perf_counter()
    measured = engine.match_document_to_selfie(document, [selfie])
    elapsed = (time.perf_counter() - start) * 1000.0
    reason = ",".join(r.value for r in measured.reasons) or None
    return measured.similarity, reason, elapsed


@dataclass(frozen=True, slots=True)
class PairSpec:
    group: str
    genuine: bool
    document: str
    selfie: str
    document_bytes: bytes
    selfie_bytes: bytes


def score_specs(
    engine: FaceEngine, specs: Sequence[PairSpec], repeats: int = 1
) -> list[PairResult]:
    """Score every pair; with ``repeats`` > 1 each pair's time is the median of its runs."""
    results: list[PairResult] = []
    for spec in specs:
        runs = [match_pair(engine, spec.document_bytes, spec.selfie_bytes) for _ in range(repeats)]
        score, reason, _ = runs[0]
        results.append(
            PairResult(
                spec.group,
                spec.genuine,
                spec.document,
                spec.selfie,
                score,
                reason,
                statistics.median(ms for *_, ms in runs),
            )
        )
    return results


# --------------------------------------------------------------------------------------------
# Built-in set: real photos and document renderings
# --------------------------------------------------------------------------------------------


def load_face_fixtures() -> ModuleType:
    path = ROOT / "tests" / "vision" / "conftest.py"
    spec = importlib.util.spec_from_file_location("openidv_face_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetch_photos(target: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Encoded bytes of each independent photo, and the identity each shows."""
    fixtures = load_face_fixtures()
    fixtures._extract_face_recognition_images(target)
    (target / "astronaut.png").write_bytes(fixtures._astronaut_png())
    identities: dict[str, str] = dict(fixtures.INDEPENDENT_PHOTOS)
    photos = {name: next(target.glob(f"{name}.*")).read_bytes() for name in identities}
    return photos, identities


def _jpeg(image: Image, quality: int = 90) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def _u8(values: NDArray[np.generic]) -> Image:
    return np.asarray(np.clip(values, 0, 255), dtype=np.uint8)


def portrait_crop(engine: FaceEngine, photo: Image) -> Image:
    """Head-and-shoulders crop around the largest face (face ~half the crop's width)."""
    faces = engine.detect(photo)
    if not faces:
        raise SystemExit("a sample photo has no detectable face: the pipeline is broken")
    x, y, w, h = faces[0].box
    cx, cy = x + w / 2, y + h / 2
    top, left = max(0, int(cy - 1.25 * h)), max(0, int(cx - 0.95 * w))
    return photo[top : int(cy + 1.25 * h), left : int(cx + 0.95 * w)]


def blank_card() -> Image:
    """A white 1000x630 card with grey bars where the printed data would be."""
    card = np.full((630, 1000, 3), 245, dtype=np.uint8)
    for row in range(6):
        cv2.rectangle(card, (330, 130 + row * 50), (780, 150 + row * 50), (90, 90, 90), -1)
    return card


def id_card(portrait: Image, width: int = 250) -> Image:
    """The card with ``portrait`` printed at (40, 120), ``width`` px wide (at most 480 tall)."""
    height = min(480, round(portrait.shape[0] * width / portrait.shape[1]))
    resized = cv2.resize(portrait, (width, round(portrait.shape[0] * width / portrait.shape[1])),
                         interpolation=cv2.INTER_AREA)  # fmt: skip
    card = blank_card()
    card[120 : 120 + height, 40 : 40 + width] = resized[:height]
    return card


def halftone(image: Image, cell: float = 4.5) -> Image:
    """Print ``image`` with three rotated dot screens (C, M, Y inks on white paper)."""
    height, width = image.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    out = np.empty_like(image)
    # BGR channel -> ink: B is covered by yellow, G by magenta, R by cyan. Classic screen angles.
    for channel, angle in ((0, 0.0), (1, 75.0), (2, 15.0)):
        theta = np.deg2rad(angle)
        u = (xx * np.cos(theta) + yy * np.sin(theta)) * (2 * np.pi / cell)
        v = (-xx * np.sin(theta) + yy * np.cos(theta)) * (2 * np.pi / cell)
        spot = 0.5 - 0.25 * (np.cos(u) + np.cos(v))  # 0 at cell centre, 1 at its corners
        ink = 1.0 - image[:, :, channel].astype(np.float32) / 255.0
        out[:, :, channel] = np.where(ink > spot, 20, 250).astype(np.uint8)
    return out


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def render_card(engine: FaceEngine, name: str, photo: Image) -> bytes:
    return _jpeg(id_card(portrait_crop(engine, photo)))


def _halftone_capture(engine: FaceEngine, name: str, photo: Image, cells: Sequence[float],
                      blur: float) -> bytes:  # fmt: skip
    cell = cells[_seed(name) % len(cells)]
    printed = halftone(id_card(portrait_crop(engine, photo)), cell=cell)
    return _jpeg(_u8(cv2.GaussianBlur(printed, (0, 0), blur)))  # camera blur, then JPEG


def render_halftone(engine: FaceEngine, name: str, photo: Image) -> bytes:
    """Dots of 2.5-3.5 px at capture scale, camera blur sigma 1.0: a normal print, captured."""
    return _halftone_capture(engine, name, photo, (2.5, 3.0, 3.5), 1.0)


def render_halftone_coarse(engine: FaceEngine, name: str, photo: Image) -> bytes:
    """Dots of 4-5 px, blur sigma 0.8: the screen resolved (coarse print or a close capture)."""
    return _halftone_capture(engine, name, photo, (4.0, 4.5, 5.0), 0.8)


def render_ghost(engine: FaceEngine, name: str, photo: Image) -> bytes:
    """Only the ghost image: 120 px wide, grey, contrast cut to ~30%, guilloche over it."""
    portrait = cv2.cvtColor(portrait_crop(engine, photo), cv2.COLOR_BGR2GRAY)
    height = round(portrait.shape[0] * 120 / portrait.shape[1])
    small = cv2.resize(portrait, (120, height), interpolation=cv2.INTER_AREA).astype(np.float32)
    washed = 255.0 - (255.0 - small) * 0.32  # dark parts become light grey
    yy, xx = np.mgrid[0:height, 0:120].astype(np.float32)
    lines = np.sin(xx * 0.9 + 6.0 * np.sin(yy * 0.12)) > 0.93  # thin wavy security lines
    washed[lines] -= 25.0
    card = blank_card()
    height = min(height, 300)
    card[300 : 300 + height, 820:940] = cv2.cvtColor(_u8(washed[:height]), cv2.COLOR_GRAY2BGR)
    return _jpeg(card)


def render_lowres(engine: FaceEngine, name: str, photo: Image) -> bytes:
    """The card captured far away: the portrait ends up 60, 70 or 80 px wide."""
    portrait_px = (60, 70, 80)[_seed(name) % 3]
    card = id_card(portrait_crop(engine, photo))
    scale = portrait_px / 250
    size = (round(card.shape[1] * scale), round(card.shape[0] * scale))
    return _jpeg(_u8(cv2.resize(card, size, interpolation=cv2.INTER_AREA)), quality=85)


def render_photocopy(engine: FaceEngine, name: str, photo: Image) -> bytes:
    """A grey photocopy of the card: crushed contrast, toner speckle, skew, JPEG quality 30."""
    rng = np.random.default_rng(_seed(name))
    grey = cv2.cvtColor(id_card(portrait_crop(engine, photo)), cv2.COLOR_BGR2GRAY)
    copy = grey.astype(np.float32) * 1.6 - 90.0  # darks go black, lights go paper-white
    copy = cv2.GaussianBlur(copy, (0, 0), 1.0) + rng.normal(0.0, 10.0, copy.shape)
    speckle = rng.random(copy.shape) < 0.004
    copy[speckle] = 30.0
    page = cv2.copyMakeBorder(_u8(copy), 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    angle = float(rng.uniform(-2.0, 2.0))
    matrix = cv2.getRotationMatrix2D((page.shape[1] / 2, page.shape[0] / 2), angle, 1.0)
    page = cv2.warpAffine(page, matrix, (page.shape[1], page.shape[0]), borderValue=255)
    return _jpeg(_u8(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)), quality=30)


Renderer = Callable[[FaceEngine, str, Image], bytes]
RENDERINGS: dict[str, Renderer] = {
    "card": render_card,
    "halftone": render_halftone,
    "halftone-coarse": render_halftone_coarse,
    "ghost": render_ghost,
    "lowres": render_lowres,
    "photocopy": render_photocopy,
}


def builtin_specs(
    engine: FaceEngine, photos: dict[str, bytes], identities: dict[str, str]
) -> list[PairSpec]:
    """Every rendering of every photo against every *other* photo as the selfie."""
    decoded = {name: decode_image(data) for name, data in photos.items()}
    documents: dict[tuple[str, str], bytes] = {}
    for name, image in decoded.items():
        documents[(REFERENCE_GROUP, name)] = photos[name]
        for rendering, render in RENDERINGS.items():
            documents[(rendering, name)] = render(engine, name, image)
    specs = []
    for (group, doc), doc_bytes in documents.items():
        for selfie, selfie_bytes in photos.items():
            if selfie == doc:  # a rendering against its own source photo: not independent
                continue
            genuine = identities[doc] == identities[selfie]
            specs.append(PairSpec(group, genuine, doc, selfie, doc_bytes, selfie_bytes))
    order = [REFERENCE_GROUP, *RENDERINGS]
    return sorted(specs, key=lambda s: order.index(s.group))


def guard_off_report(results: Sequence[PairResult], group: str) -> str:
    """One operating row for ``group`` scored with the minimum face size switched off."""
    return "\n".join(
        [
            "",
            f"Diagnostic, not counted above: {group!r} scored with the engine's minimum face size "
            "(48 px) switched off",
            _operating_header(),
            _operating_row(f"{group} (no guard)", [r for r in results if r.group == group]),
        ]
    )


def time_detect_embed(engine: FaceEngine, photos: dict[str, bytes], repeats: int) -> str:
    """p50/p95 of detect + embed on the decoded photos (the README's per-image figure)."""
    decoded = [decode_image(data) for data in photos.values()]
    samples: list[float] = []
    for _ in range(repeats):
        for image in decoded:
            start = time.perf_counter()
            engine.embed(image, engine.detect(image)[0])
            samples.append((time.perf_counter() - start) * 1000)
    sizes = ", ".join(f"{p.shape[1]}x{p.shape[0]}" for p in decoded)
    return (
        f"\nDetect + embed per photo ({sizes}): p50 {percentile(samples, 50):.1f} ms   "
        f"p95 {percentile(samples, 95):.1f} ms   n={len(samples)}"
    )


# --------------------------------------------------------------------------------------------
# --pairs-dir: labelled pairs in the LFW layout
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LfwPair:
    """One line of an LFW pairs file: ``name i j`` or ``name1 i name2 j``."""

    fold: int  # 0-based
    first_name: str
    first_index: int
    second_name: str
    second_index: int

    @property
    def genuine(self) -> bool:
        return self.first_name == self.second_name


def parse_lfw_pairs(text: str) -> tuple[int, list[LfwPair]]:
    """Parse LFW's pairs.txt format; return (number of folds, pairs).

    First line ``<folds> <n>`` (each fold: n matched lines then n mismatched ones, as in LFW's
    pairs.txt) or a single count ``<n>`` (pairsDevTrain/DevTest: n matched then n mismatched;
    a count of all the lines is accepted too). Then ``name i j`` or ``name1 i name2 j`` per
    line, tab- or space-separated, image numbers from 1. Blank lines are ignored. Anything else
    raises ValueError naming the line.
    """
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, fields) for number, fields in lines if fields]
    if not lines:
        raise ValueError("pairs file is empty")
    _, header = lines[0]
    if len(header) not in (1, 2) or not all(field.isdigit() for field in header):
        raise ValueError(f"line 1: expected '<folds> <n>' or '<count>', got {' '.join(header)!r}")
    body = lines[1:]
    if len(header) == 2:
        folds, per_class = int(header[0]), int(header[1])
        if folds < 1 or per_class < 1 or len(body) != 2 * folds * per_class:
            raise ValueError(
                f"header says {folds} folds of {per_class} matched + {per_class} mismatched "
                f"pairs ({2 * folds * per_class} lines), the file has {len(body)} pair lines"
            )
        per_fold = 2 * per_class
    else:
        count = int(header[0])
        if len(body) not in (count, 2 * count) or count < 1:
            raise ValueError(
                f"header count {count} matches neither the {len(body)} pair lines nor half of them"
            )
        folds, per_fold = 1, len(body)
    pairs = []
    for position, (number, fields) in enumerate(body):
        if len(fields) == 3:
            names, indices = (fields[0], fields[0]), (fields[1], fields[2])
        elif len(fields) == 4:
            names, indices = (fields[0], fields[2]), (fields[1], fields[3])
        else:
            raise ValueError(f"line {number}: expected 'name i j' or 'name1 i name2 j'")
        if not all(index.isdigit() and int(index) >= 1 for index in indices):
            raise ValueError(f"line {number}: image numbers must be integers from 1")
        if len(fields) == 4 and names[0] == names[1]:
            raise ValueError(f"line {number}: a mismatched pair names the same person twice")
        pairs.append(
            LfwPair(position // per_fold, names[0], int(indices[0]), names[1], int(indices[1]))
        )
    return folds, pairs


def lfw_image_path(root: Path, name: str, index: int) -> Path:
    """``root/name/name_0001.jpg`` (also .jpeg / .png); raise FileNotFoundError if absent."""
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"not a person name: {name!r}")
    for extension in LFW_EXTENSIONS:
        path = root / name / f"{name}_{index:04d}{extension}"
        if path.is_file():
            return path
    raise FileNotFoundError(root / name / f"{name}_{index:04d}.jpg")


def lfw_specs(
    root: Path, pairs_file: Path | None = None, limit: int | None = None
) -> list[PairSpec]:
    """Pair specs for an LFW-layout folder; every image is read (and checked to exist) first."""
    source = pairs_file if pairs_file is not None else root / "pairs.txt"
    folds, pairs = parse_lfw_pairs(source.read_text(encoding="utf-8"))
    if limit is not None:
        pairs = pairs[:limit]
    cache: dict[Path, bytes] = {}
    missing: list[str] = []
    specs = []
    for pair in pairs:
        paths = []
        for name, index in (
            (pair.first_name, pair.first_index),
            (pair.second_name, pair.second_index),
        ):
            try:
                path = lfw_image_path(root, name, index)
            except FileNotFoundError as exc:
                missing.append(str(exc))
                continue
            if path not in cache:
                cache[path] = path.read_bytes()
            paths.append(path)
        if len(paths) < 2:
            continue
        group = f"fold {pair.fold + 1}" if folds > 1 else "all pairs"
        specs.append(
            PairSpec(
                group,
                pair.genuine,
                paths[0].stem,
                paths[1].stem,
                cache[paths[0]],
                cache[paths[1]],
            )
        )
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} image(s) named in {source} are missing, e.g. {', '.join(missing[:3])}"
        )
    return specs


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="time each pair N times (median)")
    parser.add_argument("--threads", type=int, default=None, help="cv2.setNumThreads")
    parser.add_argument("--pairs-dir", type=Path, default=None, help="LFW-layout folder")
    parser.add_argument("--pairs-file", type=Path, default=None, help="default DIR/pairs.txt")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pairs-file lines")
    parser.add_argument("--real", type=Path, default=None, help="real labelled photos (README)")
    parser.add_argument("--quick", action="store_true", help="--real: 10 people, 2 kinds")
    parser.add_argument("--people", type=int, default=None, help="--real: only N identities")
    parser.add_argument("--sface-only", action="store_true", help="--real: no second model")
    parser.add_argument("--calibrate", action="store_true", help="--real: cross-validation")
    parser.add_argument("--rows-out", type=Path, default=None, help="--real: scores as JSONL")
    args = parser.parse_args()
    if args.real is not None:
        import faces_real  # noqa: PLC0415 (a sibling script, only for this mode)

        if args.threads is not None:
            cv2.setNumThreads(args.threads)
        faces_real.run(
            args.real,
            quick=args.quick,
            limit_people=args.people,
            second=not args.sface_only,
            calibrate=args.calibrate,
            rows_out=args.rows_out,
        )
        return
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads")
    start = time.perf_counter()
    engine = FaceEngine()
    print(f"FaceEngine() (hash check + model load): {(time.perf_counter() - start) * 1000:.0f} ms")

    if args.pairs_dir is not None:
        specs = lfw_specs(args.pairs_dir, args.pairs_file, args.limit)
        results = score_specs(engine, specs, args.repeats)
        print(report(results, f"Labelled pairs from {args.pairs_dir} (image vs image)"))
        return

    with tempfile.TemporaryDirectory() as tmp:
        photos, identities = fetch_photos(Path(tmp))
    people = sorted(set(identities.values()))
    print(
        f"Photos: {len(photos)} ({', '.join(f'{n}={identities[n]}' for n in photos)}); "
        f"{len(people)} people"
    )
    specs = builtin_specs(engine, photos, identities)
    results = score_specs(engine, specs, args.repeats)
    print(
        report(
            results,
            "Document renderings of real photos vs the other real photos as selfies",
            reference_groups=(REFERENCE_GROUP,),
        )
    )
    lowres = [spec for spec in specs if spec.group == "lowres"]
    unguarded = FaceEngine(min_face_side_px=1)
    print(guard_off_report(score_specs(unguarded, lowres), "lowres"))
    print(time_detect_embed(engine, photos, max(args.repeats, 5)))


if __name__ == "__main__":
    main()
