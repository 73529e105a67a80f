"""NTM addressing, reads and writes: NumPy loops, invariants, numerics, backends."""

import doctest
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_memory.ops.addressing
from keras_memory.ops.addressing import content_weighting
from keras_memory.ops.addressing import cosine_similarity
from keras_memory.ops.addressing import erase_and_add
from keras_memory.ops.addressing import hard_read
from keras_memory.ops.addressing import interpolate
from keras_memory.ops.addressing import log_probabilities
from keras_memory.ops.addressing import overwrite
from keras_memory.ops.addressing import residual_write
from keras_memory.ops.addressing import sharpen
from keras_memory.ops.addressing import shift
from keras_memory.ops.addressing import soft_read

EPS = 1e-6

# (batch, heads, N, M, s): one head and several, N = 2s + 1 and larger.
SIZES = [(2, 1, 5, 3, 1), (3, 2, 8, 4, 1), (1, 3, 7, 2, 3), (2, 4, 16, 6, 2)]
SIZE_IDS = ["b{}h{}N{}M{}s{}".format(*size) for size in SIZES]


def _distribution(rng, *shape):
    x = rng.uniform(0.0, 1.0, shape).astype("float32")
    return x / x.sum(-1, keepdims=True)


def _random_inputs(size, seed=0):
    batch, heads, n, m, s = size
    rng = np.random.default_rng(seed)
    return dict(
        memory=rng.normal(size=(batch, n, m)).astype("float32"),
        keys=rng.normal(size=(batch, heads, m)).astype("float32"),
        strengths=rng.uniform(0.5, 10.0, (batch, heads)).astype("float32"),
        previous=_distribution(rng, batch, heads, n),
        gate=rng.uniform(0.0, 1.0, (batch, heads)).astype("float32"),
        shifts=_distribution(rng, batch, heads, 2 * s + 1),
        gamma=rng.uniform(1.0, 5.0, (batch, heads)).astype("float32"),
        weights=_distribution(rng, batch, heads, n),
        erase=rng.uniform(0.0, 1.0, (batch, heads, m)).astype("float32"),
        values=rng.normal(size=(batch, heads, m)).astype("float32"),
    )


def _np(x):
    return keras.ops.convert_to_numpy(x)


# --- NumPy loop references ---------------------------------------------------


def np_cosine(keys, memory):
    batch, heads, _ = keys.shape
    n = memory.shape[1]
    out = np.zeros((batch, heads, n))
    for b in range(batch):
        for h in range(heads):
            for i in range(n):
                u, v = keys[b, h].astype("float64"), memory[b, i].astype("float64")
                norms = np.sqrt(u @ u + EPS) * np.sqrt(v @ v + EPS)
                out[b, h, i] = (u @ v) / (norms + EPS)
    return out


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_content(keys, strengths, memory):
    return np_softmax(strengths[:, :, None] * np_cosine(keys, memory))


def np_interpolate(wc, prev, gate):
    out = np.zeros(wc.shape)
    for b, h in np.ndindex(gate.shape):
        out[b, h] = gate[b, h] * wc[b, h] + (1 - gate[b, h]) * prev[b, h]
    return out


def np_shift(w, shift_weights):
    batch, heads, n = w.shape
    s = shift_weights.shape[-1] // 2
    out = np.zeros(w.shape)
    for b, h in np.ndindex(batch, heads):
        full = np.zeros(n)  # s_t over all N offsets, zero outside [-s, s]
        for k in range(-s, s + 1):
            full[k % n] += shift_weights[b, h, k + s]
        for i in range(n):
            out[b, h, i] = sum(w[b, h, j] * full[(i - j) % n] for j in range(n))
    return out


def np_sharpen(w, gamma):
    out = np.zeros(w.shape)
    for b, h in np.ndindex(gamma.shape):
        powered = (w[b, h].astype("float64") + EPS) ** gamma[b, h]
        out[b, h] = powered / powered.sum()
    return out


def np_erase_and_add(memory, w, erase, add):
    out = memory.astype("float64").copy()
    for b in range(memory.shape[0]):
        for h in range(w.shape[1]):  # all erases ...
            out[b] *= 1 - np.outer(w[b, h], erase[b, h])
        for h in range(w.shape[1]):  # ... then all adds
            out[b] += np.outer(w[b, h], add[b, h])
    return out


