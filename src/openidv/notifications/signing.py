"""The HMAC signature every webhook carries, beyond what Yoti sends.

``X-Openidv-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`` with one
``v1`` per active secret of the application: during a rotation both the new and the previous
secret sign, so a receiver may switch whenever it likes. Receivers should compare in constant
time and refuse timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Openidv-Signature"


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[bytes], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={_mac(s, timestamp, body)}" for s in secrets)])


def verify(header: str, body: bytes, secret: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: True when one ``v1`` matches and the timestamp is fresh."""
    fields = [part.partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in fields if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, _, value in fields if key == "v1")
