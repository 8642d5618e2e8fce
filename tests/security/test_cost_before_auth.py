"""High: cost before authentication.

Bodies were read whole before the token or signature was checked, with no size limit on the
signed API and none on chunked uploads: a 200 MB JSON with a bad signature took the server
from 236 to 959 MB; a small HEIC of 7000x7000 was decoded on the event loop before the token
check (seconds frozen, ~600 MB a request).

``bomb-7000.heic`` (12 KB) is a real 7000x7000 HEIC (flat grey, x265 at quality 1), made once
through ctypes with Debian's system libheif 1.15.1 (``heif_context_get_encoder_for_format``
HEVC, a YCbCr 4:2:0 ``heif_image``, ``heif_context_encode_image``): pi_heif cannot encode.
Decoding it takes about 2 s and 530 MB.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import httpx

from tests.security.conftest import Target, journey, raw_exchange

BOMB = (Path(__file__).parent / "bomb-7000.heic").read_bytes()
MB = 1024 * 1024


def test_decoding_a_heic_bomb_does_not_freeze_the_server(target: Target) -> None:
    """A legitimate token holder's 7000x7000 HEIC is decoded off the event loop: the server
    keeps answering other requests meanwhile. In-process only: against ``openidv run`` one
    probe near the end of the upload (after the decode) waited about 1.5 s on a loaded
    machine, three runs of three; that stall is still open (issue 15's closing note). First
    in the module: before ``openidv run`` (the ``served`` tests below) shares the CPU."""
    with target.integrator() as shop:
        session_id, token = target.session(shop)
    with journey(target, session_id, token, timeout=60) as capture:
        resource = capture.passport()
        answers: list[int] = []

        def upload() -> None:
            answers.append(capture.upload(resource, BOMB, "image/heic").status_code)

        uploading = threading.Thread(target=upload)
        uploading.start()
        waits = []
        with httpx.Client(timeout=30) as probe:
            while uploading.is_alive():
                started = time.perf_counter()
                assert probe.get(f"{target.origin}/healthz").status_code == 200
                waits.append(time.perf_counter() - started)
                time.sleep(0.05)
        uploading.join()
    assert answers == [201]
    assert len(waits) >= 5  # the decode really ran while we probed
    worst = max(range(len(waits)), key=waits.__getitem__)
    # On the event loop the decode froze every request for ~2 s.
    assert waits[worst] < 1.0, f"probe {worst} of {len(waits)} waited {waits[worst]:.2f} s"


def _post_head(target: Target, query: str, length: int | None) -> str:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {target.settings.api_prefix}/sessions?{query} HTTP/1.1\n"
        f"Host: 127.0.0.1\nX-Yoti-Auth-Digest: AAAA\nContent-Type: application/json\n{size}\n"
    )


def test_huge_declared_body_is_refused_before_it_is_read(served: Target) -> None:
    with served.integrator() as shop:
        head = _post_head(served, shop.query(), 200 * MB)
    status, body, sent = raw_exchange(served.origin, head, b'{"a":"' + b"x" * 1000)
    assert status == 413
    error = json.loads(body)
    assert error["code"] == "REQUEST_TOO_LARGE" and error["message"]
    assert error["errors"] == [{"property": "body", "message": f"must be at most {MB} bytes"}]
    assert sent < 2000  # answered without waiting for the 200 MB


def test_chunked_body_is_cut_off_at_the_limit(served: Target) -> None:
    with served.integrator() as shop:
        head = _post_head(served, shop.query(), None)
    status, body, sent = raw_exchange(served.origin, head, chunks=3200, chunk=b"x" * 65536)
    assert status == 413, body
    assert json.loads(body)["code"] == "REQUEST_TOO_LARGE"
    assert sent < 200 * MB  # it stopped long before the attacker did (3200 chunks: 200 MB)


def test_large_body_of_an_unknown_app_or_stale_request_is_not_read(served: Target) -> None:
    """Under the limit but large: what the body cannot change is refused before reading it
    (the signature covers the body, so that alone has to wait for it)."""
    unknown = f"sdkId={uuid.uuid4()}&nonce={uuid.uuid4()}&timestamp={int(time.time() * 1000)}"
    status, body, _ = raw_exchange(served.origin, _post_head(served, unknown, 900_000))
    assert status == 404 and json.loads(body)["code"] == "APP_NOT_FOUND"
    with served.integrator() as shop:
        stale = shop.query(timestamp=int((time.time() - 86400) * 1000))
    status, body, _ = raw_exchange(served.origin, _post_head(served, stale, 900_000))
    assert status == 401 and json.loads(body)["code"] == "UNAUTHORIZED"


def test_bad_signature_on_a_large_body_is_still_refused(served: Target) -> None:
    with served.integrator() as shop:
        body = json.dumps({"user_tracking_id": "x" * 900_000}).encode()
        refused = shop.create(body, sign_body=b"{}")
        assert refused.status_code == 401, refused.text
        fine = shop.create({"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]})
        assert fine.status_code == 201, fine.text


def _media_head(target: Target, session_id: str, token: str, length: int) -> str:
    path = f"{target.settings.api_prefix}/client/sessions/{session_id}/resources/r/media"
    return (
        f"PUT {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: image/heic\n"
        f"X-Yoti-Auth-Token: {token}\nContent-Length: {length}\n"
    )


def test_upload_with_a_bad_token_is_refused_before_the_body_is_read(served: Target) -> None:
    with served.integrator() as shop:
        session_id, _ = served.session(shop)
    status, body, sent = raw_exchange(
        served.origin, _media_head(served, session_id, "not-the-token", len(BOMB))
    )
    assert status == 401 and json.loads(body)["code"] == "BAD_TOKEN"
    assert sent == 0
    started = time.perf_counter()
    with httpx.Client(timeout=30) as http:
        refused = http.put(
            f"{served.api}/client/sessions/{session_id}/resources/r/media",
            content=BOMB,
            headers={"Content-Type": "image/heic", "X-Yoti-Auth-Token": "not-the-token"},
        )
    assert refused.status_code == 401
    assert time.perf_counter() - started < 1.0  # decoding it alone takes about 2 s
