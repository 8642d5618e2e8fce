"""The background half of the product, assembled from settings (as app.py assembles the web).

* :class:`Runtime` holds what task handlers need, built lazily in each process: Huey's process
  workers are forked, and a database engine or HTTP client must not cross a fork.
* :func:`build_jobs` registers the task entry points (ids only) on the queue.
* :func:`reconcile` is the safety net run by the one scheduler: it expires and purges sessions,
  re-enqueues work whose hand-off or worker was lost, and completes sessions whose last item
  finished in a transaction that could not complete them.
* :class:`Scheduler` runs :func:`reconcile` every few seconds in whichever process holds the
  ``scheduler`` lease in the database, so starting two schedulers is harmless.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import signal
import socket
import sys
import threading
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, and_, exists, insert, or_, select, update

from openidv.checks.engines import EngineRegistry
from openidv.checks.processing import (
    ProcessingContext,
    ProcessingPolicy,
    complete_if_final,
    run_item,
)
from openidv.jobs.models import Lease
from openidv.jobs.queue import Jobs, make_huey
from openidv.notifications.delivery import DeliveryContext, DeliveryPolicy, deliver
from openidv.notifications.models import Delivery
from openidv.notifications.ssrf import parse_networks
from openidv.retention.erasure import erase_destroyed_keys
from openidv.retention.service import expire_sessions, purge_expired, remove_deleted_blobs
from openidv.sessions import states
from openidv.sessions.evidence import Submitted
from openidv.sessions.models import Check, Session, Task
from openidv.sessions.rules import SpecPolicy
from openidv.sessions.service import SessionContext
from openidv.settings import Settings
from openidv.store.blobs import make_blob_store
from openidv.store.crypto import KeyRing, load_or_create_master_key
from openidv.store.db import checkpoint_after_deletion, table_of, utcnow
from openidv.store.db import make_engine as make_db_engine

log = logging.getLogger(__name__)

checks_t = table_of(Check)
tasks_t = table_of(Task)
sessions_t = table_of(Session)
deliveries_t = table_of(Delivery)
leases_t = table_of(Lease)


def _die_with_parent() -> None:
    """Forked workers exit when their parent dies, even by SIGKILL (Linux): orphaned workers
    would otherwise keep polling the queue, and pile up across restarts."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not glibc/musl: nothing to do
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def session_context(settings: Settings) -> SessionContext:
    settings.prepare_data_dir()
    return SessionContext(
        keyring=KeyRing(
            load_or_create_master_key(settings.master_key, settings.data_dir / "master.key")
        ),
        blobs=make_blob_store(settings.storage_url, settings.media_dir, settings.s3_endpoint_url),
        policy=SpecPolicy(
            default_token_ttl=settings.default_client_session_token_ttl,
            default_resources_ttl=settings.default_resources_ttl,
            allow_http_notifications=settings.allow_http_notification_endpoints,
            liveness_manual_review=settings.liveness_manual_review,
        ),
    )


@dataclass
class _ProcessState:
    pid: int
    engine: Engine
    processing: ProcessingContext
    delivery: DeliveryContext


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs = build_jobs(settings, self)
        self._state: _ProcessState | None = None
        self._lock = threading.Lock()
        # A forked worker must not inherit this lock held by another thread, nor the parent's
        # engine and HTTP client: start afresh in the child.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._state = None
        _die_with_parent()

    def _current(self) -> _ProcessState:
        with self._lock:
            if self._state is None or self._state.pid != os.getpid():
                self._state = self._build()
            return self._state

    def _build(self) -> _ProcessState:
        s = self.settings
        engine = make_db_engine(s.resolved_database_url)
        sessions = session_context(s)
        return _ProcessState(
            pid=os.getpid(),
            engine=engine,
            processing=ProcessingContext(
                engine=engine,
                sessions=sessions,
                engines=EngineRegistry.from_spec(
                    s.engines,
                    {"LIVENESS": {"passive_model_path": s.passive_liveness_model}},
                ),
                policy=ProcessingPolicy(
                    lease_seconds=s.processing_lease_seconds,
                    max_attempts=s.processing_max_attempts,
                ),
            ),
            delivery=DeliveryContext(
                engine=engine,
                keyring=sessions.keyring,
                policy=DeliveryPolicy(
                    backoff_base_seconds=s.webhook_backoff_base_seconds,
                    backoff_max_seconds=s.webhook_backoff_max_seconds,
                    give_up_after_seconds=s.webhook_give_up_after_seconds,
                    timeout_seconds=s.webhook_timeout_seconds,
                    allowed_networks=tuple(parse_networks(s.webhook_allowed_networks)),
                ),
            ),
        )

    @property
    def engine(self) -> Engine:
        return self._current().engine

    @property
    def processing(self) -> ProcessingContext:
        return self._current().processing

    @property
    def delivery(self) -> DeliveryContext:
        return self._current().delivery


def build_jobs(settings: Settings, runtime: Runtime) -> Jobs:
    jobs = Jobs(make_huey(settings.queue_url, settings.data_dir, settings.queue_name))

    def run_check(check_id: str) -> None:
        for delivery_id in run_item(runtime.processing, "check", check_id).deliveries:
            jobs.enqueue("deliver", delivery_id)

    def run_task(task_id: str) -> None:
        for delivery_id in run_item(runtime.processing, "task", task_id).deliveries:
            jobs.enqueue("deliver", delivery_id)

    def deliver_notification(delivery_id: str) -> None:
        retry_in = deliver(runtime.delivery, delivery_id)
        if retry_in is not None:
            jobs.enqueue("deliver", delivery_id, delay=retry_in)

    jobs.register("run_check", run_check)
    jobs.register("run_task", run_task)
    # A liveness attempt is judged while the user waits on the page: ahead of other checks.
    jobs.register("judge_attempt", run_check, priority=5)
    # Notifications jump the queue: a webhook should not wait behind other sessions' checks.
    jobs.register("deliver", deliver_notification, priority=10)
    return jobs


