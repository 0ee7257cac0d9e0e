"""``slant train subjectivity``: tune and document the sentence subjectivity head.

The head's weights are learned with the shared encoder (``slant train techniques`` trains it on the
CheckThat! 2025 train part of slant's split of every language it has: en, de, it, ar, bg, and
exports ``subjectivity_head.npz``). This step runs the shipped int8 graph over the pooled
validation ("dev") sentences, picks the decision threshold that maximises macro-F1 there, scores
the held-out test sentences once, by language, and writes
``subjectivity.json`` and the model card ``SUBJECTIVITY.md`` beside the weights.

It then fits the ``context`` head (``subjectivity_context_head.npz``), which reads sentences off a
whole-article pass, the pass the techniques analyser makes anyway. CheckThat! gives sentences
without their articles, so the head learns from two sources: the sentences of the SemEval-2023
Task 3 articles (every language of the techniques split) pooled from each article's own pass, labelled by the sentence head's judgement of
the same sentence encoded alone (its probability, shifted so that its tuned threshold sits at 0.5),
and the CheckThat! train sentences with their gold labels. Articles follow the techniques model's
split (``split.json``: fitting on its train part plus the unlabelled official test articles, choices
on dev, scores on test). A logistic layer in numpy; about five minutes on two cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..tasks import corpora
from ..analysers.base import batched
from ..analysers.segment import Segmenter
from ..analysers.subjectivity import CONFIG_FILE, CONTEXT_HEAD_FILE, MODEL_DIR, SubjectivityModel
from ..article import Article
from ..errors import SlantError
from ..tasks.scoring import subjectivity_scores

GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)


def split_by_language(data_dir: Path, folder: Path) -> dict[str, dict[str, list[corpora.LabelledSentence]]]:
    """The CheckThat! sentences of every language the head was trained on, by part of its split.
    The English MiniLM model kept its split in ``subjectivity_split.json`` (English only); the
    multilingual model splits each language by sentence with seed 2025 (``slant.train.multilingual``)."""
    split_file = folder / "subjectivity_split.json"
    langs = ("en",) if split_file.is_file() else corpora.SUBJECTIVITY_LANGS
    out = {}
    for lang in langs:
        try:
            sents = corpora.checkthat_subjectivity(data_dir, lang)
        except SlantError:
            if lang == "en":
                raise
            continue  # a language missing from this copy of the data
        split = json.loads(split_file.read_text("utf-8")) if split_file.is_file() else corpora.subjectivity_split(sents)
        by_id = {s.id: s for s in sents}
        missing = [i for part in ("train", "dev", "test") for i in split[part] if i not in by_id]
        if missing:
            raise SlantError(f"{len(missing)} sentence ids of the model's split are not in {data_dir}: another copy of the data?")
        out[lang] = {part: [by_id[i] for i in split[part]] for part in ("train", "dev", "test")}
    return out


# Articles per part the context head reads (an even subset; None: all). Each costs an article pass
# plus one pass per sentence: all 1,500 articles of six languages take about an hour on two cores.
CONTEXT_ARTICLES = {"train": 300, "dev": 60, "test": 120}


def train(data_dir: Path, out_dir: Path | None = None, context_articles: dict | None = CONTEXT_ARTICLES,
          **options) -> None:
    folder = Path(out_dir) if out_dir else MODEL_DIR
    model = SubjectivityModel(folder)
    model.load()
    by_lang = split_by_language(Path(data_dir), folder)
    parts = {part: [s for p in by_lang.values() for s in p[part]] for part in ("train", "dev", "test")}
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
    languages = {}
    for lang, lp in by_lang.items():
        p = model.sentence_probs([s.text for s in lp["test"]])
        gold = [s.label for s in lp["test"]]
        languages[lang] = {"sentences": len(gold), **subjectivity_scores(gold, ["SUBJ" if v >= best_g else "OBJ" for v in p]),
                           "at_0.5": subjectivity_scores(gold, ["SUBJ" if v >= 0.5 else "OBJ" for v in p])["macro_f1"]}
    test_p = model.sentence_probs([s.text for s in parts["test"]])
    test = subjectivity_scores([s.label for s in parts["test"]], ["SUBJ" if p >= best_g else "OBJ" for p in test_p])
    at_half = subjectivity_scores([s.label for s in parts["test"]], ["SUBJ" if p >= 0.5 else "OBJ" for p in test_p])
    cfg = {
        "threshold": best_g,
        "built": time.strftime("%Y-%m-%d"),
        "encoder": model.encoder.id,
        "data": f"CheckThat! 2025 Task 1 train+dev of {', '.join(by_lang)}, each split by sentence",
        "languages": languages,
        "sizes": {k: len(v) for k, v in parts.items()},
        "dev": best[1],
        "test": test,
        "test_at_0.5": at_half,
    }
    print(f"threshold {best_g:.2f} (dev macro-F1 {best[1]['macro_f1']:.3f}); test macro-F1 {test['macro_f1']:.3f}, "
          f"SUBJ-F1 {test['subj_f1']:.3f}; by language " + ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in languages.items())
          + f" ({time.time() - t0:.0f}s)", flush=True)
    model.thresholds["sentence"] = best_g
    cfg["context"] = fit_context_head(Path(data_dir), folder, model, parts, context_articles)
    (folder / CONFIG_FILE).write_text(json.dumps(cfg, indent=1))
    write_card(folder, cfg)


# --- the context head -----------------------------------------------------------------------------

L2_GRID = (1e-4, 1e-3, 1e-2, 3e-2)


def article_parts(data_dir: Path, folder: Path, wanted: tuple[str, ...] = ("train", "dev", "test")
                  ) -> dict[str, list[Article]]:
    """Segmented SemEval-2023 articles by part of the techniques split (by article), for the
    ``wanted`` parts: English only for the English model (``train`` / ``dev`` / ``test`` of its
    ``split.json``), every language for the multilingual one (its ``train`` / ``val`` / ``eval``
    parts; ``eval`` of a language other than English is the organisers' dev split). The official
    English test articles (no labels needed here) join the fitting part."""
    split = json.loads((folder / "split.json").read_text("utf-8"))
    names = {"train": "train", "dev": "val", "test": "eval"} if "langs" in split else {p: p for p in wanted}
    by_lang = split["langs"] if "langs" in split else {"en": split}
    parts: dict[str, list[Article]] = {part: [] for part in wanted}
    for lang, lsplit in by_lang.items():
        which = {i: part for part in wanted for i in lsplit.get(names[part], [])}
        sources = [("train", None)] + ([("dev", "test")] if lang != "en" and "test" in wanted and "langs" in split else [])
        if lang == "en" and "train" in wanted:
            sources.append(("test", "train"))
        for source, part_of_all in sources:
            try:
                tasks = corpora.semeval2023_techniques(data_dir, lang, source, with_labels=False)
            except SlantError:
                continue  # a copy of the data without that split
            for t in tasks:
                part = part_of_all or which.get(t.id)
                if part in parts:
                    parts[part].append(Article(text=t.article.text))
    seg = Segmenter()
    for arts in parts.values():
        list(seg.pipe(arts))
    return parts


def context_data(model: SubjectivityModel, arts: list[Article]) -> tuple[np.ndarray, np.ndarray]:
    """(features pooled from each article's pass, the same sentences' features encoded alone) for
    every sentence of ``arts``."""
    ctx, texts = [], []
    for batch in batched(arts, 16):
        model.encoder.encode(batch)
        for art in batch:
            spans = [(s.start, s.end) for s in art.sentences]
            if spans:
                ctx.append(model.pooled(art, spans))
                texts.extend(art.text[a:b] for a, b in spans)
            art._encoded = None  # the hidden states of hundreds of articles do not all need to stay
    return np.vstack(ctx), model.sentence_features(texts)


def shifted(p: np.ndarray, threshold: float) -> np.ndarray:
    """Probabilities moved on the logit scale so that ``threshold`` maps to 0.5."""
    p = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    z = np.log(p / (1 - p)) - np.log(t / (1 - t))
    return 1.0 / (1.0 + np.exp(-z))


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, steps: int = 600,
                 lr: float = 0.05) -> tuple[np.ndarray, float]:
    """Weighted logistic regression with soft targets (full-batch Adam on standardised features);
    returns (w, b) for the raw features."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mu) / sd
    w, b = np.zeros(x.shape[1]), 0.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    wsum = weight.sum()
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = (p - y) * weight / wsum
        gw, gb = z.T @ g + l2 * w, g.sum()
        m_w, v_w = 0.9 * m_w + 0.1 * gw, 0.999 * v_w + 0.001 * gw**2
        m_b, v_b = 0.9 * m_b + 0.1 * gb, 0.999 * v_b + 0.001 * gb**2
        w -= lr * (m_w / (1 - 0.9**t)) / (np.sqrt(v_w / (1 - 0.999**t)) + 1e-8)
        b -= lr * (m_b / (1 - 0.9**t)) / (np.sqrt(v_b / (1 - 0.999**t)) + 1e-8)
    return (w / sd).astype(np.float32), float(b - (mu / sd) @ w)


def _labels(p: np.ndarray, threshold: float) -> list[str]:
    return ["SUBJ" if v >= threshold else "OBJ" for v in p]


def context_scores(data_dir: Path, folder: Path, model: SubjectivityModel, split: str = "test") -> dict:
    """How the shipped context head reads the sentences of one part's articles (agreement with the
    sentence head's judgement of each sentence alone, and the SUBJ shares), beside the sentence
    head read off the same article passes."""
    arts = evenly(article_parts(data_dir, folder, (split,))[split], CONTEXT_ARTICLES.get(split))
    ctx, alone = context_data(model, arts)
    th_s, th_c = model.thresholds["sentence"], model.thresholds["context"]
    teacher = _labels(model.head_probs(alone, "sentence"), th_s)
    student = _labels(model.head_probs(ctx, "context"), th_c)
    naive = _labels(model.head_probs(ctx, "sentence"), th_s)
    share = lambda labels: sum(lab == "SUBJ" for lab in labels) / max(len(labels), 1)  # noqa: E731
    return {"articles": len(arts), "sentences": len(teacher),
            "agreement": subjectivity_scores(teacher, student),
            "naive_agreement": subjectivity_scores(teacher, naive),
            "share": {"alone": share(teacher), "context": share(student), "naive": share(naive)}}


def evenly(items: list, n: int | None) -> list:
    """At most ``n`` of ``items``, evenly spaced (every language of an ordered list keeps its share)."""
    if n is None or len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(k * step)] for k in range(n)]


