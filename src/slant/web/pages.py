"""Server-rendered pages: analyse, article view, corpus, compare, API reference.

Templates get plain data (``view.py``) and Jinja escapes every value: article text never reaches
the page as markup. Data the scripts need travels as JSON in a ``<script type="application/json">``
block through Jinja's ``tojson`` filter, which escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from ..article import Article
from ..compare import Comparison
from ..errors import InputError, SlantError
from ..stats import BY
from ..text import check_length
from . import compare_view, review_view, view
from .api import _DATE, _filters, read_request, review_summary_of

router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
    st = request.app.state
    return st.templates.TemplateResponse(request, name, {"analysers": st.pipeline.names,
                                                          "has_corpus": st.corpus is not None, **ctx},
                                         status_code=status)


def article_page(request: Request, art: Article, stored: bool, tellings: list[dict] | None = None,
                 review: dict | None = None) -> HTMLResponse:
    """An article's page. ``review`` (a stored article's, ``review_view.page``): ``art`` is the
    corrected article (or the model's original, on request), with what the analysts changed marked
    and, on the corrected one, the correcting tools."""
    ctx = dict(
        art=art, meta=art.meta, paragraphs=view.layout(art, review_view.confirmed_spans(art, review)),
        categories=view.categories(), labels=view.labels_by_task(art), actors=view.actors_view(art),
        actors_shown=view.ACTORS_SHOWN, quotes=view.quotes_view(art),
        others=view.other_layers(art), data=view.page_data(art), stored=stored, not_run=view.not_run_view(art),
        tellings=tellings or [], review=review,
        counts={c["index"]: sum(1 for t in art.techniques
                                if view.technique_info().get(t.technique, {}).get("cat") == c["index"])
                for c in view.categories()},
    )
    if review is not None:
        review_view.decorate(ctx, art, review)
    return render(request, "article.html", **ctx)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "analyse.html")


@router.post("/analyze", response_class=HTMLResponse)
async def analyse_form(request: Request) -> HTMLResponse:
    try:
        art = await read_request(request)
        art = await request.app.state.runner.analyse(art)
    except SlantError as exc:
        return render(request, "analyse.html", status=400, error=str(exc))
    return article_page(request, art, stored=False)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def stored_article(request: Request, article_id: str, original: bool = False) -> HTMLResponse:
    """A stored article as the analysts corrected it (the stored one with its corrections applied),
    or with ``?original=1`` the model's output as stored."""
    from ..corrections import Replay, history, replay

    corpus = request.app.state.corpus
    art = corpus.article(article_id[:64]) if corpus is not None else None
    if art is None:
        raise HTTPException(404, f"no article {article_id!r} in the corpus")
    past = history(corpus.store, art.meta.id)
    rp = replay(art, past) if past else Replay(article=art)  # no corrections: no copy to make
    review = review_view.page(art, past, rp, original)
    return article_page(request, art if original else rp.article, stored=True, tellings=tellings_of(corpus, art),
                        review=review)


TELLINGS = 8  # other tellings shown on an article's page


def tellings_of(corpus, art: Article) -> list[dict]:  # noqa: ANN001
    """The stored articles that tell the article's story (copy, retelling, same event), nearest
    first, each with the compare link that puts the earlier of the two on the left."""
    out = []
    for n in corpus.nearest(art.meta.id, TELLINGS) or []:
        if n["relation"] is None:
            continue
        earlier = (n["date"] or "9999") < (art.meta.date or "9999")
        a, b = (n["id"], art.meta.id) if earlier else (art.meta.id, n["id"])
        out.append({**n, "compare": "/compare?" + urlencode({"a": a, "b": b}), "earlier": earlier})
    return out


@router.get("/corpus", response_class=HTMLResponse)
def corpus_page(request: Request, q: str | None = None, source: str | None = None,
                date_from: Annotated[str | None, Query(pattern=_DATE + "|^$")] = None,
                date_to: Annotated[str | None, Query(pattern=_DATE + "|^$")] = None,
                technique: str | None = None, frame: str | None = None, narrative: str | None = None,
                actor: str | None = None, claims: bool = False, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    corpus = request.app.state.corpus
    form = {"q": q or "", "source": source or "", "date_from": date_from or "", "date_to": date_to or "",
            "technique": technique or "", "frame": frame or "", "narrative": narrative or "", "actor": actor or "",
            "claims": "1" if claims else ""}
    if corpus is None:
        return render(request, "corpus.html", form=form, results=None, stats=None, dupes=None, size=0)
    filters = _filters(source, date_from, date_to, technique, frame, narrative, actor, claims)
    error = None
    try:
        results = corpus.search(q, filters, 25, offset)
        stats = corpus.all_stats(q, filters)
    except SlantError as exc:
        error, results, stats = str(exc), None, None
    return render(request, "corpus.html", form=form, results=results, stats=stats, by=BY, error=error,
                  dupes=corpus.dupes(20, 0), stories=corpus.stories(20, 0), size=corpus.size(), offset=offset,
                  qs=urlencode({k: v for k, v in form.items() if v}), review=review_summary_of(corpus.store))


def compare_page_of(request: Request, a: Article, b: Article, result: Comparison, stored: bool) -> HTMLResponse:
    return render(request, "compare.html", a=a.meta, b=b.meta, stored=stored, categories=view.categories(),
                  form={"a": a.meta.id if stored else "", "b": b.meta.id if stored else ""},
                  **compare_view.page(a, b, result))


RefQ = Annotated[str | None, Query(max_length=64, description="Id of a stored article")]


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, a: RefQ = None, b: RefQ = None) -> HTMLResponse:
    """Two stored articles side by side (``?a=original&b=retelling``), or the form to choose them."""
    form = {"a": a or "", "b": b or ""}
    if not a and not b:
        return render(request, "compare.html", form=form, rows=None)
    if not a or not b:
        return render(request, "compare.html", status=400, form=form, rows=None,
                      error="give two articles: the original (a) and its retelling (b)")
    art_a, art_b = compare_view.stored_pair(request.app.state.corpus, a, b)
    return compare_page_of(request, art_a, art_b, compare_view.run_compare(art_a, art_b), stored=True)


@router.post("/compare", response_class=HTMLResponse)
async def compare_texts(request: Request) -> HTMLResponse:
    """Two pasted texts, analysed by the server's pipeline, then side by side."""
    from ..readers.plain import parse_plain

    try:
        try:
            form = await request.form(max_files=0, max_fields=10)
        except Exception as exc:  # noqa: BLE001 - a malformed body
            raise InputError("<form>", f"cannot read the form: {exc}") from None
        texts = [form.get("a_text"), form.get("b_text")]
        if not all(isinstance(t, str) and t.strip() for t in texts):
            raise InputError("<form>", "paste both articles: the original and its retelling")
        arts = [parse_plain(t, source="<form>") for t in texts]
        for art in arts:
            check_length(art.text, "<form>")
        runner = request.app.state.runner
        art_a, art_b = await asyncio.gather(runner.analyse(arts[0]), runner.analyse(arts[1]))
    except SlantError as exc:
        return render(request, "compare.html", status=400, form={"a": "", "b": ""}, rows=None,
                      error=exc.reason if isinstance(exc, InputError) else str(exc))
    result = await run_in_threadpool(compare_view.run_compare, art_a, art_b)
    return compare_page_of(request, art_a, art_b, result, stored=False)


@router.get("/api", response_class=HTMLResponse)
def api_reference(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    ops = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            params = [{"name": p["name"], "in": p["in"], "description": p.get("description") or
                       p.get("schema", {}).get("pattern", "")} for p in op.get("parameters", [])]
            body = list(op.get("requestBody", {}).get("content", {}))
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params, "body": body,
                        "responses": list(op.get("responses", {}))})
    return render(request, "api.html", ops=ops)
