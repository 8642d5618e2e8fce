"""Check and task engines: what turns evidence into a machine result.

An engine is any object with ``run(evidence) -> MachineResult``. Engines are chosen per check or
task type by name, so an operator can add or replace one without forking:
``OPENIDV_ENGINES="LIVENESS=mypkg.liveness:Engine,ID_DOCUMENT_AUTHENTICITY=..."`` names a
``module:attribute`` (a class, instantiated once per process, or a factory) and overrides the
built-in engines (``BUILT_IN``). A type with no engine at all gets :class:`NoEngine`, which
says plainly that no machine result exists, so the item goes to human review (FALLBACK,
ALWAYS) or ends NOT_AVAILABLE (NEVER).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class MediaItem:
    media_id: str
    content_type: str
    load: Callable[[], bytes]  # decrypts on demand: engines read only what they use


@dataclass(frozen=True)
class EvidenceResource:
    id: str
    type: str  # ID_DOCUMENT | SUPPLEMENTARY_DOCUMENT | LIVENESS | FACE_CAPTURE (image: pages[0])
    document_type: str | None
    issuing_country: str | None
    liveness_type: str | None
    pages: list[MediaItem] = field(default_factory=list)  # document sides, in order
    frames: list[MediaItem] = field(default_factory=list)  # liveness frames, in order
    # A liveness attempt's server challenge: {"nonce", "issued_at"; ZOOM: "moves", "turn"}.
    challenge: Mapping[str, Any] | None = None
    # A liveness attempt's capture facts: {"camera": what the browser said about the camera,
    # "arrivals": when the server received each frame (ISO times)}.
    capture: Mapping[str, Any] | None = None
    # The integrator's required-document filter accepts this document past its expiry date
    # (``allow_expired_documents``; Yoti's default is no): an expired document is then no
    # reason to reject it.
    allow_expired_documents: bool = False
    # The fields the session already holds for this document (its text-extraction task's
    # document_fields, or a reviewer's entry), as JSON: a check comparing documents reads
    # them instead of reading the pages again. None until there are some.
    document_fields: MediaItem | None = None


@dataclass(frozen=True)
class Evidence:
    """Everything one check or task may look at, without database access."""

    session_id: str
    item_type: str
    config: Mapping[str, Any]
    resources: list[EvidenceResource]
    attempt: int = 0  # how many checks of this type the session had before this one
    sandbox_config: Mapping[str, Any] | None = None  # set only for sandbox sessions


@dataclass(frozen=True)
class GeneratedMedia:
    media_type: str  # JSON | IMAGE | ...
    content_type: str
    content: bytes
    role: str  # e.g. "document_fields", "document_id_photo"


@dataclass(frozen=True)
class MachineResult:
    """A check's ``report`` or a task's ``recommendation``, in Yoti's shapes, and whether the
    machine could decide at all (FALLBACK routes undecided results to a human)."""

    decided: bool
    report: dict[str, Any] | None = None  # checks
    recommendation: dict[str, Any] | None = None  # tasks
    media: list[GeneratedMedia] = field(default_factory=list)


class Engine(Protocol):
    def run(self, evidence: Evidence) -> MachineResult: ...


class NoEngine:
    """The honest default: no automated engine is installed for this type."""

    def run(self, evidence: Evidence) -> MachineResult:
        if evidence.item_type.endswith("TEXT_DATA_EXTRACTION"):
            return MachineResult(
                decided=False,
                recommendation={
                    "value": "MUST_TRY_AGAIN",
                    "reason": {"value": "QUALITY", "detail": "no automated extraction available"},
                },
            )
        return MachineResult(
            decided=False,
            report={"recommendation": {"value": "NOT_AVAILABLE"}, "breakdown": []},
        )


# The engines that ship with openidv, used unless OPENIDV_ENGINES names another for the type.
BUILT_IN = {
    "ID_DOCUMENT_FACE_MATCH": "openidv.checks.face_match:FaceMatchEngine",
    "FACE_COMPARISON": "openidv.checks.face_match:FaceComparisonEngine",
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION": "openidv.checks.text_extraction:TextExtractionEngine",
    "ID_DOCUMENT_AUTHENTICITY": "openidv.checks.authenticity:AuthenticityEngine",
    "ID_DOCUMENT_COMPARISON": "openidv.checks.document_comparison:DocumentComparisonEngine",
    "LIVENESS": "openidv.checks.liveness:LivenessEngine",
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION": (
        "openidv.checks.proof_of_address:ProofOfAddressEngine"
    ),
}


def _load(target: str, options: Mapping[str, Any] | None = None) -> Engine:
    module_name, _, attribute = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    engine: Engine = factory(**(options or {}))
    return engine


class EngineRegistry:
    def __init__(self, engines: Mapping[str, Engine] | None = None) -> None:
        self._engines = dict(engines or {})
        self._default = NoEngine()

    def for_type(self, item_type: str) -> Engine:
        return self._engines.get(item_type, self._default)

    @classmethod
    def from_spec(
        cls, spec: str | None, built_in_options: Mapping[str, Mapping[str, Any]] | None = None
    ) -> EngineRegistry:
        """The built-in engines, overridden by ``TYPE=module:attribute,...`` (OPENIDV_ENGINES).
        ``built_in_options`` are keyword arguments for built-in engines (from settings)."""
        targets = dict(BUILT_IN)
        for entry in filter(None, (part.strip() for part in (spec or "").split(","))):
            item_type, _, target = entry.partition("=")
            if not (item_type and ":" in target):
                raise ValueError(f"engine entry {entry!r} is not TYPE=module:attribute")
            targets[item_type.strip()] = target.strip()
        options = built_in_options or {}
        return cls(
            {
                item_type: _load(
                    target, options.get(item_type) if target == BUILT_IN.get(item_type) else None
                )
                for item_type, target in targets.items()
            }
        )
