"""Signed ``POST /sessions`` throughput and latency, beside the same server's health endpoint.

Starts ``openidv run`` on the embedded default (SQLite + local disk) in a fresh data directory,
registers an application, pre-signs enough create requests (each with its own nonce: the server
refuses replays), then measures in one run:

1. closed-loop throughput with wrk: ``/healthz`` and signed creates (req/s, p50, p99), and their
   ratio, since absolute figures on a shared 2-core machine are noisy;
2. open-loop latency of signed creates at a fixed 200 req/s (p50, p95, p99), measured from each
   request's scheduled send time so a stalled server cannot hide its queueing delay.

Needs wrk (Debian package ``wrk``). Usage: ``python benchmarks/create_sessions.py [--workers N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives import serialization

from openidv.api.signing import sign

PREFIX = "/idverify/v1"
WARM_TIMEOUT_S = 60
HERE = Path(__file__).parent
# The seed page's example payload, as the API tests use it.
BODY = json.dumps(json.loads((HERE.parent / "tests/api/seed_payload.json").read_text())).encode()

WRK_SCRIPT = r"""
-- Replays pre-signed requests, each exactly once; every wrk thread takes its own slice.
local requests = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = io.open(args[1], "r")
  local nthreads = tonumber(args[2])
  local n = 0
  for line in file:lines() do
    if n % nthreads == id then
      local target, digest = line:match("([^ ]+) ([^ ]+)")
      table.insert(requests, {target, digest})
    end
    n = n + 1
  end
  file:close()
  body = io.open(args[3], "rb"):read("*a")
  index = 0
end

function request()
  index = index + 1
  local item = requests[index]
  if item == nil then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", item[1], {
    ["Content-Type"] = "application/json",
    ["X-Yoti-Auth-Digest"] = item[2],
  }, body)
end

function response(status, headers, body)
  if status ~= 201 and status ~= 200 then
    errors_seen = (errors_seen or 0) + 1
    if errors_seen < 3 then print("unexpected status " .. status .. ": " .. body) end
  end
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sign_batch(args: tuple[bytes, str, int]) -> list[str]:
    pem, sdk_id, count = args
    key = serialization.load_pem_private_key(pem, password=None)
    lines = []
    for _ in range(count):
        query = urlencode(
            {"sdkId": sdk_id, "nonce": str(uuid.uuid4()), "timestamp": int(time.time() * 1000)}
        )
        target = f"/sessions?{query}"
        lines.append(f"{PREFIX}{target} {sign(key, 'POST', target, BODY)}")  # type: ignore[arg-type]
    return lines


def presign(pem: bytes, sdk_id: str, count: int) -> list[str]:
    workers = os.cpu_count() or 2
    chunks = [(pem, sdk_id, count // workers + 1) for _ in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        return [line for batch in pool.map(_sign_batch, chunks) for line in batch][:count]


def run_wrk(
    url: str, seconds: int, connections: int, script: list[str] | None = None
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script[0], url, "--", *script[1:]]
    else:
        command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "unexpected status" in output or "Non-2xx" in output:
        raise RuntimeError(f"wrk saw failures:\n{output}")

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    assert rate and total, output
    return {
        "rps": float(rate.group(1)),
        "requests": float(total.group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
    }


async def open_loop(base: str, lines: list[str], rate: int, seconds: int) -> dict[str, float]:
    """Send at a fixed rate regardless of responses; latency counts from the scheduled time."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(line: str, scheduled: float) -> None:
            nonlocal failures
            target, digest = line.split(" ")
            response = await client.post(
                target,
                content=BODY,
                headers={"X-Yoti-Auth-Digest": digest, "Content-Type": "application/json"},
            )
            latencies.append((time.perf_counter() - scheduled) * 1000)
            if response.status_code != 201:
                failures += 1

        start = time.perf_counter()
        tasks = []
        for i in range(rate * seconds):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(lines[i], scheduled)))
        await asyncio.gather(*tasks)
    if failures:
        raise RuntimeError(f"{failures} creates failed in the open-loop run")
    latencies.sort()
    return {
        "rate": rate,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "p99": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1, help="openidv web worker processes")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=200, help="open-loop requests per second")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="openidv-bench-"))
    env = {**os.environ, "OPENIDV_DATA_DIR": str(work / "data")}
    env.pop("OPENIDV_DATABASE_URL", None)
    openidv = [sys.executable, "-m", "openidv"]
    key_file = work / "app.pem"
    created = subprocess.run(
        [*openidv, "apps", "create", "bench", "--key-out", str(key_file)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    sdk_id = created.stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [*openidv, "run", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The server loads its engines' models in the background once it answers (jobs/warm.py):
    # measured meanwhile, the health endpoint shared the CPU with the model loading and read
    # about 20% lower. Wait for its "engines ready" line (a server that never prints one is
    # measured after WARM_TIMEOUT_S).
    warmed = threading.Event()

    def watch_log() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            if "engines ready" in line:
                warmed.set()

    threading.Thread(target=watch_log, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        warmed.wait(WARM_TIMEOUT_S)
        health = run_wrk(f"{base}/healthz", args.seconds, args.connections)
        # Enough signed requests for a server as fast as its health endpoint, plus the open loop.
        wanted = int(health["rps"] * args.seconds * 1.2) + args.rate * args.seconds
        t0 = time.perf_counter()
        lines = presign(key_file.read_bytes(), sdk_id, wanted)
        sign_seconds = time.perf_counter() - t0
        closed, rest = (
            lines[: wanted - args.rate * args.seconds],
            lines[wanted - args.rate * args.seconds :],
        )
        (work / "requests.txt").write_text("\n".join(closed) + "\n")
        (work / "body.json").write_bytes(BODY)
        (work / "replay.lua").write_text(WRK_SCRIPT)
        time.sleep(2)  # let the machine settle after signing on every core
        create = run_wrk(
            f"{base}{PREFIX}/sessions",
            args.seconds,
            args.connections,
            [str(work / "replay.lua"), str(work / "requests.txt"), "2", str(work / "body.json")],
        )
        if create["requests"] >= len(closed):
            print("warning: wrk ran out of pre-signed requests; creates/s is a lower bound")
        time.sleep(1)
        fixed = asyncio.run(open_loop(base, rest, args.rate, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"openidv {args.workers} worker(s), embedded default (SQLite WAL + local disk), "
        f"{os.cpu_count()} cores, wrk -t2 -c{args.connections} -d{args.seconds}s"
    )

    def row(label: str, m: dict[str, float]) -> str:
        return f"  {label:24}{m['rps']:8.0f} req/s  p50 {m['p50']:6.2f} ms  p99 {m['p99']:6.2f} ms"

    print(f"  pre-signed {wanted} requests in {sign_seconds:.1f} s")
    print(row("GET  /healthz", health))
    print(row("POST /sessions (signed)", create))
    print(f"  ratio creates/health    {create['rps'] / health['rps']:8.2f}")
    print(
        f"  open loop at {fixed['rate']} req/s: p50 {fixed['p50']:.2f} ms  "
        f"p95 {fixed['p95']:.2f} ms  p99 {fixed['p99']:.2f} ms"
    )


if __name__ == "__main__":
    main()
