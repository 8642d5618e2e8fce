"""The state machine of a session and of its checks and tasks, in one place.

Session (``sessions.state``)::

    ONGOING ──(evidence submitted; every check and task final)──────────> COMPLETED
       │
       └──(client token TTL or session_deadline passed, not submitted)──> EXPIRED

    ``submitted_at`` marks the end user's "submit": the client session token is deleted then,
    and processing starts. A submitted session never expires; it completes.

Check and task (``checks.state``, ``tasks.state``)::

    CREATED ──(submitted; a worker claims it)──> PENDING ──(machine result final)───> DONE
                                                   │  └──(reviewer decides)──────────> DONE
                                                   └──(attempts exhausted)──────────> INTERNAL_ERROR

    While PENDING, ``lease_until`` says until when a worker owns the item: past it, the
    reconciler hands the item to another worker, and ``attempts`` (also the fencing token: a
    worker may only record its result for the attempt it claimed) counts the tries.
    ``review_state`` QUEUED means the machine's result waits for a human (manual_check ALWAYS,
    or FALLBACK with an undecided machine); the machine's result is kept in ``machine_result``.

Each transition stamps ``last_updated``; ``created`` never changes.
"""

from __future__ import annotations

# Session states
ONGOING = "ONGOING"
COMPLETED = "COMPLETED"
EXPIRED = "EXPIRED"

# Check and task states
CREATED = "CREATED"
PENDING = "PENDING"
DONE = "DONE"
INTERNAL_ERROR = "INTERNAL_ERROR"
FINAL = frozenset({DONE, INTERNAL_ERROR})

# Review routing
REVIEW_QUEUED = "QUEUED"
REVIEW_DONE = "DONE"

# The check a text-extraction task generates when a person enters its document's data (as
# at Yoti): an ID document's is ID_DOCUMENT_TEXT_DATA_CHECK, a supplementary document's (proof
# of address) SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK.
_TEXT_DATA_CHECKS = {
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION": "ID_DOCUMENT_TEXT_DATA_CHECK",
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION": "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK",
}


def text_data_check_type(task_type: str) -> str:
    return _TEXT_DATA_CHECKS.get(task_type, "ID_DOCUMENT_TEXT_DATA_CHECK")
