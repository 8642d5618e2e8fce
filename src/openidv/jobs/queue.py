"""The job queue: Huey, embedded on SQLite or shared through Redis, by configuration only.

Tasks are registered by name and take ids only: the database is the truth of every session,
so a task carries nothing that could go stale, and running it twice is harmless (each handler
is idempotent). Callers enqueue after their transaction commits; whatever a crash between
commit and enqueue loses, the reconciler finds again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import Huey, PriorityRedisHuey, SqliteHuey

log = logging.getLogger(__name__)


def make_huey(queue_url: str | None, data_dir: Path, name: str = "openidv") -> Huey:
    if queue_url:
        if not queue_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("OPENIDV_QUEUE_URL must be a redis:// URL")
        return PriorityRedisHuey(name=name, url=queue_url)
    return SqliteHuey(name=name, filename=str(data_dir / "queue.sqlite3"))


class Jobs:
    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self._tasks: dict[str, Any] = {}

    def register(self, name: str, handler: Callable[..., None], priority: int = 0) -> None:
        self._tasks[name] = self.huey.task(name=name, priority=priority)(handler)

    def enqueue(self, name: str, *ids: str, delay: float | None = None) -> None:
        """Queue a task. A queue that is down must not fail work that already committed: the
        error is logged and the reconciler finds the work in the database later."""
        task = self._tasks[name]
        try:
            if delay:
                task.schedule(args=ids, delay=delay)
            else:
                task(*ids)
        except Exception:
            log.exception("could not enqueue %s%s; the reconciler will pick it up", name, ids)

    @property
    def names(self) -> list[str]:
        return sorted(self._tasks)
