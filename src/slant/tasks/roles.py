"""Entity roles in the shared task: SemEval-2025 Task 10 subtask 1 (entity framing).

``slant eval roles`` scores the roles model with the official measures of subtask 1 (Piskorski et
al., 2025): exact match ratio of the fine-role sets (EMR, the task's ranking measure), micro
precision/recall/F1 of fine roles, and main-role accuracy, on the gold mentions of the validation
documents in ``models/roles/split.json`` (English) and on each language's dev split (Bulgarian, Hindi,
Portuguese, Russian), beside the majority answer of each split and the previous (English-only,
parse-feature) model's recorded scores. ``slant predict semeval2025-st1`` casts given mentions, in
any of the languages, in the task's format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from ..errors import SlantError


def split_gold(data_dir: Path, folder: Path | None = None) -> list[tuple[str, dict, list]]:
    """The scored splits: (name, texts, gold rows) for the English validation documents of
    ``split.json`` and each language's dev split."""
    from ..analysers.roles import MODEL_DIR
    from ..train.roles import DEV_LANGUAGES, read_gold, task_folder

    folder = Path(folder) if folder else MODEL_DIR
    split_file = folder / "split.json"
    if not split_file.is_file():
        raise SlantError(f"no split.json in {folder}: run `slant train roles` first")
    val = set(json.loads(split_file.read_text("utf-8"))["validation"])
    texts, gold = read_gold(Path(data_dir), "EN", "train")
    gold = [g for g in gold if g.doc in val]
    out = [("EN validation", {d: texts[d] for d in val if d in texts}, gold)]
    for lang in DEV_LANGUAGES:
        if task_folder(Path(data_dir), lang, "dev")[0].is_file():
            t, g = read_gold(Path(data_dir), lang, "dev")
            out.append((f"{lang} dev", t, g))
    return out


def cast_gold(texts: dict, gold: list, model, encoder, language: str) -> list[tuple[str, list[str]]]:
    """Predicted (main, fine roles) of every gold mention, each document encoded once (reusing the
    training step's cached states when they were made by this encoder)."""
    from ..analysers.roles import document_features
    from ..article import Article

    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g.doc, []).append(i)
    preds: list = [None] * len(gold)
    for doc, idx in by_doc.items():
        art = Article(text=texts[doc])
        (enc,) = encoder.encode([art])
        x = document_features(texts[doc], enc, language, [(gold[i].start, gold[i].end) for i in idx])
        main_p, fine_p = model.probabilities(x)
        for i, a, b in zip(idx, main_p, fine_p, strict=True):
            preds[i] = model.decide(a, b)
    return preds


def roles_scores(data_dir: Path, model_dir: str | Path | None = None, split: str = "all") -> dict:
    """Scores of the roles model on the English validation split and every dev split (``split``:
    "all", or one name such as "EN validation"), beside the majority answer of each split and the
    previous model's recorded scores."""
    from ..analysers.roles import MODEL_DIR, RoleModel
    from ..doclabels import ENCODER_DIR, check_encoder
    from ..encoder import OnnxEncoder
    from ..train.roles import score

    folder = Path(model_dir) if model_dir else MODEL_DIR
    model = RoleModel(folder).load()
    encoder = OnnxEncoder(ENCODER_DIR)
    check_encoder(model, encoder)
    previous = model.config.get("previous", {})
    rows = []
    for name, texts, gold in split_gold(Path(data_dir), folder):
        if split != "all" and name.lower() != split.lower():
            continue
        preds = cast_gold(texts, gold, model, encoder, name.split()[0])
        s = score(gold, preds)
        s["split"] = name
        s["docs"] = len({g.doc for g in gold})
        counts = {r: sum(g.main == r for g in gold) for r in ("Protagonist", "Antagonist", "Innocent")}
        top = max(counts, key=counts.get)
        s["majority"], s["majority_role"] = counts[top] / len(gold) if gold else 0.0, top
        s["previous"] = previous.get(name)
        rows.append(s)
    return {"model": model.version, "rows": rows}


