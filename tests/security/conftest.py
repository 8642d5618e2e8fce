"""The attacks of issue 15, replayed against the real app: an openidv web app served by
uvicorn on loopback (per database backend, as the API suite), with real keys, a real console
login and the real capture client API. Nothing is mocked: each test sends what the attacker
sent and checks what the server now does."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from openidv.api.apps import generate_key_pair, register_app
from openidv.app import create_app
from openidv.checks.processing import run_item
from openidv.review.accounts import add_reviewer
from openidv.sessions.models import Task
from openidv.settings import Settings
from openidv.store.db import Base, table_of
from openidv.store.migrate import upgrade
from tests.conftest import POSTGRES_ADMIN_URL, _serve, free_port
from tests.jobs.conftest import REDIS_URL
from tests.s3server import BUCKET, S3_ENV
from tests.signing import SignedClient

PASSWORD = "correct horse battery"
tasks_t = table_of(Task)
PNG = (  # a 1x1 PNG
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
DOCUMENT_SPEC: dict[str, Any] = {
    "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}],
}


@dataclass
class Target:
    """The server under attack: in this process (``app``), or ``openidv run`` as an operator
    starts it, reached only over the network and through its database (``db``)."""

    origin: str  # http://127.0.0.1:port
    settings: Settings
    db: Engine
    in_process: FastAPI | None = None

    @property
    def app(self) -> FastAPI:
        assert self.in_process is not None, "this test needs the in-process server"
        return self.in_process

    @property
    def api(self) -> str:
        return f"{self.origin}{self.settings.api_prefix}"

    @property
    def sandbox_api(self) -> str:
        return f"{self.origin}{self.settings.sandbox_prefix}"

    def integrator(self, *, sandbox: bool = False) -> SignedClient:
        key, public_pem = generate_key_pair()
        with self.db.begin() as conn:
            sdk_id = register_app(conn, "attacker" if sandbox else "shop", public_pem,
                                  sandbox=sandbox)  # fmt: skip
        return SignedClient(self.sandbox_api if sandbox else self.api, sdk_id, key)

    def reviewer(self, email: str, role: str = "reviewer") -> httpx.Client:
        with self.db.begin() as conn:
            add_reviewer(conn, email, PASSWORD, role)
        return login(self, email)

    def session(self, client: SignedClient, spec: dict[str, Any] | None = None) -> tuple[str, str]:
        created = client.create(spec or DOCUMENT_SPEC)
        assert created.status_code == 201, created.text
        body = created.json()
        return body["session_id"], body["client_session_token"]


@dataclass
class Journey:
    """The capture page's side of one session: its client API, with its client token."""

    http: httpx.Client
    url: str  # {api}/client/sessions/{session_id}

    def requirement(self, index: int = 0) -> str:
        config = self.http.get(f"{self.url}/configuration").json()
        found: str = config["capture"]["required_resources"][index]["id"]
        return found

    def declare(self, declared: dict[str, Any], index: int = 0) -> httpx.Response:
        """Start the resource of a requirement, declaring ``declared`` (type and country)."""
        body = {"requirement_id": self.requirement(index)} | declared
        return self.http.post(f"{self.url}/resources", json=body)

    def passport(self) -> str:
        """The first requirement's resource, a British passport; its id."""
        made = self.declare({"document_type": "PASSPORT", "issuing_country": "GBR"})
        assert made.status_code == 201, made.text
        resource: str = made.json()["id"]
        return resource

    def upload(self, resource: str, content: bytes, content_type: str) -> httpx.Response:
        return self.http.put(
            f"{self.url}/resources/{resource}/media", content=content,
            headers={"Content-Type": content_type},
        )  # fmt: skip

    def submit(self) -> httpx.Response:
        return self.http.post(f"{self.url}/submit")


@contextlib.contextmanager
def journey(target: Target, session_id: str, token: str, timeout: float = 30) -> Iterator[Journey]:
    url = f"{target.api}/client/sessions/{session_id}"
    with httpx.Client(timeout=timeout, headers={"X-Yoti-Auth-Token": token}) as http:
        yield Journey(http, url)


