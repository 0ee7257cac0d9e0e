"""The annotated corpora slant trains and evaluates on (../shared/data by default).

Users point slant at their own copy with ``--data DIR`` or the ``SLANT_DATA`` environment variable.
Texts of the shared-task layouts are used exactly as the files hold them (decoded UTF-8, nothing
normalised), so the organisers' character offsets apply unchanged.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from .. import taxonomy
from ..article import Article, ParagraphTechniques, Span, TechniqueSpan
from ..errors import SlantError

ENV = "SLANT_DATA"


def data_dir(explicit: str | Path | None = None, required: bool = True) -> Path | None:
    """The corpora folder: ``explicit``, else $SLANT_DATA, else ./shared/data or ../shared/data."""
    candidates = [Path(explicit)] if explicit else []
    if not candidates and os.environ.get(ENV):
        candidates = [Path(os.environ[ENV])]
    if not candidates:
        candidates = [Path("shared/data"), Path("../shared/data")]
    for c in candidates:
        if c.is_dir():
            return c
    if required:
        where = ", ".join(str(c) for c in candidates)
        raise SlantError(f"annotated corpora not found (looked in {where}); pass --data DIR or set {ENV}")
    return None


# --- persuasion techniques: SemEval-2023 Task 3 (subtask 3) and PTC (SemEval-2020 Task 11) -------
#
# Gold annotations are returned as Articles: ``paragraphs`` are the task's paragraphs (every
# non-empty line of the file, which is how subtask 3 numbers them), ``techniques`` the gold spans
# (confidence 1.0) and ``paragraph_techniques`` the gold label set of every paragraph. Scoring and
# training then read the same structure the analyser writes.

LINE = re.compile(r"[^\n]+")


@dataclass
class TaskArticle:
    """One annotated article of a shared task, as an Article plus the task's own numbering."""

    id: str  # the organisers' article id ("111111111")
    article: Article
    line_numbers: list[int]  # 1-based file line number of each paragraph (subtask 3 numbering)


def task_lines(text: str) -> tuple[list[Span], list[int]]:
    """Spans and 1-based line numbers of the non-empty lines of ``text``.

    SemEval-2023 Task 3 numbers paragraphs by file line and lists every line holding text (its
    templates skip lines of whitespace only, count "\\n" only, and do list a line that holds
    nothing but a byte order mark), so one paragraph is one line here.
    """
    spans: list[Span] = []
    numbers: list[int] = []
    line_no = 1
    pos = 0
    for m in LINE.finditer(text):
        line_no += text.count("\n", pos, m.start())
        pos = m.start()
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:  # a line holding only U+FEFF counts: the organisers' templates list it
            spans.append(Span(start=a, end=b))
            numbers.append(line_no)
    return spans, numbers


def _read_task_text(path: Path, layout: str) -> Article:
    from ..readers.tasks import parse_task_file

    return parse_task_file(path.read_bytes(), path, layout)


def semeval2023_techniques(
    root: str | Path | None = None, language: str = "en", split: str = "train", with_labels: bool = True
) -> list[TaskArticle]:
    """Articles of SemEval-2023 Task 3 subtask 3 in ``language``/``split`` with their gold spans
    (from ``SPLIT-labels-subtask-3-spans/``) and paragraph labels (``SPLIT-labels-subtask-3.txt``)."""
    base = (data_dir(root) / "semeval2023-task3" / language) if not _is_lang_dir(root) else Path(root)
    folder = base / f"{split}-articles-subtask-3"
    if not folder.is_dir():
        raise SlantError(f"no SemEval-2023 Task 3 articles at {folder}")
    tax = taxonomy.load()
    para_labels: dict[str, dict[int, list[str]]] = {}
    labels_file = base / f"{split}-labels-subtask-3.txt"
    if with_labels and labels_file.is_file():
        for row in labels_file.read_text("utf-8").splitlines():
            parts = row.split("\t")
            if len(parts) < 2 or not parts[1].strip().isdigit():
                continue
            names = [tax.normalise(n) for n in (parts[2] if len(parts) > 2 else "").split(",") if n.strip()]
            para_labels.setdefault(parts[0], {})[int(parts[1])] = names
    span_dir = base / f"{split}-labels-subtask-3-spans"
    out: list[TaskArticle] = []
    for path in sorted(folder.glob("article*.txt"), key=lambda p: p.name):
        art = _read_task_text(path, "semeval2023")
        doc_id = art.meta.extra["doc_id"]
        paras, numbers = task_lines(art.text)
        art.paragraphs = paras
        if with_labels:
            spans_file = span_dir / f"article{doc_id}-labels-subtask-3.txt"
            gold = _read_span_labels(spans_file, doc_id) if spans_file.is_file() else []
            art.techniques = [
                TechniqueSpan(start=s, end=e, technique=tax.normalise(t), confidence=1.0,
                              paragraph=art.paragraph_of(s))
                for t, s, e in gold
            ]
            lines = para_labels.get(doc_id, {})
            art.paragraph_techniques = [
                ParagraphTechniques(paragraph=i, techniques={t: 1.0 for t in lines.get(n, [])})
                for i, n in enumerate(numbers)
            ]
        out.append(TaskArticle(id=doc_id, article=art, line_numbers=numbers))
    return out


