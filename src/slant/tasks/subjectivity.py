"""Subjectivity in the shared task: CLEF CheckThat! 2025 Task 1 (is a sentence subjective?).

``slant eval subjectivity`` scores the shipped heads on a part of their sentence split with the
official measure (macro-F1 over SUBJ/OBJ); ``slant predict checkthat-subjectivity`` writes the
task's ``sentence_id<TAB>label`` file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ..errors import SlantError


def evaluate_subjectivity(data_dir: Path, split: str = "test", **options) -> str:
    """Macro-F1 over SUBJ/OBJ and SUBJ-F1 of the shipped head on a part of its split."""
    from ..analysers.subjectivity import MODEL_DIR, SubjectivityModel
    from .scoring import subjectivity_scores
    from ..train.subjectivity import split_by_language

    folder = Path(options.get("model") or MODEL_DIR)
    model = SubjectivityModel(folder)
    model.load()
    by_lang = split_by_language(Path(data_dir), folder)
    lang = options.get("lang")
    if lang:
        if lang not in by_lang:
            raise SlantError(f"--lang {lang}: the subjectivity head was trained on {', '.join(by_lang)}")
        by_lang = {lang: by_lang[lang]}
    if split not in ("train", "dev", "test"):
        raise SlantError(f"unknown split {split!r}; use train, dev or test")
    sents = [s for parts in by_lang.values() for s in parts[split]]
    gold = [s.label for s in sents]
    feats = model.sentence_features([s.text for s in sents])
    lines = [
        f"Subjectivity, CheckThat! 2025 ({', '.join(by_lang)}), {split} part of slant's split: {len(sents)} sentences "
        f"({sum(g == 'SUBJ' for g in gold)} SUBJ), each encoded on its own (the task's setting)",
    ]
    for head in model.heads:
        sc = subjectivity_scores(gold, [model.label(float(p), head) for p in model.head_probs(feats, head)])
        lines += [
            "",
            f"{head} head, threshold {model.thresholds[head]:.2f}"
            + ("  (the analyser's default: reads the article's shared pass)" if head == "context" else ""),
            f"{'measure':<28}{'P':>7}{'R':>7}{'F1':>7}",
            f"{'SUBJ':<28}{sc['subj_p']:>7.3f}{sc['subj_r']:>7.3f}{sc['subj_f1']:>7.3f}",
            f"{'OBJ':<28}{sc['obj_p']:>7.3f}{sc['obj_r']:>7.3f}{sc['obj_f1']:>7.3f}",
            f"{'macro-F1 (official)':<28}{'':>14}{sc['macro_f1']:>7.3f}   baseline ~0.66 in English (LR on sentence embeddings)",
            f"{'accuracy':<28}{'':>14}{sc['accuracy']:>7.3f}",
        ]
        if len(by_lang) > 1:
            start = 0
            lines.append(f"{'by language':<28}{'n':>7}{'':>7}{'macro-F1':>9}")
            for code, parts in by_lang.items():
                n = len(parts[split])
                part_sc = subjectivity_scores(gold[start:start + n], [model.label(float(p), head)
                                                                      for p in model.head_probs(feats[start:start + n], head)])
                lines.append(f"{'  ' + code:<28}{n:>7}{'':>7}{part_sc['macro_f1']:>9.3f}")
                start += n
    if "context" in model.heads and (Path(data_dir) / "semeval2023-task3").is_dir() \
            and (folder / "split.json").is_file() and not lang:
        from ..train.subjectivity import context_scores

        cs = context_scores(Path(data_dir), folder, model, split)
        lines += [
            "",
            f"Inside articles: {cs['sentences']} sentences of the {cs['articles']} SemEval-2023 {split} articles,",
            "each read off its article's pass, against the sentence head's label for it encoded alone",
            f"{'head on the article pass':<28}{'macro-F1':>9}{'SUBJ share':>12}",
            f"{'context head':<28}{cs['agreement']['macro_f1']:>9.3f}{cs['share']['context']:>12.1%}",
            f"{'sentence head':<28}{cs['naive_agreement']['macro_f1']:>9.3f}{cs['share']['naive']:>12.1%}",
            f"{'(sentence head, alone)':<28}{'':>9}{cs['share']['alone']:>12.1%}",
        ]
    return "\n".join(lines)


def predict_checkthat_subjectivity(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict checkthat-subjectivity FILE.tsv``: ``sentence_id<TAB>label`` for every
    sentence of the task's TSV files (a label column, when present, is ignored)."""
    from ..analysers.subjectivity import MODEL_DIR, SubjectivityModel
    from .corpora import read_subjectivity_tsv

    files: list[Path] = []
    for p in inputs:
        files.extend(sorted(p.glob("*.tsv")) if p.is_dir() else [p])
    if not files:
        raise SlantError("no .tsv files in the inputs")
    sents = [s for f in files for s in read_subjectivity_tsv(f)]
    model = SubjectivityModel(Path(options.get("model") or MODEL_DIR))
    model.load()
    probs = model.sentence_probs([s.text for s in sents])
    out.write("sentence_id\tlabel\n")
    for s, p in zip(sents, probs, strict=True):
        out.write(f"{s.id}\t{model.label(float(p))}\n")
    return len(sents)
