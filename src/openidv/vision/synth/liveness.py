"""Synthetic ZOOM liveness attempts (genuine and attacks) for tests and benchmarks.

From one real face photo: MediaPipe's 468 landmarks with their depth give a 3-D face mesh
(Delaunay triangles over the landmarks, textured with the photo). It is rendered with a pinhole
camera (a phone front camera, ~66 degrees horizontal field of view) at decreasing distance and
then with a yaw turn, per-triangle affine warps in painter's order, in front of the photo's own
surroundings (a plane just behind the face, so hair and shoulders come along) and a random room
background, giving the frames the capture page uploads: far (~1 s), approach (~1.5 s), turn
(~1 s), unmirrored, 4-6 fps, JPEG.

Attacks: a printed photo moved closer (rigid plane, optionally turned as a plane), a screen
replaying a 3-D recording made at a fixed distance (or a still) moved closer, a genuine
sequence with the wrong turn, a splice of two sequences, and a still photo without motion.

What this is NOT: real faces have ears, hair and a neck with their own 3-D shape, skin
reflectance, and camera autofocus/exposure; real prints and screens have their own optics. The
mesh is the landmark model's own output, so the analyser sees landmarks of a shape it itself
produced. Use these sequences to test plumbing and the geometry of the decision, not to claim
error rates on real attacks. Everything follows from the seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import FaceEngine
from openidv.vision.liveness.landmarks import LandmarkModel, roi_from_box, roi_from_points

__all__ = [
    "ATTACK_KINDS",
    "Capture",
    "FaceMesh",
    "SyntheticAttempt",
    "build_face_mesh",
    "flat_photo_attack",
    "genuine_attempt",
    "print_attack",
    "reencode",
    "render_attack",
    "screen_attack",
    "splice_attack",
    "still_attack",
    "wrong_challenge_attack",
]

ImageArray = NDArray[np.uint8]
FloatArray = NDArray[np.float64]

ATTACK_KINDS = (
    "print", "screen_video", "screen_still", "wrong_challenge", "splice", "still", "render",
)  # fmt: skip
_OUTER_EYE_CM = 9.0  # outer eye corner to outer eye corner, adult average
_FRAME_W, _FRAME_H = 480, 640
_FOCAL_PX = 370.0  # ~66 degrees horizontal on 480 px
_PIVOT_BEHIND_CM = 8.0  # the neck's yaw axis sits this far behind the landmarks' centre
_BACKDROP_BEHIND_CM = 4.0


@dataclass(frozen=True)
class FaceMesh:
    """A textured 3-D face: metric vertices (cm; X right, Y down, Z away from the camera)."""

    texture: ImageArray
    uv: FloatArray  # (468, 2) texture pixels
    xyz: FloatArray  # (468, 3) cm, centred on the landmarks' centroid
    triangles: NDArray[np.int32]  # (T, 3)
    backdrop: ImageArray  # the photo around the face, face area smoothed over
    backdrop_quad: FloatArray  # (4, 3) cm corners of the backdrop plane (tl, tr, br, bl)
    cm_per_px: float


@dataclass(frozen=True)
class Capture:
    """How one attempt is captured (genuine variation)."""

    far_cm: float = 50.0
    near_cm: float = 23.0
    yaw_deg: float = 30.0
    fps: float = 5.0
    far_s: float = 1.0
    approach_s: float = 1.5
    turn_s: float = 1.0
    brightness: float = 1.0  # gain
    noise: float = 3.0  # sensor noise sigma, grey levels
    jpeg_quality: int = 88
    jitter_cm: float = 0.6  # hand shake per frame
    offset_cm: tuple[float, float] = (0.0, 0.0)
    pitch_deg: float = 0.0  # steady head pitch (phone held low: the subject looks down)
    turn_back: bool = False  # after the turn the head comes halfway back towards the camera
    # A challenge of several moves (LEFT/RIGHT/UP/DOWN): each takes ``turn_s`` out and back;
    # empty: the single turn of ``genuine_attempt``'s ``turn``.
    moves: tuple[str, ...] = ()
    nod_deg: float = 20.0  # pitch of an UP/DOWN move


@dataclass(frozen=True)
class SyntheticAttempt:
    """Frames as uploaded plus the challenge the server issued."""

    frames: list[bytes]
    turn: str  # the challenge the server issued
    kind: str  # "genuine" or one of ATTACK_KINDS
    live: bool
    notes: dict[str, float | str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# Mesh
# ------------------------------------------------------------------------------------------


def _delaunay(points: FloatArray) -> NDArray[np.int32]:
    lo = points.min(axis=0) - 2.0
    hi = points.max(axis=0) + 2.0
    subdiv = cv2.Subdiv2D((int(lo[0]), int(lo[1]), int(hi[0] - lo[0]) + 2, int(hi[1] - lo[1]) + 2))
    for x, y in points:
        subdiv.insert((float(x), float(y)))
    corners = np.asarray(subdiv.getTriangleList(), dtype=np.float64).reshape(-1, 3, 2)
    # Map each corner back to its landmark (nearest point; Subdiv2D stores float32 copies).
    distances = np.linalg.norm(corners[:, :, None, :] - points[None, None, :, :], axis=3)
    ids = distances.argmin(axis=2)
    exact = distances.min(axis=2) < 0.5
    triangles = [tuple(int(i) for i in row) for row, ok in zip(ids, exact, strict=True) if ok.all()]
    return np.asarray(triangles, dtype=np.int32)


def build_face_mesh(photo: ImageArray, faces: FaceEngine, landmarks: LandmarkModel) -> FaceMesh:
    """Turn the largest face of a photo into a textured metric mesh."""
    found = faces.detect(photo)
    if not found:
        raise ValueError("no face in the photo")
    face = found[0]
    roi = roi_from_box(face.box, (face.landmarks[0], face.landmarks[1]))
    first = landmarks.run(photo, roi)
    marks = landmarks.run(photo, roi_from_points(first.points))
    pts = marks.points.astype(np.float64)
    # Unique points for Delaunay (the mesh has none duplicated, but be safe).
    uv = pts[:, :2] + np.random.default_rng(0).normal(0, 1e-3, (len(pts), 2))
    eye_px = float(np.linalg.norm(pts[263, :2] - pts[33, :2]))
    k = _OUTER_EYE_CM / eye_px
    centre = pts.mean(axis=0)
    xyz = (pts - centre) * k
    triangles = _delaunay(uv)

    # Backdrop: the photo around the face, the face itself blurred away so a turned head does
    # not show a second, flat face behind it.
    x, y, w, h = face.box
    side = max(w, h) * 3.0
    cx, cy = x + w / 2.0, y + h / 2.0 + 0.25 * h
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    size = round(side)
    padded = cv2.copyMakeBorder(photo, size, size, size, size, cv2.BORDER_REPLICATE)
    crop = padded[y0 + size : y0 + 2 * size, x0 + size : x0 + 2 * size].copy()
    hull = cv2.convexHull((pts[:, :2] - [x0, y0]).astype(np.int32))
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    mask = np.asarray(cv2.dilate(mask, np.ones((15, 15), np.uint8)), np.uint8)
    smooth = cv2.inpaint(crop, mask, 5, cv2.INPAINT_TELEA)
    smooth = cv2.GaussianBlur(smooth, (0, 0), 6)
    backdrop = np.where(mask[..., None] > 0, smooth, crop).astype(np.uint8)
    zb = float(xyz[:, 2].max()) + _BACKDROP_BEHIND_CM
    corners_px = np.array([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]])
    quad = np.column_stack([(corners_px - centre[:2]) * k, np.full(4, zb)])
    return FaceMesh(photo, uv, xyz, triangles, backdrop, quad.astype(np.float64), k)


# ------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------


def _rotation(yaw_deg: float, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> FloatArray:
    """Rotation applied to the head. Positive yaw: the subject turns to their own LEFT, so the
    nose (negative Z, towards the camera) moves to the image's RIGHT."""
    a = math.radians(-yaw_deg)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    b = math.radians(pitch_deg)
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    c = math.radians(roll_deg)
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return np.asarray(rz @ rx @ ry, dtype=np.float64)