def roles_report(s: dict) -> str:
    lines = [
        f"Entity roles (SemEval-2025 Task 10 subtask 1), model {s['model']}; official measures: exact match "
        "ratio of fine roles (EMR) and main-role accuracy",
        f"{'split':<15}{'mentions':>9}{'docs':>6}{'EMR':>7}{'fine F1':>8}{'main acc':>9}{'majority':>10}"
        f"   previous model (EMR / main acc)",
    ]
    for r in s["rows"]:
        prev = r.get("previous")
        prev_s = f"{prev['emr']:.3f} / {prev['main_accuracy']:.3f}" if prev else "not served (English only)"
        lines.append(f"{r['split']:<15}{r['n']:>9}{r['docs']:>6}{r['emr']:7.3f}{r['micro_f1']:8.3f}"
                     f"{r['main_accuracy']:9.3f}{r['majority']:7.3f} {r['majority_role'][:3]}   {prev_s}")
    return "\n".join(lines)


def evaluate_roles(data_dir: Path, model: str | Path | None = None, split: str = "all", **options) -> str:
    return roles_report(roles_scores(Path(data_dir), model, split or "all"))


#
# The mentions file lists the entities to cast, one a line: ``doc<TAB>entity<TAB>start<TAB>end``
# (more columns, such as gold roles, are ignored), offsets as in the task's files: into the raw
# document, end inclusive. The lines written repeat them as given, then the main role and the
# fine roles: ``doc<TAB>entity<TAB>start<TAB>end<TAB>main role<TAB>fine role<TAB>...``.


def read_st1_mentions(path: Path) -> list[tuple[str, str, int, int]]:
    """(doc, entity, start, end) of each line of a subtask-1 mentions (or annotations) file."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise SlantError(f"{path}: cannot read the mentions file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SlantError(f"{path}: the mentions file is not UTF-8 text") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 4 or not parts[2].strip().isdigit() or not parts[3].strip().isdigit():
            raise SlantError(f"{path}:{n}: expected doc, entity, start, end separated by tabs")
        start, end = int(parts[2]), int(parts[3])
        if end < start:
            raise SlantError(f"{path}:{n}: the end offset {end} is before the start {start}")
        rows.append((parts[0].strip(), parts[1], start, end))
    return rows


def predict_roles(inputs: list[Path], out: TextIO, mentions: Path | None = None, **options) -> int:
    """``slant predict semeval2025-st1 DIR --mentions FILE``: main and fine roles of each mention."""
    from ..analysers.roles import MODEL_DIR, RoleModel, document_features
    from ..article import Article
    from ..doclabels import ENCODER_DIR, check_encoder
    from ..encoder import OnnxEncoder
    from ..readers.tasks import align_gold_spans, parse_task_file

    if mentions is None:
        raise SlantError("semeval2025-st1 casts given entity mentions: pass them with --mentions FILE")
    wanted = read_st1_mentions(mentions)
    files: dict[str, Path] = {}
    for p in map(Path, inputs):
        if p.is_dir():
            for f in sorted(p.glob("*.txt")):
                files.setdefault(f.name, f)
        elif p.is_file():
            files.setdefault(p.name, p)
        else:
            raise SlantError(f"{p}: no such file or folder")
    missing = sorted({doc for doc, *_ in wanted} - set(files))
    if missing:
        raise SlantError(f"{mentions}: no document file for {', '.join(missing[:5])} in the inputs")
    model = options.get("model")
    model = RoleModel(Path(model) if model else MODEL_DIR) if not isinstance(model, RoleModel) else model
    model.load()
    by_doc: dict[str, list[int]] = {}
    for i, (doc, *_) in enumerate(wanted):
        by_doc.setdefault(doc, []).append(i)
    encoder = OnnxEncoder(ENCODER_DIR)
    check_encoder(model, encoder)
    results: list[tuple[str, list[str]]] = [("", [])] * len(wanted)
    for doc_id, rows in by_doc.items():
        art = parse_task_file(files[doc_id].read_bytes(), files[doc_id], "semeval2025")
        text = art.text
        aligned = align_gold_spans(text, [wanted[i][2:] for i in rows], [wanted[i][1] for i in rows], end_inclusive=True)
        spans = []
        for i, a in zip(rows, aligned, strict=True):
            # A mention whose surface is not found keeps the offsets as written, clipped to the text.
            s, e = a if a is not None else (min(wanted[i][2], len(text)), min(wanted[i][3] + 1, len(text)))
            spans.append((s, e))
        (enc,) = encoder.encode([Article(text=text)])
        main_p, fine_p = model.probabilities(document_features(text, enc, art.meta.language, spans))
        for i, mp, fp in zip(rows, main_p, fine_p, strict=True):
            results[i] = model.decide(mp, fp)
    for (doc, entity, start, end), (main, fines) in zip(wanted, results, strict=True):
        out.write("\t".join([doc, entity, str(start), str(end), main, *fines]) + "\n")
    return len(wanted)
