"""Shared-task formats: the one module behind ``slant predict`` (submission files) and the gold
readers ``slant eval`` scores against.

``PREDICTORS`` maps a format name (as typed after ``slant predict``) to a function
``fn(inputs: list[Path], out: TextIO, **options) -> int`` that analyses the inputs and writes the
task's submission format to ``out``, returning the number of lines written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .errors import SlantError

PREDICTORS: dict[str, Callable[..., int]] = {}


def predict(name: str, inputs: list[Path], out: TextIO, **options) -> int:
    try:
        fn = PREDICTORS[name]
    except KeyError:
        known = ", ".join(sorted(PREDICTORS)) or "none yet"
        raise SlantError(f"unknown prediction format {name!r}; known: {known}") from None
    return fn(inputs, out, **options)


# --- persuasion techniques ---------------------------------------------------------------------
#
# Article files are read exactly as the shared-task readers read them (UTF-8, nothing normalised),
# so the character offsets written here are the organisers' offsets. An article's id is the number
# in its file name (articleNNN.txt -> NNN), as in the tasks' label files.

_ARTICLE_FILE = re.compile(r"^article(\w+)\.txt$")


def _article_files(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in inputs:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.glob("article*.txt")) or sorted(p.glob("*.txt"))
            if not found:
                raise SlantError(f"{p}: no article files (articleID.txt) in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise SlantError(f"{p}: no such file or folder")
    return sorted(files, key=_id_sort_key)


def _id_sort_key(path: Path):
    doc = _doc_id(path)
    return (0, int(doc), "") if doc.isdigit() else (1, 0, doc)


def _doc_id(path: Path) -> str:
    m = _ARTICLE_FILE.match(path.name)
    return m.group(1) if m else path.stem


def _task_articles(inputs: list[Path], layout: str):
    """(id, Article with one paragraph per non-empty line, line numbers) of each article file."""
    from .corpora import task_lines
    from .readers.tasks import parse_task_file

    out = []
    for path in _article_files(inputs):
        art = parse_task_file(path.read_bytes(), path, layout)
        art.paragraphs, numbers = task_lines(art.text)
        out.append((_doc_id(path), art, numbers))
    return out


def _technique_model(options: dict):
    from .analysers.techniques import MODEL_DIR, TechniqueModel

    model = options.get("model")
    if model is None or isinstance(model, (str, Path)):
        model = TechniqueModel(Path(model) if model else MODEL_DIR)
    model.load()
    return model


def write_st3(rows: list[tuple[str, int, list[str]]], out: TextIO) -> int:
    """SemEval-2023 Task 3 subtask 3 lines: ``id<TAB>line<TAB>comma-separated techniques``."""
    for doc, line, names in rows:
        out.write(f"{doc}\t{line}\t{','.join(names)}\n")
    return len(rows)


def write_flc(rows: list[tuple[str, str, int, int]], out: TextIO) -> int:
    """SemEval-2020 Task 11 span lines: ``id<TAB>technique<TAB>start<TAB>end``."""
    for doc, label, start, end in rows:
        out.write(f"{doc}\t{label}\t{start}\t{end}\n")
    return len(rows)


def st3_rows(doc: str, art, numbers: list[int]) -> list[tuple[str, int, list[str]]]:
    """One row per task paragraph (non-empty line), techniques in taxonomy order."""
    from . import taxonomy

    order = {n: i for i, n in enumerate(taxonomy.names())}
    sets = {pt.paragraph: pt.techniques for pt in art.paragraph_techniques}
    return [(doc, n, sorted(sets.get(i, {}), key=order.__getitem__)) for i, n in enumerate(numbers)]


def flc_rows(doc: str, art) -> list[tuple[str, str, int, int]]:
    """Spans in the 14 labels of SemEval-2020 Task 11: techniques without a 2020 counterpart are
    left out, and two 2023 techniques that map to one 2020 label on the same span give one row."""
    from . import taxonomy

    tax = taxonomy.load()
    rows = []
    seen = set()
    for t in sorted(art.techniques, key=lambda t: (t.start, t.end, t.technique)):
        label = tax.to_semeval2020(t.technique)
        if label and (label, t.start, t.end) not in seen:
            seen.add((label, t.start, t.end))
            rows.append((doc, label, t.start, t.end))
    return rows


def predict_st3(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2023-st3 DIR``: paragraph techniques of every article file."""
    arts = _task_articles(inputs, "semeval2023")
    _technique_model(options).predict([a for _, a, _ in arts])
    return sum(write_st3(st3_rows(doc, art, numbers), out) for doc, art, numbers in arts)


