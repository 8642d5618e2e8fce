"""The sandbox, driven only by the official packages (``yoti`` and ``yoti-sandbox``) against
``openidv run``: configured results come back exactly as configured, through the same life as
live sessions."""

from __future__ import annotations

import copy
import json
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select
from yoti_python_sandbox.doc_scan import (
    ResponseConfigBuilder,
    SandboxCheckReportsBuilder,
    SandboxTaskResultsBuilder,
)
from yoti_python_sandbox.doc_scan.check import (
    SandboxBreakdownBuilder,
    SandboxDetail,
    SandboxDocumentAuthenticityCheckBuilder,
    SandboxDocumentFaceMatchCheckBuilder,
    SandboxRecommendationBuilder,
    SandboxZoomLivenessCheckBuilder,
)
from yoti_python_sandbox.doc_scan.client import DocScanSandboxClient
from yoti_python_sandbox.doc_scan.exception import DocScanSandboxException
from yoti_python_sandbox.doc_scan.task import SandboxDocumentTextDataExtractionTaskBuilder
from yoti_python_sdk.doc_scan import DocScanClient
from yoti_python_sdk.doc_scan.exception import DocScanException

from openidv.sandbox.templates import SPECIMEN_FIELDS
from openidv.sessions.models import Check
from openidv.store.db import table_of
from tests.api.test_sandbox_config import DOCUMENTED
from tests.jobs.conftest import (
    PNG,
    Deployment,
    Receiver,
    capture_journey,
    liveness_attempt,
    spec,
    wait_state,
)

checks_t = table_of(Check)


def _recommendation(value: str, reason: str | None = None) -> object:
    builder = SandboxRecommendationBuilder().with_value(value)
    return (builder.with_reason(reason) if reason else builder).build()


def _approve_on_second_attempt() -> object:
    return (
        ResponseConfigBuilder()
        .with_check_reports(
            SandboxCheckReportsBuilder()
            .with_liveness_check(SandboxZoomLivenessCheckBuilder().with_recommendation(_recommendation("REJECT")).build())
            .with_liveness_check(SandboxZoomLivenessCheckBuilder().with_recommendation(_recommendation("APPROVE")).build())
            .build()
        )
        .build()
    )  # fmt: skip


def _sandbox(deployment: Deployment) -> tuple[DocScanClient, DocScanSandboxClient, str, str]:
    key = deployment.root / "sandbox.pem"
    sdk_id = deployment.openidv("apps", "create", "ci", "--sandbox", "--key-out", str(key)).split()[
        -1
    ]
    base = deployment.api.replace("/idverify/v1", "/sandbox/idverify/v1")
    return (
        DocScanClient(sdk_id, str(key), api_url=base),
        DocScanSandboxClient(sdk_id, str(key), api_url=base),
        sdk_id,
        base,
    )


def _complete(base: str, session_id: str, token: str) -> None:
    done = httpx.post(
        f"{base}/client/sessions/{session_id}/sandbox-complete",
        headers={"X-Yoti-Auth-Token": token},
        timeout=30,
    )
    assert done.status_code == 202, done.text


