"""High: script on the console's origin from a sandbox app.

The attacker, a sandbox application, configured a ``document_id_photo`` with
``content_type: text/html`` (and another in ``text/javascript``); the console served stored
media with its stored type, so the HTML page ran the script under the console's
``script-src 'self'`` and acted as the admin who opened it."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update

from openidv.review.renditions import SHOWN_WIDTH, keep, staged
from openidv.runtime import reconcile
from openidv.sessions.models import Session, Task
from openidv.sessions.service import rendition_blob_key, store_media
from openidv.store.db import table_of, utcnow
from tests.security.conftest import PNG, Case, Target, held_case

sessions_t = table_of(Session)
tasks_t = table_of(Task)
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


def _photo() -> bytes:
    """A phone-sized document photo (what the case view asks a rendition of)."""
    rng = np.random.default_rng(7)
    pixels = Image.fromarray(rng.integers(0, 255, (190, 300, 3), dtype=np.uint8))
    out = io.BytesIO()
    pixels.resize((2400, 1520)).save(out, "JPEG", quality=90)
    return out.getvalue()


def _blob(target: Target, key: str) -> Path:
    return target.settings.media_dir / key


def test_a_rendition_is_made_once_sealed_and_served_from_the_store(target: Target) -> None:
    """Low (was a cost): each open of a case decoded every page again. The rendition is now
    kept, sealed under the session's key as its source is, and served without the source."""
    with target.integrator() as shop:
        case = held_case(target, shop)
    photo = _photo()
    media_id = _stored(target, case.session_id, photo, "image/jpeg")
    blob_key = f"{case.session_id}/{media_id}"
    try:
        first = case.reviewer.get(f"/media/{case.session_id}/{media_id}?w=800")
        assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(first.content)).width == 800
        kept = _blob(target, rendition_blob_key(blob_key, 800))
        at_rest = kept.read_bytes()
        assert first.content not in at_rest and b"JFIF" not in at_rest  # sealed, not in clear
        # Bound to its source and width: a rendition moved under another width is refused.
        assert not _blob(target, rendition_blob_key(blob_key, 480)).exists()
        # The second open reads the kept rendition alone: with the source's blob gone, the
        # same bytes come back (a fresh rendition would have needed the source).
        source = _blob(target, blob_key)
        saved = source.read_bytes()
        source.unlink()
        again = case.reviewer.get(f"/media/{case.session_id}/{media_id}?w=800")
        assert again.status_code == 200 and again.content == first.content
        source.write_bytes(saved)
        # Widths the pages never ask for are not made, nor kept.
        assert case.reviewer.get(f"/media/{case.session_id}/{media_id}?w=801").content == photo
        assert not _blob(target, f"{blob_key}.w801").exists()
    finally:
        case.reviewer.close()


@pytest.mark.parametrize("how", ["media-delete", "delete", "purge"])
def test_a_rendition_goes_with_its_source(target: Target, how: str) -> None:
    """Derived media must not outlive their source: DELETE of the media's content, DELETE
    /sessions/{id} and the purge at resources_ttl remove every rendition with its source."""
    with target.integrator() as shop:
        case = held_case(target, shop)
        media_id = _stored(target, case.session_id, _photo(), "image/jpeg")
        blob_key = f"{case.session_id}/{media_id}"
        for width in (480, 1200):
            served = case.reviewer.get(f"/media/{case.session_id}/{media_id}?w={width}")
            assert served.status_code == 200
        # The reviewer's decision completes the session (a busy one cannot be deleted).
        decided = case.reviewer.post(
            f"/items/task/{case.task_id}/decide",
            data={"csrf": case.csrf, "value": "PROGRESS", "fields": json.dumps({"full_name": "A"})},
        )
        assert decided.status_code == 303, decided.text
        case.reviewer.close()
        made = [_blob(target, rendition_blob_key(blob_key, w)) for w in (480, 1200)]
        assert all(path.exists() for path in made)
        if how == "media-delete":
            path = f"/sessions/{case.session_id}/media/{media_id}/content"
            assert shop.send("DELETE", path).status_code == 204
        elif how == "delete":
            assert shop.send("DELETE", f"/sessions/{case.session_id}").status_code == 204
        else:
            with target.app.state.engine.begin() as conn:
                conn.execute(
                    update(sessions_t)
                    .where(sessions_t.c.id == case.session_id)
                    .values(resources_expire_at=utcnow())
                )
            reconcile(target.app.state.runtime)  # the scheduler's tick: purge, then blobs
    deadline = time.monotonic() + 30
    while any(path.exists() for path in [*made, _blob(target, blob_key)]):
        assert time.monotonic() < deadline, "a rendition outlived its source"
        reconcile(target.app.state.runtime)
        time.sleep(0.2)


