"""``openidv run`` on a fresh data directory, as a newcomer starts it (the built-in engines,
whatever OPENIDV_ENGINES the shell has), up to its first answer: what the first-minutes
benchmarks (first_session.py, first_upload.py) time from."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402


@dataclass(frozen=True)
class Started:
    origin: str  # http://127.0.0.1:port
    env: dict[str, str]  # the server's environment, for the CLI commands run beside it
    log: Path  # its stdout and stderr
    t0: float  # perf_counter() when it was started
    first_answer: float  # seconds from t0 to the first 200 on /


@contextlib.contextmanager
def fresh_server(folder: Path, extra_env: dict[str, str] | None = None) -> Iterator[Started]:
    """The server, its data in ``folder``, answering; stopped (with its workers) on exit."""
    port = free_port()
    log_path = folder / "run.log"
    env = {**os.environ, "OPENIDV_DATA_DIR": str(folder / "data"), **(extra_env or {})}
    env.pop("OPENIDV_ENGINES", None)
    with log_path.open("wb") as log:
        t0 = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "openidv", "run", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        origin = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{origin}/", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise SystemExit(log_path.read_text())
            time.sleep(0.05)
        yield Started(origin, env, log_path, t0, time.perf_counter() - t0)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
