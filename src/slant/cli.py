"""The ``slant`` command: a thin layer over the library (readers, pipeline, sinks, tasks).

Every error a user can cause is reported as one line, ``slant: error: SOURCE: reason``, with a
non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from enum import Enum
from itertools import chain
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .display import plural
from .errors import InputError, SlantError, SlantWarning

# Known names of `slant eval` and `slant predict`, for their help (the registries live in
# slant.tasks, which this module imports only when a command runs; a test keeps both in step).
EVAL_TASKS = ("techniques", "subjectivity", "claims", "genre", "frames", "narratives", "roles", "quotes", "explain",
              "similarity", "stories")
LANG_EVAL_TASKS = ("techniques", "subjectivity", "genre", "frames", "narratives")  # scored in several languages
PREDICT_FORMATS = ("semeval2023-st3", "semeval2020-flc", "semeval2020-tc", "semeval2023-st1", "semeval2023-st2",
                   "semeval2025-st1", "semeval2025-st2", "checkthat-subjectivity",
                   "checkthat-checkworthiness", "semeval2022-task8")


def examples(*rows: tuple[str, str], note: str = "") -> str:
    """A help epilog: example command lines, each with what it does, laid out as written (click
    rewraps help paragraphs unless they start with its no-rewrap marker, \\b)."""
    width = max(len(cmd) for cmd, _ in rows) + 2
    if width + max(len(what) for _, what in rows) <= 86:  # side by side where it fits 90 columns
        body = [f"  {cmd:<{width}}{what}" for cmd, what in rows]
    else:  # else each description under its command
        body = [line for cmd, what in rows for line in (f"  {cmd}", f"      {what}")]
    lines = ["Examples:", "", "\b", *body]
    return "\n".join(lines) + (f"\n\n{note}" if note else "")


EXAMPLES = examples(
    ("slant analyze examples/harbour-deal-2023.txt", "terminal report"),
    ("slant analyze article.html -f json -o article.json", "one Article as JSON"),
    ("slant analyze corpus/ feed.jsonl -f jsonl > out.jsonl", "many articles, one per line"),
    ("cat story.txt | slant analyze -", "text from standard input"),
    ("slant ingest corpus/ --db slant.db", "analyse and store a corpus"),
    ("slant search \"gas pipeline\" --from 2022-01-01", "full-text search of the store"),
    ("slant serve --db slant.db", "the web pages and the API"),
    note="Every command has its own --help with examples.",
)

app = typer.Typer(
    name="slant",
    help="Read news articles the way a disinformation analyst does.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


class OutFormat(str, Enum):
    report = "report"
    json = "json"
    jsonl = "jsonl"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slant {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
) -> None:
    _state["debug"] = debug


def _error(message: str) -> None:
    typer.echo(f"slant: error: {message}", err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Warnings of slant's own (an input decoded with bytes replaced) as one line on standard
    error, like errors; other libraries' warnings as Python shows them."""
    if issubclass(category, SlantWarning):
        typer.echo(f"slant: warning: {message}", err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


_PYTHON_SHOWWARNING = warnings.showwarning


def _rate(per_second: float) -> str:
    """Articles a second, as a reader wants it: "0.4 articles/s", "12 articles/s"."""
    return f"{per_second:.1f} articles/s" if per_second < 10 else f"{per_second:,.0f} articles/s"


@app.command(epilog=examples(
    ("slant analyze examples/harbour-deal-2023.txt", "the terminal report"),
    ("slant analyze page.html -f json -o article.json", "the Article as JSON (slant schema)"),
    ("slant analyze article.txt -a segment,techniques", "only the persuasion techniques"),
    ("slant analyze article.txt --actors aliases.yaml", "merge your own aliases and epithets"),
    ("slant analyze corpus/ -f jsonl -o out.jsonl", "a folder, one Article a line"),
))
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, or - for standard input.")],
    format: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")] = OutFormat.report,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of standard output.")] = None,
    input_format: Annotated[
        Optional[str],
        typer.Option("--input-format", "-i", help="text|html|jsonl|csv|warc|ptc|semeval2023|semeval2025 (default: guessed)."),
    ] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Pipeline config (default: ./slant.toml if present).")] = None,
    analysers: Annotated[
        Optional[str], typer.Option("--analysers", "-a", help="Comma-separated analysers, overriding the config.")
    ] = None,
    actors: Annotated[
        Optional[Path], typer.Option("--actors", help="Aliases YAML mapping names, nicknames and epithets to actors.")
    ] = None,
    narratives: Annotated[
        Optional[Path], typer.Option("--narratives", help="Your own narratives (YAML): rank articles against them.")
    ] = None,
    llm: Annotated[
        Optional[str], typer.Option("--llm", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 ([llm] url).")
    ] = None,
    llm_model: Annotated[Optional[str], typer.Option("--llm-model", help="Model name at the endpoint ([llm] model).")] = None,
    llm_uses: Annotated[
        Optional[str], typer.Option("--llm-uses", help="explain,verify,replace:techniques,replace:narratives ([llm] uses).")
    ] = None,
) -> None:
    """Analyse articles and show or write the result.

    With several inputs, --format json writes a JSON array; jsonl writes one Article a line.
    Inputs that cannot be read are reported one line each; the others are still analysed, and the
    exit status is 1 if any input failed.
    """
    from . import pipeline as pipeline_mod
    from .sinks import open_sink

    overrides = {"analysers": [a.strip() for a in analysers.split(",") if a.strip()]} if analysers else {}
    cfg = _with_aliases(config, actors)
    if narratives is not None:
        cfg, overrides = _with_narratives(cfg, narratives, overrides)
    nlp = pipeline_mod.load(cfg, **overrides)  # checks the analysers; their models load with the first article
    if actors is not None and "actors" not in nlp.names:
        raise SlantError("--actors needs the actors analyser in the pipeline (e.g. -a segment,entities,actors)")
    _check_out(out)
    max_bytes = int(nlp.config.get("reader", {}).get("max_bytes", 5 * 1024 * 1024))
    failures = 0

    def articles():
        nonlocal failures
        for item in _inputs(paths, input_format, max_bytes):
            if isinstance(item, InputError):
                failures += 1
                _error(str(item))
            else:
                yield item

    # The inputs are read up to the first article before any model loads (or the LLM is asked):
    # a missing or unreadable input is reported at once, and with nothing to analyse nothing loads.
    stream = articles()
    first = next(stream, None)
    if first is None and failures:
        raise typer.Exit(1)
    reader, llm_failed = None, 0
    if llm or llm_model or llm_uses or (nlp.config.get("llm") or {}).get("url"):
        from .llm import attach  # only with an endpoint: the default path never imports the LLM code

        try:
            reader = attach(nlp, url=llm, model=llm_model, uses=llm_uses)
        except SlantError as exc:  # the LLM is optional: say why it is off, and analyse without it
            _error(f"llm: {exc}; the analysis goes on without the LLM")
            llm_failed = 1
    failures += llm_failed

    with open_sink(format.value, out) as sink:
        if first is not None:
            for art in nlp.pipe(chain([first], stream)):
                sink.write(art)
    if reader is not None:
        reader.close()
        for problem in reader.problems:  # the LLM failed: said once each, the analysis went on without it
            _error(problem)
        failures += len(reader.problems)
        typer.echo(reader.summary(), err=True)
    if failures:
        raise typer.Exit(1)


