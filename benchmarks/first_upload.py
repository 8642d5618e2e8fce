"""The first document uploads after ``openidv run`` on a fresh data directory: how long the
capture page's first photo waits, with the photo check (``?quality=check``) and without it.

    python benchmarks/first_upload.py [accept check check]

Each argument is one upload of a generated passport page, in order, to the demo's session,
as soon as the server first answers (while the workers still load their models). Compare
trees by running it with ``PYTHONPATH=/other/src``, alternating: the machine is shared.
"""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402

from openidv.vision.synth import generate_document  # noqa: E402


def main(modes: list[str]) -> None:
    passport = generate_document(1, fmt="TD3").image
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {**os.environ, "OPENIDV_DATA_DIR": f"{folder}/data"}
        env.pop("OPENIDV_ENGINES", None)
        with (Path(folder) / "run.log").open("wb") as log:
            t0 = time.perf_counter()
            server = subprocess.Popen(
                [sys.executable, "-m", "openidv", "run", "--port", str(port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            origin = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if httpx.get(f"{origin}/", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            print(f"first answer after start: {time.perf_counter() - t0:.1f} s")
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
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1:] or ["accept", "check", "check"])
