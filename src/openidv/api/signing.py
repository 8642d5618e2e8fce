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
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


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
