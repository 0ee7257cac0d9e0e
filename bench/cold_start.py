"""Cold start of `slant analyze` on one article: wall time of a fresh process, several runs.

    python bench/cold_start.py [--runs 7] [ARTICLE]

Prints the median and spread of the whole command, beside a bare `python -c pass` and a bare
`import slant`, measured in the same run, so the figure reads as a ratio to the interpreter's own
start-up on this machine. The issue's target: under 2 s for the sample article.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        out.append(time.perf_counter() - t)
        if proc.returncode != 0:
            sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", nargs="?", default=str(ROOT / "examples" / "harbour-deal-2023.txt"))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
    rows = [
        ("python -c pass", [py, "-c", "pass"]),
        ("import slant", [py, "-c", "import slant"]),
        ("slant analyze --format json", [py, "-m", "slant.cli", "analyze", args.article, "--format", "json"]),
        ("slant analyze (report)", [py, "-m", "slant.cli", "analyze", args.article]),
    ]
    timed(rows[2][1], 1)  # warm the file cache and bytecode once
    print(f"cold start, {args.runs} runs each, article {args.article}")
    print(f"{'command':32} {'median s':>9} {'min s':>7} {'max s':>7} {'x python':>9}")
    base = None
    for name, cmd in rows:
        ts = timed(cmd, args.runs)
        med = statistics.median(ts)
        base = base or med
        print(f"{name:32} {med:9.3f} {min(ts):7.3f} {max(ts):7.3f} {med / base:9.1f}")


if __name__ == "__main__":
    main()
