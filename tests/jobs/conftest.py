"""Real deployments for processing tests: openidv processes started as an operator would
(``openidv run``, or ``openidv web`` + ``openidv worker``), a real webhook receiver, and the
official SDK plus the capture client API as the two clients.

Each test runs on the embedded default (SQLite + SQLite queue) and on PostgreSQL + Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from yoti_python_sdk.doc_scan import DocScanClient

from openidv.store.blobs import BlobStore, make_blob_store
from tests.conftest import POSTGRES_ADMIN_URL, free_port
from tests.s3server import S3_ENV

REDIS_URL = os.environ.get("OPENIDV_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = os.environ.get("OPENIDV_TEST_DEPLOYMENTS", "embedded,postgresql+redis+s3").split(",")
ENGINES = ",".join(
    f"{kind}=tests.engines:Approve"
    for kind in (
        "ID_DOCUMENT_AUTHENTICITY",
        "LIVENESS",
        "ID_DOCUMENT_FACE_MATCH",
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
    )
)
PNG = (  # a 1x1 PNG: the test engines only need bytes to exist and decrypt
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that fails its first ``failures`` calls with 500, and
    leaves its first ``hold`` calls unanswered (in ``held``) until ``release`` is set."""

    url: str
    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    held: list[Received] = field(default_factory=list)
    failures: int = 0
    hold: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def topics(self) -> list[str]:
        return [r.json["topic"] for r in self.received]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.received):
            if time.monotonic() > deadline:
                raise AssertionError(f"webhooks never matched; got {self.topics()}")
            time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hook")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with lock:
                held = len(state.held) < state.hold
                fail = not held and len(state.refused) < state.failures
                (state.held if held else state.refused if fail else state.received).append(item)
            if held:
                state.release.wait(timeout=120)
            self.send_response(500 if fail else 204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    state.release.set()
    server.shutdown()


@dataclass
class Deployment:
    root: Path
    env: dict[str, str]
    port: int
    database_url: str | None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/idverify/v1"

    def openidv(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "openidv", *args],
            env=self.env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"openidv {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    def start(
        self, command: str, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "openidv", command, *args]
        if command in ("run", "web"):
            argv += ["--port", str(self.port)]
        log = open(self.root / f"{command}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        # A session of its own: stopping the deployment stops its worker processes too.
        process = subprocess.Popen(
            argv,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        if command in ("run", "web"):
            self._wait_healthy(process)
        return process

    def _wait_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"openidv did not start; see {self.root}")
            time.sleep(0.1)

    def stop(self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        """Signal the process; SIGKILL goes to its whole process group (its workers too)."""
        if process.poll() is None:
            if sig == signal.SIGKILL:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left

    def blobs(self) -> BlobStore:
        """The media store the deployment uses, as the tests' own client."""
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("AWS_")})
        return make_blob_store(
            self.env.get("OPENIDV_STORAGE_URL"),
            self.root / "data" / "media",
            self.env.get("OPENIDV_S3_ENDPOINT_URL"),
        )

    def db(self) -> Engine:
        url = self.database_url or f"sqlite:///{self.root / 'data' / 'openidv.sqlite3'}"
        return create_engine(url)

    def new_app(self) -> tuple[str, Path]:
        key = self.root / f"app-{uuid.uuid4().hex[:6]}.pem"
        sdk_id = self.openidv("apps", "create", "shop", "--key-out", str(key)).split()[-1]
        return sdk_id, key

    def client(self) -> tuple[DocScanClient, str]:
        sdk_id, key = self.new_app()
        return DocScanClient(sdk_id, str(key), api_url=self.api), sdk_id


