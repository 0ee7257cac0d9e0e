"""Genre and frames in several languages: the trainers fit every language together, hold out each
language the way its data allows (the organisers' dev split where it has labels), record that in
``head.json``, and ``slant eval --lang`` scores one language beside the organisers' baseline.

The corpus is written by the test: invented two-sentence articles in English and French, with a
French dev split and a baseline file in the organisers' format. The scores of so small a corpus
mean nothing; what is checked is where every document goes and what the files say.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slant.cli import main

pytest.importorskip("sklearn")

REPORTS = {
    "en": ["The council approved the budget on Tuesday. The vote was seven to two.",
           "The ministry published the figures on Monday. Exports rose by three percent."],
    "fr": ["Le conseil a approuvé le budget mardi. Le vote a été de sept voix contre deux.",
           "Le ministère a publié les chiffres lundi. Les exportations ont augmenté de trois pour cent."],
}
OPINIONS = {
    "en": ["This reckless budget is a disgrace. Anyone who votes for it betrays the town.",
           "The ministry is lying to us again. Only a fool would believe these figures."],
    "fr": ["Ce budget insensé est une honte. Quiconque le vote trahit la ville.",
           "Le ministère nous ment encore. Seul un idiot croirait ces chiffres."],
}
SATIRE = {
    "en": ["Local man declares himself mayor of his own kitchen. The cat has not yet conceded.",
           "Scientists confirm that Mondays last exactly one week. The calendar declined to comment."],
    "fr": ["Un homme se proclame maire de sa propre cuisine. Le chat n'a pas encore concédé.",
           "Des savants confirment que le lundi dure une semaine. Le calendrier n'a pas commenté."],
}
FRAMES = {"reporting": "Economic", "opinion": "Political,Morality", "satire": "Quality_of_life"}


def _write(base: Path, split: str, docs: list[tuple[str, str, str]]) -> None:
    """Articles of one language and split for subtasks 1 and 2, with both label files."""
    for subtask in (1, 2):
        folder = base / f"{split}-articles-subtask-{subtask}"
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for doc_id, genre, text in docs:
            (folder / f"article{doc_id}.txt").write_text(f"Title {doc_id}\n\n{text}\n", "utf-8")
            rows.append(f"{doc_id}\t{genre if subtask == 1 else FRAMES[genre]}")
        (base / f"{split}-labels-subtask-{subtask}.txt").write_text("\n".join(rows) + "\n", "utf-8")


def _docs(lang: str, first: int, n: int) -> list[tuple[str, str, str]]:
    out = []
    for k in range(n):
        genre = ("reporting", "opinion", "satire")[k % 3]
        pool = {"reporting": REPORTS, "opinion": OPINIONS, "satire": SATIRE}[genre]
        out.append((str(first + k), genre, pool[lang][k // 3 % 2] + f" Item {k}."))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    task = root / "semeval2023-task3"
    _write(task / "en", "train", _docs("en", 9100, 12))
    _write(task / "fr", "train", _docs("fr", 9200, 12))
    dev = _docs("fr", 9300, 6)
    _write(task / "fr", "dev", dev)
    (task / "baselines").mkdir()
    (task / "baselines" / "baseline-output-subtask1-dev-fr.txt").write_text(
        "".join(f"{i}\topinion\n" for i, _, _ in dev), "utf-8")
    return root


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    import slant.train.doclabels as dl
    from slant.train import frames, genre

    cache = dl.CACHE
    dl.CACHE = tmp_path_factory.mktemp("cache") / "doclabels"
    try:
        out = tmp_path_factory.mktemp("heads")
        quiet = lambda *a, **k: None  # noqa: E731
        g = genre.train(corpus, out / "genre", log=quiet, langs=("en", "fr"))
        f = frames.train(corpus, out / "frames", log=quiet, langs=("en", "fr"))
        yield out, g, f, dl.CACHE
    finally:
        dl.CACHE = cache


def test_every_language_is_fitted_and_french_is_scored_on_its_dev_split(trained):
    out, g, f, _ = trained
    cfg = json.loads((out / "genre" / "head.json").read_text("utf-8"))
    assert cfg["languages"] == ["en", "fr"]
    # the English articles are not in the encoder's split, so none is held out: all are fitted
    assert cfg["validation"] == {"fr": [str(i) for i in range(9300, 9306)]}
    assert cfg["validation_split"] == {"fr": "dev"}
    assert set(g) == {"fr"} and g["fr"]["articles"] == 6
    # the organisers' baseline answered "opinion" everywhere: one genre of three right, F1 2/(1+3) / 3
    assert g["fr"]["baseline_macro_f1"] == pytest.approx(0.5 / 3, abs=1e-3)
    assert set(f) == {"fr"} and 0.0 <= f["fr"]["micro_f1"] <= 1.0
    card = (out / "frames" / "MODEL_CARD.md").read_text("utf-8")
    assert "| fr | organisers' dev (6) |" in card


def test_eval_scores_one_language_beside_the_baseline(trained, corpus, capsys, monkeypatch):
    import slant.train.doclabels as dl

    out, g, _, cache = trained
    monkeypatch.setattr(dl, "CACHE", cache)
    assert main(["eval", "genre", "--data", str(corpus), "--model", str(out / "genre"), "--lang", "fr"]) == 0
    text = capsys.readouterr().out
    assert "fr: 6 organisers dev documents" in text
    assert f"{'baseline':<10}{g['fr']['baseline_macro_f1']:>9.3f}   (the organisers' baseline output)" in text


def test_eval_of_a_language_the_head_was_not_scored_on_is_one_line(trained, corpus, capsys):
    out, *_ = trained
    assert main(["eval", "frames", "--data", str(corpus), "--model", str(out / "frames"), "--lang", "po"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "slant: error: --lang po: frames was scored on fr"
