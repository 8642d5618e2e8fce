"""Medium: ``/demo`` (on by default) fetched from the Host header's host:port and handed the
answer back, with valid signatures of the demo application: whoever sent ``Host:
attacker:port`` received requests signed with the demo app's key."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from openidv.app import create_app
from openidv.settings import Settings
from tests.asyncutil import run_async
from tests.security.conftest import Target, raw_exchange


def test_demo_never_calls_the_host_header_s_host(served: Target) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    received: list[bytes] = []

    def accept() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            received.append(conn.recv(65536))

    waiting = threading.Thread(target=accept)
    waiting.start()
    status, body, _ = raw_exchange(
        served.origin,
        f"POST /demo/start HTTP/1.1\nHost: 127.0.0.1:{port}\nContent-Length: 0\n",
    )
    listener.close()
    waiting.join()
    assert received == []  # no signed request reached the attacker's listener
    assert status == 200 and b"<iframe" in body  # the demo worked, in-process


@pytest.mark.parametrize(
    ("host", "demo", "served"),
    [("0.0.0.0", None, False), ("192.0.2.10", None, False), ("127.0.0.1", None, True),
     ("::1", None, True), ("0.0.0.0", True, True), ("127.0.0.1", False, False)],
)  # fmt: skip
def test_demo_is_off_unless_loopback_or_turned_on(
    tmp_path: Path, host: str, demo: bool | None, served: bool
) -> None:
    app = create_app(Settings(data_dir=tmp_path, demo=demo), listen_host=host)
    assert run_async(demo_status(app)) == (200 if served else 404)
    app.state.engine.dispose()


async def demo_status(app: FastAPI) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://openidv.test") as client:
        return (await client.get("/demo")).status_code
