"""What keeps ``slant serve`` safe to run: body size limit, token, response headers, bind checks.

Plain ASGI middleware, so the limits hold before FastAPI parses anything:

- a request body over ``max_body`` bytes gets 413, whether it announces its length or streams it;
- when a token is set, every request must carry it (``Authorization: Bearer``, ``X-Slant-Token``,
  the ``slant_token`` cookie, or ``?token=`` once in a browser, which sets the cookie); with a
  tokens file (``slant serve --tokens FILE``: one analyst a line, ``NAME TOKEN``) any of its
  tokens will do, and the request's author is the token's name (``scope["slant.author"]``), which
  corrections record;
- every response carries a Content-Security-Policy that allows only the server's own scripts and
  styles: article text is escaped by the templates, and the policy is the second wall should an
  escaping bug ever slip through.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from pathlib import Path
from urllib.parse import parse_qs

from ..errors import SlantError

MAX_BODY = 10 * 1024 * 1024
COOKIE = "slant_token"
AUTHOR = "slant.author"  # the ASGI scope key of the name of the analyst whose token a request carries
MIN_TOKEN = 12
_NAME = re.compile(r"^\w[\w.@'+-]{0,63}$")
_TOKEN = re.compile(r"^[A-Za-z0-9._~-]+$")  # it travels in a header, a cookie and a query string, unescaped
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, tokens: dict[str, str] | None = None) -> None:
    """Refuse to serve on a non-loopback address without a token."""
    if not is_loopback(host) and not token and not tokens:
        raise SlantError(f"--host {host}: binding to a non-loopback address needs a token; "
                         "set SLANT_TOKEN or give analysts' tokens with --tokens FILE (every request must then carry one)")


def read_tokens(path: str | Path) -> dict[str, str]:
    """Token -> analyst name, from a file the operator writes: one analyst a line, ``NAME TOKEN``
    (a tab or spaces between), blank lines and ``#`` comments skipped. A name is a word (letters,
    digits, ``. @ ' + -``); a token is at least 12 letters, digits or ``. _ ~ -`` (``openssl rand
    -hex 16`` writes one), and belongs to one analyst (an analyst may have several)."""
    path = Path(path)
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise SlantError(f"{path}: cannot read the tokens file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SlantError(f"{path}: the tokens file is not UTF-8 text") from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise SlantError(f"{path}:{n}: expected NAME and TOKEN separated by a tab or spaces")
        name, token = parts
        if not _NAME.match(name):
            raise SlantError(f"{path}:{n}: name {name[:70]!r}: use letters, digits and . @ ' + - (no spaces)")
        if len(token) < MIN_TOKEN:
            raise SlantError(f"{path}:{n}: the token of {name} is shorter than {MIN_TOKEN} characters")
        if not _TOKEN.match(token):
            raise SlantError(f"{path}:{n}: the token of {name} may hold letters, digits and . _ ~ - only")
        if token in out:
            raise SlantError(f"{path}:{n}: the token of {name} is also {out[token]}'s; give each its own")
        out[token] = name
    if not out:
        raise SlantError(f"{path}: no tokens in the file (one analyst a line: NAME TOKEN)")
    return out


async def _send_json(send, status: int, payload: dict, headers: list | None = None) -> None:  # noqa: ANN001
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: token, body size limit and security headers."""

    def __init__(self, app, token: str | None = None, max_body: int = MAX_BODY,  # noqa: ANN001
                 tokens: dict[str, str] | None = None):
        self.app = app
        self.token = token
        self.max_body = max_body
        # every token a request may carry -> the analyst it names (None: the shared SLANT_TOKEN)
        self.allowed: dict[str, str | None] = {**({token: None} if token else {}), **(tokens or {})}

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        set_cookie = None
        scope.pop(AUTHOR, None)  # only this guard says who a request is from
        if self.allowed:
            given = _token_of(headers, scope.get("query_string", b""))
            found = _match(given[0], self.allowed) if given is not None else None
            if found is None:
                return await _send_json(send, 401, {"detail": "a valid token is required (Authorization: Bearer "
                                                              "TOKEN, or ?token=TOKEN in a browser)"},
                                        [(b"www-authenticate", b"Bearer")])
            if found[1] is not None:
                scope[AUTHOR] = found[1]
            if given[1] == "query":
                set_cookie = (f"{COOKIE}={found[0]}; Path=/; HttpOnly; SameSite=Strict").encode()
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


def _match(given: str, allowed: dict[str, str | None]) -> tuple[str, str | None] | None:
    """(token, analyst) of the allowed token equal to ``given``; every token is compared, in
    constant time, so the time taken says nothing of which came close."""
    found = None
    for token, name in allowed.items():
        if hmac.compare_digest(given.encode(), token.encode()) and found is None:
            found = (token, name)
    return found


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
