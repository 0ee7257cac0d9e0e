"""Entity roles in the shared task: SemEval-2025 Task 10 subtask 1 (entity framing).

``slant eval roles`` scores the roles model with the official measures of subtask 1 (Piskorski et
al., 2025): exact match ratio of the fine-role sets (EMR, the task's ranking measure), micro
precision/recall/F1 of fine roles, and main-role accuracy, on the gold mentions of the validation
documents in ``models/roles/split.json``. ``slant predict semeval2025-st1`` casts given mentions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from ..errors import SlantError


def roles_scores(data_dir: Path, model_dir: str | Path | None = None, split: str = "validation") -> dict:
    from ..analysers import parse
    from ..analysers.roles import MODEL_DIR, RoleModel, features_for_spans
    from ..train.roles import read_gold, score

    folder = Path(model_dir) if model_dir else MODEL_DIR
    split_file = folder / "split.json"
    if not split_file.is_file():
        raise SlantError(f"no split.json in {folder}: run `slant train roles` first")
    docs = set(json.loads(split_file.read_text("utf-8"))[split])
    texts, gold = read_gold(Path(data_dir))
    gold = [g for g in gold if g.doc in docs]
    model = RoleModel(folder).load()
    nlp = parse.load_nlp()
    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g.doc, []).append(i)
    preds: list = [None] * len(gold)
    names = list(by_doc)
    for d, doc in zip(names, nlp.pipe(texts[n] for n in names), strict=True):
        idx = by_doc[d]
        for i, f in zip(idx, features_for_spans(doc, [(gold[i].start, gold[i].end) for i in idx]), strict=True):
            preds[i] = model.decide(*model.probabilities(f))
    out = score(gold, preds)
    out["docs"] = len(by_doc)
    out["split"] = split
    out["always_antagonist"] = sum(g.main == "Antagonist" for g in gold) / len(gold) if gold else 0.0
    return out


def roles_report(s: dict) -> str:
    return "\n".join([
        f"Entity roles (SemEval-2025 Task 10 subtask 1), English, {s['split']} split: {s['n']} mentions in "
        f"{s['docs']} documents",
        f"{'measure':<36}{'score':>7}",
        f"{'fine-role exact match ratio (EMR)':<36}{s['emr']:7.3f}",
        f"{'fine-role micro P / R / F1':<36}{s['micro_p']:7.3f}{s['micro_r']:7.3f}{s['micro_f1']:7.3f}",
        f"{'main-role accuracy':<36}{s['main_accuracy']:7.3f}   (always Antagonist: {s['always_antagonist']:.3f})",
    ])


def evaluate_roles(data_dir: Path, model: str | Path | None = None, split: str = "validation", **options) -> str:
    return roles_report(roles_scores(Path(data_dir), model, split))


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
    from ..analysers import parse
    from ..analysers.roles import MODEL_DIR, RoleModel, features_for_spans
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
    texts = {doc: parse_task_file(files[doc].read_bytes(), files[doc], "semeval2025").text for doc in by_doc}
    nlp = parse.load_nlp()
    results: list[tuple[str, list[str]]] = [("", [])] * len(wanted)
    docs = list(by_doc)
    for doc_id, sdoc in zip(docs, nlp.pipe((texts[d] for d in docs), batch_size=16), strict=True):
        rows = by_doc[doc_id]
        text = texts[doc_id]
        aligned = align_gold_spans(text, [wanted[i][2:] for i in rows], [wanted[i][1] for i in rows], end_inclusive=True)
        spans = []
        for i, a in zip(rows, aligned, strict=True):
            # A mention whose surface is not found keeps the offsets as written, clipped to the text.
            s, e = a if a is not None else (min(wanted[i][2], len(text)), min(wanted[i][3] + 1, len(text)))
            spans.append((s, e))
        for i, feats in zip(rows, features_for_spans(sdoc, spans), strict=True):
            results[i] = model.decide(*model.probabilities(feats))
    for (doc, entity, start, end), (main, fines) in zip(wanted, results, strict=True):
        out.write("\t".join([doc, entity, str(start), str(end), main, *fines]) + "\n")
    return len(wanted)
