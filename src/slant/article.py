"""The Article: the one object that flows through slant, and the one place that knows its schema.

Every layer is a list of small records whose ``start``/``end`` are character offsets into
``Article.text`` (end exclusive, Python slicing), so highlighting, export and scoring never
re-tokenise. The records are ``msgspec.Struct`` classes: plain data, cheap to build, and
serialised to one versioned JSON schema (``schema/article.schema.json``) and back without loss.

Changing a field here changes the published schema: bump ``SCHEMA_VERSION`` and regenerate the
file with ``slant schema --write`` (a test fails until the two agree).
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Literal

import msgspec

SCHEMA_VERSION = "1.5"  # 1.5: Article.story; 1.4: Actor.castings; 1.3: Quote.kind "belief", Quote.confidence; 1.2: Provenance.status and .reason

# Layer names, in the order the report shows them. Analysers declare the layers they need and add
# with these names; "text" and "meta" are what every reader provides.
BASE_LAYERS = ("text", "meta")
LAYERS = (
    "paragraphs",
    "sentences",
    "techniques",
    "paragraph_techniques",
    "entities",
    "actors",
    "quotes",
    "relations",
    "claims",
    "subjectivity",
    "labels",
    "story",
    "llm",
)


class Span(msgspec.Struct, kw_only=True):
    """A stretch of the article text: ``text[start:end]``."""

    start: int
    end: int


class Meta(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where the article came from. ``id`` is the content hash of the text, stable across runs."""

    id: str = ""
    title: str | None = None
    byline: str | None = None
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) or date-time, as found in the source
    source: str | None = None  # outlet or site name
    url: str | None = None
    language: str | None = None  # ISO 639-1 code
    path: str | None = None  # file the article was read from, with "#n" for records in a container
    input_format: str | None = None
    extra: dict[str, str] = {}


class Sentence(Span, kw_only=True):
    paragraph: int  # index into Article.paragraphs


class TechniqueSpan(Span, kw_only=True, omit_defaults=True):
    """A persuasion technique (SemEval-2023 Task 3 name) found on a span of text."""

    technique: str
    confidence: float
    paragraph: int = -1


class ParagraphTechniques(msgspec.Struct, kw_only=True):
    """The set of techniques a paragraph uses, with a score for each (SemEval-2023 Task 3 subtask 3)."""

    paragraph: int
    techniques: dict[str, float]


class Mention(Span, kw_only=True, omit_defaults=True):
    """A mention of an entity: a name, a description or a pronoun that refers to an actor."""

    type: str  # PERSON, ORG, GPE, LOC, NORP, ...
    actor: int = -1  # index into Article.actors, -1 when not grouped
    kind: Literal["name", "description", "pronoun", "alias", "metonym"] = "name"


