"""`Background`: the reader's side computations hand back their value or their error."""

from __future__ import annotations

import threading

import pytest

from openidv.vision.documents.background import Background


def test_returns_the_value_computed_on_another_thread() -> None:
    caller = threading.get_ident()
    job = Background(threading.get_ident)
    assert job.result() != caller


def test_raises_the_error_of_the_computation() -> None:
    def fail() -> int:
        raise ValueError("bad page")

    job = Background(fail)
    with pytest.raises(ValueError, match="bad page"):
        job.result()