def hand_over(jobs: Jobs, submitted: Submitted, deliveries: list[str] | None = None) -> None:
    """After a submission commits: queue its checks, tasks and notifications."""
    for task_id in submitted.tasks:
        jobs.enqueue("run_task", task_id)
    for check_id in submitted.checks:
        jobs.enqueue("run_check", check_id)
    for delivery_id in deliveries or []:
        jobs.enqueue("deliver", delivery_id)


def reconcile(runtime: Runtime) -> dict[str, int]:
    s = runtime.settings
    now = utcnow()
    overdue = now - dt.timedelta(seconds=s.reconcile_grace_seconds)
    counts: dict[str, int] = {}
    with runtime.engine.begin() as conn:
        counts["expired"] = len(expire_sessions(conn, now))
        counts["purged"] = len(purge_expired(conn, now))
    counts["blobs_removed"] = remove_deleted_blobs(
        runtime.engine, runtime.processing.sessions.blobs, now
    )
    if counts["purged"] or counts["blobs_removed"]:
        # Purged keys' old page versions out of SQLite's WAL (a DELETE's blobs come here too).
        checkpoint_after_deletion(runtime.engine)
    # Then out of PostgreSQL's pages too (batched: it locks session_keys for a moment).
    counts["keys_erased"] = erase_destroyed_keys(runtime.engine, s.key_erasure_interval_seconds)

    with runtime.engine.connect() as conn:
        live = and_(
            sessions_t.c.submitted_at.is_not(None),
            sessions_t.c.state == states.ONGOING,
            sessions_t.c.purged_at.is_(None),
        )
        # Liveness attempts released before the session is submitted are runnable too.
        open_session = and_(sessions_t.c.state == states.ONGOING, sessions_t.c.purged_at.is_(None))
        stuck: dict[str, list[str]] = {}
        for kind, table in (("run_check", checks_t), ("run_task", tasks_t)):
            stuck[kind] = list(
                conn.execute(
                    select(table.c.id)
                    .join(sessions_t, sessions_t.c.id == table.c.session_id)
                    .where(
                        or_(live, and_(open_session, table.c.state == states.PENDING)),
                        table.c.state.in_((states.CREATED, states.PENDING)),
                        table.c.review_state.is_(None),
                        or_(
                            and_(table.c.lease_until.is_(None), table.c.last_updated < overdue),
                            table.c.lease_until < now,
                        ),
                    )
                    .limit(500)
                ).scalars()
            )
        due_deliveries = list(
            conn.execute(
                select(deliveries_t.c.id)
                .where(
                    deliveries_t.c.state == "PENDING",
                    deliveries_t.c.next_attempt_at < overdue,
                    or_(deliveries_t.c.lease_until.is_(None), deliveries_t.c.lease_until < now),
                )
                .limit(500)
            ).scalars()
        )
        unfinished = [
            select(t.c.id).where(t.c.session_id == sessions_t.c.id, t.c.state.not_in(states.FINAL))
            for t in (checks_t, tasks_t)
        ]
        completable = list(
            conn.execute(
                select(sessions_t.c.id)
                .where(live, ~exists(unfinished[0]), ~exists(unfinished[1]))
                .limit(500)
            ).scalars()
        )

    for kind, ids in stuck.items():
        for item_id in ids:
            runtime.jobs.enqueue(kind, item_id)
    for delivery_id in due_deliveries:
        runtime.jobs.enqueue("deliver", delivery_id)
    for session_id in completable:
        with runtime.engine.begin() as conn:
            deliveries = complete_if_final(conn, session_id, utcnow())
        for delivery_id in deliveries:
            runtime.jobs.enqueue("deliver", delivery_id)
    counts["requeued"] = sum(len(ids) for ids in stuck.values()) + len(due_deliveries)
    counts["completed"] = len(completable)
    return counts


class Scheduler(threading.Thread):
    """Runs :func:`reconcile` every ``scheduler_interval_seconds`` while holding the lease."""

    LEASE = "scheduler"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(name="openidv-scheduler", daemon=True)
        self.runtime = runtime
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def _hold_lease(self) -> bool:
        now = utcnow()
        ttl = dt.timedelta(seconds=self.runtime.settings.scheduler_interval_seconds * 3)
        with self.runtime.engine.begin() as conn:
            taken = conn.execute(
                update(leases_t)
                .where(
                    leases_t.c.name == self.LEASE,
                    or_(leases_t.c.holder == self.holder, leases_t.c.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + ttl)
            ).rowcount
            if taken:
                return True
            if conn.execute(select(leases_t.c.name).where(leases_t.c.name == self.LEASE)).first():
                return False
            conn.execute(
                insert(leases_t),
                {"name": self.LEASE, "holder": self.holder, "expires_at": now + ttl},
            )
            return True

    def run(self) -> None:
        interval = self.runtime.settings.scheduler_interval_seconds
        while not self._stop_event.is_set():
            try:
                if self._hold_lease():
                    counts = reconcile(self.runtime)
                    if any(counts.values()):
                        log.info("reconciled: %s", counts)
            except Exception:
                log.exception("reconcile failed; retrying next tick")
            self._stop_event.wait(interval)