def _check_out(out: Path | None) -> None:
    """An output file that cannot be written is refused before anything is read or loaded."""
    if out is not None and not out.parent.is_dir():
        raise SlantError(f"--out {out}: cannot write: folder {out.parent} does not exist")
    if out is not None and out.is_dir():
        raise SlantError(f"--out {out}: is a folder; give a file name")


def _with_aliases(config: Path | None, actors: Path | None):
    """The config (a path, or a dict with the aliases file set for the actors analyser); the file
    is read here so that a malformed one stops the run before any article is read."""
    if actors is None:
        return config
    from .aliases import load_aliases
    from .config import load_config

    load_aliases(actors)
    cfg = load_config(config)
    cfg.setdefault("analysers", {}).setdefault("actors", {})["aliases"] = str(actors)
    return cfg


def _with_narratives(config, path: Path, overrides: dict):
    """Config and overrides that run the narratives analyser on the user's taxonomy file (read
    here, so a malformed file stops the run before any article is read); the analyser is added
    at the end of the pipeline when it is not in it, with the segmenter it needs."""
    from .config import load_config
    from .user_taxonomy import load as load_taxonomy

    load_taxonomy(path)
    cfg = config if isinstance(config, dict) else load_config(config)
    cfg.setdefault("analysers", {}).setdefault("narratives", {})["taxonomy"] = str(path)
    names = list(overrides.get("analysers") or cfg.get("pipeline", {}).get("analysers", []))
    if "narratives" not in names:
        if "segment" not in names:
            names.insert(0, "segment")
        names.append("narratives")
    return cfg, {**overrides, "analysers": names}


def _inputs(paths: list[str], input_format: str | None, max_bytes: int):
    from .readers import iter_articles
    from .readers.plain import parse_plain

    files = []
    for p in paths:
        if p == "-":
            yield from iter_articles(files, input_format, max_bytes)
            files = []
            data = sys.stdin.buffer.read()
            try:
                from .text import decode

                yield parse_plain(decode(data, "<stdin>"), source="<stdin>")
            except InputError as exc:
                yield exc
        else:
            files.append(p)
    yield from iter_articles(files, input_format, max_bytes)


@app.command(epilog=examples(
    ("slant pipeline", "the default analysers"),
    ("slant pipeline -c slant.toml", "those of a config file"),
))
def pipeline(
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Pipeline config.")] = None,
) -> None:
    """List the analysers of the pipeline, in order, with the layers each needs and adds."""
    from rich.console import Console
    from rich.table import Table

    from . import registry
    from .pipeline import load

    nlp = load(config)
    table = Table(title="slant pipeline", title_justify="left")
    for col in ("#", "analyser", "version", "needs", "adds", "what it does"):
        table.add_column(col)
    for i, d in enumerate(nlp.describe(), 1):
        table.add_row(str(i), d["name"], d["version"], ", ".join(d["needs"]), ", ".join(d["adds"]), d["summary"])
    console = Console()
    console.print(table)
    others = [n for n in registry.available() if n not in nlp.names]
    if others:
        console.print(f"Also available: {', '.join(others)}")


@app.command(epilog=examples(
    ("slant schema", "print the JSON Schema"),
    ("slant schema --write article.schema.json", "write it to a file"),
))
def schema(
    write: Annotated[Optional[Path], typer.Option("--write", help="Write the schema to this file.")] = None,
) -> None:
    """Print the JSON Schema of an Article (the format of --format json)."""
    import json

    from .article import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if write:
        write.write_text(text, "utf-8")
    else:
        typer.echo(text, nl=False)


class GraphFormat(str, Enum):
    json = "json"
    graphml = "graphml"
    dot = "dot"


GRAPH_ANALYSERS = ["segment", "entities", "actors", "roles", "relations"]