def predict_flc(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict semeval2020-flc DIR``: technique spans, in the 2020 taxonomy."""
    arts = _task_articles(inputs, "ptc")
    _technique_model(options).predict([a for _, a, _ in arts])
    return sum(write_flc(flc_rows(doc, art), out) for doc, art, _ in arts)


def read_tc_template(path: Path) -> list[tuple[str, int, int]]:
    """(id, start, end) of each line of a SemEval-2020 TC template (``id<TAB>label-or-?<TAB>start<TAB>end``)."""
    rows = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not parts[2].strip().isdigit() or not parts[3].strip().isdigit():
            raise SlantError(f"{path}:{n}: expected id, label (or ?), start, end separated by tabs")
        rows.append((parts[0].strip(), int(parts[2]), int(parts[3])))
    return rows


def label_spans(model, art, spans: list[tuple[int, int]]) -> list[str]:
    """The 2020 label of each given span: the label whose 2023 techniques have the highest mean
    token probability over the span's tokens (every span gets a label, as TC requires)."""
    from . import taxonomy

    import numpy as np

    tax = taxonomy.load()
    labels = tax.semeval2020_labels
    cols = {lab: [model.names.index(n) for n in tax.from_semeval2020(lab) if n in model.names] for lab in labels}
    enc = art._encoded
    probs = model.token_probs(enc, art.text)
    out = []
    for s, e in spans:
        idx = enc.tokens_in(s, e)
        if not len(idx) and len(enc):  # a span inside one token: take the token holding its start
            holder = int(np.searchsorted(enc.offsets[:, 1], s, side="right"))
            idx = np.array([holder]) if holder < len(enc) else idx
        mean = probs[idx].mean(axis=0) if len(idx) else np.zeros(len(model.names))
        out.append(max(labels, key=lambda lab: max((mean[c] for c in cols[lab]), default=-1.0)))
    return out


def predict_tc(inputs: list[Path], out: TextIO, template: Path | None = None, **options) -> int:
    """``slant predict semeval2020-tc DIR --template FILE``: a 2020 label for each given span."""
    if template is None:
        raise SlantError("semeval2020-tc labels given spans: pass them with --template FILE")
    wanted = read_tc_template(template)
    arts = {doc: art for doc, art, _ in _task_articles(inputs, "ptc")}
    missing = sorted({doc for doc, _, _ in wanted} - set(arts))
    if missing:
        raise SlantError(f"{template}: no article file for id(s) {', '.join(missing[:5])} in the inputs")
    model = _technique_model(options)
    used = [arts[d] for d in dict.fromkeys(doc for doc, _, _ in wanted)]
    model.encoder.encode(used)
    by_doc: dict[str, list[int]] = {}
    for i, (doc, _, _) in enumerate(wanted):
        by_doc.setdefault(doc, []).append(i)
    labels: list[str] = [""] * len(wanted)
    for doc, rows in by_doc.items():
        for i, lab in zip(rows, label_spans(model, arts[doc], [wanted[i][1:] for i in rows]), strict=True):
            labels[i] = lab
    return write_flc([(doc, lab, s, e) for (doc, s, e), lab in zip(wanted, labels, strict=True)], out)


PREDICTORS["semeval2023-st3"] = predict_st3
PREDICTORS["semeval2020-flc"] = predict_flc
PREDICTORS["semeval2020-tc"] = predict_tc


# --- subjectivity (CLEF CheckThat! 2025 Task 1) -------------------------------------------------


def predict_checkthat_subjectivity(inputs: list[Path], out: TextIO, **options) -> int:
    """``slant predict checkthat-subjectivity FILE.tsv``: ``sentence_id<TAB>label`` for every
    sentence of the task's TSV files (a label column, when present, is ignored)."""
    from .analysers.subjectivity import MODEL_DIR, SubjectivityModel
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


PREDICTORS["checkthat-subjectivity"] = predict_checkthat_subjectivity


# --- entity roles (SemEval-2025 Task 10 subtask 1) ----------------------------------------------
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


def predict_st1(inputs: list[Path], out: TextIO, mentions: Path | None = None, **options) -> int:
    """``slant predict semeval2025-st1 DIR --mentions FILE``: main and fine roles of each mention."""
    from .analysers import parse
    from .analysers.roles import MODEL_DIR, RoleModel, features_for_spans
    from .readers.tasks import align_gold_spans, parse_task_file

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


PREDICTORS["semeval2025-st1"] = predict_st1


# --- document labels: genre, frames (SemEval-2023 Task 3), narratives (SemEval-2025 Task 10) ----

from .doclabels_tasks import predict_narratives, predict_st1, predict_st2  # noqa: E402

PREDICTORS["semeval2023-st1"] = predict_st1
PREDICTORS["semeval2023-st2"] = predict_st2
PREDICTORS["semeval2025-st2"] = predict_narratives
