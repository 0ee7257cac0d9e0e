"""``slant train roles``: the entity-role model (SemEval-2025 Task 10 subtask 1, English).

Reads ``semeval2025-task10/train/EN`` (raw documents and ``subtask-1-annotations.txt``, whose end
offsets are inclusive and are aligned onto the text by :func:`slant.readers.tasks.align_gold_spans`),
splits the documents 80/20 into train and validation by document with a fixed seed, picks the
regularisation and the fine-role ratio by 5-fold cross-validation on the training documents only,
fits on all of them, writes ``models/roles/`` (``model.json``, ``weights.npz``, ``split.json``) and
prints the validation scores. Needs scikit-learn (training only; inference is numpy).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ..analysers import parse
from ..analysers.roles import FINE_ROLES, MAIN_ROLES, MODEL_DIR, RoleModel, features_for_spans
from ..errors import SlantError

SEED = 2025
VALIDATION = 0.2
MIN_COUNT = 2


@dataclass
class Gold:
    doc: str
    entity: str
    start: int  # article offsets, end exclusive
    end: int
    main: str
    fine: list[str]
    raw_start: int  # the organisers' offsets as written (end inclusive)
    raw_end: int


def read_gold(root: Path, language: str = "EN", split: str = "train"):
    """(texts by doc id, gold rows) of SemEval-2025 subtask 1 in ``root/semeval2025-task10``."""
    from ..readers.tasks import align_gold_spans, parse_task_file

    base = Path(root) / "semeval2025-task10" / split / language
    labels = base / "subtask-1-annotations.txt"
    if not labels.is_file():
        raise SlantError(f"no subtask-1 annotations at {labels}")
    rows: dict[str, list[list[str]]] = {}
    for n, line in enumerate(labels.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 6:
            raise SlantError(f"{labels}:{n}: expected doc, entity, start, end, main role, fine role(s)")
        rows.setdefault(parts[0], []).append(parts)
    texts: dict[str, str] = {}
    gold: list[Gold] = []
    for doc, parts in sorted(rows.items()):
        path = base / "raw-documents" / doc
        art = parse_task_file(path.read_bytes(), path, "semeval2025")
        texts[doc] = art.text
        spans = [(int(p[2]), int(p[3])) for p in parts]
        aligned = align_gold_spans(art.text, spans, [p[1] for p in parts], end_inclusive=True)
        for p, a in zip(parts, aligned, strict=True):
            if a is None:
                continue
            gold.append(Gold(doc, p[1], a[0], a[1], p[4].strip(), [f.strip() for f in p[5:] if f.strip()],
                             int(p[2]), int(p[3])))
    return texts, gold


def split_docs(docs: list[str], seed: int = SEED, fraction: float = VALIDATION) -> dict[str, list[str]]:
    docs = sorted(set(docs))
    random.Random(seed).shuffle(docs)
    n = round(len(docs) * fraction)
    return {"validation": sorted(docs[:n]), "train": sorted(docs[n:])}


def featurise(texts: dict[str, str], gold: list[Gold]) -> list[dict[str, float]]:
    """Features of every gold mention; mentions of one document with the same surface pool."""
    nlp = parse.load_nlp()
    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g.doc, []).append(i)
    feats: list[dict[str, float]] = [{}] * len(gold)
    docs = list(by_doc)
    for doc_id, doc in zip(docs, nlp.pipe((texts[d] for d in docs), batch_size=16), strict=True):
        idx = by_doc[doc_id]
        for i, f in zip(idx, features_for_spans(doc, [(gold[i].start, gold[i].end) for i in idx]), strict=True):
            feats[i] = f
    return feats


def _matrix(feats, vocab):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for r, f in enumerate(feats):
        items = [(vocab[k], v) for k, v in f.items() if k in vocab]
        norm = float(np.sqrt(sum(v * v for _, v in items))) or 1.0
        for c, v in items:
            rows.append(r)
            cols.append(c)
            vals.append(v / norm)
    return csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)), dtype=np.float32)


def fit(feats, gold, C_main: float, C_fine: float):
    from collections import Counter

    from sklearn.linear_model import LogisticRegression

    counts = Counter(k for f in feats for k in f)
    vocab_list = sorted(k for k, c in counts.items() if c >= MIN_COUNT)
    vocab = {k: i for i, k in enumerate(vocab_list)}
    X = _matrix(feats, vocab)
    y_main = np.array([MAIN_ROLES.index(g.main) for g in gold])
    main = LogisticRegression(C=C_main, max_iter=3000)
    main.fit(X, y_main)
    # Fine roles: one sample per gold fine role, weighted so each mention counts once.
    rows, y_fine, w = [], [], []
    for i, g in enumerate(gold):
        for f in g.fine:
            if f in FINE_ROLES:
                rows.append(i)
                y_fine.append(FINE_ROLES.index(f))
                w.append(1.0 / len(g.fine))
    fine = LogisticRegression(C=C_fine, max_iter=3000)
    fine.fit(X[rows], np.array(y_fine), sample_weight=np.array(w))
    model = RoleModel()
    model.vocab = vocab
    model.main_w = _full(main.coef_, main.classes_, len(MAIN_ROLES), X.shape[1])
    model.main_b = _full_b(main.intercept_, main.classes_, len(MAIN_ROLES))
    model.fine_w = _full(fine.coef_, fine.classes_, len(FINE_ROLES), X.shape[1])
    model.fine_b = _full_b(fine.intercept_, fine.classes_, len(FINE_ROLES))
    return model, vocab_list


def _full(coef, classes, n, d):
    out = np.zeros((n, d), dtype=np.float32)
    out[classes] = coef
    return out


def _full_b(b, classes, n):
    out = np.full(n, -30.0, dtype=np.float32)  # a class never seen in training is never predicted
    out[classes] = b
    return out


def predict(model: RoleModel, feats):
    out = []
    for f in feats:
        mp, fp = model.probabilities(f)
        out.append(model.decide(mp, fp))
    return out


def score(gold, preds) -> dict[str, float]:
    """The task's measures: exact match ratio of fine roles (EMR), micro P/R/F1 of fine roles,
    and main-role accuracy, over gold mentions (every gold mention has a prediction here)."""
    n = len(gold)
    emr = sum(set(p[1]) == set(g.fine) for g, p in zip(gold, preds, strict=True)) / n if n else 0.0
    acc = sum(p[0] == g.main for g, p in zip(gold, preds, strict=True)) / n if n else 0.0
    tp = sum(len(set(p[1]) & set(g.fine)) for g, p in zip(gold, preds, strict=True))
    n_pred = sum(len(p[1]) for p in preds)
    n_gold = sum(len(g.fine) for g in gold)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"n": n, "emr": emr, "main_accuracy": acc, "micro_p": prec, "micro_r": rec, "micro_f1": f1}


def cross_validate(docs, feats, gold, grid, folds: int = 5):
    order = sorted(set(docs))
    random.Random(SEED + 1).shuffle(order)
    fold_of = {d: i % folds for i, d in enumerate(order)}
    results = {}
    for C_main, C_fine, ratio in grid:
        preds = [None] * len(gold)
        cache = {}
        for k in range(folds):
            tr = [i for i, g in enumerate(gold) if fold_of[g.doc] != k]
            te = [i for i, g in enumerate(gold) if fold_of[g.doc] == k]
            key = (C_main, C_fine, k)
            if key not in cache:
                cache[key] = fit([feats[i] for i in tr], [gold[i] for i in tr], C_main, C_fine)[0]
            m = cache[key]
            m.fine_ratio = ratio
            for i, p in zip(te, predict(m, [feats[i] for i in te]), strict=True):
                preds[i] = p
        results[(C_main, C_fine, ratio)] = score(gold, preds)
    return results


def train(data_dir: Path, out_dir: Path | None = None, language: str = "EN", quick: bool = False, **options) -> None:
    out_dir = Path(out_dir) if out_dir else MODEL_DIR
    texts, gold = read_gold(Path(data_dir), language)
    split = split_docs([g.doc for g in gold])
    feats = featurise(texts, gold)
    val_docs = set(split["validation"])
    tr = [i for i, g in enumerate(gold) if g.doc not in val_docs]
    va = [i for i, g in enumerate(gold) if g.doc in val_docs]
    grid = [(cm, cf, r) for cm in ([4.0] if quick else [1.0, 4.0, 16.0]) for cf in ([4.0] if quick else [1.0, 4.0, 16.0])
            for r in (1.0, 0.6, 0.4)]
    cv = cross_validate([gold[i].doc for i in tr], [feats[i] for i in tr], [gold[i] for i in tr], grid)
    for key, s in sorted(cv.items(), key=lambda kv: -(kv[1]["emr"] + kv[1]["main_accuracy"])):
        print(f"cv C_main={key[0]:<5} C_fine={key[1]:<5} ratio={key[2]:<4} EMR={s['emr']:.3f} "
              f"main acc={s['main_accuracy']:.3f} fine micro-F1={s['micro_f1']:.3f}")
    best = max(cv, key=lambda k: cv[k]["emr"] + cv[k]["main_accuracy"])
    model, vocab = fit([feats[i] for i in tr], [gold[i] for i in tr], best[0], best[1])
    model.fine_ratio = best[2]
    val = score([gold[i] for i in va], predict(model, [feats[i] for i in va]))
    out_dir.mkdir(parents=True, exist_ok=True)
    version = f"en-{date.today().isoformat()}"
    np.savez_compressed(out_dir / "weights.npz", main_w=model.main_w.astype(np.float16).astype(np.float32),
                        main_b=model.main_b, fine_w=model.fine_w, fine_b=model.fine_b)
    (out_dir / "model.json").write_text(json.dumps({
        "version": version, "task": "SemEval-2025 Task 10 subtask 1 (entity framing), English",
        "main_roles": list(MAIN_ROLES), "fine_roles": list(FINE_ROLES), "fine_ratio": best[2],
        "C_main": best[0], "C_fine": best[1], "min_count": MIN_COUNT, "seed": SEED,
        "train_mentions": len(tr), "validation_mentions": len(va),
        "validation": {k: round(v, 4) if isinstance(v, float) else v for k, v in val.items()},
        "vocabulary": vocab,
    }, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (out_dir / "split.json").write_text(json.dumps(split, indent=1) + "\n", "utf-8")
    (out_dir / "MODEL_CARD.md").write_text(model_card(version, best, cv[best], val, len(tr), len(va),
                                                      len(split["train"]), len(val_docs), len(vocab)), "utf-8")
    print(f"chosen C_main={best[0]} C_fine={best[1]} fine_ratio={best[2]}")
    print(f"validation ({len(va)} mentions, {len(val_docs)} documents): EMR={val['emr']:.3f} "
          f"main-role accuracy={val['main_accuracy']:.3f} fine micro-F1={val['micro_f1']:.3f}")
    print(f"wrote {out_dir}")


def model_card(version, best, cv, val, n_train, n_val, docs_train, docs_val, n_vocab) -> str:
    """The model card written beside the weights: data, split, choices, scores, date."""
    return f"""# slant roles model ({version})

