"""An analyst's own narratives, from a YAML file, matched by embedding similarity with no training.

The file::

    name: energy-narratives          # the task name the labels get (default: the file's stem)
    threshold: 0.25                  # optional: the least score a narrative needs (default 0.3)
    narratives:
      - name: Energy blackmail
        description: Russia uses gas supplies to pressure Europe.
        examples:
          - Moscow turns off the taps whenever Brussels disagrees.
          - Without Russian gas, Europe will freeze this winter.

Every description, example and article sentence is embedded on its own with static word-piece
vectors (``WordVectors``: WordLlama, shipped in its PyPI package; no model of slant's own, no
encoder pass); a sentence scores against a narrative as its best cosine with the narrative's
description and examples, and the article scores as the mean of its three best sentences, so one
stray sentence does not label an article. The best sentences are the evidence. More examples (the
"labelled examples" of a narrative) widen what it matches, with no training. The static vectors
carry what a text is about; the techniques encoder's states, tuned to persuasion, carry mostly how it
is written: ranked against the SemEval-2025 narratives they did worse on every measure
(``bench/user_taxonomy.py``), and an unrelated article scored as high as a matching one.

:func:`load` validates the file and names the line of every problem (a missing name, a duplicate
name, no examples); :func:`check` embeds the examples and lists those closer to another narrative
than to their own (leave-one-out), which is what ``slant narratives check`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import SlantError

TOP_SENTENCES = 3
# Cosines of static vectors: the harbour test taxonomy's two matching narratives score 0.26 and 0.27
# on its own article, an unrelated article (the Belarus one) at most 0.15, and 200 SemEval-2025 war
# and climate documents up to 0.29-0.34. A taxonomy sets its own ``threshold``; this is a start.
DEFAULT_THRESHOLD = 0.3


@dataclass
class UserNarrative:
    name: str
    description: str
    examples: list[str]
    line: int  # 1-based line of the entry in the file


@dataclass
class UserTaxonomy:
    name: str
    narratives: list[UserNarrative]
    threshold: float = DEFAULT_THRESHOLD
    path: str = ""
    _vectors: list[np.ndarray] = field(default_factory=list, repr=False)  # per narrative: (m, h)

    def texts(self, k: int) -> list[str]:
        n = self.narratives[k]
        return ([n.description] if n.description else []) + n.examples


def _fail(path: Path, node, message: str):
    line = node.start_mark.line + 1 if node is not None else 1
    raise SlantError(f"{path}, line {line}: {message}")


def load(path: str | Path) -> UserTaxonomy:
    """Read and validate a taxonomy YAML file (errors name the file and line)."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise SlantError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise SlantError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SlantError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise SlantError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if root is None:
        raise SlantError(f"{path}: empty file (expected a 'narratives:' list)")
    if not isinstance(root, MappingNode):
        _fail(path, root, "expected a mapping with a 'narratives:' list at the top")

    def mapping(node) -> dict:
        return {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}

    def scalar(node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            _fail(path, node, f"{what} must be text")
        return str(node.value).strip()

    top = mapping(root)
    unknown = sorted(set(top) - {"name", "threshold", "narratives", "description"})
    if unknown:
        _fail(path, top[unknown[0]][0], f"unknown key {unknown[0]!r} (expected name, threshold, narratives)")
    name = scalar(top["name"][1], "name") if "name" in top else path.stem
    threshold = DEFAULT_THRESHOLD
    if "threshold" in top:
        raw = scalar(top["threshold"][1], "threshold")
        try:
            threshold = float(raw)
        except ValueError:
            _fail(path, top["threshold"][1], f"threshold must be a number, not {raw!r}")
        if not -1.0 <= threshold <= 1.0:
            _fail(path, top["threshold"][1], "threshold is a cosine similarity, between -1 and 1")
    if "narratives" not in top:
        _fail(path, root, "no 'narratives:' list")
    seq = top["narratives"][1]
    if not isinstance(seq, SequenceNode) or not seq.value:
        _fail(path, seq, "'narratives' must be a non-empty list")
    out: list[UserNarrative] = []
    seen: dict[str, int] = {}
    for item in seq.value:
        line = item.start_mark.line + 1
        if not isinstance(item, MappingNode):
            _fail(path, item, "each narrative is a mapping with name, description and examples")
        fields = mapping(item)
        bad = sorted(set(fields) - {"name", "description", "examples"})
        if bad:
            _fail(path, fields[bad[0]][0], f"unknown key {bad[0]!r} in a narrative (expected name, description, examples)")
        if "name" not in fields:
            _fail(path, item, "narrative without a name")
        nname = scalar(fields["name"][1], "name")
        if not nname:
            _fail(path, fields["name"][1], "narrative with an empty name")
        key = nname.casefold()
        if key in seen:
            _fail(path, fields["name"][1], f"duplicate narrative name {nname!r} (first on line {seen[key]})")
        seen[key] = line
        desc = scalar(fields["description"][1], "description") if "description" in fields else ""
        if "examples" not in fields:
            _fail(path, item, f"narrative {nname!r} has no examples (give at least one example sentence)")
        ex_node = fields["examples"][1]
        if not isinstance(ex_node, SequenceNode) or not ex_node.value:
            _fail(path, ex_node, f"narrative {nname!r}: examples must be a non-empty list of sentences")
        examples = []
        for ex in ex_node.value:
            s = scalar(ex, "an example")
            if not s:
                _fail(path, ex, f"narrative {nname!r}: empty example")
            examples.append(s)
        out.append(UserNarrative(nname, desc, examples, line))
    return UserTaxonomy(name=name, narratives=out, threshold=threshold, path=str(path))


# --- embeddings ------------------------------------------------------------------------------


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


class WordVectors:
    """Static word-piece embeddings (WordLlama ``l2_supercat``, 256-d, whose weights ship inside
    its PyPI package): a text is the weighted mean of its pieces' vectors, L2-normalised. Loaded
    once per process, from the package's own folder (never downloaded); about 0.1 s."""

    _model = None

    def load(self):
        if WordVectors._model is None:
            try:
                import wordllama
                from wordllama import WordLlama
            except ImportError:
                raise SlantError("user taxonomies need the wordllama package (pip install wordllama)") from None
            WordVectors._model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        return WordVectors._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, 256), np.float32)
        return _normalise(np.asarray(self.load().embed(list(texts)), dtype=np.float32))  # unit length here, once