def fit_context_head(data_dir: Path, folder: Path, model: SubjectivityModel,
                     sentences: dict[str, list[corpora.LabelledSentence]], limit: dict | None = None) -> dict:
    t0 = time.time()
    arts = {part: evenly(items, (limit or {}).get(part)) for part, items in article_parts(data_dir, folder).items()}
    th_s = model.thresholds["sentence"]
    data = {}
    for part, items in arts.items():
        ctx, alone = context_data(model, items)
        teacher = model.head_probs(alone, "sentence")
        data[part] = {"ctx": ctx, "teacher": teacher,
                      "naive": model.head_probs(ctx, "sentence")}
        print(f"{part}: {len(items)} articles, {len(ctx)} sentences, "
              f"{np.mean(teacher >= th_s):.0%} SUBJ by the sentence head ({time.time() - t0:.0f}s)", flush=True)
    ct = {part: (model.sentence_features([s.text for s in sents]), [s.label for s in sents])
          for part, sents in sentences.items()}
    tr = data["train"]
    x = np.vstack([tr["ctx"], ct["train"][0]])
    y = np.concatenate([shifted(tr["teacher"], th_s), [1.0 if lab == "SUBJ" else 0.0 for lab in ct["train"][1]]])
    # each source weighs as much as the other in all
    weight = np.concatenate([np.full(len(tr["ctx"]), 0.5 / len(tr["ctx"])),
                             np.full(len(ct["train"][1]), 0.5 / len(ct["train"][1]))])

    def judge(w, b, part, g):
        d = data[part]
        p_art = 1.0 / (1.0 + np.exp(-(d["ctx"] @ w + b)))
        p_ct = 1.0 / (1.0 + np.exp(-(ct[part][0] @ w + b)))
        agree = subjectivity_scores(_labels(d["teacher"], th_s), _labels(p_art, g))
        gold = subjectivity_scores(ct[part][1], _labels(p_ct, g))
        return agree, gold, p_art

    best = None
    for l2 in L2_GRID:
        w, b = fit_logistic(x, y, weight, l2)
        for g in GRID:
            agree, gold, _ = judge(w, b, "dev", g)
            key = (round((agree["macro_f1"] + gold["macro_f1"]) / 2, 6), -abs(g - 0.5))
            if best is None or key > best[0]:
                best = (key, l2, float(g), w, b, agree, gold)
    _, l2, g, w, b, dev_agree, dev_gold = best
    test_agree, test_gold, p_test = judge(w, b, "test", g)
    te = data["test"]
    naive = subjectivity_scores(_labels(te["teacher"], th_s), _labels(te["naive"], th_s))
    share = lambda labels: float(np.mean([lab == "SUBJ" for lab in labels])) if len(labels) else 0.0  # noqa: E731
    np.savez(folder / CONTEXT_HEAD_FILE, weight=w, bias=np.array([b], dtype=np.float32))
    out = {
        "threshold": g, "l2": l2,
        "articles": {k: len(v) for k, v in arts.items()},
        "sentences": {k: int(len(v["ctx"])) for k, v in data.items()},
        "dev": {"agreement": dev_agree, "checkthat": dev_gold},
        "test": {"agreement": test_agree, "checkthat": test_gold,
                 "sentence_head_on_article_pass": naive,
                 "subj_share": {"sentence_head_alone": share(_labels(te["teacher"], th_s)),
                                "context_head": share(_labels(p_test, g)),
                                "sentence_head_on_article_pass": share(_labels(te["naive"], th_s))}},
    }
    print(f"context head: l2 {l2:g}, threshold {g:.2f}; test articles: agreement with the sentence head "
          f"macro-F1 {test_agree['macro_f1']:.3f} (the sentence head read off the article pass: "
          f"{naive['macro_f1']:.3f}); CheckThat! test macro-F1 {test_gold['macro_f1']:.3f} "
          f"({time.time() - t0:.0f}s)", flush=True)
    return out


