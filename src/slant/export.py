"""Export stored Articles: the whole store or the articles of a search.

- ``jsonl``: one Article a line, the published schema, as stored (lossless).
- ``parquet`` / ``csv``: one row per article: metadata, the text, and the labels of each layer, the
  check-worthy sentences among them (Parquet keeps lists as lists and the Article JSON beside them;
  CSV joins lists with "; ").
- ``brat``: a folder with ``ID.txt`` and ``ID.ann`` per article (technique spans, entity mentions,
  quotes, check-worthy claims; document labels as notes) and an ``annotation.conf``; spans crossing a line break are
  written as fragments, as brat requires.
- ``label-studio``: a JSON list of tasks with slant's layers as pre-annotations ("predictions").
- ``corrections``: a folder with the articles analysts corrected (``slant.corrections``), corrected,
  in the shared tasks' formats (SemEval-2023 Task 3 spans and paragraph labels, SemEval-2025 Task
  10 entity roles) and as JSONL with their history (:func:`slant.tasks.corrections.export_corrections`).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .analysers.claims import POSITIVE as CLAIM
from .article import Article
from .errors import SlantError
from .search import Filters, selection
from .store import Store, schema

FORMATS = ("jsonl", "parquet", "csv", "brat", "label-studio", "corrections")
_NEEDS_OUT = ("parquet", "brat", "corrections")


def export(store: Store, fmt: str, out: str | Path | None = None, query: str | None = None,
           filters: Filters | None = None) -> int:
    """Write the selected articles in ``fmt`` to ``out`` (a file, or a folder for brat); returns how many."""
    if fmt not in FORMATS:
        raise SlantError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt in _NEEDS_OUT and out is None:
        raise SlantError(f"--format {fmt} needs --out ({'a folder' if fmt in ('brat', 'corrections') else 'a file'})")
    if fmt == "corrections":
        from .tasks.corrections import export_corrections

        ids = None
        if (query and query.strip()) or (filters and filters.any()):
            with store.connect() as conn:
                ids = set(conn.execute(selection(store, query, filters, schema.articles.c.id)).scalars())
        return export_corrections(store, Path(out), ids)
    stmt = selection(store, query, filters, schema.articles.c.article_json)
    arts = store.articles(stmt)
    if fmt == "parquet":
        return _parquet(arts, Path(out))
    if fmt == "brat":
        return _brat(arts, Path(out))
    with _open(out) as fh:
        if fmt == "jsonl":
            n = 0
            for a in arts:
                fh.write(a.to_json().decode("utf-8") + "\n")
                n += 1
            return n
        if fmt == "csv":
            return _csv(arts, fh)
        return _label_studio(arts, fh)


@contextmanager
def _open(out: str | Path | None) -> Iterator[TextIO]:
    if out is None or str(out) == "-":
        yield sys.stdout
        return
    try:
        fh = open(out, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise SlantError(f"{out}: cannot write: {exc.strerror or exc}") from None
    with fh:
        yield fh


def flat_record(a: Article) -> dict:
    """One article as a flat record: metadata, text, and the labels found in each layer."""
    m = a.meta
    def task(*names: str) -> list[str]:
        return sorted({lab.label for lab in a.labels if lab.task in names})
    return {
        "id": m.id, "title": m.title, "date": m.date, "source": m.source, "url": m.url, "byline": m.byline,
        "language": m.language, "path": m.path, "text": a.text,
        "techniques": sorted({t.technique for t in a.techniques}
                             | {k for pt in a.paragraph_techniques for k in pt.techniques}),
        "genre": task("genre"), "frames": task("frames"), "narratives": task("narratives", "subnarratives"),
        "actors": [f"{x.name} ({x.role})" if x.role else x.name for x in a.actors],
        "quotes": len(a.quotes), "relations": len(a.relations),
        "claims": [a.text[c.start:c.end] for c in a.claims if c.label == CLAIM],  # check-worthy sentences
    }


def _csv(arts: Iterator[Article], fh: TextIO) -> int:
    writer = None
    n = 0
    for a in arts:
        rec = {k: "; ".join(v) if isinstance(v, list) else v for k, v in flat_record(a).items()}
        if writer is None:
            writer = csv.DictWriter(fh, fieldnames=list(rec), lineterminator="\n")
            writer.writeheader()
        writer.writerow(rec)
        n += 1
    if writer is None:
        csv.DictWriter(fh, fieldnames=list(flat_record(Article(text="")).keys()), lineterminator="\n").writeheader()
    return n


def _parquet(arts: Iterator[Article], out: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = []
    for a in arts:
        rec = flat_record(a)
        rec["article_json"] = a.to_json().decode("utf-8")
        records.append(rec)
    if not records:
        rec = flat_record(Article(text=""))
        rec["article_json"] = ""
        tbl = pa.Table.from_pylist([rec]).slice(0, 0)
    else:
        tbl = pa.Table.from_pylist(records)
    try:
        pq.write_table(tbl, out)
    except OSError as exc:
        raise SlantError(f"{out}: cannot write: {exc}") from None
    return len(records)


def _brat_type(label: str) -> str:
    return re.sub(r"[^\w-]+", "_", label).strip("_") or "label"


def _fragments(text: str, start: int, end: int) -> str:
    """brat offsets: a span crossing line breaks becomes fragments "s e;s e"."""
    parts, pos = [], start
    for piece in text[start:end].split("\n"):
        if piece:
            parts.append(f"{pos} {pos + len(piece)}")
        pos += len(piece) + 1
    return ";".join(parts) or f"{start} {start}"


def _brat(arts: Iterator[Article], out: Path) -> int:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SlantError(f"{out}: cannot create folder: {exc.strerror or exc}") from None
    types: set[str] = set()
    n = 0
    for a in arts:
        lines, t = [], 0

        def span(kind: str, start: int, end: int) -> str:
            nonlocal t
            t += 1
            types.add(kind)
            frag = _fragments(a.text, start, end)
            lines.append(f"T{t}\t{kind} {frag}\t{a.text[start:end].replace(chr(10), ' ')}")
            return f"T{t}"

        for s in a.techniques:
            span(_brat_type(s.technique), s.start, s.end)
        for m in a.entities:
            span(_brat_type(m.type), m.start, m.end)
        for q in a.quotes:
            span("Quote", q.start, q.end)
        for c in a.claims:
            if c.label == CLAIM:
                span("Check-worthy_claim", c.start, c.end)
        for i, lab in enumerate(a.labels, 1):
            lines.append(f"#{i}\tAnnotatorNotes T0\t{lab.task}: {lab.label} ({lab.score:.2f})")
        (out / f"{a.meta.id}.txt").write_text(a.text, "utf-8", newline="")
        (out / f"{a.meta.id}.ann").write_text("".join(line + "\n" for line in lines), "utf-8", newline="")
        n += 1
    conf = "[entities]\n" + "".join(f"{k}\n" for k in sorted(types)) + "\n[relations]\n\n[events]\n\n[attributes]\n"
    (out / "annotation.conf").write_text(conf, "utf-8")
    return n


def _label_studio(arts: Iterator[Article], fh: TextIO) -> int:
    fh.write("[")
    n = 0
    for a in arts:
        results = []

        def region(kind: str, start: int, end: int, score: float | None = None) -> None:
            r = {"id": f"r{len(results)}", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": start, "end": end, "text": a.text[start:end], "labels": [kind]}}
            if score is not None:
                r["score"] = score
            results.append(r)

        for s in a.techniques:
            region(s.technique, s.start, s.end, s.confidence)
        for m in a.entities:
            region(m.type, m.start, m.end)
        for q in a.quotes:
            region("Quote", q.start, q.end)
        for c in a.claims:
            if c.label == CLAIM:
                region("Check-worthy claim", c.start, c.end, c.score)
        for task_name in sorted({lab.task for lab in a.labels}):
            results.append({"id": f"r{len(results)}", "from_name": task_name, "to_name": "text", "type": "choices",
                            "value": {"choices": [lab.label for lab in a.labels if lab.task == task_name]}})
        prov = ",".join(f"{p.analyser}@{p.version}" for p in a.provenance)
        task = {"data": {"text": a.text, "id": a.meta.id, "title": a.meta.title, "source": a.meta.source,
                         "date": a.meta.date},
                "predictions": [{"model_version": prov or "slant", "result": results}]}
        fh.write(("," if n else "") + "\n" + json.dumps(task, ensure_ascii=False))
        n += 1
    fh.write("\n]\n")
    return n