class Casting(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One way the text casts an actor: a main role, its fine roles, their probabilities and the
    sentences behind it. An actor cast two ways (a victim here, a villain there) has two."""

    role: str  # Protagonist | Antagonist | Innocent
    fine_roles: list[str] = []
    scores: dict[str, float] = {}
    evidence: list[Span] = []


class Actor(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Mentions grouped into one participant of the story, with how the text casts it."""

    id: int
    name: str
    type: str
    aliases: list[str] = []
    role: str | None = None  # Protagonist | Antagonist | Innocent (SemEval-2025 Task 10 subtask 1)
    fine_roles: list[str] = []
    scores: dict[str, float] = {}
    evidence: list[Span] = []
    castings: list[Casting] = []  # only when the text casts the actor more than one way; the first is role/evidence


class Quote(Span, kw_only=True, omit_defaults=True):
    """Reported speech: the quoted content is the span; speaker and cue are spans elsewhere."""

    kind: Literal["direct", "indirect", "belief"]  # belief: what someone believes, wants or intends
    speaker: int = -1  # index into Article.actors, -1 when the speaker is not an actor
    speaker_span: Span | None = None
    cue: Span | None = None
    cue_text: str | None = None
    confidence: float | None = None  # how likely the attribution is right (None: not scored)


class Relation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Actor -> predicate -> actor, read off one sentence (the actor graph)."""

    subject: int
    predicate: str  # lemma of the verb, with particles and negation
    object: int
    predicate_span: Span
    sentence: int  # index into Article.sentences
    negated: bool = False


class SentenceScore(Span, kw_only=True, omit_defaults=True):
    """A sentence-level judgement (check-worthiness, subjectivity)."""

    sentence: int
    label: str
    score: float


class DocLabel(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A document-level label (genre, frame, narrative, ...) with the sentences that support it."""

    task: str  # genre | frames | narratives | subnarratives | user taxonomy name
    label: str
    score: float
    evidence: list[Span] = []
    extra: dict[str, str] = {}
    paragraph: int = -1  # the paragraph the label is about (index), -1 for the whole article


class LLMRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What an LLM said about the article (``slant.llm``), kept apart from the learned heads' layers.

    ``use`` is explain (a grounded explanation of the dominant narrative), verify (a second opinion
    on one low-confidence span or label, named by ``target``, e.g. ``techniques[3]``) or replace
    (the LLM filled ``target`` itself, through the shipped heads' own records). ``evidence`` are the
    sentences the LLM quoted, located in the text; ``error`` says why a use produced nothing.
    """

    use: str
    model: str
    prompt: str  # prompt name@version (slant/llm/prompts)
    target: str | None = None
    label: str | None = None
    verdict: str | None = None  # verify: agree | disagree | unsure
    text: str = ""
    evidence: list[Span] = []
    error: str | None = None


class StoryVector(msgspec.Struct, kw_only=True):
    """The article's story vector (``slant.stories``): what the corpus keeps to find the other
    tellings of the same story. Unit length, little-endian float16, base64; ``model`` names the
    story model (vectors of two models are not comparable)."""

    model: str
    dim: int
    vector: str  # base64 of dim little-endian float16 values


class Provenance(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which analyser, in which version and with which model, produced a layer; or, with status
    ``skipped``, that the analyser did not run on this article and why (``reason``: no model for
    the article's language, or a layer it needs was not run)."""

    layer: str
    analyser: str
    version: str
    model: str | None = None
    status: Literal["ran", "skipped"] = "ran"
    reason: str | None = None


class Article(msgspec.Struct, kw_only=True, dict=True):
    """One news article and every layer slant has read off it.

    ``dict=True`` lets analysers hang transient, never-serialised state on an instance (the shared
    encoder's output, say) as attributes starting with ``_``; only the fields below are the schema.
    """

    text: str
    meta: Meta = msgspec.field(default_factory=Meta)
    paragraphs: list[Span] = []
    sentences: list[Sentence] = []
    techniques: list[TechniqueSpan] = []
    paragraph_techniques: list[ParagraphTechniques] = []
    entities: list[Mention] = []
    actors: list[Actor] = []
    quotes: list[Quote] = []
    relations: list[Relation] = []
    claims: list[SentenceScore] = []
    subjectivity: list[SentenceScore] = []
    labels: list[DocLabel] = []
    story: StoryVector | None = None
    llm: list[LLMRecord] = []
    provenance: list[Provenance] = []
    schema_version: str = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not self.meta.id:
            self.meta.id = content_id(self.text)

    # --- convenience views -------------------------------------------------------------------
    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def paragraph_of(self, offset: int) -> int:
        """Index of the paragraph holding character ``offset``, or -1."""
        for i, p in enumerate(self.paragraphs):
            if p.start <= offset < p.end:
                return i
        return -1

    def has(self, layer: str) -> bool:
        if layer in BASE_LAYERS:
            return True
        return bool(getattr(self, layer)) or any(p.layer == layer and p.status == "ran" for p in self.provenance)

    def record(self, layer: str, analyser: str, version: str, model: str | None = None) -> None:
        """Note that ``analyser`` produced ``layer`` (replacing its own earlier note for the layer).
        Several analysers may write one layer, each its own part (genre, frames, narratives and
        subjectivity all add ``labels``): each keeps its note, with its version and model."""
        self.provenance = [p for p in self.provenance if not (p.layer == layer and p.analyser == analyser)]
        self.provenance.append(Provenance(layer=layer, analyser=analyser, version=version, model=model))

    def skip(self, layer: str, analyser: str, version: str, reason: str) -> None:
        """Note that ``analyser`` did not run on this article and so left ``layer`` out, and why
        (replacing an earlier note of the same analyser for the layer)."""
        self.provenance = [p for p in self.provenance if not (p.layer == layer and p.analyser == analyser)]
        self.provenance.append(Provenance(layer=layer, analyser=analyser, version=version, status="skipped",
                                          reason=reason))

    def skipped(self) -> dict[str, str]:
        """Analysers that did not run on this article -> why, in pipeline order."""
        out: dict[str, str] = {}
        for p in self.provenance:
            if p.status == "skipped":
                out.setdefault(p.analyser, p.reason or "")
        return out

    def not_run(self) -> list[tuple[str, list[str]]]:
        """``skipped()`` grouped by reason, for a reader: [(reason, analysers), ...] in the order
        the reasons first appear, each with its analysers in pipeline order."""
        groups: dict[str, list[str]] = {}
        for name, reason in self.skipped().items():
            groups.setdefault(reason, []).append(name)
        return list(groups.items())

    # --- serialisation -----------------------------------------------------------------------
    def to_json(self) -> bytes:
        return _ENCODER.encode(self)

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Article:
        art = _DECODER.decode(data)
        _check_version(art.schema_version)
        return art

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        art = msgspec.convert(data, cls)
        _check_version(art.schema_version)
        return art


def content_id(text: str) -> str:
    """Stable id of an article: the first 16 hex digits of the SHA-256 of its text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _check_version(version: str) -> None:
    major = version.split(".", 1)[0]
    if major != SCHEMA_VERSION.split(".", 1)[0]:
        raise ValueError(f"article schema version {version} is not readable by this slant (schema {SCHEMA_VERSION})")


def json_schema() -> dict:
    """The published JSON Schema of an Article (what ``schema/article.schema.json`` holds)."""
    schema = _clean_descriptions(msgspec.json.schema(Article))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"slant Article, schema version {SCHEMA_VERSION}"
    return schema


def _clean_descriptions(node):
    """Descriptions with the docstrings' indentation removed, whichever msgspec made them (newer
    releases clean docstrings themselves, older ones keep the indentation)."""
    if isinstance(node, dict):
        return {k: inspect.cleandoc(v) if k == "description" and isinstance(v, str) else _clean_descriptions(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_clean_descriptions(v) for v in node]
    return node


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Article)