def _project(points: FloatArray) -> FloatArray:
    z = np.maximum(points[:, 2], 1.0)
    u = _FOCAL_PX * points[:, 0] / z + _FRAME_W / 2.0
    v = _FOCAL_PX * points[:, 1] / z + _FRAME_H / 2.0
    return np.column_stack([u, v])


@dataclass(frozen=True)
class _Pose:
    distance: float
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    tx: float = 0.0
    ty: float = 0.0


def _to_camera(points: FloatArray, pose: _Pose) -> FloatArray:
    pivot = np.array([0.0, 0.0, _PIVOT_BEHIND_CM])
    rotated = (points - pivot) @ _rotation(pose.yaw, pose.pitch, pose.roll).T + pivot
    return np.asarray(rotated + np.array([pose.tx, pose.ty, pose.distance]), dtype=np.float64)


def _paste_quad(canvas: ImageArray, texture: ImageArray, quad_px: FloatArray) -> None:
    h, w = texture.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad_px.astype(np.float32))
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(texture, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, size)
    np.copyto(canvas, warped, where=mask[..., None] > 127)


def _cross(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _render_mesh(canvas: ImageArray, mesh: FaceMesh, pose: _Pose) -> None:
    cam = _to_camera(mesh.xyz, pose)
    proj = _project(cam)
    tri = mesh.triangles
    depth = cam[tri, 2].mean(axis=1)
    height, width = canvas.shape[:2]
    for index in np.argsort(-depth):
        a, b, c = tri[index]
        dst = proj[[a, b, c]].astype(np.float32)
        src = mesh.uv[[a, b, c]].astype(np.float32)
        # Back-facing (orientation flipped relative to the texture): hidden by the turn.
        area_dst = _cross(dst[1] - dst[0], dst[2] - dst[0])
        area_src = _cross(src[1] - src[0], src[2] - src[0])
        if area_dst * area_src <= 0:
            continue
        x0, y0 = np.floor(dst.min(axis=0)).astype(int)
        x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if x1 <= x0 or y1 <= y0:
            continue
        matrix = cv2.getAffineTransform(src, (dst - [x0, y0]).astype(np.float32))
        patch = cv2.warpAffine(
            mesh.texture, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT,
        )  # fmt: skip
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(dst - [x0, y0]).astype(np.int32), 255)
        region = canvas[y0:y1, x0:x1]
        np.copyto(region, patch, where=mask[..., None] > 0)