def write_card(folder: Path, cfg: dict) -> None:
    t, d = cfg["test"], cfg["dev"]
    langs = cfg.get("languages", {})
    enc = json.loads((folder / "encoder.json").read_text("utf-8")) if (folder / "encoder.json").is_file() else {}
    base = (enc.get("base") or {}).get("model", "MiniLM-L6") if isinstance(enc.get("base"), dict) else "MiniLM-L6"
    rows = "".join(f"| {lang} | {r['sentences']} | {r['macro_f1']:.3f} | {r['subj_f1']:.3f} | {r['at_0.5']:.3f} |\n"
                   for lang, r in langs.items())
    card = f"""# slant subjectivity head

Built {cfg['built']} by `slant train techniques` (weights) and `slant train subjectivity` (threshold).

## What it does
Labels a sentence SUBJ (it states an opinion, judges, or takes sides) or OBJ (it reports), with the
probability of SUBJ. A logistic layer over the mean and max of the sentence's token states from the
shared persuasion-technique encoder ({base}, int8 ONNX, `model.onnx` beside this card), so in a
pipeline that runs `techniques` first it costs one matrix product per article.

## Data and split
CLEF CheckThat! 2025 Task 1 (subjectivity in news articles): {cfg['data']}
({sum(cfg['sizes'].values())} sentences: {cfg['sizes']['train']} train / {cfg['sizes']['dev']} validation /
{cfg['sizes']['test']} test, 70/15/15 with a fixed seed). The head was trained on the train part alongside the
technique tagger; the threshold ({cfg['threshold']:.2f}) maximises macro-F1 on the pooled validation part;
the test part was scored once. Licence of the data: CC BY-NC-SA 4.0.

## Scores (official measure: macro-F1 over SUBJ and OBJ; also SUBJ-F1)
| part | macro-F1 | SUBJ-F1 | SUBJ P | SUBJ R |
|---|---|---|---|---|
| validation, all languages (threshold tuned here) | {d['macro_f1']:.3f} | {d['subj_f1']:.3f} | {d['subj_p']:.3f} | {d['subj_r']:.3f} |
| test, all languages (held out) | {t['macro_f1']:.3f} | {t['subj_f1']:.3f} | {t['subj_p']:.3f} | {t['subj_r']:.3f} |
| test at threshold 0.5 | {cfg['test_at_0.5']['macro_f1']:.3f} | {cfg['test_at_0.5']['subj_f1']:.3f} | | |

""" + (f"""By language (test part):

| language | sentences | macro-F1 | SUBJ-F1 | macro-F1 at 0.5 |
|---|---|---|---|---|
{rows}
""" if rows else "") + """Reproduce with `slant eval subjectivity` (`--lang xx` for one language). The organisers' kind
of baseline (logistic regression on a base encoder's sentence embeddings) scores about 0.66
macro-F1 in English.

## Limits
Short rhetorical questions and reported opinions ("X said the plan was a disaster") are the usual
confusions. Languages outside the training set are read through the multilingual encoder and are
not measured.
"""
    if "context" in cfg:
        card += context_card(cfg["context"])
    (folder / "SUBJECTIVITY.md").write_text(card)


