"""Yoti's request signature (``X-Yoti-Auth-Digest``): pure functions, no web or database.

The signed message is ``METHOD&<path relative to the API base>?<query>`` followed, when there is
a body, by ``&<standard base64 of the body bytes>``; the signature is RSASSA-PKCS1-v1_5 with
SHA-256, sent base64-encoded. The server verifies over the bytes exactly as received: SDKs
differ in query order (Go's is random) and escaping (Python quote_plus, Node
encodeURIComponent), so re-encoding anything would reject valid clients.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils


def message(method: str, path_and_query: bytes, body: bytes | None) -> bytes:
    msg = method.upper().encode("ascii") + b"&" + path_and_query
    if body is not None:
        msg += b"&" + base64.b64encode(body)
    return msg


def sign(
    private_key: rsa.RSAPrivateKey, method: str, path_and_query: str, body: bytes | None
) -> str:
    msg = message(method, path_and_query.encode("utf-8"), body)
    signature = private_key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(
    public_key: rsa.RSAPublicKey, digest_b64: str, method: str, path_and_query: bytes, body: bytes
) -> bool:
    try:
        signature = base64.b64decode(digest_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    # An empty body is signed without the "&base64" part by Java, Node and Go, and with a bare
    # trailing "&" by Python when it is handed b"": both are the same request.
    candidates = [message(method, path_and_query, body if body else None)]
    if not body:
        candidates.append(candidates[0] + b"&")
    for candidate in candidates:
        try:
            public_key.verify(signature, candidate, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return True
    return False


class MessageDigest:
    """SHA-256 of the signed message, computed while the body streams in.

    The base64 of the body is hashed three bytes at a time as chunks arrive, so verifying a
    signature never needs the base64 text (a third larger than the body) or a second copy of
    the body in memory. ``digests()`` gives what ``verify`` would try, in the same order.
    """

    def __init__(self, method: str, path_and_query: bytes) -> None:
        self._hash = hashlib.sha256(message(method, path_and_query, None))
        self._pending = b""  # fewer than 3 bytes not yet encoded
        self._empty = True

    def update(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._empty:
            self._hash.update(b"&")
            self._empty = False
        data = self._pending + chunk
        cut = len(data) - len(data) % 3
        self._hash.update(base64.b64encode(data[:cut]))
        self._pending = data[cut:]

    def digests(self) -> list[bytes]:
        final = self._hash.copy()
        if self._empty:
            # Signed without "&base64", or (Python handed b"") with a bare trailing "&".
            bare = final.copy()
            bare.update(b"&")
            return [final.digest(), bare.digest()]
        final.update(base64.b64encode(self._pending))
        return [final.digest()]


def verify_digests(public_key: rsa.RSAPublicKey, digest_b64: str, digests: list[bytes]) -> bool:
    """``verify`` over messages already hashed (see :class:`MessageDigest`)."""
    try:
        signature = base64.b64decode(digest_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    for digest in digests:
        try:
            public_key.verify(
                signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
            )
        except InvalidSignature:
            continue
        return True
    return False


@lru_cache(maxsize=4096)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Parse (and cache) a registered key: PEM SubjectPublicKeyInfo, or its base64 DER."""
    text = pem.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode("ascii"))
    else:
        key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("only RSA keys are used by Yoti's request signing")
    if key.key_size < 2048:
        raise ValueError("RSA keys shorter than 2048 bits are refused")
    return key


def public_key_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
