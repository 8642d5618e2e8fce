"""Engines warmed at start-up (jobs/warm.py): what is loaded, in which order, and that
``openidv run`` warms its worker processes only after the server answers."""

from __future__ import annotations

import gc
import logging
import re
import time

import cv2
import httpx
import numpy as np
import pytest

from openidv.checks.engines import (
    EngineRegistry,
    Evidence,
    EvidenceResource,
    MachineResult,
    MediaItem,
)
from openidv.checks.readers import document_reader
from openidv.jobs.warm import FIRST_TYPES, THEN_TYPES, warm_engines
from openidv.vision.documents.ocr import OcrEngine
from tests.jobs.conftest import Deployment

READY = re.compile(r"engines ready in worker pid=(\d+): (.*) \(")


class _Warmable:
    def __init__(self, calls: list[str], fails: bool = False) -> None:
        self.calls, self.fails = calls, fails

    def warm(self) -> None:
        self.calls.append(type(self).__name__)
        if self.fails:
            raise RuntimeError("model file missing")

    def run(self, evidence: Evidence) -> MachineResult:
        raise AssertionError("warming must not run a check")


class Liveness(_Warmable):
    pass


class Broken(_Warmable):
    pass


class Rare(_Warmable):
    pass


class Unwarmable:
    def run(self, evidence: Evidence) -> MachineResult:
        raise AssertionError("warming must not run a check")


def test_configured_engines_warm_through_their_own_warm_method(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    registry = EngineRegistry(
        {
            "LIVENESS": Liveness(calls),
            "ID_DOCUMENT_FACE_MATCH": Unwarmable(),
            "ID_DOCUMENT_AUTHENTICITY": Broken(calls, fails=True),
            "ID_DOCUMENT_TEXT_DATA_EXTRACTION": Unwarmable(),
            "FACE_COMPARISON": Liveness(calls),  # the same class: warmed once
            "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION": Rare(calls),  # rare: warmed last
        }
    )
    with caplog.at_level(logging.ERROR, logger="openidv.events"):
        done = warm_engines(registry, FIRST_TYPES)
        assert list(done) == ["Liveness"]
        warm_engines(registry, THEN_TYPES, done)
    # Liveness first and once; the broken one tried, logged, and not reported as ready; the
    # rarer types after the common journey's.
    assert calls == ["Liveness", "Broken", "Rare"]
    assert list(done) == ["Liveness", "Rare"]
    assert "warming Broken failed" in caplog.text


def test_the_rarer_built_in_types_find_their_models_loaded() -> None:
    """Warming every type loads the common journey's models and nothing more: the rarer
    types use the same face engine and document reader, and the proof-of-address reading the
    reader's own OCR engine (it loaded a second copy of those models in its first session)."""
    registry = EngineRegistry.from_spec(None)
    common = warm_engines(registry, FIRST_TYPES + THEN_TYPES[:3])
    done = warm_engines(registry, THEN_TYPES, dict(common))
    assert list(done) == list(common) == ["faces", "liveness", "documents"]
    blank = cv2.imencode(".png", np.full((300, 400, 3), 255, np.uint8))[1].tobytes()
    page = MediaItem("p", "image/png", lambda: blank)
    resource = EvidenceResource("d", "SUPPLEMENTARY_DOCUMENT", "UTILITY_BILL", "GBR", None, [page])
    item = "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION"
    result = registry.for_type(item).run(Evidence("s", item, {}, [resource]))
    assert not result.decided  # it did read (nothing to read on a blank page)
    loaded = [o for o in gc.get_objects() if isinstance(o, OcrEngine)]
    assert loaded == [document_reader().ocr]


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_run_warms_each_worker_after_the_server_answers(deployment: Deployment) -> None:
    """The built-in engines of the common journey, loaded in both workers in the background:
    the banner (printed once the server listens) comes first, then one line per worker."""
    deployment.start("run", extra_env={"OPENIDV_ENGINES": "", "OPENIDV_WORKER_PROCESSES": "2"})
    log_path = deployment.root / "run-0.log"
    assert httpx.get(f"http://127.0.0.1:{deployment.port}/").status_code == 200
    deadline = time.monotonic() + 120
    ready: list[tuple[str, str]] = []
    while len(ready) < 2:
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.2)
        ready = READY.findall(log_path.read_text())
    log = log_path.read_text()
    assert log.index("is ready (data in") < log.index("engines ready")
    assert len({pid for pid, _ in ready}) == 2  # each worker process its own
    assert all(loaded == "faces, liveness, documents" for _, loaded in ready), ready
