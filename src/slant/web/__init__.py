"""``slant serve``: the JSON API and the web pages over one pipeline and, optionally, a corpus store.

``create_app(...)`` builds the FastAPI application (the CLI, the tests and the benchmark all call
it); ``serve(...)`` checks the bind address and runs it under uvicorn. Every asset (templates,
script, style) ships in this package: the pages work offline and load nothing from elsewhere.

The Article's schema in the OpenAPI document is generated from ``slant.article`` by msgspec, the
same generator as the published JSON Schema: the server holds no second copy of it.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..article import Article
from ..display import human_label, shorten
from ..errors import InputError, SlantError
from ..pipeline import Pipeline
from .runner import QUEUE_DEPTH, PipelineInfo, QueueFull, Runner, build_pipeline
from .security import MAX_BODY, Guard, check_bind

HERE = Path(__file__).resolve().parent
log = logging.getLogger("slant.web")


@asynccontextmanager
async def _lifespan(app: FastAPI):  # noqa: ANN202
    yield
    app.state.runner.close()
    if app.state.corpus is not None:
        app.state.corpus.store.close()


def create_app(
    *,
    db: str | None = None,
    config=None,  # noqa: ANN001 - path, dict or None
    analysers: list[str] | None = None,
    pipeline: Pipeline | None = None,
    token: str | None = None,
    cors: list[str] | None = None,
    max_body: int = MAX_BODY,
    queue_depth: int = QUEUE_DEPTH,
    tokens: dict[str, str] | None = None,
):
    """The ASGI application: FastAPI wrapped in the token / body-size guard. Past ``queue_depth``
    articles accepted and not yet answered (0: no limit), analyse requests get 503 and a Retry-After.
    ``tokens`` (token -> analyst name, :func:`slant.web.security.read_tokens`): each analyst's own
    token, which names the author of the corrections they make."""
    info = PipelineInfo(pipeline) if pipeline is not None else build_pipeline(config, analysers)
    corpus = None
    if db is not None:
        from ..store import open_store
        from .corpus import Corpus

        corpus = Corpus(open_store(db))

    app = FastAPI(
        title="slant",
        version=__version__,
        description="Analyse news articles for persuasion techniques, actors, quotes and labels, and "
                    "search a stored corpus. Article offsets are character offsets into `text`.",
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; /api is the offline reference
        lifespan=_lifespan,
    )
    app.state.pipeline = info.pipeline
    app.state.skipped = info.skipped
    app.state.runner = Runner(info.pipeline, depth=queue_depth)
    app.state.corpus = corpus
    app.state.named_tokens = bool(tokens)  # corrections' authors come from the tokens, not from a name given
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    # The one way slant shortens text: at a word boundary, with an ellipsis (jinja's truncate adds "...").
    templates.env.filters["shorten"] = shorten
    templates.env.filters["human_label"] = human_label
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from . import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")

    def error(request: Request, status: int, detail,  # noqa: ANN001
              headers: dict | None = None) -> JSONResponse | HTMLResponse:
        if wants_json(request):
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        return templates.TemplateResponse(request, "error.html", {"status": status, "detail": detail,
                                                                  "analysers": info.pipeline.names,
                                                                  "has_corpus": corpus is not None},
                                          status_code=status, headers=headers)

    @app.exception_handler(QueueFull)
    async def _queue_full(request: Request, exc: QueueFull):  # noqa: ANN202
        return error(request, 503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):  # noqa: ANN202
        return error(request, 400, exc.reason if exc.source in ("<request>", "<form>") else str(exc))

    @app.exception_handler(SlantError)
    async def _slant_error(request: Request, exc: SlantError):  # noqa: ANN202
        from ..store import StoreError

        if isinstance(exc, StoreError) and "search query" not in str(exc):
            return error(request, 503, str(exc))
        return error(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        return error(request, exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):  # noqa: ANN202
        msgs = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            msgs.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        return error(request, 422, "; ".join(msgs) or "invalid request")

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        (_,), components = msgspec.json.schema_components([Article], ref_template="#/components/schemas/{name}")
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.update(components)
        comps["Error"] = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
        if token or tokens:
            schema["components"]["securitySchemes"] = {"token": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"token": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi

    guarded = Guard(app, token=token, max_body=max_body, tokens=tokens)
    guarded.app_state = app.state  # for tests and the benchmark
    guarded.fastapi = app
    if cors:  # outermost: a browser's preflight carries no token
        from fastapi.middleware.cors import CORSMiddleware

        outer = CORSMiddleware(guarded, allow_origins=cors, allow_methods=["GET", "POST"],
                               allow_headers=["Authorization", "Content-Type", "X-Slant-Token"])
        outer.app_state, outer.fastapi = app.state, app
        return outer
    return guarded


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, an address this process cannot listen on (taken, not this machine's,
    a privileged port), before the models load; uvicorn would report it after, with a traceback
    for some causes."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, addr = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            sock.bind(addr)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SlantError(f"cannot listen on {host}:{port}: {reason}") from None


def serve(*, host: str = "127.0.0.1", port: int = 8000, token: str | None = None, log_level: str = "info",
          **kwargs) -> None:
    """Check the bind address, build the app and run it under uvicorn (blocks)."""
    import uvicorn

    check_bind(host, token, kwargs.get("tokens"))
    check_port(host, port)
    app = create_app(token=token, **kwargs)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


__all__ = ["check_port", "create_app", "serve"]
