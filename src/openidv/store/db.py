"""Database engine factory and the declarative base every area's tables share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, Table, TypeDecorator, create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import Executable

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as such (``__table__`` is typed loosely)."""
    return cast(Table, model.__table__)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# SQLite transactions take the write lock at BEGIN (IMMEDIATE): a deferred transaction that
# reads first and then writes fails at once with "database is locked" when another process
# committed in between (WAL snapshots cannot be upgraded), where an immediate one just waits
# its turn. Read-only work can opt out with this execution option.
SQLITE_READ_ONLY = "openidv_sqlite_read_only"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class FastStatement:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    For the few statements on the signed-request hot path only: SQLAlchemy's per-execution
    bookkeeping measured at about 100 us per statement, a third of a whole session create.
    The statement and the type processing (JSON, UTC datetimes) are still SQLAlchemy's, taken
    from its compiler; what is skipped is the execution context and result wrapping, so rows
    come back as plain tuples, without result-type processing.
    """

    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._plans: dict[str, tuple[str, list[str] | None, dict[str, Any]]] = {}

    def _plan(self, dialect: Dialect) -> tuple[str, list[str] | None, dict[str, Any]]:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self._statement.compile(dialect=dialect, column_keys=self._column_keys)  # type: ignore[attr-defined]
            positional = list(compiled.positiontup) if compiled.positional else None
            plan = (compiled.string, positional, dict(compiled._bind_processors))
            self._plans[dialect.name] = plan
        return plan

    @staticmethod
    def _bind(plan: tuple[str, list[str] | None, dict[str, Any]], row: Mapping[str, Any]) -> Any:
        _, positional, processors = plan
        values = {k: processors[k](v) if k in processors else v for k, v in row.items()}
        return values if positional is None else tuple(values[k] for k in positional)

    def fetchone(self, conn: Connection, row: Mapping[str, Any]) -> tuple[Any, ...] | None:
        plan = self._plan(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan[0], self._bind(plan, row))
            result: tuple[Any, ...] | None = cursor.fetchone()
            return result
        finally:
            cursor.close()

    def run(self, conn: Connection, *rows: Mapping[str, Any]) -> None:
        plan = self._plan(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(rows) == 1:
                cursor.execute(plan[0], self._bind(plan, rows[0]))
            else:
                cursor.executemany(plan[0], [self._bind(plan, row) for row in rows])
        finally:
            cursor.close()


class Savepoint:
    """A savepoint issued straight on the driver connection.

    SQLAlchemy's ``begin_nested`` costs several statements' worth of bookkeeping, which on the
    request path costs more than the savepoint itself; callers pair ``release``/``rollback``.
    """

    def __init__(self, conn: Connection, name: str) -> None:
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._name = name
        self._cursor.execute(f"SAVEPOINT {name}")

    def release(self) -> None:
        self._cursor.execute(f"RELEASE SAVEPOINT {self._name}")
        self._cursor.close()

    def rollback(self) -> None:
        self._cursor.execute(f"ROLLBACK TO SAVEPOINT {self._name}")
        self.release()


def _sqlite_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(SQLITE_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 module (before 3.12) opens transactions on its own and breaks SAVEPOINT;
    # hand transaction control to SQLAlchemy, which emits BEGIN itself (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; NORMAL is durable across process crashes
    # (only an OS crash can lose the last transactions), which is the embedded default's promise.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted and overwritten content is zeroed, not left in free space: a purged session's
    # wrapped data key must not survive in the file (see checkpoint_after_deletion).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# The tables a purge updates or deletes from (retention.service.purge_session): on PostgreSQL
# their old row versions hold what the purge cleared until VACUUM removes them.
# (session_secrets is not among them: retention.erasure rewrites it, which VACUUM cannot.)
PURGED_TABLES = (
    "sessions",
    "review_decisions",
    "notification_deliveries",
    "tasks",
    "checks",
    "resources",
    "media",
    "tracked_devices",
)


def checkpoint_after_deletion(engine: Engine, busy_ms: int = 200) -> bool:
    """Make the old versions of what a purge cleared unreadable from the database's files.

    SQLite: copy the WAL into the database and truncate it, so that the old page versions
    it holds (a purged session's wrapped data key among them) are gone from the WAL too.
    Best effort and short: a TRUNCATE checkpoint holds new writers back while it waits, so it
    waits at most ``busy_ms`` for readers; the scheduler tries again on its next tick after a
    purge.

    PostgreSQL: an UPDATE or DELETE leaves the old row version (the wrapped data key, the
    spec, a tracked device's address) in the table's pages, and its index entries (the
    user_tracking_id's), until VACUUM removes them (tests/security reads the pages with
    pageinspect). ``INDEX_CLEANUP ON``: with few dead rows VACUUM would otherwise skip the
    indexes. VACUUM does not zero the space it frees: a removed version's bytes can stay in
    a page until the page is reused (THREAT_MODEL.md). It cannot remove versions that a
    transaction still running may see; the scheduler runs it again after the purge's blobs
    are removed.

    Returns whether it ran to the end.
    """
    if engine.dialect.name == "postgresql":
        return _vacuum_purged(engine, busy_ms)
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    return not busy


def _vacuum_purged(engine: Engine, busy_ms: int) -> bool:
    # VACUUM cannot run in a transaction; it takes a lock that lets reads and writes go on,
    # and only waits (at most busy_ms) behind another VACUUM or a schema change.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            conn.exec_driver_sql(f"SET lock_timeout = {int(busy_ms)}")
            conn.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {', '.join(PURGED_TABLES)}")
        except OperationalError:
            return False
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
    return True
