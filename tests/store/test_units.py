"""Group commit on SQLite: failures undo only their own unit and never keep the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from openidv.store.db import make_engine
from openidv.store.units import Units
from tests.asyncutil import run_async


def _lock_is_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_failed_units_release_the_lock_and_keep_the_others(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    units = Units(engine)

    def good(n: int):  # type: ignore[no-untyped-def]
        def unit(conn: Connection) -> int:
            conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": n})
            return n

        return unit

    def bad(conn: Connection) -> int:
        conn.execute(text("INSERT INTO t VALUES (-1)"))
        raise RuntimeError("refused")

    async def burst() -> list[object]:
        gathered = await asyncio.gather(
            units.run(good(1)), units.run(bad), units.run(good(2)), return_exceptions=True
        )
        return list(gathered)

    results = run_async(burst())
    assert results[0] == 1 and results[2] == 2 and isinstance(results[1], RuntimeError)
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT v FROM t")).scalars()) == [1, 2]

    async def only_failure() -> None:
        with pytest.raises(RuntimeError):
            await units.run(bad)
        await asyncio.sleep(0)  # the scheduled commit runs

    run_async(only_failure())
    assert _lock_is_free(path)
    engine.dispose()
