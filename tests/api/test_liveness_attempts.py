"""Liveness attempts through the client API: each attempt has its own challenge, nonce, resource
and LIVENESS check; attempts are capped by max_retries and every challenge issued counts."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update

from openidv.sessions import liveness, rules
from openidv.sessions.models import Check, Resource
from openidv.sessions.spec import SessionSpec
from openidv.store.db import table_of
from tests.api.payloads import seed
from tests.conftest import Server
from tests.signing import SignedClient

checks_t = table_of(Check)
resources_t = table_of(Resource)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


FRAME = _jpeg()


@dataclass
class Journey:
    server: Server
    session_id: str
    http: httpx.Client
    requirements: dict[str, str]

    @property
    def db(self) -> Any:
        return self.server.app.state.engine

    def start(self) -> httpx.Response:
        return self.http.post(
            "/liveness-attempts", json={"requirement_id": self.requirements["LIVENESS"]}
        )

    def frame(self, attempt: dict[str, Any], nonce: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "image/jpeg"}
        nonce = nonce if nonce is not None else attempt["challenge"]["nonce"]
        if nonce:
            headers["X-Liveness-Nonce"] = nonce
        return self.http.put(f"/resources/{attempt['id']}/media", content=FRAME, headers=headers)

    def status(self, attempt: dict[str, Any]) -> dict[str, Any]:
        response = self.http.get(f"/liveness-attempts/{attempt['id']}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    @staticmethod
    def check_id(conn: Any, attempt: dict[str, Any]) -> str:
        content = conn.execute(
            select(resources_t.c.content).where(resources_t.c.id == attempt["id"])
        ).scalar_one()
        found: str = content["check_id"]
        return found

    def judge(self, attempt: dict[str, Any], verdict: str, suggestion: str | None = None) -> None:
        """What a worker would record (these API tests run no worker)."""
        recommendation = {"value": verdict} | (
            {"recovery_suggestion": suggestion} if suggestion else {}
        )
        with self.db.begin() as conn:
            check_id = self.check_id(conn, attempt)
            conn.execute(
                update(checks_t)
                .where(checks_t.c.id == check_id)
                .values(state="DONE", report={"recommendation": recommendation, "breakdown": []})
            )


@pytest.fixture
def journey(server: Server, api: SignedClient) -> Iterator[Journey]:
    created = api.create(seed()).json()
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    headers = {"X-Yoti-Auth-Token": created["client_session_token"]}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        config = http.get("/configuration").json()
        requirements = {r["type"]: r["id"] for r in config["capture"]["required_resources"]}
        yield Journey(server, created["session_id"], http, requirements)


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["code"]
    return code


def test_an_attempt_carries_a_random_challenge_and_takes_frames_with_its_nonce(
    journey: Journey,
) -> None:
    started = journey.start()
    assert started.status_code == 201, started.text
    attempt = started.json()
    assert attempt["attempt"] == 1 and attempt["max_attempts"] == 3
    assert attempt["liveness_type"] == "ZOOM"
    assert attempt["challenge"]["turn"] in ("LEFT", "RIGHT", "UP", "DOWN")
    assert len(attempt["challenge"]["nonce"]) >= 32
    assert "issued_at" not in attempt["challenge"]

    assert _error(journey.frame(attempt, nonce=""), 400) == "LIVENESS_NONCE"
    assert _error(journey.frame(attempt, nonce="x" * 32), 400) == "LIVENESS_NONCE"
    assert journey.frame(attempt).status_code == 201
    assert journey.status(attempt) | {"id": None} == {
        "id": None,
        "attempt": 1,
        "state": "CAPTURING",
        "passed": None,
        "hint": None,
        "attempts_left": 2,
    }
    # Documents are resources; liveness only comes in attempts.
    refused = journey.http.post(
        "/resources", json={"requirement_id": journey.requirements["LIVENESS"]}
    )
    assert _error(refused, 400) == "LIVENESS_ATTEMPT_NEEDED"


def test_challenges_differ_between_attempts(journey: Journey) -> None:
    first = journey.start().json()
    second = journey.start().json()
    assert first["challenge"]["nonce"] != second["challenge"]["nonce"]
    # The first attempt's nonce does not open the second.
    assert _error(journey.frame(second, nonce=first["challenge"]["nonce"]), 400) == (
        "LIVENESS_NONCE"
    )


def test_evaluation_closes_the_attempt_and_one_check_exists_per_attempt(
    journey: Journey, api: SignedClient
) -> None:
    first = journey.start().json()
    assert journey.frame(first).status_code == 201
    assert journey.http.post(f"/liveness-attempts/{first['id']}/evaluate").status_code == 202
    assert journey.status(first)["state"] == "PENDING"
    assert _error(journey.frame(first), 409) == "LIVENESS_ATTEMPT_CLOSED"
    assert _error(journey.start(), 409) == "LIVENESS_ATTEMPT_PENDING"

    journey.judge(first, "NOT_AVAILABLE", "MOVE_CLOSER")
    assert journey.status(first) | {"id": None} == {
        "id": None,
        "attempt": 1,
        "state": "DONE",
        "passed": False,
        "hint": "MOVE_CLOSER",
        "attempts_left": 2,
    }
    second = journey.start().json()
    assert second["attempt"] == 2
    assert journey.frame(second).status_code == 201
    journey.judge(second, "REJECT", "SOMETHING_AN_ATTACKER_SHOULD_NOT_LEARN")
    assert journey.status(second)["hint"] == "TRY_AGAIN"

    session = api.send("GET", f"/sessions/{journey.session_id}").json()
    liveness_checks = [c for c in session["checks"] if c["type"] == "LIVENESS"]
    captures = session["resources"]["liveness_capture"]
    assert [c["resources_used"] for c in liveness_checks] == [[first["id"]], [second["id"]]]
    assert [c["id"] for c in captures] == [first["id"], second["id"]]
    assert all(len(c["frames"]) == 1 for c in captures)


def test_attempts_are_capped_and_abandoned_ones_count(journey: Journey) -> None:
    first = journey.start().json()  # abandoned without a frame: still an attempt
    second = journey.start().json()
    assert journey.status(first)["state"] == "PENDING"  # released, judged on what it has
    journey.judge(first, "NOT_AVAILABLE", "TOO_FEW_FRAMES")
    third = journey.start().json()
    assert third["attempt"] == 3 and journey.status(second)["state"] == "PENDING"
    journey.judge(second, "REJECT")
    assert journey.frame(third).status_code == 201
    assert journey.http.post(f"/liveness-attempts/{third['id']}/evaluate").status_code == 202
    journey.judge(third, "REJECT")
    assert journey.status(third)["attempts_left"] == 0
    assert _error(journey.start(), 409) == "LIVENESS_ATTEMPTS_EXHAUSTED"


def test_no_attempt_after_a_pass(journey: Journey) -> None:
    attempt = journey.start().json()
    assert journey.frame(attempt).status_code == 201
    journey.judge(attempt, "APPROVE")
    assert journey.status(attempt)["passed"] is True
    assert _error(journey.start(), 409) == "LIVENESS_PASSED"


def test_frames_after_the_capture_window_are_refused(journey: Journey) -> None:
    attempt = journey.start().json()
    with journey.db.begin() as conn:
        content = conn.execute(
            select(resources_t.c.content).where(resources_t.c.id == attempt["id"])
        ).scalar_one()
        late = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)).isoformat()
        content = {**content, "challenge": {**content["challenge"], "issued_at": late}}
        conn.execute(
            update(resources_t).where(resources_t.c.id == attempt["id"]).values(content=content)
        )
    assert _error(journey.frame(attempt), 409) == "LIVENESS_ATTEMPT_CLOSED"


def test_a_zoom_attempt_takes_at_most_24_frames(journey: Journey) -> None:
    attempt = journey.start().json()
    for _ in range(24):
        assert journey.frame(attempt).status_code == 201
    assert _error(journey.frame(attempt), 409) == "TOO_MANY_FRAMES"


def test_after_submit_the_token_reads_progress_only(journey: Journey) -> None:
    progress = journey.http.get("/progress")
    assert progress.json() == {"submitted": False, "resources": 0, "liveness_attempts": 0}
    document = journey.http.post(
        "/resources",
        json={
            "requirement_id": journey.requirements["ID_DOCUMENT"],
            "document_type": "PASSPORT",
            "issuing_country": "USA",
        },
    ).json()
    upload = journey.http.put(
        f"/resources/{document['id']}/media",
        content=FRAME,
        headers={"Content-Type": "image/jpeg"},
    )
    assert upload.status_code == 201
    attempt = journey.start().json()
    assert journey.frame(attempt).status_code == 201
    assert journey.http.post("/consent").status_code == 202
    assert journey.http.post("/submit").status_code == 202

    progress = journey.http.get("/progress")
    assert progress.status_code == 200 and progress.headers["cache-control"] == "no-store"
    assert progress.json() == {"submitted": True, "resources": 1, "liveness_attempts": 1}
    assert _error(journey.http.get("/configuration"), 409) == "SESSION_SUBMITTED"
    assert _error(journey.start(), 409) == "SESSION_SUBMITTED"
    assert _error(journey.http.post("/submit"), 409) == "SESSION_SUBMITTED"
    with journey.db.connect() as conn:  # the attempt never evaluated goes with the rest
        check_id = journey.check_id(conn, attempt)
        state = conn.execute(select(checks_t.c.state).where(checks_t.c.id == check_id))
        assert state.scalar_one() == "CREATED"


def test_handoff_is_a_qr_code_of_the_same_session(journey: Journey) -> None:
    response = journey.http.get("/handoff")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-store"
    link = httpx.URL(response.headers["x-handoff-link"])
    assert link.path.endswith("/idverify/v1/web/index.html")
    assert link.params["sessionID"] == journey.session_id
    assert link.params["handoff"] == "1"
    assert response.text.lstrip().startswith("<svg")
    wrong = journey.http.get("/handoff", headers={"X-Yoti-Auth-Token": "nope"})
    assert _error(wrong, 401) == "BAD_TOKEN"


# -- issue 18: moves, camera facts, frame arrivals, STATIC bursts, liveness review ----------


def test_a_zoom_challenge_is_two_random_moves(journey: Journey) -> None:
    for _ in range(2):  # (a third start waits for the abandoned first attempt's verdict)
        challenge = journey.start().json()["challenge"]
        assert len(challenge["moves"]) == 2
        assert set(challenge["moves"]) <= {"LEFT", "RIGHT", "UP", "DOWN"}
        assert challenge["turn"] == challenge["moves"][0]  # for pages that read one turn


def test_the_draw_covers_all_sixteen_sequences() -> None:
    """The server's draw (secrets.choice per move): all 16 sequences come up, none dominates."""
    import collections  # noqa: PLC0415

    counts = collections.Counter(
        tuple(secrets.choice(liveness.MOVES) for _ in range(liveness.CHALLENGE_LENGTH))
        for _ in range(3200)
    )
    assert len(counts) == 16
    assert max(counts.values()) < 2 * 3200 / 16


