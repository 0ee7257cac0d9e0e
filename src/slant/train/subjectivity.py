"""``slant train subjectivity``: tune and document the sentence subjectivity head.

The head's weights are learned with the shared encoder (``slant train techniques`` trains it on the
CheckThat! 2025 English train part of slant's split and exports ``subjectivity_head.npz``). This
step runs the shipped int8 graph over the validation ("dev") sentences, picks the decision
threshold that maximises macro-F1 there, scores the held-out test sentences once, and writes
``subjectivity.json`` and the model card ``SUBJECTIVITY.md`` beside the weights. It needs only
numpy and onnxruntime, and takes about a minute.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .. import corpora
from ..analysers.subjectivity import CONFIG_FILE, MODEL_DIR, SubjectivityModel
from ..errors import SlantError
from ..scoring import subjectivity_scores

GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)


def split_sentences(data_dir: Path, folder: Path) -> dict[str, list[corpora.LabelledSentence]]:
    """The CheckThat! English sentences by part of the split the head was trained with."""
    sents = corpora.checkthat_subjectivity(data_dir, "en")
    split_file = folder / "subjectivity_split.json"
    if split_file.is_file():
        split = json.loads(split_file.read_text("utf-8"))
    else:
        split = corpora.subjectivity_split(sents)
    by_id = {s.id: s for s in sents}
    missing = [i for part in ("train", "dev", "test") for i in split[part] if i not in by_id]
    if missing:
        raise SlantError(f"{len(missing)} sentence ids of the model's split are not in {data_dir}: another copy of the data?")
    return {part: [by_id[i] for i in split[part]] for part in ("train", "dev", "test")}


def train(data_dir: Path, out_dir: Path | None = None, **options) -> None:
    folder = Path(out_dir) if out_dir else MODEL_DIR
    model = SubjectivityModel(folder)
    model.load()
    parts = split_sentences(Path(data_dir), folder)
    t0 = time.time()
    dev_p = model.sentence_probs([s.text for s in parts["dev"]])
    dev_y = [s.label for s in parts["dev"]]
    best_g, best = 0.5, None
    for g in GRID:
        sc = subjectivity_scores(dev_y, ["SUBJ" if p >= g else "OBJ" for p in dev_p])
        # ties go to the threshold nearest 0.5, the least fitted choice
        key = (round(sc["macro_f1"], 6), -abs(g - 0.5))
        if best is None or key > best[0]:
            best_g, best = float(g), (key, sc)
    test_p = model.sentence_probs([s.text for s in parts["test"]])
    test = subjectivity_scores([s.label for s in parts["test"]], ["SUBJ" if p >= best_g else "OBJ" for p in test_p])
    at_half = subjectivity_scores([s.label for s in parts["test"]], ["SUBJ" if p >= 0.5 else "OBJ" for p in test_p])
    cfg = {
        "threshold": best_g,
        "built": time.strftime("%Y-%m-%d"),
        "encoder": model.encoder.id,
        "data": "CheckThat! 2025 Task 1 English train+dev, split by sentence (subjectivity_split.json)",
        "sizes": {k: len(v) for k, v in parts.items()},
        "dev": best[1],
        "test": test,
        "test_at_0.5": at_half,
    }
    (folder / CONFIG_FILE).write_text(json.dumps(cfg, indent=1))
    write_card(folder, cfg)
    print(f"threshold {best_g:.2f} (dev macro-F1 {best[1]['macro_f1']:.3f}); test macro-F1 {test['macro_f1']:.3f}, "
          f"SUBJ-F1 {test['subj_f1']:.3f} ({time.time() - t0:.0f}s)")


def write_card(folder: Path, cfg: dict) -> None:
    t, d = cfg["test"], cfg["dev"]
    card = f"""# slant subjectivity head

Built {cfg['built']} by `slant train techniques` (weights) and `slant train subjectivity` (threshold).

## What it does
Labels a sentence SUBJ (it states an opinion, judges, or takes sides) or OBJ (it reports), with the
probability of SUBJ. A logistic layer over the mean and max of the sentence's token states from the
shared persuasion-technique encoder (MiniLM-L6, int8 ONNX, `model.onnx` beside this card), so in a
pipeline that runs `techniques` first it costs one matrix product per article.

## Data and split
CLEF CheckThat! 2025 Task 1 (subjectivity in news articles), English train and dev files pooled
({sum(cfg['sizes'].values())} sentences) and split by sentence with a fixed seed into
{cfg['sizes']['train']} train / {cfg['sizes']['dev']} validation / {cfg['sizes']['test']} test
(`subjectivity_split.json`). The head was trained on the train part alongside the technique
tagger; the threshold ({cfg['threshold']:.2f}) maximises macro-F1 on the validation part; the test part
was scored once. Licence of the data: CC BY-NC-SA 4.0.

## Scores (official measure: macro-F1 over SUBJ and OBJ; also SUBJ-F1)
| part | macro-F1 | SUBJ-F1 | SUBJ P | SUBJ R |
|---|---|---|---|---|
| validation (threshold tuned here) | {d['macro_f1']:.3f} | {d['subj_f1']:.3f} | {d['subj_p']:.3f} | {d['subj_r']:.3f} |
| test (held out) | {t['macro_f1']:.3f} | {t['subj_f1']:.3f} | {t['subj_p']:.3f} | {t['subj_r']:.3f} |
| test at threshold 0.5 | {cfg['test_at_0.5']['macro_f1']:.3f} | {cfg['test_at_0.5']['subj_f1']:.3f} | | |

Reproduce with `slant eval subjectivity`. The organisers' kind of baseline (logistic regression
on the base encoder's sentence embeddings) scores about 0.66 macro-F1.

## Limits
English only. Trained on sentences seen alone; inside an article a sentence's token states also
carry its neighbours, which shifts scores a little. Short rhetorical questions and reported opinions
("X said the plan was a disaster") are the usual confusions.
"""
    (folder / "SUBJECTIVITY.md").write_text(card)
