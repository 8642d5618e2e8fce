"""The first minutes after ``openidv run`` on a fresh data directory, as a newcomer lives them:
how long until the server first answers, then the demo journey started at once (the same
stages as ``benchmarks/demo_journey.py``), and when the engines said they were warm. The
first session is the one that used to pay for loading every model.

    python benchmarks/first_session.py [--runs 2] [--wait-warm]

``--wait-warm``: start the journey only after the "engines ready" line (what the first
session costs once warming is done), instead of at the first answer. Timings are wall-clock
on this machine: under load they say more about the machine than about openidv.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from demo_journey import _mesh, run_once

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402

READY = "engines ready"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="demo journeys, one after another")
    parser.add_argument("--wait-warm", action="store_true")
    args = parser.parse_args()
    mesh = _mesh()  # the benchmark's own preparation, before the clock starts
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        log_path = Path(folder) / "run.log"
        env = {**os.environ, "OPENIDV_DATA_DIR": str(Path(folder) / "data")}
        env.pop("OPENIDV_ENGINES", None)  # the built-in engines, as a newcomer has them
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
            print(f"first answer after start: {time.perf_counter() - t0:6.2f} s")
            if args.wait_warm:
                while READY not in log_path.read_text():
                    time.sleep(0.1)
            for seed in range(1, args.runs + 1):
                run_once(origin, mesh, seed)
            warm = [line for line in log_path.read_text().splitlines() if READY in line]
            print("warming:", *(warm or ["no 'engines ready' line"]), sep="\n  ")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
