"""One log line per session event, for the operator watching ``openidv run``.

Lines carry identifiers and the names of types and states only: never a name, a date of
birth, a document number, a user_tracking_id (integrators put e-mail addresses there), a token
or a URL. ``event`` refuses any value that does not look like an identifier, so a caller
cannot slip a free-text field in by mistake; ``tests/jobs/test_startup.py`` runs a whole session
with personal data in it and reads the log for any of it.
"""

from __future__ import annotations

import logging
import re
import sys
import time

log = logging.getLogger("openidv.events")

# UUIDs, Yoti's upper-case type and state names, small integers: nothing with spaces, "@",
# "/" or lower-case words in it.
_IDENTIFIER = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z0-9_]{1,40}"
)


def event(name: str, session_id: str, **ids: str | int | None) -> None:
    """``session <name> session=<id> key=value…`` at INFO on the ``openidv.events`` logger."""
    if not log.isEnabledFor(logging.INFO):
        return
    parts = [f"session {name}", f"session={_safe(session_id)}"]
    parts += [f"{key}={_safe(value)}" for key, value in ids.items() if value is not None]
    log.info(" ".join(parts))


def _safe(value: str | int) -> str:
    text = str(value)
    return text if _IDENTIFIER.fullmatch(text) else "?"


class _UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime(datefmt or "%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))


def log_events_to_stderr() -> None:
    """What the server commands call: event lines on standard error, with a UTC time.
    Worker processes forked afterwards inherit the handler."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _UtcFormatter("%(asctime)s.%(msecs)03dZ openidv %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
