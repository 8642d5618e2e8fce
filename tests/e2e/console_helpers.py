"""Helpers for the review console's browser test: the evidence it uploads, and the exact
Content-Security-Policy the console must send (``script-src 'self'`` for the case view's
module, nothing else)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import free_port
from tests.jobs.conftest import Deployment

CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@contextmanager
def console_server(
    root: Path,
    engines: str,
    queue: str,
    reviewers: tuple[str, ...],
    password: str,
    **settings: str,
) -> Iterator[Deployment]:
    """``openidv run`` on the embedded defaults (no database, queue or storage URL from the
    environment), plain-http cookies, a fast scheduler, and ``reviewers`` added; killed after."""
    env = {
        **os.environ,
        "OPENIDV_DATA_DIR": str(root / "data"),
        "OPENIDV_ENGINES": engines,
        "OPENIDV_QUEUE_NAME": f"{queue}-{uuid.uuid4().hex[:10]}",
        "OPENIDV_CONSOLE_SECURE_COOKIES": "false",  # plain http in the tests
        "OPENIDV_SCHEDULER_INTERVAL_SECONDS": "0.5",
        **settings,
    }
    for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL", "OPENIDV_STORAGE_URL"):
        env.pop(name, None)
    deployment = Deployment(root, env, free_port(), None)
    try:
        deployment.start("run")
        for email in reviewers:
            subprocess.run(
                [sys.executable, "-m", "openidv", "reviewer", "add", email, "--password-stdin"],
                input=password + "\n", env=env, text=True, check=True, capture_output=True,
            )  # fmt: skip
        yield deployment
    finally:
        for process in deployment.processes:
            deployment.stop(process, signal.SIGKILL)


# The ICAO 9303 specimen (Doc 9303 Part 4, Appendix A): its check digits are well known.
SPECIMEN_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return data.tobytes()


def _face(image: np.ndarray, centre: tuple[int, int], size: int) -> None:
    x, y = centre
    cv2.ellipse(image, (x, y + size), (size, int(size * 0.7)), 0, 180, 360, (90, 70, 60), -1)
    cv2.ellipse(image, (x, y), (int(size * 0.55), int(size * 0.7)), 0, 0, 360, (150, 180, 215), -1)
    for dx in (-size // 5, size // 5):
        cv2.circle(image, (x + dx, y - size // 8), max(size // 14, 2), (40, 40, 40), -1)
    cv2.ellipse(image, (x, y + size // 4), (size // 5, size // 12), 0, 0, 180, (60, 60, 160), 2)


def specimen_document() -> bytes:
    """A passport data page in the style of the ICAO specimen (a JPEG, 900x620)."""
    image = np.full((620, 900, 3), (226, 236, 240), np.uint8)
    cv2.rectangle(image, (0, 0), (899, 619), (120, 130, 140), 4)
    cv2.rectangle(image, (40, 90), (280, 400), (205, 215, 222), -1)
    _face(image, (160, 230), 90)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, "PASSPORT  UTOPIA", (40, 60), font, 1.1, (60, 60, 90), 2, cv2.LINE_AA)
    rows = [
        ("Surname", "ERIKSSON"),
        ("Given names", "ANNA MARIA"),
        ("Date of birth", "12 AUG 1974"),
        ("Passport no.", "L898902C3"),
        ("Date of expiry", "15 APR 2012"),
    ]
    for n, (label, value) in enumerate(rows):
        y = 120 + n * 58
        cv2.putText(image, label, (320, y), font, 0.5, (90, 90, 110), 1, cv2.LINE_AA)
        cv2.putText(image, value, (320, y + 26), font, 0.85, (20, 20, 30), 2, cv2.LINE_AA)
    for n, line in enumerate(SPECIMEN_MRZ):
        cv2.putText(
            image, line, (30, 500 + n * 48), cv2.FONT_HERSHEY_PLAIN, 1.55, (10, 10, 10), 2,
            cv2.LINE_AA,
        )  # fmt: skip
    return _jpeg(image)


def selfie_frame(n: int) -> bytes:
    """One liveness frame (a JPEG, 480x640), the face drifting a little between frames."""
    image = np.full((640, 480, 3), (200, 200, 190), np.uint8)
    cv2.rectangle(image, (0, 420), (479, 639), (150, 160, 170), -1)
    _face(image, (240 + 6 * n, 300 - 4 * n), 130)
    return _jpeg(image)
