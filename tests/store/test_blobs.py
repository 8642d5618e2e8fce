"""Both blob stores behave the same: put, get, missing, idempotent delete, unsafe keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from openidv.store.blobs import BlobNotFound, BlobStore, LocalDiskBlobStore, S3BlobStore
from tests.s3server import S3_ENV


@pytest.fixture(params=["disk", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "disk":
        yield LocalDiskBlobStore(tmp_path / "blobs")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    saved = {k: os.environ.get(k) for k in S3_ENV}
    os.environ.update(S3_ENV)
    try:
        yield S3BlobStore(f"s3://openidv/test-{uuid.uuid4().hex[:8]}", endpoint)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_round_trip_and_delete(store: BlobStore) -> None:
    key = f"{uuid.uuid4()}/{uuid.uuid4()}"
    data = os.urandom(70_000)
    store.put(key, data)
    assert store.get(key) == data
    store.put(key, b"replaced")
    assert store.get(key) == b"replaced"
    store.delete(key)
    with pytest.raises(BlobNotFound):
        store.get(key)
    store.delete(key)  # deleting again is not an error: purges are retried


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "", "a//b"])
def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")
