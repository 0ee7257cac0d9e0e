"""Check-worthy claims in the shared task: CLEF CheckThat! 2024 Task 1, English (is a sentence of a
political debate worth fact-checking?).

The analyser reads sentences inside their article; the task gives sentences one per line, with
ids that run in order through each debate. So the sentences are joined back into passages of
consecutive ids (``corpora.sentence_passages``) and each sentence is pooled from its passage's
encoder pass, exactly as inside an article. ``slant eval claims`` scores the shipped head on
slant's held-out parts (``corpora.checkworthy_split``) with the official measure, F1 of the
check-worthy ("Yes") class, beside a TF-IDF logistic regression fitted on the same sentences;
``slant predict checkthat-checkworthiness FILE.tsv`` writes ``Sentence_id<TAB>class_label``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import os
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from ..article import Article, Sentence, Span
from ..errors import SlantError
from . import corpora
from .corpora import LabelledSentence


def passage_article(passage: Sequence[LabelledSentence]) -> Article:
    """One Article of a passage's sentences joined by spaces, its sentences the task's own."""
    text, sents, pos = [], [], 0
    for s in passage:
        if text:
            pos += 1
        sents.append(Sentence(start=pos, end=pos + len(s.text), paragraph=0))
        text.append(s.text)
        pos += len(s.text)
    joined = " ".join(text)
    return Article(text=joined, paragraphs=[Span(start=0, end=len(joined))] if joined else [], sentences=sents)


def sentence_features(sentences: Sequence[LabelledSentence], encoder, log: Callable | None = None,
                      batch: int = 16) -> dict[str, np.ndarray]:
    """sentence id -> pooled features (``slant.doclabels.features``) of every sentence, each read
    off its passage's encoder pass."""
    from ..doclabels import features

    out: dict[str, np.ndarray] = {}
    passages = corpora.sentence_passages(list(sentences))
    for k in range(0, len(passages), batch):
        chunk = passages[k : k + batch]
        arts = [passage_article(p) for p in chunk]
        encoder.encode(arts)
        for p, art in zip(chunk, arts, strict=True):
            x = features(art._encoded, [(s.start, s.end) for s in art.sentences])
            out.update((s.id, row) for s, row in zip(p, x, strict=True))
        if log and ((k // batch) % 10 == 9 or k + batch >= len(passages)):
            log(f"  encoded {min(k + batch, len(passages))}/{len(passages)} passages")
    return out


def load_parts(data_dir: Path) -> tuple[dict[str, LabelledSentence], dict[str, list[str]]]:
    """Every labelled English sentence by id, and slant's split of them (``checkworthy_split``)."""
    train = corpora.checkthat_checkworthiness(data_dir, "train")
    dev = corpora.checkthat_checkworthiness(data_dir, "dev")
    return {s.id: s for s in train + dev}, corpora.checkworthy_split(train, dev)


def tfidf_baseline(train: Sequence[LabelledSentence]):
    """The usual baseline: TF-IDF of word 1-2-grams (sublinear tf) into a logistic regression,
    fitted on ``train``; returns a function texts -> P(Yes). Needs scikit-learn."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise SlantError("the TF-IDF baseline needs scikit-learn (pip install scikit-learn)") from None
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x = vec.fit_transform([s.text for s in train])
    lr = LogisticRegression(max_iter=2000).fit(x, [s.label == "Yes" for s in train])
    return lambda texts: lr.predict_proba(vec.transform(list(texts)))[:, 1]


def best_threshold(gold: Sequence[str], probs: np.ndarray, grid: Sequence[float] | None = None) -> tuple[float, float]:
    """(threshold, F1 of Yes) maximising F1 on ``gold``; ties go to the threshold nearest 0.5."""
    from .scoring import checkworthy_scores

    best = (-1.0, 0.0, 0.5)
    for g in grid if grid is not None else np.round(np.arange(0.05, 0.96, 0.01), 2):
        f1 = checkworthy_scores(gold, ["Yes" if p >= g else "No" for p in probs])["f1"]
        key = (round(f1, 6), -abs(float(g) - 0.5))
        if key > best[:2]:
            best = (key[0], key[1], float(g))
    return best[2], best[0]


PARTS = {"test": "the other half of the organisers' dev split (threshold tuned on the first half)",
         "apart": "the last 600 sentence ids (whole debates), kept out of fitting and tuning",
         "tune": "the half of the dev split the threshold was tuned on"}


def evaluate_claims(data_dir: Path, split: str | None = None, **options) -> str:
    """F1 of the check-worthy class (official), precision and recall, of the shipped head and of a
    TF-IDF baseline fitted on the same train sentences, on slant's held-out parts."""
    from ..analysers.claims import MODEL_DIR, ClaimsModel
    from .scoring import checkworthy_scores

    folder = Path(options.get("model") or MODEL_DIR)
    parts = [split] if split else ["test", "apart"]
    for p in parts:
        if p not in PARTS:
            raise SlantError(f"unknown split {p!r} for claims; use {', '.join(PARTS)}")
    model = ClaimsModel(folder)
    by_id, split_ids = load_parts(Path(data_dir))
    feats = cached_features(list(by_id.values()), model.encoder)
    tune_gold = [by_id[i].label for i in split_ids["tune"]]
    base = tfidf_baseline([by_id[i] for i in split_ids["train"]])
    base_th, _ = best_threshold(tune_gold, base([by_id[i].text for i in split_ids["tune"]]))
    lines = [f"Check-worthy claims, CheckThat! 2024 Task 1 English: the head in {folder} "
             f"(threshold {model.threshold:.2f}); F1 of the check-worthy class (official), with P and R",
             f"{'part':<8}{'n':>6}{'Yes':>6}  {'system':<30}{'P':>7}{'R':>7}{'F1':>7}"]
    for p in parts:
        sents = [by_id[i] for i in split_ids[p]]
        gold = [s.label for s in sents]
        ours = model.probs(np.stack([feats[s.id] for s in sents]), [s.text for s in sents])
        rows = [("claims (encoder + lexical)" if model.lexical is not None else "claims head (encoder pass)", checkworthy_scores(gold, ["Yes" if q >= model.threshold else "No" for q in ours])),
                (f"TF-IDF + LR (threshold {base_th:.2f})", checkworthy_scores(
                    gold, ["Yes" if q >= base_th else "No" for q in base([s.text for s in sents])]))]
        for k, (name, sc) in enumerate(rows):
            head = f"{p:<8}{len(sents):>6}{sum(g == 'Yes' for g in gold):>6}" if k == 0 else " " * 20
            lines.append(f"{head}  {name:<30}{sc['p']:>7.3f}{sc['r']:>7.3f}{sc['f1']:>7.3f}")
    lines += ["", *(f"{p}: {PARTS[p]}" for p in parts),
              "Both systems fitted on the train part only; the best published English systems reached "
              "about 0.80 F1 on the task's test set."]
    return "\n".join(lines)


def predict_checkthat_checkworthiness(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict checkthat-checkworthiness FILE.tsv``: ``Sentence_id<TAB>class_label`` (Yes /
    No) for every sentence of the task's TSV files (a class_label column, when present, is ignored).
    Sentences of consecutive ids are read together, as the head reads an article."""
    from ..analysers.claims import MODEL_DIR, ClaimsModel

    files: list[Path] = []
    for p in inputs:
        files.extend(sorted(p.glob("*.tsv")) if p.is_dir() else [p])
    if not files:
        raise SlantError("no .tsv files in the inputs")
    sents = [s for f in files for s in corpora.read_checkworthy_tsv(f)]
    seen: set[str] = set()
    for s in sents:
        if s.id in seen:
            raise SlantError(f"sentence id {s.id!r} appears in more than one input file")
        seen.add(s.id)
    model = ClaimsModel(Path(options.get("model") or MODEL_DIR))
    feats = sentence_features(sents, model.encoder)
    probs = model.probs(np.stack([feats[s.id] for s in sents]), [s.text for s in sents])
    return write_checkworthy(out, [(s.id, float(p) >= model.threshold) for s, p in zip(sents, probs, strict=True)])


def write_checkworthy(out: TextIO, rows: Sequence[tuple[str, bool]]) -> int:
    """The task's submission layout: a header, then ``Sentence_id<TAB>Yes|No`` per sentence."""
    out.write("Sentence_id\tclass_label\n")
    for sid, yes in rows:
        out.write(f"{sid}\t{'Yes' if yes else 'No'}\n")
    return len(rows)


# --- features, cached per encoder (training and scoring read the same file) ---------------------

CACHE = Path(os.environ.get("SLANT_CACHE", "runs")) / "claims"
FEATURES = "checkthat2024-en-passages-g3-s40"  # passages: id gaps of at most 3, at most 40 sentences


def cached_features(sentences: Sequence[LabelledSentence], encoder, log=print) -> dict[str, np.ndarray]:
    """sentence id -> pooled features of every sentence (:func:`sentence_features`),
    from ``runs/claims/<encoder sha>/`` when every id is there, else encoded and written there."""
    from ..train.doclabels import _save, encoder_key

    path = CACHE / encoder_key(encoder.folder) / f"{FEATURES}.npz"
    if path.is_file():
        cached = np.load(path)
        done = {str(i): row for i, row in zip(cached["ids"], cached["x"])}
        if all(s.id in done for s in sentences):
            return done
    t0 = time.time()
    done = sentence_features(sentences, encoder, log=log)
    _save(path, done)
    if log:
        log(f"  {len(done)} sentences encoded in passages ({time.time() - t0:.0f}s), cached in {path}")
    return done
