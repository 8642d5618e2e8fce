"""The first document uploads after ``openidv run`` on a fresh data directory: how long the
capture page's first photo waits, with the photo check (``?quality=check``) and without it.

    python benchmarks/first_upload.py [accept check check]

Each argument is one upload of a generated passport page, in order, to the demo's session,
as soon as the server first answers (while the workers still load their models). Compare
trees by running it with ``PYTHONPATH=/other/src``, alternating: the machine is shared.
"""

from __future__ import annotations

import html
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from fresh_server import fresh_server
from openidv.vision.synth import generate_document


def main(modes: list[str]) -> None:
    passport = generate_document(1, fmt="TD3").image
    with tempfile.TemporaryDirectory() as folder, fresh_server(Path(folder)) as server:
        t0, origin = server.t0, server.origin
        print(f"first answer after start: {server.first_answer:.1f} s")
        with httpx.Client(base_url=origin, timeout=120) as browser:
            started = browser.post("/demo/start")
            found = re.search(r'<iframe src="([^"]+)"', started.text)
            assert found, started.text
            query = parse_qs(urlsplit(html.unescape(found.group(1))).query)
            api = f"/idverify/v1/client/sessions/{query['sessionID'][0]}"
            headers = {"X-Yoti-Auth-Token": query["sessionToken"][0]}
            config = browser.get(f"{api}/configuration", headers=headers).json()
            required = config["capture"]["required_resources"]
            document = next(r for r in required if r["type"] == "ID_DOCUMENT")
            body = {"requirement_id": document["id"], "document_type": "PASSPORT",
                    "issuing_country": "USA"}  # fmt: skip
            for mode in modes:
                made = browser.post(f"{api}/resources", headers=headers, json=body).json()
                t = time.perf_counter()
                sent = browser.put(
                    f"{api}/resources/{made['id']}/media?quality={mode}",
                    headers={**headers, "Content-Type": "image/png"},
                    content=passport,
                )
                print(
                    f"upload quality={mode}: {sent.status_code} in "
                    f"{time.perf_counter() - t:.2f} s ({time.perf_counter() - t0:.1f} s "
                    "after start)"
                )


if __name__ == "__main__":
    main(sys.argv[1:] or ["accept", "check", "check"])
