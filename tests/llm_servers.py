"""Small real HTTP servers on loopback for the LLM tests: an OpenAI-compatible stub that answers
from the request, one that answers garbage, one that is slow, one that fails and then recovers,
and a closed port. They are servers, not mocks: slant's client talks HTTP to them as to any endpoint,
and each records what it received (paths, headers, bodies, the most requests in flight at once)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_text(body: dict) -> str:
    return "\n".join(m["content"] for m in body.get("messages", []) if m["role"] == "user")


def _schema(body: dict) -> dict:
    rf = body.get("response_format") or {}
    return rf.get("json_schema", {}).get("schema") or rf.get("schema") or {}


def sensible_answer(body: dict) -> str:
    """What a careful model would answer, read off the prompt: the second and third numbered
    sentences (or sentences) as evidence, the first listed name as the label."""
    text = _user_text(body)
    props = _schema(body).get("properties", {})
    article = text.split("<<<", 1)[-1].split(">>>", 1)[0].strip() if "<<<" in text else text
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", article.replace("\n", " ")) if len(s.strip()) > 20]
    if "narrative" in props or "Answer with a JSON object with these keys:\n- \"narrative\"" in text:
        numbered = [int(n) for n in re.findall(r"^\[(\d+)\] ", article, flags=re.M)]
        return json.dumps({"narrative": "The deal is a scandal", "explanation": "The article frames the deal as "
                           "a scandal through loaded words.", "evidence": numbered[1:3]})
    if "verdict" in props or '"verdict"' in text:
        return json.dumps({"verdict": "agree", "reason": "The passage uses emotionally loaded words."})
    if "techniques" in props:
        para = props["techniques"]["items"]["properties"]["paragraph"]["enum"][0]
        m = re.search(rf"\[{para}\] (.+)", text)
        words = " ".join(m.group(1).split()[:4]) if m else ""
        return json.dumps({"techniques": [{"paragraph": para, "technique": "Loaded_Language", "quote": words}]})
    if "narratives" in props:
        return json.dumps({"narratives": [{"label": "Other", "quote": sentences[1] if len(sentences) > 1 else ""}]})
    return "{}"


class Endpoint:
    """An OpenAI-compatible stub on 127.0.0.1. ``mode``: ok, garbage, slow, flaky, bad-json,
    no-json-schema (refuses response_format json_schema with HTTP 500, as llama-cpp-python does)."""

    def __init__(self, mode: str = "ok", *, delay: float = 0.0, fail_first: int = 0, answer=sensible_answer,
                 model: str = "stub-model"):
        self.mode, self.delay, self.fail_first, self.answer, self.model = mode, delay, fail_first, answer, model
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, payload: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # noqa: N802
                outer._note(self, None)
                if self.path.endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": outer.model}]}).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                n = outer._note(self, body)
                with outer._lock:
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try:
                    if outer.delay:  # the request is being worked on
                        time.sleep(outer.delay)
                finally:
                    # counted out before the answer goes: a client may send its next request the
                    # moment it reads this one, before this thread would get past the write
                    with outer._lock:
                        outer.in_flight -= 1
                outer._answer(self, body, n)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def _note(self, handler, body) -> int:  # noqa: ANN001
        with self._lock:
            self.requests.append({"path": handler.path, "headers": dict(handler.headers), "body": body})
            return len(self.requests)

    def _answer(self, h, body: dict, n: int) -> None:  # noqa: ANN001
        if self.mode == "garbage":
            h._send(200, b"<html><body>It works!</body></html>\x00\xff", "text/html")
            return
        if self.mode == "flaky" and len(self.chat_requests) <= self.fail_first:
            h._send(503, b'{"error": "loading model"}')
            return
        if self.mode == "no-json-schema" and (body.get("response_format") or {}).get("type") == "json_schema":
            # as llama-cpp-python does: HTTP 500 with the validation error
            h._send(500, b'{"error": {"message": "1 validation error: loc (body, response_format, type): '
                         b'Input should be text or json_object"}}')
            return
        content = "Sure! Here is my answer: the article is about a harbour." if self.mode == "bad-json" \
            else self.answer(body)
        payload = {"id": f"chatcmpl-{n}", "object": "chat.completion", "model": self.model,
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 100 + len(_user_text(body)) // 4, "completion_tokens": 20,
                             "total_tokens": 120}}
        h._send(200, json.dumps(payload).encode())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RawGarbage:
    """A TCP server on 127.0.0.1 that answers every connection with bytes that are not HTTP."""

    def __init__(self, payload: bytes = b"\x00\xff SSH-2.0-OpenSSH_9.2 not http at all\r\n"):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.payload = payload
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(self.payload)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()
