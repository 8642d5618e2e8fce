"""What the capture page and the worker do, for tests that need a processed session on the
API suite's in-process server: the capture client API's calls, then each task and check run
by the worker's own function (tasks first, as a worker usually finishes them first)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from openidv.checks.processing import run_item
from openidv.sessions.models import Check, Task
from openidv.store.db import table_of
from tests.conftest import Server

checks_t = table_of(Check)
tasks_t = table_of(Task)


def capture_documents(
    server: Server, session_id: str, token: str, pages: list[bytes], method: str = "CAMERA"
) -> None:
    """Each ID document requirement, in order, gets one passport page; then submit."""
    base = f"{server.base_url}/client/sessions/{session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": token}, timeout=30) as http:
        required = http.get(f"{base}/configuration").json()["capture"]["required_resources"]
        documents = [r for r in required if r["type"] == "ID_DOCUMENT"]
        assert len(documents) == len(pages)
        for requirement, page in zip(documents, pages, strict=True):
            body = {"requirement_id": requirement["id"], "document_type": "PASSPORT",
                    "issuing_country": "GBR"}  # fmt: skip
            resource = http.post(f"{base}/resources", json=body).json()["id"]
            uploaded = http.put(
                f"{base}/resources/{resource}/media?capture_method={method}", content=page,
                headers={"Content-Type": "image/jpeg"},
            )  # fmt: skip
            assert uploaded.status_code == 201, uploaded.text
        assert http.post(f"{base}/submit").status_code == 202


def process(server: Server, session_id: str) -> None:
    with server.app.state.engine.connect() as conn:
        tasks = conn.execute(select(tasks_t.c.id).where(tasks_t.c.session_id == session_id))
        task_ids = list(tasks.scalars())
        checks = conn.execute(select(checks_t.c.id).where(checks_t.c.session_id == session_id))
        check_ids = list(checks.scalars())
    processing = server.app.state.runtime.processing
    for task_id in task_ids:
        run_item(processing, "task", task_id)
    for check_id in check_ids:
        run_item(processing, "check", check_id)
