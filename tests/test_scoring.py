"""The official scorers on hand-computed cases."""

import pytest

from slant.tasks import scoring


def test_merge_spans_fuses_overlaps_only():
    assert scoring.merge_spans([(3, 8), (0, 5), (10, 12), (12, 14)]) == [(0, 8), (10, 12), (12, 14)]
    assert scoring.merge_spans([(5, 5), (1, 2)]) == [(1, 2)]


def test_si_exact_match_is_perfect():
    s = scoring.span_identification({"a": [(0, 10)]}, {"a": [(0, 10)]})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_si_partial_overlap_credit():
    # predicted 0-10 against gold 5-25: overlap 5; P = 5/10, R = 5/20
    s = scoring.span_identification({"a": [(5, 25)]}, {"a": [(0, 10)]})
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.25)
    assert s.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_si_ignores_labels_and_merges_overlapping_gold():
    # two techniques on overlapping text count as one stretch for SI
    gold = {"a": [(0, 10), (5, 20)]}
    s = scoring.span_identification(gold, {"a": [(0, 20)]})
    assert s.f1 == 1.0 and s.n_gold == 1


def test_si_micro_averages_over_articles():
    gold = {"a": [(0, 10)], "b": [(0, 10)]}
    pred = {"a": [(0, 10)], "c": [(0, 4)]}  # c has no gold: a false positive
    s = scoring.span_identification(gold, pred)
    assert s.precision == pytest.approx(1 / 2)
    assert s.recall == pytest.approx(1 / 2)


def test_si_empty_prediction_scores_zero():
    assert scoring.span_identification({"a": [(0, 3)]}, {}).f1 == 0.0


def test_span_labelling_needs_the_same_label():
    gold = {"a": [(0, 10, "Doubt"), (20, 30, "Slogans")]}
    pred = {"a": [(0, 10, "Doubt"), (20, 30, "Repetition")]}
    micro, per = scoring.span_labelling(gold, pred)
    assert micro.precision == pytest.approx(0.5)
    assert micro.recall == pytest.approx(0.5)
    assert per["Doubt"].f1 == 1.0
    assert per["Slogans"].f1 == 0.0 and per["Slogans"].n_gold == 1
    assert per["Repetition"].n_pred == 1


def test_span_labelling_partial_credit():
    gold = {"a": [(0, 20, "Loaded_Language")]}
    pred = {"a": [(10, 20, "Loaded_Language")]}
    micro, _ = scoring.span_labelling(gold, pred)
    assert micro.precision == pytest.approx(1.0)
    assert micro.recall == pytest.approx(0.5)


def test_technique_classification_is_accuracy():
    assert scoring.technique_classification(["A", "B", "C", "A"], ["A", "B", "A", "B"]) == 0.5
    with pytest.raises(ValueError):
        scoring.technique_classification(["A"], [])


def test_paragraph_micro_and_macro():
    labels = ["A", "B", "C"]
    gold = {("x", 1): ["A"], ("x", 3): ["A", "B"], ("x", 5): []}
    pred = {("x", 1): ["A"], ("x", 3): ["A"], ("x", 5): ["B"]}
    micro, macro, per = scoring.paragraph_labels(gold, pred, labels)
    # pairs: tp A,A; fn B@3; fp B@5 -> P = 2/3, R = 2/3
    assert micro.precision == pytest.approx(2 / 3)
    assert micro.recall == pytest.approx(2 / 3)
    assert per["A"].f1 == 1.0 and per["B"].f1 == 0.0
    # C is in neither gold nor predictions: it scores 0 in the macro average (official rule)
    assert macro == pytest.approx(1 / 3)


def test_paragraph_missing_prediction_is_empty_set():
    micro, _, _ = scoring.paragraph_labels({("x", 1): ["A"]}, {}, ["A"])
    assert micro.f1 == 0.0 and micro.n_gold == 1
