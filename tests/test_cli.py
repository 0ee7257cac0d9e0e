"""The command line: outputs, exit codes, and one-line errors for every kind of bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from slant.article import Article
from slant.cli import main


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_of_the_shared_example(shared_example, capsys):
    code, out, err = run(["analyze", shared_example, "--format", "json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    art = Article.from_dict(data)
    assert art.meta.title == "Why do the West believe that Putin lost in Belarus?"
    assert art.meta.date == "2020-09-21"
    assert len(art.paragraphs) == 10
    assert all(art.text[s.start : s.end].strip() == art.text[s.start : s.end] != "" for s in art.sentences)


def test_report_shows_title_date_and_paragraphs(sample_path, capsys):
    code, out, _ = run(["analyze", sample_path], capsys)
    assert code == 0
    assert "Why does Brussels pretend the Varnia harbour deal is a triumph?" in out
    assert "2023-03-14" in out and "Tomas Reiter" in out
    assert "7 paragraphs" in out and "¶7" in out


def test_jsonl_to_file_one_article_a_line(sample_path, tmp_path: Path, capsys):
    dest = tmp_path / "out.jsonl"
    code, _, _ = run(["analyze", sample_path, sample_path, "-f", "jsonl", "--out", dest], capsys)
    assert code == 0
    lines = dest.read_text().splitlines()
    assert len(lines) == 2
    assert Article.from_json(lines[0]).meta.byline == "Tomas Reiter"


def test_json_of_several_inputs_is_an_array(sample_path, capsys):
    code, out, _ = run(["analyze", sample_path, sample_path, "-f", "json"], capsys)
    assert code == 0 and isinstance(json.loads(out), list)


def test_stdin(monkeypatch, capsys):
    import io

    data = "Strike spreads\n\nThe strike spread to three more ports. Officials said nothing.".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(["analyze", "-", "-f", "json"], capsys)
    assert code == 0
    assert json.loads(out)["meta"]["title"] == "Strike spreads"


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    huge = tmp / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    nothing = tmp / "nothing"
    nothing.mkdir()
    (nothing / "image.png").write_bytes(b"\x89PNG\r\n")
    html = tmp / "cut.html"
    html.write_text("<html><head><title>Cut</title></head><body><nav>Home | World</nav><div class=")
    jsonl = tmp / "feed.jsonl"
    jsonl.write_text(
        '{"title": "Port strike", "text": "Dockworkers walked out on Monday. The minister called them saboteurs."}\n'
        "{not json at all\n"
        '{"title": "Port talks", "text": "Talks resumed on Tuesday. Both sides claimed victory."}\n'
    )
    return {
        "missing": (tmp / "missing.txt", "no such file"),
        "empty": (empty, "empty file"),
        "binary": (binary, "binary"),
        "huge": (huge, "too large"),
        "folder without articles": (nothing, "no readable article"),
        "truncated html": (html, "no article text"),
        "jsonl bad line": (jsonl, f"{jsonl}:2"),
    }


@pytest.mark.parametrize(
    "kind", ["missing", "empty", "binary", "huge", "folder without articles", "truncated html", "jsonl bad line"]
)
def test_bad_input_is_one_line_and_the_rest_still_runs(kind, sample_path, tmp_path: Path, capsys):
    path, reason = _bad_inputs(tmp_path)[kind]
    code, out, err = run(["analyze", path, sample_path, "-f", "jsonl"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slant: error: ") and str(path) in lines[0] and reason in lines[0]
    assert "Traceback" not in err
    titles = [json.loads(l)["meta"].get("title") for l in out.splitlines()]
    assert "Why does Brussels pretend the Varnia harbour deal is a triumph?" in titles
    if kind == "jsonl bad line":
        assert {"Port strike", "Port talks"} <= set(titles)


def test_unknown_input_format_and_analyser_are_one_line(sample_path, capsys):
    code, _, err = run(["analyze", sample_path, "--input-format", "pdf"], capsys)
    assert code == 2 and "unknown input format" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["analyze", sample_path, "--analysers", "segment,nope"], capsys)
    assert code == 2 and "unknown analyser 'nope'" in err


def test_unknown_eval_or_train_task_is_named_before_the_corpora_are_looked_for(tmp_path, capsys):
    for command, what in (("eval", "evaluation"), ("train", "training")):
        code, _, err = run([command, "nope", "--data", tmp_path / "nowhere"], capsys)
        assert code == 2 and f"unknown {what} task 'nope'" in err and len(err.strip().splitlines()) == 1


def test_serve_on_a_taken_port_is_one_line_before_the_models_load(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(["serve", "--port", str(port)], capsys)
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unwritable_output_is_one_line(sample_path, tmp_path, capsys):
    code, _, err = run(["analyze", sample_path, "--out", tmp_path / "no" / "such" / "dir.json"], capsys)
    assert code == 2 and "cannot write" in err


def test_debug_shows_the_traceback(sample_path):
    with pytest.raises(Exception):
        main(["--debug", "analyze", str(sample_path), "--analysers", "nope"])


def test_version_help_and_pipeline(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("slant ")
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "Examples" in out and "slant analyze" in out
    code, out, _ = run(["pipeline"], capsys)
    assert code == 0 and "segment" in out and "sentences" in out


def test_console_script_runs_as_a_process(sample_path):
    proc = subprocess.run(
        [sys.executable, "-m", "slant.cli", "analyze", str(sample_path), "-f", "json"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["meta"]["date"] == "2023-03-14"
    bad = subprocess.run([sys.executable, "-m", "slant.cli", "analyze", "/no/such/file.txt"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.strip() == "slant: error: /no/such/file.txt: no such file or directory"


@pytest.mark.parametrize("command", [["search", "minister"], ["stats"], ["export"], ["dupes"]])
def test_reading_a_corpus_that_does_not_exist_is_an_error_not_a_new_empty_one(command, tmp_path, capsys):
    db = tmp_path / "typo.db"
    code, _, err = run([*command, "--db", str(db)], capsys)
    assert code == 2 and f"{db}: no such database" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_ingest_without_db_writes_slant_db_in_the_working_folder(sample_path, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SLANT_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["ingest", str(sample_path), "-a", "segment"], capsys)
    assert code == 0, err
    assert (tmp_path / "slant.db").is_file() and "1 stored" in err


def _commands(group, prefix=()):
    """Every command of the click group behind ``slant``, as argument lists."""
    import click

    for name, cmd in group.commands.items():
        yield [*prefix, name]
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def test_every_help_ends_with_real_examples(capsys):
    """``slant --help`` and each subcommand's help end with example command lines of slant's own,
    shown as written (click rewraps help text unless told not to: the examples ran together)."""
    import typer

    root = typer.main.get_command(__import__("slant.cli", fromlist=["app"]).app)
    commands = [([], root), *((args, _lookup(root, args)) for args in _commands(root))]
    assert len(commands) >= 15
    for args, cmd in commands:
        assert cmd.epilog and cmd.epilog.startswith("Examples:"), f"slant {' '.join(args)}: no examples"
        body = cmd.epilog.split("\b\n", 1)[1].split("\n\n")[0].splitlines()
        code, out, _ = run([*args, "--help"], capsys)
        assert code == 0
        shown = out[out.index("Examples:"):].splitlines()
        for line in body:  # every line exactly as written, none run into another
            assert any(s.endswith(line) for s in shown), f"slant {' '.join(args)} --help: {line!r} rewrapped"
        calls = [line.strip() for line in body if line.strip().startswith(("slant ", "cat ", "SLANT_TOKEN="))]
        assert calls and all("slant " in c for c in calls)
        if args:  # the examples call this very command
            assert any(f"slant {' '.join(args)}" in c for c in calls), args


def _lookup(group, args):
    for a in args:
        group = group.commands[a]
    return group


def test_the_help_names_every_task_and_format_the_registries_know():
    from slant.cli import EVAL_TASKS, PREDICT_FORMATS
    from slant.tasks.evaluation import EVALUATORS
    from slant.tasks.formats import PREDICTORS
    from slant.train import TRAINERS

    assert sorted(EVAL_TASKS) == sorted(EVALUATORS)
    assert sorted(PREDICT_FORMATS) == sorted(PREDICTORS)
    import typer

    from slant.cli import app

    train = typer.main.get_command(app).commands["train"]
    named = train.epilog.split("Tasks: ", 1)[1].rstrip(".").split(", ")
    assert sorted(named) == sorted(TRAINERS)


# --- fail fast: inputs, options and dates are checked before any model loads ----------------------
_NO_MODELS = """
import sys
from slant.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("spacy", "onnxruntime", "torch", "sqlalchemy") if m in sys.modules)
print(code, ",".join(heavy))
"""


def _run_bare(args: list[str], tmp_path: Path) -> tuple[str, str]:
    """``slant ARGS`` in a fresh process with the packaged default pipeline (every model), and which
    heavy modules it imported: (exit code and modules, standard error)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "SLANT_CONFIG"}
    proc = subprocess.run([sys.executable, "-c", _NO_MODELS, *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    return proc.stdout.strip(), proc.stderr.strip()


@pytest.mark.parametrize("args, message", [
    (["analyze", "missing.txt"], "slant: error: missing.txt: no such file or directory"),
    (["analyze", "empty.txt"], "slant: error: empty.txt: empty file"),
    (["ingest", "missing.txt", "--db", "new.db"], "slant: error: missing.txt: no such file or directory"),
    (["ingest", "missing.txt", "gone/", "--db", "new.db"],
     "slant: error: missing.txt: no such file or directory, nor any of the other 1 inputs"),
    (["ingest", "empty.txt", "--db", "new.db", "-i", "pdf"], "slant: error: pdf: unknown input format; known: "
     "text, html, jsonl, csv, warc, ptc, semeval2023, semeval2025"),
])
def test_bad_inputs_are_refused_before_any_model_loads(args, message, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    out, err = _run_bare(args, tmp_path)
    code, heavy = out.split(" ", 1) if " " in out else (out, "")
    assert err == message
    assert code in ("1", "2") and "spacy" not in heavy and "onnxruntime" not in heavy
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("command", [["search", "x"], ["stats"], ["export"]])
@pytest.mark.parametrize("option, value, reason", [
    ("--from", "2019-13-45", "--from 2019-13-45: not a date (month must be in 1..12)"),
    ("--to", "2019-02-30", "--to 2019-02-30: not a date (day is out of range for month)"),
    ("--from", "21.09.2020", "--from 21.09.2020: not a date; write it YYYY-MM-DD, e.g. 2024-03-01"),
])
def test_an_invalid_date_is_one_line_before_the_store_opens(command, option, value, reason, tmp_path, capsys):
    db = tmp_path / "no.db"  # does not exist: the date is what is refused, first
    code, out, err = run([*command, "--db", db, option, value], capsys)
    assert code == 2 and err.strip().splitlines() == [f"slant: error: {reason}"] and out == ""


def test_an_empty_date_range_is_one_line(tmp_path, capsys):
    code, _, err = run(["search", "x", "--db", tmp_path / "no.db", "--from", "2020-01-01", "--to", "2019-01-01"],
                       capsys)
    assert code == 2 and err.strip() == "slant: error: --from 2020-01-01 is after --to 2019-01-01: no article can match"


def test_ingest_summary_counts_read_as_english(tmp_path, capsys):
    one = tmp_path / "one.txt"
    one.write_text("A headline\n\nThe harbour reopened on Monday after repairs.", "utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    code, _, err = run(["ingest", one, tmp_path / "empty.txt", "--db", tmp_path / "c.db", "--no-progress"], capsys)
    assert code == 1
    summary = err.strip().splitlines()[-1]
    assert ", 0 near-duplicates, 1 error in " in summary
    assert re.search(r"\((\d+\.\d|\d{2,}[\d,]*) articles/s\)$", summary), summary  # never "1 articles/s"