@app.command(epilog=examples(
    ("slant graph examples/harbour-deal-2023.txt", "nodes and edges as JSON"),
    ("slant graph article.txt -f graphml -o graph.graphml", "for Gephi or Cytoscape"),
    ("slant graph article.txt -f dot | dot -Tsvg > graph.svg", "drawn by Graphviz"),
))
def graph(
    path: Annotated[str, typer.Argument(help="One article file, or - for standard input.")],
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Graph format.")] = GraphFormat.json,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of standard output.")] = None,
    input_format: Annotated[Optional[str], typer.Option("--input-format", "-i", help="As for analyze.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Pipeline config (analyser options).")] = None,
    actors: Annotated[
        Optional[Path], typer.Option("--actors", help="Aliases YAML mapping names, nicknames and epithets to actors.")
    ] = None,
) -> None:
    """The actor graph of one article: actors as nodes, actor -> predicate -> actor triples as edges.

    Runs segment, entities, actors, roles and relations whatever the config's pipeline says.
    """
    from . import graph as graph_mod
    from . import pipeline as pipeline_mod

    _check_out(out)
    nlp = pipeline_mod.load(_with_aliases(config, actors), analysers=list(GRAPH_ANALYSERS))
    max_bytes = int(nlp.config.get("reader", {}).get("max_bytes", 5 * 1024 * 1024))
    items = list(_inputs([path], input_format, max_bytes))
    for item in items:
        if isinstance(item, InputError):
            raise item
    if len(items) != 1:
        raise InputError(path, f"the actor graph is drawn for one article; this input holds {len(items)}")
    art = next(iter(nlp.pipe(items)))
    if out:
        with open(out, "w", encoding="utf-8", newline="\n") as fh:
            graph_mod.write(art, format.value, fh)
    else:
        graph_mod.write(art, format.value, sys.stdout)


