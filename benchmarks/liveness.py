"""ZOOM liveness on synthetic attempts (and on operator-supplied labelled captures).

    .venv/bin/python benchmarks/liveness.py             # synthetic, 5 photos, ~6-10 min on 2 cores
    .venv/bin/python benchmarks/liveness.py --quick     # 2 photos (1 per split), fewer variations
    .venv/bin/python benchmarks/liveness.py --tuning    # the tuning design (see below)
    .venv/bin/python benchmarks/liveness.py --frames-dir DIR

Tuning and reporting are split by photo. The thresholds in openidv.vision.liveness.zoom were
chosen on a TUNING run (``--tuning``: photos obama and biden, seeds from 5001, three attempts
of every genuine variation and of every attack per photo; read before the look_down_12 and
turn_and_back variations were added, which shifts its seeds), as the midpoint between the
genuine extreme and the extreme of the attack class each threshold targets. The main run
reports both splits apart: "tuning" (obama, biden; fresh seeds from 1001) and "held-out"
(obama2, obama3, astronaut: photos never used for tuning; obama2 and obama3 show the same
person as obama, astronaut another person). Quote the held-out figures.

Synthetic: each face photo (public-domain photos fetched and hash-checked by
tests/vision/conftest.py) becomes a textured 3-D mesh (openidv.vision.synth.liveness). Genuine
attempts vary distance, speed, turn angle, lighting, noise, JPEG quality and position, with both
challenge directions. Attacks: print, screen replaying a non-zooming 3-D recording that turns the
right way, screen still, wrong turn, splice (other person and same person), still photo.

Prints BPCER (genuine attempts not classified live, split into rejected and not measurable),
APCER per attack type (attacks classified live), the distribution of every key score per class,
and p50/p95 analysis time per attempt (rendering excluded).

``--frames-dir DIR``: one subdirectory per attempt holding the frames (sorted by name: *.jpg,
*.jpeg, *.png) and a ``label.json``: ``{"live": true|false, "turn": "LEFT"|"RIGHT",
"kind": "genuine" | "<attack name>"}``. The same figures are printed for that set.

What the synthetic figures do not prove: see the note printed at the end.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from faces import load_face_fixtures  # the same fixtures (benchmarks/faces.py)
from openidv.vision.faces import FaceEngine, decode_image
from openidv.vision.liveness.landmarks import LandmarkModel
from openidv.vision.liveness.zoom import ZoomAnalyser, ZoomMeasurement
from openidv.vision.synth import liveness as synth

ROOT = Path(__file__).resolve().parent.parent
KEY_SIGNALS = (
    "approach_ratio",
    "outline_gain",
    "zoom_residual",
    "turn_residual",
    "moire_peak_ratio",
    "depth_gain",
    "depth_ratio",
    "turn_yaw",
    "opposite_yaw",
    "turn_onset",
    "identity_similarity",
    "max_centre_step",
    "max_scale_step",
    "max_scene_step",
)
GENUINE_CAPTURES: dict[str, synth.Capture] = {
    "default": synth.Capture(),
    "arm_55_20_fps4": synth.Capture(far_cm=55, near_cm=20, fps=4.0),
    "short_45_27": synth.Capture(far_cm=45, near_cm=27, yaw_deg=25),
    "fast_fps6": synth.Capture(fps=6.0, far_s=0.8, approach_s=1.0, turn_s=0.8),
    "dim_noisy": synth.Capture(brightness=0.6, noise=6.0, jpeg_quality=70),
    "bright": synth.Capture(brightness=1.25, noise=2.0),
    "small_turn_22": synth.Capture(yaw_deg=22, jitter_cm=1.0),
    "off_centre": synth.Capture(offset_cm=(4.0, -3.0), jitter_cm=1.0),
    # Variation real users produce (added with the held-out evaluation).
    "slow_approach": synth.Capture(far_s=1.2, approach_s=2.4, turn_s=1.2),
    "fast_approach": synth.Capture(fps=5.0, far_s=0.8, approach_s=0.8, turn_s=0.8),
    "small_turn_18": synth.Capture(yaw_deg=18),
    "partial_50_32": synth.Capture(far_cm=50, near_cm=32),
    "very_dim": synth.Capture(brightness=0.45, noise=7.0, jpeg_quality=65),
    "hand_shake": synth.Capture(jitter_cm=1.8),
    "off_centre_far": synth.Capture(offset_cm=(-10.0, 7.0), jitter_cm=1.0),
    "few_frames_fps3": synth.Capture(fps=3.0, far_s=1.0, approach_s=1.4, turn_s=1.0),
    "look_down_12": synth.Capture(pitch_deg=12.0),
    "turn_and_back": synth.Capture(turn_back=True),
}
QUICK_CAPTURES = ("default", "arm_55_20_fps4", "dim_noisy", "small_turn_22")
TUNING_PHOTOS = ("obama", "biden")
ATTACKS = ("print", "screen_video", "screen_still", "wrong_challenge", "still")

Image = NDArray[np.uint8]


@dataclass(frozen=True)
class Case:
    photo: str
    kind: str
    variant: str
    turn: str
    seed: int
    other: str | None = None

    @property
    def split(self) -> str:
        return "tuning" if self.photo in TUNING_PHOTOS else "held-out"


@dataclass(frozen=True)
class Outcome:
    kind: str
    variant: str
    split: str
    live: bool | None
    reason: str | None
    failed: tuple[str, ...]
    scores: dict[str, float | None]
    ms: float


def fetch_photos(target: Path) -> dict[str, Image]:
    fixtures = load_face_fixtures()
    fixtures._extract_face_recognition_images(target)
    (target / "astronaut.png").write_bytes(fixtures._astronaut_png())
    return {
        name: decode_image(next(target.glob(f"{name}.*")).read_bytes())
        for name in fixtures.INDEPENDENT_PHOTOS
    }


# -- worker side ------------------------------------------------------------------------------

_state: dict[str, object] = {}


def _init(photo_dir: str) -> None:
    faces = FaceEngine()
    landmarks = LandmarkModel(num_threads=1)
    photos = {p.stem: decode_image(p.read_bytes()) for p in Path(photo_dir).iterdir()}
    _state["analyser"] = ZoomAnalyser(faces, landmarks)
    _state["photos"] = photos
    _state["meshes"] = {}
    _state["faces"] = faces
    _state["landmarks"] = landmarks


def _mesh(name: str) -> synth.FaceMesh:
    meshes = _state["meshes"]
    assert isinstance(meshes, dict)
    if name not in meshes:
        photos = _state["photos"]
        faces, landmarks = _state["faces"], _state["landmarks"]
        assert isinstance(photos, dict)
        assert isinstance(faces, FaceEngine) and isinstance(landmarks, LandmarkModel)
        meshes[name] = synth.build_face_mesh(photos[name], faces, landmarks)
    mesh: synth.FaceMesh = meshes[name]
    return mesh


def _attempt(case: Case) -> synth.SyntheticAttempt:
    mesh = _mesh(case.photo)
    capture = GENUINE_CAPTURES.get(case.variant, synth.Capture())
    if case.kind == "genuine":
        return synth.genuine_attempt(mesh, turn=case.turn, seed=case.seed, capture=capture)
    if case.kind == "print":
        photos = _state["photos"]
        assert isinstance(photos, dict)
        return synth.print_attack(photos[case.photo], mesh, turn=case.turn, seed=case.seed)
    if case.kind == "screen_video":
        return synth.screen_attack(mesh, turn=case.turn, seed=case.seed)
    if case.kind == "screen_still":
        return synth.screen_attack(mesh, turn=case.turn, seed=case.seed, still=True)
    if case.kind == "wrong_challenge":
        return synth.wrong_challenge_attack(mesh, turn=case.turn, seed=case.seed, capture=capture)
    if case.kind == "splice":
        other = _mesh(case.other) if case.other else mesh
        return synth.splice_attack(mesh, other, turn=case.turn, seed=case.seed)
    if case.kind == "still":
        return synth.still_attack(mesh, turn=case.turn, seed=case.seed)
    raise ValueError(case.kind)


def _measure(frames: list[bytes], turn: str) -> ZoomMeasurement:
    analyser = _state["analyser"]
    assert isinstance(analyser, ZoomAnalyser)
    analyser.analyse(frames[:8], turn)  # warm caches so the timing is the steady state
    return analyser.analyse(frames, turn)


def _outcome(kind: str, variant: str, split: str, measured: ZoomMeasurement) -> Outcome:
    scores = {s.name: s.value for s in measured.signals}
    return Outcome(
        kind, variant, split, measured.live, measured.reason.value if measured.reason else None,
        measured.failed, scores, measured.timings.total_ms,
    )  # fmt: skip


def run_case(case: Case) -> Outcome:
    attempt = _attempt(case)
    return _outcome(attempt.kind, case.variant, case.split, _measure(attempt.frames, attempt.turn))


def run_directory(path: str) -> Outcome:
    directory = Path(path)
    label = json.loads((directory / "label.json").read_text())
    frames = [
        p.read_bytes()
        for p in sorted(directory.iterdir())
        if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    ]
    kind = str(label.get("kind") or ("genuine" if label["live"] else "attack"))
    measured = _measure(frames, str(label.get("turn", "LEFT")))
    return _outcome(kind, directory.name, "external", measured)


# -- driver -----------------------------------------------------------------------------------


def synthetic_cases(photos: list[str], quick: bool) -> Iterator[Case]:
    seed = 1000
    variants = QUICK_CAPTURES if quick else tuple(GENUINE_CAPTURES)
    for photo in photos:
        for variant in variants:
            for turn in ("LEFT", "RIGHT"):
                seed += 1
                yield Case(photo, "genuine", variant, turn, seed)
        others = [p for p in photos if p != photo and not p.startswith(photo[:5])]
        for turn in ("LEFT", "RIGHT"):
            for kind in ATTACKS:
                seed += 1
                yield Case(photo, kind, "default", turn, seed)
            seed += 1
            yield Case(photo, "splice", "other_person", turn, seed, others[0] if others else None)
            seed += 1
            yield Case(photo, "splice", "same_person", turn, seed, None)


def tuning_cases(repeats: int = 3) -> Iterator[Case]:
    """The tuning design: tuning photos only, seeds from 5001, turns alternating by seed."""
    seed = 5000
    for _ in range(repeats):
        for photo in TUNING_PHOTOS:
            for variant in GENUINE_CAPTURES:
                seed += 1
                yield Case(photo, "genuine", variant, "LEFT" if seed % 2 else "RIGHT", seed)
            other = next(p for p in TUNING_PHOTOS if p != photo)
            for kind in (*ATTACKS, "splice", "splice_same"):
                seed += 1
                turn = "LEFT" if seed % 2 else "RIGHT"
                if kind == "splice":
                    yield Case(photo, "splice", "other_person", turn, seed, other)
                elif kind == "splice_same":
                    yield Case(photo, "splice", "same_person", turn, seed, None)
                else:
                    yield Case(photo, kind, "default", turn, seed)


def _fmt(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.percentile(values, [0, 5, 50, 95, 100])
    return " ".join(f"{v:7.3f}" for v in q)


def _rates(outcomes: list[Outcome]) -> tuple[str, dict[str, tuple[int, int]]]:
    genuine = [o for o in outcomes if o.kind == "genuine"]
    rejected = sum(o.live is False for o in genuine)
    retry = sum(o.live is None for o in genuine)
    bpcer = (rejected + retry) / max(len(genuine), 1)
    text = (
        f"BPCER {bpcer:.1%} ({rejected} rejected + {retry} asked to retry, of {len(genuine)}; "
        f"rejected only {rejected / max(len(genuine), 1):.1%})"
    )
    apcer: dict[str, tuple[int, int]] = {}
    for o in outcomes:
        if o.kind != "genuine":
            accepted, total = apcer.get(o.kind, (0, 0))
            apcer[o.kind] = (accepted + (o.live is True), total + 1)
    return text, apcer


def report(outcomes: list[Outcome], title: str = "") -> None:
    if title:
        print(f"\n==== {title} ====")
    genuine = [o for o in outcomes if o.kind == "genuine"]
    attacks: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.kind != "genuine":
            attacks[o.kind].append(o)
    if genuine:
        print(f"\n{_rates(outcomes)[0]}")
        by_variant: dict[str, list[Outcome]] = defaultdict(list)
        for o in genuine:
            by_variant[o.variant].append(o)
        for variant, items in sorted(by_variant.items()):
            bad = [o for o in items if o.live is not True]
            why = ", ".join(sorted({o.reason or "/".join(o.failed) for o in bad}))
            print(f"  {variant:16s} {len(bad)}/{len(items)} not live  {why}")
    print("\nAPCER per attack type (attacks classified live; rejected / not measurable)")
    for kind, items in sorted(attacks.items()):
        accepted = sum(o.live is True for o in items)
        rejected = sum(o.live is False for o in items)
        unmeasured = sum(o.live is None for o in items)
        reasons = sorted({o.reason for o in items if o.reason})
        print(f"  {kind:16s} APCER {accepted / len(items):6.1%}  ({accepted}/{len(items)}; "
              f"{rejected} rejected, {unmeasured} not measurable {reasons or ''})")  # fmt: skip
    print("\nScore distributions: min p5 p50 p95 max")
    classes = {"genuine": genuine, **attacks}
    for name in KEY_SIGNALS:
        print(f"  {name}")
        for label, items in classes.items():
            values = [v for o in items if (v := o.scores.get(name)) is not None]
            print(f"    {label:16s} {_fmt(values)}")
    times = [o.ms for o in outcomes]
    if times:
        p50, p95 = np.percentile(times, [50, 95])
        print(
            f"\nAnalysis time per attempt: p50 {p50:.0f} ms, p95 {p95:.0f} ms (n={len(times)}; "
            "rendering excluded; shared machine, 1 thread per worker)"
        )


def summary(outcomes: list[Outcome]) -> None:
    """One line per split: BPCER, APCER per attack type, time; which split was tuned on."""
    print("\nSUMMARY (thresholds tuned with --tuning on photos " + "+".join(TUNING_PHOTOS)
          + ", seeds 5001+; never on the held-out photos)")  # fmt: skip
    for split in ("held-out", "tuning", "external"):
        items = [o for o in outcomes if o.split == split]
        if not items:
            continue
        text, apcer = _rates(items)
        attacks = ", ".join(f"{k} {a}/{n}" for k, (a, n) in sorted(apcer.items()))
        total = sum(n for _, n in apcer.values())
        accepted = sum(a for a, _ in apcer.values())
        p50, p95 = np.percentile([o.ms for o in items], [50, 95])
        photos = "photos " + (
            "+".join(TUNING_PHOTOS) if split == "tuning" else "obama2+obama3+astronaut"
        )
        if split == "external":
            photos = "--frames-dir"
        print(
            f"  [{split}: {photos}] {text} | APCER {accepted}/{total} accepted ({attacks}) | "
            f"time p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )


def extremes(outcomes: list[Outcome]) -> None:
    """What the midpoint rule reads (``--tuning``): genuine extreme vs each attack's."""
    print("\nThreshold evidence (genuine min/max against each attack class's max/min):")
    for name in KEY_SIGNALS:
        genuine = [
            v for o in outcomes if o.kind == "genuine" and (v := o.scores.get(name)) is not None
        ]
        if not genuine:
            continue
        parts = [f"genuine [{min(genuine):.3f}, {max(genuine):.3f}]"]
        for kind in sorted({o.kind for o in outcomes} - {"genuine"}):
            values = [
                v for o in outcomes if o.kind == kind and (v := o.scores.get(name)) is not None
            ]
            if values:
                parts.append(f"{kind} [{min(values):.3f}, {max(values):.3f}]")
        print(f"  {name}: " + "; ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 photos, 4 capture variations")
    parser.add_argument("--tuning", action="store_true", help="the tuning design (2 photos)")
    parser.add_argument("--frames-dir", type=Path, help="labelled real captures, one dir each")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        photo_dir = Path(tmp) / "photos"
        photo_dir.mkdir()
        if args.frames_dir:
            dirs = sorted(str(p) for p in args.frames_dir.iterdir() if (p / "label.json").is_file())
            with ProcessPoolExecutor(
                args.workers, initializer=_init, initargs=(str(photo_dir),)
            ) as pool:
                outcomes = list(pool.map(run_directory, dirs))
            report(outcomes, "external captures")
            summary(outcomes)
            return
        import cv2  # noqa: PLC0415

        (Path(tmp) / "raw").mkdir()
        photos = fetch_photos(Path(tmp) / "raw")
        names = ["obama", "astronaut"] if args.quick else list(photos)
        if args.tuning:
            names = list(TUNING_PHOTOS)
        for name in names:
            cv2.imwrite(str(photo_dir / f"{name}.png"), photos[name])
        cases = list(tuning_cases() if args.tuning else synthetic_cases(names, args.quick))
        print(f"{len(cases)} synthetic attempts from {len(names)} photos: {', '.join(names)}")
        with ProcessPoolExecutor(
            args.workers, initializer=_init, initargs=(str(photo_dir),)
        ) as pool:
            outcomes = list(pool.map(run_case, cases))
    for split in ("tuning", "held-out"):
        part = [o for o in outcomes if o.split == split]
        if part:
            report(part, f"{split} split")
    if args.tuning:
        extremes(outcomes)
    summary(outcomes)
    print(
        "\nNot proven by these figures: the faces are the landmark model's own meshes without ears,"
        "\nhair or neck geometry; prints and screens are simulated; no real camera (autofocus,"
        "\nexposure, rolling shutter, mirrored previews). A replayed *recording of the full"
        "\nprotocol* that zooms and turns the challenged way is a genuine 3-D sequence to this"
        "\nanalyser: only the random turn (1 bit) stands between it and APPROVE. Evaluate real"
        "\ncaptures with --frames-dir before trusting any threshold."
    )


if __name__ == "__main__":
    main()