def np_overwrite(memory, w, values):
    out = memory.astype("float64").copy()
    batch, heads, n = w.shape
    for b, i in np.ndindex(batch, n):
        claim = w[b, :, i].sum()
        mean = sum(w[b, h, i] * values[b, h] for h in range(heads)) / max(claim, 1.0)
        out[b, i] = (1 - min(claim, 1.0)) * memory[b, i] + mean
    return out


def np_residual(memory, w, values):
    out = memory.astype("float64").copy()
    for b, h, i in np.ndindex(w.shape):
        out[b, i] += w[b, h, i] * values[b, h]
    return out


def np_soft_read(memory, w):
    batch, heads, _ = w.shape
    out = np.zeros((batch, heads, memory.shape[2]))
    for b, h in np.ndindex(batch, heads):
        for i in range(memory.shape[1]):
            out[b, h] += w[b, h, i] * memory[b, i]
    return out


# --- Values against the loops ------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_addressing_matches_numpy_loops(size):
    x = _random_inputs(size)
    similarity = cosine_similarity(x["keys"], x["memory"])
    assert tuple(similarity.shape) == size[:2] + (size[2],)
    np.testing.assert_allclose(_np(similarity), np_cosine(x["keys"], x["memory"]), atol=1e-5)
    wc = content_weighting(x["keys"], x["strengths"], x["memory"])
    np.testing.assert_allclose(
        _np(wc), np_content(x["keys"], x["strengths"], x["memory"]), atol=1e-5
    )
    wg = interpolate(x["weights"], x["previous"], x["gate"])
    np.testing.assert_allclose(
        _np(wg), np_interpolate(x["weights"], x["previous"], x["gate"]), atol=1e-6
    )
    shifted = shift(x["weights"], x["shifts"])
    np.testing.assert_allclose(_np(shifted), np_shift(x["weights"], x["shifts"]), atol=1e-6)
    sharp = sharpen(x["weights"], x["gamma"])
    np.testing.assert_allclose(_np(sharp), np_sharpen(x["weights"], x["gamma"]), atol=1e-5)


def test_cosine_is_the_exact_cosine_for_ordinary_vectors():
    x = _random_inputs(SIZES[1])
    keys, memory = x["keys"].astype("float64"), x["memory"].astype("float64")
    exact = np.einsum("bhm,bnm->bhn", keys, memory) / (
        np.linalg.norm(keys, axis=-1)[:, :, None] * np.linalg.norm(memory, axis=-1)[:, None, :]
    )
    np.testing.assert_allclose(_np(cosine_similarity(x["keys"], x["memory"])), exact, atol=1e-5)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_reads_and_writes_match_numpy_loops(size):
    x = _random_inputs(size, seed=1)
    memory, w = x["memory"], x["weights"]
    read = soft_read(memory, w)
    assert tuple(read.shape) == size[:2] + (size[3],)
    np.testing.assert_allclose(_np(read), np_soft_read(memory, w), atol=1e-5)
    np.testing.assert_allclose(
        _np(erase_and_add(memory, w, x["erase"], x["values"])),
        np_erase_and_add(memory, w, x["erase"], x["values"]),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        _np(residual_write(memory, w, x["values"])), np_residual(memory, w, x["values"]), atol=1e-5
    )
    # Sharpened weightings of several heads overlap: claims above 1 occur.
    sharp = np.sqrt(w) * 3.0 / np.sqrt(w).sum(-1, keepdims=True)
    sharp = np.minimum(sharp, 1.0).astype("float32")
    np.testing.assert_allclose(
        _np(overwrite(memory, sharp, x["values"])),
        np_overwrite(memory, sharp, x["values"]),
        atol=1e-5,
    )


