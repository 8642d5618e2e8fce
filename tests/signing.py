"""A small signed HTTP client for tests that need to bend the protocol (the official SDK always
signs correctly, so it cannot send a replay, a stale timestamp or a tampered body)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from openidv.api.signing import sign


class SignedClient:
    def __init__(self, base_url: str, sdk_id: str, key: rsa.RSAPrivateKey) -> None:
        self.base_url = base_url.rstrip("/")
        self.sdk_id = sdk_id
        self.key = key
        self.http = httpx.Client(timeout=30)

    def __enter__(self) -> SignedClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def query(self, nonce: str | None = None, timestamp: int | None = None) -> str:
        return urlencode(
            {
                "sdkId": self.sdk_id,
                "nonce": nonce or str(uuid.uuid4()),
                "timestamp": str(timestamp if timestamp is not None else int(time.time() * 1000)),
            }
        )

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        query: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        digest: str | None = None,
        sign_body: bytes | None = None,
        sign_path: str | None = None,
        sdk_header: str | None = None,
    ) -> httpx.Response:
        """Send ``method path?query`` signed as Yoti's SDKs sign; the keyword arguments let a
        test sign something other than what is sent."""
        query = self.query() if query is None else query
        target = f"{path}?{query}" if query else path
        if digest is None:
            signed_body = sign_body if sign_body is not None else body
            digest = sign(key or self.key, method, sign_path or target, signed_body)
        headers = {"X-Yoti-Auth-Digest": digest, "Content-Type": "application/json"}
        if not digest:
            del headers["X-Yoti-Auth-Digest"]
        if sdk_header:
            headers["X-Yoti-SDK"] = sdk_header
        return self.http.request(method, self.base_url + target, content=body, headers=headers)

    def create(self, payload: dict[str, Any] | bytes, **kwargs: Any) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.send("POST", "/sessions", body, **kwargs)
