"""``allow_expired_documents`` reaches the engines: each document resource the checks read says
whether its required-document filter accepts an expired document (Yoti's default: no)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openidv.api.apps import generate_key_pair, register_app
from openidv.checks.engines import EngineRegistry
from openidv.checks.processing import ProcessingContext, ProcessingPolicy, _evidence
from openidv.sessions.filters import allows_expired
from openidv.sessions.models import Check
from openidv.store.db import table_of
from tests.conftest import Server
from tests.signing import SignedClient

checks_t = table_of(Check)


@pytest.fixture
def sandbox(server: Server) -> Iterator[SignedClient]:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "sandbox app", public_pem, sandbox=True)
    base = server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")
    with SignedClient(base, sdk_id, key) as client:
        yield client


def _filter(kind: str, allow: bool | None) -> dict[str, Any]:
    if kind == "DOCUMENT_RESTRICTIONS":
        found: dict[str, Any] = {
            "type": kind,
            "inclusion": "WHITELIST",
            "documents": [{"country_codes": ["GBR"], "document_types": ["PASSPORT"]}],
        }
    else:
        found = {
            "type": kind,
            "type_restriction": {"inclusion": "WHITELIST", "document_types": ["PASSPORT"]},
        }
    return found | ({} if allow is None else {"allow_expired_documents": allow})


@pytest.mark.parametrize("filter_type", ["DOCUMENT_RESTRICTIONS", "ORTHOGONAL_RESTRICTIONS"])
@pytest.mark.parametrize("allow", [True, False, None])
def test_authenticity_evidence_carries_the_filter_flag(
    server: Server, sandbox: SignedClient, filter_type: str, allow: bool | None
) -> None:
    spec = {
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}],
        "required_documents": [{"type": "ID_DOCUMENT", "filter": _filter(filter_type, allow)}],
    }
    created = sandbox.create(spec).json()
    completed = httpx.post(
        f"{sandbox.base_url}/client/sessions/{created['session_id']}/sandbox-complete",
        headers={"X-Yoti-Auth-Token": created["client_session_token"]},
    )
    assert completed.status_code == 202, completed.text
    app = server.app
    with app.state.engine.connect() as conn:
        check_id = conn.execute(
            select(checks_t.c.id).where(checks_t.c.session_id == created["session_id"])
        ).scalar_one()
    ctx = ProcessingContext(
        app.state.engine, app.state.api.sessions, EngineRegistry(), ProcessingPolicy()
    )
    evidence, _sandbox = _evidence(ctx, "check", check_id)
    [document] = evidence.resources
    assert document.type == "ID_DOCUMENT"
    assert document.allow_expired_documents is bool(allow)


def test_no_filter_allows_no_expired_document() -> None:
    assert allows_expired(None) is False
    assert allows_expired({"type": "ORTHOGONAL_RESTRICTIONS"}) is False
    assert allows_expired({"type": "ORTHOGONAL_RESTRICTIONS", "allow_expired_documents": True})