def test_the_camera_is_reported_before_the_frames_and_arrivals_are_recorded(
    journey: Journey,
) -> None:
    attempt = journey.start().json()
    camera = f"/liveness-attempts/{attempt['id']}/camera"
    facts = {"label": "FaceTime HD Camera", "width": 1280, "height": 720, "frame_rate": 30,
             "video_width": 1280, "video_height": 720}  # fmt: skip
    assert journey.http.post(camera, json=facts).status_code == 204
    refused = journey.http.post(camera, json={"label": "x" * 129})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["property"] == "label"
    assert journey.frame(attempt).status_code == 201
    assert journey.frame(attempt).status_code == 201
    # After the first frame the camera cannot be re-described.
    assert _error(journey.http.post(camera, json=facts), 409) == "LIVENESS_ATTEMPT_CLOSED"
    with journey.db.begin() as conn:
        content = conn.execute(
            select(resources_t.c.content).where(resources_t.c.id == attempt["id"])
        ).scalar_one()
    assert content["capture"]["camera"]["label"] == "FaceTime HD Camera"
    arrivals = [dt.datetime.fromisoformat(t) for t in content["capture"]["arrivals"]]
    assert len(arrivals) == 2 and arrivals[0] <= arrivals[1]


def test_a_static_attempt_is_a_nonce_bound_burst(server: Server, api: SignedClient) -> None:
    payload = seed()
    for check in payload["requested_checks"]:
        if check["type"] == "LIVENESS":
            check["config"] = {"liveness_type": "STATIC", "max_retries": 1}
    created = api.create(payload).json()
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    headers = {"X-Yoti-Auth-Token": created["client_session_token"]}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        config = http.get("/configuration").json()
        requirement = next(
            r["id"] for r in config["capture"]["required_resources"] if r["type"] == "LIVENESS"
        )
        attempt = http.post("/liveness-attempts", json={"requirement_id": requirement}).json()
        assert attempt["liveness_type"] == "STATIC"
        assert attempt["challenge"].get("moves") is None
        assert len(attempt["challenge"]["nonce"]) >= 32
        path = f"/resources/{attempt['id']}/media"
        kind = {"Content-Type": "image/jpeg"}
        assert _error(http.put(path, content=FRAME, headers=kind), 400) == "LIVENESS_NONCE"
        with_nonce = kind | {"X-Liveness-Nonce": attempt["challenge"]["nonce"]}
        for _ in range(12):
            assert http.put(path, content=FRAME, headers=with_nonce).status_code == 201
        assert _error(http.put(path, content=FRAME, headers=with_nonce), 409) == "TOO_MANY_FRAMES"


