"""Medium: webhooks.

A receiver that trickled its answer held a worker without bound, and one answering 300 MB was
read whole; the SSRF guard passed IPv6 forms that embed an IPv4 address (NAT64, 6to4,
IPv4-compatible and -translated, Teredo) and site-local ``fec0::/10``."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from openidv.notifications.delivery import deliver
from openidv.notifications.models import Attempt, Delivery
from openidv.notifications.ssrf import TargetRefused, vet
from openidv.store.db import table_of
from tests.security.conftest import Target, journey, traces

deliveries_t = table_of(Delivery)
attempts_t = table_of(Attempt)


class Receiver:
    """A hostile webhook receiver on loopback: ``answer(conn)`` writes whatever it likes."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.requests: list[bytes] = []
        self._answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.requests.append(conn.recv(65536))
                with contextlib.suppress(OSError):  # openidv hung up: what we want
                    self._answer(conn)

    def close(self) -> None:
        self.sock.close()


def _delivery(target: Target, receiver: Receiver, auth_token: str | None = None) -> str:
    """A real notification: a session subscribed to RESOURCE_UPDATE, and a resource added."""
    notifications: dict[str, Any] = {"endpoint": f"http://127.0.0.1:{receiver.port}/hook",
                                     "topics": ["RESOURCE_UPDATE"]}  # fmt: skip
    if auth_token is not None:
        notifications["auth_token"] = auth_token
    spec = {
        "notifications": notifications,
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}],
    }  # fmt: skip
    with target.integrator() as shop:
        session_id, token = target.session(shop, spec)
    with journey(target, session_id, token) as capture:
        capture.passport()  # RESOURCE_UPDATE
    with target.app.state.engine.connect() as conn:
        delivery_id: str = conn.execute(
            select(deliveries_t.c.id).where(deliveries_t.c.session_id == session_id)
        ).scalar_one()
    return delivery_id


def test_webhook_credential_is_sealed_while_the_session_lives(target: Target) -> None:
    """Low: the spec kept the webhook's auth_token in clear while the session lived. It is
    sealed with the session's key; the delivery still sends it."""
    token = f"shop:secret-{uuid.uuid4()}"
    receiver = Receiver(lambda conn: conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n"))
    try:
        delivery_id = _delivery(target, receiver, auth_token=token)
        assert traces(target, token.encode()) == []
        assert traces(target, base64.b64encode(token.encode())) == []
        deliver(target.app.state.runtime.delivery, delivery_id)
        [request] = receiver.requests
        headers = dict(
            line.split(": ", 1) for line in request.decode().split("\r\n\r\n")[0].split("\r\n")[1:]
        )
        sent = {name.lower(): value for name, value in headers.items()}["authorization"]
        assert sent == f"Basic {base64.b64encode(token.encode()).decode()}"
    finally:
        receiver.close()


@pytest.fixture
def trickler() -> Iterator[Receiver]:
    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):  # one header byte every 0.3 s: 30 s in all
            conn.sendall(b"X")
            time.sleep(0.3)

    receiver = Receiver(answer)
    yield receiver
    receiver.close()


def test_trickling_receiver_holds_a_worker_only_until_the_deadline(
    target: Target, trickler: Receiver
) -> None:
    delivery_id = _delivery(target, trickler)
    started = time.monotonic()
    retry_in = deliver(target.app.state.runtime.delivery, delivery_id)  # the worker's call
    took = time.monotonic() - started
    assert took < target.settings.webhook_timeout_seconds + 1.5, took
    assert retry_in is not None  # it will be tried again later
    with target.app.state.engine.connect() as conn:
        error = conn.execute(
            select(attempts_t.c.error).where(attempts_t.c.delivery_id == delivery_id)
        ).scalar_one()
    assert error.startswith("no complete answer within")


def test_huge_answer_is_not_read(target: Target) -> None:
    chunk = b"\0" * 65536
    size = 300 * 1024 * 1024

    def answer(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        while receiver.sent < size:
            conn.sendall(chunk)
            receiver.sent += len(chunk)

    receiver = Receiver(answer)
    try:
        delivery_id = _delivery(target, receiver)
        started = time.monotonic()
        deliver(target.app.state.runtime.delivery, delivery_id)
        assert time.monotonic() - started < 2.0
        time.sleep(0.2)
        assert receiver.sent < 32 * 1024 * 1024  # it hung up long before 300 MB
        with target.app.state.engine.connect() as conn:
            state = conn.execute(
                select(deliveries_t.c.state).where(deliveries_t.c.id == delivery_id)
            ).scalar_one()
        assert state == "DELIVERED"  # the status is all that counts
    finally:
        receiver.close()


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:1::1",  # 6to4 of 192.168.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
        "::ffff:7f00:1",  # IPv4-mapped 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo (client 127.0.0.1)
        "fec0::1",  # site-local
        "fc00::1",  # unique local
        "100::1",  # discard-only
    ],
)
def test_ipv6_forms_embedding_private_addresses_are_refused(address: str) -> None:
    with pytest.raises(TargetRefused):
        vet(f"https://[{address}]/hook", [])


def test_plain_global_ipv6_and_ipv4_still_pass() -> None:
    assert vet("https://[2606:4700:4700::1111]/hook", []).url.startswith("https://[2606:")
    assert vet("https://1.1.1.1/hook", []).url == "https://1.1.1.1:443/hook"
    # An operator can still allow a private network, in whichever form it is reached.
    allowed = vet("http://[::ffff:127.0.0.1]:9000/h", [ipaddress.ip_network("127.0.0.0/8")])
    assert allowed.server_name == "::ffff:127.0.0.1"
