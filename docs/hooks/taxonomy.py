"""MkDocs hook: render the persuasion-technique taxonomy (src/slant/data/techniques.toml) into the
page that shows it, at build time, so the table cannot drift from the file the analyser reads.

A page asks for it with a line holding only ``<!-- slant:techniques-table -->``. Only the TOML file
is read (no import of slant), so the site builds without the models.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

MARKER = "<!-- slant:techniques-table -->"


def _table(config_file: str) -> str:
    path = Path(config_file).resolve().parent / "src" / "slant" / "data" / "techniques.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    rows = ["| technique | category | definition | SemEval-2020 label |", "|---|---|---|---|"]
    for name, t in data["techniques"].items():
        old = t.get("semeval2020") or "(none: left out of 2020 exports)"
        rows.append(f"| {name} | {t['category']} | {t['definition']} | {old} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - MkDocs hook signature
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, _table(config["config_file_path"]))