Main role (Protagonist / Antagonist / Innocent) and fine roles of an entity mention, in the taxonomy
of SemEval-2025 Task 10 subtask 1 (entity framing; Piskorski et al., 2025). Used by the `roles`
analyser (actors of an article) and by `slant predict semeval2025-st1` (given mentions).

- **Model**: two multinomial logistic regressions (scikit-learn at training, numpy at inference) over
  {n_vocab} sparse features read off the en_core_web_sm parse: the words of the mention's sentence and
  its neighbours, the governing verb and dependency, modifiers, the name itself, and the same words
  pooled over the article's other mentions of the entity. Fine roles: the best fine role of the chosen
  main role, plus any other within a ratio of {best[2]} of its probability.
- **Data**: `../shared/data/semeval2025-task10/train/EN` (English training documents and
  `subtask-1-annotations.txt`; end offsets inclusive).
- **Split**: by document, seed {SEED}: {docs_train} training documents ({n_train} mentions) and
  {docs_val} validation documents ({n_val} mentions), listed in `split.json`. The validation documents
  are never seen in training or model selection.
- **Choices**: C_main={best[0]}, C_fine={best[1]}, fine ratio={best[2]}, chosen by 5-fold
  cross-validation over the training documents (CV exact match {cv['emr']:.3f}, main-role accuracy
  {cv['main_accuracy']:.3f}); the shipped weights are fitted on the training documents only.
- **Scores on the validation split** (the task's measures, `slant eval roles`):

| measure | score |
|---|---|
| exact match ratio of fine roles (official) | {val['emr']:.3f} |
| main-role accuracy | {val['main_accuracy']:.3f} |
| fine roles micro-F1 | {val['micro_f1']:.3f} |

- **Date**: {date.today().isoformat()}. Rebuild with `slant train roles` (needs `slant[train]`).
- **Limits**: English only; the training news is about the Russia-Ukraine war and climate change, so
  roles of actors in other stories lean on the same cues and are less reliable.
"""
