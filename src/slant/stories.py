"""Story similarity: how close two articles' stories are, across outlets and languages, read off
the shared encoder pass (no second model per article).

Every article is reduced once to a :class:`Story`, from the token states the techniques encoder
leaves on it (``art._encoded``, see :mod:`slant.encoder`; the encoder runs only when no analyser
has run it yet):

* dense views of its hidden states: the mean over every token, the mean over the lead (title and
  first paragraph or so), and the mean weighted by each token's inverse document frequency (rare
  pieces, names and places, count more than "the");
* its sentences' mean states (for a soft alignment of the two texts, sentence to best sentence);
* the technique logits' mean (how the story is told, which annotators also rated);
* sparse term vectors over the encoder's own token ids (sublinear counts weighted by idf, or by
  idf squared to favour names; pairs of neighbouring ids; the lead's ids alone), so the lexical
  overlap needs no second tokenizer and works the same way in every script;
* the numbers it cites (dates, counts, sums keep their digits in every language).

Before two dense views are compared, each is made language-neutral (:meth:`StoryModel.view`). The
raw states of an encoder share one large common direction (raw cosines are all high), and the
final states of this one are dominated by the language: a German retelling of an English article
is further from it than two unrelated English articles are. So each view is centred on the mean
of its own language's articles (estimated from unlabelled articles of that language; a language
the model has no centre for is centred on the mean of the languages' centres), then the few
directions along which the languages' centres differ most are removed, and the strongest
remaining directions are scaled down to the variance of the next one (the first of them is the
one the techniques fine-tuning left: how loaded the wording is, not what the story is).

A pair of Stories gives a few similarities (:meth:`StoryModel.pair_features`), and a small head
fitted on SemEval-2022 Task 8 maps them to the task's Overall score (1 = same story, 4 = unrelated);
:func:`story_similarity` gives it back as 0..1 (1 = same story). ``story_vector`` is the dense unit
vector a nearest-neighbour index keeps per article; the head re-scores the candidates it returns.

Cross-lingual pairs: token overlap and numbers mean less when the two articles are in different
languages (names are spelled, and often written, differently), so the model keeps a second head,
fitted on the same pairs without the lexical similarities, for pairs whose languages differ.

Notes:
    Chen et al., "SemEval-2022 Task 8: Multilingual News Article Similarity" (2022): the task, its
    data and its measure (Pearson correlation with the annotators' Overall score).
    Libovický, Rosa and Fraser, "On the Language Neutrality of Pre-trained Multilingual
    Representations" (Findings of EMNLP 2020): centring each language on its own mean makes
    multilingual sentence states comparable across languages. Yang et al., "A Simple and
    Effective Method To Eliminate the Self Language Bias in Multilingual Representations" (EMNLP
    2021): removing the principal directions of the languages' means (language information
    removal). Mu and Viswanath, "All-but-the-Top" (ICLR 2018): the top principal directions of
    embeddings carry little meaning and dominate cosines.
    The sentence alignment score is the sentence-level form of BERTScore's greedy matching (Zhang
    et al., "BERTScore: Evaluating Text Generation with BERT", ICLR 2020).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .article import Article
from .encoder import Encoded, OnnxEncoder, span_rows, pool_rows
from .errors import SlantError

MODELS = Path(__file__).resolve().parent / "models"
STORIES_DIR = MODELS / "stories"
LEAD_TOKENS = 128  # about the title and the first paragraph of a news article
MAX_SENTENCES = 80  # sentences aligned per article (the story is told by then)
VOCAB = 250_037  # rows of the multilingual-e5 embedding table: every token id the encoder gives
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Arabic-Indic, Persian and Devanagari digits read as ASCII ones, so "٢٠٢٠" and "2020" agree.
_DIGITS = str.maketrans({chr(base + i): str(i) for base in (0x660, 0x6F0, 0x966) for i in range(10)})


def compose(title: str | None, text: str) -> str:
    """The article text as slant reads it: the title, a blank line, then the body (the SemEval
    layouts' convention); the title is not repeated when the body already opens with it."""
    title, text = (title or "").strip(), (text or "").strip()
    return f"{title}\n\n{text}" if title and not text.startswith(title) else text


def numbers(text: str) -> frozenset[str]:
    """The numbers a text cites, without separators ("2,500" and "2.500" agree), in ASCII digits."""
    return frozenset(re.sub(r"[.,]", "", n).translate(_DIGITS) for n in _NUMBER.findall(text))


@dataclass
class Story:
    """One article's story profile: plain arrays, computed once from its encoder pass."""

    mean: np.ndarray  # (d,) mean hidden state over every token
    lead: np.ndarray  # (d,) mean over the first LEAD_TOKENS tokens
    idf_mean: np.ndarray  # (d,) idf-weighted mean
    sentences: np.ndarray  # (n, d) sentence means, at most MAX_SENTENCES
    techniques: np.ndarray  # (t,) mean technique logits (zeros when the encoder has no such head)
    terms: dict[str, tuple[np.ndarray, np.ndarray]]  # bag name -> (sorted keys, unit-length weights)
    numbers: frozenset[str]
    n_tokens: int
    language: str | None = None  # ISO 639-1 code of meta.language: picks the centre of the dense views


def sentence_spans(art: Article) -> list[tuple[int, int]]:
    """The article's sentences, or the segmenter's split of its text when it has none yet."""
    if art.sentences:
        return [(s.start, s.end) for s in art.sentences]
    from .analysers.segment import split_paragraphs, split_sentences

    return [(s.start, s.end) for p in split_paragraphs(art.text) for s in split_sentences(art.text, p.start, p.end)]


def token_ids(enc: Encoded, encoder: OnnxEncoder | None = None, text: str | None = None) -> np.ndarray:
    """The token ids of an encoder pass (kept by the encoder; re-tokenised for a cache without them)."""
    if enc.ids is not None:
        return np.asarray(enc.ids, dtype=np.int64)
    if encoder is None or text is None:
        raise SlantError("the encoder pass carries no token ids: give the encoder and the text to tokenise")
    from .encoder import tokenize

    return tokenize(encoder.tokenizer, [text])[0][0]


DENSE = ("mean", "lead", "idf_mean", "sentences")  # the dense views of a Story, each neutralised on its own


def language_code(language: str | None) -> str | None:
    """The ISO 639-1 code a language tag starts with ("pt-BR" -> "pt", "EN" -> "en"); None for none."""
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return code or None


@dataclass
class Neutraliser:
    """How one dense view is made comparable across languages: ``x - centre[language]``, then
    ``x - U diag(1 - scale) U^T x`` (``U`` orthonormal columns: a scale of 0 removes a direction,
    one between 0 and 1 shrinks it)."""

    centre: np.ndarray  # (d,) for a language without its own centre: the mean of the languages' centres
    centres: dict[str, np.ndarray]  # language -> (d,)
    basis: np.ndarray  # (d, m)
    scale: np.ndarray  # (m,)

    def __call__(self, x: np.ndarray, language: str | None) -> np.ndarray:
        z = x - self.centres.get(language or "", self.centre)
        if not self.basis.shape[1]:
            return z
        return z - ((z @ self.basis) * (1.0 - self.scale)) @ self.basis.T


class StoryModel:
    """The story-similarity model of ``folder`` (``model.npz`` + ``model.json``, see
    ``slant train similarity``): the idf of every token id, how each dense view is made
    language-neutral (per-language centres and the directions removed or shrunk), the two heads
    (same language, across languages) mapping pair similarities to the Overall score, and the
    story-vector cosines an index reads as the same story or the same event (:attr:`thresholds`)."""

    def __init__(self, folder: str | Path = STORIES_DIR):
        self.folder = Path(folder)
        npz, cfg = self.folder / "model.npz", self.folder / "model.json"
        if not npz.is_file() or not cfg.is_file():
            raise SlantError(f"no story-similarity model in {self.folder} (model.npz, model.json); "
                             "rebuild it with `slant train similarity`")
        with np.load(npz) as z:
            arrays = {k: z[k] for k in z.files}
        self._setup(arrays, json.loads(cfg.read_text("utf-8")))

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], config: dict | None = None,
                    folder: str | Path = STORIES_DIR) -> StoryModel:
        """A model from its arrays in memory (what ``slant train similarity`` builds before it
        writes them); the heads may be missing (``overall`` then refuses)."""
        model = cls.__new__(cls)
        model.folder = Path(folder)
        model._setup(arrays, config or {})
        return model

    def _setup(self, arrays: dict[str, np.ndarray], config: dict) -> None:
        self.config, self.arrays = config, arrays
        self.idf = arrays["idf"].astype(np.float32)
        languages = [str(x) for x in arrays.get("languages", np.zeros(0, str))]
        self.languages = tuple(languages)
        self.neutral: dict[str, Neutraliser] = {}
        for view in DENSE:
            # files before the per-language centres: one centre, the sentences on the token mean's
            centre = arrays.get(f"centre_{view}", arrays["centre_mean"]).astype(np.float32)
            rows = arrays.get(f"lang_centre_{view}", np.zeros((0, len(centre)), np.float32)).astype(np.float32)
            basis = arrays.get(f"basis_{view}", np.zeros((len(centre), 0), np.float32)).astype(np.float32)
            scale = arrays.get(f"basis_scale_{view}", np.zeros(basis.shape[1], np.float32)).astype(np.float32)
            self.neutral[view] = Neutraliser(centre, dict(zip(languages, rows)), basis, scale)
        self.centres = {k: self.neutral[k].centre for k in DENSE}  # the fallback centres, by view
        self.heads = {name: Head.from_arrays(arrays, name) for name in ("same", "cross")
                      if f"{name}_weight" in arrays}
        self.thresholds: dict[str, float] = {k: float(v) for k, v in config.get("index", {}).items()}
        self.version = str(config.get("version", "0"))

    # --- one article ---------------------------------------------------------------------------
    def story(self, art: Article, encoder: OnnxEncoder | None = None) -> Story:
        """The article's :class:`Story`, from ``art._encoded`` (cached on the article as
        ``art._story``, never serialised)."""
        enc = art._encoded
        cached = getattr(art, "_story", None)
        if cached is not None and cached[0] == (id(enc), enc.model, self.version):
            return cached[1]
        story = profile(art, enc, self.idf, encoder)
        art._story = ((id(enc), enc.model, self.version), story)
        return story

    def view(self, story: Story, name: str) -> np.ndarray:
        """One dense view of the story (``mean``, ``lead``, ``idf_mean``: (d,); ``sentences``:
        (n, d)), made language-neutral for the story's language (see the module docstring)."""
        return self.neutral[name](getattr(story, name), language_code(story.language))

    def vector(self, story: Story) -> np.ndarray:
        """The story's dense unit vector (its language-neutral idf-weighted mean state): what an
        index keeps; the cosine of two is the quick story similarity (:attr:`thresholds`)."""
        return _unit(self.view(story, "idf_mean"))

    # --- two articles --------------------------------------------------------------------------
    def pair_features(self, a: Story, b: Story) -> np.ndarray:
        """Similarities of two stories, in the order of ``FEATURES``."""
        sa, sb = _unit_rows(self.view(a, "sentences")), _unit_rows(self.view(b, "sentences"))
        if len(sa) and len(sb):
            m = sa @ sb.T
            align = 0.5 * (float(m.max(axis=1).mean()) + float(m.max(axis=0).mean()))
        else:
            align = 0.0
        union = len(a.numbers | b.numbers)
        return np.array([
            *(_cos(self.view(a, v), self.view(b, v)) for v in ("mean", "lead", "idf_mean")),
            align,
            _cos(a.techniques, b.techniques),
            len(a.numbers & b.numbers) / union if union else 0.0,
            abs(np.log(max(a.n_tokens, 1)) - np.log(max(b.n_tokens, 1))),
            np.log(max(min(a.n_tokens, b.n_tokens), 1)),
            *(_sparse_cos(a.terms.get(bag), b.terms.get(bag)) for bag in BAGS),
        ], dtype=np.float64)

    def overall(self, a: Story, b: Story, cross: bool | None = None) -> float:
        """The predicted Overall score of SemEval-2022 Task 8 (1 = very similar .. 4 = very
        dissimilar). ``cross``: the pair's languages differ (default: from the stories'
        languages, same when either is unknown)."""
        la, lb = language_code(a.language), language_code(b.language)
        if cross is None:
            cross = bool(la and lb and la != lb)
        name = "cross" if cross else "same"
        if name not in self.heads:
            raise SlantError(f"{self.folder}: the story model has no {name}-language head yet")
        head = self.heads[name]
        return float(np.clip(head.predict(self.pair_features(a, b)[None, :])[0], 1.0, 4.0))


