"""A small client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, hosted APIs).

Only the standard library is used (``urllib``), so ``--llm`` needs nothing beyond slant itself.
What it does beyond one POST:

- **key**: read from the environment variable named by ``key_env`` (default ``SLANT_LLM_KEY``) and
  sent as a bearer token; it is never part of a message, a repr, a record or the cache.
- **timeouts**: ``timeout`` seconds for connecting and for each read of the answer.
- **retries with backoff**: a refused connection, a timeout, HTTP 408/429/5xx are tried again up to
  ``retries`` times, waiting ``backoff * 2**n`` seconds (or the server's Retry-After, capped).
- **concurrency limit**: at most ``concurrency`` requests in flight, whatever the caller's threads.
- **down is down**: once the endpoint has failed a call after its retries (nothing listening, no
  answer in time, not an OpenAI chat API), later calls fail at once with the same reason, so a run
  over many articles does not wait out the retries again for each one; the rest of the analysis
  goes on (``slant.llm.reader``).
- **structured output**: with a JSON Schema, ``response_format`` asks the server to follow it.
  Servers disagree on the spelling (OpenAI and vLLM: ``json_schema``; llama-cpp-python:
  ``json_object`` with a ``schema``), so ``auto`` tries them in that order on the first call that
  the server refuses with HTTP 400/422, and keeps the first it accepts for the rest of the run.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigError, SlantError

DEFAULT_KEY_ENV = "SLANT_LLM_KEY"
FORMATS = ("json_schema", "json_object", "none")
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
_MAX_WAIT = 30.0


class LLMError(SlantError):
    """The endpoint could not give an answer: names the endpoint and the reason, in one line.

    ``fatal`` errors (nothing listening, no answer in time, wrong URL, key or model, not an OpenAI
    API) will be the same for every later call, so the endpoint is given up for the run; the others
    (a request the server refused, say for a text too long for its context) concern one call.
    """

    def __init__(self, message: str, fatal: bool = True):
        self.fatal = fatal
        super().__init__(message)


@dataclass
class Reply:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


@dataclass
class Usage:
    """What a run cost: HTTP chat calls, answers from the cache, tokens and time (thread-safe)."""

    calls: int = 0  # chat requests that got an answer
    failed: int = 0  # chat requests that got none after their retries
    retries: int = 0  # transport retries (refused, timeout, 429/5xx)
    skipped: int = 0  # questions not sent because the endpoint was already found down
    cached: int = 0  # answers taken from the cache (no call)
    invalid_retries: int = 0  # answers that did not follow the schema and were asked again
    invalid: int = 0  # answers still invalid after the second try (reported on the article)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: float) -> None:
        with self._lock:
            for k, v in counts.items():
                setattr(self, k, getattr(self, k) + v)

    def line(self) -> str:
        parts = [f"{self.calls} calls", f"{self.cached} answers from the cache"]
        for n, what in ((self.failed, "failed"), (self.retries, "retries after transport errors"),
                        (self.skipped, "not sent (endpoint down)"),
                        (self.invalid_retries, "invalid answers asked again"), (self.invalid, "still invalid")):
            if n:
                parts.append(f"{n} {what}")
        return (", ".join(parts) + f"; {self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens;"
                f" {self.seconds:.1f} s in calls")


def check_url(url: str) -> str:
    """The endpoint's base URL (ending in /v1 or wherever /chat/completions lives), checked."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"llm url {url!r}: give the endpoint's base URL, e.g. http://127.0.0.1:8080/v1")
    if parts.username or parts.password:
        raise ConfigError("llm url: put no credentials in the URL; the key comes from an environment variable (key_env)")
    return url.rstrip("/")


