"""What the erasure's rewrite of session_secrets (retention/erasure.py) costs on PostgreSQL.

In a scratch database, a table shaped as session_secrets (its columns and primary key; one
table, or 64 hash partitions as migration 0007 makes it) is filled with the rows of N live
sessions (a wrapped key, a sealed client token and a sealed webhook credential each: 3 rows,
48-72 bytes of value), then ``VACUUM FULL`` rewrites what one purge makes dirty (the table, or
one partition) while a writer inserts one row at a time, as session creates do. Prints the
rewrite's duration and the writer's slowest insert during it, against its slowest insert in
the same length of time just before (the baseline, measured in the same run: timings on a
shared machine are noisy).

    PYTHONPATH=src .venv/bin/python benchmarks/secret_erasure.py [--sessions 10000 100000]

Needs OPENIDV_TEST_POSTGRES_URL (or the tests' default, a local superuser).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

import psycopg

ADMIN = os.environ.get("OPENIDV_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ADMIN = ADMIN.replace("postgresql+psycopg://", "postgresql://")

SHAPE = """
CREATE TABLE session_secrets (
    session_id varchar(36) NOT NULL, name varchar(80) NOT NULL, value bytea NOT NULL,
    CONSTRAINT pk_session_secrets PRIMARY KEY (session_id, name)) {partitioned}
"""
PARTITIONS = 64
FILL = """
INSERT INTO session_secrets
SELECT s.id, n.name, substring(decode(md5(s.id || n.name) || md5(n.name || s.id)
       || md5(s.id), 'hex') FOR n.size)
FROM (SELECT gen_random_uuid()::text AS id FROM generate_series(1, %s)) s,
     (VALUES ('data_key', 61), ('client_token', 72), ('webhook_auth_token', 48)) n(name, size)
"""


def _writer(dsn: str, stop: threading.Event, latencies: list[tuple[float, float]]) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            session_id = str(uuid.uuid4())
            started = time.perf_counter()
            conn.execute(
                "INSERT INTO session_secrets VALUES (%s, 'data_key', %s)",
                (session_id, os.urandom(61)),
            )
            latencies.append((started, time.perf_counter() - started))
            time.sleep(0.002)


def _slowest(latencies: list[tuple[float, float]], start: float, end: float) -> float:
    inside = [took for at, took in latencies if start <= at <= end]
    return max(inside, default=0.0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    name = f"openidv_erasure_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for sessions, partitions in [(n, p) for n in args.sessions for p in (1, PARTITIONS)]:
                conn.execute("DROP TABLE IF EXISTS session_secrets")
                hashed = "PARTITION BY HASH (session_id)" if partitions > 1 else ""
                conn.execute(SHAPE.format(partitioned=hashed))
                for remainder in range(partitions if partitions > 1 else 0):
                    conn.execute(
                        f"CREATE TABLE session_secrets_p{remainder} PARTITION OF session_secrets"
                        f" FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
                    )
                conn.execute(FILL, (sessions,))
                target = "session_secrets" if partitions == 1 else "session_secrets_p0"
                size = conn.execute(
                    f"SELECT pg_total_relation_size('{target}') / 1048576.0"
                ).fetchone()
                for _ in range(args.repeat):
                    latencies: list[tuple[float, float]] = []
                    stop = threading.Event()
                    writer = threading.Thread(target=_writer, args=(dsn, stop, latencies))
                    writer.start()
                    time.sleep(0.5)
                    started = time.perf_counter()
                    conn.execute(f"VACUUM FULL {target}")
                    ended = time.perf_counter()
                    time.sleep(0.2)
                    stop.set()
                    writer.join()
                    took = ended - started
                    before = _slowest(latencies, started - max(took, 0.4), started)
                    during = _slowest(latencies, started, ended)
                    print(
                        f"{sessions} sessions, {partitions} partition(s), rewriting {target} "
                        f"({size[0] if size else 0:.1f} MB): "
                        f"{took * 1000:.0f} ms; slowest insert {during:.0f} ms during it, "
                        f"{before:.0f} ms before"
                    )
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
