"""Sinks: where analysed Articles go. One module per output; ``open_sink`` picks one by name."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import SlantError


@contextmanager
def open_sink(fmt: str, out: Path | None = None) -> Iterator[object]:
    """A sink writing ``fmt`` (report | json | jsonl) to ``out`` or standard output."""
    if fmt == "report":
        from .report import ReportSink as cls
    elif fmt == "json":
        from .jsonout import JsonSink as cls
    elif fmt == "jsonl":
        from .jsonout import JsonlSink as cls
    else:
        raise SlantError(f"unknown output format {fmt!r}; known: report, json, jsonl")
    if out is None:
        sink = cls(sys.stdout, to_terminal=sys.stdout.isatty())
        yield sink
        sink.close()
        return
    try:
        fh = open(out, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise SlantError(f"{out}: cannot write: {exc.strerror or exc}") from None
    with fh:
        sink = cls(fh, to_terminal=False)
        yield sink
        sink.close()
