"""Corrections: an analyst's changes to a stored Article, kept beside the model's output, never over it.

A correction names a ``layer``, an ``op``, a ``target`` (what it changes, named by content, so that
it still finds its object in the article it was made on: a span by its offsets and technique, an
actor by its index *and* name, a quote by its offsets, a label by its task and name) and, where
the op needs one, the value ``after``. The store adds the value ``before`` (read off the article
as the analyst saw it), the author, the time, the model version of the layer corrected and the
article's version the correction was made on (``slant.store.Store.add_corrections``).

Operations, by layer:

| layer | op | target | after |
|---|---|---|---|
| techniques | accept | ``{start, end, technique}`` | -- |
| techniques | reject | ``{start, end, technique}`` | -- |
| techniques | relabel | ``{start, end, technique}`` | ``{technique[, start, end]}`` |
| techniques | add | ``{}`` | ``{start, end, technique}`` |
| actors | role | ``{actor, name}`` | ``{role[, fine_roles]}`` (role null: not cast) |
| actors | fine_roles | ``{actor, name}`` | ``{fine_roles}`` |
| actors | merge | ``{actor, name}`` | ``{actor, name}``: the actor it joins |
| actors | split | ``{actor, name}`` | ``{mentions: [{start, end}], name?}`` |
| quotes | speaker | ``{start, end}`` | ``{actor, name}``, ``{actor: null}`` or ``{span: {start, end}}`` |
| labels | set | ``{task}`` | ``{label}`` (genre: replaces the genre) |
| labels | remove | ``{task, label}`` | -- |
| any | review | ``{}`` (labels: ``{task}``) | -- (the analyst checked the whole layer) |

:func:`replay` (and :func:`apply`) plays an article's corrections in order on a *copy* of the stored
Article: the model's output stays as the store holds it, and the corrected article is a function
of the two. A layer an analyst corrected counts as reviewed; the spans and labels they left alone
count as accepted (the usual way of correcting pre-annotations), and ``review`` marks a layer that
needed no change at all. Once the techniques layer is corrected, the paragraph techniques of the
corrected article are those of its spans (SemEval-2023 Task 3 subtask 3 labels a paragraph with
the techniques of the spans in it).

A technique correction names a span as the model or an earlier correction left it, so two analysts
may judge the model's spans independently: a reject of a span another analyst rejected already
changes nothing (and agrees with them), and the latest judgement of a model span wins. Targets
that are found nowhere (the article was re-analysed since, and the model wrote other spans) are
refused when a correction is made, and skipped, with the reason, when corrections are replayed.

Versions: an article's version is the number of corrections stored for it. A correction carries
the version its author saw (``base_version``); one made on an older version is refused with the
current version and the corrections since (:class:`Conflict`, HTTP 409), so that nothing an
analyst corrected is lost to another's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from .article import Actor, Article, DocLabel, ParagraphTechniques, Span, TechniqueSpan
from .errors import SlantError

OPS: dict[str, tuple[str, ...]] = {
    "techniques": ("accept", "reject", "relabel", "add", "review"),
    "actors": ("role", "fine_roles", "merge", "split", "review"),
    "quotes": ("speaker", "review"),
    "labels": ("set", "remove", "review"),
}
LABEL_TASKS = ("genre", "frames", "narratives", "subnarratives")
MAX_TEXT = 300  # longest label or actor name a correction may carry
ANALYST = "corrections"  # the name corrected layers carry in the corrected article's provenance
_AUTHOR = re.compile(r"^\w[\w .@'+-]{0,63}$")


class CorrectionError(SlantError):
    """A correction that cannot be made: names the correction and says why, in one line."""


class Conflict(SlantError):
    """Corrections made on an older version of the article: the current version and the
    corrections stored since the version the client saw."""

    def __init__(self, article_id: str, base_version: int, version: int, since: list[Correction]):
        self.article_id = article_id
        self.base_version = base_version
        self.version = version
        self.since = since
        super().__init__(f"article {article_id} is at version {version}, not {base_version}: "
                         f"{version - base_version} correction(s) were made since; reload and correct again")


class Correction(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One analyst's change to one layer of one article (one row of the store's ``corrections``)."""

    layer: str
    op: str
    target: dict[str, Any] = {}
    after: dict[str, Any] | None = None
    before: Any = None  # the target as the author saw it, read off the article by the store
    note: str | None = None
    # filled by the store
    id: int | None = None
    article_id: str | None = None
    seq: int | None = None  # the article's version once this correction is made (1, 2, ...)
    base_version: int | None = None  # the version the author saw
    author: str | None = None
    created_at: str | None = None  # ISO 8601, UTC
    model: str | None = None  # analyser@version (model) of the layer corrected, from the Article's provenance

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)

    @classmethod
    def from_dict(cls, data: dict) -> Correction:
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError as exc:
            raise CorrectionError(f"not a correction: {exc}") from None

    def describe(self) -> str:
        return f"{self.layer} {self.op}"


