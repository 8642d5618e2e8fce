"""Processing throughput and webhook latency on the embedded default, with a trivial engine.

Submits N complete sessions (one passport page, three liveness frames; three checks and a
text-extraction task each) to ``openidv web`` with no worker running, then starts ``openidv
worker`` and times how long it takes to drain them all: sessions per minute of processing,
measured with 1 and with 2 worker processes in the same run. The engine is the test suite's
``Approve`` (it decrypts every image and approves), so the figures measure the machinery:
claims, evidence decryption, results, notifications, completion.

Webhook latency: from a session's completion (``completed_at``) to the receiver getting its
``session_completion`` webhook, p50 and p99.

Usage: ``python benchmarks/processing.py [--sessions N] [--scale]`` from the repository root
(``--scale``: PostgreSQL + Redis on this machine, instead of SQLite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.jobs.conftest import ENGINES, Deployment, Receiver, capture_journey, spec  # noqa: E402

from openidv.sessions.models import Session  # noqa: E402
from openidv.store.db import table_of  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def receiver() -> tuple[str, dict[str, float]]:
    arrivals: dict[str, float] = {}
    port = free_port()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if body["topic"] == "session_completion":
                arrivals[body["session_id"]] = time.time()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}/hook", arrivals


def measure(workers: int, sessions: int, scale: bool) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="openidv-processing-"))
    url, arrivals = receiver()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OPENIDV_DATA_DIR": str(root / "data"),
        "OPENIDV_ENGINES": ENGINES,
        "OPENIDV_ALLOW_HTTP_NOTIFICATION_ENDPOINTS": "true",
        "OPENIDV_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "OPENIDV_WORKER_PROCESSES": str(workers),
    }
    for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL", "OPENIDV_STORAGE_URL"):
        env.pop(name, None)
    database_url = None
    if scale:  # PostgreSQL + Redis (media stays on local disk: S3 is not what is measured)
        database_url = create_database()
        env["OPENIDV_DATABASE_URL"] = database_url
        env["OPENIDV_QUEUE_URL"] = "redis://127.0.0.1:6379/0"
        env["OPENIDV_QUEUE_NAME"] = f"bench-{os.getpid()}-{workers}"
    deployment = Deployment(root, env, free_port(), database_url)
    deployment.openidv("db", "upgrade")
    try:
        deployment.start("web")
        client, _ = deployment.client()

        hook = Receiver(url=url)
        ids = []
        for _ in range(sessions):
            created = client.create_session(spec(hook, topics=["SESSION_COMPLETION"]))
            capture_journey(deployment, created.session_id, created.client_session_token)
            ids.append(created.session_id)
        started = time.time()
        deployment.start("worker")
        sessions_t = table_of(Session)
        engine = deployment.db()
        while True:
            with engine.connect() as conn:
                done = conn.execute(
                    select(sessions_t.c.id, sessions_t.c.completed_at).where(
                        sessions_t.c.completed_at.is_not(None)
                    )
                ).all()
            if len(done) == sessions and len(arrivals) == sessions:
                break
            if time.time() - started > 600:
                raise RuntimeError(f"only {len(done)} of {sessions} sessions completed")
            time.sleep(0.05)
        last = max(c.replace(tzinfo=dt.UTC).timestamp() for _, c in done)
        latencies = sorted(
            (arrivals[i] - c.replace(tzinfo=dt.UTC).timestamp()) * 1000 for i, c in done
        )
        return {
            "per_minute": sessions / (last - started) * 60,
            "seconds": last - started,
            "hook_p50": statistics.median(latencies),
            "hook_p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        }
    finally:
        for process in deployment.processes:
            deployment.stop(process)
        shutil.rmtree(root, ignore_errors=True)
        if database_url:
            drop_database(database_url)


def create_database() -> str:
    name = f"openidv_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument(
        "--scale", action="store_true", help="PostgreSQL + Redis instead of the embedded default"
    )
    args = parser.parse_args()
    results = {workers: measure(workers, args.sessions, args.scale) for workers in (1, 2)}
    kind = "PostgreSQL + Redis" if args.scale else "embedded default"
    print(
        f"openidv processing, {kind}, trivial engine, {args.sessions} sessions "
        f"(3 checks + 1 task each), {os.cpu_count()} cores"
    )
    for workers, r in results.items():
        print(
            f"  {workers} worker process(es): {r['per_minute']:7.0f} sessions/min "
            f"({r['seconds']:.1f} s)  webhook after completion p50 {r['hook_p50']:.0f} ms  "
            f"p99 {r['hook_p99']:.0f} ms"
        )
    print(
        f"  ratio 2 workers / 1 worker: {results[2]['per_minute'] / results[1]['per_minute']:.2f}"
    )


if __name__ == "__main__":
    main()
