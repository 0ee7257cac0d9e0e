"""``slant serve`` held at 8, 32 and 128 concurrent clients: throughput, latency, refusals, memory.

    python bench/soak.py [--seconds 60] [--levels 8,32,128] [--analysers segment,techniques,...] [--queue-depth N]

One real ``slant serve`` process on loopback, with the default pipeline (every analyser whose model
loads) unless --analysers names one. At each level, that many clients post the sample article
(examples/harbour-deal-2023.txt) to /api/analyze, each one request after another, for --seconds;
a client sent away with 503 waits what its Retry-After says before it tries again, as a
well-behaved client does. Requests sent before the time is up are awaited.

Per level: throughput (articles answered per second, from the level's start to its last answer),
p50/p95 latency of the answered (200) requests, the status codes (200, 503, other: any other code or
a failed connection), and the server process's resident memory (RSS) before and after the level.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx

from serve import SAMPLE, pct, start_server

LEVELS = "8,32,128"


def rss_mib(pid: int) -> float:
    """The process's resident memory in MiB: psutil when installed, else /proc/PID/status."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB
        raise RuntimeError(f"no VmRSS in /proc/{pid}/status") from None
    return psutil.Process(pid).memory_info().rss / 2**20


async def level(url: str, clients: int, seconds: float, text: str) -> tuple[float, list[float], Counter]:
    """``clients`` clients posting ``text`` for ``seconds``: (wall seconds, latencies of 200s, status counts)."""
    latencies: list[float] = []
    codes: Counter = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    start = time.perf_counter()
    deadline = start + seconds
    last = start

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal last
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                r = await http.post("/api/analyze", json={"text": text})
            except httpx.HTTPError:
                codes["other"] += 1
                continue
            done = time.perf_counter()
            last = max(last, done)
            if r.status_code == 200:
                codes["200"] += 1
                latencies.append(done - t)
            elif r.status_code == 503:
                codes["503"] += 1
                wait = float(r.headers.get("retry-after", 1))
                await asyncio.sleep(min(wait, max(0.0, deadline - time.perf_counter())))
            else:
                codes["other"] += 1

    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return last - start, latencies, codes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60, help="how long each level runs")
    ap.add_argument("--levels", default=LEVELS, help="concurrent clients, comma-separated")
    ap.add_argument("--analysers", default=None, help="the server's analysers (default: its default pipeline)")
    ap.add_argument("--queue-depth", type=int, default=None, help="slant serve --queue-depth (default: the server's)")
    args = ap.parse_args()

    levels = [int(n) for n in args.levels.split(",")]
    options = ["--queue-depth", str(args.queue_depth)] if args.queue_depth is not None else []
    text = SAMPLE.read_text("utf-8")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    t0 = time.perf_counter()
    proc, url = start_server(None, args.analysers, *options)
    try:
        health = httpx.get(url + "/api/health").json()
        print(f"server up in {time.perf_counter() - t0:.1f} s: {', '.join(health['analysers'])}; "
              f"queue depth {health['queue']['depth']}; RSS {rss_mib(proc.pid):.0f} MiB")
        with httpx.Client(base_url=url, timeout=300) as http:
            for _ in range(3):  # first calls load lazily built parts of the models
                http.post("/api/analyze", json={"text": text}).raise_for_status()
        print(f"{'clients':>7}  {'answered/s':>10}  {'p50 ms':>7}  {'p95 ms':>7}  {'200':>5}  {'503':>6}  "
              f"{'other':>5}  RSS MiB before -> after")
        for clients in levels:
            before = rss_mib(proc.pid)
            wall, lat, codes = asyncio.run(level(url, clients, args.seconds, text))
            after = rss_mib(proc.pid)
            p50 = f"{statistics.median(lat) * 1000:7.0f}" if lat else f"{'-':>7}"
            p95 = f"{pct(lat, .95) * 1000:7.0f}" if lat else f"{'-':>7}"
            print(f"{clients:>7}  {len(lat) / wall if wall > 0 else 0:>10.2f}  {p50}  {p95}  {codes['200']:>5}  {codes['503']:>6}  "
                  f"{codes['other']:>5}  {before:.0f} -> {after:.0f}", flush=True)
        q = httpx.get(url + "/api/health").json()["queue"]
        print(f"server's count: {q['accepted']} accepted, {q['rejected']} refused with 503; "
              f"load average {os.getloadavg()[0]:.2f} at the end")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