def prepare(tax: UserTaxonomy, vectors: WordVectors | None = None) -> None:
    """Embed the taxonomy's descriptions and examples once."""
    if not tax._vectors:
        vectors = vectors or WordVectors()
        tax._vectors = [vectors.embed(tax.texts(k)) for k in range(len(tax.narratives))]


def sentence_vectors(art, vectors: WordVectors | None = None) -> np.ndarray:
    """The article's sentences, embedded: (n_sentences, d)."""
    return (vectors or WordVectors()).embed([art.text[s.start : s.end] for s in art.sentences])


def sentence_scores(tax: UserTaxonomy, sentences: np.ndarray) -> np.ndarray:
    """(n_sentences, n_narratives): best cosine of each sentence with a narrative's texts."""
    if not len(sentences):
        return np.zeros((0, len(tax.narratives)), np.float32)
    return np.stack([(sentences @ v.T).max(axis=1) for v in tax._vectors], axis=1)


def article_scores(sent: np.ndarray, top: int = TOP_SENTENCES) -> np.ndarray:
    """Mean of the ``top`` best sentence scores per narrative."""
    if not len(sent):
        return np.zeros(sent.shape[1], np.float32)
    k = min(top, len(sent))
    return np.sort(sent, axis=0)[-k:].mean(axis=0)


@dataclass
class Confusion:
    narrative: str
    example: str
    closest: str
    own: float
    other: float


def check(tax: UserTaxonomy, vectors: WordVectors | None = None) -> tuple[list[Confusion], np.ndarray]:
    """Examples that sit closer to another narrative than to their own (leave-one-out: an example
    is compared with its narrative's other texts), and the narratives' centroid similarities."""
    prepare(tax, vectors)
    out = []
    for k, n in enumerate(tax.narratives):
        vecs = tax._vectors[k]
        offset = 1 if n.description else 0
        for i, ex in enumerate(n.examples):
            v = vecs[offset + i]
            rest = np.delete(vecs, offset + i, axis=0)
            own = float((rest @ v).max()) if len(rest) else -1.0
            best_j, best = -1, -2.0
            for j, other in enumerate(tax._vectors):
                if j != k:
                    s = float((other @ v).max())
                    if s > best:
                        best_j, best = j, s
            if best_j >= 0 and best > own:
                out.append(Confusion(n.name, ex, tax.narratives[best_j].name, own, best))
    cents = _normalise(np.stack([v.mean(axis=0) for v in tax._vectors]))
    return out, cents @ cents.T
