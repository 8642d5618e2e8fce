"""A session's life after capture, on real deployments: processing, routing, notifications,
failures of workers and servers, expiry and purge."""

from __future__ import annotations

import base64
import datetime as dt
import json
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from openidv.notifications.models import Attempt, Delivery
from openidv.notifications.signing import verify
from openidv.sessions.keys import wrapped_key
from openidv.sessions.models import Check, Media, Session
from openidv.sessions.service import media_aad
from openidv.store.blobs import BlobNotFound, BlobStore
from openidv.store.crypto import DecryptionError, KeyRing, load_or_create_master_key, unseal
from openidv.store.db import table_of
from openidv.vision.synth import generate_document
from tests.jobs.conftest import (
    Deployment,
    Receiver,
    capture_journey,
    spec,
    wait_state,
)
from tests.vision.test_face_match_engine import _card

sessions_t = table_of(Session)
checks_t = table_of(Check)
media_t = table_of(Media)
deliveries_t = table_of(Delivery)
attempts_t = table_of(Attempt)
# A notification whose worker died while posting it is posted again this soon after the kill
# (the deployments' webhook deadline is 5 s: the delivery's claim runs out 15 s after that).
REDELIVERED_WITHIN = 30.0


def _exists(blobs: BlobStore, key: str) -> bool:
    try:
        blobs.get(key)
    except BlobNotFound:
        return False
    return True


