"""Image decoding in worker processes, never in the web process.

A thread is not enough: Pillow's JPEG encoder (and its image copies) hold the GIL. Measured
against ``openidv run``: converting the 30 KB HEIC that claims 7000x7000 in an anyio thread
froze the event loop for 1.3-1.8 s at the JPEG encode (a stack sampler saw no Python bytecode
run in any thread meanwhile). In a process of its own the decode shares only the CPU with the
web process, and a decoder that crashes or is killed for memory (libheif on a hostile file)
takes that one upload down, not the server.

The pool is per web process, made on first use, and spawned (never forked: the web process
of ``openidv run`` has the consumer and scheduler threads). Its processes die with their
parent, even by SIGKILL. Callers bound the concurrency themselves (``CaptureServices.decoding``)
and wait in a thread: the pool has as many processes as that bound.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")


class DecoderCrashed(Exception):
    """The worker process died while decoding (crashed, or killed for its memory)."""


def _die_with_parent() -> None:
    if sys.platform != "linux":
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


class DecodePool:
    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._pid = 0

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self._processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_die_with_parent,
                )
                self._pid = os.getpid()
            return self._pool

    def _discard(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in a worker process (blocking: call it from a thread). Exceptions
        ``fn`` raises come back as they are; a dead worker raises DecoderCrashed, and the
        next call gets a fresh pool."""
        executor = self._executor()
        try:
            return executor.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            self._discard(executor)
            raise DecoderCrashed("the image decoder stopped") from exc

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
