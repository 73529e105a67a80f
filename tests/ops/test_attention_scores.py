"""Tests of the attention score functions against NumPy loops."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from testing_utils import to_numpy

from keras_memory.ops import HardRead
from keras_memory.ops import additive_score
from keras_memory.ops import concat_score
from keras_memory.ops import dot_score
from keras_memory.ops import general_score
from keras_memory.ops import hard_attention
from keras_memory.ops import masked_softmax
from keras_memory.ops import soft_read

B, TQ, S, UNITS, DQ, DK = 2, 3, 5, 4, 6, 7
RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


# --- NumPy references, one loop per score ----------------------------------


def _np_additive(query, keys, v, g=None, b=None):
    """e_j = v^T tanh(q + k_j (+ b)), v -> g v / ||v|| when normalised."""
    if g is not None:
        v = g * v / np.sqrt(np.sum(v**2))
    b = 0.0 if b is None else b
    squeeze = query.ndim == 2
    query = query[:, None] if squeeze else query
    out = np.zeros(query.shape[:2] + (keys.shape[1],), "float64")
    for n in range(query.shape[0]):
        for t in range(query.shape[1]):
            for j in range(keys.shape[1]):
                out[n, t, j] = np.dot(v, np.tanh(query[n, t] + keys[n, j] + b))
    return out[:, 0] if squeeze else out


def _np_dot(query, keys, scale=1.0):
    squeeze = query.ndim == 2
    query = query[:, None] if squeeze else query
    out = np.zeros(query.shape[:2] + (keys.shape[1],), "float64")
    for n in range(query.shape[0]):
        for t in range(query.shape[1]):
            for j in range(keys.shape[1]):
                out[n, t, j] = scale * np.dot(query[n, t], keys[n, j])
    return out[:, 0] if squeeze else out


def _np_general(query, keys, kernel, scale=1.0):
    # s^T W_a h_j with W_a = kernel^T (Dq, Dk).
    w_a = kernel.T
    squeeze = query.ndim == 2
    query = query[:, None] if squeeze else query
    out = np.zeros(query.shape[:2] + (keys.shape[1],), "float64")
    for n in range(query.shape[0]):
        for t in range(query.shape[1]):
            for j in range(keys.shape[1]):
                out[n, t, j] = scale * query[n, t] @ w_a @ keys[n, j]
    return out[:, 0] if squeeze else out


# --- Additive ----------------------------------------------------------------


@pytest.mark.parametrize("query_shape", [(B, UNITS), (B, TQ, UNITS)])
def test_additive_score_matches_numpy(query_shape):
    query, keys, v = _normal(*query_shape), _normal(B, S, UNITS), _normal(UNITS)
    scores = to_numpy(additive_score(query, keys, v))
    assert scores.shape == query_shape[:-1] + (S,)
    np.testing.assert_allclose(scores, _np_additive(query, keys, v), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("query_shape", [(B, UNITS), (B, TQ, UNITS)])
def test_normalised_additive_score_matches_tfa_form(query_shape):
    query, keys = _normal(*query_shape), _normal(B, S, UNITS)
    v, b = _normal(UNITS), _normal(UNITS)
    g = np.float32(0.7)
    scores = to_numpy(additive_score(query, keys, v, g=g, b=b))
    np.testing.assert_allclose(
        scores, _np_additive(query, keys, v, g=g, b=b), rtol=1e-5, atol=1e-6
    )
    # Only the direction of v matters once normalised.
    np.testing.assert_allclose(
        to_numpy(additive_score(query, keys, 10.0 * v, g=g, b=b)), scores, rtol=1e-5, atol=1e-6
    )
    # Without b, g = ||v|| gives back the plain score.
    norm = np.float32(np.sqrt(np.sum(v**2)))
    np.testing.assert_allclose(
        to_numpy(additive_score(query, keys, v, g=norm)),
        to_numpy(additive_score(query, keys, v)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_additive_score_by_hand():
    query = np.array([[0.5, -1.0]], "float32")
    keys = np.array([[[0.5, 1.0], [0.0, 0.0]]], "float32")
    v = np.array([1.0, 2.0], "float32")
    expected = [[np.tanh(1.0) + 2 * np.tanh(0.0), np.tanh(0.5) + 2 * np.tanh(-1.0)]]
    np.testing.assert_allclose(to_numpy(additive_score(query, keys, v)), expected, rtol=1e-6)


# --- Multiplicative ------------------------------------------------------------


@pytest.mark.parametrize("query_shape", [(B, DK), (B, TQ, DK)])
@pytest.mark.parametrize("scale", [None, 2.5])
def test_dot_score_matches_numpy(query_shape, scale):
    query, keys = _normal(*query_shape), _normal(B, S, DK)
    scores = to_numpy(dot_score(query, keys, scale))
    assert scores.shape == query_shape[:-1] + (S,)
    expected = _np_dot(query, keys, 1.0 if scale is None else scale)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("query_shape", [(B, DQ), (B, TQ, DQ)])
@pytest.mark.parametrize("scale", [None, 0.5])
def test_general_score_matches_numpy(query_shape, scale):
    query, keys, kernel = _normal(*query_shape), _normal(B, S, DK), _normal(DK, DQ)
    scores = to_numpy(general_score(query, keys, kernel, scale))
    assert scores.shape == query_shape[:-1] + (S,)
    expected = _np_general(query, keys, kernel, 1.0 if scale is None else scale)
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("query_shape", [(B, DQ), (B, TQ, DQ)])
def test_concat_score_is_v_tanh_of_w_times_the_concatenation(query_shape):
    # The paper's form, v_a^T tanh(W_a [s; h_j]), looped over j, against the
    # split form the function takes (W_s s, W_h h_j).
    query, keys = _normal(*query_shape), _normal(B, S, DK)
    w_a, v = _normal(UNITS, DQ + DK), _normal(UNITS)
    projected_query = query @ w_a[:, :DQ].T
    projected_keys = keys @ w_a[:, DQ:].T
    scores = to_numpy(concat_score(projected_query, projected_keys, v, scale=3.0))
    q3 = query[:, None] if query.ndim == 2 else query
    expected = np.zeros(q3.shape[:2] + (S,))
    for n in range(B):
        for t in range(q3.shape[1]):
            for j in range(S):
                expected[n, t, j] = 3.0 * v @ np.tanh(w_a @ np.concatenate([q3[n, t], keys[n, j]]))
    expected = expected[:, 0] if query.ndim == 2 else expected
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)


def test_dot_score_by_hand():
    query = np.array([[1.0, 2.0]], "float32")
    keys = np.array([[[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]]], "float32")
    np.testing.assert_array_equal(to_numpy(dot_score(query, keys)), [[1.0, 3.0, -2.0]])
    np.testing.assert_array_equal(to_numpy(dot_score(query, keys, 2.0)), [[2.0, 6.0, -4.0]])


# --- Content-based addressing: score, masked softmax, soft read -----------------


def test_scores_masked_softmax_and_soft_read_are_content_addressing():
    query, keys, memory = _normal(B, DK), _normal(B, S, DK), _normal(B, S, DK)
    mask = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)
    weights = to_numpy(masked_softmax(dot_score(query, keys), mask))
    context = to_numpy(soft_read(memory, weights[:, None, :]))[:, 0]
    alpha = _np_dot(query, keys)[0, :3]
    p = np.exp(alpha - alpha.max()) / np.exp(alpha - alpha.max()).sum()
    np.testing.assert_allclose(weights[0, :3], p, rtol=1e-5)
    np.testing.assert_array_equal(weights[0, 3:], 0.0)
    np.testing.assert_allclose(context[0], p @ memory[0, :3], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(weights[1], 0.0)  # all padding: no weight
    np.testing.assert_array_equal(context[1], 0.0)  # and a zero context


# --- Hard attention --------------------------------------------------------------


def test_hard_attention_argmax_at_inference():
    memory = _normal(B, S, DK)
    weights = np.array(
        [[[0.1, 0.6, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 0.0, 1.0]],
         [[0.2, 0.2, 0.5, 0.1, 0.0], [0.3, 0.0, 0.0, 0.7, 0.0]]], "float32"
    )
    read = hard_attention(memory, weights, training=False)
    assert isinstance(read, HardRead)
    values, indices, log_probs = to_numpy(tuple(read))
    np.testing.assert_array_equal(indices, [[1, 4], [2, 3]])
    for n in range(B):
        for t in range(2):
            np.testing.assert_array_equal(values[n, t], memory[n, indices[n, t]])
            np.testing.assert_allclose(
                log_probs[n, t], np.log(weights[n, t, indices[n, t]]), rtol=1e-6
            )
    # A rank-2 weighting (one query) reads (batch, Dk).
    read_2d = hard_attention(memory, weights[:, 0], training=False)
    np.testing.assert_array_equal(to_numpy(read_2d.indices), [1, 2])
    np.testing.assert_array_equal(to_numpy(read_2d.values), values[:, 0])


def test_hard_attention_samples_in_training_never_padding():
    keras.utils.set_random_seed(0)
    memory = _normal(1, S, DK)
    p = np.array([[0.5, 0.25, 0.25, 0.0, 0.0]], "float32")  # 2 padded positions
    generator = keras.random.SeedGenerator(3)
    draws = np.array(
        [int(to_numpy(hard_attention(memory, p, True, seed=generator).indices)[0])
         for _ in range(400)]
    )
    assert set(draws) <= {0, 1, 2}
    frequencies = np.bincount(draws, minlength=S)[:3] / len(draws)
    np.testing.assert_allclose(frequencies, [0.5, 0.25, 0.25], atol=0.08)


def test_hard_attention_all_padding_reads_zero_with_finite_gradient():
    memory = tf.constant(_normal(B, S, DK))
    scores = tf.Variable(_normal(B, S))
    mask = np.array([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0]], bool)
    with tf.GradientTape() as tape:
        weights = masked_softmax(scores, mask)
        read = hard_attention(memory, weights, training=True, seed=1)
        loss = ops.sum(read.log_probs) + ops.sum(read.values)
    gradient = to_numpy(tape.gradient(loss, scores))
    values, indices, log_probs = to_numpy(tuple(read))
    np.testing.assert_array_equal(values[1], 0.0)
    assert log_probs[1] == 0.0
    assert indices[0] in (0, 1)
    assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradient[1], 0.0)
    assert np.abs(gradient[0, :2]).sum() > 0  # REINFORCE's path to the scores


# --- Compilation, dtypes -----------------------------------------------------------


def test_scores_compile_under_xla_with_a_dynamic_batch():
    query_spec = tf.TensorSpec((None, TQ, UNITS), "float32")
    keys_spec = tf.TensorSpec((None, S, UNITS), "float32")
    v = _normal(UNITS)

    @tf.function(jit_compile=True, input_signature=[query_spec, keys_spec])
    def scores(query, keys):
        return additive_score(query, keys, v, g=1.0, b=v) + dot_score(query, keys, 2.0)

    query, keys = _normal(3, TQ, UNITS), _normal(3, S, UNITS)
    expected = _np_additive(query, keys, v, g=1.0, b=v) + _np_dot(query, keys, 2.0)
    np.testing.assert_allclose(to_numpy(scores(query, keys)), expected, rtol=1e-4, atol=1e-4)


def test_float16_scores_keep_their_dtype():
    query, keys, v = _normal(B, UNITS), _normal(B, S, UNITS), _normal(UNITS)
    scores = additive_score(query.astype("float16"), keys.astype("float16"), v, g=0.5, b=v)
    assert keras.backend.standardize_dtype(scores.dtype) == "float16"
    np.testing.assert_allclose(
        to_numpy(scores).astype("float32"), _np_additive(query, keys, v, g=0.5, b=v), atol=1e-2
    )


# --- Bad shapes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "function,args,argument",
    [
        (dot_score, ((B, DK), (B, S, DK + 1)), "keys"),
        (dot_score, ((B, 1, 1, DK), (B, S, DK)), "query"),
        (dot_score, ((B, DK), (B, DK)), "keys"),
        (dot_score, ((B, DK), (B + 1, S, DK)), "keys"),
        (additive_score, ((B, UNITS), (B, S, UNITS + 1), (UNITS,)), "keys"),
        (general_score, ((DQ,), (B, S, DK), (DK, DQ)), "query"),
    ],
)
def test_bad_shapes_name_the_argument_and_shape(function, args, argument):
    arrays = [np.zeros(shape, "float32") for shape in args]
    with pytest.raises(ValueError, match=rf"argument `{argument}`.*shape"):
        function(*arrays)


def test_hard_attention_bad_weights_shape():
    with pytest.raises(ValueError, match=r"argument `weights`.*S = 5.*\(2, 4\)"):
        hard_attention(np.zeros((B, S, DK), "float32"), np.zeros((B, 4), "float32"), False)