BAGS = ("terms", "terms_idf2", "bigrams", "lead_terms")  # the sparse term vectors of a Story
FEATURES = ("mean", "lead", "idf_mean", "sentence_align", "techniques", "numbers", "length_gap", "length_min",
            *BAGS)
# Left out of the cross-language head: word pieces are shared across languages only by chance (and
# by names in one script); numbers keep their digits in every language, so they stay.
LEXICAL = BAGS


class Head:
    """A ridge regression over standardised pair features, with squared and pairwise-product
    terms of the chosen features (``columns``): one affine map at run time."""

    def __init__(self, columns: np.ndarray, mu: np.ndarray, sd: np.ndarray, weight: np.ndarray, bias: float):
        self.columns, self.mu, self.sd, self.weight, self.bias = columns, mu, sd, weight, float(bias)

    @classmethod
    def from_arrays(cls, arrays: dict, name: str) -> Head:
        return cls(arrays[f"{name}_columns"].astype(np.int64), arrays[f"{name}_mu"], arrays[f"{name}_sd"],
                   arrays[f"{name}_weight"], float(arrays[f"{name}_bias"]))

    def to_arrays(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}_columns": self.columns, f"{name}_mu": self.mu, f"{name}_sd": self.sd,
                f"{name}_weight": self.weight, f"{name}_bias": np.asarray(self.bias)}

    def predict(self, x: np.ndarray) -> np.ndarray:
        return expand(x[:, self.columns], self.mu, self.sd) @ self.weight + self.bias


