"""The worker processes that decode uploads (capture/decode_pool.py): they outlive the request
thread that happened to start them, and a worker that dies is replaced, so one crash or kill
does not refuse the uploads after it."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from openidv.capture.decode_pool import DECODER_ADDRESS_SPACE, DECODER_NICENESS, DecodePool
from openidv.capture.images import sniff
from tests.security.conftest import PNG


@pytest.fixture
def pool() -> Iterator[DecodePool]:
    made = DecodePool(2)
    yield made
    made.shutdown()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split(") ")[-1][0] != "Z"


def test_workers_outlive_the_thread_that_started_them(pool: DecodePool) -> None:
    """anyio retires idle request threads; workers tied to their starting thread's life
    (PR_SET_PDEATHSIG) were killed with it, and the next upload failed."""
    results = []
    starter = threading.Thread(target=lambda: results.append(pool.run(sniff, PNG)))
    starter.start()
    starter.join()
    assert results[0].content_type == "image/png"
    pids = pool.pids()
    assert pids
    time.sleep(1.5)
    assert all(_alive(pid) for pid in pids)
    assert pool.run(sniff, PNG).content_type == "image/png"
    assert pool.pids() == pids  # the same workers, not a replacement pool


def test_a_killed_worker_is_replaced(pool: DecodePool) -> None:
    assert pool.run(sniff, PNG).width == 1
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    assert pool.run(sniff, PNG).width == 1


def test_workers_run_below_the_web_process_s_priority(pool: DecodePool) -> None:
    """Hostile images decoding on every core must not take the CPU from the event loop."""
    assert pool.run(sniff, PNG).width == 1
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, ours + DECODER_NICENESS)
    assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in pool.pids()] == [expected] * len(
        pool.pids()
    )


def _allocate(size: int) -> int:
    return len(bytearray(size))


def test_a_decoder_cannot_take_more_memory_than_its_cap(pool: DecodePool) -> None:
    """A decoder that a hostile file makes allocate without bound gets a MemoryError (or
    dies, and is replaced), and the web process and the machine keep their memory; what the
    largest accepted image needs still fits (the HEIC bomb, test_cost_before_auth.py)."""
    with pytest.raises(MemoryError):
        pool.run(_allocate, DECODER_ADDRESS_SPACE)
    assert pool.run(_allocate, 400 * 1024 * 1024) == 400 * 1024 * 1024
    assert pool.run(sniff, PNG).width == 1
