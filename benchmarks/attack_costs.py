"""What an unauthenticated attacker costs the server: issue 15's "cost before authentication".

Starts ``openidv web`` (embedded SQLite) in a fresh data directory for each attack, sends the
attack once, and prints the answer, how long it took, how long a concurrent ``/healthz`` waited
(the event loop frozen or not) and the web process's peak resident memory (VmHWM) before and
after.

    .venv/bin/python benchmarks/attack_costs.py            # every attack
    .venv/bin/python benchmarks/attack_costs.py --only heic

Attacks:
* ``json``: a 200 MB JSON body to POST /sessions with a bad signature.
* ``chunked``: the same body sent chunked (no Content-Length).
* ``heic``: a 12 KB HEIC of 7000x7000 pixels, uploaded with a bad client token.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# 12 KB, really 7000x7000 (see tests/security/test_cost_before_auth.py for how it was made).
BOMB = (ROOT / "tests" / "security" / "bomb-7000.heic").read_bytes()


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _body(size: int) -> Iterator[bytes]:
    chunk = b'{"a":"' + b"x" * (1024 * 1024 - 8) + b'",'
    sent = 0
    while sent < size:
        yield chunk
        sent += len(chunk)


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = _port()
        env = {**os.environ, "OPENIDV_DATA_DIR": str(data_dir)}
        for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL"):
            env.pop(name, None)
        self.env = env
        self.cli("db", "upgrade")
        self.sdk_id = self.cli("apps", "create", "bench", "--key-out", str(data_dir / "k.pem"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "openidv", "web", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.origin}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("openidv web did not start")
            time.sleep(0.1)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "openidv", *args],
            env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout.strip().split()[-1] if done.stdout.strip() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _healthz_while(origin: str, stop: threading.Event, worst: list[float]) -> None:
    with httpx.Client(timeout=60) as http:
        while not stop.is_set():
            started = time.perf_counter()
            http.get(f"{origin}/healthz")
            worst.append(time.perf_counter() - started)
            time.sleep(0.02)


def attack(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        try:
            before = _peak_rss_mb(server.process.pid)
            stop, waits = threading.Event(), [0.0]
            watcher = threading.Thread(target=_healthz_while, args=(server.origin, stop, waits))
            watcher.start()
            time.sleep(0.2)
            query = (
                f"sdkId={server.sdk_id}&nonce=n-{time.time()}&timestamp={int(time.time() * 1000)}"
            )
            started = time.perf_counter()
            with httpx.Client(timeout=120) as http:
                try:
                    if name in ("json", "chunked"):
                        size = 200 * 1024 * 1024
                        body: object = _body(size)
                        headers = {"X-Yoti-Auth-Digest": "AAAA", "Content-Type": "application/json"}
                        if name == "json":
                            headers["Content-Length"] = str(sum(len(c) for c in _body(size)))
                        answer = http.post(
                            f"{server.origin}/idverify/v1/sessions?{query}",
                            content=body,  # type: ignore[arg-type]
                            headers=headers,
                        )
                    else:
                        answer = http.put(
                            f"{server.origin}/idverify/v1/client/sessions/x/resources/y/media",
                            content=BOMB,
                            headers={"Content-Type": "image/heic", "X-Yoti-Auth-Token": "bad"},
                        )
                    outcome = f"{answer.status_code} {answer.text[:80]}"
                except httpx.HTTPError as exc:
                    outcome = f"{type(exc).__name__}: {exc}"[:100]
            took = time.perf_counter() - started
            time.sleep(0.3)
            stop.set()
            watcher.join()
            after = _peak_rss_mb(server.process.pid)
            print(
                f"{name:8s} answer={outcome!r}\n         took {took:.2f} s; worst /healthz wait "
                f"{max(waits):.2f} s; peak RSS {before:.0f} -> {after:.0f} MB"
            )
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["json", "chunked", "heic"])
    args = parser.parse_args()
    for name in [args.only] if args.only else ["json", "chunked", "heic"]:
        attack(name)


if __name__ == "__main__":
    main()
