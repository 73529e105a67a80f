"""Captioning evaluation: exact match, NLTK BLEU and attention correctness by hand."""

import doctest
import importlib

import numpy as np
import pytest

from keras_memory.applications.captioning.evaluation import attention_correctness
from keras_memory.applications.captioning.evaluation import bleu_scores
from keras_memory.applications.captioning.evaluation import caption_metrics
from keras_memory.applications.captioning.evaluation import exact_match
from keras_memory.applications.captioning.evaluation import exact_match_by_objects
from keras_memory.applications.captioning.evaluation import feature_cell_overlap
from keras_memory.applications.captioning.evaluation import format_metrics
from keras_memory.applications.captioning.evaluation import metrics_table
from keras_memory.datasets.captioned_shapes import captioned_shapes
from keras_memory.datasets.captioned_shapes import decode_caption

evaluation = importlib.import_module("keras_memory.applications.captioning.evaluation")

TWO = "a small red square above a large blue circle"  # nine words


def test_exact_match_and_by_objects():
    references = ["a small red square", TWO, TWO, "a small green square left of " + TWO]
    predictions = ["a small red square", TWO, "a small red square", "a  small red square"]
    assert exact_match(predictions, references) == 50.0
    assert exact_match_by_objects(predictions, references) == {1: 100.0, 2: 50.0, 3: 0.0}
    assert exact_match(["a small red square "], ["a small red square"]) == 100.0


def test_bleu_of_one_pair_by_hand():
    # Unigrams 3/4 match, bigrams 1/3 ("red square"), trigrams 0/2.
    scores = bleu_scores(["a small red square"], ["a large red square"])
    assert scores[1] == pytest.approx(75.0)
    assert scores[2] == pytest.approx(100 * np.sqrt(0.75 / 3))
    # No trigram matches: NLTK's 0, written as the smallest float (1e-101 here).
    assert scores[3] < 1e-90 and scores[4] < 1e-90


def test_corpus_bleu_sums_counts_over_the_corpus():
    scores = bleu_scores(["a small red square", TWO], ["a large red square", TWO])
    # Clipped matches / predicted n-grams, summed over both captions.
    precisions = [(3 + 9) / (4 + 9), (1 + 8) / (3 + 8), (0 + 7) / (2 + 7), (0 + 6) / (1 + 6)]
    for n in (1, 2, 3, 4):
        expected = 100 * np.exp(np.mean(np.log(precisions[:n])))
        assert scores[n] == pytest.approx(expected)


def test_brevity_penalty_and_several_references():
    # c = 3 predicted words against r = 4: BP = exp(1 - 4 / 3).
    scores = bleu_scores(["a red square"], ["a small red square"], orders=(1, 2))
    assert scores[1] == pytest.approx(100 * np.exp(1 - 4 / 3))
    assert scores[2] == pytest.approx(100 * np.exp(1 - 4 / 3) * np.sqrt(1.0 * 1 / 2))
    # Each word is matched by one reference or the other.
    both = bleu_scores(["a small red square"], [["a large red square", "a small blue square"]])
    assert both[1] == pytest.approx(100.0)
    assert both[2] == pytest.approx(100 * np.sqrt(1.0 * 2 / 3))


def test_feature_cell_overlap():
    np.testing.assert_array_equal(feature_cell_overlap(7, 7, 7), np.eye(49, dtype=bool))
    finer = feature_cell_overlap(14, 14, 7)
    assert finer.shape == (196, 49)
    np.testing.assert_array_equal(finer.sum(1), 1)
    # Location (3, 5) of 14 x 14 is inside cell (1, 2).
    assert np.flatnonzero(finer[3 * 14 + 5]).tolist() == [1 * 7 + 2]
    coarser = feature_cell_overlap(2, 2, 3)
    # Location (0, 0) covers [0, 1/2)^2: cells (0, 0), (0, 1), (1, 0), (1, 1).
    assert np.flatnonzero(coarser[0]).tolist() == [0, 1, 3, 4]
    assert np.flatnonzero(coarser[3]).tolist() == [4, 5, 7, 8]