@dataclass
class Replay:
    """The corrected article, and what replaying the corrections did."""

    article: Article
    applied: list[Correction] = field(default_factory=list)
    skipped: list[tuple[Correction, str]] = field(default_factory=list)  # not applied, and why
    reviewed: set[str] = field(default_factory=set)  # layers corrected or reviewed ("labels:frames" per task)

    @property
    def version(self) -> int:
        return len(self.applied) + len(self.skipped)


# --- replaying -------------------------------------------------------------------------------------


def apply(article: Article, corrections: Iterable[Correction], *, strict: bool = False) -> Article:
    """The corrected article: a copy of ``article`` with ``corrections`` applied in order."""
    return replay(article, corrections, strict=strict).article


def replay(article: Article, corrections: Iterable[Correction], *, strict: bool = False) -> Replay:
    """Apply ``corrections`` in order to a copy of ``article``. A correction whose target is not
    in the article is skipped and reported (``strict``: a :class:`CorrectionError`)."""
    state = _State(article)
    out = Replay(article=state.art)
    for c in corrections:
        try:
            state.apply(c)
        except CorrectionError as exc:
            if strict:
                raise
            out.skipped.append((c, str(exc)))
            continue
        out.applied.append(c)
    state.finish(out)
    return out


def prepare(article: Article, history: Sequence[Correction], new: Sequence[Correction]) -> list[Correction]:
    """``new`` checked against the article as its author saw it (``article`` with ``history``
    applied), each after the ones before it, with ``before`` and ``model`` filled in; the first
    that cannot be made raises a :class:`CorrectionError` naming it."""
    state = _State(article)
    for c in history:
        try:
            state.apply(c)
        except CorrectionError:
            pass  # stale since (re-analysed article): the view skips it too
    out = []
    for k, c in enumerate(new, 1):
        if c.note is not None and (len(c.note) > 2000 or "\x00" in c.note):
            raise CorrectionError(f"correction {k}: a note is text of at most 2000 characters")
        if c.layer not in OPS:
            raise CorrectionError(f"correction {k}: unknown layer {c.layer!r}; corrections change "
                                  f"{', '.join(OPS)}")
        try:
            before = state.apply(c)
        except CorrectionError as exc:
            raise CorrectionError(f"correction {k} ({c.describe()}): {exc}") from None
        out.append(msgspec.structs.replace(c, before=before, model=layer_model(article, c)))
    return out


def layer_model(article: Article, c: Correction) -> str | None:
    """Which analyser, version and model wrote the layer ``c`` corrects (the Article's provenance)."""
    if c.layer == "labels":
        task = str(c.target.get("task", ""))
        names = {"subnarratives": "narratives"}.get(task, task)
        provs = [p for p in article.provenance if p.layer == "labels" and p.status == "ran" and p.analyser == names]
        provs = provs or [p for p in article.provenance if p.layer == "labels" and p.status == "ran"]
    elif c.layer == "actors" and c.op in ("role", "fine_roles"):
        provs = [p for p in article.provenance if p.layer in ("roles", "actors") and p.status == "ran"]
        provs = [p for p in provs if p.layer == "roles"] or provs
    else:
        provs = [p for p in article.provenance if p.layer == c.layer and p.status == "ran"]
    if not provs:
        return None
    return ", ".join(f"{p.analyser}@{p.version}" + (f" ({p.model})" if p.model else "") for p in provs)


def version_of(history: Sequence[Correction]) -> int:
    """The version of an article with this history: the number of its corrections."""
    return max((c.seq or 0 for c in history), default=len(history)) if history else 0


