"""Running a unit of database work from the event loop, committed durably before it answers.

* PostgreSQL: one transaction per unit, on the thread pool (network round trips must not block
  the event loop, and PostgreSQL handles concurrent writers itself).
* SQLite: group commit on the event loop. SQLite has a single writer and a commit costs more
  than most of a request, so the units the loop runs in one burst share one write transaction,
  each inside its own savepoint, and each returns only after the shared commit: as durable as
  one commit per unit, at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

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


class GroupCommit:
    """One SQLite write transaction shared by the requests of one event-loop burst.

    Runs on the event loop thread only, so it needs no lock. Each unit of work runs in its own
    savepoint (an unexpected error undoes only its own writes); the commit is scheduled with
    ``call_soon``, after every callback already ready in this loop iteration, which is what
    gathers the concurrent requests into one transaction.

    Every write the web process makes to SQLite must go through here: a second connection of
    the same process would wait for the write lock this transaction holds.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._waiters: list[asyncio.Future[None]] = []

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self._engine.connect()
            conn.begin()
            self._conn = conn
            # Scheduled as the transaction opens, not when a unit succeeds: a burst whose
            # every unit failed must still end its transaction and free SQLite's write lock.
            asyncio.get_running_loop().call_soon(self._commit)
        return self._conn

    async def run(self, unit: Callable[[Connection], T]) -> T:
        conn = self._connection()
        savepoint = Savepoint(conn, "unit")
        try:
            result = unit(conn)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.release()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter
        return result

    def _commit(self) -> None:
        conn, waiters = self._conn, self._waiters
        self._conn, self._waiters = None, []
        assert conn is not None
        try:
            conn.commit()
        except Exception as exc:  # disk full, I/O error: every request of the batch fails
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
        else:
            for waiter in waiters:
                if not waiter.done():  # a client that went away cancelled its waiter
                    waiter.set_result(None)
        finally:
            conn.close()  # rolls back whatever a failed commit left open
