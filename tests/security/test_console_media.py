"""High: script on the console's origin from a sandbox app.

The attacker, a sandbox application, configured a ``document_id_photo`` with
``content_type: text/html`` (and another in ``text/javascript``); the console served stored
media with its stored type, so the HTML page ran the script under the console's
``script-src 'self'`` and acted as the admin who opened it."""

from __future__ import annotations

import base64
import json

import pytest

from openidv.sessions.service import store_media
from openidv.store.db import utcnow
from tests.security.conftest import PNG, Target, held_case

HTML = b"<!doctype html><script src='/console/media/x/y'></script><p>click me</p>"


def _config(content_type: str, data: bytes) -> bytes:
    photo = {"content_type": content_type, "data": base64.b64encode(data).decode()}
    return json.dumps(
        {"task_results": {"ID_DOCUMENT_TEXT_DATA_EXTRACTION": [
            {"result": {"document_id_photo": photo}}
        ]}}
    ).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("text/html", HTML), ("text/javascript", b"alert(1)"), ("image/png", HTML),
     ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>")],
    ids=["html", "javascript", "html-as-png", "svg"],
)  # fmt: skip
def test_sandbox_media_must_be_the_image_it_claims(
    served: Target, content_type: str, data: bytes
) -> None:
    with served.integrator(sandbox=True) as attacker:
        session_id, _ = served.session(attacker)
        refused = attacker.send(
            "PUT", f"/sessions/{session_id}/response-config", _config(content_type, data)
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "PAYLOAD_VALIDATION"
        assert any("document_id_photo" in e["property"] for e in refused.json()["errors"])
        accepted = attacker.send(
            "PUT", f"/sessions/{session_id}/response-config", _config("image/png", PNG)
        )
        assert accepted.status_code == 204, accepted.text


def _stored(target: Target, session_id: str, content: bytes, content_type: str) -> str:
    """Media as it is at rest (what the sandbox could store before the fix, or any other
    path): the product's own store_media, in the server's database."""
    ctx = target.app.state.console.sessions
    with target.app.state.engine.begin() as conn:
        return store_media(
            conn, ctx, session_id, content=content, content_type=content_type,
            media_type="IMAGE", now=utcnow(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(HTML, "text/html"), (b"alert(document.cookie)", "text/javascript"), (HTML, "image/png"),
     (PNG, "image/svg+xml")],
    ids=["html", "javascript", "html-as-png", "png-as-svg"],
)  # fmt: skip
def test_console_never_serves_media_a_browser_would_run(
    target: Target, content: bytes, content_type: str
) -> None:
    with target.integrator() as shop:
        case = held_case(target, shop)
    media_id = _stored(target, case.session_id, content, content_type)
    served = case.reviewer.get(f"/media/{case.session_id}/{media_id}")
    case.reviewer.close()
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert served.content == content  # still available to the reviewer, as a file


def test_console_shows_real_images_inline(target: Target) -> None:
    with target.integrator() as shop:
        case = held_case(target, shop)
    media_id = _stored(target, case.session_id, PNG, "image/png")
    served = case.reviewer.get(f"/media/{case.session_id}/{media_id}")
    case.reviewer.close()
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert "content-disposition" not in served.headers
    assert served.headers["content-security-policy"] == "sandbox; default-src 'none'"


def test_console_media_only_for_a_case_the_reviewer_holds(target: Target) -> None:
    """Low: any logged-in reviewer (or admin) could fetch any session's media by its ids."""
    with target.integrator() as shop:
        case = held_case(target, shop)
        other = target.session(shop)[0]  # nobody's case
    page = _stored(target, case.session_id, PNG, "image/png")
    elsewhere = _stored(target, other, PNG, "image/png")
    outsider = target.reviewer(f"o-{page[:8]}@example.com")
    admin = target.reviewer(f"a-{page[:8]}@example.com", role="admin")
    try:
        assert case.reviewer.get(f"/media/{case.session_id}/{page}").status_code == 200
        assert case.reviewer.get(f"/media/{other}/{elsewhere}").status_code == 404
        assert outsider.get(f"/media/{case.session_id}/{page}").status_code == 404
        assert admin.get(f"/media/{case.session_id}/{page}").status_code == 404
        released = case.reviewer.post(
            f"/items/task/{case.task_id}/release", data={"csrf": case.csrf}
        )
        assert released.status_code == 303
        assert case.reviewer.get(f"/media/{case.session_id}/{page}").status_code == 404
    finally:
        for client in (case.reviewer, outsider, admin):
            client.close()