def _shown_page(case: Case) -> tuple[str, int]:
    """The page the case view shows at once, and the width it asks it at."""
    html = case.reviewer.get(f"/items/task/{case.task_id}").text
    found = re.findall(rf'<img src="/console/media/{case.session_id}/([^"?]+)\?w=(\d+)"', html)
    assert len(found) == 1, html
    return found[0][0], int(found[0][1])


def test_the_first_open_finds_the_pages_rendition_prepared(target: Target) -> None:
    """Was a cost: a case's first open made its pages' renditions (~600 ms on a loaded
    machine). The worker makes them as it queues the item, sealed as any rendition; the
    first open reads them back."""
    with target.integrator() as shop:
        case = held_case(target, shop, page=(_photo(), "image/jpeg"))
    try:
        media_id, width = _shown_page(case)
        assert width == SHOWN_WIDTH
        blob_key = f"{case.session_id}/{media_id}"
        prepared = _blob(target, rendition_blob_key(blob_key, width))
        assert prepared.exists(), "no rendition made as the item was queued"
        assert b"JFIF" not in prepared.read_bytes()  # sealed, not in clear
        # Served from what the worker kept: with the source's blob gone, it still comes.
        source = _blob(target, blob_key)
        saved = source.read_bytes()
        source.unlink()
        try:
            served = case.reviewer.get(f"/media/{case.session_id}/{media_id}?w={width}")
        finally:
            source.write_bytes(saved)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(served.content)).width == width
    finally:
        case.reviewer.close()


def test_a_purge_during_preparation_leaves_no_rendition(target: Target) -> None:
    """The worker reads a page, and the session is purged (its blobs removed) before the
    rendition is stored: the purge could not see it, so the worker's re-check must."""
    with target.integrator() as shop:
        case = held_case(target, shop, page=(_photo(), "image/jpeg"))
    media_id, width = _shown_page(case)
    case.reviewer.close()
    blob_key = f"{case.session_id}/{media_id}"
    rendition = _blob(target, rendition_blob_key(blob_key, width))
    rendition.unlink()  # as before the worker made it
    runtime = target.app.state.runtime
    engine, sessions = target.app.state.engine, runtime.processing.sessions
    with engine.connect() as conn:
        item = conn.execute(select(tasks_t).where(tasks_t.c.id == case.task_id)).mappings().one()
        pages = staged(conn, sessions, item)
    assert [page.source.media_id for page in pages] == [media_id]
    with engine.begin() as conn:
        conn.execute(
            update(sessions_t)
            .where(sessions_t.c.id == case.session_id)
            .values(resources_expire_at=utcnow())
        )
    deadline = time.monotonic() + 30
    while _blob(target, blob_key).exists():  # the purge, then its removal of the blobs
        assert time.monotonic() < deadline, "the purge did not remove the source"
        reconcile(runtime)
        time.sleep(0.2)
    assert keep(engine, sessions.blobs, pages) == 0
    assert not rendition.exists(), "a rendition outlived its purged source"
