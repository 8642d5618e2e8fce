"""The document portrait against the selfie: who the subject is, how good each image is, and
the (fused) similarity.

Measurement only; :mod:`openidv.vision.faces.decision` turns it into a decision. The two sides
are measured separately (:meth:`FaceMatcher.document_side`, :meth:`FaceMatcher.selfie_side`)
and then compared (:meth:`FaceMatcher.compare_sides`), so a benchmark can compare every
document with every selfie without measuring an image twice; the check does the three in a row.

Selfie subject (a real capture is not a passport photo): the subject is the largest face,
followed across frames (the face nearest the previous frame's subject). Faces clearly smaller
than the subject (a bystander behind, a face in a painting or on a poster) are counted and
tolerated; a second face of similar size (``SIMILAR_FACE_RATIO``) makes it unclear who is being
verified, and voids the frame.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np

from openidv.vision.faces.engine import (
    MODEL_ID,
    SFACE_COSINE_THRESHOLD,
    Embedding,
    Face,
    FaceEngine,
    ImageArray,
    ImageDecodeError,
    Timings,
    compare,
    decode_image,
)
from openidv.vision.faces.geometry import (
    TRACK_MAX_SHIFT,
    centre,
    descreen,
    mirrored,
    moved,
    region,
    same_face,
)
from openidv.vision.faces.quality import (
    HALFTONE_TEXTURE_MIN,
    POOR_ISSUES,
    FaceQuality,
    measure_quality,
)
from openidv.vision.faces.second import (
    DLIB_MODEL_ID,
    Descriptor,
    DlibResnet,
    dlib_similarity,
    fuse,
    in_band,
)
from openidv.vision.image_measures import grey as to_grey

__all__ = [
    "MIRROR_AVERAGE",
    "SIMILAR_FACE_RATIO",
    "FaceMatchMeasurement",
    "FaceMatcher",
    "FaceSide",
    "NotMeasurableReason",
    "SelfieFrameMeasurement",
    "pick_subject",
]

# A second face whose shorter side is at least this fraction of the subject's is "of similar
# size": within 20%, someone beside the user at the same distance from the camera. A bystander
# a step or two behind appears at ~0.5-0.75 of the subject's size, a face in a picture on the
# wall smaller still; neither says who is being verified.
SIMILAR_FACE_RATIO = 0.8
# Every face vector (document and selfie, colour and grey) is the mean of the face's embedding
# and its mirror image's: see FaceMatcher._embed.
MIRROR_AVERAGE = True


class NotMeasurableReason(StrEnum):
    """Why a similarity could not be measured (or a selfie frame was not used)."""

    DOCUMENT_FACE_NOT_FOUND = "DOCUMENT_FACE_NOT_FOUND"
    DOCUMENT_FACE_TOO_SMALL = "DOCUMENT_FACE_TOO_SMALL"
    SELFIE_FACE_NOT_FOUND = "SELFIE_FACE_NOT_FOUND"
    SELFIE_FACE_TOO_SMALL = "SELFIE_FACE_TOO_SMALL"
    SELFIE_MULTIPLE_FACES = "SELFIE_MULTIPLE_FACES"


@dataclass(slots=True)
class FaceSide:
    """One measured image: its faces, the chosen face, its quality and its SFace vector.

    The dlib descriptor is computed on first use only (see :mod:`second`), then kept.
    """

    image: ImageArray
    faces: list[Face]
    face: Face | None
    reason: NotMeasurableReason | None
    quality: FaceQuality | None
    vector: Embedding | None
    timings: Timings
    other_faces: int = 0  # faces detected besides the subject (tolerated or not)
    # Every landmark set the vectors average over (``face`` first); see document_side.
    alignments: tuple[Face, ...] = ()
    _descriptor: Descriptor | None = field(default=None, repr=False)
    _grey_vector: Embedding | None = field(default=None, repr=False)

    @property
    def greyscale(self) -> bool:
        return self.quality is not None and self.quality.greyscale

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class SelfieFrameMeasurement:
    """What was measured on one selfie frame."""

    index: int
    image_size: tuple[int, int]  # width, height
    face_count: int  # every detection above the score threshold, even tiny background faces
    face: Face | None  # the subject's face, if any
    similarity: float | None  # fused score to the document face; None if either is unusable
    reason: NotMeasurableReason | None  # why the frame was not used, None if it was
    timings: Timings
    sface_similarity: float | None = None
    dlib_distance: float | None = None  # None when the second model was not needed
    quality: FaceQuality | None = None


@dataclass(frozen=True, slots=True)
class FaceMatchMeasurement:
    """Result of comparing the document portrait with one or more selfie frames.

    ``similarity`` is the median fused score over the usable selfie frames (see
    ``_aggregate_similarity`` for why not the best), on SFace's cosine scale. It is ``None``
    exactly when ``reasons`` is non-empty. This is a measurement, not a decision.
    """

    reasons: tuple[NotMeasurableReason, ...]
    document_image_size: tuple[int, int]  # width, height
    document_face_found: bool
    document_face_count: int
    document_face: Face | None  # the largest face on the page (the main portrait)
    selfie_frames: tuple[SelfieFrameMeasurement, ...]
    frames_used: int
    similarity: float | None  # median over usable frames
    similarity_best: float | None
    similarity_worst: float | None
    # Lowest cosine between any two usable selfie frames: a low value means the frames may not
    # show the same person (e.g. a swapped frame). None with fewer than two usable frames.
    selfie_consistency: float | None
    timings: Timings
    model_id: str = MODEL_ID
    document_quality: FaceQuality | None = None
    # The frame whose score is the median (the one a reviewer should be shown), or None.
    representative_frame: int | None = None

    @property
    def measurable(self) -> bool:
        return not self.reasons

    @property
    def poor_quality_issues(self) -> tuple[str, ...]:
        """The :attr:`quality_issues` that make an image poor (quality.POOR_ISSUES)."""
        poor = {i.value for i in POOR_ISSUES}
        return tuple(i for i in self.quality_issues if i.split("_", 1)[1] in poor)

    @property
    def quality_issues(self) -> tuple[str, ...]:
        """Quality issues of the document portrait and the representative selfie frame,
        each prefixed by its side (``DOCUMENT_GREYSCALE``, ``SELFIE_BLURRY``)."""
        issues = (
            [f"DOCUMENT_{i.value}" for i in self.document_quality.issues]
            if (self.document_quality is not None)
            else []
        )
        frame = self._frame(self.representative_frame)
        if frame is not None and frame.quality is not None:
            issues += [f"SELFIE_{i.value}" for i in frame.quality.issues]
        return tuple(issues)

    def _frame(self, index: int | None) -> SelfieFrameMeasurement | None:
        return next((f for f in self.selfie_frames if f.index == index), None)

    def is_match(self, threshold: float = SFACE_COSINE_THRESHOLD) -> bool:
        """True if measurable and the median similarity reaches ``threshold``."""
        return self.similarity is not None and self.similarity >= threshold


def _aggregate_similarity(scores: Sequence[float]) -> float:
    """Median over frames.

    The best-of-N score is the maximum of N noisy impostor draws, so its false-match rate grows
    with the number of frames a client chooses to send; the median does not reward sending
    more frames, yet one bad frame (blink, motion blur) cannot sink a genuine user either.
    """
    return float(statistics.median(scores))


def _min_pairwise(vectors: Sequence[Embedding]) -> float | None:
    if len(vectors) < 2:
        return None
    return min(
        compare(vectors[i], vectors[j])
        for i in range(len(vectors))
        for j in range(i + 1, len(vectors))
    )


def _cut_by_frame(face: Face, size: tuple[int, int]) -> bool:
    """The face's box reaches the image border: someone at the edge of the frame, half out."""
    x, y, w, h = face.box
    margin = max(2.0, 0.01 * min(size))
    return x <= margin or y <= margin or x + w >= size[0] - margin or y + h >= size[1] - margin


