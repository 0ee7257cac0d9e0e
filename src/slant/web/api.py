"""The JSON API: analyse an article, and read the corpus (search, one article, statistics, dupes).

Every route is a library call (readers, the pipeline, ``slant.search``, ``slant.stats``,
``slant.dupes``); errors a client can cause come back as 4xx with ``{"detail": "..."}``. When the
pipeline's queue is full, analyse requests get 503 in the same format, with a Retry-After header.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..article import Article, Meta
from ..compare import Comparison
from ..errors import InputError, SlantError
from ..search import Filters
from ..stats import BY
from ..text import check_length, decode

router = APIRouter(prefix="/api", tags=["api"])

ARTICLE_REF = {"$ref": "#/components/schemas/Article"}
_ERR = {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_BUSY = {"description": "The analysis queue is full; try again after Retry-After seconds",
         "headers": {"Retry-After": {"description": "Seconds until the queue has drained, at the recent throughput",
                                     "schema": {"type": "integer", "minimum": 1}}},
         "content": _ERR["content"]}
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class Error(BaseModel):
    detail: str


class AnalyzeJSON(BaseModel):
    """An article to analyse: its ``text``, or an ``html`` page to read the article from."""

    text: str | None = Field(None, description="Plain text: an optional title line, byline, then paragraphs.")
    html: str | None = Field(None, description="An HTML page; the main text is extracted.")
    title: str | None = None
    source: str | None = None
    date: str | None = Field(None, description="ISO date (YYYY-MM-DD).")
    url: str | None = None


class Queue(BaseModel):
    length: int = Field(description="Articles accepted and not yet answered: waiting, or in the pipeline")
    depth: int = Field(description="The most it holds before analyse requests get 503 (0: no limit)")
    accepted: int = Field(description="Analyse requests queued since the server started")
    rejected: int = Field(description="Analyse requests refused with 503 since the server started")
    throughput: float = Field(description="Articles per second of pipeline time over the last batches")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    analysers: list[str]
    skipped: dict[str, str]
    corpus: bool
    queue: Queue


class Hit(BaseModel):
    id: str
    title: str | None
    source: str | None
    date: str | None
    snippet: str
    score: float


class Page(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Hit]


class StatsTable(BaseModel):
    by: str
    columns: list[str]
    rows: list[list[str | int | float | None]]
    labels: list[str] = Field([], description="What to show for each row's key: the human name of a technique, "
                                               "frame or narrative (the key itself is what a filter takes)")


class Member(BaseModel):
    id: str
    title: str | None
    source: str | None
    date: str | None
    similarity: float


class Group(BaseModel):
    id: str
    earliest: Member
    members: list[Member]


class DupesPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Group]


class StoryMember(BaseModel):
    id: str
    title: str | None
    source: str | None
    date: str | None
    relation: Literal["copy", "retelling", "same event"] | None = Field(
        description="To its nearest earlier article (None for the group's earliest)")
    nearest: str | None = Field(description="The most similar article stored before it")
    similarity: float | None = Field(description="Cosine of the two story vectors")
    retells: list[str] = Field(description="News outlets the article says it retells (\"says Politico\")")


class StoryGroup(BaseModel):
    id: str
    earliest: StoryMember
    members: list[StoryMember] = Field(description="By date, the earliest first")
    languages: list[str]


class StoriesPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[StoryGroup]


class Neighbour(BaseModel):
    id: str
    title: str | None
    source: str | None
    date: str | None
    language: str | None
    similarity: float = Field(description="Cosine of the two story vectors")
    relation: Literal["copy", "retelling", "same event"] | None


def parse_body(body: bytes, content_type: str, form: dict | None = None) -> Article:
    """The Article a request carries: JSON, plain text, HTML, or a form with a file or text field."""
    from ..readers.html import parse_html
    from ..readers.plain import parse_plain

    ctype = content_type.split(";", 1)[0].strip().lower()
    if form is not None:
        upload = form.get("file")
        meta = Meta(source=_str(form.get("source")), date=_date(form.get("date")), url=_str(form.get("url")))
        if upload is not None and hasattr(upload, "filename") and upload.filename:
            return _from_bytes(upload.data, upload.filename, meta)
        text = _str(form.get("text"))
        if text and text.strip():
            return parse_plain(text, source="<form>", meta=meta)
        html = _str(form.get("html"))
        if html and html.strip():
            return parse_html(html, source="<form>", meta=meta)
        raise InputError("<form>", "give a file, or paste the article text")
    if ctype in ("application/json", ""):
        try:
            data = AnalyzeJSON.model_validate_json(body or b"null")
        except ValueError as exc:
            raise InputError("<request>", f"not a JSON object with a text or html field: {_first_error(exc)}") from None
        meta = Meta(title=data.title, source=data.source, date=_date(data.date), url=data.url)
        if (data.text is None) == (data.html is None):
            raise InputError("<request>", "give exactly one of text and html")
        if data.text is not None:
            return parse_plain(data.text, source="<request>", meta=meta)
        return parse_html(data.html, source="<request>", meta=meta, url=data.url)
    if ctype == "text/plain":
        return parse_plain(decode(body, "<request>"), source="<request>")
    if ctype in ("text/html", "application/xhtml+xml"):
        return parse_html(body, source="<request>")
    raise HTTPException(415, f"unsupported content type {ctype!r}: send application/json, text/plain, "
                             "text/html or multipart/form-data")


class Upload:
    def __init__(self, filename: str, data: bytes):
        self.filename = filename
        self.data = data


def _from_bytes(data: bytes, filename: str, meta: Meta) -> Article:
    from ..readers import guess_format
    from ..readers.html import parse_html
    from ..readers.plain import parse_plain

    name = PurePath(filename).name or "upload"
    fmt = guess_format(PurePath(name), data[:4096])
    if fmt == "html":
        return parse_html(data, source=name, meta=meta)
    if fmt in (None, "text", "semeval2023", "semeval2025", "ptc"):
        return parse_plain(decode(data, name), source=name, meta=meta)
    raise InputError(name, f"a {fmt} file holds many articles; upload one article (text or HTML), "
                           "or store a corpus with `slant ingest`")


def _str(value) -> str | None:  # noqa: ANN001
    return value if isinstance(value, str) and value else None


def _date(value) -> str | None:  # noqa: ANN001
    import re

    value = _str(value)
    if value is None:
        return None
    if not re.match(_DATE, value):
        raise InputError("<request>", f"date {value!r} is not an ISO date (YYYY-MM-DD)")
    return value


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            e = errors()[0]
            return f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}".strip(": ")
        except Exception:  # noqa: BLE001
            pass
    return str(exc).splitlines()[0]


async def read_request(request: Request) -> Article:
    art = await _read_body(request)
    check_length(art.text, "<request>")
    return art


async def _read_body(request: Request) -> Article:
    ctype = request.headers.get("content-type", "")
    if ctype.lower().startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=1, max_fields=20)
        except Exception as exc:  # noqa: BLE001 - malformed multipart bodies
            raise InputError("<request>", f"cannot read the form: {exc}") from None
        fields: dict = {}
        for key, value in form.multi_items():
            if hasattr(value, "read"):
                fields[key] = Upload(value.filename or "", await value.read())
            else:
                fields[key] = value
        return parse_body(b"", ctype, fields)
    return parse_body(await request.body(), ctype)


_ANALYZE_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": AnalyzeJSON.model_json_schema(ref_template="#/components/schemas/{model}")},
        "text/plain": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary", "description": "A text or HTML file"},
            "text": {"type": "string"}, "source": {"type": "string"}, "date": {"type": "string"}}}},
    },
}


@router.post(
    "/analyze",
    summary="Analyse one article",
    description="Reads the article (JSON with `text` or `html`, a text/plain or text/html body, or a multipart "
                "upload with a `file` or `text` field), runs the server's pipeline and returns the Article JSON. "
                "Bodies over 10 MB get 413. When the analysis queue is full (`slant serve --queue-depth`), "
                "503 with a Retry-After header.",
    openapi_extra={"requestBody": _ANALYZE_BODY},
    responses={200: {"description": "The analysed Article", "content": {"application/json": {"schema": ARTICLE_REF}}},
               400: _ERR, 413: _ERR, 415: _ERR, 503: _BUSY},
    response_class=Response,
)
async def analyze(request: Request) -> Response:
    runner = request.app.state.runner
    runner.check()  # a full queue refuses before the body is read and parsed
    art = await read_request(request)
    art = await runner.analyse(art)
    return Response(art.to_json(), media_type="application/json")


def _filters(source, date_from, date_to, technique, frame, narrative, actor, claims=False) -> Filters:  # noqa: ANN001
    return Filters(source=source or None, date_from=date_from or None, date_to=date_to or None,
                   technique=technique or None, frame=frame or None, narrative=narrative or None,
                   actor=actor or None, claims=bool(claims))


def corpus_of(request: Request):  # noqa: ANN201
    corpus = request.app.state.corpus
    if corpus is None:
        raise HTTPException(404, "no corpus: start the server with --db to search stored articles")
    return corpus


Q = Annotated[str | None, Query(max_length=500, description="Full-text query (words; \"quoted phrases\")")]
Source = Annotated[str | None, Query(max_length=200, description="Only this source (outlet)")]
DateFrom = Annotated[str | None, Query(pattern=_DATE, description="Dated on or after (YYYY-MM-DD)")]
DateTo = Annotated[str | None, Query(pattern=_DATE, description="Dated on or before (YYYY-MM-DD)")]
Tech = Annotated[str | None, Query(max_length=200, description="Has this technique (part of the name)")]
Frame = Annotated[str | None, Query(max_length=200, description="Has this frame")]
Narr = Annotated[str | None, Query(max_length=200, description="Has this narrative or subnarrative")]
ActorQ = Annotated[str | None, Query(max_length=200, description="Names this actor")]
ClaimsQ = Annotated[bool, Query(description="Has a sentence marked check-worthy (the claims layer)")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.get("/articles", response_model=Page, summary="Search stored articles", responses={400: _ERR, 404: _ERR})
def articles(request: Request, q: Q = None, source: Source = None, date_from: DateFrom = None,
             date_to: DateTo = None, technique: Tech = None, frame: Frame = None, narrative: Narr = None,
             actor: ActorQ = None, claims: ClaimsQ = False, limit: Limit = 20, offset: Offset = 0) -> dict:
    corpus = corpus_of(request)
    return corpus.search(q, _filters(source, date_from, date_to, technique, frame, narrative, actor, claims), limit, offset)


@router.get("/articles/{article_id}", summary="One stored article", response_class=Response,
            responses={200: {"description": "The Article", "content": {"application/json": {"schema": ARTICLE_REF}}},
                       404: _ERR})
def article(request: Request, article_id: Annotated[str, Path(max_length=64)]) -> Response:
    art = corpus_of(request).article(article_id)
    if art is None:
        raise HTTPException(404, f"no article {article_id!r} in the corpus")
    return Response(art.to_json(), media_type="application/json")


@router.get("/stats", response_model=StatsTable, summary="Counts per source, month, technique, frame, "
            "narrative or actor role", responses={400: _ERR, 404: _ERR})
def stats(request: Request, by: Annotated[Literal[BY], Query()] = "technique", q: Q = None,  # type: ignore[valid-type]
          source: Source = None, date_from: DateFrom = None, date_to: DateTo = None, technique: Tech = None,
          frame: Frame = None, narrative: Narr = None, actor: ActorQ = None, claims: ClaimsQ = False,
          limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> dict:
    corpus = corpus_of(request)
    return corpus.stats(by, q, _filters(source, date_from, date_to, technique, frame, narrative, actor, claims), limit)


@router.get("/dupes", response_model=DupesPage, summary="Near-duplicate groups, largest first",
            responses={404: _ERR})
def dupes(request: Request, limit: Limit = 20, offset: Offset = 0) -> dict:
    return corpus_of(request).dupes(limit, offset)


@router.get("/stories", response_model=StoriesPage, summary="Stories told more than once (copies and "
            "retellings), largest first, each ordered by date", responses={404: _ERR})
def stories(request: Request, limit: Limit = 20, offset: Offset = 0) -> dict:
    return corpus_of(request).stories(limit, offset)


@router.get("/articles/{article_id}/nearest", response_model=list[Neighbour],
            summary="The stored stories nearest one article's", responses={404: _ERR})
def nearest(request: Request, article_id: Annotated[str, Path(max_length=64)],
            k: Annotated[int, Query(ge=1, le=100)] = 10) -> list:
    found = corpus_of(request).nearest(article_id, k)
    if found is None:
        raise HTTPException(404, f"no story vector for article {article_id!r} in the corpus")
    return found


@router.get("/compare", response_model=Comparison, summary="What a stored retelling kept, added and dropped",
            description="Aligns the sentences and paragraphs of article `b` (the retelling, any language) with "
                        "those of article `a` (the original) and lists the technique spans, loaded words and "
                        "quotes only `b` has (`additions`, loaded words first). `slant.compare`; the compare page "
                        "is `/compare?a=&b=`.", responses={404: _ERR, 503: _ERR})
def compare(request: Request, a: Annotated[str, Query(max_length=64, description="Id of the stored original")],
            b: Annotated[str, Query(max_length=64, description="Id of the stored retelling")]) -> Comparison:
    from .compare_view import run_compare, stored_pair

    return run_compare(*stored_pair(corpus_of(request), a, b))


@router.get("/health", response_model=Health, summary="Server status and the pipeline it runs")
def health(request: Request) -> dict:
    from .. import __version__

    st = request.app.state
    return {"status": "ok", "version": __version__, "analysers": st.pipeline.names, "skipped": st.skipped,
            "corpus": st.corpus is not None, "queue": st.runner.status()}


def error_json(status: int, detail: str) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json")


__all__ = ["router", "read_request", "error_json", "SlantError"]