def _room(rng: np.random.Generator) -> ImageArray:
    """A random indoor-ish background: a gradient wall, a few blurred objects, texture."""
    h, w = _FRAME_H + 200, _FRAME_W + 200
    base = rng.uniform(60, 200, 3)
    ramp = np.linspace(0.8, 1.2, h)[:, None, None] * np.ones((1, w, 1))
    image = np.clip(base * ramp, 0, 255)
    for _ in range(int(rng.integers(3, 8))):
        colour = rng.uniform(20, 235, 3)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        rw, rh = int(rng.integers(30, 220)), int(rng.integers(30, 260))
        cv2.rectangle(image, (x, y), (x + rw, y + rh), colour.tolist(), -1)
    image = cv2.GaussianBlur(image, (0, 0), 3) + rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _background(room: ImageArray, zoom: float, dx: float, dy: float) -> ImageArray:
    h, w = room.shape[:2]
    matrix = np.array(
        [[zoom, 0, (1 - zoom) * w / 2 + dx - 100], [0, zoom, (1 - zoom) * h / 2 + dy - 100]]
    )
    return np.asarray(cv2.warpAffine(room, matrix, (_FRAME_W, _FRAME_H)), dtype=np.uint8)


def _finish(image: ImageArray, capture: Capture, rng: np.random.Generator) -> bytes:
    pixels = image.astype(np.float64) * capture.brightness
    pixels += rng.normal(0, capture.noise, pixels.shape)
    out = np.clip(pixels, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, capture.jpeg_quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()


def _ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _move_pose(capture: Capture, into: float) -> tuple[float, float]:
    """(yaw, pitch) offsets ``into`` seconds-fractions of the moves phase (one unit per move:
    out to the move and back to the centre)."""
    index = min(int(into), len(capture.moves) - 1)
    phase = into - index
    amount = _ease(phase / 0.45) - _ease((phase - 0.55) / 0.45)
    move = capture.moves[index]
    if move in ("LEFT", "RIGHT"):
        return _sign(move) * capture.yaw_deg * amount, 0.0
    # UP lifts the chin: the face rotates about the ear axis, top away from the camera.
    return 0.0, (capture.nod_deg if move == "DOWN" else -capture.nod_deg) * amount


def _trajectory(capture: Capture, turn_sign: float, rng: np.random.Generator) -> list[_Pose]:
    """Head poses (relative to the camera) for each frame: far, approach, turn (or moves)."""
    turns = max(len(capture.moves), 1)
    total = capture.far_s + capture.approach_s + capture.turn_s * turns
    count = max(2, round(total * capture.fps))
    poses: list[_Pose] = []
    ox, oy = capture.offset_cm
    for i in range(count):
        t = i / capture.fps
        approach = _ease((t - capture.far_s) / capture.approach_s)
        into_turn = (t - capture.far_s - capture.approach_s) / capture.turn_s
        extra_yaw = extra_pitch = 0.0
        if capture.moves:
            turn = 0.0
            if into_turn > 0:
                extra_yaw, extra_pitch = _move_pose(capture, into_turn)
        elif capture.turn_back:
            # Peak at 60% of the turn phase, then halfway back by its end.
            turn = _ease(into_turn / 0.6) - 0.5 * _ease((into_turn - 0.6) / 0.4)
        else:
            turn = _ease(into_turn)
        distance = capture.far_cm + (capture.near_cm - capture.far_cm) * approach
        shake = rng.normal(0, capture.jitter_cm * distance / 40.0, 2)
        poses.append(
            _Pose(
                distance=distance,
                yaw=turn_sign * capture.yaw_deg * turn + extra_yaw + float(rng.normal(0, 1.0)),
                pitch=capture.pitch_deg + extra_pitch + float(rng.normal(0, 1.5)),
                roll=float(rng.normal(0, 1.5)),
                tx=ox * distance / capture.far_cm + float(shake[0]),
                ty=1.0 + oy * distance / capture.far_cm + float(shake[1]),
            )
        )
    return poses


def _render_head(mesh: FaceMesh, pose: _Pose, room: ImageArray, far_cm: float) -> ImageArray:
    canvas = _background(room, 1.0 + 0.08 * (far_cm / pose.distance - 1.0), pose.tx, pose.ty)
    quad = _project(_to_camera(mesh.backdrop_quad, pose))
    _paste_quad(canvas, mesh.backdrop, quad)
    _render_mesh(canvas, mesh, pose)
    return canvas


def _sign(turn: str) -> float:
    if turn not in ("LEFT", "RIGHT"):
        raise ValueError(f"turn must be LEFT or RIGHT, not {turn!r}")
    return 1.0 if turn == "LEFT" else -1.0


def _opposite(turn: str) -> str:
    return "RIGHT" if turn == "LEFT" else "LEFT"


# ------------------------------------------------------------------------------------------
# Genuine attempts and attacks
# ------------------------------------------------------------------------------------------


def genuine_attempt(
    mesh: FaceMesh, *, turn: str, seed: int, capture: Capture | None = None
) -> SyntheticAttempt:
    """A live subject following the protocol and turning to ``turn`` (their own side)."""
    rng = np.random.default_rng(seed)
    cap = capture if capture is not None else Capture()
    room = _room(rng)
    frames = [
        _finish(_render_head(mesh, pose, room, cap.far_cm), cap, rng)
        for pose in _trajectory(cap, _sign(turn), rng)
    ]
    return SyntheticAttempt(frames, turn, "genuine", True, {"fps": cap.fps})


def wrong_challenge_attack(
    mesh: FaceMesh, *, turn: str, seed: int, capture: Capture | None = None
) -> SyntheticAttempt:
    """A real 3-D sequence (e.g. a replayed earlier recording) that turns the other way."""
    genuine = genuine_attempt(mesh, turn=_opposite(turn), seed=seed, capture=capture)
    return replace(genuine, turn=turn, kind="wrong_challenge", live=False)


def splice_attack(
    mesh_a: FaceMesh,
    mesh_b: FaceMesh,
    *,
    turn: str,
    seed: int,
    capture: Capture | None = None,
) -> SyntheticAttempt:
    """The far half of one sequence followed by the near half of another (another person, or
    the same person in another session when ``mesh_b is mesh_a``)."""
    first = genuine_attempt(mesh_a, turn=turn, seed=seed, capture=capture)
    second = genuine_attempt(mesh_b, turn=turn, seed=seed + 7919, capture=capture)
    cut = len(first.frames) // 2
    frames = first.frames[:cut] + second.frames[cut:]
    same = "same_person" if mesh_b is mesh_a else "other_person"
    return SyntheticAttempt(frames, turn, "splice", False, {"splice": same})


def _print_texture(photo: ImageArray, rng: np.random.Generator) -> ImageArray:
    """Paper print: lower contrast, warm paper tone, ordered-dither halftone at ~100 lpi."""
    image = photo.astype(np.float64)
    image = 30 + image * 0.8  # paper white and ink black do not reach the extremes
    image *= np.array([0.93, 0.98, 1.02])  # warm paper
    h, w = image.shape[:2]
    period = max(3, round(min(h, w) / 220))
    yy, xx = np.mgrid[0:h, 0:w]
    screen = (np.sin(2 * np.pi * (xx + yy) / (period * 1.414)) * np.sin(
        2 * np.pi * (xx - yy) / (period * 1.414)
    ))  # fmt: skip
    image += screen[..., None] * 10.0 * float(rng.uniform(0.7, 1.3))
    return np.clip(image, 0, 255).astype(np.uint8)


def _plane_corners(width_cm: float, height_cm: float) -> FloatArray:
    hw, hh = width_cm / 2.0, height_cm / 2.0
    return np.array([[-hw, -hh, 0.0], [hw, -hh, 0.0], [hw, hh, 0.0], [-hw, hh, 0.0]])


def _plane_attempt(
    content: Sequence[ImageArray],
    content_cm_per_px: float,
    *,
    turn: str,
    seed: int,
    kind: str,
    capture: Capture | None,
    rotate_plane: bool,
    bezel_px: int = 0,
) -> SyntheticAttempt:
    """Show ``content`` (one image per frame) on a rigid plane moved along the protocol."""
    rng = np.random.default_rng(seed)
    cap = capture if capture is not None else Capture()
    room = _room(rng)
    poses = _trajectory(cap, _sign(turn), rng)
    frames: list[bytes] = []
    for i, pose in enumerate(poses):
        texture = content[min(i, len(content) - 1)]
        if bezel_px:
            border = cv2.BORDER_CONSTANT
            texture = np.asarray(
                cv2.copyMakeBorder(texture, *(bezel_px,) * 4, border, value=(8,) * 3), np.uint8
            )
        h, w = texture.shape[:2]
        corners = _plane_corners(w * content_cm_per_px, h * content_cm_per_px)
        plane_pose = pose if rotate_plane else replace(pose, yaw=0.0)
        # A plane pivots about its own centre (there is no neck behind it).
        cam = corners @ _rotation(plane_pose.yaw, plane_pose.pitch, plane_pose.roll).T
        cam = cam + np.array([plane_pose.tx, plane_pose.ty, plane_pose.distance])
        canvas = _background(room, 1.0 + 0.08 * (cap.far_cm / pose.distance - 1.0), 0, 0)
        _paste_quad(canvas, texture, _project(cam))
        frames.append(_finish(canvas, cap, rng))
    return SyntheticAttempt(frames, turn, kind, False)


def print_attack(
    photo: ImageArray,
    mesh: FaceMesh,
    *,
    turn: str,
    seed: int,
    capture: Capture | None = None,
    rotate_plane: bool = True,
) -> SyntheticAttempt:
    """A printed photo (face at life size) moved closer and turned as a rigid sheet."""
    rng = np.random.default_rng(seed + 1)
    printed = _print_texture(photo, rng)
    result = _plane_attempt(
        [printed], mesh.cm_per_px, turn=turn, seed=seed, kind="print", capture=capture,
        rotate_plane=rotate_plane,
    )  # fmt: skip
    return result


def flat_photo_attack(
    photo: ImageArray, mesh: FaceMesh, *, seed: int, capture: Capture | None = None
) -> SyntheticAttempt:
    """The photo itself (no print texture: a cut-out, or a photo shown as a flat image) on a
    rigid plane moved closer and turned/tilted along the capture's moves."""
    cap = capture if capture is not None else Capture()
    turn = cap.moves[0] if cap.moves and cap.moves[0] in ("LEFT", "RIGHT") else "LEFT"
    result = _plane_attempt(
        [photo], mesh.cm_per_px, turn=turn, seed=seed, kind="flat_photo_motion", capture=cap,
        rotate_plane=True,
    )  # fmt: skip
    return result


def _screen_texture(frame: ImageArray, rng: np.random.Generator) -> ImageArray:
    """A display: gamma/white-point shift and an RGB sub-pixel grid (aliases into moire)."""
    image = (frame.astype(np.float64) / 255.0) ** float(rng.uniform(0.8, 0.95)) * 255.0
    image *= np.array([1.04, 1.0, 0.94])  # bluish white point (BGR)
    up = np.asarray(
        cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST), np.float64
    )
    grid = np.full_like(up, 0.55)
    for channel, column in ((2, 0), (1, 1), (0, 2)):  # R, G, B stripes (BGR order)
        grid[:, column::3, channel] = 1.25
    grid[2::3, :, :] *= 0.7  # row gaps
    return np.clip(up * grid, 0, 255).astype(np.uint8)