def ptc_techniques(root: str | Path | None = None) -> list[TaskArticle]:
    """Articles of the PTC corpus (SemEval-2020 Task 11) with their gold spans in the 14 labels of
    that task: ``technique`` holds the 2020 label, not a 2023 name."""
    base = data_dir(root) / "ptc-semeval2020"
    out: list[TaskArticle] = []
    for path in sorted((base / "articles").glob("article*.txt"), key=lambda p: p.name):
        art = _read_task_text(path, "ptc")
        doc_id = art.meta.extra["doc_id"]
        paras, numbers = task_lines(art.text)
        art.paragraphs = paras
        labels = base / "labels" / f"article{doc_id}.task2-TC.labels"
        gold = _read_span_labels(labels, doc_id) if labels.is_file() else []
        art.techniques = [
            TechniqueSpan(start=s, end=e, technique=t, confidence=1.0, paragraph=art.paragraph_of(s))
            for t, s, e in sorted(gold, key=lambda g: (g[1], g[2], g[0]))
        ]
        out.append(TaskArticle(id=doc_id, article=art, line_numbers=numbers))
    return out


def _is_lang_dir(root: str | Path | None) -> bool:
    return root is not None and any(Path(root).glob("*-articles-subtask-3"))


def _read_span_labels(path: Path, doc_id: str) -> list[tuple[str, int, int]]:
    """``ID<TAB>technique<TAB>start<TAB>end`` rows (end exclusive) of one article."""
    out = []
    for n, row in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not row.strip():
            continue
        parts = row.split("\t")
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            raise SlantError(f"{path}:{n}: expected ID, technique, start, end separated by tabs")
        if parts[0] != doc_id:
            raise SlantError(f"{path}:{n}: article id {parts[0]} in the labels of article {doc_id}")
        out.append((parts[1], int(parts[2]), int(parts[3])))
    return out


# --- the held-out split ----------------------------------------------------------------------


