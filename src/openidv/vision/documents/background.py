"""One computation run on a thread of its own while the caller goes on (`Background`).

The reader's OCR keeps both cores busy only part of the time: while its Python runs (crops,
decoding, caption matching) one core waits. The measures that do not depend on the OCR
(capture and quality signals, the portrait once the page is upright) run meanwhile. A thread
per call rather than a pool: the engines fork worker processes, and a pool's threads do not
survive a fork while the pool thinks they do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Background"]

T = TypeVar("T")


class Background(Generic[T]):
    """``fn()`` started on a daemon thread; `result` waits for it and returns its value or
    raises its exception."""

    def __init__(self, fn: Callable[[], T], name: str = "openidv-document") -> None:
        self._fn = fn
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as error:  # handed to the caller by `result`
            self._error = error

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set when no error was raised
