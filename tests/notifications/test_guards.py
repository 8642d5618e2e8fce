"""The webhook guards on their own: where a webhook may go, and how receivers verify it."""

from __future__ import annotations

import time

import pytest

from openidv.notifications.signing import signature_header, verify
from openidv.notifications.ssrf import TargetRefused, parse_networks, vet


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "ftp://example.com/hook",
        "https:///no-host",
    ],
)
def test_refused_targets(url: str) -> None:
    with pytest.raises(TargetRefused):
        vet(url, [])


def test_public_address_is_pinned_with_the_original_name() -> None:
    target = vet("https://93.184.215.14:8443/path?q=1", [])
    assert target.url == "https://93.184.215.14:8443/path?q=1"
    assert target.host_header == "93.184.215.14:8443"


def test_localhost_resolves_and_is_pinned_when_allowed() -> None:
    target = vet("http://localhost:9000/hook", parse_networks("127.0.0.0/8, ::1/128"))
    assert target.url in ("http://127.0.0.1:9000/hook", "http://[::1]:9000/hook")
    assert target.host_header == "localhost:9000"
    assert target.server_name == "localhost"


def test_allow_list_is_exact() -> None:
    allowed = parse_networks("10.0.0.0/24")
    assert vet("http://10.0.0.7/hook", allowed).url == "http://10.0.0.7:80/hook"
    with pytest.raises(TargetRefused):
        vet("http://10.0.1.7/hook", allowed)


def test_signature_verifies_with_either_secret_during_rotation() -> None:
    old, new = b"o" * 32, b"n" * 32
    body = b'{"session_id":"s","topic":"session_completion"}'
    now = int(time.time())
    header = signature_header([new, old], now, body)
    assert verify(header, body, new, now) and verify(header, body, old, now)
    assert not verify(header, body, b"x" * 32, now)
    assert not verify(header, body + b" ", new, now)
    assert not verify(header, body, new, now + 3600)  # stale: a replay
    assert not verify("v1=abc", body, new, now)