def reviewed_layers(corrections: Iterable[Correction]) -> set[str]:
    """The layers ``corrections`` correct or review (``labels:TASK`` for document labels)."""
    out = set()
    for c in corrections:
        out.add(c.layer)
        if c.layer == "labels" and isinstance(c.target.get("task"), str):
            out.add(f"labels:{c.target['task']}")
    return out


def by_author(corrections: Iterable[Correction]) -> dict[str, list[Correction]]:
    out: dict[str, list[Correction]] = {}
    for c in corrections:
        out.setdefault(c.author or "", []).append(c)
    return out


def check_author(name: object) -> str:
    """An author's name as corrections record it: 1-64 characters, starting with a letter or digit."""
    if not isinstance(name, str) or not name.strip():
        raise CorrectionError("give your name as author (the server has no analyst tokens to name you)")
    name = " ".join(name.split())
    if not _AUTHOR.match(name):
        raise CorrectionError(f"author {name[:70]!r}: use 1-64 letters, digits, spaces and . @ ' + -")
    return name


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the store: history, new corrections, the review summary ------------------------------------


class NoArticle(SlantError):
    """The corpus has no article of that id."""


def from_rows(rows: Iterable[dict]) -> list[Correction]:
    """Corrections from the store's rows (``Store.corrections``)."""
    return [Correction.from_dict({k: v for k, v in r.items() if v is not None}) for r in rows]


def history(store, article_id: str, author: str | None = None) -> list[Correction]:  # noqa: ANN001
    """An article's corrections in the order they were made (``author``: only theirs)."""
    return from_rows(store.corrections(article_id, author=author))


def stored_article(store, article_id: str) -> Article:  # noqa: ANN001
    art = store.article(article_id)
    if art is None:
        raise NoArticle(f"no article {article_id!r} in the corpus")
    return art


def submit(store, article_id: str, base_version: int, new: Sequence[Correction], author: str  # noqa: ANN001
           ) -> tuple[int, list[Correction]]:
    """Check ``new`` against the article at version ``base_version`` and store them, all or none:
    (the article's new version, the corrections as stored). A stale ``base_version`` raises
    :class:`Conflict` with the corrections made since; a correction that cannot be made raises
    :class:`CorrectionError` naming it."""
    from .store import StaleVersion

    author = check_author(author)
    if not new:
        raise CorrectionError("no corrections given")
    article = stored_article(store, article_id)
    past = history(store, article_id)
    version = version_of(past)
    if base_version != version:
        raise Conflict(article_id, base_version, version, [c for c in past if (c.seq or 0) > base_version])
    checked = prepare(article, past, new)
    rows = [{**c.to_dict(), "author": author} for c in checked]
    try:
        stored = from_rows(store.add_corrections(article_id, base_version, rows))
    except StaleVersion as exc:  # another analyst stored theirs between our read and our write
        past = history(store, article_id)
        raise Conflict(article_id, base_version, exc.version, [c for c in past if (c.seq or 0) > base_version]) from None
    return version_of(stored) or base_version, stored


def corrected(store, article_id: str, author: str | None = None) -> tuple[Article, list[Correction], Replay]:  # noqa: ANN001
    """(the stored Article, its corrections, their replay); ``author``: that analyst's alone."""
    article = stored_article(store, article_id)
    past = history(store, article_id, author)
    return article, past, replay(article, past)


def parse_since(value: str | None) -> tuple[int | None, datetime | None]:
    """``since`` as the API and the CLI take it: a correction id (those after it) or an ISO date
    or date-time (those made at or after it, UTC unless it says otherwise)."""
    if value is None or not value.strip():
        return None, None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(int(value), 2**62), None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return None, t.astimezone(timezone.utc) if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        raise CorrectionError(f"since {value[:40]!r}: give a correction id or an ISO date (YYYY-MM-DD) "
                              "or date-time") from None


