"""The JSON API: analyse an article, read the corpus (search, one article, statistics, dupes), and
correct a stored article (``slant.corrections``: history, version, the corrected article, review summary).

Every route is a library call (readers, the pipeline, ``slant.search``, ``slant.stats``,
``slant.dupes``); errors a client can cause come back as 4xx with ``{"detail": "..."}``. When the
pipeline's queue is full, analyse requests get 503 in the same format, with a Retry-After header.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Annotated, Any, Literal

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


# --- corrections (slant.corrections): an analyst corrects, the corpus keeps it beside the model's output ---

Layer = Literal["techniques", "actors", "quotes", "labels"]
Op = Literal["accept", "reject", "relabel", "add", "review", "role", "fine_roles", "merge", "split", "speaker", "set",
             "remove"]


class CorrectionIn(BaseModel):
    """One correction: which layer, what operation, on which target, to what (see the docs' table of ops)."""

    layer: Layer
    op: Op
    target: dict[str, Any] = Field(default_factory=dict, description="What is corrected, named by content: a span "
                                   "{start, end, technique}, an actor {actor, name}, a quote {start, end}, a label "
                                   "{task[, label]}; {} for techniques add and review")
    after: dict[str, Any] | None = Field(None, description="The new value, for the ops that set one")
    note: str | None = Field(None, max_length=2000, description="The analyst's reason, for the history")


class CorrectionsIn(BaseModel):
    base_version: int = Field(ge=0, le=1_000_000_000, description="The article's version the corrections were made "
                              "on, as GET .../corrections gave it; a stale one gets 409 with the current state")
    author: str | None = Field(None, max_length=64, description="Who corrects: required when the server has no "
                               "analysts' tokens (slant serve --tokens); with them, the token names the author")
    corrections: list[CorrectionIn] | None = Field(None, min_length=1, max_length=200,
                                                  description="Corrections, applied in order, stored all or none")
    correction: CorrectionIn | None = Field(None, description="One correction (instead of `corrections`)")


class CorrectionOut(BaseModel):
    id: int
    article_id: str
    seq: int = Field(description="The article's version once this correction was made")
    base_version: int = Field(description="The version its author saw")
    layer: str
    op: str
    target: dict[str, Any] = {}
    before: Any = Field(None, description="The target as its author saw it")
    after: dict[str, Any] | None = None
    note: str | None = None
    author: str
    created_at: str = Field(description="ISO 8601, UTC")
    model: str | None = Field(None, description="analyser@version (model) of the layer corrected")


class CorrectionsStored(BaseModel):
    article_id: str
    version: int = Field(description="The article's version now")
    corrections: list[CorrectionOut]


class CorrectionConflict(BaseModel):
    detail: str
    article_id: str
    base_version: int
    version: int = Field(description="The article's current version: correct again on it")
    corrections: list[CorrectionOut] = Field(description="The corrections made since `base_version`")


class SkippedCorrection(BaseModel):
    id: int | None
    reason: str


class CorrectionsPage(BaseModel):
    items: list[CorrectionOut]
    next: int | None = Field(description="Pass as `since` for the corrections after these (None: no more now)")


class ReviewAuthor(BaseModel):
    author: str
    corrections: int
    articles: int
    last: str | None


class ReviewTechnique(BaseModel):
    technique: str
    label: str = Field(description="Human name of the technique")
    accepted: int
    rejected: int
    relabelled: int = Field(description="Spans of this technique given another")
    added: int = Field(description="Spans of this technique the model missed")
    reject_rate: float | None = Field(description="(rejected + relabelled) / judged")


class ReviewSummary(BaseModel):
    articles: int = Field(description="Articles in the corpus")
    reviewed: int = Field(description="Articles with at least one correction")
    corrections: int
    layers: list[dict[str, str | int]] = Field(description="Articles corrected, per layer")
    ops: list[dict[str, str | int]]
    authors: list[ReviewAuthor]
    techniques: list[ReviewTechnique] = Field(description="Most often rejected first")


class WhoAmI(BaseModel):
    author: str | None = Field(description="The analyst the request's token names (None: not known)")
    named_by: Literal["token", "name"] = Field(description="token: corrections are recorded under `author`; name: "
                                               "send your name as `author` with each POST of corrections")


_CORR_ERR = {400: _ERR, 404: _ERR}
_HISTORY = {
    "type": "object",
    "required": ["article_id", "version", "reviewed", "corrections", "skipped"],
    "properties": {
        "article_id": {"type": "string"},
        "version": {"type": "integer", "description": "The article's version: send it as base_version"},
        "reviewed": {"type": "array", "items": {"type": "string"},
                     "description": "Layers corrected or reviewed (labels:TASK for document labels)"},
        "corrections": {"type": "array", "items": {"$ref": "#/components/schemas/CorrectionOut"}},
        "skipped": {"type": "array", "items": {"$ref": "#/components/schemas/SkippedCorrection"},
                    "description": "Corrections whose target the article no longer has (re-analysed since)"},
        "article": {**ARTICLE_REF, "description": "With apply=true: the corrected Article (the stored one, "
                                                  "GET /api/articles/{id}, is the model's original)"},
    },
}
ArticleId = Annotated[str, Path(max_length=64)]
AuthorQ = Annotated[str | None, Query(max_length=64, description="Only this analyst's corrections")]
SinceQ = Annotated[str | None, Query(max_length=40, description="A correction id (those after it) or an ISO date or "
                                                                "date-time (those made at or after it)")]


def _plain(*values: str | None) -> None:
    """Refuse a NUL character in a value that reaches the database (PostgreSQL text cannot hold one)."""
    if any(v is not None and "\x00" in v for v in values):
        raise HTTPException(400, "a NUL character is not allowed here")


def _author_of(request: Request, given: str | None) -> str:
    from ..corrections import check_author
    from .security import AUTHOR

    named = request.scope.get(AUTHOR)
    if named:
        if given is not None and given.strip() and " ".join(given.split()) != named:
            raise HTTPException(403, f"this token is {named}'s: it cannot correct as {given[:64]!r}")
        return named
    return check_author(given)


@router.get("/whoami", response_model=WhoAmI, summary="Who the server records as the author of corrections")
def whoami(request: Request) -> dict:
    from .security import AUTHOR

    named = request.scope.get(AUTHOR)
    return {"author": named, "named_by": "token" if named else "name"}


@router.post("/articles/{article_id}/corrections", response_model=CorrectionsStored, status_code=201,
             summary="Correct a stored article",
             description="Stores corrections of the article's layers (all or none), made on version `base_version` "
                         "of it. The model's output is kept as it is; GET the corrections with `apply=true` for the "
                         "corrected article. A stale `base_version` (another analyst corrected the article meanwhile) "
                         "gets 409 with the current version and the corrections made since.",
             responses={**_CORR_ERR, 403: _ERR, 409: {"description": "The article changed since base_version",
                                                      "model": CorrectionConflict}})
def post_corrections(request: Request, article_id: ArticleId, body: CorrectionsIn) -> dict | Response:
    from ..corrections import Conflict, Correction, NoArticle, submit

    store = corpus_of(request).store
    _plain(article_id)
    if (body.corrections is None) == (body.correction is None):
        raise HTTPException(400, "give either corrections (a list) or correction (one)")
    items = [Correction(layer=c.layer, op=c.op, target=c.target, after=c.after, note=c.note)
             for c in (body.corrections or [body.correction])]
    author = _author_of(request, body.author)
    try:
        version, stored = submit(store, article_id, body.base_version, items, author)
    except NoArticle as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        payload = CorrectionConflict(detail=str(exc), article_id=article_id, base_version=exc.base_version,
                                     version=exc.version, corrections=[c.to_dict() for c in exc.since])
        return Response(payload.model_dump_json(), status_code=409, media_type="application/json")
    return {"article_id": article_id, "version": version, "corrections": [c.to_dict() for c in stored]}


@router.get("/articles/{article_id}/corrections", summary="An article's corrections, its version, and the "
            "corrected article", response_class=Response,
            description="The history of the article's corrections, oldest first, and its version (send it as "
                        "`base_version` with the next corrections). With `apply=true`, also the corrected Article: "
                        "the stored one with the corrections applied in order (with `author`, that analyst's alone).",
            responses={200: {"description": "History and version", "content": {"application/json": {"schema": _HISTORY}}},
                       **_CORR_ERR})
def get_corrections(request: Request, article_id: ArticleId,
                    apply: Annotated[bool, Query(description="Also return the corrected Article")] = False,
                    author: AuthorQ = None) -> Response:
    import msgspec

    from ..corrections import NoArticle, corrected

    store = corpus_of(request).store
    _plain(article_id, author)
    try:
        _, past, rp = corrected(store, article_id, author)
    except NoArticle as exc:
        raise HTTPException(404, str(exc)) from None
    payload: dict = {"article_id": article_id, "version": store.correction_version(article_id),
                     "reviewed": sorted(rp.reviewed), "corrections": [c.to_dict() for c in past],
                     "skipped": [{"id": c.id, "reason": why} for c, why in rp.skipped]}
    if apply:
        payload["article"] = rp.article
    return Response(msgspec.json.encode(payload), media_type="application/json")


@router.get("/corrections", response_model=CorrectionsPage, summary="Corrections across the corpus, oldest first",
            description="For following the corrections as they are made: pass the last page's `next` as `since`.",
            responses=_CORR_ERR)
def list_corrections(request: Request, since: SinceQ = None, author: AuthorQ = None,
                     layer: Annotated[Layer | None, Query(description="Only this layer's")] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    from ..corrections import parse_since

    store = corpus_of(request).store
    _plain(author)
    after_id, t = parse_since(since)
    items = store.corrections(after_id=after_id, since=t, author=author, layer=layer, limit=limit)
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}


@router.get("/corrections/summary", response_model=ReviewSummary, summary="How far review has gone",
            description="Articles reviewed (of the corpus), per layer and per analyst, and the techniques analysts "
                        "most often reject: the data of the corpus page's review chart.", responses=_CORR_ERR)
def corrections_summary(request: Request, author: AuthorQ = None, since: SinceQ = None) -> dict:
    store = corpus_of(request).store
    _plain(author)
    return review_summary_of(store, author=author, since=since)


def review_summary_of(store, author: str | None = None, since: str | None = None) -> dict:  # noqa: ANN001
    """``slant.corrections.review_summary`` with the techniques' human names: the API's summary and
    the corpus page's review panel."""
    from ..corrections import review_summary
    from ..display import human_label

    out = review_summary(store, author=author, since=since)
    out["techniques"] = [{**t, "label": human_label(t["technique"])} for t in out["techniques"]]
    return out


@router.get("/health", response_model=Health, summary="Server status and the pipeline it runs")
def health(request: Request) -> dict:
    from .. import __version__

    st = request.app.state
    return {"status": "ok", "version": __version__, "analysers": st.pipeline.names, "skipped": st.skipped,
            "corpus": st.corpus is not None, "queue": st.runner.status()}


def error_json(status: int, detail: str) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json")


__all__ = ["router", "read_request", "error_json", "SlantError"]