@dataclass
class Case:
    """A case a reviewer holds: a text extraction left to a person, claimed."""

    session_id: str
    task_id: str
    reviewer: httpx.Client
    csrf: str


def held_case(
    target: Target,
    shop: SignedClient,
    spec: dict[str, Any] | None = None,
    page: tuple[bytes, str] = (PNG, "image/png"),
) -> Case:
    """The capture journey (one passport page: ``page``'s content and type), the worker's own
    run of the undecided task (the security server's engine leaves it to review), and a new
    reviewer's claim."""
    spec = {**(spec or {}), "requested_tasks": [
        {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "FALLBACK"}}
    ]}  # fmt: skip
    session_id, token = target.session(shop, spec)
    with journey(target, session_id, token) as capture:
        uploaded = capture.upload(capture.passport(), *page)
        assert uploaded.status_code == 201, uploaded.text
        assert capture.submit().status_code == 202
    with target.app.state.engine.connect() as conn:
        task_id: str = conn.execute(
            select(tasks_t.c.id).where(tasks_t.c.session_id == session_id)
        ).scalar_one()
    run_item(target.app.state.runtime.processing, "task", task_id)  # undecided: to review
    reviewer = target.reviewer(f"r-{task_id[:8]}@example.com")
    csrf = csrf_of(reviewer.get("/").text)
    claimed = reviewer.post(f"/items/task/{task_id}/claim", data={"csrf": csrf})
    assert claimed.status_code == 303, claimed.text
    return Case(session_id, task_id, reviewer, csrf)


def traces(target: Target, marker: bytes) -> list[str]:
    """Where ``marker`` is still readable: table rows; SQLite's files; PostgreSQL's pages
    (old row versions that an UPDATE or DELETE left behind, index entries)."""
    found = []
    with target.db.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    raw = value if isinstance(value, bytes) else json.dumps(value, default=str)
                    if marker in (raw if isinstance(raw, bytes) else raw.encode()):
                        found.append(f"{table.name}.{column}")
    url = target.db.url
    if url.get_backend_name() == "postgresql":
        found += pages_holding(target.db, marker)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists() and marker in path.read_bytes():
                found.append(path.name)
    return found


def pages_holding(engine: Engine, marker: bytes) -> list[str]:
    """PostgreSQL: the relations (tables, their TOAST tables, btree indexes) of the schema
    with a tuple that contains ``marker``, read page by page with pageinspect as a superuser
    could read the files: live rows and the dead versions an UPDATE or DELETE left behind
    alike. (Bytes of removed tuples can stay in a page's free space until it is reused:
    THREAT_MODEL.md says why that leaves nothing readable.)"""
    blocks = "generate_series(0, pg_relation_size(c.oid) / current_setting('block_size')::int - 1)"
    heap = (
        f"SELECT 1 FROM {blocks} b, heap_page_items(get_raw_page(c.oid::regclass::text, b::int))"
        " h WHERE position(:marker IN h.t_data) > 0"
    )
    index = (
        f"SELECT 1 FROM {blocks} b, bt_page_items(c.oid::regclass::text, b::int) i"
        " WHERE b > 0 AND position(:marker IN decode(replace(i.data, ' ', ''), 'hex')) > 0"
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        return list(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " LEFT JOIN pg_am a ON a.oid = c.relam"
                    " WHERE c.relpersistence = 'p' AND ("
                    "  (n.nspname = current_schema() AND (c.relkind = 'r' OR a.amname = 'btree'))"
                    "  OR (n.nspname = 'pg_toast' AND c.relkind = 't'))"
                    f" AND CASE WHEN c.relkind = 'i' THEN EXISTS ({index}) ELSE EXISTS ({heap}) END"
                ),
                {"marker": marker},
            ).scalars()
        )


