"""Shared fixtures: a real openidv server per database backend, real keys, real clients.

The API suite runs once against SQLite and once against PostgreSQL (a fresh database created
for the run and dropped after). PostgreSQL's absence is a failure, not a skip; set
OPENIDV_TEST_BACKENDS=sqlite to run only the embedded backend on a machine without it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from openidv.api.apps import generate_key_pair, private_key_pem, register_app
from openidv.app import create_app
from openidv.settings import Settings
from openidv.store.migrate import upgrade
from tests.s3server import seaweedfs
from tests.signing import SignedClient
from tests.vision.conftest import face_images_dir, face_photos  # noqa: F401  (shared fixtures)

POSTGRES_ADMIN_URL = os.environ.get(
    "OPENIDV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = os.environ.get("OPENIDV_TEST_BACKENDS", "sqlite,postgresql").split(",")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'openidv.sqlite3'}"
        return
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"openidv_test_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    base_url: str  # the Yoti base URL: http://host:port/idverify/v1
    app: FastAPI
    settings: Settings


def _serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, int]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return server, thread, port


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        # These suites send bad signatures on purpose, all from 127.0.0.1; the limits
        # themselves are tested in tests/security/test_rate_limits.py.
        failure_limit_per_address=1_000_000,
        failure_limit_per_app=1_000_000,
    )
    upgrade(database_url)
    app = create_app(settings, listen_host="127.0.0.1")  # what _serve binds
    uv, thread, port = _serve(app)
    try:
        yield Server(f"http://127.0.0.1:{port}{settings.api_prefix}", app, settings)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@dataclass
class Integrator:
    sdk_id: str
    key: rsa.RSAPrivateKey
    key_path: Path


@pytest.fixture
def integrator(server: Server, tmp_path: Path) -> Integrator:
    """A freshly registered application with its private key on disk (as Yoti Hub gives it)."""
    private_key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "test app", public_pem)
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(private_key_pem(private_key))
    return Integrator(sdk_id, private_key, key_path)


@pytest.fixture
def api(server: Server, integrator: Integrator) -> Iterator[SignedClient]:
    with SignedClient(server.base_url, integrator.sdk_id, integrator.key) as client:
        yield client


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
        yield endpoint