def test_configured_results_come_back_as_configured(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, sandbox, _, base = _sandbox(deployment)
    body = spec(receiver, manual="FALLBACK")
    created = client.create_session(body)

    authenticity = (
        SandboxDocumentAuthenticityCheckBuilder()
        .with_recommendation(_recommendation("REJECT", "COUNTERFEIT"))
        .with_breakdown(
            SandboxBreakdownBuilder()
            .with_sub_check("security_features")
            .with_result("FAIL")
            .with_detail(SandboxDetail("hologram", "missing"))
            .build()
        )
        .build()
    )
    config = (
        ResponseConfigBuilder()
        .with_check_reports(
            SandboxCheckReportsBuilder()
            .with_document_authenticity_check(authenticity)
            .with_liveness_check(SandboxZoomLivenessCheckBuilder().with_recommendation(_recommendation("APPROVE")).build())
            .with_document_face_match_check(
                SandboxDocumentFaceMatchCheckBuilder().with_recommendation(_recommendation("NOT_AVAILABLE")).build()
            )
            .build()
        )
        .with_task_results(
            SandboxTaskResultsBuilder()
            .with_text_extraction_task(
                SandboxDocumentTextDataExtractionTaskBuilder()
                .with_document_fields({"full_name": "John Doe", "nationality": "GBR"})
                .build()
            )
            .build()
        )
        .build()
    )  # fmt: skip
    sandbox.configure_session_response(created.session_id, config)
    started = time.monotonic()
    _complete(base, created.session_id, created.client_session_token)

    # Face match is FALLBACK and the configured result is NOT_AVAILABLE: a live engine's would go
    # to a reviewer; the sandbox's is final, as Yoti's sandbox returns it.
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    elapsed = time.monotonic() - started
    states = {c.type: c.state for c in session.checks}
    assert set(states.values()) == {"DONE"}, states
    with deployment.db().connect() as conn:
        reviews = conn.execute(
            select(checks_t.c.review_state).where(checks_t.c.session_id == created.session_id)
        ).scalars()
        assert set(reviews) == {None}
    authenticity_result = next(c for c in session.checks if c.type == "ID_DOCUMENT_AUTHENTICITY")
    assert authenticity_result.report.recommendation.value == "REJECT"
    assert authenticity_result.report.recommendation.reason == "COUNTERFEIT"
    breakdown = authenticity_result.report.breakdown[0]
    assert (breakdown.sub_check, breakdown.result) == ("security_features", "FAIL")
    assert (breakdown.details[0].name, breakdown.details[0].value) == ("hologram", "missing")
    liveness = next(c for c in session.checks if c.type == "LIVENESS")
    assert liveness.report.recommendation.value == "APPROVE"
    face_match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
    assert face_match.report.recommendation.value == "NOT_AVAILABLE"

    document = session.resources.id_documents[0]
    assert document.tasks[0].state == "DONE"
    fields = client.get_media_content(created.session_id, document.document_fields.media.id)
    assert json.loads(fields.content) == {"full_name": "John Doe", "nationality": "GBR"}
    assert session.biometric_consent_timestamp is not None

    # Deliveries run in parallel on the deployment's workers: their order is not the events'.
    expected = {"check_completion": 3, "task_completion": 1, "client_session_token_deleted": 1}
    receiver.wait_for(
        lambda got: all(
            Counter(r.json["topic"] for r in got)[topic] >= count
            for topic, count in expected.items()
        )
    )
    topics = Counter(receiver.topics())
    assert {topic: topics[topic] for topic in expected} == expected
    print(f"sandbox: submit to configured results in {elapsed:.2f} s")


def test_manual_check_always_completes_without_a_reviewer(
    deployment: Deployment, receiver: Receiver
) -> None:
    """ALWAYS asks a person to look at a live result; a sandbox result is the configured one."""
    deployment.start("run")
    client, sandbox, _, base = _sandbox(deployment)
    created = client.create_session(spec(receiver, manual="ALWAYS"))
    sandbox.configure_session_response(created.session_id, _approve_on_second_attempt())
    _complete(base, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    reports = sorted((c.type, c.report.recommendation.value) for c in session.checks)
    assert reports == [
        ("ID_DOCUMENT_AUTHENTICITY", "APPROVE"), ("ID_DOCUMENT_FACE_MATCH", "APPROVE"),
        ("LIVENESS", "APPROVE"), ("LIVENESS", "REJECT"),
    ]  # fmt: skip
    assert session.resources.id_documents[0].tasks[0].state == "DONE"


def test_without_config_everything_approves_and_completes(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, _, _, base = _sandbox(deployment)
    created = client.create_session(spec(receiver))
    started = time.monotonic()
    _complete(base, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    assert all(c.report.recommendation.value == "APPROVE" for c in session.checks)
    print(f"sandbox: create to COMPLETED in {time.monotonic() - started:.2f} s")
    # Operators' metrics count sandbox sessions apart from live ones.
    metrics = httpx.get(deployment.api.replace("/idverify/v1", "/metrics")).text
    assert 'openidv_sessions{mode="sandbox",state="COMPLETED"} 1' in metrics
    assert 'mode="live"' not in metrics
    assert 'openidv_checks{mode="sandbox",recommendation="APPROVE",review="NONE",' in metrics


def test_app_wide_config_and_liveness_attempts(deployment: Deployment, receiver: Receiver) -> None:
    deployment.start("run")
    client, sandbox, _, base = _sandbox(deployment)
    config = _approve_on_second_attempt()
    sandbox.configure_application_response(config)
    created = client.create_session(spec(receiver))
    _complete(base, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    # The simulated user retries until the configured APPROVE: two attempts, one report each.
    liveness = [c for c in session.checks if c.type == "LIVENESS"]
    assert [c.report.recommendation.value for c in liveness] == ["REJECT", "APPROVE"]
    captures = session.resources.liveness_capture
    assert [c.resources_used for c in liveness] == [[c.id] for c in captures]
    assert all(len(c.frames) == 1 for c in captures)
    # The face match compares the attempt that passed.
    face_match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
    assert captures[1].id in face_match.resources_used
    assert captures[0].id not in face_match.resources_used


def test_second_liveness_attempt_approves_in_the_journey(
    deployment: Deployment, receiver: Receiver
) -> None:
    """The page's own path: attempt, frames, verdict while the user waits, retry, submit."""
    deployment.start("run")
    client, sandbox, _, base = _sandbox(deployment)
    config = _approve_on_second_attempt()
    created = client.create_session(spec(receiver))
    sandbox.configure_session_response(created.session_id, config)
    url = f"{base}/client/sessions/{created.session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": created.client_session_token}) as http:
        required = http.get(f"{url}/configuration").json()["capture"]["required_resources"]
        requirement = next(r["id"] for r in required if r["type"] == "LIVENESS")
        verdicts = [liveness_attempt(http, url, requirement, lambda _turn: [PNG]) for _ in range(2)]
        assert [(v["passed"], v["attempts_left"]) for v in verdicts] == [(False, 2), (True, 1)]
        again = http.post(f"{url}/liveness-attempts", json={"requirement_id": requirement})
        assert again.status_code == 409 and again.json()["code"] == "LIVENESS_PASSED"
    capture_journey(
        deployment, created.session_id, created.client_session_token, api=base, liveness=False
    )
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    liveness = [c for c in session.checks if c.type == "LIVENESS"]
    assert [c.report.recommendation.value for c in liveness] == ["REJECT", "APPROVE"]


def test_keys_do_not_cross_between_sandbox_and_live(deployment: Deployment) -> None:
    deployment.start("run")
    _, _, sandbox_id, _ = _sandbox(deployment)
    key = deployment.root / "sandbox.pem"
    live_with_sandbox_key = DocScanClient(sandbox_id, str(key), api_url=deployment.api)
    with pytest.raises(DocScanException) as err:
        live_with_sandbox_key.create_session(
            {"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}]}
        )
    assert err.value.status_code == 401

    live, live_id = deployment.client()
    sandbox_base = deployment.api.replace("/idverify/v1", "/sandbox/idverify/v1")
    live_key = next(deployment.root.glob("app-*.pem"))
    sandbox_with_live_key = DocScanClient(live_id, str(live_key), api_url=sandbox_base)
    with pytest.raises(DocScanException) as err:
        sandbox_with_live_key.create_session(
            {"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}]}
        )
    assert err.value.status_code == 401

    # A live session cannot be completed by the sandbox shortcut.
    created = live.create_session(
        {"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}]}
    )
    refused = httpx.post(
        f"{deployment.api}/client/sessions/{created.session_id}/sandbox-complete",
        headers={"X-Yoti-Auth-Token": created.client_session_token},
    )
    assert refused.status_code == 403


def test_invalid_config_is_refused_with_its_property(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.start("run")
    client, sandbox, _, _ = _sandbox(deployment)
    created = client.create_session(spec(receiver))
    bad = {
        "check_reports": {
            "LIVENESS": [{"result": {"report": {"recommendation": {"value": "MAYBE"}}}}]
        }
    }
    with pytest.raises(DocScanSandboxException) as err:
        sandbox.configure_session_response(created.session_id, bad)
    assert err.value.status_code == 400
    body = json.loads(err.value.text)
    assert (
        body["errors"][0]["property"]
        == "check_reports.LIVENESS[0].result.report.recommendation.value"
    )


def test_documented_template_format_runs_to_completion(
    deployment: Deployment, receiver: Receiver
) -> None:
    """Yoti's documented example config (templates, a per-entry delay), as a dict through the
    official sandbox client: every check approves and the extraction reads the specimen."""
    deployment.start("run")
    client, sandbox, _, base = _sandbox(deployment)
    created = client.create_session(spec(receiver))
    config = copy.deepcopy(DOCUMENTED)
    # 1 s rather than the documented 5: these deployments lease an item for 4 s only.
    config["check_reports"]["LIVENESS"][0]["response_delay"] = 1
    sandbox.configure_session_response(created.session_id, config)
    _complete(base, created.session_id, created.client_session_token)
    session = wait_state(client, created.session_id, "COMPLETED", timeout=30)
    reports = {c.type: c.report for c in session.checks}
    assert {t: r.recommendation.value for t, r in reports.items()} == {
        "ID_DOCUMENT_AUTHENTICITY": "APPROVE",
        "LIVENESS": "APPROVE",
        "ID_DOCUMENT_FACE_MATCH": "APPROVE",
    }
    assert all(b.result == "PASS" for r in reports.values() for b in r.breakdown)
    document = session.resources.id_documents[0]
    fields = client.get_media_content(created.session_id, document.document_fields.media.id)
    assert json.loads(fields.content) == SPECIMEN_FIELDS
