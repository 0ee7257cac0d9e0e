"""The common checks every registered analyser passes (as scikit-learn's estimator checks):
offsets inside the text, declared layers filled and recorded, lossless JSON, the empty article,
and batching that changes nothing."""

from __future__ import annotations

import pytest

from slant import registry
from slant.article import BASE_LAYERS, Article
from slant.pipeline import Pipeline
from slant.readers.plain import parse_plain


def _chain(name: str) -> Pipeline:
    """``name`` preceded by registered analysers that provide what it needs."""
    target = registry.get(name)()
    chain = [target]
    have = set(BASE_LAYERS)
    missing = [l for l in target.needs if l not in have]
    while missing:
        provider = next(
            (registry.get(n)() for n in registry.available() if missing[0] in registry.get(n).adds), None
        )
        assert provider is not None, f"no analyser adds {missing[0]}"
        chain.insert(0, provider)
        have = set(BASE_LAYERS)
        for a in chain:
            have.update(a.adds)
        missing = [l for a in chain for l in a.needs if l not in have]
    return Pipeline(chain)


def _articles(sample_path):
    return [
        parse_plain(sample_path.read_text("utf-8"), source=str(sample_path)),
        parse_plain("Short piece\n\nThe mayor resigned. Nobody was surprised by the scandal."),
        parse_plain("A single line without any title and with a quote: \"we will win,\" said Ona Vask."),
    ]


def _spans(art: Article):
    for layer in ("paragraphs", "sentences", "techniques", "entities", "quotes", "claims", "subjectivity"):
        for s in getattr(art, layer):
            yield layer, s
    for a in art.actors:
        for s in a.evidence:
            yield "actors.evidence", s
    for q in art.quotes:
        for s in (q.speaker_span, q.cue):
            if s is not None:
                yield "quotes.speaker/cue", s
    for r in art.relations:
        yield "relations", r.predicate_span
    for l in art.labels:
        for s in l.evidence:
            yield "labels.evidence", s


@pytest.fixture(scope="module", params=registry.available())
def analysed(request):
    from conftest import EXAMPLES

    nlp = _chain(request.param)
    arts = list(nlp.pipe(_articles(EXAMPLES / "harbour-deal-2023.txt")))
    return request.param, nlp, arts


def test_offsets_lie_inside_the_text(analysed):
    _, _, arts = analysed
    for art in arts:
        for layer, s in _spans(art):
            assert 0 <= s.start <= s.end <= len(art.text), (layer, s)


def test_declared_layers_are_recorded(analysed):
    name, nlp, arts = analysed
    cls = registry.get(name)
    for layer in cls.adds:
        assert any(p.layer == layer and p.analyser == name for p in arts[0].provenance), layer
        assert arts[0].has(layer)


def test_json_round_trip_after_analysis(analysed):
    _, _, arts = analysed
    for art in arts:
        assert Article.from_json(art.to_json()) == art


def test_batch_equals_one_by_one(analysed):
    from conftest import EXAMPLES

    _, nlp, arts = analysed
    singles = [next(nlp.pipe([a], batch_size=1)) for a in _articles(EXAMPLES / "harbour-deal-2023.txt")]
    # Scores may differ in the last float bits with padding in a batch; everything else must not.
    assert [_rounded(a.to_dict()) for a in singles] == [_rounded(a.to_dict()) for a in arts]


def _rounded(x):
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def test_empty_article(analysed):
    _, nlp, _ = analysed
    (art,) = nlp.pipe([Article(text="")])
    assert art.text == ""
    assert list(_spans(art)) == []
