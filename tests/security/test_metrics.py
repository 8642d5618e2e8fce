"""Low: ``/metrics`` treated every client as loopback behind a reverse proxy on the same host
(the proxy's connection comes from 127.0.0.1, and it need not send X-Forwarded-For)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from openidv.app import create_app
from openidv.settings import Settings
from openidv.store.migrate import upgrade
from tests.asyncutil import run_async
from tests.security.conftest import Target


def _scrape(tmp_path: Path, listen_host: str, headers: dict[str, str]) -> int:
    url = f"sqlite:///{tmp_path / 'openidv.sqlite3'}"
    upgrade(url)
    app = create_app(Settings(data_dir=tmp_path, database_url=url), listen_host=listen_host)

    async def scrape() -> int:
        # The peer is loopback, as a same-host proxy's connection is.
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://openidv") as client:
            return (await client.get("/metrics", headers=headers)).status_code

    try:
        return run_async(scrape())
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize(
    ("listen_host", "headers", "status"),
    [
        ("0.0.0.0", {}, 404),  # listening everywhere: a token is needed
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}, 404),  # a proxy forwarded it
        ("127.0.0.1", {"Forwarded": "for=203.0.113.7"}, 404),
        ("127.0.0.1", {"Via": "1.1 proxy"}, 404),
        ("127.0.0.1", {}, 200),  # really local
    ],
)
def test_metrics_without_a_token_only_for_a_loopback_server(
    tmp_path: Path, listen_host: str, headers: dict[str, str], status: int
) -> None:
    assert _scrape(tmp_path, listen_host, headers) == status


@pytest.mark.parametrize(
    "headers", [{"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7"}]
)
def test_a_forwarded_scrape_needs_the_token_on_every_server(
    served: Target, headers: dict[str, str]
) -> None:
    """The same attack against the servers as operators start them (on loopback, no token
    configured): a request a proxy forwarded is refused."""
    assert httpx.get(f"{served.origin}/metrics", headers=headers).status_code == 404
