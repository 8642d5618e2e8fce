"""High: personal data in clear that survives deletion.

Fields a reviewer enters (name, document number, date of birth) were stored in clear in the
review decision and kept after DELETE and purge; the tombstone kept ``user_tracking_id`` and the
spec with the webhook ``auth_token``; and on SQLite the wrapped data key of a deleted session
survived in the WAL. Each test looks for the attacker's prize in every row of every table, and
on SQLite in the database and WAL files' bytes."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select, text, update

from openidv.retention.models import DeletionReceipt
from openidv.runtime import reconcile
from openidv.sessions import keys
from openidv.sessions.models import Media, Session
from openidv.store.db import table_of, utcnow
from tests.security.conftest import (
    DOCUMENT_SPEC,
    PNG,
    Deployed,
    Target,
    held_case,
    journey,
    raw_pages_holding,
    traces,
)
from tests.signing import SignedClient

sessions_t = table_of(Session)
receipts_t = table_of(DeletionReceipt)
media_t = table_of(Media)


def _reviewed_session(target: Target, shop: SignedClient, fields: dict[str, str]) -> str:
    """A session whose text extraction a reviewer completed by hand, entering ``fields``."""
    spec: dict[str, Any] = {
        "user_tracking_id": f"utid-{uuid.uuid4()}",
        "notifications": {"endpoint": "https://hooks.example.com/idv",
                          "auth_token": f"shop:secret-{uuid.uuid4()}"},
    }  # fmt: skip
    case = held_case(target, shop, spec)
    decided = case.reviewer.post(
        f"/items/task/{case.task_id}/decide",
        data={"csrf": case.csrf, "value": "PROGRESS", "fields": json.dumps(fields)},
    )
    assert decided.status_code == 303, decided.text
    case.reviewer.close()
    return case.session_id


def _fields() -> dict[str, str]:
    return {"full_name": "Jane Q Target", "document_number": f"X{uuid.uuid4().hex[:9]}",
            "date_of_birth": "1990-01-02"}  # fmt: skip


def test_reviewer_entered_fields_are_never_stored_in_clear(target: Target) -> None:
    fields = _fields()
    with target.integrator() as shop:
        session_id = _reviewed_session(target, shop, fields)
        assert traces(target, fields["document_number"].encode()) == []
        # ... and the integrator still receives them, as the sealed document_fields media.
        session = shop.send("GET", f"/sessions/{session_id}").json()
        media_id = session["resources"]["id_documents"][0]["document_fields"]["media"]["id"]
        stored = shop.send("GET", f"/sessions/{session_id}/media/{media_id}/content")
        assert stored.status_code == 200 and json.loads(stored.content) == fields


def test_delete_leaves_no_trace(target: Target) -> None:
    fields = _fields()
    with target.integrator() as shop:
        session_id = _reviewed_session(target, shop, fields)
        with target.app.state.engine.connect() as conn:
            row = conn.execute(select(sessions_t).where(sessions_t.c.id == session_id)).one()
            key = keys.wrapped_key(conn, session_id)
            auth_token = keys.get(conn, session_id, keys.WEBHOOK_AUTH_TOKEN)
        assert key is not None and auth_token is not None
        assert "auth_token" not in row.spec["notifications"]
        secrets = {
            "wrapped data key": key,
            "user_tracking_id": row.user_tracking_id.encode(),
            # Sealed while the session lives (test_webhooks.py), and gone with it.
            "webhook auth_token": auth_token,
            "document number": fields["document_number"].encode(),
        }
        assert traces(target, secrets["wrapped data key"])  # the scan does find things
        deleted = shop.send("DELETE", f"/sessions/{session_id}")
        assert deleted.status_code == 204, deleted.text
        assert shop.send("GET", f"/sessions/{session_id}").status_code == 404
    reconcile(target.app.state.runtime)  # the scheduler's tick: the secrets' erasure
    left = {name: traces(target, secret) for name, secret in secrets.items()}
    assert left == {name: [] for name in secrets}
    with target.app.state.engine.connect() as conn:
        receipt = conn.execute(
            select(receipts_t).where(receipts_t.c.session_id == session_id)
        ).one()
        counts = {
            table: conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE session_id = :id"), {"id": session_id}
            ).scalar_one()
            for table in ("checks", "tasks", "resources", "review_decisions")
        }
    assert receipt.reason == "SESSION_DELETED" and receipt.media_destroyed >= 1
    assert counts == dict.fromkeys(counts, 0)


def test_expired_session_tombstone_keeps_only_what_the_receipt_needs(target: Target) -> None:
    with target.integrator() as shop:
        tracking, token = f"utid-{uuid.uuid4()}", f"shop:secret-{uuid.uuid4()}"
        spec: dict[str, Any] = {
            "user_tracking_id": tracking,
            "notifications": {"endpoint": "https://hooks.example.com/idv", "auth_token": token},
            "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}],
        }  # fmt: skip
        session_id, _ = target.session(shop, spec)
        with target.app.state.engine.begin() as conn:
            conn.execute(
                update(sessions_t)
                .where(sessions_t.c.id == session_id)
                .values(resources_expire_at=utcnow())
            )
        assert reconcile(target.app.state.runtime)["purged"] >= 1  # the scheduler's tick
        assert traces(target, tracking.encode()) == []
        assert traces(target, token.encode()) == []
        assert shop.send("GET", f"/sessions/{session_id}").status_code == 200  # the tombstone


def _sealed_of(target: Target, session_id: str) -> dict[str, bytes]:
    """A live session's wrapped key and what is sealed with it, as stored."""
    with target.db.connect() as conn:
        stored = conn.execute(
            select(keys.secrets_t.c.name, keys.secrets_t.c.value).where(
                keys.secrets_t.c.session_id == session_id
            )
        ).all()
    names = {name.split(":")[0] for name, _ in stored}
    assert {"data_key", "webhook_auth_token", "decision_fields"} <= names, names
    return {f"{session_id[:8]} {name}": value for name, value in stored}


