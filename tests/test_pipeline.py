"""Pipeline wiring: config files, the registry and entry points, the needs/adds check."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import slant
from slant import registry
from slant.analysers.base import Analyser
from slant.article import Article
from slant.errors import ConfigError
from slant.pipeline import Pipeline


def test_default_pipeline_segments(sample_path):
    nlp = slant.load()
    assert nlp.names[0] == "segment"
    art = nlp(sample_path)
    assert art.paragraphs and art.sentences
    assert {p.layer for p in art.provenance} >= {"paragraphs", "sentences"}


def test_load_accepts_text_and_articles():
    nlp = slant.load()
    art = nlp("Harbour deal signed\n\nThe deal was signed. Workers protested.")
    assert art.meta.title == "Harbour deal signed"
    assert len(art.sentences) == 2
    again = nlp(Article(text="One. Two."))
    assert len(again.sentences) == 2


def test_user_config_file_orders_analysers(tmp_path: Path):
    cfg = tmp_path / "slant.toml"
    cfg.write_text('[pipeline]\nanalysers = ["segment"]\nbatch_size = 4\n')
    nlp = slant.load(cfg)
    assert nlp.names == ["segment"] and nlp.batch_size == 4


def test_slant_toml_in_working_directory_is_picked_up(tmp_path: Path, monkeypatch):
    (tmp_path / "slant.toml").write_text("[pipeline]\nbatch_size = 3\n")
    monkeypatch.chdir(tmp_path)
    assert slant.load().batch_size == 3


@pytest.mark.parametrize(
    "content, message",
    [
        ('[pipeline]\nanalysers = ["nope"]\n', "unknown analyser 'nope'"),
        ("[pipeline\n", "not valid TOML"),
        ('[pipeline]\nanalysers = "segment"\n', "must be a list"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, content, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=message):
        slant.load(cfg)


def test_missing_config_file():
    with pytest.raises(ConfigError, match="config file not found"):
        slant.load("does/not/exist.toml")


class _NeedsQuotes(Analyser):
    name = "needs-quotes"
    needs = ("quotes",)
    adds = ("claims",)


class _Counter(Analyser):
    """Counts the batches it sees."""

    name = "counter"
    needs = ("sentences",)
    adds = ("claims",)

    def __init__(self, **options):
        super().__init__(**options)
        self.batches = []

    def pipe(self, articles, batch_size=32):
        batch = list(articles)
        self.batches.append(len(batch))
        yield from batch


def test_an_analyser_before_its_inputs_is_refused():
    with pytest.raises(ConfigError, match="needs quotes, which no analyser before it adds"):
        Pipeline([registry.get("segment")(), _NeedsQuotes()])


def test_pipe_batches_and_keeps_order():
    counter = _Counter()
    nlp = Pipeline([registry.get("segment")(), counter], batch_size=4)
    texts = [f"Article number {i}. It ends." for i in range(10)]
    out = list(nlp.pipe(Article(text=t) for t in texts))
    assert [a.text for a in out] == texts
    assert counter.batches == [4, 4, 2]


def test_third_party_analyser_found_through_entry_points(tmp_path: Path, monkeypatch):
    # A real installed distribution on sys.path: a module and a dist-info with entry_points.txt.
    (tmp_path / "slant_shout.py").write_text(textwrap.dedent('''
        from slant.analysers.base import Analyser
        from slant.article import DocLabel

        class Shout(Analyser):
            """Labels articles that shout."""
            name = "shout"
            needs = ("text",)
            adds = ("labels",)

            def pipe(self, articles, batch_size=32):
                for art in articles:
                    caps = sum(w.isupper() and len(w) > 2 for w in art.text.split())
                    art.labels.append(DocLabel(task="shout", label="yes" if caps > 2 else "no", score=1.0))
                    yield art
    '''))
    dist = tmp_path / "slant_shout-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: slant-shout\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[slant.analysers]\nshout = slant_shout:Shout\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._targets.cache_clear()
    try:
        assert "shout" in registry.available()
        cfg = tmp_path / "slant.toml"
        cfg.write_text('[pipeline]\nanalysers = ["segment", "shout"]\n')
        art = slant.load(cfg)("THE TRAITORS LIED AGAIN. Everyone knows it.")
        assert [(l.task, l.label) for l in art.labels] == [("shout", "yes")]
    finally:
        sys.modules.pop("slant_shout", None)
        registry._targets.cache_clear()


def test_packaged_default_pipeline_runs_every_model(monkeypatch, sample_path):
    """What `slant analyze FILE` runs without a config: every shipped analyser, in an order that
    satisfies their needs, filling every layer on the sample article."""
    monkeypatch.delenv("SLANT_CONFIG", raising=False)
    monkeypatch.chdir(sample_path.parent)
    nlp = slant.load()
    assert nlp.names[:2] == ["segment", "techniques"]
    assert {"subjectivity", "genre", "frames", "narratives", "entities", "actors", "roles", "quotes",
            "relations"} <= set(nlp.names)
    art = nlp(sample_path)
    assert art.techniques and art.paragraph_techniques and art.subjectivity
    assert art.actors and art.quotes
    assert {lab.task for lab in art.labels} >= {"genre", "frames", "subjectivity"}
    made = {p.layer for p in art.provenance}
    assert {"techniques", "subjectivity", "actors", "quotes", "relations"} <= made
