"""The demo's journey as a newcomer makes it, timed on a running ``openidv run`` with the
built-in engines: /demo/start, the capture page's calls (a generated passport page, checked at
upload as the page asks, one ZOOM liveness attempt of a synthetic head made from a real photo,
judged while the user waits), submit, and the result page until it stops refreshing. The
synthetic head is a render, which the engine refuses as an attack: the journey ends "Not
verified" (a real face in front of a camera is what passes); ``first_session.py --review``
sends every check, liveness included, to a reviewer instead. What is left out is the person: the
time spent reading, framing the document and following the oval.

    python benchmarks/demo_journey.py --origin http://127.0.0.1:8000 [--runs 3]

Each run prints its stages; the last lines give each stage's median over the runs.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cv2
import httpx
import numpy as np

from faces import load_face_fixtures  # the same photos (benchmarks/faces.py)
from openidv.vision.faces import FaceEngine
from openidv.vision.liveness.landmarks import LandmarkModel
from openidv.vision.synth import generate_document
from openidv.vision.synth import liveness as synth


def _mesh() -> synth.FaceMesh:
    fixtures = load_face_fixtures()
    with tempfile.TemporaryDirectory() as folder:
        fixtures._extract_face_recognition_images(Path(folder))
        photo = cv2.imread(str(Path(folder) / "obama2.jpg"))
    assert photo is not None
    return synth.build_face_mesh(np.asarray(photo, np.uint8), FaceEngine(), LandmarkModel())


def run_once(
    origin: str, mesh: synth.FaceMesh, seed: int, *, review: bool = False
) -> dict[str, float]:
    """One journey; ``review``: with the demo's review switch, ended once the result page
    waits for a reviewer (the caller decides in the console, then reads ``result_url``)."""
    stages: dict[str, float] = {}
    passport = generate_document(seed, fmt="TD3").image
    with httpx.Client(base_url=origin, timeout=120) as browser:
        t0 = time.perf_counter()
        started = browser.post("/demo/start", data={"review": "1"} if review else {})
        frame = re.search(
            r'<iframe src="([^"]+)" allow="camera" data-result="([^"]+)"', started.text
        )
        assert frame, started.text
        query = parse_qs(urlsplit(html.unescape(frame.group(1))).query)
        session_id, token = query["sessionID"][0], query["sessionToken"][0]
        result_url = html.unescape(frame.group(2))
        stages["start (session created)"] = time.perf_counter() - t0

        api = f"{origin}/idverify/v1/client/sessions/{session_id}"
        headers = {"X-Yoti-Auth-Token": token}
        t1 = time.perf_counter()
        required = browser.get(f"{api}/configuration", headers=headers).json()
        resources = required["capture"]["required_resources"]
        document = next(r for r in resources if r["type"] == "ID_DOCUMENT")
        created = browser.post(
            f"{api}/resources",
            headers=headers,
            json={
                "requirement_id": document["id"],
                "document_type": "PASSPORT",
                "issuing_country": "USA",
            },
        ).json()
        # As the capture page sends it: with the photo check at upload (?quality=check), and
        # "send anyway" (?quality=accept) if the check asks for a retake.
        media = f"{api}/resources/{created['id']}/media"
        upload = browser.put(
            f"{media}?quality=check",
            headers={**headers, "Content-Type": "image/png"},
            content=passport,
        )
        checked = "passed" if upload.status_code == 201 else f"refused {upload.status_code}"
        if upload.status_code == 422:
            upload = browser.put(
                f"{media}?quality=accept",
                headers={**headers, "Content-Type": "image/png"},
                content=passport,
            )
        assert upload.status_code == 201, upload.text
        stages[f"document page uploaded (photo check {checked})"] = time.perf_counter() - t1

        liveness = next(r for r in resources if r["type"] == "LIVENESS")
        attempt = browser.post(
            f"{api}/liveness-attempts", headers=headers, json={"requirement_id": liveness["id"]}
        ).json()
        # Rendering is taken off the clock: a phone captures these while the user moves.
        rendering = time.perf_counter()
        # The server issues a sequence of moves (LEFT/RIGHT/UP/DOWN); "turn" is its first.
        moves = tuple(attempt["challenge"].get("moves") or [attempt["challenge"]["turn"]])
        side = next((move for move in moves if move in ("LEFT", "RIGHT")), "LEFT")
        capture = synth.Capture(moves=moves)
        frames = synth.genuine_attempt(mesh, turn=side, seed=seed, capture=capture).frames
        t2 = time.perf_counter()
        rendering = t2 - rendering
        for image in frames:
            sent = browser.put(
                f"{api}/resources/{attempt['id']}/media",
                headers={
                    **headers,
                    "Content-Type": "image/jpeg",
                    "X-Liveness-Nonce": attempt["challenge"]["nonce"],
                },
                content=image,
            )
            assert sent.status_code == 201, sent.text
        stages[f"liveness frames uploaded ({len(frames)})"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        status_url = f"{api}/liveness-attempts/{attempt['id']}"
        browser.post(f"{status_url}/evaluate", headers=headers)
        # IN_REVIEW: the check went to a reviewer (the page moves on, as here).
        while (status := browser.get(status_url, headers=headers).json())["state"] not in (
            "DONE",
            "IN_REVIEW",
        ):
            time.sleep(0.1)
        verdict = "in review" if status["state"] == "IN_REVIEW" else f"passed={status['passed']}"
        stages[f"liveness verdict ({verdict})"] = time.perf_counter() - t3

        t4 = time.perf_counter()
        submitted = browser.post(f"{api}/submit", headers=headers)
        assert submitted.status_code == 202, submitted.text
        while 'http-equiv="refresh"' in (page := browser.get(result_url)).text:
            if review and "Waiting for a reviewer" in page.text:
                break
            time.sleep(0.25)
        final = "waiting for a reviewer" if review else "final result page"
        stages[f"submit to {final}"] = time.perf_counter() - t4
        outcome = re.search(r'<p class="outcome [a-z]+" role="status">([^<]+)', page.text)
        stages["total"] = time.perf_counter() - t0 - rendering
        print(f"run {seed}: {outcome.group(1) if outcome else '?'}")
    for name, seconds in stages.items():
        print(f"  {name:<40} {seconds:6.2f} s")
    RESULT_URLS[seed] = f"{origin}{result_url}"
    return stages


# Each run's result page, by seed (first_session.py --review reads it after the decisions).
RESULT_URLS: dict[int, str] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origin", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    mesh = _mesh()
    runs = [run_once(args.origin, mesh, seed) for seed in range(1, args.runs + 1)]
    print("median over runs:")
    for stage in ("start (session created)", "submit to final result page", "total"):
        print(f"  {stage:<40} {statistics.median(r[stage] for r in runs):6.2f} s")


if __name__ == "__main__":
    main()