def screen_attack(
    mesh: FaceMesh,
    *,
    turn: str,
    seed: int,
    capture: Capture | None = None,
    still: bool = False,
) -> SyntheticAttempt:
    """A phone/tablet screen moved closer, replaying a 3-D recording made at a fixed distance
    that turns the challenged way (``still=False``), or showing one frontal frame."""
    rng = np.random.default_rng(seed + 2)
    cap = capture if capture is not None else Capture()
    room = _room(rng)
    fixed = replace(cap, far_cm=cap.near_cm * 1.4, near_cm=cap.near_cm * 1.4)
    recording = []
    for pose in _trajectory(fixed, _sign(turn), rng):
        rendered = _render_head(mesh, pose, room, fixed.far_cm)
        recording.append(rendered[80:560, 40:440])  # what the screen shows (4:3 region)
    if still:
        recording = recording[:1]
    screens = [_screen_texture(frame, rng) for frame in recording]
    # Shown at life size (the face on the glass as big as a real face), which is what an
    # attacker needs to reach the protocol's face sizes; 3 texture pixels per screen pixel.
    cm_per_px = fixed.far_cm / (_FOCAL_PX * 3.0)
    kind = "screen_still" if still else "screen_video"
    return _plane_attempt(
        screens, cm_per_px, turn=turn, seed=seed, kind=kind, capture=cap, rotate_plane=still,
        bezel_px=40,
    )  # fmt: skip