def expand(x: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Standardised features, then their squares and pairwise products (a quadratic surface: the
    lexical and dense similarities reinforce each other near the top of the scale)."""
    z = (x - mu) / sd
    i, j = np.triu_indices(z.shape[1])
    return np.concatenate([z, z[:, i] * z[:, j]], axis=1)


def profile(art: Article, enc: Encoded, idf: np.ndarray, encoder: OnnxEncoder | None = None) -> Story:
    """The :class:`Story` of an article from its encoder pass and the token idf table."""
    h = enc.hidden
    d = h.shape[1] if h.ndim == 2 else 0
    t = enc.outputs.get("techniques")
    n_tech = t.shape[1] if t is not None and t.ndim == 2 else 0
    language = language_code(art.meta.language)  # picks the centre of the dense views (readers set it)
    if not len(enc) or not d or not h.shape[0]:
        z = np.zeros(d or 384, np.float32)
        return Story(z, z, z, np.zeros((0, len(z)), np.float32), np.zeros(n_tech, np.float32), {},
                     numbers(art.text), 0, language)
    ids = token_ids(enc, encoder, art.text)
    w = idf[np.clip(ids, 0, len(idf) - 1)]
    spans = sentence_spans(art)[:MAX_SENTENCES]
    lo, hi = span_rows(enc, spans)
    keep = hi > lo
    sentences = pool_rows(h, lo[keep], hi[keep])[0] if keep.any() else h[:1].copy()
    tok_idf = idf[np.clip(ids, 0, len(idf) - 1)]
    terms = {"terms": _bag(ids, tok_idf), "terms_idf2": _bag(ids, tok_idf ** 2),
             "bigrams": _bag(ids[:-1] * VOCAB + ids[1:], (tok_idf[:-1] + tok_idf[1:]) / 2),
             "lead_terms": _bag(ids[:LEAD_TOKENS], tok_idf[:LEAD_TOKENS])}
    return Story(
        mean=h.mean(axis=0),
        lead=h[:LEAD_TOKENS].mean(axis=0),
        idf_mean=(h * w[:, None]).sum(axis=0) / max(float(w.sum()), 1e-9),
        sentences=sentences.astype(np.float32),
        techniques=t.mean(axis=0) if n_tech else np.zeros(0, np.float32),
        terms=terms,
        numbers=numbers(art.text),
        n_tokens=len(ids),
        language=language,
    )


def _bag(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A sparse unit vector: each distinct key weighted (1 + ln count) x its mean token weight."""
    if not len(keys):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    w = np.zeros(len(uniq), np.float64)
    np.add.at(w, inverse, weights)
    v = (1.0 + np.log(counts)) * w / counts
    return uniq.astype(np.int64), (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def _sparse_cos(a: tuple[np.ndarray, np.ndarray] | None, b: tuple[np.ndarray, np.ndarray] | None) -> float:
    if a is None or b is None:
        return 0.0
    _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(a[1][ia] @ b[1][ib])


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


def _unit_rows(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b) / (na * nb) if na > 0 and nb > 0 else 0.0


# --- the library calls later work builds on ------------------------------------------------------

_loaded: dict[str, tuple[StoryModel, OnnxEncoder]] = {}


def load(folder: str | Path = STORIES_DIR, encoder_dir: str | Path | None = None) -> tuple[StoryModel, OnnxEncoder]:
    """The story model of ``folder`` and the shared encoder it reads, loaded once per process
    (the encoder is refused when the model was fitted on another one's states)."""
    from .doclabels import ENCODER_DIR, check_encoder

    key = f"{Path(folder).resolve()}|{encoder_dir or ''}"
    if key not in _loaded:
        model = StoryModel(folder)
        encoder = OnnxEncoder(Path(encoder_dir or ENCODER_DIR))
        check_encoder(model, encoder)  # reads config["encoder_sha"] and folder, as a Head has
        _loaded[key] = (model, encoder)
    return _loaded[key]


def story_of(art: Article, model: StoryModel | None = None, encoder: OnnxEncoder | None = None) -> Story:
    """The article's :class:`Story`, encoding it first when no analyser has (``art._encoded``)."""
    from .doclabels import encode_missing

    if model is None or encoder is None:
        model, encoder = load()
    encode_missing(encoder, [art])
    return model.story(art, encoder)


def story_vector(art: Article, model: StoryModel | None = None, encoder: OnnxEncoder | None = None) -> np.ndarray:
    """The article's story vector (float32, unit length): cosine between two of them is the quick
    story similarity a nearest-neighbour index ranks by."""
    if model is None or encoder is None:
        model, encoder = load()
    return model.vector(story_of(art, model, encoder))


def story_overall(a: Article, b: Article, model: StoryModel | None = None, encoder: OnnxEncoder | None = None,
                  cross: bool | None = None) -> float:
    """SemEval-2022 Task 8's Overall score of two articles: 1 (the same story) .. 4 (unrelated)."""
    if model is None or encoder is None:
        model, encoder = load()
    return model.overall(story_of(a, model, encoder), story_of(b, model, encoder), cross)


def story_similarity(a: Article, b: Article, model: StoryModel | None = None, encoder: OnnxEncoder | None = None,
                     cross: bool | None = None) -> float:
    """How close two articles' stories are: 1.0 the same story, 0.0 unrelated (the Overall score
    turned round and scaled). Pairs in two languages (``meta.language``, or ``cross=True``) are read
    by the head fitted without word overlap."""
    return (4.0 - story_overall(a, b, model, encoder, cross)) / 3.0