def test_session_completes_with_results_and_notifications(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, sdk_id = deployment.client()
    created = client.create_session(spec(receiver))
    capture_journey(deployment, created.session_id, created.client_session_token)

    session = wait_state(client, created.session_id, "COMPLETED")
    assert [(c.type, c.state) for c in session.checks] == [
        ("ID_DOCUMENT_AUTHENTICITY", "DONE"),
        ("LIVENESS", "DONE"),
        ("ID_DOCUMENT_FACE_MATCH", "DONE"),
    ]
    for check in session.checks:
        assert check.report.recommendation.value == "APPROVE"
        assert check.report.breakdown[0].sub_check == "test_engine"
        assert check.resources_used
    assert session.client_session_token is None  # deleted at submission

    document = session.resources.id_documents[0]
    assert (document.document_type, document.issuing_country) == ("PASSPORT", "GBR")
    assert len(document.pages) == 1 and document.pages[0].media.id
    assert len(session.resources.liveness_capture[0].frames) == 3
    task = document.tasks[0]
    assert (task.type, task.state) == ("ID_DOCUMENT_TEXT_DATA_EXTRACTION", "DONE")
    fields = client.get_media_content(created.session_id, document.document_fields.media.id)
    assert fields.mime_type == "application/json"
    assert json.loads(fields.content)["document_number"] == "L898902C3"

    receiver.wait_for(lambda got: any(r.json["topic"] == "session_completion" for r in got))
    time.sleep(1)  # anything duplicated would arrive now
    topics = Counter(receiver.topics())
    assert topics == {
        "resource_update": 2 + 4,  # two resources created, four media uploaded
        "client_session_token_deleted": 1,
        "task_completion": 1,
        "check_completion": 3,
        "session_completion": 1,
    }
    completion = next(r for r in receiver.received if r.json["topic"] == "session_completion")
    assert completion.json == {"session_id": created.session_id, "topic": "session_completion"}
    check_ids = {c.id for c in session.checks}
    assert {r.json["check_id"] for r in receiver.received if "check_id" in r.json} == check_ids

    # Basic auth exactly as Yoti sends it, and our signature, verifiable with the app's secret.
    assert (
        completion.headers["authorization"]
        == "Basic " + base64.b64encode(b"integrator:s3cret").decode()
    )
    secret = bytes.fromhex(deployment.openidv("apps", "webhook-secret", sdk_id).split()[0])
    for item in receiver.received:
        assert verify(item.headers["x-openidv-signature"], item.body, secret, int(time.time()))
    assert not verify(
        completion.headers["x-openidv-signature"], completion.body + b" ", secret, int(time.time())
    )


def test_worker_killed_mid_check_loses_and_duplicates_nothing(
    deployment: Deployment, receiver: Receiver
) -> None:
    """kill -9 of the worker while a check runs: another worker finishes it after the lease."""
    engines = deployment.env["OPENIDV_ENGINES"].replace(
        "LIVENESS=tests.engines:Approve", "LIVENESS=tests.engines:Slow"
    )
    slow = {"OPENIDV_ENGINES": engines, "OPENIDV_TEST_ENGINE_SLEEP": "3"}
    deployment.start("web")
    worker = deployment.start("worker", extra_env={**slow, "OPENIDV_WORKER_TYPE": "thread"})
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    capture_journey(deployment, created.session_id, created.client_session_token)

    log = Path(deployment.env["OPENIDV_TEST_ENGINE_LOG"])
    deadline = time.monotonic() + 30
    while "slow LIVENESS" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the slow check never started"
        time.sleep(0.05)
    deployment.stop(worker, signal.SIGKILL)

    deployment.start("worker", extra_env={**slow, "OPENIDV_TEST_ENGINE_SLEEP": "0"})
    session = wait_state(client, created.session_id, "COMPLETED", timeout=60)
    assert all(c.state == "DONE" for c in session.checks)
    assert len(session.checks) == 3  # no duplicated check rows

    runs = Counter(
        line.split()[0:2][1] for line in log.read_text().splitlines() if line.startswith("slow")
    )
    assert runs["LIVENESS"] >= 2  # it really ran again after the kill
    with deployment.db().connect() as conn:
        attempts = conn.execute(
            select(checks_t.c.attempts).where(
                checks_t.c.session_id == created.session_id, checks_t.c.type == "LIVENESS"
            )
        ).scalar_one()
    assert attempts >= 2

    # The kill can land while the worker posts a notification (its other thread delivers
    # the checks that finished): that one is sent again once its claim runs out.
    receiver.wait_for(
        lambda got: (
            Counter(r.json["topic"] for r in got)["check_completion"] >= 3
            and any(r.json["topic"] == "session_completion" for r in got)
        ),
        timeout=REDELIVERED_WITHIN,
    )
    time.sleep(1)
    topics = Counter(receiver.topics())
    assert topics["check_completion"] == 3 and topics["session_completion"] == 1


def test_worker_killed_mid_delivery_sends_it_again_once_the_claim_runs_out(
    deployment: Deployment, receiver: Receiver
) -> None:
    """kill -9 of the worker while it posts a notification (the receiver holds the request):
    another worker sends it after the delivery's lease, which the post's deadline bounds."""
    receiver.hold = 1
    deployment.start("web")
    worker = deployment.start("worker")
    client, _ = deployment.client()
    created = client.create_session(spec(receiver, topics=["SESSION_COMPLETION"]))
    capture_journey(deployment, created.session_id, created.client_session_token)
    deadline = time.monotonic() + 30
    while not receiver.held:
        assert time.monotonic() < deadline, "the notification was never posted"
        time.sleep(0.02)
    deployment.stop(worker, signal.SIGKILL)  # within the post's deadline: the claim stays
    killed_at = time.monotonic()

    deployment.start("worker")
    receiver.wait_for(lambda got: len(got) >= 1, timeout=REDELIVERED_WITHIN)
    assert time.monotonic() - killed_at < REDELIVERED_WITHIN
    time.sleep(1)
    assert [r.json["topic"] for r in receiver.received] == ["session_completion"]
    assert receiver.held[0].body == receiver.received[0].body
    with deployment.db().connect() as conn:
        delivery = (
            conn.execute(
                select(deliveries_t).where(deliveries_t.c.session_id == created.session_id)
            )
            .mappings()
            .one()
        )
    assert delivery["state"] == "DELIVERED" and delivery["attempts"] == 1  # the kill left none


def test_restart_between_submit_and_processing_loses_nothing(
    deployment: Deployment, receiver: Receiver
) -> None:
    web = deployment.start("web")  # no worker: the submitted work waits in the queue
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    capture_journey(deployment, created.session_id, created.client_session_token)
    assert client.get_session(created.session_id).state == "ONGOING"
    deployment.stop(web, signal.SIGKILL)

    deployment.start("run")
    session = wait_state(client, created.session_id, "COMPLETED")
    assert all(c.state == "DONE" for c in session.checks)


def test_webhook_failing_three_times_is_delivered_once(
    deployment: Deployment, receiver: Receiver
) -> None:
    receiver.failures = 3
    deployment.start("run")
    client, _ = deployment.client()
    body = spec(receiver, topics=["SESSION_COMPLETION"])
    body["notifications"] |= {"auth_token": "tok-123", "auth_type": "BEARER"}
    created = client.create_session(body)
    capture_journey(deployment, created.session_id, created.client_session_token)

    receiver.wait_for(lambda got: len(got) >= 1)
    time.sleep(1)
    assert len(receiver.refused) == 3
    assert [r.json["topic"] for r in receiver.received] == ["session_completion"]
    assert receiver.received[0].headers["authorization"] == "Bearer tok-123"
    with deployment.db().connect() as conn:
        delivery = (
            conn.execute(
                select(deliveries_t).where(deliveries_t.c.session_id == created.session_id)
            )
            .mappings()
            .one()
        )
        log = conn.execute(
            select(attempts_t.c.status_code, attempts_t.c.latency_ms)
            .where(attempts_t.c.delivery_id == delivery["id"])
            .order_by(attempts_t.c.id)
        ).all()
    assert delivery["state"] == "DELIVERED" and delivery["attempts"] == 4
    assert [status for status, _ in log] == [500, 500, 500, 204]
    assert all(latency >= 0 for _, latency in log)

    # The operator reads the log and replays the delivery by hand.
    printed = deployment.openidv("notifications", "log", created.session_id)
    assert f"{delivery['id']}\tsession_completion\tDELIVERED\tattempts=4" in printed
    assert printed.count("\t500\t") == 3 and printed.count("\t204\t") == 1
    deployment.openidv("notifications", "replay", delivery["id"])
    receiver.wait_for(lambda got: len(got) == 2)


def test_private_targets_are_refused_without_an_allow_list(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run", extra_env={"OPENIDV_WEBHOOK_ALLOWED_NETWORKS": ""})
    client, _ = deployment.client()
    created = client.create_session(spec(receiver, topics=["CLIENT_SESSION_TOKEN_DELETED"]))
    capture_journey(deployment, created.session_id, created.client_session_token)
    deadline = time.monotonic() + 20
    while True:
        with deployment.db().connect() as conn:
            error = conn.execute(
                select(deliveries_t.c.last_error).where(
                    deliveries_t.c.session_id == created.session_id
                )
            ).scalar_one_or_none()
        if error:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "private, loopback or link-local" in error
    assert receiver.received == [] and receiver.refused == []


def test_manual_routing(deployment: Deployment, receiver: Receiver) -> None:
    """FALLBACK with an undecided machine waits for a reviewer; NEVER ends NOT_AVAILABLE."""
    undecided = deployment.env["OPENIDV_ENGINES"].replace(":Approve", ":Undecided")
    deployment.start("run", extra_env={"OPENIDV_ENGINES": undecided})
    client, _ = deployment.client()

    never = client.create_session(spec(receiver, manual="NEVER"))
    capture_journey(deployment, never.session_id, never.client_session_token)
    done = wait_state(client, never.session_id, "COMPLETED")
    authenticity = done.checks[0]
    assert authenticity.report.recommendation.value == "NOT_AVAILABLE"
    assert authenticity.report.recommendation.reason == "PHOTO_TOO_BLURRY"

    fallback = client.create_session(spec(receiver, manual="FALLBACK"))
    capture_journey(deployment, fallback.session_id, fallback.client_session_token)
    deadline = time.monotonic() + 30
    while True:
        with deployment.db().connect() as conn:
            rows = conn.execute(
                select(
                    checks_t.c.type,
                    checks_t.c.state,
                    checks_t.c.review_state,
                    checks_t.c.machine_result,
                )
                .where(checks_t.c.session_id == fallback.session_id)
                .order_by(checks_t.c.position)
            ).all()
        if sum(r.review_state == "QUEUED" for r in rows) == 2 and rows[1].state == "DONE":
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)
    queued = [r for r in rows if r.review_state == "QUEUED"]
    assert {r.type for r in queued} == {"ID_DOCUMENT_AUTHENTICITY", "ID_DOCUMENT_FACE_MATCH"}
    assert all(r.state == "PENDING" for r in queued)
    assert queued[0].machine_result["report"]["recommendation"]["value"] == "NOT_AVAILABLE"
    assert client.get_session(fallback.session_id).state == "ONGOING"  # waits for a human


def test_engine_that_keeps_failing_ends_internal_error(
    deployment: Deployment, receiver: Receiver
) -> None:
    broken = deployment.env["OPENIDV_ENGINES"].replace(
        "ID_DOCUMENT_AUTHENTICITY=tests.engines:Approve",
        "ID_DOCUMENT_AUTHENTICITY=tests.engines:Broken",
    )
    deployment.start("run", extra_env={"OPENIDV_ENGINES": broken})
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    capture_journey(deployment, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED", timeout=60)
    states = {c.type: c.state for c in session.checks}
    assert states["ID_DOCUMENT_AUTHENTICITY"] == "INTERNAL_ERROR"
    assert states["LIVENESS"] == "DONE"
    with deployment.db().connect() as conn:
        row = conn.execute(
            select(checks_t.c.attempts, checks_t.c.error).where(
                checks_t.c.session_id == created.session_id,
                checks_t.c.type == "ID_DOCUMENT_AUTHENTICITY",
            )
        ).one()
    # Three claims ran the engine (max_attempts). On a starved machine a claim can outlive its
    # 4 s test lease and be taken over (at least once, by design): one more claim, not a loop.
    gave_up_after = int(row.error.removeprefix("gave up after ").split()[0])
    assert gave_up_after in (3, 4) and "always fails" in row.error, row.error
    runs = Path(deployment.env["OPENIDV_TEST_ENGINE_LOG"]).read_text().count("broken")
    assert 3 <= runs <= gave_up_after


def test_unsubmitted_session_expires_and_its_token_stops_working(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    config_url = f"{deployment.api}/client/sessions/{created.session_id}/configuration"
    token = {"X-Yoti-Auth-Token": created.client_session_token}
    assert httpx.get(config_url, headers=token).status_code == 200
    with deployment.db().begin() as conn:  # let the token's time pass
        conn.execute(
            update(sessions_t)
            .where(sessions_t.c.id == created.session_id)
            .values(client_token_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    wait_state(client, created.session_id, "EXPIRED", timeout=20)
    refused = httpx.get(config_url, headers=token)
    assert refused.status_code == 401 and refused.json()["code"] == "BAD_TOKEN"
    assert client.get_session(created.session_id).client_session_token is None


def test_purge_makes_media_unreadable_even_from_a_copy(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    capture_journey(deployment, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED")
    page = session.resources.id_documents[0].pages[0].media.id
    blobs = deployment.blobs()
    blob_key = f"{created.session_id}/{page}"
    stolen_copy = blobs.get(blob_key)
    with deployment.db().connect() as conn:
        wrapped = wrapped_key(conn, created.session_id)
        assert wrapped is not None
    keyring = KeyRing(load_or_create_master_key(None, deployment.root / "data" / "master.key"))
    # Before the purge, key + copy decrypt: this is what the purge must prevent.
    assert unseal(
        keyring.unwrap(wrapped, created.session_id),
        stolen_copy,
        media_aad(created.session_id, page),
    )

    expired_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with deployment.db().begin() as conn:  # resources_ttl runs out
        conn.execute(
            update(sessions_t)
            .where(sessions_t.c.id == created.session_id)
            .values(resources_expire_at=expired_at)
        )
    started = time.monotonic()
    while _exists(blobs, blob_key):
        assert time.monotonic() - started < 60, "media still stored 60 s after expiry"
        time.sleep(0.1)
    with deployment.db().connect() as conn:
        purged_at = conn.execute(
            select(sessions_t.c.purged_at).where(sessions_t.c.id == created.session_id)
        ).scalar_one()
        assert wrapped_key(conn, created.session_id) is None and purged_at is not None
    # What remains (the master key and a copy of the blob) cannot open it: its data key is gone.
    master = load_or_create_master_key(None, deployment.root / "data" / "master.key")
    with pytest.raises(DecryptionError):
        unseal(master, stolen_copy, media_aad(created.session_id, page))
    assert client.get_media_content(created.session_id, page) is None  # 204: content gone
    assert client.get_session(created.session_id).state == "COMPLETED"  # the tombstone stays


# Several web processes need PostgreSQL: the embedded default runs one, by design.
@pytest.mark.parametrize("deployment", ["postgresql+redis+s3"], indirect=True)
def test_two_web_processes_and_two_workers_complete_many_sessions(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("web", "--workers", "2")
    single = {"OPENIDV_WORKER_PROCESSES": "1"}
    deployment.start("worker", extra_env=single)
    deployment.start("worker", extra_env=single)
    client, _ = deployment.client()
    sessions = [
        client.create_session(spec(receiver, topics=["SESSION_COMPLETION"])) for _ in range(12)
    ]
    for created in sessions:
        capture_journey(deployment, created.session_id, created.client_session_token)
    for created in sessions:
        session = wait_state(client, created.session_id, "COMPLETED", timeout=90)
        assert all(c.state == "DONE" for c in session.checks)
    receiver.wait_for(lambda got: len(got) >= len(sessions), timeout=30)
    time.sleep(1)
    assert sorted(r.json["session_id"] for r in receiver.received) == sorted(
        s.session_id for s in sessions
    )
    pids = {
        line.split()[-1]
        for line in Path(deployment.env["OPENIDV_TEST_ENGINE_LOG"]).read_text().splitlines()
    }
    assert len(pids) >= 2  # both workers took part


def test_face_match_with_the_built_in_engine_on_real_faces(
    deployment: Deployment, receiver: Receiver, face_photos: dict[str, bytes]
) -> None:
    """No engine override for ID_DOCUMENT_FACE_MATCH: YuNet + SFace decide on real photos."""
    engines = ",".join(
        entry
        for entry in deployment.env["OPENIDV_ENGINES"].split(",")
        if not entry.startswith("ID_DOCUMENT_FACE_MATCH=")
    )
    deployment.start("run", extra_env={"OPENIDV_ENGINES": engines})
    client, _ = deployment.client()
    card = _card(face_photos["obama"])
    outcomes = {}
    for who in ("obama2", "biden"):
        created = client.create_session(spec(receiver))
        capture_journey(
            deployment,
            created.session_id,
            created.client_session_token,
            document=card,
            frames=[face_photos[who]] * 2,
        )
        session = wait_state(client, created.session_id, "COMPLETED", timeout=90)
        match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
        details = {d.name: d.value for d in match.report.breakdown[0].details}
        outcomes[who] = (match.report.recommendation.value, float(details["confidence_score"]))
    assert outcomes["obama2"][0] == "APPROVE" and outcomes["obama2"][1] >= 0.5
    assert outcomes["biden"][0] == "REJECT" and outcomes["biden"][1] < 0.363


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_text_extraction_with_the_built_in_engine(
    deployment: Deployment, receiver: Receiver
) -> None:
    """No override for ID_DOCUMENT_TEXT_DATA_EXTRACTION: the MRZ of the page is read."""
    engines = ",".join(
        entry
        for entry in deployment.env["OPENIDV_ENGINES"].split(",")
        if not entry.startswith("ID_DOCUMENT_TEXT_DATA_EXTRACTION=")
    )
    deployment.start("run", extra_env={"OPENIDV_ENGINES": engines})
    client, _ = deployment.client()
    passport = generate_document(21, fmt="TD3", degradation="jpeg")
    created = client.create_session(spec(receiver))
    capture_journey(
        deployment, created.session_id, created.client_session_token, document=passport.image
    )
    session = wait_state(client, created.session_id, "COMPLETED", timeout=90)
    document = session.resources.id_documents[0]
    assert document.tasks[0].state == "DONE"
    fields = json.loads(
        client.get_media_content(created.session_id, document.document_fields.media.id).content
    )
    assert fields["document_number"] == passport.identity.document_number
    assert fields["mrz"]["line1"] == passport.mrz_lines[0]