# --- Invariants ----------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_weighting_is_a_distribution_over_n(size):
    x = _random_inputs(size, seed=2)
    wc = content_weighting(x["keys"], x["strengths"], x["memory"])
    wg = interpolate(wc, x["previous"], x["gate"])
    shifted = shift(wg, x["shifts"])
    for weights in (wc, wg, shifted, sharpen(shifted, x["gamma"])):
        weights = _np(weights)
        assert weights.min() >= 0.0
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("n,s", [(5, 1), (5, 2), (9, 3), (3, 1)])
def test_one_hot_shift_is_a_roll(n, s):
    rng = np.random.default_rng(3)
    w = _distribution(rng, 2, 3, n)
    for offset in range(-s, s + 1):
        one_hot = np.zeros((2, 3, 2 * s + 1), "float32")
        one_hot[..., offset + s] = 1.0
        np.testing.assert_array_equal(_np(shift(w, one_hot)), np.roll(w, offset, axis=-1))


def test_sharpen_with_gamma_one_is_the_identity():
    w = _distribution(np.random.default_rng(4), 3, 2, 10)
    np.testing.assert_allclose(_np(sharpen(w, np.ones((3, 2), "float32"))), w, atol=1e-5)


def test_sharpen_concentrates_on_the_maximum():
    w = np.array([[[0.2, 0.3, 0.5, 0.0]]], "float32")
    sharp = _np(sharpen(w, np.array([[50.0]], "float32")))
    np.testing.assert_allclose(sharp, [[[0.0, 0.0, 1.0, 0.0]]], atol=1e-6)


def test_interpolation_gate_selects_exactly():
    x = _random_inputs(SIZES[1], seed=5)
    ones, zeros = np.ones((3, 2), "float32"), np.zeros((3, 2), "float32")
    np.testing.assert_array_equal(_np(interpolate(x["weights"], x["previous"], ones)), x["weights"])
    np.testing.assert_array_equal(
        _np(interpolate(x["weights"], x["previous"], zeros)), x["previous"]
    )


def test_content_weighting_finds_the_matching_row():
    memory = np.random.default_rng(6).normal(size=(1, 6, 4)).astype("float32")
    keys = 3.0 * memory[:, [4, 1]]  # parallel to rows 4 and 1
    weights = _np(content_weighting(keys, np.full((1, 2), 1e3, "float32"), memory))
    np.testing.assert_array_equal(weights.argmax(-1), [[4, 1]])
    np.testing.assert_allclose(weights.max(-1), 1.0, atol=1e-5)


# --- Writes by hand ------------------------------------------------------------

MEMORY_3X2 = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], "float32")


def test_full_erase_with_one_hot_weighting_replaces_the_row():
    w = np.array([[[0.0, 0.0, 1.0]]], "float32")
    add = np.array([[[-7.0, 9.5]]], "float32")
    new = _np(erase_and_add(MEMORY_3X2, w, np.ones((1, 1, 2), "float32"), add))
    np.testing.assert_array_equal(new, [[[1.0, 2.0], [3.0, 4.0], [-7.0, 9.5]]])


def test_erase_and_add_does_not_depend_on_head_order():
    x = _random_inputs(SIZES[3], seed=7)
    args = (x["weights"], x["erase"], x["values"])
    order = [2, 0, 3, 1]
    permuted = [a[:, order] for a in args]
    np.testing.assert_allclose(
        _np(erase_and_add(x["memory"], *args)),
        _np(erase_and_add(x["memory"], *permuted)),
        atol=1e-6,
    )