class Client:
    def __init__(self, url: str, model: str = "", *, key_env: str = DEFAULT_KEY_ENV, timeout: float = 60.0,
                 retries: int = 2, backoff: float = 1.0, concurrency: int = 4, response_format: str = "auto"):
        self.url = check_url(url)
        self.model = model or ""
        if response_format != "auto" and response_format not in FORMATS:
            raise ConfigError(f"llm response_format {response_format!r}: use auto, {', '.join(FORMATS)}")
        if timeout <= 0 or retries < 0 or backoff < 0 or concurrency < 1:
            raise ConfigError("llm: timeout and concurrency must be positive, retries and backoff not negative")
        self.key_env = key_env
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.concurrency = int(concurrency)
        self.usage = Usage()
        self._formats = list(FORMATS) if response_format == "auto" else [response_format]
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._down: str | None = None

    def __repr__(self) -> str:  # the key stays out of reprs, logs and tracebacks
        return f"<llm client {self.url} model={self.model or '(endpoint default)'}>"

    @property
    def down(self) -> str | None:
        """Why the endpoint was given up for this run, or None."""
        return self._down

    def _key(self) -> str | None:
        return os.environ.get(self.key_env) or None

    # --- requests ------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        """One request with retries and backoff; the parsed JSON answer, or LLMError."""
        if self._down:
            raise LLMError(self._down)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        where = f"{self.url}{path}"
        attempt = 0
        while True:
            wait = self.backoff * (2**attempt)
            try:
                req = urllib.request.Request(where, data=data, headers=headers, method=method)
                with self._slots, urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - http(s) checked
                    raw = resp.read()
                break
            except urllib.error.HTTPError as exc:
                status, detail = exc.code, _excerpt(exc.read())
                after = exc.headers.get("Retry-After") if exc.headers else None
                # llama-cpp-python answers 500 to a response_format it does not know: not worth a retry
                refused_format = status == 500 and "response_format" in detail
                if status in _RETRY_STATUS and attempt < self.retries and not refused_format:
                    if after and after.strip().isdigit():
                        wait = min(float(after), _MAX_WAIT)
                else:
                    raise HTTPStatusError(status, f"{where}: HTTP {status}{': ' + detail if detail else ''}") from None
            except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
                reason = _transport_reason(exc, self.timeout)
                if attempt >= self.retries:
                    raise LLMError(f"{where}: {reason} (tried {attempt + 1} times)") from None
            attempt += 1
            self.usage.add(retries=1)
            time.sleep(min(wait, _MAX_WAIT))
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise LLMError(f"{where}: the answer is not JSON, so this is not an OpenAI-compatible endpoint: "
                           f"{_excerpt(raw)!r}") from None

    def models(self) -> list[str]:
        """The model ids the endpoint serves (GET /models)."""
        answer = self._request("GET", "/models")
        try:
            return [m["id"] for m in answer["data"]]
        except (KeyError, TypeError):
            raise LLMError(f"{self.url}/models: not an OpenAI model list: {_excerpt(json.dumps(answer))!r}") from None

    def _model(self) -> str:
        with self._lock:
            if not self.model:
                ids = self.models()
                if not ids:
                    raise LLMError(f"{self.url}/models: the endpoint serves no model")
                self.model = ids[0]
            return self.model

    def chat(self, messages: list[dict], *, max_tokens: int = 256, temperature: float = 0.0,
             schema: dict | None = None, schema_name: str = "answer") -> Reply:
        """One chat completion. Endpoint failures are LLMError; after one, the endpoint counts as down."""
        if self._down:
            self.usage.add(skipped=1)
            raise LLMError(self._down)
        try:
            return self._chat(messages, max_tokens, temperature, schema, schema_name)
        except LLMError as exc:
            self.usage.add(failed=1)
            if exc.fatal:
                with self._lock:
                    self._down = self._down or str(exc)
            raise

    def _chat(self, messages, max_tokens, temperature, schema, schema_name) -> Reply:  # noqa: ANN001
        body = {"model": self._model(), "messages": messages, "max_tokens": int(max_tokens),
                "temperature": float(temperature), "stream": False}
        with self._lock:
            formats = list(self._formats) if schema is not None else ["none"]
        first_refusal: HTTPStatusError | None = None
        for fmt in formats:
            if fmt == "json_schema":
                body["response_format"] = {"type": "json_schema",
                                           "json_schema": {"name": schema_name, "schema": schema, "strict": False}}
            elif fmt == "json_object":
                body["response_format"] = {"type": "json_object", "schema": schema}
            else:
                body.pop("response_format", None)
            start = time.perf_counter()
            try:
                answer = self._request("POST", "/chat/completions", body)
            except HTTPStatusError as exc:
                # A server that does not know this spelling of response_format refuses the request
                # (400/422): try the next spelling (auto mode), and keep the first that works.
                refused = exc.status in (400, 422) or (exc.status == 500 and "response_format" in str(exc))
                if refused and len(formats) > 1:
                    first_refusal = first_refusal or exc
                    continue
                raise
            seconds = time.perf_counter() - start
            if len(formats) > 1:
                with self._lock:
                    self._formats = [fmt]
            break
        else:
            assert first_refusal is not None
            raise first_refusal
        try:
            text = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"{self.url}/chat/completions: not an OpenAI chat completion: "
                           f"{_excerpt(json.dumps(answer))!r}") from None
        usage = answer.get("usage") or {}
        reply = Reply(text=text or "", model=str(answer.get("model") or self.model),
                      prompt_tokens=int(usage.get("prompt_tokens") or 0),
                      completion_tokens=int(usage.get("completion_tokens") or 0), seconds=seconds)
        self.usage.add(calls=1, prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens,
                       seconds=seconds)
        return reply


class HTTPStatusError(LLMError):
    def __init__(self, status: int, message: str):
        self.status = status
        # 4xx but auth, URL and model errors concern one request; those and 5xx concern them all.
        super().__init__(message, fatal=status >= 500 or status in (401, 403, 404))


def _excerpt(raw: bytes | str, n: int = 120) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _transport_reason(exc: BaseException, timeout: float) -> str:
    inner = getattr(exc, "reason", exc)
    if isinstance(inner, (TimeoutError, socket.timeout)) or "timed out" in str(inner):
        return f"no answer within {timeout:g} s (timeout)"
    if isinstance(inner, ConnectionRefusedError):
        return "cannot connect: connection refused (is the server running?)"
    if isinstance(inner, socket.gaierror):
        return f"cannot resolve the host ({inner.strerror or inner})"
    if isinstance(inner, (ConnectionResetError, ConnectionAbortedError)):
        return "the server closed the connection without answering"
    if isinstance(inner, http.client.HTTPException):
        return f"the answer is not HTTP ({type(inner).__name__}: {_excerpt(str(inner), 60)!r})"
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return f"cannot connect: {inner}"
    return f"{type(inner).__name__}: {inner}"
