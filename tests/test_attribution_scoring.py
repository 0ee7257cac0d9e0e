"""GenderGapTracker's attribution scoring on tiny hand-made spans, and the PolNeAR brat reader."""

import pytest

from slant.tasks import scoring
from slant.tasks.corpora import quoted_share, read_brat_attributions
from slant.tasks.scoring import AttributionSpan as A


def test_overlap_is_a_share_of_the_longer_span():
    assert scoring.content_overlap((0, 10), (0, 10)) == 1.0
    assert scoring.content_overlap((0, 10), (5, 25)) == pytest.approx(5 / 20)
    assert scoring.content_overlap((0, 10), (10, 20)) == 0.0


def test_lenient_and_strict_thresholds():
    # gold 0-100; a prediction 0-40 shares 0.4 of the longer span: lenient yes, strict no
    s = scoring.attribution_scores({"d": [A(0, 100)]}, {"d": [A(0, 40)]})
    assert (s["lenient"].precision, s["lenient"].recall) == (1.0, 1.0)
    assert s["strict"].f1 == 0.0
    # 0-85 shares 0.85: both
    s = scoring.attribution_scores({"d": [A(0, 100)]}, {"d": [A(0, 85)]})
    assert s["strict"].f1 == 1.0
    # 0-25: below 0.3, no match at all
    assert scoring.attribution_scores({"d": [A(0, 100)]}, {"d": [A(0, 25)]})["lenient"].f1 == 0.0


def test_matching_is_one_to_one_best_first():
    # two predictions inside one gold span: only one may match it; the better one is taken
    pairs = scoring.match_attributions([(0, 100)], [(0, 50), (0, 90)], 0.3)
    assert pairs == [(0, 1)]
    # one long prediction over two gold spans: it matches only one of them
    s = scoring.attribution_scores({"d": [A(0, 40), A(40, 80)]}, {"d": [A(0, 80)]})
    assert s["lenient"].recall == 0.5 and s["lenient"].precision == 1.0


def test_micro_average_over_documents_and_false_positives():
    gold = {"a": [A(0, 10)], "b": [A(0, 10)]}
    pred = {"a": [A(0, 10)], "c": [A(0, 10)]}  # same offsets, other document: no match
    s = scoring.attribution_scores(gold, pred)
    assert s["lenient"].precision == 0.5 and s["lenient"].recall == 0.5
    assert (s["lenient"].n_gold, s["lenient"].n_pred) == (2, 2)


def test_direct_recall_and_speaker_accuracy():
    gold = {"d": [A(0, 50, ((60, 70),), "direct"), A(100, 150, ((160, 170),), "indirect"), A(200, 250, (), "indirect")]}
    pred = {"d": [
        A(0, 50, ((62, 66),)),  # right speaker (overlaps the gold source)
        A(100, 150, ((0, 5), (300, 310))),  # wrong speaker: neither span touches 160-170
        A(200, 250, ((1, 2),)),  # gold has no source: not judged
    ]}
    s = scoring.attribution_scores(gold, pred)
    assert s["direct_recall"] == (1.0, 1.0)
    assert s["speaker_pairs"] == (2, 2) and s["speaker"] == (0.5, 0.5)


def test_speaker_from_any_mention_of_the_actor():
    gold = {"d": [A(0, 50, ((80, 90),))]}
    pred = {"d": [A(0, 50, ((60, 62), (80, 85)))]}  # "he" at 60, the actor's name at 80
    assert scoring.attribution_scores(gold, pred)["speaker"][0] == 1.0


TEXT = 'Trump said "we will win big" on Monday.\nThe Kremlin believes that sanctions will fail.'
ANN = "\n".join([
    "T1\tSource 0 5\tTrump",
    "T2\tCue 6 10\tsaid",
    "T3\tContent 11 28\t\"we will win big\"",
    "T4\tAttribution 6 10\tsaid",
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
    "T5\tSource 40 51\tThe Kremlin",
    "T6\tCue 52 60\tbelieves",
    "T7\tContent 61 70;71 86\tthat sanctions will fail",
    "T8\tAttribution 52 60\tbelieves",
    "E2\tAttribution:T8 Cue:T6 Source:T5 Content:T7",
    "T9\tDiscuss 0 5\tTrump",
    "T10\tAttribution-no-source 30 32\ton",
    "E3\tAttribution-no-source:T10",
])


def test_brat_reader_links_parts_and_reads_kind():
    gold = read_brat_attributions(ANN, TEXT)
    assert len(gold) == 2  # the Discuss note and the relation without content are left out
    direct, belief = gold
    assert direct.kind == "direct" and TEXT[slice(*direct.source[0])] == "Trump"
    assert TEXT[slice(*direct.cue[0])] == "said"
    assert belief.kind == "indirect" and belief.content == ((61, 70), (71, 86))
    assert belief.extent == (61, 86) and TEXT[slice(*belief.source[0])] == "The Kremlin"


def test_quoted_share_counts_characters_inside_marks():
    text = 'He called it \u201ca disaster\u201d and said that it would fail.'
    assert quoted_share(text, 13, 25) == 1.0
    assert quoted_share(text, 0, len(text)) < 0.3
