"""The README's and the docs' picture of the article page: docs/img/article-page.png.

    python scripts/screenshot.py [--out docs/img/article-page.png] [--width 1280] [--height 900]

What it does, all of it real:

1. stores the sample article (examples/harbour-deal-2023.txt) with every analyser of the default
   pipeline into a fresh SQLite file in a temporary folder (``slant ingest``);
2. starts ``slant serve --db`` on that file, on a free loopback port, with the default pipeline;
3. opens the stored article's page in Debian's Chromium (/usr/bin/chromium, driven by Playwright;
   never a downloaded browser), waits until the page says its text, highlights and handlers are in
   place, and saves a PNG of the viewport.

Needs the test extras (playwright, httpx) and ``apt-get install chromium``. Run it again after a
change to the page or the models, and look at the picture before committing it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "harbour-deal-2023.txt"
OUT = ROOT / "docs" / "img" / "article-page.png"
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slant(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run the ``slant`` command of this checkout (``python -m slant.cli``)."""
    return subprocess.run([sys.executable, "-m", "slant.cli", *args], cwd=ROOT, check=True, **kwargs)


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"slant serve exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"slant serve did not answer at {url} within {timeout:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium (slant never downloads a browser)")
    import httpx
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="slant-screenshot-") as tmp:
        db = Path(tmp) / "corpus.db"
        # The sample as a feed record, so the page also shows an outlet; its text is the file's.
        feed = Path(tmp) / "sample.jsonl"
        feed.write_text(json.dumps({"text": SAMPLE.read_text("utf-8"), "source": "Selka Observer"}) + "\n", "utf-8")
        slant("ingest", str(feed), "--db", str(db), "--no-progress")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k != "SLANT_TOKEN"}
        proc = subprocess.Popen([sys.executable, "-m", "slant.cli", "serve", "--db", str(db), "--port", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_up(url, proc)
            hit = httpx.get(url + "/api/articles", params={"q": "Varnia"}, timeout=30).json()["items"][0]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.goto(f"{url}/articles/{hit['id']}")
                page.wait_for_selector("body[data-ready] #article-text mark.hl", timeout=60_000)
                page.wait_for_selector("#graph[data-drawn]", timeout=60_000)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} kB, {args.width}x{args.height}")


if __name__ == "__main__":
    main()
