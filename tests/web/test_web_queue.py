"""The server's bounded queue: past its depth, analyse requests get 503 and a Retry-After, and are
served again once the pipeline has drained.

The servers here are real uvicorns, in a thread, over a pipeline whose one analyser holds each batch
until the test lets it through (``Gate``): the queue fills when the test says, not when the machine
happens to be slow.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx

from slant.analysers.base import Analyser, batched
from slant.analysers.segment import Segmenter
from slant.pipeline import Pipeline

from .conftest import in_thread, slant_serve


class Gate(Analyser):
    """Holds each batch until ``open`` is set, then takes ``delay`` seconds per article."""

    name = "gate"
    needs = ("text",)
    adds = ()

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.entered = threading.Event()  # a batch is in the pipeline
        self.open = threading.Event()

    def pipe(self, articles, batch_size=32):  # noqa: ANN001, ANN201
        for batch in batched(articles, batch_size):
            self.entered.set()
            if not self.open.wait(60):
                raise RuntimeError("the test never opened the gate")
            time.sleep(self.delay * len(batch))
            yield from batch


@contextmanager
def gated_server(depth: int, gate: Gate) -> Iterator[str]:
    from slant.web import create_app

    app = create_app(pipeline=Pipeline([Segmenter(), gate]), queue_depth=depth)
    with in_thread(app) as url:
        try:
            yield url
        finally:
            gate.open.set()  # the held batch ends, so the server can stop


def analyse(url: str, text: str) -> httpx.Response:
    return httpx.post(url + "/api/analyze", json={"text": text}, timeout=60)


def queue(url: str) -> dict:
    return httpx.get(url + "/api/health").json()["queue"]


def wait_length(url: str, n: int) -> None:
    deadline = time.monotonic() + 10
    while queue(url)["length"] != n:
        assert time.monotonic() < deadline, f"the queue never held {n}: {queue(url)}"
        time.sleep(0.02)


def fill(url: str, gate: Gate, pool: ThreadPoolExecutor, depth: int) -> list:
    """``depth`` requests accepted: the first in the pipeline, held by the gate, the others waiting."""
    gate.open.clear()
    gate.entered.clear()
    first = pool.submit(analyse, url, "The first article. It waits at the gate.")
    assert gate.entered.wait(10)
    rest = [pool.submit(analyse, url, f"Article {i}. It waits in the queue.") for i in range(depth - 1)]
    wait_length(url, depth)
    return [first, *rest]


def test_a_full_queue_gets_503_with_retry_after_until_it_drains():
    gate = Gate()
    with gated_server(2, gate) as url, ThreadPoolExecutor(4) as pool:
        assert queue(url) == {"length": 0, "depth": 2, "accepted": 0, "rejected": 0, "throughput": 0.0}
        held = fill(url, gate, pool, 2)

        r = analyse(url, "One article too many.")
        assert r.status_code == 503
        assert int(r.headers["retry-after"]) >= 1
        assert r.headers["content-type"] == "application/json"
        assert "busy" in r.json()["detail"] and "2 articles" in r.json()["detail"]
        # The form on the analyse page: the same refusal, as a page.
        page = httpx.post(url + "/analyze", data={"text": "One article too many."},
                          headers={"accept": "text/html"}, timeout=60)
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert int(page.headers["retry-after"]) >= 1 and "busy" in page.text
        assert queue(url)["length"] == 2 and queue(url)["rejected"] == 2

        gate.open.set()
        assert [f.result().status_code for f in held] == [200, 200]
        wait_length(url, 0)
        again = analyse(url, "After the queue drained. Served again.")
        assert again.status_code == 200 and len(again.json()["sentences"]) == 2
        assert queue(url)["accepted"] == 3 and queue(url)["rejected"] == 2
        busy = httpx.get(url + "/openapi.json").json()["paths"]["/api/analyze"]["post"]["responses"]["503"]
        assert "Retry-After" in busy["headers"]


def test_retry_after_is_the_time_to_drain_the_queue_at_the_recent_throughput():
    gate = Gate(delay=0.5)  # at most 2 articles a second
    gate.open.set()
    with gated_server(4, gate) as url, ThreadPoolExecutor(4) as pool:
        assert analyse(url, "One article to measure the pipeline by.").status_code == 200
        held = fill(url, gate, pool, 4)
        r = analyse(url, "One article too many.")
        assert r.status_code == 503
        assert int(r.headers["retry-after"]) >= math.ceil(4 * gate.delay)  # 4 waiting, >= 0.5 s each
        assert queue(url)["throughput"] <= 1 / gate.delay
        gate.open.set()
        assert all(f.result().status_code == 200 for f in held)


def test_no_limit_with_depth_0():
    gate = Gate()
    with gated_server(0, gate) as url, ThreadPoolExecutor(8) as pool:
        held = fill(url, gate, pool, 6)
        assert queue(url)["length"] == 6 and queue(url)["depth"] == 0
        gate.open.set()
        assert all(f.result().status_code == 200 for f in held)


def test_serve_takes_the_queue_depth_option():
    with slant_serve("--analysers", "segment", "--queue-depth", "5") as served:
        assert queue(served.wait(120))["depth"] == 5