def pick_subject(
    faces: Sequence[Face],
    previous: Face | None = None,
    min_side_px: int = 1,
    image_size: tuple[int, int] | None = None,
) -> tuple[Face | None, bool]:
    """(subject face, whether another face of similar size voids it) among ``faces``.

    The subject is the face followed from ``previous`` (the nearest centre within
    ``TRACK_MAX_SHIFT`` face widths), else the largest usable face wholly inside the frame
    (else the largest). A rival is another usable face at least ``SIMILAR_FACE_RATIO`` of the
    subject's size and wholly inside the frame: a face the frame's edge cuts is someone
    passing at the edge, not a second person presenting themselves.
    """
    usable = sorted(
        (f for f in faces if f.size_px >= min_side_px), key=lambda f: f.area_px, reverse=True
    )
    if not usable:
        return None, False

    def cut(face: Face) -> bool:
        return image_size is not None and _cut_by_frame(face, image_size)

    whole = [f for f in usable if not cut(f)]
    subject = whole[0] if whole else usable[0]
    if previous is not None:
        px, py = centre(previous)
        reach = TRACK_MAX_SHIFT * previous.box[2]
        near = [f for f in usable if np.hypot(centre(f)[0] - px, centre(f)[1] - py) <= reach]
        if near:
            subject = min(near, key=lambda f: np.hypot(centre(f)[0] - px, centre(f)[1] - py))
    rivals = [
        f
        for f in usable
        if f is not subject and not cut(f) and f.size_px >= SIMILAR_FACE_RATIO * subject.size_px
    ]
    return subject, bool(rivals)


