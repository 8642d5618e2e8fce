"""The openidv command as an operator uses it, in subprocesses, as the README says."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from yoti_python_sdk.doc_scan import DocScanClient
from yoti_python_sdk.doc_scan.exception import DocScanException

from openidv.api.apps import generate_key_pair
from openidv.api.signing import public_key_pem
from openidv.vision.synth import generate_document
from tests.api.test_sdk import seed_spec_from_builders
from tests.conftest import free_port


def openidv(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENIDV_DATA_DIR": str(data_dir)}
    env.pop("OPENIDV_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "openidv", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def test_help_does_not_need_a_database(tmp_path: Path) -> None:
    result = openidv(tmp_path / "data", "--help")
    assert "run" in result.stdout and "apps" in result.stdout
    assert not (tmp_path / "data").exists()


def test_apps_lifecycle(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key_file = tmp_path / "app.pem"
    created = openidv(data, "apps", "create", "Shop", "--key-out", str(key_file))
    sdk_id = created.stdout.strip().splitlines()[-1]
    assert len(sdk_id) == 36
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")

    again = openidv(data, "apps", "create", "Shop", "--key-out", str(key_file), check=False)
    assert again.returncode != 0 and "exists" in again.stderr

    _, public_pem = generate_key_pair()
    (tmp_path / "pub.pem").write_text(public_pem)
    imported = openidv(data, "apps", "import-key", "Other", str(tmp_path / "pub.pem"))
    other_id = imported.stdout.strip().splitlines()[-1]

    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    assert openidv(data, "apps", "import-key", "Bad", str(bad), check=False).returncode != 0

    openidv(data, "apps", "disable", other_id)
    listing = openidv(data, "apps", "list").stdout
    assert f"{sdk_id}\tactive" in listing and f"{other_id}\tdisabled" in listing
    missing = openidv(data, "apps", "disable", "no-such-app", check=False)
    assert missing.returncode != 0


def test_db_upgrade(tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "OPENIDV_DATA_DIR": str(tmp_path), "OPENIDV_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "openidv", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "up to date" in result.stdout


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``openidv run`` started as the README says, on a free port, with its own data dir."""
    data = tmp_path / "data"
    port = free_port()
    env = {**os.environ, "OPENIDV_DATA_DIR": str(data)}
    env.pop("OPENIDV_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "openidv", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"openidv run did not start: {process.stdout.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield f"{base}/idverify/v1", data
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sdk_round_trip_against_openidv_run(running: tuple[str, Path], tmp_path: Path) -> None:
    base_url, data = running
    key_file = tmp_path / "app.pem"
    sdk_id = openidv(data, "apps", "create", "Shop", "--key-out", str(key_file)).stdout.split()[-1]
    client = DocScanClient(sdk_id, str(key_file), api_url=base_url)

    created = client.create_session(seed_spec_from_builders())
    assert client.get_session(created.session_id).state == "ONGOING"
    client.delete_session(created.session_id)
    with pytest.raises(DocScanException):
        client.get_session(created.session_id)

    assert (data / "openidv.sqlite3").exists()
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_import_key_accepts_base64_der(tmp_path: Path) -> None:
    key, _ = generate_key_pair()
    pem = public_key_pem(key.public_key())
    der_b64 = "".join(pem.strip().splitlines()[1:-1])
    (tmp_path / "der.txt").write_text(der_b64)
    result = openidv(tmp_path / "data", "apps", "import-key", "Der", str(tmp_path / "der.txt"))
    assert len(result.stdout.strip().splitlines()[-1]) == 36


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    result = openidv(tmp_path / "data", "web", "--workers", "2", check=False)
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr
    single = openidv(tmp_path / "data", "run", "--workers", "2", check=False)
    assert single.returncode != 0 and "openidv web --workers" in single.stderr


def test_check_document(tmp_path: Path) -> None:
    # The engine checks expiry against the real date: take a card valid for a while yet.
    seed = next(
        s
        for s in range(5, 100)
        if generate_document(s, fmt="TD1").identity.expiry_date.year > time.gmtime().tm_year + 1
    )
    document = generate_document(seed, fmt="TD1", two_sided=True)
    front, back = tmp_path / "front.png", tmp_path / "back.png"
    front.write_bytes(document.image)
    assert document.back_image is not None
    back.write_bytes(document.back_image)
    result = openidv(tmp_path / "data", "check", "document", str(front), str(back), "--json")
    output = json.loads(result.stdout)
    extraction = output["ID_DOCUMENT_TEXT_DATA_EXTRACTION"]
    assert extraction["recommendation"] == {"value": "PROGRESS"}
    fields = extraction["document_fields"]
    assert fields["document_number"] == document.identity.document_number
    assert fields["mrz"]["line1"] == document.mrz_lines[0]
    report = output["ID_DOCUMENT_AUTHENTICITY"]["report"]
    assert report["recommendation"] == {"value": "APPROVE"}
    names = {sub["sub_check"] for sub in report["breakdown"]}
    assert {"mrz_validation", "front_back_consistency", "physical_document_captured"} <= names
    text = openidv(tmp_path / "data", "check", "document", str(front)).stdout
    assert "ID_DOCUMENT_TEXT_DATA_EXTRACTION: SHOULD_TRY_AGAIN" in text  # the front has no MRZ
    assert "ID_DOCUMENT_AUTHENTICITY:" in text