def review_summary(store, author: str | None = None, since: str | None = None) -> dict:  # noqa: ANN001
    """How far review has gone: articles reviewed (of the corpus), per layer and per analyst, and
    the techniques analysts most often reject (rejected or relabelled, beside accepted and added)."""
    after_id, t = parse_since(since)
    rows = store.corrections(after_id=after_id, since=t, author=author)
    total = store.count()
    articles: set[str] = set()
    layers: dict[str, set[str]] = {}
    ops: dict[tuple[str, str], int] = {}
    authors: dict[str, dict] = {}
    tech: dict[str, dict[str, int]] = {}

    def count(name: str, what: str) -> None:
        row = tech.setdefault(name, {"accepted": 0, "rejected": 0, "relabelled": 0, "added": 0})
        row[what] += 1

    for r in rows:
        aid = r["article_id"]
        articles.add(aid)
        layers.setdefault(r["layer"], set()).add(aid)
        ops[(r["layer"], r["op"])] = ops.get((r["layer"], r["op"]), 0) + 1
        a = authors.setdefault(r["author"], {"author": r["author"], "corrections": 0, "articles": set(), "last": None})
        a["corrections"] += 1
        a["articles"].add(aid)
        a["last"] = max(a["last"] or "", r["created_at"])
        if r["layer"] == "techniques":
            target, after = r["target"] or {}, r["after"] or {}
            name = target.get("technique")
            if r["op"] == "accept" and name:
                count(name, "accepted")
            elif r["op"] == "reject" and name:
                count(name, "rejected")
            elif r["op"] == "relabel" and name:
                count(name, "relabelled")
            elif r["op"] == "add" and after.get("technique"):
                count(after["technique"], "added")
    techniques = []
    for name, c in tech.items():
        judged = c["accepted"] + c["rejected"] + c["relabelled"]
        techniques.append({"technique": name, **c,
                           "reject_rate": round((c["rejected"] + c["relabelled"]) / judged, 4) if judged else None})
    techniques.sort(key=lambda x: (-(x["rejected"] + x["relabelled"]), -x["added"], x["technique"]))
    return {
        "articles": total,
        "reviewed": len(articles),
        "corrections": len(rows),
        "layers": [{"layer": k, "articles": len(v)} for k, v in sorted(layers.items())],
        "ops": [{"layer": k[0], "op": k[1], "count": n} for k, n in sorted(ops.items())],
        "authors": sorted(({**a, "articles": len(a["articles"])} for a in authors.values()),
                          key=lambda a: (-a["corrections"], a["author"])),
        "techniques": techniques,
    }


# --- the state a replay works on ----------------------------------------------------------------


def _key(t: TechniqueSpan) -> tuple[int, int, str]:
    return (t.start, t.end, t.technique)


def _span_dict(t: TechniqueSpan) -> dict:
    return {"start": t.start, "end": t.end, "technique": t.technique, "confidence": t.confidence}


