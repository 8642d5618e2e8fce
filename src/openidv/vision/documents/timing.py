"""Stage timings of a read (``DocumentReading.timings_ms``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["elapsed_ms", "timed"]

T = TypeVar("T")


def elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def timed(timings: dict[str, float], stage: str, fn: Callable[[], T]) -> T:
    """``fn()``, its time recorded under ``stage``."""
    start = time.perf_counter()
    value = fn()
    timings[stage] = elapsed_ms(start)
    return value
