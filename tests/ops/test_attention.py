"""masked_softmax: a softmax whose padded positions are exactly zero."""

import doctest

import numpy as np
import pytest
import tensorflow as tf
from testing_utils import to_numpy

import keras_memory.ops.attention
from keras_memory.ops import masked_softmax
from keras_memory.ops import masked_softmax_with_empty_slots
from keras_memory.ops.attention import MASKED_SCORE


def np_masked_softmax(scores, mask):
    """The reference: softmax over the kept entries of each row, 0 elsewhere."""
    scores = np.asarray(scores, "float64")
    mask = np.broadcast_to(mask, scores.shape)
    out = np.zeros(scores.shape)
    for index in np.ndindex(scores.shape[:-1]):
        kept = mask[index]
        if kept.any():
            e = np.exp(scores[index][kept] - scores[index][kept].max())
            out[index][kept] = e / e.sum()
    return out


def test_zero_rows_and_masked_entries():
    scores = np.array([[1.0, 2.0, 3.0], [5.0, 1.0, 0.0]], "float32")
    mask = np.array([[True, False, True], [False, False, False]])
    weights = to_numpy(masked_softmax(scores, mask))
    np.testing.assert_allclose(
        weights[0], [1 / (1 + np.e**2), 0, np.e**2 / (1 + np.e**2)], atol=1e-6
    )
    np.testing.assert_array_equal(weights[1], 0.0)


def test_matches_numpy_reference_on_random_scores():
    rng = np.random.default_rng(0)
    scores = rng.normal(scale=3.0, size=(4, 3, 7)).astype("float32")
    mask = rng.random((4, 3, 7)) < 0.6
    mask[0, 0] = False  # one row of padding only
    weights = to_numpy(masked_softmax(scores, mask))
    np.testing.assert_allclose(weights, np_masked_softmax(scores, mask), atol=1e-6)
    np.testing.assert_array_equal(weights[~mask], 0.0)  # exactly zero
    sums = weights.sum(-1)
    np.testing.assert_allclose(sums[mask.any(-1)], 1.0, atol=1e-6)
    np.testing.assert_array_equal(sums[~mask.any(-1)], 0.0)


def test_broadcast_mask():
    # Scores (batch, T, S) with a key mask (batch, 1, S).
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(2, 3, 5)).astype("float32")
    mask = np.array([[[True, True, False, True, False]], [[False] * 5]])
    weights = to_numpy(masked_softmax(scores, mask))
    assert weights.shape == (2, 3, 5)
    np.testing.assert_allclose(weights, np_masked_softmax(scores, mask), atol=1e-6)
    np.testing.assert_array_equal(weights[1], 0.0)


def test_no_mask_is_a_float32_softmax():
    scores = np.array([[0.0, np.log(3.0)]], "float32")
    np.testing.assert_allclose(to_numpy(masked_softmax(scores)), [[0.25, 0.75]], atol=1e-6)


def test_other_axis():
    rng = np.random.default_rng(2)
    scores = rng.normal(size=(5, 2)).astype("float32")
    mask = np.array([[True], [False], [True], [True], [False]])
    weights = to_numpy(masked_softmax(scores, mask, axis=0))
    expected = np_masked_softmax(scores.T, mask.T).T
    np.testing.assert_allclose(weights, expected, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_scores_keep_their_dtype(dtype):
    # exp(20) overflows float16; the softmax in float32 does not.
    scores = np.array([[20.0, 0.0, 19.0]], "float32")
    mask = np.array([[True, False, True]])
    weights = masked_softmax(tf.constant(scores, dtype), mask)
    assert weights.dtype == tf.as_dtype(dtype)
    expected = np_masked_softmax(scores, mask)
    np.testing.assert_allclose(to_numpy(tf.cast(weights, "float32")), expected, atol=1e-2)


def test_no_nan_gradient_for_an_all_padding_row():
    scores = tf.Variable([[1.0, -2.0, 0.5], [3.0, 1.0, 2.0]])
    mask = tf.constant([[True, True, False], [False, False, False]])
    target = tf.constant([[0.2, 0.8, 0.0], [0.0, 0.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((masked_softmax(scores, mask) - target) ** 2)
    gradient = to_numpy(tape.gradient(loss, scores))
    assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradient[1], 0.0)  # nothing reaches padding
    np.testing.assert_array_equal(gradient[0, 2], 0.0)
    assert np.abs(gradient[0, :2]).min() > 0.0


def test_masked_score_is_below_any_kept_score():
    # A kept score far below zero still wins over masked positions.
    scores = np.array([[-1e6, 0.0]], "float32")
    mask = np.array([[True, False]])
    np.testing.assert_array_equal(to_numpy(masked_softmax(scores, mask)), [[1.0, 0.0]])
    assert MASKED_SCORE < -1e6


def test_docstring_example_runs():
    result = doctest.testmod(keras_memory.ops.attention)
    assert result.attempted > 0
    assert result.failed == 0


# --- masked_softmax_with_empty_slots ------------------------------------------------


def test_empty_slots_are_zero_scores_in_the_softmax():
    # The authors' memory: a row of 6 slots, the kept scores first, then
    # zero-score slots; the weights of the given positions equal that
    # softmax's, and the empty slots' share is 1 minus their sum.
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(4, 5)).astype("float32") * 3
    mask = rng.random((4, 5)) < 0.6
    mask[0] = False  # no kept position at all
    got = to_numpy(masked_softmax_with_empty_slots(scores, mask, 6))
    for row in range(4):
        kept = mask[row]
        padded = np.concatenate([scores[row][kept], np.zeros(6 - kept.sum())])
        expected = np.exp(padded - padded.max()) / np.exp(padded - padded.max()).sum()
        np.testing.assert_allclose(got[row][kept], expected[: kept.sum()], atol=1e-6)
        np.testing.assert_array_equal(got[row][~kept], 0.0)
    np.testing.assert_array_equal(got[0], 0.0)
    # With every slot given and kept it is the plain masked softmax.
    full = np.ones((4, 5), bool)
    np.testing.assert_allclose(
        to_numpy(masked_softmax_with_empty_slots(scores, full, 5)),
        to_numpy(masked_softmax(scores, full)), atol=1e-6,
    )


def test_empty_slots_large_scores_float16_and_gradients():
    # Scores far above 0 neither overflow nor lose the empty slots' share.
    scores = tf.Variable([[80.0, 79.0, 0.0], [-50.0, 2.0, 1.0]])
    mask = tf.constant([[True, True, False], [True, False, False]])
    with tf.GradientTape() as tape:
        weights = masked_softmax_with_empty_slots(scores, mask, 4)
        loss = tf.reduce_sum(weights * tf.constant([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]))
    values = to_numpy(weights)
    np.testing.assert_allclose(values[0, :2], [1 / (1 + np.e**-1), 1 / (1 + np.e)], atol=1e-5)
    assert 0.0 < values[1, 0] < 1e-20 or values[1, 0] == 0.0  # e^-50 / 3
    gradient = to_numpy(tape.gradient(loss, scores))
    assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradient[:, 2], 0.0)
    half = masked_softmax_with_empty_slots(np.log(np.array([[2.0, 1.0]], "float16")),
                                           np.array([[True, True]]), 3)
    assert half.dtype == "float16"
    np.testing.assert_allclose(to_numpy(half).astype("float32"), [[0.5, 0.25]], atol=1e-3)