def still_attack(
    mesh: FaceMesh, *, turn: str, seed: int, capture: Capture | None = None
) -> SyntheticAttempt:
    """One frame of the subject uploaded over and over (with fresh sensor noise): no motion."""
    rng = np.random.default_rng(seed)
    cap = capture if capture is not None else Capture()
    room = _room(rng)
    distance = (cap.far_cm + cap.near_cm) / 2.0
    image = _render_head(mesh, _Pose(distance=distance, ty=1.0), room, cap.far_cm)
    count = max(2, round((cap.far_s + cap.approach_s + cap.turn_s) * cap.fps))
    frames = [_finish(image, cap, rng) for _ in range(count)]
    return SyntheticAttempt(frames, turn, "still", False)


def render_attack(
    mesh: FaceMesh,
    *,
    moves: Sequence[str],
    seed: int,
    capture: Capture | None = None,
    challenge: Sequence[str] | None = None,
) -> SyntheticAttempt:
    """One still photo mapped onto a 3-D mesh and rendered doing ``moves`` (far -> near ->
    each move and back), as an attacker would inject it through a virtual camera: an ATTACK,
    not a person. ``challenge`` is what the server asked for (default: the moves rendered, the
    attacker who renders on demand after reading the challenge)."""
    cap = replace(capture if capture is not None else Capture(), moves=tuple(moves))
    rendered = genuine_attempt(mesh, turn="LEFT", seed=seed, capture=cap)
    asked = tuple(challenge) if challenge is not None else tuple(moves)
    return SyntheticAttempt(
        rendered.frames, ",".join(asked), "render", False, {"moves": ",".join(moves)}
    )


def reencode(
    frames: Sequence[bytes], *, seed: int, scale: float = 0.75, quality: int = 70
) -> list[bytes]:
    """A recording decoded and encoded again (a replay through a virtual camera or a screen
    recorder): resampled, a blur of the lens-free path, JPEG at another quality."""
    rng = np.random.default_rng(seed)
    out: list[bytes] = []
    for data in frames:
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError("not an image")
        image = np.asarray(decoded, np.uint8)
        h, w = image.shape[:2]
        small = cv2.resize(
            image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
        back = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        dx, dy = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
        shift = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
        back = cv2.warpAffine(back, shift, (w, h), borderMode=cv2.BORDER_REFLECT)
        ok, encoded = cv2.imencode(".jpg", back, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        out.append(encoded.tobytes())
    return out
