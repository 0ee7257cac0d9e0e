"""The analysts' corrections as a shared-task corpus: gold for ``slant eval --gold DB``, training data
for ``slant train techniques|roles --corrections DB``, and the files of ``slant export --format
corrections``.

Which articles are gold: an article whose techniques layer an analyst corrected (or marked
reviewed) is gold for techniques, its spans those of the corrected article (the spans the analysts
left alone count as accepted); an article whose actors layer was corrected is gold for roles, its
actors those of the corrected article that have a main role and at least one fine role (SemEval-2025
Task 10 subtask 1 annotates both). The gold spans' paragraph labels are the techniques of the
spans in each paragraph, as SemEval-2023 Task 3 subtask 3 defines them.

Agreement: where two or more analysts corrected the techniques of the same article, each analyst's
own reading is the model's output with their own corrections alone. Two measures compare them:
span-level F1 (the partial-overlap span+technique F1 of SemEval-2020 Task 11, between the two
readings; symmetric) and Cohen's kappa of their judgements of the model's spans (kept, rejected or
relabelled; a span an analyst left alone in a layer they corrected counts as kept).

Export layout (a folder that ``--data`` reads like the organisers' corpora, split ``train``)::

    OUT/corrections.jsonl                                      one corrected article a line, with its history
    OUT/semeval2023-task3/LANG/train-articles-subtask-3/articleID.txt
    OUT/semeval2023-task3/LANG/train-labels-subtask-3-spans/articleID-labels-subtask-3.txt
    OUT/semeval2023-task3/LANG/train-labels-subtask-3.txt        paragraph (line) labels
    OUT/semeval2025-task10/train/LANG/raw-documents/ID.txt
    OUT/semeval2025-task10/train/LANG/subtask-1-annotations.txt  entity roles (end offsets inclusive)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import msgspec

from ..article import Article, TechniqueSpan
from ..corrections import Correction, Replay, by_author, from_rows, paragraph_techniques, replay
from ..errors import SlantError
from .corpora import TaskArticle, task_lines

# SemEval-2023 Task 3's language folders that are not ISO 639-1 codes (slant.readers.tasks reads them back).
_FOLDER_2023 = {"de": "ge", "pl": "po", "el": "gr"}


@dataclass
class Corrected:
    """One corrected article of a store: the model's output, its corrections, their replay."""

    id: str
    model: Article
    corrections: list[Correction]
    replay: Replay

    @property
    def article(self) -> Article:
        return self.replay.article

    def reviewed(self, layer: str) -> bool:
        return layer in self.replay.reviewed or any(c.layer == layer for c in self.corrections)


def corrected_articles(store, ids: Iterable[str] | None = None, layer: str | None = None) -> Iterator[Corrected]:  # noqa: ANN001
    """The store's corrected articles in the order their first correction was made (``ids``: only
    these; ``layer``: only those whose layer was corrected)."""
    wanted = set(ids) if ids is not None else None
    grouped: dict[str, list[dict]] = {}
    for row in store.corrections():
        if wanted is None or row["article_id"] in wanted:
            grouped.setdefault(row["article_id"], []).append(row)
    for aid, rows in grouped.items():
        if layer is not None and not any(r["layer"] == layer for r in rows):
            continue
        model = store.article(aid)
        if model is None:
            continue
        history = from_rows(rows)
        yield Corrected(aid, model, history, replay(model, history))


def open_gold(db: str):  # noqa: ANN201
    from ..store import open_store

    return open_store(db, create=False)


# --- techniques: gold, training data, agreement ----------------------------------------------------


def technique_task(item: Corrected) -> TaskArticle:
    """The corrected article as the shared-task readers give gold: spans (confidence 1), the
    article's paragraphs, each labelled with the techniques of its spans."""
    art = item.article
    gold = Article(text=art.text, meta=msgspec.structs.replace(art.meta), paragraphs=list(art.paragraphs),
                   sentences=list(art.sentences),
                   techniques=[TechniqueSpan(start=t.start, end=t.end, technique=t.technique, confidence=1.0,
                                             paragraph=t.paragraph) for t in art.techniques])
    gold.paragraph_techniques = paragraph_techniques(gold)
    return TaskArticle(id=item.id, article=gold, line_numbers=list(range(1, len(gold.paragraphs) + 1)))


def technique_tasks(store) -> list[tuple[str, TaskArticle]]:  # noqa: ANN001
    """(SemEval-2023 language folder, gold TaskArticle) of every article whose techniques were corrected."""
    return [(language_2023(c.model), technique_task(c)) for c in corrected_articles(store, layer="techniques")]


def language_2023(art: Article) -> str:
    lang = (art.meta.language or "en").lower()
    return _FOLDER_2023.get(lang, lang)