def raw_pages_holding(engine: Engine, marker: bytes) -> list[str]:
    """PostgreSQL: every relation of the database with storage (tables, indexes, TOAST,
    materialised views and sequences, of every schema, the catalogue included: statistics
    hold sampled column values) whose main-fork bytes contain ``marker`` anywhere in any
    page: live tuples, dead ones and the free space a VACUUM left them in alike, as anyone
    who can read the data directory sees them."""
    blocks = "generate_series(0, pg_relation_size(c.oid) / current_setting('block_size')::int - 1)"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        return list(
            conn.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_class c"
                    " WHERE c.relkind IN ('r', 'i', 't', 'm', 'S') AND c.relpersistence <> 't'"
                    " AND pg_relation_size(c.oid) > 0 AND EXISTS ("
                    f"  SELECT 1 FROM {blocks} b"
                    "   WHERE position(:marker IN get_raw_page(c.oid::regclass::text, b::int)) > 0)"
                ),
                {"marker": marker},
            ).scalars()
        )


def login(target: Target, email: str, password: str = PASSWORD) -> httpx.Client:
    console = httpx.Client(base_url=f"{target.origin}/console", timeout=30)
    form = console.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text
    console.post("/login", data={"csrf": csrf.group(1), "email": email, "password": password})
    return console


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture(scope="session")
def target(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("security"),
        database_url=database_url,
        console_secure_cookies=False,  # plain http on loopback
        allow_http_notification_endpoints=True,
        # Text extraction left to a reviewer; the tests run the worker's own function.
        engines="ID_DOCUMENT_TEXT_DATA_EXTRACTION=tests.engines:Undecided",
        webhook_allowed_networks="127.0.0.0/8",  # the attacker's receivers, on loopback
        webhook_timeout_seconds=2,
        demo=True,  # turned on as an operator would (the test server's host is not known)
        failure_limit_per_address=1_000_000,  # see test_rate_limits.py, with its own apps
        key_erasure_interval_seconds=0,  # every scheduler tick that follows a purge erases
    )
    upgrade(database_url)
    app = create_app(settings)
    uv, thread, port = _serve(app)
    try:
        yield Target(f"http://127.0.0.1:{port}", settings, app.state.engine, app)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def run_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """``openidv run`` (web, worker and scheduler in one process group) on its embedded
    default, SQLite in its data directory, started as an operator starts it. Per module: its
    processes stop with the module, so they do not share the CPU with later timed probes."""
    data_dir = tmp_path_factory.mktemp("openidv-run")
    port = free_port()
    env = {
        **os.environ,
        "OPENIDV_DATA_DIR": str(data_dir),
        "OPENIDV_FAILURE_LIMIT_PER_ADDRESS": "1000000",  # see test_rate_limits.py
        "OPENIDV_QUEUE_NAME": f"security-{uuid.uuid4().hex[:8]}",
    }
    for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL", "OPENIDV_STORAGE_URL"):
        env.pop(name, None)
    log = (data_dir / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "openidv", "run", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(origin, process, data_dir / "run.log")
        settings = Settings(data_dir=data_dir)
        db = create_engine(settings.resolved_database_url)
        yield Target(origin, settings, db)
        db.dispose()
    finally:
        _stop(process)
        log.close()


# The deployment's own limits: per address off (the tests share 127.0.0.1), per application
# low, so that one test can show the counters are shared by its web processes.
DEPLOYMENT_FAILURES_PER_APP = 40


@dataclass
class Deployed(Target):
    """A Target that is the PostgreSQL + Redis + S3 deployment; ``objects`` lists the media
    objects under its storage prefix (what an S3 reader would find)."""

    s3: Any = None
    bucket: str = ""
    prefix: str = ""

    def objects(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)
        return [item["Key"] for item in listed.get("Contents", [])]


@pytest.fixture(scope="module")
def deployed_target(
    s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    """The scaled deployment, started as an operator starts it: ``openidv web --workers 2``
    and ``openidv worker`` on a fresh PostgreSQL database, Redis for the queue and the rate
    limits' counters, SeaweedFS as the S3 media store. Per module, like ``run_target``."""
    root = tmp_path_factory.mktemp("deployment")
    name = f"openidv_sec_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_ADMIN_URL)
    admin_dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin.set(database=name).render_as_string(hide_password=False)
    prefix = uuid.uuid4().hex[:10]
    env = {
        **os.environ,
        **S3_ENV,
        "OPENIDV_DATA_DIR": str(root / "data"),
        "OPENIDV_DATABASE_URL": database_url,
        "OPENIDV_QUEUE_URL": REDIS_URL,
        "OPENIDV_QUEUE_NAME": f"security-{prefix}",
        "OPENIDV_STORAGE_URL": f"s3://{BUCKET}/{prefix}",
        "OPENIDV_S3_ENDPOINT_URL": s3_endpoint,
        "OPENIDV_FAILURE_LIMIT_PER_ADDRESS": "1000000",
        "OPENIDV_FAILURE_LIMIT_PER_APP": str(DEPLOYMENT_FAILURES_PER_APP),
        "OPENIDV_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "OPENIDV_KEY_ERASURE_INTERVAL_SECONDS": "0",
    }
    port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "openidv", "db", "upgrade"], env=env, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        for command in (["web", "--workers", "2", "--port", str(port)], ["worker"]):
            log = (root / f"{command[0]}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "openidv", *command], env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            processes.append(process)
        origin = f"http://127.0.0.1:{port}"
        _wait_healthy(origin, processes[0], root)
        settings = Settings(data_dir=root / "data", database_url=database_url)
        db = create_engine(database_url)
        s3 = boto3.client(
            "s3", endpoint_url=s3_endpoint, region_name=S3_ENV["AWS_DEFAULT_REGION"],
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip
        yield Deployed(origin, settings, db, s3=s3, bucket=BUCKET, prefix=prefix)
        db.dispose()
    finally:
        for process in processes:
            _stop(process)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_healthy(origin: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{origin}/healthz").status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"openidv did not start; see the logs in {logs}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(params=["in-process", "openidv-run", "deployment"])
def served(request: pytest.FixtureRequest, database_url: str) -> Target:
    """The attacks that matter most, replayed against all three: the app served in this
    process (per database backend), ``openidv run`` as a separate process (its embedded
    default) and the PostgreSQL + Redis + S3 deployment (each of those two once: the
    database backend is the in-process server's parameter)."""
    if request.param == "in-process":
        found: Target = request.getfixturevalue("target")
        return found
    if request.param == "openidv-run":
        if not database_url.startswith("sqlite"):
            pytest.skip("openidv run is replayed on its embedded default (the sqlite run)")
        running: Target = request.getfixturevalue("run_target")
        return running
    if not database_url.startswith("postgresql"):
        pytest.skip("the deployment is replayed once (with the postgresql run)")
    deployed: Target = request.getfixturevalue("deployed_target")
    return deployed


def raw_exchange(
    origin: str, head: str, body: bytes = b"", *, chunks: int = 0, chunk: bytes = b""
) -> tuple[int, bytes, int]:
    """Send a request by hand (what an attacker's client does): ``head`` (request line and
    headers), then ``body``, then up to ``chunks`` chunked-encoding chunks, stopping as soon
    as the server answers. Returns (status, answer, bytes of body sent). The socket times out
    after 10 s: a server that waits for a body it should have refused fails the test."""
    host, port = origin.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        sent += len(body)
        sock.setblocking(False)
        answer = b""
        for _ in range(chunks):
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.setblocking(True)
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                sock.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        head_end = answer.index(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: (\d+)", answer[:head_end])
        while length and len(answer) < head_end + 4 + int(length.group(1)):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    status = int(answer.split(b" ", 2)[1])
    return status, answer[answer.index(b"\r\n\r\n") + 4 :], sent
