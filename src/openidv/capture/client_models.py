"""The capture client API's bodies, in and out (the API is ours: Yoti does not publish it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openidv.sessions.results import Out


class NewResource(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requirement_id: str = Field(max_length=64)
    document_type: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    issuing_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Created(Out):
    id: str


class NewAttempt(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requirement_id: str = Field(max_length=64)


class Challenge(Out):
    nonce: str
    turn: str | None = None  # ZOOM: the first move (pages that know only one turn)
    moves: list[str] | None = None  # ZOOM: the moves to make, in order


class CameraFacts(BaseModel):
    """What the browser says about the camera (MediaStreamTrack label and settings); claims of
    the client, bounded, judged by the engine (checks.liveness)."""

    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=128)
    width: float | None = Field(default=None, ge=0, le=20000)
    height: float | None = Field(default=None, ge=0, le=20000)
    frame_rate: float | None = Field(default=None, ge=0, le=1000)
    facing_mode: str = Field(default="", max_length=16)
    resize_mode: str = Field(default="", max_length=16)
    video_width: float | None = Field(default=None, ge=0, le=20000)
    video_height: float | None = Field(default=None, ge=0, le=20000)
    muted: bool = False


class AttemptOut(Out):
    id: str
    attempt: int
    max_attempts: int
    liveness_type: str
    challenge: Challenge | None


class AttemptStatusOut(Out):
    id: str
    attempt: int
    state: str
    passed: bool | None
    hint: str | None
    attempts_left: int


class JourneyResource(Out):
    id: str
    requirement_id: str
    type: str
    document_type: str | None
    issuing_country: str | None
    pages: int


class JourneyLiveness(Out):
    """A liveness requirement: how many attempts it allows and how the latest one stands
    (None: none started), so the page resumes without opening an attempt to find out."""

    requirement_id: str
    max_attempts: int
    last: AttemptStatusOut | None


class Journey(Out):
    """Where the user is: the resources started and their pages, the liveness attempts, and
    whether they agreed to the biometric processing. A reload, Back or another tab resumes
    from here."""

    resources: list[JourneyResource]
    liveness: list[JourneyLiveness] = []
    consented: bool
    requester: str  # the integrator's app name: who asks for the verification
    # The deployment's policy, for sessions whose sdk_config names none.
    privacy_policy_url: str | None = None


class Progress(Out):
    submitted: bool
    resources: int
    liveness_attempts: int
