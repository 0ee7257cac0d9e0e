"""The JSON API of a running ``slant serve``, over real HTTP: analyse, search, stats, dupes, limits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from slant.article import Article


def test_analyze_json_returns_the_article(server, sample_text):
    r = httpx.post(server + "/api/analyze", json={"text": sample_text, "source": "selka-observer"}, timeout=60)
    assert r.status_code == 200
    art = Article.from_json(r.content)
    assert art.meta.title.startswith("Why does Brussels")
    assert art.meta.source == "selka-observer"
    assert art.techniques and art.actors and art.quotes and art.sentences
    for span in [*art.techniques, *art.sentences, *art.entities]:
        assert 0 <= span.start < span.end <= len(art.text)
    assert {p.layer for p in art.provenance} >= {"techniques", "actors", "quotes", "relations"}


def test_analyze_accepts_plain_text_html_and_uploads(server, sample_text):
    plain = httpx.post(server + "/api/analyze", content=sample_text.encode(), timeout=60,
                       headers={"content-type": "text/plain; charset=utf-8"})
    assert plain.status_code == 200
    html = ("<html><head><title>Harbour deal</title></head><body><article><h1>Harbour deal</h1>"
            + "".join(f"<p>{p}</p>" for p in sample_text.split("\n\n")[2:]) + "</article></body></html>")
    r = httpx.post(server + "/api/analyze", content=html.encode(), headers={"content-type": "text/html"}, timeout=60)
    assert r.status_code == 200
    assert "Koval" in r.json()["text"] and "<p>" not in r.json()["text"]
    up = httpx.post(server + "/api/analyze", files={"file": ("story.html", html.encode(), "text/html")}, timeout=60)
    assert up.status_code == 200 and up.json()["meta"]["input_format"] == "html"
    up = httpx.post(server + "/api/analyze", files={"file": ("story.txt", sample_text.encode(), "text/plain")},
                    data={"date": "2023-03-14"}, timeout=60)
    assert up.status_code == 200
    assert up.json()["text"] == plain.json()["text"]


@pytest.mark.parametrize("body,ctype,status,words", [
    (b"{not json", "application/json", 400, "JSON"),
    (b'{"text": "a", "html": "<p>b</p>"}', "application/json", 400, "exactly one"),
    (b"{}", "application/json", 400, "exactly one"),
    (b'{"text": "   "}', "application/json", 400, "text"),
    (b'{"text": "Some text here.", "date": "yesterday"}', "application/json", 400, "ISO date"),
    (b"", "text/plain", 400, "empty"),
    (b"\x89PNG\r\n", "image/png", 415, "unsupported content type"),
    (b"<html><body></body></html>", "text/html", 400, "text"),
])
def test_bad_analyze_requests_get_clear_4xx(server, body, ctype, status, words):
    r = httpx.post(server + "/api/analyze", content=body, headers={"content-type": ctype}, timeout=30)
    assert r.status_code == status
    assert words.lower() in r.json()["detail"].lower()


def test_a_text_longer_than_one_article_gets_400(server):
    from slant.text import MAX_ARTICLE_CHARS

    body = b"word " * (MAX_ARTICLE_CHARS // 5 + 10)
    r = httpx.post(server + "/api/analyze", content=body, headers={"content-type": "text/plain"}, timeout=60)
    assert r.status_code == 400 and "too long for one article" in r.json()["detail"]


def test_bodies_over_10_mb_get_413(server):
    big = b"word " * (2 * 1024 * 1024 + 10)  # just over 10 MiB
    r = httpx.post(server + "/api/analyze", content=big, headers={"content-type": "text/plain"}, timeout=60)
    assert r.status_code == 413

    def chunks():  # no Content-Length: the server counts what arrives
        for _ in range(11):
            yield b"x" * (1024 * 1024)

    r = httpx.post(server + "/api/analyze", content=chunks(), headers={"content-type": "text/plain"}, timeout=60)
    assert r.status_code == 413


def test_search_filters_and_pagination(server):
    r = httpx.get(server + "/api/articles", params={"limit": 4})
    page1 = r.json()
    assert r.status_code == 200 and page1["total"] == 11 and len(page1["items"]) == 4
    page2 = httpx.get(server + "/api/articles", params={"limit": 4, "offset": 4}).json()
    assert not {h["id"] for h in page1["items"]} & {h["id"] for h in page2["items"]}
    hits = httpx.get(server + "/api/articles", params={"q": "harbour deal", "source": "selka-observer"}).json()
    assert hits["total"] == 1 and hits["items"][0]["source"] == "selka-observer"
    dated = httpx.get(server + "/api/articles", params={"date_from": "2023-03-01", "date_to": "2023-03-31"}).json()
    assert dated["total"] == 3 and all(h["date"].startswith("2023-03") for h in dated["items"])
    actor = httpx.get(server + "/api/articles", params={"actor": "koval"}).json()
    assert actor["total"] == 2
    assert httpx.get(server + "/api/articles", params={"date_from": "March"}).status_code == 422
    assert httpx.get(server + "/api/articles", params={"limit": 0}).status_code == 422


def test_one_article_and_404(server):
    hit = httpx.get(server + "/api/articles", params={"q": "Varnia", "source": "selka-observer"}).json()["items"][0]
    r = httpx.get(server + f"/api/articles/{hit['id']}")
    assert r.status_code == 200 and Article.from_json(r.content).meta.id == hit["id"]
    r = httpx.get(server + "/api/articles/0000000000000000")
    assert r.status_code == 404 and "no article" in r.json()["detail"]


def test_stats_and_dupes(server):
    r = httpx.get(server + "/api/stats", params={"by": "source"}).json()
    assert dict(map(tuple, r["rows"])) == {"harbour-times": 4, "northern-post": 4, "daily-ledger": 2, "selka-observer": 1}
    months = httpx.get(server + "/api/stats", params={"by": "month", "source": "northern-post"}).json()
    assert sum(row[1] for row in months["rows"]) == 4
    tech = httpx.get(server + "/api/stats", params={"by": "technique"}).json()
    assert tech["columns"] == ["technique", "articles", "spans"] and tech["rows"]
    assert httpx.get(server + "/api/stats", params={"by": "colour"}).status_code == 422
    d = httpx.get(server + "/api/dupes").json()
    assert d["total"] == 1
    group = d["items"][0]
    assert {m["source"] for m in group["members"]} == {"selka-observer", "northern-post"}
    assert group["earliest"]["date"] == "2023-03-14" and group["members"][1]["similarity"] > 0.7


def test_stories_and_nearest(server):
    copy = httpx.get(server + "/api/dupes").json()["items"][0]  # the MinHash near-copy of the harbour article
    first, second = copy["members"][0]["id"], copy["members"][1]["id"]
    d = httpx.get(server + "/api/stories").json()
    group = next(g for g in d["items"] if first in {m["id"] for m in g["members"]})
    members = {m["id"]: m for m in group["members"]}
    assert second in members and members[second]["relation"] == "copy"
    dates = [m["date"] or "9999" for m in group["members"]]
    assert dates == sorted(dates) and group["earliest"]["id"] == group["members"][0]["id"]
    near = httpx.get(server + f"/api/articles/{first}/nearest", params={"k": 3}).json()
    assert len(near) == 3 and near[0]["id"] == second and near[0]["relation"] == "copy"
    assert near[0]["similarity"] >= near[1]["similarity"] >= near[2]["similarity"]
    r = httpx.get(server + "/api/articles/0000000000000000/nearest")
    assert r.status_code == 404 and "no story vector" in r.json()["detail"]
    assert httpx.get(server + f"/api/articles/{first}/nearest", params={"k": 0}).status_code == 422


def test_openapi_documents_every_route_and_the_article_schema(server):
    spec = httpx.get(server + "/openapi.json").json()
    assert {"/api/analyze", "/api/articles", "/api/articles/{article_id}", "/api/stats", "/api/dupes"} <= set(spec["paths"])
    assert "Article" in spec["components"]["schemas"] and "TechniqueSpan" in spec["components"]["schemas"]
    body = spec["paths"]["/api/analyze"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/plain", "text/html", "multipart/form-data"} <= set(body)
    assert httpx.get(server + "/api").status_code == 200  # the offline reference page
    assert httpx.get(server + "/docs").status_code == 404  # its CDN scripts would not load offline


def test_pages_load_nothing_from_elsewhere_and_send_a_csp(server):
    r = httpx.get(server + "/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "http://" not in r.text.replace(server, "") and "https://" not in r.text
    for asset in ("/static/article.js", "/static/corpus.js", "/static/slant.css"):
        text = httpx.get(server + asset).text
        assert "https://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "access-control-allow-origin" not in httpx.get(server + "/api/health", headers={"origin": "http://evil.example"}).headers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def token_server():
    """A second real uvicorn, in a thread, with a token and one allowed CORS origin."""
    import uvicorn

    import slant
    from slant.web import create_app

    app = create_app(pipeline=slant.load(analysers=["segment"]), token="s3cret", cors=["http://allowed.example"])
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield url
    srv.should_exit = True
    t.join(10)


def test_token_is_required_for_every_request(token_server):
    for path in ("/", "/api/health", "/static/slant.css", "/openapi.json"):
        r = httpx.get(token_server + path)
        assert r.status_code == 401, path
    assert httpx.get(token_server + "/api/health", headers={"authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.get(token_server + "/api/health", headers={"authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["analysers"] == ["segment"]
    r = httpx.post(token_server + "/api/analyze", json={"text": "One. Two."}, headers={"x-slant-token": "s3cret"})
    assert r.status_code == 200 and len(r.json()["sentences"]) == 2
    # A browser: ?token= once sets an HttpOnly cookie that carries it from then on.
    with httpx.Client(base_url=token_server) as client:
        first = client.get("/?token=s3cret")
        assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
        assert client.get("/corpus").status_code == 200


def test_cors_only_for_the_origin_asked_for(token_server):
    pre = httpx.options(token_server + "/api/analyze", headers={
        "origin": "http://allowed.example", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "http://allowed.example"
    other = httpx.get(token_server + "/api/health", headers={"origin": "http://other.example",
                                                             "authorization": "Bearer s3cret"})
    assert "access-control-allow-origin" not in other.headers


def test_serve_refuses_a_public_address_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "SLANT_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "slant.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert "SLANT_TOKEN" in r.stderr and "0.0.0.0" in r.stderr