def test_no_page_keeps_a_purged_key_or_what_it_sealed(target: Target) -> None:
    """PostgreSQL: after a DELETE and an expiry's purge, and the scheduler's erasure, no
    byte of any page of any relation of the database (free space and the catalogue's
    statistics included) holds the wrapped data key or what was sealed with it (the webhook
    credential, the reviewer's entered fields). VACUUM alone left them in the pages' free
    space (this fails without retention.erasure); on SQLite ``traces`` already reads the
    files' raw bytes."""
    if target.db.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite's raw file bytes are scanned by the other tests")
    with target.integrator() as shop:
        # A live session in the same pages (an emptied last page would be truncated away).
        bystander, token = target.session(shop)
        with journey(target, bystander, token) as capture:
            page = capture.upload(capture.passport(), PNG, "image/png")
            assert page.status_code == 201, page.text
        deleted, expired = (_reviewed_session(target, shop, _fields()) for _ in range(2))
        sealed = _sealed_of(target, deleted) | _sealed_of(target, expired)
        assert all(raw_pages_holding(target.db, marker) for marker in sealed.values())
        assert shop.send("DELETE", f"/sessions/{deleted}").status_code == 204
        with target.db.begin() as conn:
            conn.execute(
                update(sessions_t)
                .where(sessions_t.c.id == expired)
                .values(resources_expire_at=utcnow())
            )
        reconcile(target.app.state.runtime)  # the scheduler's tick: purge, then erasure
        # The rewrite kept the live session's key: its media still opens.
        live = shop.send("GET", f"/sessions/{bystander}").json()
        media = live["resources"]["id_documents"][0]["pages"][0]["media"]["id"]
        content = shop.send("GET", f"/sessions/{bystander}/media/{media}/content")
        assert content.status_code == 200 and content.content == PNG
    left = {name: raw_pages_holding(target.db, marker) for name, marker in sealed.items()}
    assert left == {name: [] for name in sealed}
    with target.db.connect() as conn:
        erased = conn.execute(
            select(receipts_t.c.key_erased_at).where(
                receipts_t.c.session_id.in_((deleted, expired))
            )
        ).all()
    assert len(erased) == 2 and all(row.key_erased_at for row in erased)