def decisions(model: Article, corrections: Iterable[Correction]) -> dict[tuple[int, int, str], str]:
    """One analyst's judgement of each model span: keep, reject or relabel (the last one counts)."""
    out = {(t.start, t.end, t.technique): "keep" for t in model.techniques}
    for c in corrections:
        if c.layer != "techniques" or c.op not in ("accept", "reject", "relabel"):
            continue
        key = (c.target.get("start"), c.target.get("end"), c.target.get("technique"))
        if key in out:
            out[key] = {"accept": "keep", "reject": "reject", "relabel": "relabel"}[c.op]
    return out


def agreement(items: Iterable[Corrected]) -> dict:
    """Span F1 and Cohen's kappa between every two analysts who corrected the techniques of the
    same article, per pair and pooled over the pairs."""
    from . import scoring

    pairs: dict[tuple[str, str], dict] = {}
    for item in items:
        mine = by_author(c for c in item.corrections if c.layer == "techniques")
        authors = sorted(a for a in mine if a)
        if len(authors) < 2:
            continue
        views = {a: replay(item.model, mine[a]).article for a in authors}
        judged = {a: decisions(item.model, mine[a]) for a in authors}
        for a, b in combinations(authors, 2):
            p = pairs.setdefault((a, b), {"articles": 0, "a": [], "b": [], "gold": {}, "pred": {}})
            p["articles"] += 1
            keys = sorted(judged[a])
            p["a"] += [judged[a][k] for k in keys]
            p["b"] += [judged[b][k] for k in keys]
            p["gold"][item.id] = [(t.start, t.end, t.technique) for t in views[a].techniques]
            p["pred"][item.id] = [(t.start, t.end, t.technique) for t in views[b].techniques]
    rows = []
    pooled = {"articles": 0, "a": [], "b": [], "gold": {}, "pred": {}}
    for (a, b), p in sorted(pairs.items()):
        f1 = scoring.span_labelling(p["gold"], p["pred"])[0].f1
        rows.append({"pair": (a, b), "articles": p["articles"], "spans": len(p["a"]),
                     "kappa": scoring.cohen_kappa(p["a"], p["b"]), "span_f1": f1})
        pooled["articles"] += p["articles"]
        pooled["a"] += p["a"]
        pooled["b"] += p["b"]
        pooled["gold"].update({(a, b, k): v for k, v in p["gold"].items()})
        pooled["pred"].update({(a, b, k): v for k, v in p["pred"].items()})
    total = None
    if rows:
        total = {"articles": pooled["articles"], "spans": len(pooled["a"]),
                 "kappa": scoring.cohen_kappa(pooled["a"], pooled["b"]),
                 "span_f1": scoring.span_labelling(pooled["gold"], pooled["pred"])[0].f1}
    return {"pairs": rows, "all": total}


def agreement_report(agree: dict) -> list[str]:
    if not agree["pairs"]:
        return ["Agreement between analysts: no article's techniques were corrected by two analysts."]
    lines = ["Agreement between analysts, each reading the model's spans with their own corrections:",
             "Cohen's kappa of kept / rejected / relabelled model spans, span+label F1 between their readings",
             f"{'analysts':<32}{'articles':>9}{'model spans':>12}{'kappa':>8}{'span F1':>9}"]
    for r in agree["pairs"] + [{**agree["all"], "pair": ("all pairs",)}]:
        name = " / ".join(r["pair"])
        lines.append(f"{name[:31]:<32}{r['articles']:>9}{r['spans']:>12}{r['kappa']:8.3f}{r['span_f1']:9.3f}")
    return lines


def techniques_gold_scores(store, model=None) -> dict:  # noqa: ANN001
    """The technique model's scores on the analysts' corrected articles, with the official rules."""
    from .techniques import _model, predict_task_articles, score_techniques

    tasks = [t for _, t in technique_tasks(store)]
    if not tasks:
        raise SlantError(f"{store.display}: no article's techniques have been corrected yet; nothing to score")
    model = _model(model)
    out = score_techniques(tasks, predict_task_articles(tasks, model))
    out["model"] = f"{model.folder.name} {model.version}"
    out["agreement"] = agreement(corrected_articles(store, layer="techniques"))
    return out


