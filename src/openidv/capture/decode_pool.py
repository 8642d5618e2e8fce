"""Image decoding in worker processes, never in the web process.

A thread is not enough: Pillow's JPEG encoder (and its image copies) hold the GIL. Measured
against ``openidv run``: converting the 30 KB HEIC that claims 7000x7000 in an anyio thread
froze the event loop for 1.3-1.8 s at the JPEG encode (a stack sampler saw no Python bytecode
run in any thread meanwhile). In a process of its own the decode shares only the CPU with the
web process, and a decoder that crashes or is killed for memory (libheif on a hostile file)
takes that one upload down, not the server.

The pool is per web process, made on first use, and spawned (never forked: the web process
of ``openidv run`` has the consumer and scheduler threads). Its processes exit when their
parent dies, even by SIGKILL. Callers bound the concurrency themselves
(``CaptureServices.decoding``) and wait in a thread: the pool has as many processes as that
bound.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")


class DecoderCrashed(Exception):
    """The worker process died while decoding (crashed, or killed for its memory)."""


# Decoders run below the web process's CPU priority: on 2 cores, two web processes' four
# decoders of hostile images would otherwise take the CPU from the event loops that answer
# every other request (the deployment's stall test saw probes wait 13% of the upload time).
DECODER_NICENESS = 10

# A decoder's address space is capped (RLIMIT_AS), so that a decoder bug that a hostile file
# finds (a size libheif or pdfium misreports) ends in a MemoryError or that decoder's death,
# not in the machine's memory. What the largest accepted image needs, measured
# (benchmarks/decoder_memory.py): the 7000x7000 HEIC bomb, just under the 50 MP cap, peaks at
# 364 MB resident and 555 MB of address space; idle, a decoder holds 23-53 MB. The cap leaves
# room for a 50 MP HEIC with alpha (one more 200 MB copy) on top of that.
DECODER_ADDRESS_SPACE = 1536 * 1024 * 1024


def _start_worker() -> None:
    """Lower the worker's priority, cap its memory, then tie its life to its parent's: it
    exits within a second of the parent's death, even by SIGKILL. (Not PR_SET_PDEATHSIG: that
    fires when the *thread* that spawned the worker ends, and the pool spawns from whichever
    request thread submits first, which anyio retires when idle.)"""
    os.nice(DECODER_NICENESS)
    resource.setrlimit(resource.RLIMIT_AS, (DECODER_ADDRESS_SPACE, DECODER_ADDRESS_SPACE))
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="openidv-parent-watch", daemon=True).start()


def _load_decoders() -> int:
    import openidv.capture.images  # noqa: F401, PLC0415 (the imports are the point)

    # Held long enough that the other workers' tasks cannot land on this one.
    time.sleep(0.2)
    return os.getpid()


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
                    initializer=_start_worker,
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
        ``fn`` raises come back as they are; a worker that dies is replaced by a fresh pool,
        and DecoderCrashed is raised when it dies there too."""
        for attempt in range(2):
            executor = self._executor()
            try:
                return executor.submit(fn, *args).result()
            except BrokenProcessPool as exc:
                # Once more in a fresh pool: a worker may have died of something else (the
                # OOM killer, an operator). A file that kills the decoder kills it twice.
                self._discard(executor)
                if attempt:
                    raise DecoderCrashed("the image decoder stopped") from exc
        raise AssertionError("unreachable")

    def start(self) -> None:
        """Spawn every worker and load its decoders now (blocking: call it from a thread at
        start-up). Made on the first upload instead, the spawn and the imports (Pillow,
        libheif, pdfium) competed for the CPU with that upload's event loop: the stall test's
        first pair of bombs saw probes wait 10-18% of the upload time, the second none."""
        executor = self._executor()
        concurrent.futures.wait([executor.submit(_load_decoders) for _ in range(self._processes)])

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and diagnostics)."""
        with self._lock:
            pool = self._pool
        return [] if pool is None else list(getattr(pool, "_processes", {}) or {})

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