class _State:
    """A copy of the Article being corrected, with what a replay needs beside it: the model span
    each technique span came from (``origins``), so that a correction of a model span finds it
    after another correction has changed it."""

    def __init__(self, original: Article):
        self.original = original
        self.art = Article.from_json(original.to_json())  # a copy: the stored output is never touched
        self.origins: list[tuple[int, int, str] | None] = [_key(t) for t in self.art.techniques]
        self.model_spans = {_key(t): t for t in original.techniques}
        self.touched: dict[str, int] = {}

    # --- dispatch ------------------------------------------------------------------------------
    def apply(self, c: Correction) -> Any:
        ops = OPS.get(c.layer)
        if ops is None:
            raise CorrectionError(f"unknown layer {c.layer!r}; corrections change {', '.join(OPS)}")
        if c.op not in ops:
            raise CorrectionError(f"{c.layer} has no op {c.op!r}; its ops: {', '.join(ops)}")
        if not isinstance(c.target, dict):
            raise CorrectionError("target must be an object")
        if c.after is not None and not isinstance(c.after, dict):
            raise CorrectionError("after must be an object")
        before = getattr(self, f"_{c.layer}_{c.op}")(c.target, c.after or {})
        self.touched[c.layer] = self.touched.get(c.layer, 0) + 1
        return before

    def finish(self, out: Replay) -> None:
        art = self.art
        if "techniques" in self.touched:
            seen, keep = set(), []
            for t, o in sorted(zip(art.techniques, self.origins, strict=True), key=lambda p: _key(p[0])):
                if _key(t) not in seen:
                    seen.add(_key(t))
                    keep.append((t, o))
            art.techniques = [t for t, _ in keep]
            self.origins = [o for _, o in keep]
            art.paragraph_techniques = paragraph_techniques(art)
            self.touched.setdefault("paragraph_techniques", self.touched["techniques"])
        for layer, n in self.touched.items():
            art.record(layer, ANALYST, str(n), model=f"{n} correction{'s' if n != 1 else ''} applied")
        out.reviewed = reviewed_layers(out.applied)

    # --- techniques ----------------------------------------------------------------------------
    def _span_target(self, target: dict) -> tuple[int, int, str]:
        start, end = _offsets(target, self.art.text)
        return (start, end, _technique(target.get("technique")))

    def _find_span(self, key: tuple[int, int, str]) -> int | None:
        """Index of the span ``key`` names now; None when it names a model span a correction removed."""
        techniques = self.art.techniques
        for i, t in enumerate(techniques):
            if _key(t) == key:
                return i
        for i, o in enumerate(self.origins):
            if o == key:
                return i
        if key in self.model_spans:
            return None
        raise CorrectionError(f"no {key[2]} span at {key[0]}-{key[1]} in the article")

    def _put(self, i: int | None, span: TechniqueSpan, origin: tuple[int, int, str] | None) -> None:
        span.paragraph = self.art.paragraph_of(span.start)
        if i is None:
            self.art.techniques.append(span)
            self.origins.append(origin)
        else:
            self.art.techniques[i] = span
            self.origins[i] = origin

    def _before(self, i: int | None, key: tuple[int, int, str]) -> dict:
        return _span_dict(self.art.techniques[i] if i is not None else self.model_spans[key])

    def _techniques_accept(self, target: dict, after: dict) -> dict:
        key = self._span_target(target)
        i = self._find_span(key)
        before = self._before(i, key)
        if key in self.model_spans and (i is None or _key(self.art.techniques[i]) != key):
            # the model was right after all: its span comes back as it wrote it
            self._put(i, msgspec.structs.replace(self.model_spans[key]), key)
        return before

    def _techniques_reject(self, target: dict, after: dict) -> dict:
        key = self._span_target(target)
        i = self._find_span(key)
        before = self._before(i, key)
        if i is not None:
            del self.art.techniques[i]
            del self.origins[i]
        return before

    def _techniques_relabel(self, target: dict, after: dict) -> dict:
        key = self._span_target(target)
        i = self._find_span(key)
        before = self._before(i, key)
        technique = _technique(after.get("technique"), "after.technique")
        start, end = (_offsets(after, self.art.text, "after.") if "start" in after or "end" in after
                      else (key[0], key[1]))
        origin = self.origins[i] if i is not None else key
        self._put(i, TechniqueSpan(start=start, end=end, technique=technique, confidence=1.0), origin)
        return before

    def _techniques_add(self, target: dict, after: dict) -> None:
        start, end = _offsets(after, self.art.text, "after.")
        key = (start, end, _technique(after.get("technique"), "after.technique"))
        if any(_key(t) == key for t in self.art.techniques):
            return None  # marked already (by the model or another analyst): nothing to add
        self._put(None, TechniqueSpan(start=start, end=end, technique=key[2], confidence=1.0), None)
        return None

    def _techniques_review(self, target: dict, after: dict) -> dict:
        return {"spans": len(self.art.techniques)}

    # --- actors --------------------------------------------------------------------------------
    def _actor(self, target: dict, where: str = "target") -> int:
        i = target.get("actor")
        name = target.get("name")
        if not isinstance(i, int) or isinstance(i, bool):
            raise CorrectionError(f"{where}.actor must be the actor's index")
        if not isinstance(name, str):
            raise CorrectionError(f"{where}.name must be the actor's name")
        actors = self.art.actors
        if 0 <= i < len(actors) and actors[i].name == name:
            return i
        same = [k for k, a in enumerate(actors) if a.name == name]
        if len(same) == 1:  # the index moved (a merge before, or the article was re-analysed)
            return same[0]
        raise CorrectionError(f"no actor {i} named {name[:MAX_TEXT]!r} in the article")

    def _actor_before(self, i: int) -> dict:
        a = self.art.actors[i]
        return {"actor": i, "name": a.name, "role": a.role, "fine_roles": list(a.fine_roles)}

    def _actors_role(self, target: dict, after: dict) -> dict:
        i = self._actor(target)
        before = self._actor_before(i)
        if "role" not in after:
            raise CorrectionError("after.role is missing (null for an actor the text does not cast)")
        role = after["role"]
        taxonomy = _roles()
        if role is not None and (not isinstance(role, str) or role not in taxonomy):
            raise CorrectionError(f"unknown role {str(role)[:MAX_TEXT]!r}; roles: {', '.join(taxonomy)}")
        actor = self.art.actors[i]
        if "fine_roles" in after:
            fines = _fine_roles(after["fine_roles"], role)
        else:  # the fine roles the new role still allows
            fines = [f for f in actor.fine_roles if role is not None and f in taxonomy[role]]
        actor.role, actor.fine_roles = role, fines
        actor.scores, actor.castings = {}, []  # the model's probabilities were for its own casting
        return before

    def _actors_fine_roles(self, target: dict, after: dict) -> dict:
        i = self._actor(target)
        before = self._actor_before(i)
        actor = self.art.actors[i]
        if actor.role is None:
            raise CorrectionError(f"actor {actor.name!r} has no role: set its role first (op role)")
        actor.fine_roles = _fine_roles(after.get("fine_roles"), actor.role)
        actor.scores, actor.castings = {}, []
        return before

    def _actors_merge(self, target: dict, after: dict) -> dict:
        i = self._actor(target)
        j = self._actor(after, "after")
        if i == j:
            raise CorrectionError("an actor cannot be merged into itself")
        art = self.art
        before = {**self._actor_before(i), "into": self._actor_before(j)}
        gone, into = art.actors[i], art.actors[j]
        for name in (gone.name, *gone.aliases):
            if name != into.name and name not in into.aliases:
                into.aliases.append(name)
        into.evidence = into.evidence + [e for e in gone.evidence if e not in into.evidence]
        for m in art.entities:
            if m.actor == i:
                m.actor = j
        for q in art.quotes:
            if q.speaker == i:
                q.speaker = j
        for r in art.relations:
            r.subject = j if r.subject == i else r.subject
            r.object = j if r.object == i else r.object
        self._drop_actor(i)
        return before

    def _drop_actor(self, i: int) -> None:
        """Remove actor ``i`` and renumber: an actor's id is its index, and mentions, quotes and
        relations refer to actors by index."""
        art = self.art
        del art.actors[i]
        for k, a in enumerate(art.actors):
            a.id = k

        def shift(x: int) -> int:
            return x - 1 if x > i else x

        for m in art.entities:
            m.actor = shift(m.actor)
        for q in art.quotes:
            q.speaker = shift(q.speaker)
        for r in art.relations:
            r.subject, r.object = shift(r.subject), shift(r.object)

    def _actors_split(self, target: dict, after: dict) -> dict:
        i = self._actor(target)
        art = self.art
        before = self._actor_before(i)
        wanted = after.get("mentions")
        if not isinstance(wanted, list) or not wanted:
            raise CorrectionError("after.mentions must list the mentions ({start, end}) that are another actor")
        mine = [m for m in art.entities if m.actor == i]
        moving = []
        for k, w in enumerate(wanted):
            if not isinstance(w, dict):
                raise CorrectionError(f"after.mentions[{k}] must be an object {{start, end}}")
            s, e = _offsets(w, art.text, f"after.mentions[{k}].")
            found = next((m for m in mine if m.start == s and m.end == e), None)
            if found is None:
                raise CorrectionError(f"no mention of {art.actors[i].name!r} at {s}-{e}")
            if found not in moving:
                moving.append(found)
        if len(moving) == len(mine):
            raise CorrectionError(f"every mention of {art.actors[i].name!r} would move: rename the actor "
                                  "instead, or leave it at least one mention")
        name = after.get("name")
        if name is None:
            name = art.span_text(moving[0])
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_TEXT:
            raise CorrectionError(f"after.name must be the new actor's name (1-{MAX_TEXT} characters)")
        old = art.actors[i]
        new = len(art.actors)
        art.actors.append(Actor(id=new, name=name.strip(), type=old.type))
        moved = [(m.start, m.end) for m in moving]
        for m in moving:
            m.actor = new
        for q in art.quotes:
            if q.speaker == i and q.speaker_span is not None and _overlaps((q.speaker_span.start, q.speaker_span.end), moved):
                q.speaker = new
        stay = [(m.start, m.end) for m in art.entities if m.actor == i]
        for r in art.relations:
            if 0 <= r.sentence < len(art.sentences):
                s = art.sentences[r.sentence]
                sent = [(s.start, s.end)]
                if any(_overlaps(x, sent) for x in moved) and not any(_overlaps(x, sent) for x in stay):
                    r.subject = new if r.subject == i else r.subject
                    r.object = new if r.object == i else r.object
        before["moved"] = [{"start": s, "end": e} for s, e in moved]
        return before

    def _actors_review(self, target: dict, after: dict) -> dict:
        return {"actors": len(self.art.actors)}

    # --- quotes --------------------------------------------------------------------------------
    def _quotes_speaker(self, target: dict, after: dict) -> dict:
        art = self.art
        s, e = _offsets(target, art.text)
        q = next((q for q in art.quotes if q.start == s and q.end == e), None)
        if q is None:
            raise CorrectionError(f"no quote at {s}-{e} in the article")
        before = {"actor": q.speaker if q.speaker >= 0 else None,
                  "name": art.actors[q.speaker].name if 0 <= q.speaker < len(art.actors) else None,
                  "span": {"start": q.speaker_span.start, "end": q.speaker_span.end} if q.speaker_span else None}
        if "span" in after and after["span"] is not None:
            if not isinstance(after["span"], dict):
                raise CorrectionError("after.span must be {start, end}")
            a, b = _offsets(after["span"], art.text, "after.span.")
            q.speaker, q.speaker_span = -1, Span(start=a, end=b)
            for m in art.entities:  # a span that is an actor's mention names the actor
                if m.start == a and m.end == b and m.actor >= 0:
                    q.speaker = m.actor
        elif "actor" in after and after["actor"] is None:
            q.speaker, q.speaker_span = -1, None
        elif "actor" in after:
            j = self._actor(after, "after")
            q.speaker = j
            near = [m for m in art.entities if m.actor == j]
            # the mention nearest the quote (the gap between them): "...," Berg said.
            best = min(near, key=lambda m: max(m.start - q.end, q.start - m.end, 0), default=None)
            q.speaker_span = Span(start=best.start, end=best.end) if best is not None else None
        else:
            raise CorrectionError("after must name the speaker: {actor, name}, {actor: null} or {span: {start, end}}")
        return before

    def _quotes_review(self, target: dict, after: dict) -> dict:
        return {"quotes": len(self.art.quotes)}

    # --- document labels -----------------------------------------------------------------------
    def _task(self, target: dict) -> str:
        task = target.get("task")
        if not isinstance(task, str):
            raise CorrectionError(f"target.task must name the labels' task ({', '.join(LABEL_TASKS)})")
        own = {lab.task for lab in self.original.labels}
        if task not in LABEL_TASKS and task not in own:
            raise CorrectionError(f"unknown label task {task[:MAX_TEXT]!r}; tasks: "
                                  f"{', '.join(dict.fromkeys([*LABEL_TASKS, *sorted(own)]))}")
        return task

    def _labels_of(self, task: str) -> list[str]:
        return [lab.label for lab in self.art.labels if lab.task == task and lab.paragraph < 0]

    def _labels_set(self, target: dict, after: dict) -> list[str]:
        task = self._task(target)
        label = _label(task, after.get("label"), self.original)
        before = self._labels_of(task)
        labels = self.art.labels
        if task == "genre":  # one genre per article
            self.art.labels = labels = [x for x in labels if not (x.task == task and x.paragraph < 0)]
        if not any(x.task == task and x.label == label and x.paragraph < 0 for x in labels):
            labels.append(DocLabel(task=task, label=label, score=1.0))
        return before

    def _labels_remove(self, target: dict, after: dict) -> list[str]:
        task = self._task(target)
        label = target.get("label")
        if not isinstance(label, str):
            raise CorrectionError("target.label must be the label to remove")
        before = self._labels_of(task)
        here = [x for x in self.art.labels if x.task == task and x.label == label]
        if not here and not any(x.task == task and x.label == label for x in self.original.labels):
            raise CorrectionError(f"the article has no {task} label {label[:MAX_TEXT]!r}")
        self.art.labels = [x for x in self.art.labels if not (x.task == task and x.label == label)]
        return before

    def _labels_review(self, target: dict, after: dict) -> list[str] | dict:
        if "task" in target:
            return self._labels_of(self._task(target))
        return {"labels": len(self.art.labels)}


