"""Model files shipped inside other packages' wheels, read only if their bytes are the pinned ones.

The caller loads its model from the returned bytes, not from the path again, so the file that
was checked is the file that runs (no window to swap it in between).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_pinned(
    path: Path,
    expected_sha256: str,
    *,
    missing: type[Exception],
    altered: type[Exception],
    what: str,
    pin: str,
) -> bytes:
    """The bytes of ``path`` if they hash to ``expected_sha256``; ``missing`` when there is no
    such file, ``altered`` when its hash differs (``what`` and ``pin`` name it for the message)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise missing(f"{what} file missing: {path}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise altered(
            f"Refusing {what.lower()} {path}: SHA-256 is {actual}, expected {expected_sha256}. "
            f"The file was modified or comes from another release (pinned: {pin})."
        )
    return data