def test_residual_write_by_hand():
    w = np.array([[[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]], "float32")
    v = np.array([[[2.0, -2.0], [10.0, 20.0]]], "float32")
    new = _np(residual_write(MEMORY_3X2, w, v))
    np.testing.assert_array_equal(new, [[[2.0, 1.0], [13.0, 24.0], [6.0, 5.0]]])


def test_overwrite_one_head_by_hand():
    w = np.array([[[0.25, 1.0, 0.0]]], "float32")
    v = np.array([[[9.0, -3.0]]], "float32")
    new = _np(overwrite(MEMORY_3X2, w, v))
    # row 0: 0.75 * (1, 2) + 0.25 * (9, -3); row 1 replaced; row 2 kept.
    np.testing.assert_array_equal(new, [[[3.0, 0.75], [9.0, -3.0], [5.0, 6.0]]])


def test_overwrite_several_heads_by_hand():
    w = np.array([[[0.5, 1.0, 0.0], [0.25, 1.0, 0.0]]], "float32")
    v = np.array([[[9.0, -3.0], [1.0, 1.0]]], "float32")
    new = _np(overwrite(MEMORY_3X2, w, v))
    # row 0: claim 0.75 <= 1: 0.25 * (1, 2) + 0.5 * (9, -3) + 0.25 * (1, 1).
    # row 1: claim 2 > 1: the mean of the two values replaces the row.
    expected = [[[5.0, -0.75], [5.0, -1.0], [5.0, 6.0]]]
    np.testing.assert_array_equal(new, expected)
    np.testing.assert_array_equal(_np(overwrite(MEMORY_3X2, w[:, ::-1], v[:, ::-1])), expected)


def test_overwrite_with_disjoint_heads_equals_heads_one_after_another():
    x = _random_inputs(SIZES[1], seed=8)
    memory, values = x["memory"], x["values"]
    w = x["weights"].copy()
    w[:, 0, 4:] = 0.0  # head 0 writes rows 0-3, head 1 rows 4-7
    w[:, 1, :4] = 0.0
    one_after_another = memory
    for h in range(2):
        one_after_another = overwrite(one_after_another, w[:, h : h + 1], values[:, h : h + 1])
    np.testing.assert_allclose(
        _np(overwrite(memory, w, values)), _np(one_after_another), atol=1e-6
    )


def test_overwrite_keeps_rows_within_the_old_and_written_values():
    x = _random_inputs(SIZES[3], seed=9)
    w = np.minimum(4.0 * x["weights"], 1.0)  # heavy overlap of four heads
    new = _np(overwrite(x["memory"], w, x["values"]))
    low = np.minimum(x["memory"], x["values"].min(1, keepdims=True))
    high = np.maximum(x["memory"], x["values"].max(1, keepdims=True))
    assert np.all(new >= low - 1e-5) and np.all(new <= high + 1e-5)


# --- No NaN or inf in values or gradients --------------------------------------


def _edge_inputs(case):
    x = _random_inputs((2, 2, 6, 3, 1), seed=10)
    if case == "zero_memory":
        x["memory"][:] = 0.0
    elif case == "zero_rows":
        x["memory"][:, ::2] = 0.0
    elif case == "zero_keys":
        x["keys"][:] = 0.0
    elif case == "beta_1e6":
        x["strengths"][:] = 1e6
    elif case == "gamma_1e4":
        x["gamma"][:] = 1e4
    elif case == "exact_zero_weights":
        # One-hot previous weighting, gate 0, one-hot shift: the shifted
        # weighting is one-hot, zeros everywhere else, into sharpen and reads.
        x["previous"][:] = np.eye(6, dtype="float32")[[1, 3]]
        x["gate"][:] = 0.0
        x["shifts"][:] = np.eye(3, dtype="float32")[2]
        x["weights"][:] = np.eye(6, dtype="float32")[[0, 5]]
    return x


EDGE_CASES = [
    "zero_memory", "zero_rows", "zero_keys", "beta_1e6", "gamma_1e4", "exact_zero_weights"
]


@pytest.mark.parametrize("case", EDGE_CASES)
def test_values_and_gradients_are_finite(case):
    x = {k: tf.constant(v) for k, v in _edge_inputs(case).items()}
    upstream = tf.constant(np.random.default_rng(11).normal(size=(2, 2, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(list(x.values()))
        wc = content_weighting(x["keys"], x["strengths"], x["memory"])
        wg = interpolate(wc, x["previous"], x["gate"])
        w = sharpen(shift(wg, x["shifts"]), x["gamma"])
        read = soft_read(x["memory"], w)
        written = [
            erase_and_add(x["memory"], x["weights"], x["erase"], x["values"]),
            overwrite(x["memory"], x["weights"], x["values"]),
            residual_write(x["memory"], x["weights"], x["values"]),
        ]
        loss = tf.reduce_sum(read * upstream) + sum(tf.reduce_sum(tf.sin(m)) for m in written)
        loss += tf.reduce_sum(hard_read(x["memory"], w, training=False).log_probs)
    for value in [wc, wg, w, read, *written]:
        assert np.all(np.isfinite(value.numpy()))
    np.testing.assert_allclose(w.numpy().sum(-1), 1.0, atol=1e-5)
    gradients = tape.gradient(loss, x)
    for name, gradient in gradients.items():
        assert gradient is not None, name
        assert np.all(np.isfinite(gradient.numpy())), name


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_inputs_do_not_overflow(dtype):
    # Memory entries of 300: sum of squares 2.7e5 and dot products overflow
    # float16 (max 65504); d log(w + eps) / dw = 1e6 at w = 0 does too.
    x = _edge_inputs("gamma_1e4")
    x["memory"] = 300.0 * np.sign(x["memory"])
    x["keys"] = 300.0 * np.sign(x["keys"])
    x["strengths"][:] = 6e4  # about the largest float16 (1e6 is inf there)
    x["previous"][:, :, 3] = 0.0  # exact zeros into sharpen
    x["shifts"][:] = np.eye(3, dtype="float32")[1]
    x["gate"][:] = 0.0
    cast = {k: tf.cast(v, dtype) for k, v in x.items()}
    with tf.GradientTape() as tape:
        tape.watch(list(cast.values()))
        wc = content_weighting(cast["keys"], cast["strengths"], cast["memory"])
        wg = interpolate(wc, cast["previous"], cast["gate"])
        w = sharpen(shift(wg, cast["shifts"]), cast["gamma"])
        loss = tf.reduce_sum(tf.cast(w, "float32") * np.arange(6, dtype="float32"))
    assert keras.backend.standardize_dtype(w.dtype) == dtype
    for value in (wc, w):
        value = _np(keras.ops.cast(value, "float32"))
        assert np.all(np.isfinite(value))
        np.testing.assert_allclose(value.sum(-1), 1.0, atol=2e-2)
    used = ("keys", "strengths", "memory", "previous", "gate", "shifts", "gamma")
    gradients = tape.gradient(loss, {name: cast[name] for name in used})
    for name, gradient in gradients.items():
        assert gradient is not None, name
        assert np.all(np.isfinite(_np(tf.cast(gradient, "float32")))), name


# --- Hard reads ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_log_probabilities_floor_and_dtype(dtype):
    tiny = np.finfo(np.float32).tiny
    p = tf.constant([0.5, 0.25, 1e-30, 0.0], "float32")
    p_in = tf.cast(p, dtype)
    with tf.GradientTape() as tape:
        tape.watch(p_in)
        log_p = log_probabilities(p_in)
    assert keras.backend.standardize_dtype(log_p.dtype) == "float32"
    expected = np.log(np.maximum(_np(tf.cast(p_in, "float32")), tiny))
    np.testing.assert_allclose(_np(log_p), expected, rtol=1e-6)
    assert _np(log_p)[3] == pytest.approx(np.log(tiny))  # -87.3, not -inf
    gradient = _np(tf.cast(tape.gradient(log_p, p_in), "float32"))
    assert np.isfinite(gradient).all()
    np.testing.assert_allclose(gradient[:2], [2.0, 4.0], rtol=1e-2)


def test_hard_read_at_inference_returns_argmax_rows_exactly():
    x = _random_inputs(SIZES[3], seed=12)
    p = x["weights"]
    read = hard_read(x["memory"], p, training=False)
    j = p.argmax(-1)
    np.testing.assert_array_equal(_np(read.indices), j)
    np.testing.assert_array_equal(_np(read.values), x["memory"][np.arange(2)[:, None], j])
    np.testing.assert_allclose(
        _np(read.log_probs), np.log(np.take_along_axis(p, j[..., None], -1)[..., 0]), rtol=1e-6
    )


def test_hard_read_samples_with_the_given_probabilities():
    p = np.array([[0.1, 0.2, 0.3, 0.4, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]], "float32")
    draws = 4000  # one call: the batch holds the draws
    probabilities = np.broadcast_to(p, (draws, 2, 5)).copy()
    memory = np.broadcast_to(np.arange(5, dtype="float32")[:, None], (draws, 5, 2)).copy()
    read = hard_read(memory, probabilities, training=True, seed=13)
    indices = _np(read.indices)
    assert indices.shape == (draws, 2) and indices.dtype == np.int32
    frequencies = np.stack([np.bincount(indices[:, h], minlength=5) / draws for h in range(2)])
    np.testing.assert_allclose(frequencies, p, atol=0.03)
    assert np.all(frequencies[p == 0.0] == 0.0)
    # Rows of the chosen indices, and log p of exactly those indices.
    np.testing.assert_array_equal(_np(read.values)[..., 0], indices.astype("float32"))
    np.testing.assert_allclose(
        _np(read.log_probs), np.log(p[np.arange(2), indices]), rtol=1e-6
    )


def test_hard_read_repeats_with_the_same_seed():
    x = _random_inputs((8, 3, 10, 2, 1), seed=14)
    p = x["weights"]
    first = _np(hard_read(x["memory"], p, training=True, seed=5).indices)
    again = _np(hard_read(x["memory"], p, training=True, seed=5).indices)
    np.testing.assert_array_equal(first, again)
    generators = [keras.random.SeedGenerator(21), keras.random.SeedGenerator(21)]
    runs = [
        [_np(hard_read(x["memory"], p, True, seed=g).indices) for _ in range(2)]
        for g in generators
    ]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])  # a generator advances


def test_hard_read_gradient_reaches_probabilities_through_log_probs_only():
    x = _random_inputs(SIZES[1], seed=15)
    memory, p = tf.constant(x["memory"]), tf.constant(x["weights"])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([memory, p])
        read = hard_read(memory, p, training=True, seed=3)
        values_sum = tf.reduce_sum(read.values)
        log_prob_sum = tf.reduce_sum(read.log_probs)
    assert tape.gradient(values_sum, p) is None
    # d sum log p(j) / dp = 1 / p(j) at the chosen j, 0 elsewhere.
    expected = tf.one_hot(read.indices, 8).numpy() / x["weights"]
    np.testing.assert_allclose(tape.gradient(log_prob_sum, p).numpy(), expected, rtol=1e-5)
    # Reads carry the gradient to memory: each chosen row once per head.
    counts = np.zeros(x["memory"].shape[:2])
    indices = read.indices.numpy()
    for b, h in np.ndindex(indices.shape):
        counts[b, indices[b, h]] += 1
    np.testing.assert_array_equal(tape.gradient(values_sum, memory).numpy()[..., 0], counts)


def test_hard_read_with_a_tensor_training_flag():
    x = _random_inputs(SIZES[1], seed=16)
    read = hard_read(x["memory"], x["weights"], training=tf.constant(False), seed=1)
    np.testing.assert_array_equal(_np(read.indices), x["weights"].argmax(-1))


# --- Bad input -------------------------------------------------------------------


@pytest.mark.parametrize("n,num_offsets", [(3, 5), (4, 5), (2, 3)])
def test_shift_range_too_large_for_memory_raises(n, num_offsets):
    w = np.full((1, 1, n), 1.0 / n, "float32")
    s = np.full((1, 1, num_offsets), 1.0 / num_offsets, "float32")
    with pytest.raises(ValueError, match=r"`shift_weights`.*at most N = " + str(n)):
        shift(w, s)


def test_shift_with_even_number_of_offsets_raises():
    with pytest.raises(ValueError, match="`shift_weights`.*odd"):
        shift(np.ones((1, 1, 6), "float32") / 6, np.ones((1, 1, 2), "float32") / 2)


W = np.ones((2, 3, 5), "float32") / 5
MEM = np.ones((2, 5, 4), "float32")
VEC = np.ones((2, 3, 4), "float32")
SCALAR = np.ones((2, 3), "float32")


@pytest.mark.parametrize(
    "fn,args,name",
    [
        (cosine_similarity, (VEC[0], MEM), "keys"),
        (cosine_similarity, (VEC, MEM[0]), "memory"),
        (cosine_similarity, (np.ones((2, 3, 7), "float32"), MEM), "keys"),
        (content_weighting, (VEC, SCALAR[..., None], MEM), "strengths"),
        (interpolate, (W, W, SCALAR[..., None]), "gate"),
        (interpolate, (W, W[..., :4], SCALAR), "previous_weights"),
        (interpolate, (W[0], W, SCALAR), "content_weights"),
        (shift, (W, SCALAR), "shift_weights"),
        (sharpen, (W, SCALAR[0]), "gamma"),
        (sharpen, (W, np.ones((2, 4), "float32")), "gamma"),
        (erase_and_add, (MEM, W, VEC[..., 0], VEC), "erase"),
        (erase_and_add, (MEM, W, VEC, np.ones((2, 2, 4), "float32")), "add"),
        (overwrite, (MEM, W[..., :3], VEC), "weights"),
        (residual_write, (MEM, W, VEC[None]), "values"),
        (soft_read, (MEM[..., 0], W), "memory"),
        (soft_read, (MEM, W[:, 0]), "weights"),
        (hard_read, (MEM, W[None], False), "probabilities"),
    ],
)
def test_mismatched_shapes_raise_naming_the_argument(fn, args, name):
    with pytest.raises(ValueError, match=f"argument `{name}`"):
        fn(*args)


# --- Compilation and backends ------------------------------------------------------

CHAIN_SIZE = (2, 3, 7, 4, 1)


def chain(keys, strengths, memory, previous, gate, shifts, gamma):
    """One NTM read step: content -> interpolate -> shift -> sharpen -> read."""
    wc = content_weighting(keys, strengths, memory)
    w = sharpen(shift(interpolate(wc, previous, gate), shifts), gamma)
    return w, soft_read(memory, w)


CHAIN_ARGS = ("keys", "strengths", "memory", "previous", "gate", "shifts", "gamma")


def _chain_inputs():
    x = _random_inputs(CHAIN_SIZE, seed=17)
    return [x[k] for k in CHAIN_ARGS]


def test_chain_compiles_under_xla_with_the_same_values_and_gradients():
    inputs = [tf.constant(v) for v in _chain_inputs()]
    x = _random_inputs(CHAIN_SIZE, seed=18)

    def step(*args):
        with tf.GradientTape() as tape:
            tape.watch(args)
            w, read = chain(*args)
            memory = erase_and_add(args[2], w, x["erase"], read)
            memory = overwrite(memory, w, x["values"])
            loss = tf.reduce_sum(tf.sin(memory)) + tf.reduce_sum(read * read)
        return w, read, memory, tape.gradient(loss, args)

    eager = step(*inputs)
    compiled = tf.function(step, jit_compile=True)(*inputs)
    for expected, actual in zip(tf.nest.flatten(eager), tf.nest.flatten(compiled)):
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


JAX_SCRIPT = """
import json, sys
import jax, numpy as np
from keras_memory.ops.addressing import (
    content_weighting, hard_read, interpolate, sharpen, shift, soft_read)

def chain(keys, strengths, memory, previous, gate, shifts, gamma):
    wc = content_weighting(keys, strengths, memory)
    w = sharpen(shift(interpolate(wc, previous, gate), shifts), gamma)
    return w, soft_read(memory, w)

inputs = [np.array(v, "float32") for v in json.loads(sys.argv[1])]
eager = chain(*inputs)
compiled = jax.jit(chain)(*inputs)
read = jax.jit(lambda m, p: hard_read(m, p, training=False))(inputs[2], eager[0])
sampled = hard_read(inputs[2], eager[0], training=True, seed=7)
assert sampled.indices.shape == (2, 3) and str(sampled.indices.dtype) == "int32"
chosen = np.take_along_axis(np.asarray(eager[0]), np.asarray(sampled.indices)[..., None], -1)
np.testing.assert_allclose(np.asarray(sampled.log_probs), np.log(chosen[..., 0]), rtol=1e-5)
out = [np.asarray(v).tolist() for v in (*eager, *compiled, read.indices, read.log_probs)]
print(json.dumps({"backend": jax.default_backend(), "out": out}))
"""


def test_same_values_on_jax_eager_and_jit():
    inputs = _chain_inputs()
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, json.dumps([v.tolist() for v in inputs])],
        capture_output=True,
        text=True,
        env=dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    on_jax = json.loads(result.stdout.strip().splitlines()[-1])
    assert on_jax["backend"] == "cpu"
    w, read = (_np(v) for v in chain(*inputs))
    jax_w, jax_read, jit_w, jit_read, indices, log_probs = (np.array(v) for v in on_jax["out"])
    for expected, actual in [(w, jax_w), (read, jax_read), (w, jit_w), (read, jit_read)]:
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    tf_read = hard_read(inputs[2], w, training=False)
    np.testing.assert_array_equal(indices, _np(tf_read.indices))
    np.testing.assert_allclose(log_probs, _np(tf_read.log_probs), rtol=1e-5, atol=1e-5)


def test_docstring_examples_run():
    result = doctest.testmod(keras_memory.ops.addressing, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