def techniques_gold_report(scores: dict, where: str) -> str:
    from .. import taxonomy

    m, si, flc = scores["paragraph_micro"], scores["si"], scores["flc"]
    lines = [
        f"Persuasion techniques against the analysts' corrections in {where}: {scores['articles']} reviewed "
        f"articles, {scores['paragraphs']} paragraphs; model {scores['model']}",
        "",
        f"{'measure':<44}{'P':>7}{'R':>7}{'F1':>7}",
        f"{'paragraph micro-F1 (SemEval-2023 ST3)':<44}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}",
        f"{'paragraph macro-F1 (SemEval-2023 ST3)':<44}{'':>14}{scores['paragraph_macro']:7.3f}",
        f"{'span identification F1 (SemEval-2020 SI)':<44}{si.precision:7.3f}{si.recall:7.3f}{si.f1:7.3f}",
        f"{'span+label partial-overlap F1 (23 labels)':<44}{flc.precision:7.3f}{flc.recall:7.3f}{flc.f1:7.3f}",
        "",
        f"{'technique (gold or predicted)':<34}{'para F1':>8}{'gold':>6}{'pred':>6}{'span F1':>9}{'gold':>6}{'pred':>6}",
    ]
    for name in taxonomy.names():
        pp, sp = scores["paragraph_per"][name], scores["flc_per"][name]
        if pp.n_gold or pp.n_pred or sp.n_gold or sp.n_pred:
            lines.append(f"{name:<34}{pp.f1:8.3f}{pp.n_gold:6d}{pp.n_pred:6d}{sp.f1:9.3f}{sp.n_gold:6d}{sp.n_pred:6d}")
    return "\n".join(lines + [""] + agreement_report(scores["agreement"]))


# --- roles: gold and training data ---------------------------------------------------------------


def role_gold(store) -> tuple[dict[str, str], list]:  # noqa: ANN001
    """(texts by article id, Gold rows) of the actors of every article whose actors were corrected:
    one row per name mention (else the first mention) of each actor cast with a main role and at
    least one fine role."""
    from ..train.roles import Gold

    texts: dict[str, str] = {}
    gold = []
    for item in corrected_articles(store, layer="actors"):
        art = item.article
        lang = (art.meta.language or "en").upper()
        for k, actor in enumerate(art.actors):
            if actor.role is None or not actor.fine_roles:
                continue
            mentions = [m for m in art.entities if m.actor == k]
            rows = [m for m in mentions if m.kind == "name"] or mentions[:1]
            for m in rows:
                surface = art.text[m.start:m.end]
                if not surface.strip() or "\t" in surface or "\n" in surface:
                    continue
                gold.append(Gold(item.id, surface, m.start, m.end, actor.role, list(actor.fine_roles),
                                 m.start, m.end - 1, lang, "corrections"))
                texts[item.id] = art.text
    return texts, gold


def roles_gold_report(store, model=None) -> str:  # noqa: ANN001
    """The roles model's official measures (SemEval-2025 Task 10 subtask 1) on the corrected actors."""
    from ..analysers.roles import MODEL_DIR, RoleModel
    from ..doclabels import ENCODER_DIR, check_encoder
    from ..encoder import OnnxEncoder
    from ..train.roles import score
    from .roles import cast_gold

    texts, gold = role_gold(store)
    if not gold:
        raise SlantError(f"{store.display}: no corrected actor has a main role and a fine role yet; nothing to score")
    rm = RoleModel(Path(model) if model else MODEL_DIR).load()
    encoder = OnnxEncoder(ENCODER_DIR)
    check_encoder(rm, encoder)
    preds: list = []
    ordered = []
    for lang in sorted({g.language for g in gold}):
        part = [g for g in gold if g.language == lang]
        preds += cast_gold(texts, part, rm, encoder, lang.lower())
        ordered += part
    s = score(ordered, preds)
    return "\n".join([
        f"Entity roles against the analysts' corrections in {store.display}: {s['n']} mentions of "
        f"{len({g.doc for g in ordered})} articles; model {rm.version}",
        f"{'EMR':>7}{'fine P':>8}{'fine R':>8}{'fine F1':>8}{'main acc':>9}",
        f"{s['emr']:7.3f}{s['micro_p']:8.3f}{s['micro_r']:8.3f}{s['micro_f1']:8.3f}{s['main_accuracy']:9.3f}",
    ])


def evaluate_gold(task: str, db: str, model=None) -> str:  # noqa: ANN001
    """``slant eval TASK --gold DB``: the shipped (or given) model scored on the analysts' corrections."""
    if task not in ("techniques", "roles"):
        raise SlantError(f"--gold: {task} is not scored on corrections; techniques and roles are")
    with open_gold(db) as store:
        if task == "roles":
            return roles_gold_report(store, model)
        return techniques_gold_report(techniques_gold_scores(store, model), store.display)


# --- export ----------------------------------------------------------------------------------------