def split_ids(
    ids: list[str], seed: int = 2023, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    texts: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    """Split article ids into train / dev / test by article, reproducibly for a given ``seed``.

    Articles whose texts are the same up to whitespace (``texts``: id -> text) go to the same part,
    so that no text is seen both in training and in evaluation (the PTC articles reappear in
    SemEval-2023 Task 3 under the same ids, with sentences re-joined into paragraphs).
    """
    groups: dict[str, list[str]] = {}
    for i in sorted(set(ids)):
        key = " ".join(texts[i].split()) if texts and i in texts else i
        groups.setdefault(key, []).append(i)
    keys = sorted(groups, key=lambda k: groups[k][0])
    random.Random(seed).shuffle(keys)
    n = len(keys)
    n_test = round(n * fractions[2])
    n_dev = round(n * fractions[1])
    parts = {"test": keys[:n_test], "dev": keys[n_test : n_test + n_dev], "train": keys[n_test + n_dev :]}
    return {name: sorted(i for k in ks for i in groups[k]) for name, ks in parts.items()}


# --- subjectivity: CLEF CheckThat! 2025 Task 1 ----------------------------------------------------

SUBJ_LABELS = ("OBJ", "SUBJ")
CHECKTHAT_LANGS = {"en": "english", "de": "german", "it": "italian", "ar": "arabic", "bg": "bulgarian"}
SUBJECTIVITY_LANGS = tuple(CHECKTHAT_LANGS)  # every language a model is trained on, in this order


@dataclass
class LabelledSentence:
    id: str
    text: str
    label: str | None  # "SUBJ" / "OBJ", or None for an unlabelled input file


def _tsv_lines(path: Path, header: str) -> list[str]:
    """The lines of a shared task's TSV file, the first one a header (``header`` says which, for
    the error when it is missing)."""
    try:
        lines = path.read_text("utf-8-sig").splitlines()
    except FileNotFoundError:
        raise SlantError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise SlantError(f"{path}: not UTF-8 text") from None
    if not lines or not lines[0].strip():
        raise SlantError(f"{path}: empty file (expected a header: {header})")
    return lines


def _tsv_rows(path: Path, lines: list[str], need: int):
    """(line number, columns) of every non-empty row after the header; a row with fewer than
    ``need`` columns is an error naming its line."""
    for no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < need:
            raise SlantError(f"{path}, line {no}: expected {need} tab-separated columns, found {len(cols)}")
        yield no, cols


def _labelled_rows(path: Path, lines: list[str], has_label: bool, text_name: str, label_name: str, normalise,
                   labels, expected: str, rename: bool = False, unquote: bool = False) -> list[LabelledSentence]:
    """The sentences of a CheckThat! TSV after its header: id, text and (with ``has_label``) the
    label, ``normalise``d and one of ``labels``. An empty id or text, an unknown label or an id
    seen twice is an error naming the line; with ``rename`` a repeated id becomes ``ID#2``,
    ``ID#3``; with ``unquote`` a CSV-quoted text is unwrapped (inner quotes undoubled)."""
    import csv

    out, seen = [], set()
    for no, cols in _tsv_rows(path, lines, 3 if has_label else 2):
        sid, text = cols[0].strip(), cols[1].strip()
        if unquote and len(text) > 1 and text[0] == text[-1] == '"':
            text = next(csv.reader([text]))[0].strip()
        if not sid or not text:
            raise SlantError(f"{path}, line {no}: empty sentence id or {text_name}")
        if sid in seen and rename:
            sid = next(f"{sid}#{k}" for k in range(2, len(lines) + 2) if f"{sid}#{k}" not in seen)
        elif sid in seen:
            raise SlantError(f"{path}, line {no}: sentence id {sid!r} appears twice")
        seen.add(sid)
        label = None
        if has_label:
            label = normalise(cols[2].strip())
            if label not in labels:
                raise SlantError(f"{path}, line {no}: unknown {label_name} {cols[2].strip()!r} (expected {expected})")
        out.append(LabelledSentence(sid, text, label))
    return out


def read_subjectivity_tsv(path: str | Path, labelled: bool | None = None,
                          repeated_ids: str = "error") -> list[LabelledSentence]:
    """Sentences of a CheckThat! subjectivity TSV (``sentence_id<TAB>sentence[<TAB>label...]``).

    The header row is required, as in the task files. ``labelled=True`` demands a label column,
    ``None`` takes it when the header has one. A row with a missing column or an unknown label is
    an error that names the file and line. A sentence id seen twice is an error too, unless
    ``repeated_ids="rename"``: the organisers' Arabic training file repeats a few ids for different
    sentences, which training keeps as ``ID#2``, ``ID#3``.
    """
    path = Path(path)
    lines = _tsv_lines(path, "sentence_id<TAB>sentence[<TAB>label]")
    header = [h.strip().lower() for h in lines[0].split("\t")]
    if len(header) < 2 or header[0] != "sentence_id" or header[1] != "sentence":
        raise SlantError(f"{path}, line 1: expected the header sentence_id<TAB>sentence[<TAB>label], "
                         f"got {lines[0][:80]!r}")
    has_label = len(header) > 2 and header[2] == "label"
    if labelled and not has_label:
        raise SlantError(f"{path}, line 1: no label column in the header")
    return _labelled_rows(path, lines, has_label, "sentence", "label", str.upper, SUBJ_LABELS, "SUBJ or OBJ",
                          rename=repeated_ids == "rename")


def checkthat_subjectivity(root: str | Path | None = None, lang: str = "en") -> list[LabelledSentence]:
    """The labelled train and dev sentences of one language, pooled (slant makes its own split)."""
    base = data_dir(root) / "checkthat2025-subjectivity" / CHECKTHAT_LANGS.get(lang, lang)
    files = sorted(base.glob("train_*.tsv")) + sorted(p for p in base.glob("dev_*.tsv") if "dev_test" not in p.name)
    if not files:
        raise SlantError(f"no CheckThat! subjectivity files in {base}")
    out = []
    for f in files:
        out.extend(read_subjectivity_tsv(f, labelled=True, repeated_ids="rename"))
    return out


def subjectivity_split(sentences: list[LabelledSentence], seed: int = 2025) -> dict[str, list[str]]:
    """Train / dev / test sentence ids (70/15/15), by sentence, reproducible for ``seed``; sentences
    whose texts are identical stay in one part."""
    return split_ids([s.id for s in sentences], seed=seed, texts={s.id: s.text for s in sentences})


# --- check-worthy claims: CLEF CheckThat! 2024 Task 1 (English) -----------------------------------
#
# Sentences of US political debates and speeches. Sentence ids run in order through each debate,
# and the organisers' dev sentences are drawn from the same debates as train (id 26 is dev, 25 and
# 27 are train), which is why dev scores flatter: ``checkworthy_split`` also keeps a block of
# consecutive ids, a debate's worth, apart from everything.

CHECKWORTHY_LABELS = ("No", "Yes")
CHECKWORTHY_DIR = "checkthat2024-checkworthiness"


def read_checkworthy_tsv(path: str | Path, labelled: bool | None = None) -> list[LabelledSentence]:
    """Sentences of a CheckThat! 2024 Task 1 TSV (``Sentence_id<TAB>Text[<TAB>class_label]``, with
    that header). Texts the organisers wrapped in CSV quotes (``"Now, let's ..."``, inner quotes
    doubled) are unwrapped. ``labelled=True`` demands the label column; a row with a missing
    column or a label other than Yes/No is an error naming the file and line."""
    path = Path(path)
    lines = _tsv_lines(path, "Sentence_id<TAB>Text[<TAB>class_label]")
    header = [h.strip().lower() for h in lines[0].split("\t")]
    if len(header) < 2 or header[0] not in ("sentence_id", "id") or header[1] not in ("text", "sentence"):
        raise SlantError(f"{path}, line 1: expected the header Sentence_id<TAB>Text[<TAB>class_label], got {lines[0][:80]!r}")
    has_label = len(header) > 2 and header[2] in ("class_label", "label")
    if labelled and not has_label:
        raise SlantError(f"{path}, line 1: no class_label column in the header")
    return _labelled_rows(path, lines, has_label, "text", "class_label", str.capitalize, CHECKWORTHY_LABELS,
                          "Yes or No", unquote=True)


def checkthat_checkworthiness(root: str | Path | None = None, split: str = "train") -> list[LabelledSentence]:
    """The labelled English sentences of one of the organisers' splits (``train`` or ``dev``)."""
    path = data_dir(root) / CHECKWORTHY_DIR / f"CT24_checkworthy_english_{split}.tsv"
    if not path.is_file():
        raise SlantError(f"no CheckThat! 2024 check-worthiness {split} file at {path}")
    return read_checkworthy_tsv(path, labelled=True)


def _id_order(s: LabelledSentence) -> tuple[int, str]:
    return (int(s.id), "") if s.id.isdigit() else (1 << 62, s.id)


def checkworthy_split(train: list[LabelledSentence], dev: list[LabelledSentence], apart: int = 600,
                      seed: int = 2024) -> dict[str, list[str]]:
    """slant's parts of CheckThat! 2024 English, by sentence id:

    - ``apart``: the last ``apart`` ids of train and dev together, consecutive sentences of the
      last debates, kept out of fitting and tuning: text from debates the head never saw;
    - ``train``: the rest of the organisers' train;
    - ``tune`` / ``test``: the rest of their dev, halved at random (``seed``): the threshold is
      chosen on ``tune``, ``test`` is scored once.
    """
    everything = sorted(train + dev, key=_id_order)
    kept = {s.id for s in everything[len(everything) - apart:]} if apart else set()
    rest_dev = sorted((s.id for s in dev if s.id not in kept), key=lambda i: _id_order(LabelledSentence(i, "", None)))
    random.Random(seed).shuffle(rest_dev)
    half = len(rest_dev) // 2
    return {"train": [s.id for s in train if s.id not in kept], "tune": sorted(rest_dev[:half]),
            "test": sorted(rest_dev[half:]), "apart": sorted(kept)}


def sentence_passages(sentences: list[LabelledSentence], gap: int = 3, size: int = 40) -> list[list[LabelledSentence]]:
    """Sentences in id order, cut into passages of consecutive ids (a jump of more than ``gap``
    starts a new one) of at most ``size`` sentences: the debate text around each sentence, which
    the analyser reads the way it reads an article (one encoder pass, sentences pooled from it).
    Ids that are not numbers make a passage each."""
    out: list[list[LabelledSentence]] = []
    prev = None
    for s in sorted(sentences, key=_id_order):
        n = int(s.id) if s.id.isdigit() else None
        if out and n is not None and prev is not None and 0 < n - prev <= gap and len(out[-1]) < size:
            out[-1].append(s)
        else:
            out.append([s])
        prev = n
    return out


# --- document labels: SemEval-2023 Task 3 subtasks 1-2, SemEval-2025 Task 10 subtask 2 -----------


@dataclass
class LabelledDoc:
    """One article with its document-level gold labels (genre, frames or narratives)."""

    id: str
    article: Article
    labels: list[str]
    sublabels: list[str] | None = None  # sub-narratives (SemEval-2025 subtask 2)


def read_doc_labels(path: str | Path, multi: bool = True, sep: str = ",") -> dict[str, list[str]]:
    """``id<TAB>label[,label...]`` rows (SemEval-2023 subtask 1/2 label files) as id -> labels."""
    path = Path(path)
    out: dict[str, list[str]] = {}
    for n, row in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not row.strip():
            continue
        parts = row.split("\t")
        if len(parts) != 2 or not parts[0].strip():
            raise SlantError(f"{path}:{n}: expected id<TAB>label(s)")
        labels = [x.strip() for x in parts[1].split(sep)] if multi else [parts[1].strip()]
        out[parts[0].strip()] = [x for x in labels if x]
    return out


def semeval2023_doc_labels(root: str | Path | None = None, subtask: int = 1, language: str = "en",
                           split: str = "train") -> list[LabelledDoc]:
    """The articles of SemEval-2023 Task 3 subtask 1 (genre) or 2 (frames) with labels, of the
    ``train`` or (where the organisers released its labels: not English) ``dev`` split."""
    base = data_dir(root) / "semeval2023-task3" / language
    label_file = base / f"{split}-labels-subtask-{subtask}.txt"
    if not label_file.is_file():
        raise SlantError(f"no {split} labels of subtask {subtask} at {label_file}")
    labels = read_doc_labels(label_file, multi=subtask == 2)
    folder = base / f"{split}-articles-subtask-{subtask}"
    out = []
    for path in sorted(folder.glob("article*.txt"), key=lambda p: p.name):
        art = _read_task_text(path, "semeval2023")
        doc = art.meta.extra["doc_id"]
        if doc in labels:
            out.append(LabelledDoc(doc, art, labels[doc]))
    if not out:
        raise SlantError(f"no labelled subtask-{subtask} articles under {base}")
    return out


def semeval2025_narratives(root: str | Path | None = None, language: str = "EN", split: str = "train") -> list[LabelledDoc]:
    """Documents of SemEval-2025 Task 10 subtask 2 with their narratives and sub-narratives."""
    base = data_dir(root) / "semeval2025-task10" / split / language
    ann = base / "subtask-2-annotations.txt"
    if not ann.is_file():
        raise SlantError(f"no subtask-2 annotations at {ann}")
    docs = base / "raw-documents"
    if not docs.is_dir():
        docs = base / "subtask-2-documents"
    out = []
    for n, row in enumerate(ann.read_text("utf-8").splitlines(), 1):
        if not row.strip():
            continue
        parts = row.split("\t")
        if len(parts) < 3:
            raise SlantError(f"{ann}:{n}: expected doc<TAB>narratives<TAB>subnarratives")
        path = docs / parts[0].strip()
        if not path.is_file():
            continue
        art = _read_task_text(path, "semeval2025")
        narr = [x.strip() for x in parts[1].split(";") if x.strip()]
        subs = [x.strip() for x in parts[2].split(";") if x.strip()]
        out.append(LabelledDoc(parts[0].strip(), art, narr, subs))
    return out


# --- attribution: PolNeAR (Newell, Margolin & Ruths, LREC 2018) -----------------------------------
#
# ``polnear/SPLIT/text/NAME.txt`` holds an article, ``polnear/SPLIT/attributions/NAME_ANNOTATOR.ann``
# its attributions in brat standoff: T lines (Source, Cue, Content, and an Attribution trigger), E
# lines that link them ("Attribution:T4 Content:T3 Cue:T2 Source:T1", the Source left out for
# "Attribution-no-source"; a discontinuous content may come as "Content:T3 Content2:T9").
# Discuss and Discard are the annotators' notes, not relations, and are left out. Offsets index the
# text as decoded (UTF-8), so the Article keeps the file's text unchanged.

# Quotation marks that open or close a direct quote (straight and curly double marks; PolNeAR's
# copy uses single curly marks for apostrophes, so they do not count).
_QMARKS = "\u201c\u201d\"\u00ab\u00bb\u201e"
# A content whose characters lie this much inside quotation marks is a direct quote.
DIRECT_SHARE = 0.8


@dataclass(frozen=True)
class GoldAttribution:
    """One PolNeAR attribution relation: where its content, cue and source are.

    Each part is a tuple of ``(start, end)`` pieces (brat allows discontinuous spans); ``source``
    is empty when the relation has none (Attribution-no-source). ``kind`` is read off the text, as
    PolNeAR does not label it: ``direct`` when at least :data:`DIRECT_SHARE` of the content's
    characters are inside quotation marks, else ``indirect``."""

    content: tuple[tuple[int, int], ...]
    cue: tuple[tuple[int, int], ...]
    source: tuple[tuple[int, int], ...]
    kind: str

    @property
    def extent(self) -> tuple[int, int]:
        """From the first content character to the last: the span a scorer compares."""
        return self.content[0][0], self.content[-1][1]


@dataclass
class PolnearArticle:
    """One PolNeAR article: the Article (text as in the file, paragraphs = non-empty lines, gold
    attributions as ``quotes``) and the relations with all their pieces."""

    id: str  # the file name without .txt
    article: Article
    attributions: list[GoldAttribution]
    annotator: str


def _brat_pieces(field: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in field.split(";"):
        s, e = part.split()
        out.append((int(s), int(e)))
    return tuple(sorted(out))


def quoted_share(text: str, start: int, end: int) -> float:
    """Share of ``text[start:end]`` (its non-space characters) inside double quotation marks.

    Marks are counted from the start of the line: an odd number of marks before a character means
    the character is inside a quotation (a quote that runs on past a line break is re-opened by the
    next paragraph's mark, as news copy writes it)."""
    line = text.rfind("\n", 0, start) + 1
    inside = text[line:start].count('"') % 2 == 1 or (
        sum(text[line:start].count(m) for m in "\u201c\u00ab\u201e") > sum(text[line:start].count(m) for m in "\u201d\u00bb"))
    n = hit = 0
    for ch in text[start:end]:
        if ch in _QMARKS:
            inside = (not inside) if ch == '"' else ch in "\u201c\u00ab\u201e"
            n += 1
            hit += 1
            continue
        if ch == "\n":
            inside = False
        if ch.isspace():
            continue
        n += 1
        hit += inside
    return hit / n if n else 0.0


def read_brat_attributions(ann: str, text: str) -> list[GoldAttribution]:
    """The attribution relations of one PolNeAR ``.ann`` file (see the comment above)."""
    spans: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {}
    events: list[list[tuple[str, str]]] = []
    for n, line in enumerate(ann.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, where = parts[1].partition(" ")
            try:
                spans[parts[0]] = (label, _brat_pieces(where))
            except ValueError:
                raise SlantError(f"line {n}: cannot read the offsets of {parts[0]} ({where!r})") from None
        elif line.startswith("E") and len(parts) >= 2:
            events.append([tuple(arg.split(":", 1)) for arg in parts[1].split()])  # type: ignore[misc]
    out = []
    for args in events:
        roles: dict[str, list[tuple[int, int]]] = {}
        for role, ref in args[1:]:
            if ref not in spans:
                continue
            key = role.rstrip("0123456789")
            roles.setdefault(key, []).extend(spans[ref][1])
        if not roles.get("Content") or not roles.get("Cue"):
            continue  # a relation without content or cue is an unfinished annotation
        content = tuple(sorted(roles["Content"]))
        a, b = content[0][0], content[-1][1]
        kind = "direct" if quoted_share(text, a, b) >= DIRECT_SHARE else "indirect"
        out.append(GoldAttribution(content, tuple(sorted(roles["Cue"])), tuple(sorted(roles.get("Source", []))), kind))
    out.sort(key=lambda g: g.extent)
    return out


def _polnear_meta(base: Path) -> dict[str, dict[str, str]]:
    path = base / "metadata.tsv"
    if not path.is_file():
        return {}
    lines = path.read_text("utf-8").splitlines()
    head = lines[0].split("\t")
    return {row[1]: dict(zip(head, row, strict=False)) for row in (ln.split("\t") for ln in lines[1:]) if len(row) > 1}


def polnear(root: str | Path | None = None, split: str = "dev", limit: int | None = None) -> list[PolnearArticle]:
    """The articles of PolNeAR ``split`` (train or dev) with their gold attributions.

    An article several annotators marked (a few, from the annotators' training round) is read from
    the first annotator's file in name order, so every article counts once. ``article.quotes``
    holds the gold attributions as :class:`~slant.article.Quote` records (content extent, cue and
    source as spans), and ``meta`` the publisher, date, author and title of metadata.tsv."""
    from ..article import Meta, Quote

    base = data_dir(root) / "polnear"
    folder = base / split / "text"
    if not folder.is_dir():
        raise SlantError(f"no PolNeAR {split} split at {folder} (expected text/ and attributions/ there)")
    meta = _polnear_meta(base)
    ann_dir = base / split / "attributions"
    out: list[PolnearArticle] = []
    for path in sorted(folder.glob("*.txt")):
        name = path.stem
        anns = sorted(ann_dir.glob(f"{name}_*.ann"))
        if not anns:
            continue
        text = path.read_bytes().decode("utf-8")
        gold = read_brat_attributions(anns[0].read_text("utf-8"), text)
        row = meta.get(name, {})
        art = Article(text=text, meta=Meta(
            title=row.get("title") or None, byline=row.get("author") or None, date=row.get("publication_date") or None,
            source=row.get("publisher") or None, language="en", path=str(path), input_format="polnear",
            extra={"doc_id": name, "split": split}))
        art.paragraphs = task_lines(text)[0]
        art.quotes = [
            Quote(start=g.extent[0], end=g.extent[1], kind=g.kind,
                  speaker_span=Span(start=g.source[0][0], end=g.source[-1][1]) if g.source else None,
                  cue=Span(start=g.cue[0][0], end=g.cue[-1][1]), cue_text=" ".join(text[s:e] for s, e in g.cue))
            for g in gold
        ]
        out.append(PolnearArticle(id=name, article=art, attributions=gold, annotator=anns[0].stem.rsplit("_", 1)[-1]))
        if limit and len(out) >= limit:
            break
    return out