def test_attention_correctness_by_hand():
    alphas = np.zeros((2, 3, 4), "float32")
    alphas[0, 0, 2] = alphas[0, 1, 1] = alphas[0, 2, 3] = 1.0
    alphas[1, 0, 0] = alphas[1, 1, 0] = alphas[1, 2, 3] = 1.0
    cells = np.array([[2, 2, -1], [0, -1, 1]])
    # Named steps: (0, 0) hit, (0, 1) miss, (1, 0) hit, (1, 2) miss.
    assert attention_correctness(alphas, cells) == 50.0
    # Locations 0, 1 on cell 0 and 2, 3 on cell 1: the argmaxes 2, 1 | 0, 3
    # of the named steps fall on cells 1, 0 | 0, 1.
    mapping = np.array([0, 0, 1, 1])
    assert attention_correctness(alphas, np.array([[1, 0, -1], [0, -1, 1]]), mapping) == 100.0
    assert attention_correctness(alphas, np.array([[0, 0, -1], [0, -1, 0]]), mapping) == 50.0
    # A location on no cell is never right.
    assert (
        attention_correctness(alphas, np.array([[0, 0, 0], [0, 0, 0]]), np.array([0, -1, -1, -1]))
        == 100 * 2 / 6
    )
    overlap = feature_cell_overlap(2, 2, 1)
    assert attention_correctness(alphas, np.zeros((2, 3), int), overlap) == 100.0
    assert np.isnan(attention_correctness(alphas, np.full((2, 3), -1)))


def test_metrics_and_table_on_generated_captions():
    examples = captioned_shapes(6, seed=4)
    references = [decode_caption(ids) for ids in examples.captions]
    targets = examples.cells[:, 1:]
    # A perfect attention: all weight on each content word's cell.
    alphas = np.full(targets.shape + (49,), 1e-3, "float32")
    n, t = np.nonzero(targets >= 0)
    alphas[n, t, targets[n, t]] = 1.0
    perfect = caption_metrics(references, references, alphas, targets)
    assert perfect["exact_match"] == 100.0 and perfect["examples"] == 6
    assert perfect["bleu"] == {1: 100.0, 2: 100.0, 3: 100.0, 4: 100.0}
    assert perfect["attention_correctness"] == 100.0
    blind = caption_metrics(["a small red square"] * 6, references)
    assert np.isnan(blind["attention_correctness"])
    header, rows, align = metrics_table({"soft": perfect, "none": blind})
    counts = sorted(perfect["exact_match_by_objects"])
    assert header[:3] == ["Model", "Examples", "Exact (%)"]
    assert header[-1] == "Attention correct (%)" and len(header) == 3 + len(counts) + 4 + 1
    assert rows[0][:3] == ["soft", 6, "100.00"] and rows[1][-1] == "n/a"
    assert align == ["left"] + ["right"] * (len(header) - 1)
    table = format_metrics({"soft": perfect})
    assert table.splitlines()[0].startswith("| Model") and "100.00" in table


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: exact_match(["a"], ["a", "b"]), "predictions"),
        (lambda: exact_match([], []), "references"),
        (lambda: exact_match("a small red square", ["a"]), "predictions"),
        (lambda: exact_match([1], ["a"]), "predictions"),
        (lambda: exact_match_by_objects(["a"], ["not a caption"]), "caption"),
        (lambda: bleu_scores(["a"], ["a", "b"]), "predictions"),
        (lambda: bleu_scores([], []), "references"),
        (lambda: bleu_scores(["a"], [[]]), "references"),
        (lambda: bleu_scores(["a"], "a"), "references"),
        (lambda: bleu_scores(["a"], ["a"], orders=(2, 1)), "orders"),
        (lambda: bleu_scores(["a"], ["a"], orders=(0,)), "orders"),
        (lambda: feature_cell_overlap(0, 7, 7), "feature_height"),
        (lambda: feature_cell_overlap(7, 0, 7), "feature_width"),
        (lambda: feature_cell_overlap(7, 7, 0), "grid_size"),
        (lambda: attention_correctness(np.zeros((2, 3)), np.zeros((2,), int)), "alphas"),
        (lambda: attention_correctness(np.zeros((1, 2, 3), int), np.zeros((1, 2), int)), "alphas"),
        (lambda: attention_correctness(np.zeros((1, 2, 3)), np.zeros((1, 3), int)), "cells"),
        (lambda: attention_correctness(np.zeros((1, 2, 3)), np.zeros((1, 2))), "cells"),
        (lambda: attention_correctness(np.zeros((1, 2, 3)), np.full((1, 2), 3)), "cells"),
        (
            lambda: attention_correctness(
                np.zeros((1, 2, 3)), np.zeros((1, 2), int), np.array([0, 1])
            ),
            "feature_to_object_cell",
        ),
        (
            lambda: attention_correctness(
                np.zeros((1, 2, 3)), np.zeros((1, 2), int), np.array([0, 1, -2])
            ),
            "feature_to_object_cell",
        ),
        (
            lambda: attention_correctness(
                np.zeros((1, 2, 3)), np.zeros((1, 2), int), np.zeros((3, 2))
            ),
            "feature_to_object_cell",
        ),
        (lambda: caption_metrics(["a"], ["a"], alphas=np.zeros((1, 1, 1))), "cells"),
        (lambda: metrics_table({}), "results"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=f"argument `{name}`"):
        call()


def test_docstring_examples():
    assert doctest.testmod(evaluation).failed == 0