def export_corrections(store, out: Path, ids: Iterable[str] | None = None) -> int:  # noqa: ANN001
    """Write the corrected articles (of ``ids``, else all) to the folder ``out`` in the layout of
    the module docstring; returns how many articles were written."""
    from .techniques import write_flc

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SlantError(f"{out}: cannot create folder: {exc.strerror or exc}") from None
    n = 0
    st3: dict[str, list[str]] = {}
    st1: dict[str, list[str]] = {}
    encoder = msgspec.json.Encoder()
    with open(out / "corrections.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for item in corrected_articles(store, ids):
            n += 1
            rec = {"id": item.id, "title": item.model.meta.title, "language": item.model.meta.language,
                   "version": max((c.seq or 0) for c in item.corrections), "reviewed": sorted(item.replay.reviewed),
                   "authors": sorted({c.author for c in item.corrections if c.author}),
                   "corrections": [c.to_dict() for c in item.corrections],
                   "skipped": [{"id": c.id, "reason": why} for c, why in item.replay.skipped],
                   "article": item.article, "original": item.model}
            fh.write(encoder.encode(rec).decode("utf-8") + "\n")
            art = item.article
            if item.reviewed("techniques"):
                lang = language_2023(item.model)
                base = out / "semeval2023-task3" / lang
                _write(base / "train-articles-subtask-3" / f"article{item.id}.txt", art.text)
                spans = out / "semeval2023-task3" / lang / "train-labels-subtask-3-spans"
                spans.mkdir(parents=True, exist_ok=True)
                with open(spans / f"article{item.id}-labels-subtask-3.txt", "w", encoding="utf-8", newline="\n") as sf:
                    write_flc([(item.id, t.technique, t.start, t.end)
                               for t in sorted(art.techniques, key=lambda t: (t.start, t.end, t.technique))], sf)
                st3.setdefault(lang, []).extend(_line_labels(item.id, art))
            if item.reviewed("actors"):
                lang = (item.model.meta.language or "en").upper()
                rows = _role_rows(item)
                if rows:
                    _write(out / "semeval2025-task10" / "train" / lang / "raw-documents" / f"{item.id}.txt", art.text)
                    st1.setdefault(lang, []).extend(rows)
    for lang, rows in st3.items():
        _write(out / "semeval2023-task3" / lang / "train-labels-subtask-3.txt", "".join(r + "\n" for r in rows))
    for lang, rows in st1.items():
        _write(out / "semeval2025-task10" / "train" / lang / "subtask-1-annotations.txt",
               "".join(r + "\n" for r in rows))
    return n


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")  # exactly the text: the offsets count every character


def _line_labels(doc: str, art: Article) -> list[str]:
    """SemEval-2023 subtask-3 rows (``id<TAB>line<TAB>techniques``) of every non-empty line: the
    techniques of the spans on the line, in taxonomy order."""
    from .. import taxonomy

    order = {n: i for i, n in enumerate(taxonomy.names())}
    lines, numbers = task_lines(art.text)
    rows = []
    for span, number in zip(lines, numbers, strict=True):
        names = {t.technique for t in art.techniques if t.start < span.end and span.start < t.end}
        rows.append(f"{doc}\t{number}\t{','.join(sorted(names, key=order.__getitem__))}")
    return rows


def _role_rows(item: Corrected) -> list[str]:
    """SemEval-2025 subtask-1 rows: doc, entity, start, end (inclusive), main role, fine roles."""
    art = item.article
    rows = []
    for k, actor in enumerate(art.actors):
        if actor.role is None or not actor.fine_roles:
            continue
        mentions = [m for m in art.entities if m.actor == k]
        for m in [m for m in mentions if m.kind == "name"] or mentions[:1]:
            surface = art.text[m.start:m.end]
            if surface.strip() and "\t" not in surface and "\n" not in surface:
                rows.append("\t".join([f"{item.id}.txt", surface, str(m.start), str(m.end - 1), actor.role,
                                       *actor.fine_roles]))
    return rows


def role_features(db: str, log=print) -> tuple[list, np.ndarray, str]:
    """(gold rows, features, the database as displayed) of the actors analysts corrected in a corpus database
    (:func:`slant.tasks.corrections.role_gold`), each article through the shipped encoder as the
    shared-task documents are."""
    import numpy as np

    from ..analysers.roles import document_features
    from ..article import Article
    from ..doclabels import ENCODER_DIR
    from ..encoder import OnnxEncoder

    with open_gold(db) as store:
        texts, gold = role_gold(store)
        where = store.display
    log(f"corrections: {len(gold)} cast mentions of {len(texts)} articles from {where}")
    if not gold:
        return [], np.zeros((0, 0), np.float32), where
    encoder = OnnxEncoder(ENCODER_DIR)
    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g.doc, []).append(i)
    rows: list = [None] * len(gold)
    for doc, idx in by_doc.items():
        (enc,) = encoder.encode([Article(text=texts[doc])])
        x = document_features(texts[doc], enc, gold[idx[0]].language.lower(), [(gold[i].start, gold[i].end) for i in idx])
        for i, r in zip(idx, x, strict=True):
            rows[i] = r
    return gold, np.stack(rows).astype(np.float32), where