def context_card(c: dict) -> str:
    t, d = c["test"], c["dev"]
    sh = t["subj_share"]
    return f"""
## The context head (the analyser's default)
The head above saw each sentence alone. Read off a whole article's pass, where each token also
carries its neighbours, it calls {sh['sentence_head_on_article_pass']:.0%} of the sentences of the held-out
articles SUBJ, against {sh['sentence_head_alone']:.0%} when the same sentences are encoded one by one; and
encoding them one by one costs about half of the techniques analyser's time. So a second logistic
layer (`{CONTEXT_HEAD_FILE}`) reads the same pooled features from the article's own pass, the
pass the techniques analyser makes anyway.

CheckThat! has no articles, so it was fitted (numpy, L2 {c['l2']:g}, threshold {c['threshold']:.2f}, both chosen on dev) on:
- {c['sentences']['train']} sentences of {c['articles']['train']} SemEval-2023 Task 3 articles (the train part of the
  techniques split plus the unlabelled official English test articles), pooled from each article's pass and
  labelled by the sentence head's probability for the sentence alone, shifted so that its threshold
  sits at 0.5;
- the CheckThat! train sentences with their gold labels; each source weighs half.

| measure | dev | test |
|---|---|---|
| agreement with the sentence head alone, article sentences, macro-F1 | {d['agreement']['macro_f1']:.3f} | {t['agreement']['macro_f1']:.3f} |
| the sentence head read off the article pass, same measure | | {t['sentence_head_on_article_pass']['macro_f1']:.3f} |
| CheckThat! sentences encoded alone, gold labels, macro-F1 | {d['checkthat']['macro_f1']:.3f} | {t['checkthat']['macro_f1']:.3f} |
| CheckThat! SUBJ-F1 | {d['checkthat']['subj_f1']:.3f} | {t['checkthat']['subj_f1']:.3f} |

Test articles ({c['sentences']['test']} sentences of {c['articles']['test']} articles held out from everything above): SUBJ share
{sh['context_head']:.0%} with the context head, {sh['sentence_head_alone']:.0%} with the sentence head on each sentence alone.
The agreement figure measures imitation of the sentence head, not truth: no gold labels exist for
sentences inside articles.
"""
