"""``slant serve`` under load: API latency and throughput, server overhead, article page speed.

    python bench/serve.py [--requests 30] [--concurrent 8] [--analysers segment,techniques,...]

One run, on loopback, against a real ``slant serve`` process:

1. ``POST /api/analyze`` with the sample article (examples/harbour-deal-2023.txt), one client:
   p50/p95 latency, interleaved call by call with the same pipeline run in this process
   (``nlp(article)``, reader included), so both see the same load from whatever else the machine
   runs. Server overhead = (server p50 - pipeline p50) / pipeline p50; target <= 15 %.
2. The same with 8 concurrent clients: p50/p95 latency and throughput (requests per second). The
   server batches requests that arrive while the pipeline is busy.
3. Time to highlights: a 5,000-word article, stored with ``slant.ingest``, opened at
   /articles/{id} in headless Chromium (/usr/bin/chromium); the page notes when its text,
   highlights and handlers are in place (``performance.now()`` since navigation started).
   Median of 5 loads; target <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

SAMPLE = ROOT / "examples" / "harbour-deal-2023.txt"
ANALYSERS = "segment,techniques,entities,actors,quotes,relations"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path | None, analysers: str | None, *options: str) -> tuple[subprocess.Popen, str]:
    """A ``slant serve`` process on a free loopback port, once it answers /api/health; no ``db``: no
    corpus, no ``analysers``: the server's default pipeline. Also used by bench/soak.py."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SLANT_TOKEN"}
    cmd = [sys.executable, "-m", "slant.cli", "serve", "--port", str(port), *options]
    cmd += ["--db", str(db)] if db is not None else []
    cmd += ["--analysers", analysers] if analysers else []
    # stderr to a file, not a pipe: a long run's log lines would fill a pipe nobody reads and stall the server.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("server did not come up")


def long_article(words: int = 5000) -> str:
    """A 5,000-word article: the sample's paragraphs, renumbered so that no two are the same."""
    body = SAMPLE.read_text("utf-8").split("\n\n")[2:]
    paras, n, i = [], 0, 0
    while n < words:
        p = body[i % len(body)].replace("Port Selka", f"Port Selka {i // len(body) + 1}")
        paras.append(p)
        n += len(p.split())
        i += 1
    return "Harbour deal: the long read\n\n" + "\n\n".join(paras)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=30, help="sequential requests (and pipeline calls)")
    ap.add_argument("--concurrent", type=int, default=8)
    ap.add_argument("--per-client", type=int, default=6, help="requests per concurrent client")
    ap.add_argument("--analysers", default=ANALYSERS)
    args = ap.parse_args()

    import slant
    from slant.ingest import ingest
    from slant.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="slant-bench-serve-"))
    db = tmp / "bench.db"
    long_text = long_article()
    (tmp / "long.jsonl").write_text(json.dumps({"title": "Harbour deal: the long read", "text": long_text,
                                                "source": "bench", "date": "2023-03-14"}) + "\n", "utf-8")
    open_store(db).close()
    proc, url = start_server(db, args.analysers)
    try:
        t0 = time.perf_counter()
        ingest([tmp / "long.jsonl"], str(db), analysers=args.analysers.split(","))
        print(f"stored the 5,000-word article ({len(long_text.split())} words) in {time.perf_counter() - t0:.1f} s")

        nlp = slant.load(analysers=args.analysers.split(","))
        text = SAMPLE.read_text("utf-8")
        client = httpx.Client(timeout=120)
        for _ in range(3):  # warm both
            nlp(text)
            client.post(url + "/api/analyze", json={"text": text}).raise_for_status()
        own, served = [], []
        for _ in range(args.requests):
            t = time.perf_counter()
            nlp(text)
            own.append(time.perf_counter() - t)
            t = time.perf_counter()
            r = client.post(url + "/api/analyze", json={"text": text})
            served.append(time.perf_counter() - t)
            r.raise_for_status()
        p50_own, p50_srv = statistics.median(own), statistics.median(served)
        overhead = (p50_srv - p50_own) / p50_own
        print(f"pipeline alone (in process): p50 {p50_own * 1000:.0f} ms  p95 {pct(own, .95) * 1000:.0f} ms")
        print(f"POST /api/analyze, 1 client: p50 {p50_srv * 1000:.0f} ms  p95 {pct(served, .95) * 1000:.0f} ms  "
              f"-> server overhead {overhead * 100:+.1f} % of the pipeline's time (target <= 15 %)")

        lat: list[float] = []
        lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(timeout=300) as c:
                for _ in range(args.per_client):
                    t = time.perf_counter()
                    c.post(url + "/api/analyze", json={"text": text}).raise_for_status()
                    with lock:
                        lat.append(time.perf_counter() - t)

        threads = [threading.Thread(target=worker) for _ in range(args.concurrent)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        print(f"POST /api/analyze, {args.concurrent} clients x {args.per_client}: p50 {statistics.median(lat) * 1000:.0f} ms  "
              f"p95 {pct(lat, .95) * 1000:.0f} ms  throughput {len(lat) / wall:.2f} req/s "
              f"(sequential: {1 / p50_srv:.2f} req/s)")

        hit = client.get(url + "/api/articles", params={"source": "bench"}).json()["items"][0]
        html = client.get(url + f"/articles/{hit['id']}")
        print(f"article page: {len(html.content) / 1024:.0f} KiB of HTML")
        ready = measure_page(url + f"/articles/{hit['id']}", url)
        print(f"time to highlights, 5,000-word article page in headless Chromium: median {statistics.median(ready):.0f} ms "
              f"(of {len(ready)}: {', '.join(f'{r:.0f}' for r in ready)}; target <= 1000 ms)")
    finally:
        proc.terminate()
        proc.wait(10)


def measure_page(page_url: str, base: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(base + "/")  # the stylesheet is cached from here on, as for a user of the site
        for _ in range(5):
            page.goto(page_url, wait_until="commit")
            page.wait_for_selector("body[data-ready] #article-text mark.hl", timeout=30000)
            out.append(float(page.get_attribute("body", "data-ready")))
        browser.close()
    return out


if __name__ == "__main__":
    main()
