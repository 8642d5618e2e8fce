"""Running a unit of database work from the event loop, committed durably before it answers.

* PostgreSQL: one transaction per unit, on the thread pool (network round trips must not block
  the event loop, and PostgreSQL handles concurrent writers itself).
* SQLite: group commit, in one writer thread. SQLite has a single writer and a commit costs
  more than most of a request, so the units that arrive while the writer is busy share its
  next write transaction, each inside its own savepoint, and each returns only after the
  shared commit: as durable as one commit per unit, at a fraction of the cost. The units, the
  blob writes inside them (an fsync each) and the commit all run off the event loop: on it,
  storing one converted 7000x7000 HEIC held every other request for a quarter of a second.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Connection, Engine

from openidv.store.db import Savepoint

T = TypeVar("T")


class Units:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._group = GroupCommit(engine) if engine.dialect.name == "sqlite" else None

    async def run(self, unit: Callable[[Connection], T]) -> T:
        if self._group is not None:
            return await self._group.run(unit)
        return await to_thread.run_sync(self._own_transaction, unit)

    def _own_transaction(self, unit: Callable[[Connection], T]) -> T:
        with self._engine.begin() as conn:
            return unit(conn)


_Pending = tuple[Callable[[Connection], Any], "concurrent.futures.Future[Any]"]


class GroupCommit:
    """SQLite's one write transaction at a time, shared by the units queued meanwhile.

    One daemon thread (started on first use) takes every unit queued since its last commit,
    runs each in its own savepoint (an unexpected error undoes only its own writes), commits
    once and answers them all. Units already had to be safe off the event loop: on
    PostgreSQL they run on the thread pool.

    Every write the web process makes to SQLite must go through here: a second connection of
    the same process would wait for the write lock this transaction holds.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[_Pending] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    async def run(self, unit: Callable[[Connection], T]) -> T:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._ready:
            self._pending.append((unit, future))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write, name="openidv-sqlite-writer", daemon=True
                )
                self._thread.start()
            self._ready.notify()
        # Shielded: a client that goes away stops waiting, but a queued unit still runs (as
        # it did when units ran on the loop), so nothing is half done.
        return await asyncio.shield(asyncio.wrap_future(future))

    def _write(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                batch, self._pending = self._pending, []
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        # Every future is answered once the transaction has ended (committed or not): a
        # request that failed returns only when SQLite's write lock is free again.
        outcomes: list[tuple[concurrent.futures.Future[Any], bool, Any]] = []
        failure: BaseException | None = None
        try:
            conn = self._engine.connect()
        except Exception as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        try:
            conn.begin()
            for unit, future in batch:
                if not future.set_running_or_notify_cancel():
                    continue
                savepoint = Savepoint(conn, "unit")
                try:
                    result = unit(conn)
                except BaseException as exc:  # the unit's own failure is its request's
                    savepoint.rollback()
                    outcomes.append((future, False, exc))
                    continue
                savepoint.release()
                outcomes.append((future, True, result))
            conn.commit()
        except Exception as exc:  # disk full, I/O error: every request of the batch fails
            failure = exc
        finally:
            conn.close()  # rolls back whatever a failed commit left open
        for future, ok, value in outcomes:
            if failure is not None and ok:
                future.set_exception(failure)
            elif ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        for _, future in batch:
            if not future.done():  # never reached: the connection failed before it
                future.set_exception(failure or RuntimeError("the unit did not run"))
