"""What the LLM is asked: explain, verify, replace. Each use turns an Article into questions (``Job``)
and an answer back into records, and never touches what the learned heads wrote.

- ``explain``: the dominant narrative in a few sentences, with the sentences that carry it, named by
  their numbers in the prompt (each sentence is shown numbered), so the evidence is a span of the
  text by construction (SemEval-2025 Task 10 subtask 3 is the reference task). One record in
  ``Article.llm``.
- ``verify``: a second opinion (agree / disagree / unsure, and why) on each low-confidence
  technique span and document label; one record each in ``Article.llm``, naming its target
  (``techniques[3]``, ``labels[0]``). The head's own output stays as it was.
- ``replace``: the LLM fills a layer instead of a shipped head, in that head's own records, so
  ``slant eval`` scores both the same way: ``techniques`` (TechniqueSpan and ParagraphTechniques,
  paragraphs sent in chunks of at most ``max_chars``) and ``narratives`` (DocLabel, task
  "narratives"). A record in ``Article.llm`` says what was replaced and by which model.

Every answer type is a ``msgspec.Struct``: its JSON Schema (with the allowed names as enums) is sent
as the response format, and the same type validates the answer; ``check`` adds what a schema cannot
say (quotes that must occur in the text). An answer that fails is asked again once, with the reason
(``slant.llm.reader``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec

from ..article import Article, DocLabel, LLMRecord, ParagraphTechniques, Span, TechniqueSpan
from .grounding import locate
from .prompts import Prompt

USES = ("explain", "verify", "replace")
REPLACEABLE = ("techniques", "narratives")
# The layers a replaced target fills (the pipeline checks no head fills them as well).
REPLACES_LAYERS = {"techniques": ("techniques", "paragraph_techniques"), "narratives": ("labels",)}
REPLACES_ANALYSERS = {"techniques": ("techniques",), "narratives": ("narratives",)}

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class ExplainAnswer(msgspec.Struct, forbid_unknown_fields=False):
    narrative: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    explanation: Text
    # numbers of the sentences shown to the model ([1], [2], ...): grounded by construction, and a
    # server with grammar-constrained decoding cannot answer a number that was not shown
    evidence: Annotated[list[int], msgspec.Meta(min_length=1, max_length=3)]


class VerifyAnswer(msgspec.Struct):
    verdict: Literal["agree", "disagree", "unsure"]
    reason: Text


class TechniqueItem(msgspec.Struct):
    paragraph: int
    technique: str
    quote: Annotated[str, msgspec.Meta(max_length=500)]


class TechniquesAnswer(msgspec.Struct):
    techniques: Annotated[list[TechniqueItem], msgspec.Meta(max_length=20)]


class NarrativeItem(msgspec.Struct):
    label: str
    quote: Annotated[str, msgspec.Meta(max_length=600)]


class NarrativesAnswer(msgspec.Struct):
    narratives: Annotated[list[NarrativeItem], msgspec.Meta(min_length=1, max_length=3)]


@dataclass
class Job:
    """One question about one article, and what to do with the answer."""

    art: Article
    use: str
    prompt: Prompt
    messages: list[dict]
    answer_type: type
    schema: dict
    check: Callable[[Any], str | None]  # why a decoded answer is not acceptable, or None
    apply: Callable[[Any, str | None, str], None]  # (answer or None, error or None, model)
    extra: dict = field(default_factory=dict)


@dataclass
class Settings:
    """The [llm] options the uses read (the endpoint's own are in ``slant.llm.reader``)."""

    uses: tuple[str, ...] = ("explain",)
    replace: tuple[str, ...] = ()
    verify_below: float = 0.5
    verify_max: int = 8
    max_chars: int = 6000


# --- schema ------------------------------------------------------------------------------------
def schema_of(answer_type: type) -> dict:
    """The JSON Schema of an answer type as sent to the server: every $ref inlined (some servers'
    grammar builders do not follow references) and without string lengths (llama.cpp turns a
    maxLength of n into n nested grammar rules; the answer type still enforces them)."""
    raw = msgspec.json.schema(answer_type)
    defs = raw.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            out = {k: inline(v) for k, v in node.items() if k not in ("title", "maxLength")}
            if out.get("type") == "object":
                out["additionalProperties"] = False  # what OpenAI's json_schema mode asks for
            return out
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(raw)


def _with_enum(schema: dict, path: tuple[str, ...], values: list) -> dict:
    node = schema
    for key in path:
        node = node["items"] if key == "[]" else node["properties"][key]
    node["enum"] = list(values)
    return schema


# --- article text as the prompts show it ----------------------------------------------------------
def article_text(art: Article, max_chars: int) -> str:
    """The article (title first when known), cut at a paragraph boundary before ``max_chars``."""
    head = f"{art.meta.title}\n\n" if art.meta.title and not art.text.startswith(art.meta.title) else ""
    text = art.text.strip()
    if len(head) + len(text) <= max_chars:
        return head + text
    cut = text.rfind("\n", 0, max(0, max_chars - len(head)))
    if cut < max_chars // 2:
        cut = max(0, max_chars - len(head))
    return head + text[:cut].rstrip() + "\n[...]"


def _paragraph_spans(art: Article) -> list[Span]:
    return list(art.paragraphs) or [Span(start=0, end=len(art.text))]


def _record(use: str, prompt: Prompt, model: str, **kw: Any) -> LLMRecord:
    return LLMRecord(use=use, model=model, prompt=prompt.id, **kw)


# --- explain -------------------------------------------------------------------------------------
def numbered_sentences(art: Article, max_chars: int) -> tuple[str, list[Span]]:
    """The article as the explain prompt shows it: the title, then one sentence per line numbered
    from 1, a blank line between paragraphs, cut before ``max_chars``; and the span of each
    numbered sentence (paragraphs stand in for sentences when the article has none)."""
    units: list[tuple[int, Span]] = [(s.paragraph, s) for s in art.sentences] or \
        [(i, p) for i, p in enumerate(_paragraph_spans(art))]
    lines = [f"Title: {art.meta.title}", ""] if art.meta.title else []
    size = sum(len(x) + 1 for x in lines)
    shown: list[Span] = []
    last = None
    for para, span in units:
        text = " ".join(art.text[span.start : span.end].split())
        if not text:
            continue
        line = f"[{len(shown) + 1}] {text}"
        if shown and size + len(line) + 2 > max_chars:
            lines.append("[...]")
            break
        if last is not None and para != last:
            lines.append("")
        lines.append(line)
        size += len(line) + 2
        shown.append(Span(start=span.start, end=span.end))
        last = para
    return "\n".join(lines), shown


def plan_explain(art: Article, prompt: Prompt, settings: Settings) -> list[Job]:
    if not art.text.strip():
        return []
    narratives = sorted((lab for lab in art.labels if lab.task == "narratives"), key=lambda lab: -lab.score)
    hint = (f"A classifier found the article's dominant narrative to be: {narratives[0].label}. "
            "Explain it if the article supports it, else name the narrative you find.\n") if narratives else ""
    text, shown = numbered_sentences(art, settings.max_chars)
    if not shown:
        return []
    messages = prompt.messages(article=text, hint=hint)
    schema = _with_enum(schema_of(ExplainAnswer), ("evidence", "[]"), list(range(1, len(shown) + 1)))

    def check(ans: ExplainAnswer) -> str | None:
        bad = [n for n in ans.evidence if not 1 <= n <= len(shown)]
        if bad:
            return (f"evidence {bad} names no sentence: give the numbers, 1 to {len(shown)}, of the "
                    "sentences that carry the narrative")
        return None

    def apply(ans: ExplainAnswer | None, error: str | None, model: str) -> None:
        if ans is None:
            art.llm.append(_record("explain", prompt, model, error=error))
            return
        spans = [shown[n - 1] for n in ans.evidence if 1 <= n <= len(shown)]
        art.llm.append(_record("explain", prompt, model, label=_tidy(ans.narrative), text=_tidy(ans.explanation),
                               evidence=_unique(spans), error=error))

    return [Job(art, "explain", prompt, messages, ExplainAnswer, schema, check, apply)]


def _tidy(text: str) -> str:
    """One line, without the dangling list dash a small model leaves at the end."""
    return " ".join(text.split()).rstrip(" -–")


def _unique(spans: list[Span]) -> list[Span]:
    seen, out = set(), []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if (s.start, s.end) not in seen:
            seen.add((s.start, s.end))
            out.append(Span(start=s.start, end=s.end))
    return out


# --- verify --------------------------------------------------------------------------------------
# What a document label claims, for the tasks whose label score is a classifier's confidence.
LABEL_CLAIMS = {
    "genre": "the article is written as {label} (SemEval-2023 Task 3 genre: reporting, opinion or satire)",
    "frames": "the article frames its subject in terms of {label} (SemEval-2023 Task 3 frames)",
    "narratives": "the article pushes the narrative '{label}' (SemEval-2025 Task 10)",
    "subnarratives": "the article pushes the sub-narrative '{label}' (SemEval-2025 Task 10)",
}
def plan_verify(art: Article, prompt: Prompt, settings: Settings) -> list[Job]:
    """One question per low-confidence technique span and document label, lowest first."""
    from .. import taxonomy

    tax = taxonomy.load()
    items: list[tuple] = []  # (score, target, label, context, passage, evidence, definition)
    for i, t in enumerate(art.techniques):
        if t.confidence < settings.verify_below:
            para = art.paragraphs[t.paragraph] if 0 <= t.paragraph < len(art.paragraphs) else None
            context = art.text[para.start : para.end] if para else art.text[max(0, t.start - 400) : t.end + 400]
            definition = tax[t.technique].definition if t.technique in tax else ""
            items.append((t.confidence, f"techniques[{i}]", t.technique, context, art.text[t.start : t.end],
                          [Span(start=t.start, end=t.end)], definition))
    for i, lab in enumerate(art.labels):
        # Only labels whose score is a confidence (a subjectivity share, say, is not one).
        if lab.task in LABEL_CLAIMS and lab.score < settings.verify_below:
            passage = " ".join(art.text[s.start : s.end] for s in lab.evidence[:2]) or (art.meta.title or "")
            items.append((lab.score, f"labels[{i}]", f"{lab.task}: {lab.label}",
                          article_text(art, min(settings.max_chars, 3000)), passage,
                          [Span(start=s.start, end=s.end) for s in lab.evidence],
                          LABEL_CLAIMS[lab.task].format(label=lab.label)))
    items.sort(key=lambda it: it[0])
    jobs = []
    for _score, target, label, context, passage, evidence, definition in items[: settings.verify_max]:
        messages = prompt.messages(context=context[:3000], passage=passage[:1000], label=label,
                                   definition=definition or "(none given)")

        def apply(ans: VerifyAnswer | None, error: str | None, model: str, target=target, label=label,
                  evidence=evidence) -> None:
            art.llm.append(_record("verify", prompt, model, target=target, label=label,
                                   verdict=ans.verdict if ans else None, text=ans.reason.strip() if ans else "",
                                   evidence=evidence, error=error))

        jobs.append(Job(art, "verify", prompt, messages, VerifyAnswer, schema_of(VerifyAnswer),
                        lambda ans: None, apply, {"target": target}))
    return jobs


# --- replace: techniques ---------------------------------------------------------------------------
def _chunks(art: Article, max_chars: int) -> list[list[int]]:
    """Paragraph indices in runs whose text fits in ``max_chars`` (a longer paragraph goes alone)."""
    runs: list[list[int]] = []
    size = 0
    for i, p in enumerate(_paragraph_spans(art)):
        n = p.end - p.start + 8
        if not art.text[p.start : p.end].strip():
            continue
        if runs and size + n <= max_chars:
            runs[-1].append(i)
            size += n
        else:
            runs.append([i])
            size = n
    return runs


def technique_list() -> str:
    from .. import taxonomy

    return "\n".join(f"- {t.name}: {t.definition}" for t in taxonomy.load().techniques)


def plan_replace_techniques(art: Article, prompt: Prompt, settings: Settings) -> list[Job]:
    from .. import taxonomy

    tax = taxonomy.load()
    paras = _paragraph_spans(art)
    if not art.paragraph_techniques:
        art.paragraph_techniques = [ParagraphTechniques(paragraph=i, techniques={}) for i in range(len(paras))]
    jobs = []
    for run in _chunks(art, settings.max_chars):
        shown = "\n\n".join(f"[{i}] {art.text[paras[i].start : paras[i].end].strip()[: settings.max_chars]}"
                            for i in run)
        messages = prompt.messages(techniques=technique_list(), paragraphs=shown)
        schema = schema_of(TechniquesAnswer)
        _with_enum(schema, ("techniques", "[]", "technique"), tax.names)
        _with_enum(schema, ("techniques", "[]", "paragraph"), run)
        located: dict[str, list] = {}

        def check(ans: TechniquesAnswer, run=run, located=located) -> str | None:
            out = []
            for item in ans.techniques:
                if item.paragraph not in run:
                    return f"paragraph {item.paragraph} is not one of those shown ({run[0]}-{run[-1]})"
                try:
                    name = tax.normalise(item.technique)
                except Exception:  # noqa: BLE001 - SlantError: unknown name
                    return f"unknown technique {item.technique!r}: use a name from the list"
                p = paras[item.paragraph]
                span = locate(art.text, item.quote, within=(p.start, p.end),
                              sentences=[s for s in art.sentences if p.start <= s.start < p.end])
                out.append((item.paragraph, name, span))
            located["items"] = out
            return None

        def apply(ans: TechniquesAnswer | None, error: str | None, model: str, run=run, check=check,
                  located=located) -> None:
            label = f"paragraphs {run[0]}-{run[-1]}" if len(run) > 1 else f"paragraph {run[0]}"
            if ans is None:
                art.llm.append(_record("replace", prompt, model, target="techniques", label=label, error=error))
                return
            if "items" not in located:
                check(ans)
            have = {(t.start, t.end, t.technique) for t in art.techniques}
            for para, name, span in located["items"]:
                if 0 <= para < len(art.paragraph_techniques):
                    art.paragraph_techniques[para].techniques[name] = 1.0
                if span is not None and (span.start, span.end, name) not in have:
                    have.add((span.start, span.end, name))
                    art.techniques.append(TechniqueSpan(start=span.start, end=span.end, technique=name,
                                                        confidence=1.0, paragraph=para))
            art.techniques.sort(key=lambda t: (t.start, t.end, t.technique))
            n_spans = sum(1 for *_, s in located["items"] if s is not None)
            art.llm.append(_record("replace", prompt, model, target="techniques", label=label,
                                   text=f"{len(located['items'])} techniques, {n_spans} located as spans"))

        jobs.append(Job(art, "replace", prompt, messages, TechniquesAnswer, schema, check, apply,
                        {"target": "techniques"}))
    return jobs


# --- replace: narratives ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def narrative_names() -> tuple[str, ...]:
    """The top-level narratives of the SemEval-2025 Task 10 taxonomy shipped with slant, and "Other"."""
    from importlib.resources import files

    import yaml

    raw = yaml.safe_load(files("slant").joinpath("data/narratives-semeval2025.yaml").read_text("utf-8"))
    return tuple([n["name"] for n in raw.get("narratives", [])] + ["Other"])


def plan_replace_narratives(art: Article, prompt: Prompt, settings: Settings) -> list[Job]:
    if not art.text.strip():
        return []
    names = narrative_names()
    messages = prompt.messages(narratives="\n".join(f"- {n}" for n in names),
                               article=article_text(art, settings.max_chars))
    schema = _with_enum(schema_of(NarrativesAnswer), ("narratives", "[]", "label"), list(names))

    def check(ans: NarrativesAnswer) -> str | None:
        unknown = [n.label for n in ans.narratives if n.label not in names]
        return f"unknown narrative {unknown[0]!r}: use a name from the list" if unknown else None

    def apply(ans: NarrativesAnswer | None, error: str | None, model: str) -> None:
        if ans is None:
            art.llm.append(_record("replace", prompt, model, target="narratives", error=error))
            return
        seen = set()
        for item in ans.narratives:
            if item.label in seen:
                continue
            seen.add(item.label)
            span = locate(art.text, item.quote, sentences=art.sentences)
            art.labels.append(DocLabel(task="narratives", label=item.label, score=1.0,
                                       evidence=[span] if span else []))
        art.llm.append(_record("replace", prompt, model, target="narratives", label="; ".join(sorted(seen)),
                               text=f"{len(seen)} narratives"))

    return [Job(art, "replace", prompt, messages, NarrativesAnswer, schema, check, apply, {"target": "narratives"})]


PLANNERS = {
    "explain": ("explain", plan_explain),
    "verify": ("verify", plan_verify),
    "replace:techniques": ("techniques", plan_replace_techniques),
    "replace:narratives": ("narratives", plan_replace_narratives),
}


# --- answers ---------------------------------------------------------------------------------------
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.S)


def decode(text: str, answer_type: type) -> tuple[Any, str | None]:
    """(answer, None) or (None, why): the first JSON object in ``text``, validated as ``answer_type``."""
    body = _FENCE.sub("", text.strip())
    a, b = body.find("{"), body.rfind("}")
    if a < 0 or b <= a:
        return None, "the answer holds no JSON object"
    raw = body[a : b + 1]
    try:
        return msgspec.json.decode(raw.encode("utf-8"), type=answer_type), None
    except msgspec.ValidationError as exc:
        return None, f"the JSON does not follow the schema: {exc}"
    except msgspec.DecodeError as exc:
        # Small models (and llama.cpp's grammar, which lets them) put raw line breaks and tabs
        # inside strings; JSON forbids control characters there, but the meaning is plain.
        try:
            loose = json.loads(raw, strict=False)
        except ValueError:
            return None, f"not valid JSON: {exc}"
        try:
            return msgspec.convert(loose, type=answer_type), None
        except msgspec.ValidationError as exc2:
            return None, f"the JSON does not follow the schema: {exc2}"
