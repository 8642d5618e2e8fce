"""Blob stores: where (already encrypted) media bytes live. Local disk by default, any
S3-compatible object store at scale (``OPENIDV_STORAGE_URL=s3://bucket/prefix``)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class BlobNotFound(Exception):
    pass


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing blob is not an error (deletion is retried)."""
        ...


class LocalDiskBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key) or ".." in key:
            raise ValueError(f"unsafe blob key {key!r}")
        return self._root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a crash leaves either the old state or the whole blob, never half.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3BlobStore:
    """Blobs as objects in one bucket, under a key prefix. Credentials and region come from
    the standard AWS chain (environment, config files, instance role)."""

    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        import boto3  # noqa: PLC0415 (only S3 deployments pay for importing boto3)
        from botocore.config import Config  # noqa: PLC0415

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError("the storage URL must look like s3://bucket/prefix")
        self._bucket = parts.netloc
        self._prefix = parts.path.strip("/")
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )
        self._missing: type[Exception] = self._client.exceptions.NoSuchKey

    def _key(self, key: str) -> str:
        if not _SAFE_KEY.match(key) or ".." in key:
            raise ValueError(f"unsafe blob key {key!r}")
        return f"{self._prefix}/{key}" if self._prefix else key

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self._bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=self._key(key))
        except self._missing as exc:
            raise BlobNotFound(key) from exc
        body: bytes = response["Body"].read()
        return body

    def delete(self, key: str) -> None:
        # S3's DELETE succeeds for a missing key, which is what a retried purge needs.
        self._client.delete_object(Bucket=self._bucket, Key=self._key(key))


def make_blob_store(
    storage_url: str | None, media_dir: Path, endpoint_url: str | None
) -> BlobStore:
    if storage_url:
        return S3BlobStore(storage_url, endpoint_url)
    return LocalDiskBlobStore(media_dir)