@pytest.fixture(params=BACKENDS)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    env = {
        **os.environ,
        "OPENIDV_DATA_DIR": str(tmp_path / "data"),
        "OPENIDV_ENGINES": ENGINES,
        "OPENIDV_ALLOW_HTTP_NOTIFICATION_ENDPOINTS": "true",
        "OPENIDV_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "OPENIDV_WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "OPENIDV_WEBHOOK_TIMEOUT_SECONDS": "5",  # the receivers are on loopback
        "OPENIDV_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "OPENIDV_RECONCILE_GRACE_SECONDS": "1",
        "OPENIDV_PROCESSING_LEASE_SECONDS": "4",
        "OPENIDV_TEST_ENGINE_LOG": str(tmp_path / "engine.log"),
        "OPENIDV_QUEUE_NAME": f"test-{uuid.uuid4().hex[:10]}",
    }
    for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL"):
        env.pop(name, None)
    database_url = None
    admin_dsn = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    db_name = f"openidv_jobs_{uuid.uuid4().hex[:10]}"
    if request.param == "postgresql+redis+s3":
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        database_url = (
            make_url(POSTGRES_ADMIN_URL).set(database=db_name).render_as_string(hide_password=False)
        )
        env["OPENIDV_DATABASE_URL"] = database_url
        env["OPENIDV_QUEUE_URL"] = REDIS_URL
        env["OPENIDV_STORAGE_URL"] = f"s3://openidv/{uuid.uuid4().hex[:10]}"
        env["OPENIDV_S3_ENDPOINT_URL"] = request.getfixturevalue("s3_endpoint")
        env.update(S3_ENV)
    deployment = Deployment(tmp_path, env, free_port(), database_url)
    deployment.openidv("db", "upgrade")
    try:
        yield deployment
    finally:
        for process in deployment.processes:
            deployment.stop(process, signal.SIGKILL)
        if database_url:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def spec(
    receiver: Receiver, *, manual: str = "NEVER", topics: list[str] | None = None
) -> dict[str, Any]:
    return {
        "client_session_token_ttl": 900,
        "user_tracking_id": "jobs-test",
        "notifications": {
            "endpoint": receiver.url,
            "topics": topics
            or [
                "RESOURCE_UPDATE",
                "TASK_COMPLETION",
                "CHECK_COMPLETION",
                "SESSION_COMPLETION",
                "CLIENT_SESSION_TOKEN_DELETED",
            ],
            "auth_token": "integrator:s3cret",
            "auth_type": "BASIC",
        },
        "requested_checks": [
            {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {"manual_check": manual}},
            {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
            {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": manual}},
        ],
        "requested_tasks": [
            {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": manual}}
        ],
    }


def capture_journey(
    deployment: Deployment,
    session_id: str,
    token: str,
    *,
    submit: bool = True,
    document: bytes = PNG,
    frames: list[bytes] | None = None,
    api: str | None = None,
    liveness: bool = True,
) -> None:
    """What the capture page does: one passport page, three liveness frames, submit
    (``liveness=False``: the test made its own liveness attempts)."""
    frames = frames or [PNG] * 3
    base = f"{api or deployment.api}/client/sessions/{session_id}"
    headers = {"X-Yoti-Auth-Token": token}
    with httpx.Client(headers=headers, timeout=30) as http:
        config = http.get(f"{base}/configuration")
        assert config.status_code == 200, config.text
        for requirement in config.json()["capture"]["required_resources"]:
            body: dict[str, str] = {"requirement_id": requirement["id"]}
            images, extra = [document], {}
            if requirement["type"] == "LIVENESS" and not liveness:
                continue
            if requirement["type"] == "ID_DOCUMENT":
                body |= {"document_type": "PASSPORT", "issuing_country": "GBR"}
                resource = http.post(f"{base}/resources", json=body)
            else:  # LIVENESS: one attempt, judged with the rest at submit
                resource = http.post(f"{base}/liveness-attempts", json=body)
                images, extra = frames, {"X-Liveness-Nonce": resource.json()["challenge"]["nonce"]}
            assert resource.status_code == 201, resource.text
            media_url = f"{base}/resources/{resource.json()['id']}/media"
            for image in images:
                kind = "image/png" if image.startswith(b"\x89PNG") else "image/jpeg"
                upload = http.put(media_url, content=image, headers={"Content-Type": kind} | extra)
                assert upload.status_code == 201, upload.text
        if submit:
            done = http.post(f"{base}/submit")
            assert done.status_code == 202, done.text


def liveness_attempt(
    http: httpx.Client,
    url: str,
    requirement_id: str,
    frames_for: Callable[[str], list[bytes]],
    *,
    interval: float = 0.2,
    delay: float = 0.0,
) -> dict[str, Any]:
    """One liveness attempt as the capture page makes it (``url``: the session's client API):
    start it, upload ``frames_for(challenge moves, comma-separated)`` with its nonce, one every
    ``interval`` seconds (the page's pace; 0: all at once) after waiting ``delay`` seconds, ask
    for the verdict and wait for it; returns what the page is told."""
    started = http.post(f"{url}/liveness-attempts", json={"requirement_id": requirement_id})
    assert started.status_code == 201, started.text
    attempt = started.json()
    challenge = attempt["challenge"]
    frames = frames_for(",".join(challenge.get("moves") or [challenge.get("turn") or ""]))
    time.sleep(delay)
    began = time.monotonic()
    for index, frame in enumerate(frames):
        # As the page sends them: frame k grabbed k x interval after the first, sent at once.
        time.sleep(max(0.0, began + index * interval - time.monotonic()))
        kind = "image/png" if frame.startswith(b"\x89PNG") else "image/jpeg"
        upload = http.put(
            f"{url}/resources/{attempt['id']}/media",
            content=frame,
            headers={"Content-Type": kind, "X-Liveness-Nonce": attempt["challenge"]["nonce"]},
        )
        assert upload.status_code == 201, upload.text
    status_url = f"{url}/liveness-attempts/{attempt['id']}"
    assert http.post(f"{status_url}/evaluate").status_code == 202
    deadline = time.monotonic() + 60
    while (status := http.get(status_url).json())["state"] != "DONE":
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    verdict: dict[str, Any] = status
    return verdict


def wait_state(client: DocScanClient, session_id: str, state: str, timeout: float = 45) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        session = client.get_session(session_id)
        if session.state == state:
            return session
        if time.monotonic() > deadline:
            raise AssertionError(
                f"session is {session.state}; checks {[(c.type, c.state) for c in session.checks]}"
            )
        time.sleep(0.2)