@app.command("eval", epilog=examples(
    ("slant eval techniques", "SemEval-2023 Task 3 and SemEval-2020 Task 11 measures, test split"),
    ("slant eval techniques --lang fr", "French dev articles, beside the organisers' baseline"),
    ("slant eval subjectivity --split dev", "CheckThat! 2025 macro-F1 on the dev part"),
    ("slant eval frames --lang po", "Polish dev articles, beside the organisers' baseline"),
    ("slant eval similarity", "SemEval-2022 Task 8 Pearson r, validation pairs"),
    ("slant eval techniques --llm http://127.0.0.1:8080/v1 --limit 5", "an LLM beside the model"),
    ("slant eval techniques --gold slant.db", "on the analysts' corrections, with their agreement"),
    note="Tasks: " + ", ".join(EVAL_TASKS) + ".",
))
def eval_(
    task: Annotated[str, typer.Argument(help="Task to score, e.g. techniques.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="Annotated corpora (default: $SLANT_DATA or ../shared/data).")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Part of the split to score (default: test; dev with --llm).")] = None,
    llm: Annotated[
        Optional[str], typer.Option("--llm", help="Also score an OpenAI-compatible endpoint replacing the model (techniques).")
    ] = None,
    llm_model: Annotated[Optional[str], typer.Option("--llm-model", help="Model name at the endpoint.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="With --llm: only the first N articles.")] = None,
    lang: Annotated[
        Optional[str], typer.Option("--lang", help="Language to score (techniques, genre, frames: en, fr, ge, it, po, ru; "
                                    "narratives: en, bg, hi, pt, ru; subjectivity: en, de, it, ar, bg). "
                                    "Default: techniques en, the others every language.")
    ] = None,
    model: Annotated[Optional[Path], typer.Option("--model", help="Model folder to score instead of the shipped one.")] = None,
    gold: Annotated[Optional[str], typer.Option("--gold", help="Score on the analysts' corrections in this corpus "
                                                "database (techniques, roles) instead, with their agreement.")] = None,
) -> None:
    """Score a shipped model on its held-out split with the shared task's official rules."""
    from .tasks.corpora import data_dir
    from .tasks.evaluation import evaluate, evaluator

    evaluator(task)  # an unknown task is named before the corpora are looked for
    if gold is not None:
        from .tasks.corrections import evaluate_gold

        if lang or split or llm or llm_model or data:
            raise SlantError("--gold scores the model on the analysts' corrections: --data, --split, --lang and "
                             "--llm do not apply")
        if model is not None and not model.is_dir():
            raise SlantError(f"--model {model}: no such model folder")
        typer.echo(evaluate_gold(task, gold, model))
        return
    if lang and lang != "en" and task not in LANG_EVAL_TASKS:
        raise SlantError(f"--lang {lang}: {task} is scored in English only so far "
                         f"({', '.join(LANG_EVAL_TASKS)} have other languages)")
    if model is not None and not model.is_dir():
        raise SlantError(f"--model {model}: no such model folder")
    options: dict = {"split": split} if split else {}
    options.update({k: v for k, v in (("lang", lang), ("model", model)) if v is not None})
    if llm or llm_model:
        if task not in ("techniques", "narratives", "explain"):
            raise SlantError(f"--llm: the LLM is scored on techniques and narratives (beside the shipped heads) "
                             f"and explain; {task!r} has no such comparison yet")
        from .config import load_config
        from .llm import settings

        options = {"split": split or "dev", "limit": limit, "llm": settings(load_config(), url=llm, model=llm_model)}
    typer.echo(evaluate(task, data_dir(data), **options))


@app.command(epilog=examples(
    ("slant predict semeval2023-st3 dev-articles/ -o st3.txt", "id, paragraph, techniques"),
    ("slant predict semeval2020-tc articles/ --template spans.txt", "a label for each given span"),
    ("slant predict semeval2025-st1 docs/ --mentions entities.txt", "roles of given mentions"),
    ("slant predict semeval2022-task8 pairs.jsonl", "pair_id, Overall (1 similar .. 4 not)"),
    note="Formats: " + ", ".join(PREDICT_FORMATS) + ".",
))
def predict(
    format: Annotated[str, typer.Argument(help="Submission format, e.g. semeval2023-st3.")],
    inputs: Annotated[list[Path], typer.Argument(help="Article files or folders.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of standard output.")] = None,
    template: Annotated[Optional[Path], typer.Option("--template", help="Spans to label (semeval2020-tc).")] = None,
    mentions: Annotated[Optional[Path], typer.Option("--mentions", help="Entity mentions (semeval2025-st1).")] = None,
) -> None:
    """Write predictions in a shared task's submission format."""
    from .tasks.formats import predict as run_predict

    options = {k: v for k, v in (("template", template), ("mentions", mentions)) if v is not None}
    if out:
        with open(out, "w", encoding="utf-8", newline="\n") as fh:
            run_predict(format, inputs, fh, **options)
    else:
        run_predict(format, inputs, sys.stdout, **options)


@app.command(epilog=examples(
    ("slant train subjectivity", "refit the subjectivity heads into the package"),
    ("slant train techniques --resume", "continue the multilingual run from its last checkpoint"),
    ("slant train techniques --stages export,finish --out runs/model", "export and tune a run elsewhere"),
    ("slant train techniques --stages heads", "refit the heads that read the encoder"),
    ("slant train attributions --stages fit,export", "refit the attribution tagger on cached encoder states"),
    ("slant train techniques --corrections slant.db --corrections-weight 2", "add the analysts' corrections"),
    note="Tasks: techniques, techniques-en, roles, subjectivity, claims, genre, frames, narratives, quotes, attributions, similarity, stories.",
))
def train(
    task: Annotated[str, typer.Argument(help="Model to rebuild, e.g. techniques.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="Annotated corpora (default: $SLANT_DATA or ../shared/data).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the model (default: the package's model folder).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in the work folder from its last checkpoint.")] = False,
    stages: Annotated[Optional[str], typer.Option("--stages", help="Stages to run: fit,export,finish,heads (techniques; "
                                                   "fit,export,lexical,sentences,finish for techniques-en; "
                                                   "features,fit,export for attributions).")] = None,
    corrections: Annotated[Optional[str], typer.Option("--corrections", help="Also train on the articles analysts "
                                                       "corrected in this corpus database (techniques, roles).")] = None,
    corrections_weight: Annotated[float, typer.Option("--corrections-weight", min=0.0, max=100.0,
                                                      help="Weight of a corrected article's loss beside a shared-task "
                                                           "article's.")] = 1.0,
) -> None:
    """Rebuild a shipped model from the annotated corpora (needs pip install 'slant[train]')."""
    from .tasks.corpora import data_dir
    from .train import RESUMABLE, train as run_train
    from .train import trainer

    trainer(task)  # an unknown task is named before the corpora are looked for
    if (resume or stages) and task not in RESUMABLE:
        raise SlantError(f"--resume and --stages: {task} trains in one go (only {', '.join(RESUMABLE)} has stages)")
    options: dict = {"resume": True} if resume else {}  # else each trainer's own default
    if stages:
        options["stages"] = stages
    if corrections is not None:
        if task not in ("techniques", "roles"):
            raise SlantError(f"--corrections: {task} does not learn from corrections yet (techniques and roles do)")
        from .store import open_store

        open_store(corrections, create=False).close()  # a database that is not there is named now, not after hours
        options.update(corrections=corrections, corrections_weight=corrections_weight)
        if task == "roles":
            from functools import partial

            from .tasks.corrections import role_features

            options["correction_rows"] = partial(role_features, corrections)
    run_train(task, data_dir(data), out, **options)


# --- narratives: the analyst's own taxonomies (slant.user_taxonomy) --------------------------------
narratives_app = typer.Typer(help="Your own narrative taxonomies (YAML).", no_args_is_help=True,
                             rich_markup_mode=None, epilog=examples(
                                 ("slant narratives check my-narratives.yaml", "validate a taxonomy file"),
                             ))
app.add_typer(narratives_app, name="narratives")


@narratives_app.command("check", epilog=examples(
    ("slant narratives check my-narratives.yaml", "validate it and show confusable examples"),
    ("slant analyze article.txt --narratives my-narratives.yaml", "then rank articles against it"),
))
def narratives_check(
    path: Annotated[Path, typer.Argument(help="Taxonomy YAML: narratives with name, description, examples.")],
) -> None:
    """Validate a taxonomy file and show which examples are confused with another narrative."""
    from .user_taxonomy import check, load

    tax = load(path)
    confusions, sim = check(tax)
    n_ex = sum(len(n.examples) for n in tax.narratives)
    typer.echo(f"{path}: taxonomy {tax.name!r} is valid: {len(tax.narratives)} narratives, {n_ex} examples, "
               f"threshold {tax.threshold}")
    names = [n.name for n in tax.narratives]
    pairs = sorted(((float(sim[i, j]), names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))),
                   reverse=True)
    if pairs:
        typer.echo("closest narratives (cosine of centroids):")
        for s, a, b in pairs[:5]:
            typer.echo(f"  {s:.2f}  {a} <-> {b}")
    if confusions:
        typer.echo(f"{len(confusions)} examples are closer to another narrative than to their own:")
        for c in confusions:
            typer.echo(f"  [{c.narrative}] {c.example!r}\n      nearer {c.closest!r} ({c.other:.2f} vs {c.own:.2f})")
    else:
        typer.echo("no example is closer to another narrative than to its own")


# --- the corpus: ingest, dupes, search, stats, export (slant.ingest, slant.store and friends) ----------
_DB_HELP = "Database: a SQLite file or postgresql://user@host/db (default: $SLANT_DB or slant.db)."


def _filters(source, date_from, date_to, technique, frame, narrative, actor, claims=False, speaker=None):  # noqa: ANN001, ANN202
    """The search filters; dates are checked here, before the store opens, and named as options."""
    from .search import Filters, check_dates

    check_dates(date_from, date_to, ("--from", "--to"))
    return Filters(source=source, date_from=date_from, date_to=date_to, technique=technique, frame=frame,
                   narrative=narrative, actor=actor, claims=bool(claims), speaker=speaker)


_SourceOpt = Annotated[Optional[str], typer.Option("--source", help="Only articles of this source (outlet).")]
_FromOpt = Annotated[Optional[str], typer.Option("--from", help="Only articles dated on or after (YYYY-MM-DD).")]
_ToOpt = Annotated[Optional[str], typer.Option("--to", help="Only articles dated on or before (YYYY-MM-DD).")]
_TechOpt = Annotated[Optional[str], typer.Option("--technique", help="Only articles with this technique (part of the name).")]
_FrameOpt = Annotated[Optional[str], typer.Option("--frame", help="Only articles with this frame.")]
_NarrOpt = Annotated[Optional[str], typer.Option("--narrative", help="Only articles with this narrative or subnarrative.")]
_ActorOpt = Annotated[Optional[str], typer.Option("--actor", help="Only articles naming this actor.")]
_ClaimsOpt = Annotated[bool, typer.Option("--claims", help="Only articles with check-worthy claims.")]
_SpeakerOpt = Annotated[Optional[str], typer.Option("--speaker", help="Only articles quoting this speaker (part of the name).")]


@app.command(epilog=examples(
    ("slant ingest corpus/ --db slant.db", "a folder into SQLite, with a progress bar"),
    ("slant ingest crawl.warc.gz --db postgresql://me@localhost/news -w 2", "into PostgreSQL, 2 workers"),
    ("slant ingest feed.jsonl --engine ray -w 4", "on a local (or --address) Ray cluster"),
    note="A killed ingest resumes where it stopped: run the same command again.",
))
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files and folders (text, HTML, JSONL, CSV, WARC).")],
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    engine: Annotated[str, typer.Option("--engine", help="local (processes on this machine) or ray.")] = "local",
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes (local) or actors (ray).")] = 1,
    address: Annotated[Optional[str], typer.Option("--address", help="Ray cluster address (default: start a local one).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Articles per transaction.")] = 64,
    reanalyse: Annotated[bool, typer.Option("--reanalyse", help="Re-analyse stored articles made by another pipeline.")] = False,
    input_format: Annotated[Optional[str], typer.Option("--input-format", "-i", help="Input format (default: guessed).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Pipeline config.")] = None,
    analysers: Annotated[Optional[str], typer.Option("--analysers", "-a", help="Comma-separated analysers, overriding the config.")] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")] = None,
) -> None:
    """Analyse articles and store them; articles already stored (same text) are skipped.

    Each batch is one transaction, so a run that is killed can simply be started again. Inputs that
    cannot be read are reported one line each and recorded with the run; the exit status is then 1.
    """
    from .readers import check_inputs

    check_inputs(paths, input_format)  # before the models (and the imports they need) load
    from .ingest import count_inputs
    from .ingest import ingest as run_ingest

    names = [a.strip() for a in analysers.split(",") if a.strip()] if analysers else None
    db = db or os.environ.get("SLANT_DB") or ("slant.db" if Path("slant.db").is_file() else None)
    show = sys.stderr.isatty() if progress is None else progress

    def report(source: str, reason: str) -> None:
        _error(f"{source}: {reason}")

    bar = None
    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
        from rich.text import Text

        class _Rate(ProgressColumn):
            def render(self, task) -> Text:  # noqa: ANN001
                return Text(_rate(task.speed) if task.speed else "- articles/s")

        bar = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeRemainingColumn(),
                       transient=False)
        bar.start()
        task = bar.add_task("ingest", total=count_inputs(paths, input_format))
    try:
        with _term_as_interrupt():
            result = run_ingest(paths, db, config=config, analysers=names, engine=engine, workers=workers,
                                address=address, batch_size=batch_size, reanalyse=reanalyse,
                                input_format=input_format, on_error=report,
                                on_progress=(lambda n: bar.advance(task, n)) if bar else None)
    finally:
        if bar:
            bar.stop()
    typer.echo(
        f"run {result.run_id}: {result.read} read, {result.stored} stored, {result.updated} re-analysed, "
        f"{result.skipped} already stored, {plural(result.duplicates, 'near-duplicate')}, "
        f"{plural(len(result.errors), 'error')} in {result.seconds:.1f}s ({_rate(result.rate)})", err=True)
    if result.errors:
        raise typer.Exit(1)


@contextmanager
def _term_as_interrupt():  # noqa: ANN202
    """SIGTERM (``kill``, a container stopping) ends the block as Ctrl-C does, so that an ingest
    records its run as interrupted on the way out. (SIGKILL cannot be caught: the next run finds
    that run dead and marks it, ``Store.mark_dead_runs``.)"""
    import signal

    def _raise(signum, frame) -> None:  # noqa: ANN001
        raise KeyboardInterrupt

    try:
        before = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread (the command run from a library): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@app.command(epilog=examples(
    ("slant compare original.txt retelling.txt", "what the retelling added, kept and dropped"),
    ("slant compare a.html b.txt --keep 2.5", "a stricter match"),
    ("slant compare a.txt b.txt -f json", "the comparison as JSON"),
))
def compare(
    original: Annotated[Path, typer.Argument(help="The article retold (A).")],
    retelling: Annotated[Path, typer.Argument(help="The article that retells it (B), in any language.")],
    keep: Annotated[Optional[float], typer.Option("--keep", help="How far a sentence's best match must stand out "
                                                 "among the pair's scores to be kept on its own (a robust z-score, "
                                                 "default 1.5; each other's best match: 1.0).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Lines to show in each list.")] = 12,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """What a retelling added, kept and dropped: the spans only it has (loaded words first, then
    other techniques and quotes), its paragraphs beside those they retell, and its sentences."""
    import json as json_mod
    from dataclasses import asdict

    from rich.console import Console
    from rich.text import Text

    from .compare import KEEP, analyse, compare as run_compare
    from .display import human_label, shorten
    from .lang import detect_language
    from .readers import read_path

    if fmt not in ("text", "json"):
        raise SlantError(f"--format must be text or json (got {fmt!r})")
    arts = []
    for path in (original, retelling):
        found = read_path(path)
        if len(found) != 1:
            raise InputError(str(path), f"holds {plural(len(found), 'article')}; compare reads one article a file")
        art = found[0]
        art.meta.language = art.meta.language or detect_language(art.text)
        arts.append(art)
    a, b = analyse(*arts)
    result = run_compare(a, b, keep=KEEP if keep is None else keep)
    if fmt == "json":
        print(json_mod.dumps(asdict(result), ensure_ascii=False, indent=1))
        return
    console = Console(width=max(100, Console().width))
    console.print(Text(f"story similarity {result.similarity:.2f}  (SemEval-2022 Overall {result.overall:.2f}: "
                       f"1 = the same story .. 4 = unrelated; {a.meta.language or '?'} / {b.meta.language or '?'})"))
    console.print(Text(f"{plural(len(result.kept), 'sentence')} kept, {len(result.added)} added, "
                       f"{len(result.dropped)} dropped", style="bold"))
    console.print(Text("\nonly in the retelling (loaded words first):", style="bold"))
    if not result.additions:
        console.print(Text("  nothing: no technique span, loaded word or quote that the original lacks"))
    for x in result.additions[:limit]:
        where = result.b_sentences[x.sentence].paragraph + 1 if x.sentence >= 0 else 0
        what = (f"{x.labels[0]} quote" + (f" ({x.speaker})" if x.speaker else "") if x.kind == "quote"
                else ", ".join(human_label(n) for n in x.labels) + (" (word list)" if x.source == "word list" else ""))
        console.print(Text(f'  {x.kind:<9} ¶{where:<3} "{shorten(x.text, 60)}"  {what}'))
    if len(result.additions) > limit:
        console.print(Text(f"  ... {len(result.additions) - limit} more (-n to show them)"))
    console.print(Text("\nparagraphs (retelling ¶ <- the original's ¶ it retells):", style="bold"))
    for p in result.paragraphs:
        src = ", ".join(f"¶{q + 1}" for q in p.matches) or "nothing (added)"
        console.print(Text(f"  ¶{p.index + 1:<3} <- {src:<18} {p.kept} kept, {p.added} added"))
    console.print(Text("\nadded in the retelling (techniques first):", style="bold"))
    for m in result.added[:limit]:
        tag = f"  [{', '.join(m.techniques)}]" if m.techniques else ""
        console.print(Text(f"  + ¶{m.paragraph + 1} {shorten(m.text, max(40, 90 - len(tag)))}{tag}"))
    console.print(Text("\nkept (retelling <- original, similarity):", style="bold"))
    for m in result.kept[:limit]:
        src = result.a_sentences[m.match] if m.match is not None else None
        where = f"¶{src.paragraph + 1} {shorten(src.text, 76)}" if src else "?"
        console.print(Text(f"  = ¶{m.paragraph + 1} {shorten(m.text, 80)}\n      <- {where}  ({m.similarity:.2f})"))
    console.print(Text("\ndropped from the original:", style="bold"))
    for m in result.dropped[:limit]:
        console.print(Text(f"  - ¶{m.paragraph + 1} {shorten(m.text, 88)}"))


@app.command(epilog=examples(
    ("slant dupes --db slant.db", "the largest groups of copies and retellings"),
    ("slant dupes --db slant.db --kind copies -n 5", "only MinHash copies, five groups"),
    ("slant dupes --db slant.db --like 33afaf1b3bd9e275", "the stories nearest one article's"),
))
def dupes(
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Groups (or neighbours) to show.")] = 20,
    kind: Annotated[str, typer.Option("--kind", help="stories (copies and retellings together), copies, or all.")] = "all",
    like: Annotated[Optional[str], typer.Option("--like", help="Instead: the stored stories nearest this article's.")] = None,
) -> None:
    """List stories told more than once: copies (MinHash) and retellings (story vectors), each
    group ordered by date with its earliest article first."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .display import shorten
    from .dupes import groups
    from .store import open_store
    from .story_index import nearest, stories, thresholds

    if kind not in ("all", "stories", "copies"):
        raise SlantError(f"--kind must be all, stories or copies (got {kind!r})")
    console = Console(width=max(100, Console().width))
    with open_store(db, create=False) as store:
        if like is not None:
            found = nearest(store, like, k=limit, thresholds=thresholds())
            table = Table(title=Text(f"stories nearest {like}"), title_justify="left")
            for col in ("id", "date", "source", "lang", "cosine", "relation", "title"):
                table.add_column(col, no_wrap=col in ("id", "date"))
            for n in found:
                table.add_row(n.id, Text(n.date or ""), Text(n.source or ""), n.language or "", f"{n.similarity:.3f}",
                              n.relation or "", Text(shorten(n.title or "", 60)))
            console.print(table)
            return
        copies = groups(store) if kind == "copies" else []
        told = stories(store) if kind in ("all", "stories") else []
        if kind == "all" and not told:  # a corpus stored without story vectors: MinHash copies only
            copies = groups(store)
    if kind != "copies" and told:
        console.print(Text(f"{plural(len(told), 'story')} told more than once (copy, retelling, same event: "
                           f"each article's relation to its nearest earlier one)"))
        for g in told[:limit]:
            langs = f", in {', '.join(g.languages)}" if len(g.languages) > 1 else ""
            table = Table(title=Text(f"story {g.id}: {plural(len(g.members), 'article')}{langs}, "
                                     f"earliest {g.earliest.id} ({g.earliest.source or g.earliest.date or 'undated'})"),
                          title_justify="left")
            for col in ("", "id", "date", "source", "relation", "cosine", "retells", "title"):
                table.add_column(col, no_wrap=col in ("id", "date"))
            for i, m in enumerate(g.members):
                table.add_row("earliest" if i == 0 else "", m.id, Text(m.date or ""), Text(m.source or ""),
                              m.relation or "", f"{m.similarity:.2f}" if m.similarity is not None else "",
                              Text(", ".join(m.retells)), Text(shorten(m.title or "", 60)))
            console.print(table)
    if copies:
        console.print(Text(f"{plural(len(copies), 'group')} of near-duplicates (MinHash copies)"))
        for g in copies[:limit]:
            table = Table(title=Text(f"group {g.id}: {plural(len(g.members), 'article')}, earliest {g.earliest.id}"),
                          title_justify="left")
            for col in ("id", "date", "source", "similarity", "title"):
                table.add_column(col)
            for m in g.members:
                table.add_row(m.id, Text(m.date or ""), Text(m.source or ""), f"{m.similarity:.2f}",
                              Text(shorten(m.title or "", 70)))
            console.print(table)
    elif not told:
        console.print(Text("no copies or retellings stored"))


@app.command(epilog=examples(
    ("slant sources --db slant.db", "the outlets the corpus's articles say they retell"),
    ("slant sources --db slant.db -f json", "the same as JSON"),
))
def sources(
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Outlets to show.")] = 30,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List the news outlets that stored articles attribute their story to ("says Politico",
    "according to Reuters"), with how many articles and story groups cite each."""
    import json as json_mod
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .sources import sources as list_sources
    from .store import open_store

    if fmt not in ("table", "json"):
        raise SlantError(f"--format must be table or json (got {fmt!r})")
    with open_store(db, create=False) as store:
        found = list_sources(store, limit)
    if fmt == "json":
        print(json_mod.dumps([asdict(s) for s in found], ensure_ascii=False, indent=1))
        return
    console = Console(width=max(100, Console().width))
    if not found:
        console.print(Text("no article attributes its story to a news outlet"))
        return
    table = Table(title=Text(f"{plural(len(found), 'outlet')} retold"), title_justify="left")
    for col in ("outlet", "articles", "stories", "first", "last", "e.g."):
        table.add_column(col)
    for s in found:
        table.add_row(Text(s.outlet), str(s.articles), str(s.stories), s.first or "", s.last or "",
                      ", ".join(s.examples))
    console.print(table)


@app.command(epilog=examples(
    ("slant search \"gas pipeline\" --db slant.db", "articles with the phrase"),
    ("slant search Ukraine --technique Name_Calling --from 2022-02-24", "with filters on the layers"),
    ("slant search --actor Lukashenko -f jsonl", "every article naming an actor, as JSONL"),
    ("slant search --speaker Tikhanovskaya", "every article quoting a speaker"),
))
def search(
    query: Annotated[str, typer.Argument(help='Words to find (all must occur); "a phrase" in quotes.')] = "",
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    source: _SourceOpt = None, date_from: _FromOpt = None, date_to: _ToOpt = None, technique: _TechOpt = None,
    frame: _FrameOpt = None, narrative: _NarrOpt = None, actor: _ActorOpt = None, claims: _ClaimsOpt = False,
    speaker: _SpeakerOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Results to show.")] = 20,
    format: Annotated[str, typer.Option("--format", "-f", help="table or jsonl.")] = "table",
) -> None:
    """Full-text search of the store, with filters on source, date and layers."""
    import json

    from .search import search as run_search
    from .store import open_store

    filters = _filters(source, date_from, date_to, technique, frame, narrative, actor, claims, speaker)
    with open_store(db, create=False) as store:
        hits = run_search(store, query, filters, limit)
    if format == "jsonl":
        for h in hits:
            typer.echo(json.dumps(h.__dict__, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .display import shorten

    table = Table(title=plural(len(hits), "article"), title_justify="left")
    for col in ("id", "date", "source", "title", "snippet"):
        table.add_column(col)
    for h in hits:  # Text, not str: rich would read "[mass]" in an article as its own markup
        table.add_row(h.id, Text(h.date or ""), Text(h.source or ""), Text(shorten(h.title or "", 50)),
                      Text(h.snippet))
    Console(width=max(120, Console().width)).print(table)


@app.command(epilog=examples(
    ("slant stats --db slant.db", "articles per source"),
    ("slant stats --by technique Ukraine --plot techniques.png", "techniques in a search, as a chart"),
    ("slant stats --by month --narrative \"blaming the war\"", "a narrative over time (part of its name)"),
))
def stats(
    by: Annotated[str, typer.Option("--by", help="source|month|technique|frame|narrative|actor-role")] = "source",
    query: Annotated[str, typer.Argument(help="Only articles matching this search.")] = "",
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    source: _SourceOpt = None, date_from: _FromOpt = None, date_to: _ToOpt = None, technique: _TechOpt = None,
    frame: _FrameOpt = None, narrative: _NarrOpt = None, actor: _ActorOpt = None, claims: _ClaimsOpt = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw the table as a bar chart (PNG).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="Rows to show.")] = None,
) -> None:
    """Counts of articles per source, month, technique, frame, narrative or actor role."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .stats import plot as draw
    from .stats import stats as run_stats
    from .store import open_store

    filters = _filters(source, date_from, date_to, technique, frame, narrative, actor, claims)
    with open_store(db, create=False) as store:
        result = run_stats(store, by, query, filters, limit)
    table = Table(title=f"by {by}", title_justify="left")
    for i, col in enumerate(result.columns):
        table.add_column(col, justify="right" if i else "left")
    for row in result.rows:  # Text: a source or label may hold brackets rich would take for markup
        table.add_row(*(Text(str(v)) for v in row))
    Console(width=max(100, Console().width)).print(table)
    if plot:
        draw(result, plot)
        typer.echo(f"wrote {plot}", err=True)


@app.command(epilog=examples(
    ("slant reviews --db slant.db", "articles reviewed, by whom, techniques most often rejected"),
    ("slant reviews --author alice --since 2026-01-01", "one analyst's work since a date"),
    ("slant reviews --plot rejected.png", "the most often rejected techniques as a chart"),
))
def reviews(
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    author: Annotated[Optional[str], typer.Option("--author", help="Only this analyst's corrections.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only corrections made since this ISO date "
                                                 "(or after this correction id).")] = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw the rejected techniques as a bar chart (PNG).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Techniques to show.")] = 15,
) -> None:
    """How far the analysts' review has gone: articles reviewed, by whom, which techniques they reject."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .corrections import review_summary
    from .store import open_store

    with open_store(db, create=False) as store:
        s = review_summary(store, author=author, since=since)
    console = Console(width=max(100, Console().width))
    console.print(Text(f"{s['reviewed']} of {s['articles']} articles reviewed, {s['corrections']} corrections"
                       + (f" by {author}" if author else "") + (f" since {since}" if since else "")))
    if not s["corrections"]:
        return
    layers = Table(title="by layer", title_justify="left")
    layers.add_column("layer")
    layers.add_column("articles", justify="right")
    for row in s["layers"]:
        layers.add_row(Text(row["layer"]), str(row["articles"]))
    console.print(layers)
    people = Table(title="by analyst", title_justify="left")
    for i, col in enumerate(("analyst", "corrections", "articles", "last correction")):
        people.add_column(col, justify="right" if i in (1, 2) else "left")
    for a in s["authors"]:
        people.add_row(Text(a["author"]), str(a["corrections"]), str(a["articles"]), Text(a["last"] or ""))
    console.print(people)
    techs = Table(title="techniques most often rejected", title_justify="left")
    for i, col in enumerate(("technique", "rejected", "relabelled", "accepted", "added", "reject rate")):
        techs.add_column(col, justify="right" if i else "left")
    for t in s["techniques"][:limit]:
        rate = f"{t['reject_rate']:.0%}" if t["reject_rate"] is not None else ""
        techs.add_row(Text(t["technique"]), str(t["rejected"]), str(t["relabelled"]), str(t["accepted"]),
                      str(t["added"]), rate)
    console.print(techs)
    if plot:
        from .stats import Table as Counts
        from .stats import plot as draw

        rows = [(t["technique"], t["rejected"] + t["relabelled"]) for t in s["techniques"][:limit]
                if t["rejected"] + t["relabelled"]]
        draw(Counts("technique", ["technique", "spans rejected or relabelled"], rows), plot,
             title="techniques analysts most often reject")
        typer.echo(f"wrote {plot}", err=True)


@app.command(epilog=examples(
    ("slant export -f parquet -o corpus.parquet", "the whole store as Parquet"),
    ("slant export -f brat -o brat/ Ukraine", "a search as brat standoff files"),
    ("slant export -f label-studio -o tasks.json --source politico.eu", "pre-annotated Label Studio tasks"),
    ("slant export -f corrections -o reviewed/", "corrected articles: SemEval files and JSONL history"),
))
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl|parquet|csv|brat|label-studio|corrections")] = "jsonl",
    query: Annotated[str, typer.Argument(help="Only articles matching this search.")] = "",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File (folder for brat); default: standard output.")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)] = None,
    source: _SourceOpt = None, date_from: _FromOpt = None, date_to: _ToOpt = None, technique: _TechOpt = None,
    frame: _FrameOpt = None, narrative: _NarrOpt = None, actor: _ActorOpt = None, claims: _ClaimsOpt = False,
) -> None:
    """Export the store, or the articles of a search, for other tools."""
    from .export import export as run_export
    from .store import open_store

    filters = _filters(source, date_from, date_to, technique, frame, narrative, actor, claims)
    with open_store(db, create=False) as store:
        n = run_export(store, format, out, query, filters)
    typer.echo(f"exported {n} articles", err=True)


@app.command(epilog=examples(
    ("slant serve", "the analyse page on http://127.0.0.1:8000/"),
    ("slant serve --db slant.db -p 8080", "with a corpus: article and corpus pages"),
    ("SLANT_TOKEN=secret slant serve --host 0.0.0.0", "reachable from other machines, with a token"),
    ("slant serve --db slant.db --tokens analysts.txt", "each analyst's own token names their corrections"),
))
def serve(
    db: Annotated[Optional[str], typer.Option("--db", help="Corpus database: a SQLite file or postgresql://user@host/db "
                                              "(default: $SLANT_DB, else ./slant.db if it exists, else no corpus: "
                                              "the analyse page and /api/analyze only).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind; any non-loopback address needs $SLANT_TOKEN.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port to listen on.")] = 8000,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Pipeline config.")] = None,
    analysers: Annotated[
        Optional[str], typer.Option("--analysers", "-a", help="Comma-separated analysers (default: every one whose model loads).")
    ] = None,
    cors: Annotated[Optional[list[str]], typer.Option("--cors", help="Allow cross-origin requests from ORIGIN (repeatable).")] = None,
    queue_depth: Annotated[Optional[int], typer.Option(
        "--queue-depth", min=0, help="Articles accepted and not yet answered, at most; past it, analyse requests "
                                     "get 503 with a Retry-After (default: 32, two batches; 0: no limit).")] = None,
    tokens: Annotated[Optional[Path], typer.Option("--tokens", help="Analysts' tokens: one 'NAME TOKEN' a line. Every "
                                                   "request must carry one, and corrections are recorded under its name.")] = None,
) -> None:
    """Serve the JSON API (OpenAPI at /openapi.json) and the web pages: analyse, article view, corpus.

    Bound to 127.0.0.1 by default. Bound to any other address, it needs a token in $SLANT_TOKEN and
    every request must carry it (Authorization: Bearer TOKEN, or ?token=TOKEN once in a browser).
    """
    from .web import check_port
    from .web import serve as run_server
    from .web.security import check_bind

    from .web.security import read_tokens

    token = os.environ.get("SLANT_TOKEN") or None
    named = read_tokens(tokens) if tokens is not None else None
    check_bind(host, token, named)  # before the models load: refuse fast
    check_port(host, port)
    names = [a.strip() for a in analysers.split(",") if a.strip()] if analysers else None
    db = db or os.environ.get("SLANT_DB") or ("slant.db" if Path("slant.db").is_file() else None)
    if db is not None and "://" not in db and not Path(db).exists():
        raise SlantError(f"--db {db}: no such database (store articles first with `slant ingest --db {db}`)")
    typer.echo(f"slant: serving on http://{host}:{port}/" + (" (token required)" if token or named else ""), err=True)
    queue = {} if queue_depth is None else {"queue_depth": queue_depth}  # else the server's default
    run_server(host=host, port=port, token=token, db=db, config=config, analysers=names, cors=cors or None,
               tokens=named, **queue)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the app and turns errors into one line and an exit status."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Standalone mode: the command-line framework prints usage errors itself and ends with
        # SystemExit carrying the status; everything else that escapes is turned into one line here.
        with warnings.catch_warnings():
            warnings.simplefilter("always", SlantWarning)  # each input's warning, not the first only
            warnings.showwarning = _show_warning
            app(args=args, prog_name="slant")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SlantError as exc:
        if debug:
            raise
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if debug:
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())