# --- checks --------------------------------------------------------------------------------------


def _offsets(d: dict, text: str, where: str = "target.") -> tuple[int, int]:
    s, e = d.get("start"), d.get("end")
    for name, v in (("start", s), ("end", e)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise CorrectionError(f"{where}{name} must be a character offset (an integer)")
    if not 0 <= s < e <= len(text):
        raise CorrectionError(f"{where}start/end {s}-{e} is not a span of the text (0-{len(text)})")
    return s, e


def _technique(name: object, where: str = "target.technique") -> str:
    from . import taxonomy

    if not isinstance(name, str):
        raise CorrectionError(f"{where} must be a technique name (SemEval-2023 Task 3)")
    if name not in taxonomy.load():
        raise CorrectionError(f"{where}: unknown technique {name[:MAX_TEXT]!r} (names as in SemEval-2023 Task 3, "
                              "e.g. Loaded_Language)")
    return name


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in spans)


@lru_cache(maxsize=1)
def _roles() -> dict[str, tuple[str, ...]]:
    from .analysers.roles import TAXONOMY

    return dict(TAXONOMY)


def _fine_roles(value: object, role: str | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise CorrectionError("fine_roles must be a list of fine role names")
    if role is None and value:
        raise CorrectionError("an actor with no role has no fine roles")
    allowed = _roles().get(role or "", ())
    for f in value:
        if f not in allowed:
            raise CorrectionError(f"fine role {f[:MAX_TEXT]!r} is not one of {role}'s: {', '.join(allowed)}")
    return list(dict.fromkeys(value))


@lru_cache(maxsize=1)
def label_vocabulary() -> dict[str, frozenset[str]]:
    """The labels the shipped document heads know, per task (empty for a head not installed)."""
    models = Path(__file__).resolve().parent / "models"
    out: dict[str, set[str]] = {t: set() for t in LABEL_TASKS}
    for task in ("genre", "frames"):
        path = models / task / "head.json"
        if path.is_file():
            out[task] |= set(json.loads(path.read_text("utf-8")).get("labels", []))
    path = models / "narratives" / "head.json"
    if path.is_file():
        head = json.loads(path.read_text("utf-8"))
        out["narratives"] |= set(head.get("narratives", []))
        out["subnarratives"] |= set(head.get("subnarratives", []))
    try:
        from .analysers.narratives import load_semeval_taxonomy

        for n, subs in load_semeval_taxonomy().items():
            out["narratives"].add(n)
            out["subnarratives"].update(subs)
    except Exception:  # noqa: BLE001 - the YAML is optional here: the heads' lists suffice
        pass
    return {k: frozenset(v) for k, v in out.items()}


def _label(task: str, label: object, original: Article) -> str:
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_TEXT:
        raise CorrectionError(f"after.label must be a {task} label (1-{MAX_TEXT} characters)")
    known = label_vocabulary().get(task)
    if known and label not in known and not (task in ("narratives", "subnarratives") and label.endswith("Other")):
        raise CorrectionError(f"unknown {task} label {label!r}" + (f"; labels: {', '.join(sorted(known))}"
                                                                  if len(known) <= 20 else ""))
    return label


def paragraph_techniques(art: Article):
    """Each paragraph's techniques as those of the spans in it, scored by the strongest span."""
    sets: list[dict[str, float]] = [{} for _ in art.paragraphs]
    for t in art.techniques:
        for p, para in enumerate(art.paragraphs):
            if t.start < para.end and para.start < t.end:
                sets[p][t.technique] = max(sets[p].get(t.technique, 0.0), t.confidence)
    return [ParagraphTechniques(paragraph=p, techniques=s) for p, s in enumerate(sets)]


__all__ = ["LABEL_TASKS", "OPS", "Conflict", "Correction", "CorrectionError", "NoArticle", "Replay", "apply",
           "by_author", "check_author", "corrected", "from_rows", "history", "layer_model", "parse_since", "prepare", "replay",
           "review_summary", "reviewed_layers", "submit", "version_of"]