def test_erasure_waits_for_older_snapshots_and_keeps_live_sessions(target: Target) -> None:
    """PostgreSQL: a transaction that began before a purge may still see the purged rows, and
    a rewrite then copies them (VACUUM FULL keeps what a snapshot can see): the receipt must
    not say erased. A create in progress holds the rewrite back (its lock wait is bounded):
    nothing is marked, nothing live is lost, and a later tick finishes."""
    if target.db.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite's erasure is its WAL checkpoint (test_delete_leaves_no_trace)")
    runtime = target.app.state.runtime
    with target.integrator() as shop:
        live, live_token = target.session(shop)
        doomed, _ = target.session(shop)
        with target.db.connect() as conn:
            key = keys.wrapped_key(conn, doomed)
        assert key is not None
        with target.db.connect() as reader:
            reader.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
            reader.exec_driver_sql("SELECT count(*) FROM apps")  # the snapshot is taken
            assert shop.send("DELETE", f"/sessions/{doomed}").status_code == 204
            reconcile(runtime)
            assert not _erased(target, doomed)  # the old snapshot may still see the key
            reader.exec_driver_sql("ROLLBACK")
        with target.db.connect() as writer:  # a create's lock on session_secrets, held
            writer.exec_driver_sql("BEGIN")
            writer.exec_driver_sql("LOCK TABLE session_secrets IN ROW EXCLUSIVE MODE")
            started = time.monotonic()
            reconcile(runtime)
            assert time.monotonic() - started < 5  # the rewrite gave up, it did not queue
            assert not _erased(target, doomed)
            writer.exec_driver_sql("ROLLBACK")
        reconcile(runtime)
        assert _erased(target, doomed) and raw_pages_holding(target.db, key) == []
        answer = shop.send("GET", f"/sessions/{live}").json()
        assert answer["client_session_token"] == live_token  # unsealed with its live key


def _erased(target: Target, session_id: str) -> bool:
    """Whether the scheduler's erasure has covered the session's purge (retention.erasure)."""
    with target.db.connect() as conn:
        erased = conn.execute(
            select(receipts_t.c.key_erased_at).where(receipts_t.c.session_id == session_id)
        ).scalar_one_or_none()
    return erased is not None


def _blob_exists(target: Target, key: str) -> bool:
    if isinstance(target, Deployed):
        return any(name.endswith(key) for name in target.objects())
    return (target.settings.media_dir / key).exists()


def test_delete_leaves_no_trace_on_every_server(served: Target) -> None:
    """The DELETE, against each way of running openidv: no row, old row version, index
    entry (PostgreSQL's pages), WAL (SQLite) or media object (disk, S3) keeps the wrapped
    key, the user_tracking_id or the media, once the scheduler has had its tick; and no byte
    of any PostgreSQL page keeps the key."""
    tracking = f"utid-{uuid.uuid4()}"
    with served.integrator() as shop:
        session_id, token = served.session(shop, {**DOCUMENT_SPEC, "user_tracking_id": tracking})
        with journey(served, session_id, token) as capture:
            assert capture.upload(capture.passport(), PNG, "image/png").status_code == 201
        with served.db.connect() as conn:
            key = keys.wrapped_key(conn, session_id)
            blobs = list(
                conn.execute(select(media_t.c.blob_key).where(media_t.c.session_id == session_id))
                .scalars()
            )  # fmt: skip
        assert blobs and all(_blob_exists(served, blob) for blob in blobs)
        assert key is not None and traces(
            served, key
        )  # the scan does find it while the session lives
        assert shop.send("DELETE", f"/sessions/{session_id}").status_code == 204
    deadline = time.monotonic() + 60
    while any(_blob_exists(served, blob) for blob in blobs) or not _erased(served, session_id):
        if served.in_process is not None:
            reconcile(served.app.state.runtime)  # this server has no scheduler of its own
        assert time.monotonic() < deadline, "the media or the key outlived the DELETE"
        time.sleep(0.5)
    assert {"key": traces(served, key), "tracking": traces(served, tracking.encode())} == {
        "key": [],
        "tracking": [],
    }
    if served.db.url.get_backend_name() == "postgresql":
        assert raw_pages_holding(served.db, key) == []