@pytest.mark.parametrize("manual", ["FALLBACK", "ALWAYS"])
def test_liveness_review_is_refused_unless_the_operator_enabled_it(
    api: SignedClient, manual: str
) -> None:
    payload = seed()
    index = next(i for i, c in enumerate(payload["requested_checks"]) if c["type"] == "LIVENESS")
    payload["requested_checks"][index]["config"]["manual_check"] = manual
    refused = api.create(payload)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == "PAYLOAD_VALIDATION"
    assert body["errors"][0]["property"] == f"requested_checks[{index}].config.manual_check"
    assert "OPENIDV_LIVENESS_MANUAL_REVIEW" in body["errors"][0]["message"]


def test_liveness_review_is_planned_when_enabled() -> None:
    payload = seed()
    for check in payload["requested_checks"]:
        if check["type"] == "LIVENESS":
            check["config"]["manual_check"] = "FALLBACK"
    spec = SessionSpec.model_validate(payload)
    now = dt.datetime.now(dt.UTC)
    off = rules.SpecPolicy(3600, 86400 * 7, True)
    with pytest.raises(rules.SpecRuleError):
        rules.plan_session(spec, off, now)
    on = rules.SpecPolicy(3600, 86400 * 7, True, liveness_manual_review=True)
    assert rules.plan_session(spec, on, now) is not None


def test_an_attempt_waiting_for_a_reviewer_reads_in_review(journey: Journey) -> None:
    attempt = journey.start().json()
    assert journey.frame(attempt).status_code == 201
    assert journey.http.post(f"/liveness-attempts/{attempt['id']}/evaluate").status_code == 202
    with journey.db.begin() as conn:
        conn.execute(
            update(checks_t)
            .where(checks_t.c.id == journey.check_id(conn, attempt))
            .values(review_state="QUEUED")
        )
    assert journey.status(attempt)["state"] == "IN_REVIEW"
