"""ONNX Runtime sessions as every engine here runs them: on the CPU, ``threads`` intra-op
threads, one inter-op thread, and no spinning.

ONNX Runtime's pool threads busy-wait between operators by default: with two workers (or
the web process) on two cores that burns the CPU the other stages need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["cpu_session"]


def cpu_session(model: Path | bytes, threads: int, *, log_severity: int) -> Any:
    """A session of ``model`` (a file or its bytes); ``log_severity`` is ONNX Runtime's
    (3: errors, 4: fatal only)."""
    import onnxruntime as ort  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy

    options = ort.SessionOptions()
    options.log_severity_level = log_severity
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
