"""Small generated corpora for the store tests: distinct, deterministic news-like articles."""

from __future__ import annotations

import json
import random
from pathlib import Path

_SUBJECTS = ["The minister", "A spokesman for the ministry", "Opposition leaders", "The harbour authority",
             "Farmers in the north", "The central bank", "Local officials", "Energy traders"]
_VERBS = ["announced", "criticised", "welcomed", "questioned", "rejected", "defended", "postponed", "praised"]
_OBJECTS = ["the new pipeline deal", "the grain export quota", "the harbour expansion", "a tax on imports",
            "the election timetable", "the sanctions package", "the emergency budget", "the wind farm plan"]
_TAILS = ["on Tuesday", "after weeks of talks", "in a statement", "despite protests", "at a press conference",
          "without giving details", "in parliament", "late on Friday"]
SOURCES = ["harbour-times", "northern-post", "daily-ledger"]


def article_text(i: int, sentences: int = 12) -> str:
    rng = random.Random(i)
    paras = []
    for _ in range(3):
        sents = [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
                 f" (item {i}-{rng.randrange(10**6)})." for _ in range(sentences // 3)]
        paras.append(" ".join(sents))
    return "\n\n".join(paras)


def records(n: int, start: int = 0) -> list[dict]:
    out = []
    for i in range(start, start + n):
        out.append({"title": f"Story number {i}", "text": article_text(i),
                    "date": f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}", "source": SOURCES[i % len(SOURCES)],
                    "url": f"https://example.org/{i}"})
    return out


def write_jsonl(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    return path
