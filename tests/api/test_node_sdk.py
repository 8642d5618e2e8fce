"""Yoti's Node SDK (npm ``yoti`` 4.13.2), run by Node against a live openidv with nothing
changed but the base URL: every call the compatibility table says works, works, and the
face-capture resource is created and its image uploaded through the SDK's own multipart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from openidv.vision.synth import generate_document
from tests.api.journeys import capture_documents, process
from tests.conftest import Integrator, Server
from tests.signing import SignedClient

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="session")
def node_sdk() -> Path:
    """The pinned package, installed from the registry on first use (package-lock.json)."""
    assert shutil.which("node") and shutil.which("npm"), "Node.js is needed for this test"
    if not (NODE_DIR / "node_modules" / "yoti").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=600
        )
    return NODE_DIR


def _run(
    node_sdk: Path, server: Server, integrator: Integrator, image: Path
) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        ["node", "calls.js", server.base_url, integrator.sdk_id, str(integrator.key_path),
         str(image)],
        cwd=node_sdk, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {line["call"]: line for line in lines}


def test_node_sdk_calls(
    node_sdk: Path, server: Server, integrator: Integrator, tmp_path: Path
) -> None:
    image = tmp_path / "face.jpg"
    Image.new("RGB", (64, 48), (90, 120, 150)).save(image, "JPEG")
    calls = _run(node_sdk, server, integrator, image)
    assert calls["createSession"]["ok"], calls
    assert 595 <= calls["createSession"]["value"]["ttl"] <= 600
    assert calls["getSession"]["value"] == {
        "state": "ONGOING",
        "checks": [
            "ID_DOCUMENT_AUTHENTICITY", "LIVENESS", "ID_DOCUMENT_FACE_MATCH", "FACE_COMPARISON",
        ],
    }  # fmt: skip
    required = [kind for kind, _id in calls["getSessionConfiguration"]["value"]]
    assert required == ["ID_DOCUMENT", "LIVENESS", "FACE_CAPTURE"]
    assert calls["getSessionTrackedDevices"] == {
        "call": "getSessionTrackedDevices", "ok": True, "value": 0,
    }  # fmt: skip
    assert calls["deleteSessionTrackedDevices"]["ok"], calls
    assert calls["getSupportedDocuments"]["ok"] and calls["getSupportedDocuments"]["value"] > 0
    face = calls["createFaceCaptureResource"]
    assert face["ok"] and face["value"]["frames"] == 1, calls
    assert calls["uploadFaceCaptureImage"]["ok"], calls
    assert calls["getSessionFaceCapture"]["value"] == [face["value"]["id"]]
    assert calls["deleteSession"]["ok"], calls


def test_node_sdk_reads_document_results(
    node_sdk: Path,
    server: Server,
    api: SignedClient,
    integrator: Integrator,
    face_photos: dict[str, bytes],
) -> None:
    """Two passports of one person, processed by the built-in engines: Node reads each
    document's pages, portrait and expanded fields, and the document comparison."""
    extraction = {"manual_check": "NEVER", "create_expanded_document_fields": True}
    created = api.create(
        {
            "requested_checks": [{"type": "ID_DOCUMENT_COMPARISON", "config": {}}],
            "requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": extraction}],
            "required_documents": [{"type": "ID_DOCUMENT"}, {"type": "ID_DOCUMENT"}],
        }
    ).json()
    pages = [
        generate_document(33, fmt="TD3", portrait=face_photos[who], degradation="jpeg").image
        for who in ("obama", "obama2")
    ]
    capture_documents(server, created["session_id"], created["client_session_token"], pages)
    process(server, created["session_id"])
    done = subprocess.run(
        ["node", "results.js", server.base_url, integrator.sdk_id, str(integrator.key_path),
         created["session_id"]],
        cwd=node_sdk, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    read = json.loads(done.stdout.splitlines()[-1])
    assert len(read["documents"]) == 2
    for document in read["documents"]:
        # A CAMERA page is one camera frame: its frames list that frame (the page's media).
        assert document["pages"] == [{"method": "CAMERA", "frames": [True]}]
        assert document["photo"]["type"] == "image/jpeg" and document["photo"]["bytes"] > 1000
        names = {field["name"]: field for field in document["expanded"]["fields"]}
        assert names["date_of_birth"]["source"] == "MRZ"
    [comparison] = read["comparisons"]
    assert comparison["state"] == "DONE" and comparison["recommendation"] == "APPROVE"
    assert sorted(comparison["resourcesUsed"]) == sorted(d["id"] for d in read["documents"])
    assert comparison["breakdown"] == [["document_data_match", "PASS"], ["ai_face_match", "PASS"]]
