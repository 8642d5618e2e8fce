"""Envelope encryption for everything personal a session stores.

Each session gets its own AES-256-GCM data key. The data key is stored only wrapped (encrypted)
by the master key-encryption key, so deleting the wrapped key makes every blob of that session
unreadable at once (crypto-shredding), wherever copies of the blobs may linger. Every ciphertext is
bound by AAD to what it belongs to, so a blob cannot be swapped for another session's or media's.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """Ciphertext tampered with, bound to something else, or under an unknown key."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if not sealed.startswith(_FORMAT_V1):
        raise DecryptionError("unknown ciphertext format")
    nonce = sealed[1 : 1 + _NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + _NONCE_BYTES :], aad)
    except Exception as exc:  # cryptography raises InvalidTag; never leak which part failed
        raise DecryptionError("ciphertext does not authenticate") from exc


class KeyRing:
    """Holds the master key-encryption key and wraps per-session data keys with it."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._kek = master_key

    def new_data_key(self, owner_id: str) -> tuple[bytes, bytes]:
        """A fresh data key and its wrapped form, bound to ``owner_id``."""
        data_key = AESGCM.generate_key(bit_length=256)
        return data_key, seal(self._kek, data_key, b"dek:" + owner_id.encode())

    def unwrap(self, wrapped: bytes, owner_id: str) -> bytes:
        return unseal(self._kek, wrapped, b"dek:" + owner_id.encode())

    def seal_secret(self, secret: bytes, purpose: str) -> bytes:
        """Seal a small server-side secret (e.g. a webhook signing key) under the master key."""
        return seal(self._kek, secret, b"secret:" + purpose.encode())

    def unseal_secret(self, sealed: bytes, purpose: str) -> bytes:
        return unseal(self._kek, sealed, b"secret:" + purpose.encode())


def load_or_create_master_key(configured: str | None, key_file: Path) -> bytes:
    """The configured base64 key, else the one in ``key_file``, created (0600) on first use."""
    if configured:
        key = base64.b64decode(configured, validate=True)
    elif key_file.exists():
        key = base64.b64decode(key_file.read_bytes().strip(), validate=True)
    else:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_master_key(None, key_file)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(key) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
    if len(key) != 32:
        raise ValueError("the master key must be base64 of exactly 32 bytes")
    return key
