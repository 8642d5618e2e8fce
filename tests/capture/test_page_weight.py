"""The capture page stays small: its initial JavaScript is at most 100 KB gzipped (README)."""

from __future__ import annotations

import gzip
from importlib import resources

LIMIT = 100 * 1024


def test_initial_javascript_is_at_most_100_kb_gzipped() -> None:
    static = resources.files("openidv.capture").joinpath("static")
    scripts = sorted(
        (entry.name, entry.read_bytes()) for entry in static.iterdir() if entry.name.endswith(".js")
    )
    # Every module the page can load counts, whichever it imports first.
    assert {"api.js", "app.js", "camera.js", "i18n.js", "liveness.js"} <= {
        name for name, _ in scripts
    }
    gzipped = len(gzip.compress(b"".join(body for _, body in scripts), compresslevel=9))
    assert gzipped <= LIMIT, f"{gzipped} bytes gzipped"
