"""What keeps ``slant serve`` safe to run: body size limit, token, response headers, bind checks.

Plain ASGI middleware, so the limits hold before FastAPI parses anything:

- a request body over ``max_body`` bytes gets 413, whether it announces its length or streams it;
- when a token is set, every request must carry it (``Authorization: Bearer``, ``X-Slant-Token``,
  the ``slant_token`` cookie, or ``?token=`` once in a browser, which sets the cookie);
- every response carries a Content-Security-Policy that allows only the server's own scripts and
  styles: article text is escaped by the templates, and the policy is the second wall should an
  escaping bug ever slip through.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from urllib.parse import parse_qs

from ..errors import SlantError

MAX_BODY = 10 * 1024 * 1024
COOKIE = "slant_token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token."""
    if not is_loopback(host) and not token:
        raise SlantError(f"--host {host}: binding to a non-loopback address needs a token; "
                         "set SLANT_TOKEN (every request must then carry it)")


async def _send_json(send, status: int, payload: dict, headers: list | None = None) -> None:  # noqa: ANN001
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: token, body size limit and security headers."""

    def __init__(self, app, token: str | None = None, max_body: int = MAX_BODY):  # noqa: ANN001
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        set_cookie = None
        if self.token:
            given = _token_of(headers, scope.get("query_string", b""))
            if given is None or not hmac.compare_digest(given[0].encode(), self.token.encode()):
                return await _send_json(send, 401, {"detail": "a valid token is required (Authorization: Bearer "
                                                              "TOKEN, or ?token=TOKEN in a browser)"},
                                        [(b"www-authenticate", b"Bearer")])
            if given[1] == "query":
                set_cookie = (f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict").encode()
        length = headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await _send_json(send, 400, {"detail": "bad Content-Length header"})
            if too_big:
                return await _send_json(send, 413, {"detail": f"request body over {self.max_body} bytes"})

        if length is None and "transfer-encoding" in headers:
            # A streamed body: read it here, up to the limit, and hand the app the whole of it.
            chunks, received = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                received += len(message.get("body", b""))
                if received > self.max_body:
                    return await _send_json(send, 413, {"detail": f"request body over {self.max_body} bytes"})
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
            upstream = receive

            async def receive():  # noqa: ANN202
                return replay.pop() if replay else await upstream()

        async def guarded_send(message):  # noqa: ANN001, ANN202
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
                if set_cookie:
                    extra.append((b"set-cookie", set_cookie))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, guarded_send)


def _token_of(headers: dict[str, str], query_string: bytes) -> tuple[str, str] | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "header"
    if "x-slant-token" in headers:
        return headers["x-slant-token"], "header"
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value, "cookie"
    values = parse_qs(query_string.decode("latin-1")).get("token")
    if values:
        return values[0], "query"
    return None
