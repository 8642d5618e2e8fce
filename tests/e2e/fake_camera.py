"""A fake camera for Chromium: a Y4M video written by the tests, played in a loop by
``--use-file-for-fake-video-capture``.

One loop is a document segment (a synthetic passport data page lying on a table) and then a
face segment (a real photo of a face, from the face fixtures, first small in the middle of the
frame, then scaled up as if the phone came closer, then shifted a little as if the head
turned). A marker square in the top-left corner tells the tests which segment is on screen:
dark for the document, mid-grey for the first moments of the face, white for the rest. The
frames are what a camera sees (not mirrored); the page mirrors only its preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.synth import generate_document

WIDTH, HEIGHT, FPS = 640, 480, 6
DOCUMENT_SECONDS, FACE_SECONDS = 4, 7
FACE_START_SECONDS = 1.0  # the marker is mid-grey this long at the start of the face segment
MARKER = 16  # px, top-left

Frame = NDArray[np.uint8]


@dataclass(frozen=True)
class FakeVideo:
    path: Path
    frames: int


def _table() -> Frame:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    wood = 90 + 25 * np.sin(x / 37.0 + y / 151.0) + 10 * np.sin(y / 9.0)
    table: Frame = np.clip(np.stack([wood * 0.55, wood * 0.75, wood], axis=-1), 0, 255).astype(
        np.uint8
    )
    return table


def _document_frame(page: Frame) -> Frame:
    frame = _table()
    scale = (WIDTH * 0.8) / page.shape[1]
    resized = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    top, left = (HEIGHT - h) // 2, (WIDTH - w) // 2
    frame[top : top + h, left : left + w] = resized
    return frame


def _face_frame(face: Frame, progress: float, turn: float) -> Frame:
    """The face photo scaled by ``progress`` (0: far, 1: close), shifted by ``turn`` (-1..1)."""
    frame = np.full((HEIGHT, WIDTH, 3), (60, 90, 40), np.uint8)  # a dark green wall (BGR)
    height = int(HEIGHT * (0.55 + 0.6 * progress))
    scale = height / face.shape[0]
    resized = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    cx = WIDTH // 2 + int(turn * WIDTH * 0.06)
    top, left = (HEIGHT - h) // 2, cx - w // 2
    # Paste the part of the scaled photo that falls inside the frame.
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(HEIGHT, top + h), min(WIDTH, left + w)
    frame[y0:y1, x0:x1] = resized[y0 - top : y1 - top, x0 - left : x1 - left]
    return frame


def _decode(data: bytes) -> Frame:
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    frame: Frame = decoded.astype(np.uint8)
    return frame


def _i420(frame: Frame) -> bytes:
    return bytes(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())


def write_fake_video(path: Path, face_photo: bytes, document_seed: int = 11) -> FakeVideo:
    """Write the looping Y4M video; ``face_photo`` is an encoded photo of one face."""
    document = generate_document(document_seed, fmt="TD3", image_format="png")
    page = _decode(document.image)
    face = _decode(face_photo)
    h, w = face.shape[:2]
    face = face[: int(h * 0.6), int(w * 0.15) : int(w * 0.85)]  # head and shoulders
    frames: list[Frame] = []
    document_frame = _document_frame(page)
    for _ in range(DOCUMENT_SECONDS * FPS):
        frame = document_frame.copy()
        frame[:MARKER, :MARKER] = 0
        frames.append(frame)
    for index in range(FACE_SECONDS * FPS):
        t = index / FPS
        progress = min(1.0, max(0.0, (t - 1.0) / 1.5))  # still 1 s, then 1.5 s closer
        turn = min(1.0, max(0.0, (t - 2.5) / 1.0))  # then a turn for 1 s, then held
        frame = _face_frame(face, progress, turn)
        frame[:MARKER, :MARKER] = 128 if t < FACE_START_SECONDS else 255
        frames.append(frame)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(_i420(frame))
    return FakeVideo(path, len(frames))


# In the page: what the camera shows now, from the marker ("document", "face-start", "face").
READ_MARKER = """() => {
  const video = document.querySelector('#video');
  if (!video || video.hidden || !video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(video, 0, 0);
  const [value] = context.getImageData(6, 6, 1, 1).data;
  return value < 60 ? 'document' : value < 190 ? 'face-start' : 'face';
}"""