class FaceMatcher:
    """YuNet + SFace (the shared :class:`FaceEngine`), optionally with dlib's ResNet fused in."""

    def __init__(self, engine: FaceEngine, second: DlibResnet | None = None) -> None:
        self.engine = engine
        self.second = second

    @property
    def model_id(self) -> str:
        return MODEL_ID + (f"+{DLIB_MODEL_ID}" if self.second is not None else "")

    # -- sides -------------------------------------------------------------------------------

    def document_side(self, data: bytes) -> FaceSide:
        """The largest face on the page: the main portrait, not the small ghost copy."""
        start = time.perf_counter()
        image = _decode_labelled(data, "document")
        decoded = time.perf_counter()
        faces = self.engine.detect(image)
        descreened = None
        if not faces:
            # A portrait printed as a dot screen (halftone) and photographed close enough to
            # resolve the dots defeats the detector; the same page descreened (see descreen)
            # shows the face again.
            descreened = descreen(image)
            faces = self.engine.detect(descreened)
        detected = time.perf_counter()
        face = faces[0] if faces else None
        reason = None
        if face is None:
            reason = NotMeasurableReason.DOCUMENT_FACE_NOT_FOUND
        elif face.size_px < self.engine.min_face_side_px:
            reason = NotMeasurableReason.DOCUMENT_FACE_TOO_SMALL
        return self._finish(
            image, faces, face, reason, start, decoded, detected, descreened, refine=True
        )

    def selfie_side(self, data: bytes, previous: Face | None = None, index: int = 0) -> FaceSide:
        start = time.perf_counter()
        image = _decode_labelled(data, f"selfie frame {index}")
        decoded = time.perf_counter()
        faces = self.engine.detect(image)
        detected = time.perf_counter()
        face, rivalled = pick_subject(
            faces, previous, self.engine.min_face_side_px, (image.shape[1], image.shape[0])
        )
        reason = None
        if not faces:
            reason = NotMeasurableReason.SELFIE_FACE_NOT_FOUND
        elif face is None:
            reason = NotMeasurableReason.SELFIE_FACE_TOO_SMALL
            face = faces[0]
        elif rivalled:
            reason = NotMeasurableReason.SELFIE_MULTIPLE_FACES
        return self._finish(image, faces, face, reason, start, decoded, detected)

    def _finish(
        self,
        image: ImageArray,
        faces: list[Face],
        face: Face | None,
        reason: NotMeasurableReason | None,
        start: float,
        decoded: float,
        detected: float,
        descreened: ImageArray | None = None,
        *,
        refine: bool = False,
    ) -> FaceSide:
        """Quality and vector of the chosen face.

        ``descreened``: the whole image descreened, when the faces were found only there (the
        faces' landmarks are then already the clean image's). ``refine``: the vector averages
        the face's embedding at a second landmark set, found in the region around it.
        """
        vector, quality = None, None
        alignments: tuple[Face, ...] = ()
        if face is not None and reason is None:
            quality = measure_quality(image, face)
            # The print-texture measure, not the HALFTONE issue: a screened face whose
            # landmarks came out wrong can look small, and small faces are not flagged
            # HALFTONE (quality.py), yet it is the screen that put the landmarks astray.
            if quality.texture > HALFTONE_TEXTURE_MIN:
                printed = image
                # The dots are texture no photo of a face has: the detector's landmarks
                # wander with them (eyes placed on dot rows: the aligned face is shifted and
                # scaled, and genuine scores fall to ~0.1), and the embedding reads them as
                # features. Landmarks and embedding both come from the descreened image
                # (detected once: when the faces came from it already, they are its own).
                if descreened is not None:
                    image = descreened
                else:
                    image = descreen(printed)
                    face = same_face(face, self.engine.detect(image))
                # Measured again on the print (the issues are the print's), with the
                # landmarks found on the clean image.
                quality = measure_quality(printed, face)
            refined = self._refined(image, face) if refine else face
            alignments = (face,) if refined is face else (face, refined)
            vector = self._embed(image, alignments)
        done = time.perf_counter()
        timings = Timings(
            decode_ms=(decoded - start) * 1000,
            detect_ms=(detected - decoded) * 1000,
            embed_ms=(done - detected) * 1000,
            total_ms=(done - start) * 1000,
        )
        others = max(0, len(faces) - 1) if face is not None else len(faces)
        return FaceSide(
            image, faces, face, reason, quality, vector, timings, others, alignments=alignments
        )

    def _refined(self, image: ImageArray, face: Face) -> Face:
        """The same face detected again in the region around it, at the image's resolution.

        YuNet's five landmarks move by a few pixels from one detection to the next (a page
        shrunk to 640 px, its position on the detector's grid), and SFace's alignment follows
        them: two detections of one portrait give embeddings only ~0.96 apart, and that noise
        lands on the genuine score. The embedding averaged over two landmark sets is nearer the
        face's own (on the real-face development set, genuine pairs under 0.50 of the scanned
        passport pages 17 to 5, of the camera cards 8 to 7). Without a face in the region,
        the first detection is used twice.
        """
        x0, y0, x1, y1 = region(face, image.shape[1], image.shape[0])
        found = [moved(f, x0, y0) for f in self.engine.detect(image[y0:y1, x0:x1])]
        return same_face(face, found)

    def _embed(self, image: ImageArray, alignments: Sequence[Face]) -> Embedding:
        """The unit mean of the face's SFace embeddings at each landmark set, each taken on
        the image and on its mirror (``MIRROR_AVERAGE``).

        Why the mirror: SFace's vector of a face and of the same face flipped left to right
        differ (its features are not symmetric, and lighting from one side, a parting, a head
        turned a little fall on one half of the face), and that difference is noise on the
        comparison, not identity: the mean of the two is nearer the face's own vector. On the
        real-face development set (README "Real faces") genuine pairs not approved went from
        118 to 101 of 1,120 (halftone 64 to 59, grey 24 to 18) and the held-out FNMR from
        9.6% to 9.2%, with no impostor over 0.50 (the highest 0.480 to 0.485); at the cost
        of one more embedding per landmark set.
        """
        vectors = [self.engine.embed(image, f) for f in alignments]
        if MIRROR_AVERAGE:
            # cv2.flip, not a contiguous copy of ``image[:, ::-1]``: the same pixels, but numpy
            # copies a reversed 3-byte-pixel axis element by element (about 80 ms for a
            # 12-megapixel selfie, against 7 ms).
            flipped = np.asarray(cv2.flip(image, 1), dtype=np.uint8)
            width = int(image.shape[1])
            vectors += [self.engine.embed(flipped, mirrored(f, width)) for f in alignments]
        if len(vectors) == 1:
            return vectors[0]
        total = np.sum(vectors, axis=0)
        return np.asarray(total / float(np.linalg.norm(total)), dtype=np.float32)

    def descriptor(self, side: FaceSide) -> Descriptor | None:
        if self.second is None or side.face is None or side.vector is None:
            return None
        if side._descriptor is None:
            side._descriptor = self.second.describe(side.image, side.face)
        return side._descriptor

    def grey_vector(self, side: FaceSide) -> Embedding:
        """SFace vector of the side's face seen in grey (computed on first use, then kept)."""
        assert side.vector is not None and side.face is not None
        if side.greyscale:
            return side.vector
        if side._grey_vector is None:
            grey = np.asarray(cv2.cvtColor(to_grey(side.image), cv2.COLOR_GRAY2BGR), np.uint8)
            side._grey_vector = self._embed(grey, side.alignments or (side.face,))
        return side._grey_vector

    def score(self, document: FaceSide, selfie: FaceSide) -> tuple[float, float, float | None]:
        """(fused, SFace cosine, dlib distance or None) for two usable sides.

        Grey-matched probe: when either side is greyscale (a laser-engraved card, a grey
        photocopy, an infrared camera), the other is compared in grey too. Colour against
        grey is a difference of rendering that SFace partly reads as one of identity; grey
        against grey compares the faces alone, at the cost of one more embedding.
        """
        assert document.vector is not None and selfie.vector is not None
        if document.greyscale or selfie.greyscale:
            sface = compare(self.grey_vector(document), self.grey_vector(selfie))
        else:
            sface = compare(document.vector, selfie.vector)
        distance = None
        if self.second is not None and in_band(sface):
            a, b = self.descriptor(document), self.descriptor(selfie)
            if a is not None and b is not None:
                distance = dlib_similarity(a, b)
        return fuse(sface, distance), sface, distance

    # -- the comparison ----------------------------------------------------------------------

    def selfie_sides(self, frames: Sequence[bytes]) -> list[FaceSide]:
        """Each frame measured, the subject followed from the last frame that had one."""
        sides: list[FaceSide] = []
        previous: Face | None = None
        for index, data in enumerate(frames):
            side = self.selfie_side(data, previous, index)
            if side.face is not None and side.reason is None:
                previous = side.face
            sides.append(side)
        return sides

    def match_document_to_selfie(
        self, document_image_bytes: bytes, selfie_images_bytes: Sequence[bytes]
    ) -> FaceMatchMeasurement:
        """Compare the document's portrait with the subject's face in each selfie frame.

        Undecodable input raises :class:`ImageDecodeError` (a client error, not a
        measurement). Everything else is reported: see :class:`FaceMatchMeasurement`.
        """
        if not selfie_images_bytes:
            raise ValueError("selfie_images_bytes must hold at least one image")
        start = time.perf_counter()
        # The two sides are independent until compare_sides, so the document is measured in a
        # second thread while this one measures the selfie frames. Decoding, downscaling and
        # the quality measures release the GIL and run beside the other side's networks (which
        # the engine still runs one call at a time each), so a comparison costs about its
        # longer side instead of the sum of both; a 12-megapixel selfie's decode, ~0.1 s of
        # one core, no longer adds to the document's. The results are the same as in turn.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="openidv-face-doc") as pool:
            pending = pool.submit(self.document_side, document_image_bytes)
            try:
                selfies = self.selfie_sides(selfie_images_bytes)
            except Exception:
                # Both sides bad: the document's error is the one raised, as when it went first.
                document_error = pending.exception()
                if document_error is not None:
                    raise document_error from None
                raise
            document = pending.result()
        return self.compare_sides(document, selfies, start)

    def compare_sides(
        self, document: FaceSide, selfies: Sequence[FaceSide], start: float | None = None
    ) -> FaceMatchMeasurement:
        began = time.perf_counter()
        frames: list[SelfieFrameMeasurement] = []
        vectors: list[Embedding] = []
        extra_ms = 0.0
        for index, side in enumerate(selfies):
            fused = sface = distance = None
            if document.vector is not None and side.vector is not None:
                t0 = time.perf_counter()
                fused, sface, distance = self.score(document, side)
                extra_ms += (time.perf_counter() - t0) * 1000
            if side.vector is not None:
                vectors.append(side.vector)
            frames.append(
                SelfieFrameMeasurement(
                    index=index,
                    image_size=side.image_size,
                    face_count=len(side.faces),
                    face=side.face,
                    similarity=fused,
                    reason=side.reason,
                    timings=side.timings,
                    sface_similarity=sface,
                    dlib_distance=distance,
                    quality=side.quality,
                )
            )
        reasons = _overall_reasons(document.reason, frames)
        scored = [f for f in frames if f.similarity is not None]
        measured = not reasons and bool(scored)
        scores = [f.similarity for f in scored if f.similarity is not None]
        median = _aggregate_similarity(scores) if measured else None
        representative = (
            min(scored, key=lambda f: abs((f.similarity or 0.0) - (median or 0.0))).index
            if measured
            else None
        )
        sides = [document, *selfies]
        elapsed = (time.perf_counter() - began) * 1000
        total = (
            (time.perf_counter() - start) * 1000
            if start is not None
            else elapsed + sum(s.timings.total_ms for s in sides)
        )
        timings = Timings(
            decode_ms=sum(s.timings.decode_ms for s in sides),
            detect_ms=sum(s.timings.detect_ms for s in sides),
            embed_ms=sum(s.timings.embed_ms for s in sides) + extra_ms,
            total_ms=total,
        )
        return FaceMatchMeasurement(
            reasons=reasons,
            document_image_size=document.image_size,
            document_face_found=document.face is not None,
            document_face_count=len(document.faces),
            document_face=document.face,
            selfie_frames=tuple(frames),
            frames_used=len(vectors),
            similarity=median,
            similarity_best=max(scores) if measured else None,
            similarity_worst=min(scores) if measured else None,
            selfie_consistency=_min_pairwise(vectors),
            timings=timings,
            model_id=self.model_id,
            document_quality=document.quality,
            representative_frame=representative,
        )


def _decode_labelled(data: bytes, label: str) -> ImageArray:
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageDecodeError(f"{label}: {exc}") from exc


def _overall_reasons(
    doc_reason: NotMeasurableReason | None, frames: Sequence[SelfieFrameMeasurement]
) -> tuple[NotMeasurableReason, ...]:
    """Reasons that make the whole comparison unmeasurable.

    Frames without a usable face are skipped as long as one usable frame remains (a blink or
    motion blur should not fail a user). A frame with two faces of similar size is different:
    it makes it unclear who the subject of the whole capture is, so it blocks the measurement.
    """
    reasons: list[NotMeasurableReason] = []
    if doc_reason is not None:
        reasons.append(doc_reason)
    frame_reasons = [frame.reason for frame in frames if frame.reason is not None]
    if NotMeasurableReason.SELFIE_MULTIPLE_FACES in frame_reasons:
        reasons.append(NotMeasurableReason.SELFIE_MULTIPLE_FACES)
    elif len(frame_reasons) == len(frames):
        reasons.extend(dict.fromkeys(frame_reasons))  # deduplicated, first-seen order
    return tuple(reasons)
