"""Engines warmed in the background at start-up, so the first session does not pay for them.

The built-in engines load their models on first use, once per worker process (forked workers
must build their own). Left lazy, the first session of a fresh ``openidv run`` waited for the
face detector and recogniser, the face mesh and the OCR models (several hundred MB) in every
worker before its first check could run. Each worker now loads them as it starts, through
Huey's start-up hook, but only once the web server answers (``release``): warming competes
for the same cores as the server's own start, and the first answer must stay fast.

The checks of the journey every session makes are warmed first (liveness, then document
authenticity, text extraction, face match); then the rarer ones (face comparison, document
comparison, supplementary documents). These load nothing of their own: they use the same face
engine and document reader (the proof-of-address reading uses the reader's OCR engine,
checks/readers.py), so warming them costs no memory. An engine named in OPENIDV_ENGINES is
warmed only if it has a ``warm()`` method of its own (for a rarer type: after the common ones).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from openidv.checks.authenticity import AuthenticityEngine
from openidv.checks.document_comparison import DocumentComparisonEngine
from openidv.checks.engines import Engine, EngineRegistry
from openidv.checks.face_match import FaceMatchEngine, second_model
from openidv.checks.liveness import LivenessEngine
from openidv.checks.proof_of_address import ProofOfAddressEngine
from openidv.checks.readers import document_reader, face_engine
from openidv.checks.text_extraction import TextExtractionEngine
from openidv.vision.faces.second import FUSION_WEIGHT

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from openidv.runtime import Runtime

# The operator's log (sessions/events.py): the line saying the engines are ready goes with
# the session events, on the terminal that runs the server.
log = logging.getLogger("openidv.events")

# Warmed before the worker takes its first task: the liveness verdict is awaited while the
# user is still on the page, and its models take a second or two.
FIRST_TYPES = ("LIVENESS",)
# Then, in a thread of the worker while it already works: the OCR models take several
# seconds, and are needed only once the session is submitted.
THEN_TYPES = (
    "ID_DOCUMENT_FACE_MATCH",
    "ID_DOCUMENT_AUTHENTICITY",
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
    # The rarer ones, last: with the built-in engines they find their models loaded already.
    "FACE_COMPARISON",
    "ID_DOCUMENT_COMPARISON",
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION",
)
# Longest a worker waits for the web server before warming anyway (a server that never
# answers has failed, and the workers die with it; this only bounds the wait).
RELEASE_TIMEOUT_SECONDS = 120.0


def _faces() -> None:
    face_engine()
    if FUSION_WEIGHT > 0:  # the second model is consulted only when it has a weight
        second_model()


def _documents() -> None:
    document_reader()


def _steps(engine: Engine) -> list[tuple[str, Callable[[], None]]]:
    """What warming this engine loads, named for the log line."""
    own: Callable[[], None] | None = getattr(engine, "warm", None)
    if callable(own):
        return [(type(engine).__name__, own)]
    if isinstance(engine, LivenessEngine):

        def liveness() -> None:
            # The engine's own lazy loaders, under its lock: the face mesh (and the shared
            # face engine), and the passive model when one is configured.
            engine._analyser()
            engine._model()

        return [("faces", _faces), ("liveness", liveness)]
    if isinstance(engine, FaceMatchEngine):  # and FACE_COMPARISON's subclass
        return [("faces", _faces)]
    if isinstance(engine, DocumentComparisonEngine):  # both documents' fields and portraits
        return [("faces", _faces), ("documents", _documents)]
    if isinstance(engine, AuthenticityEngine | TextExtractionEngine | ProofOfAddressEngine):
        return [("documents", _documents)]
    return []


def warm_engines(
    registry: EngineRegistry, item_types: tuple[str, ...], done: dict[str, None] | None = None
) -> dict[str, None]:
    """Load the models these types' engines load on first use; returns what is loaded, in
    order (``done``: what already was). A model that fails to load is logged and left to fail
    (and be reported) where it always did: in the check that needs it."""
    done = {} if done is None else done
    for item_type in item_types:
        for name, step in _steps(registry.for_type(item_type)):
            if name in done:
                continue
            try:
                step()
            except Exception:
                log.exception("warming %s failed; it loads on first use instead", name)
                continue
            done[name] = None
    return done


class Warmer:
    """Warms each worker process's engines once ``release()`` is called (by ``openidv run``,
    when the server answers; at once by ``openidv worker``, which serves nothing).

    The event is a multiprocessing one, made before the workers fork, so that the parent's
    ``release()`` reaches them. Thread workers share one process and warm it once."""

    def __init__(self, runtime: Runtime, *, released: bool = False) -> None:
        self.runtime = runtime
        self._go: Event = multiprocessing.get_context("fork").Event()
        if released:
            self._go.set()
        self._lock = threading.Lock()
        self._warmed_pid: int | None = None

    def install(self) -> None:
        """Register the warming as a start-up hook of every worker (before they start)."""
        self.runtime.jobs.huey.on_startup("openidv-warm")(self.warm)

    def release(self) -> None:
        self._go.set()

    def warm(self) -> None:
        """The start-up hook: the first types now, the rest in a thread (returns at once)."""
        self._go.wait(RELEASE_TIMEOUT_SECONDS)
        with self._lock:
            if self._warmed_pid == os.getpid():
                return
            self._warmed_pid = os.getpid()
        started = time.perf_counter()
        registry = self.runtime.processing.engines
        done = warm_engines(registry, FIRST_TYPES)

        def then() -> None:
            warm_engines(registry, THEN_TYPES, done)
            if done:
                log.info(
                    "engines ready in worker pid=%d: %s (%.1f s)",
                    os.getpid(), ", ".join(done), time.perf_counter() - started,
                )  # fmt: skip

        threading.Thread(target=then, name="openidv-warm", daemon=True).start()
