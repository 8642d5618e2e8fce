"""/metrics: counts only, live and sandbox apart, for loopback or a scraper with the token."""

from __future__ import annotations

from pathlib import Path

import httpx

from openidv.app import create_app
from openidv.settings import Settings
from openidv.store.migrate import upgrade
from tests.api.payloads import seed
from tests.asyncutil import run_async
from tests.conftest import Server
from tests.signing import SignedClient


def test_loopback_scraper_sees_live_sessions_counted(server: Server, api: SignedClient) -> None:
    assert api.create(seed()).status_code == 201
    metrics = httpx.get(server.base_url.replace("/idverify/v1", "/metrics"))
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    body = metrics.text
    assert "# TYPE openidv_sessions gauge" in body
    assert 'openidv_sessions{mode="live",state="ONGOING"}' in body
    assert 'openidv_checks{mode="live",recommendation="NONE",review="NONE",state="CREATED"' in body
    assert "session_id" not in body and "tracking" not in body


def test_remote_scraper_needs_the_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'openidv.sqlite3'}"
    upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, metrics_token="s3cret-scrape")
    app = create_app(settings)

    async def scrape(headers: dict[str, str]) -> int:
        remote = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=remote, base_url="http://openidv") as client:
            return (await client.get("/metrics", headers=headers)).status_code

    try:
        assert run_async(scrape({})) == 404
        assert run_async(scrape({"Authorization": "Bearer nope"})) == 404
        assert run_async(scrape({"Authorization": "Bearer s3cret-scrape"})) == 200
    finally:
        app.state.engine.dispose()
