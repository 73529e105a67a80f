"""Tests of BahdanauAttention: values against NumPy, masking, saving, XLA, bad inputs."""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from attention_references import bahdanau as reference
from keras import ops
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers.bahdanau_attention import BahdanauAttention

B, TQ, S, DQ, DK, UNITS = 3, 4, 5, 6, 7, 8
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool)


def _inputs(seed=0, query_steps=None):
    rng = np.random.default_rng(seed)
    shape = (B, DQ) if query_steps is None else (B, query_steps, DQ)
    query = rng.normal(size=shape).astype("float32")
    memory = rng.normal(size=(B, S, DK)).astype("float32")
    return query, memory


def _layer(normalize=False, weights_seed=1, query_steps=None):
    """A built layer whose every weight is random (g and b included)."""
    layer = BahdanauAttention(UNITS, normalize=normalize)
    query_shape = (None, DQ) if query_steps is None else (None, query_steps, DQ)
    layer.build([query_shape, (None, S, DK)])
    rng = np.random.default_rng(weights_seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    return layer


# === Values ===


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("query_steps", [None, TQ])
def test_matches_numpy_reference(normalize, query_steps):
    layer = _layer(normalize, query_steps=query_steps)
    query, memory = _inputs(query_steps=query_steps)
    context, weights = layer([query, memory], return_attention_scores=True)
    expected_context, expected_weights = reference(layer, query, memory)
    np.testing.assert_allclose(to_numpy(weights), expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected_context, rtol=1e-5, atol=1e-5)
    assert to_numpy(context).shape == query.shape[:-1] + (DK,)
    assert to_numpy(weights).shape == query.shape[:-1] + (S,)


def test_constant_weights_by_hand():
    # W = U = 1, v = 1: e_j = units * tanh(sum(s) + sum(h_j)).
    layer = BahdanauAttention(2, kernel_initializer="ones")
    query = np.array([[0.25, -0.25]], "float32")  # sum(s) = 0
    memory = np.array([[[0.0, 0.0], [0.5, 0.0], [1.0, 2.0]]], "float32")
    context, weights = layer([query, memory], return_attention_scores=True)
    e = 2 * np.tanh(np.array([0.0, 0.5, 3.0]))
    p = np.exp(e) / np.exp(e).sum()
    np.testing.assert_allclose(to_numpy(weights)[0], p, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(context)[0], p @ memory[0], rtol=1e-6)


def test_normalize_weights_and_their_initial_values():
    layer = BahdanauAttention(UNITS, normalize=True)
    layer.build([(None, DQ), (None, S, DK)])
    shapes = {w.path.split("/")[-1]: tuple(w.shape) for w in layer.weights}
    assert shapes == {
        "query_kernel": (DQ, UNITS),  # W
        "memory_kernel": (DK, UNITS),  # U
        "attention_v": (UNITS,),  # v
        "attention_g": (),  # g
        "attention_b": (UNITS,),  # b
    }
    # tfa's initial values: g = sqrt(1 / units), b = 0.
    np.testing.assert_allclose(to_numpy(layer.attention_g), math.sqrt(1 / UNITS), rtol=1e-7)
    np.testing.assert_array_equal(to_numpy(layer.attention_b), 0.0)
    assert len(BahdanauAttention(UNITS).weights) == 0
    plain = BahdanauAttention(UNITS)
    plain.build([(None, DQ), (None, S, DK)])
    assert len(plain.weights) == 3


def test_weights_sum_to_one():
    _, weights = _layer()(list(_inputs()), return_attention_scores=True)
    weights = to_numpy(weights)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)


# === The decoder's path: project the memory once, attend per step ===


def test_project_memory_then_attend_equals_the_call():
    layer = _layer(normalize=True)
    query, memory = _inputs()
    keys = layer.project_memory(memory)
    np.testing.assert_allclose(
        to_numpy(keys), memory @ to_numpy(layer.memory_kernel), rtol=1e-5, atol=1e-5
    )  # U h_j
    context, weights = layer.attend(query, keys, memory, MASK)
    expected_context, expected_weights = layer([query, memory], mask=MASK,
                                               return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(context), to_numpy(expected_context), atol=1e-6)
    np.testing.assert_allclose(to_numpy(weights), to_numpy(expected_weights), atol=1e-7)
    scores = to_numpy(layer.score(query, keys))
    assert scores.shape == (B, S)


def test_attend_inside_a_compiled_loop_equals_a_rank_3_query():
    layer = _layer(query_steps=TQ)
    queries, memory = _inputs(query_steps=TQ)
    expected = to_numpy(layer([queries, memory], mask=MASK))

    @tf.function(jit_compile=True)
    def decode(queries, memory, mask):
        keys = layer.project_memory(memory)  # once

        def step(previous_context, query):
            context, _ = layer.attend(query, keys, memory, mask)
            return context, context

        initial = ops.zeros_like(memory[:, 0, :])
        _, contexts = ops.scan(step, initial, ops.swapaxes(queries, 0, 1))
        return ops.swapaxes(contexts, 0, 1)

    np.testing.assert_allclose(to_numpy(decode(queries, memory, MASK)), expected, atol=1e-5)


# === Masking ===


def test_padded_positions_get_exactly_zero_and_do_not_matter():
    layer = _layer()
    query, memory = _inputs()
    context, weights = layer([query, memory], mask=MASK, return_attention_scores=True)
    weights = to_numpy(weights)
    np.testing.assert_array_equal(weights[~MASK], 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)
    expected_context, expected_weights = reference(layer, query, memory, MASK)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected_context, rtol=1e-5, atol=1e-5)
    changed = memory.copy()
    changed[~MASK] = 1e4
    np.testing.assert_array_equal(to_numpy(layer([query, changed], mask=MASK)), to_numpy(context))


def test_all_padding_gives_a_zero_context_and_finite_gradients():
    layer = _layer(normalize=True)
    query, memory = _inputs()
    mask = MASK.copy()
    mask[0] = False  # example 0: nothing but padding
    query, memory = tf.Variable(query), tf.Variable(memory)
    with tf.GradientTape() as tape:
        context, weights = layer([query, memory], mask=mask, return_attention_scores=True)
        loss = ops.sum(ops.square(context))
    variables = [query, memory] + layer.trainable_variables
    gradients = [to_numpy(g) for g in tape.gradient(loss, variables)]
    np.testing.assert_array_equal(to_numpy(context)[0], 0.0)
    np.testing.assert_array_equal(to_numpy(weights)[0], 0.0)
    for gradient in gradients:
        assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradients[0][0], 0.0)  # no path from a zero context
    assert np.abs(gradients[0][1:]).sum() > 0


def test_mask_from_an_embedding_and_as_a_list():
    layer = _layer()
    query, _ = _inputs()
    ids = np.array([[3, 1, 4, 0, 0], [1, 5, 9, 2, 6], [0, 5, 0, 8, 0]])
    assert (ids > 0).tolist() == MASK.tolist()
    embedding = keras.layers.Embedding(10, DK, mask_zero=True)
    memory = to_numpy(embedding(ids))
    explicit = to_numpy(layer([query, memory], mask=MASK))
    as_list = to_numpy(layer([query, memory], mask=[None, MASK]))
    np.testing.assert_array_equal(as_list, explicit)

    # In a functional model the mask travels with the memory.
    query_input = keras.Input((DQ,))
    ids_input = keras.Input((S,), dtype="int32")
    context = layer([query_input, embedding(ids_input)])
    model = keras.Model([query_input, ids_input], context)
    np.testing.assert_allclose(to_numpy(model([query, ids])), explicit, atol=1e-6)


def test_rank_3_query_mask_zeroes_padded_steps_and_passes_on():
    layer = _layer(query_steps=TQ)
    queries, memory = _inputs(query_steps=TQ)
    queries[:, -1] = 0.0  # the last query step is padding
    query_input = keras.Input((TQ, DQ))
    memory_input = keras.Input((S, DK))
    masked_query = keras.layers.Masking(0.0)(query_input)
    context = layer([masked_query, memory_input])
    assert context._keras_mask is not None
    summed = keras.layers.GlobalAveragePooling1D()(context)  # uses the mask
    model = keras.Model([query_input, memory_input], [context, summed])
    context_value, summed_value = to_numpy(model([queries, memory]))
    np.testing.assert_array_equal(context_value[:, -1], 0.0)
    expected = to_numpy(layer([queries[:, :-1], memory]))
    np.testing.assert_allclose(context_value[:, :-1], expected, atol=1e-6)
    np.testing.assert_allclose(summed_value, expected.mean(1), atol=1e-6)


def test_mixed_float16_is_finite_and_exact_on_padding():
    keras.config.set_dtype_policy("mixed_float16")
    layer = BahdanauAttention(UNITS, normalize=True)
    query, memory = _inputs()
    mask = MASK.copy()
    mask[0] = False
    context, weights = layer([query * 100, memory], mask=mask, return_attention_scores=True)
    assert keras.backend.standardize_dtype(context.dtype) == "float16"
    assert keras.backend.standardize_dtype(weights.dtype) == "float16"
    assert {w.dtype for w in layer.weights} == {"float32"}
    weights = to_numpy(weights).astype("float32")
    assert np.isfinite(to_numpy(context).astype("float32")).all()
    np.testing.assert_array_equal(weights[~mask], 0.0)
    np.testing.assert_array_equal(to_numpy(context)[0], 0.0)
    np.testing.assert_allclose(weights[1:].sum(-1), 1.0, atol=2e-3)
    # Called outside `__call__` (a decoder's step), the weights are cast too.
    keys = layer.project_memory(memory)
    step_context, _ = layer.attend(query * 100, keys, memory, mask)
    assert keras.backend.standardize_dtype(step_context.dtype) == "float16"
    np.testing.assert_allclose(
        to_numpy(step_context).astype("float32"), to_numpy(context).astype("float32"), atol=1e-2
    )


# === Saving, training ===


def test_config_round_trip():
    layer = BahdanauAttention(
        5, normalize=True, kernel_initializer="he_normal", kernel_regularizer="l2",
        name="attention",
    )
    config = layer.get_config()
    restored = BahdanauAttention.from_config(config)
    assert restored.get_config() == config
    assert (config["units"], config["normalize"]) == (5, True)
    assert keras.saving.get_registered_name(BahdanauAttention) == (
        "keras_memory>BahdanauAttention"
    )


def _model(normalize=True):
    query = keras.Input((DQ,), name="query")
    ids = keras.Input((S,), dtype="int32", name="source")
    memory = keras.layers.Embedding(10, DK, mask_zero=True)(ids)
    context, weights = BahdanauAttention(UNITS, normalize=normalize, name="attention")(
        [query, memory], return_attention_scores=True
    )
    return keras.Model([query, ids], [keras.layers.Dense(2)(context), weights])


IDS = np.array([[3, 1, 4, 0, 0], [1, 5, 9, 2, 6], [0, 0, 0, 0, 0]])


def test_keras_round_trip(tmp_path):
    model = _model()
    query, _ = _inputs()
    expected = to_numpy(model([query, IDS]))
    np.testing.assert_array_equal(expected[1][0, 3:], 0.0)
    np.testing.assert_array_equal(expected[1][2], 0.0)  # all padding
    model.save(tmp_path / "bahdanau.keras")
    loaded = keras.saving.load_model(tmp_path / "bahdanau.keras")
    for actual, wanted in zip(to_numpy(loaded([query, IDS])), expected):
        np.testing.assert_array_equal(actual, wanted)


def test_jit_fit_step_with_a_partial_batch_moves_the_weights():
    model = _model()
    model.compile("adam", ["mse", None], jit_compile=True)
    rng = np.random.default_rng(3)
    query = rng.normal(size=(5, DQ)).astype("float32")
    ids = rng.integers(0, 10, size=(5, S))
    ids[4] = 0  # an all-padding source
    target = rng.normal(size=(5, 2)).astype("float32")
    before = to_numpy(model.get_layer("attention").trainable_weights)
    history = model.fit([query, ids], target, batch_size=4, epochs=2, verbose=0)
    after = to_numpy(model.get_layer("attention").trainable_weights)
    assert np.isfinite(history.history["loss"]).all()
    for old, new in zip(before, after):
        assert np.isfinite(new).all()
        assert not np.array_equal(old, new)
    eager = to_numpy(model([query, ids]))
    compiled = model.predict([query, ids], batch_size=4, verbose=0)
    for actual, wanted in zip(compiled, eager):
        np.testing.assert_allclose(actual, wanted, atol=1e-5)


# === Bad inputs ===


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"units": 0}, "units"),
        ({"units": -2}, "units"),
        ({"units": 2.0}, "units"),
        ({"units": True}, "units"),
        ({"units": "8"}, "units"),
        ({"units": 4, "normalize": "yes"}, "normalize"),
        ({"units": 4, "normalize": 1}, "normalize"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument):
    assert_invalid_argument(BahdanauAttention, argument, kwargs[argument], **kwargs)


@pytest.mark.parametrize(
    "shapes,argument,shape",
    [
        ([(2, 6), (2, 6)], r"inputs\[1\]", r"\(2, 6\)"),  # memory of rank 2
        ([(2, 1, 1, 6), (2, 5, 7)], r"inputs\[0\]", r"\(2, 1, 1, 6\)"),  # query of rank 4
        ([(2, None), (2, 5, 7)], r"inputs\[0\]", r"\(2, None\)"),  # unknown Dq
        ([(2, 6), (2, 5, None)], r"inputs\[1\]", r"\(2, 5, None\)"),  # unknown Dk
        ([(2, 6), (3, 5, 7)], r"inputs\[1\]", r"\(2, 6\).*\(3, 5, 7\)"),  # batch sizes
    ],
)
def test_bad_input_shapes_name_the_input_and_shapes(shapes, argument, shape):
    with pytest.raises(ValueError, match=f"argument `{argument}`.*{shape}"):
        BahdanauAttention(4).build(shapes)


def test_a_single_input_is_refused():
    with pytest.raises(ValueError, match="argument `inputs`"):
        BahdanauAttention(4).build((2, 5, 4))
    with pytest.raises(ValueError, match="argument `inputs`"):
        BahdanauAttention(4)(np.zeros((2, 5, 4), "float32"))


@pytest.mark.parametrize("mask_shape", [(B, S + 1), (B, S, 1), (B + 1, S), (S,)])
def test_a_mask_that_disagrees_with_the_memory_names_both_shapes(mask_shape):
    layer = _layer()
    query, memory = _inputs()
    pattern = (
        rf"argument `mask`.*\(3, 5\).*memory of shape \(3, 5, 7\).*"
        rf"{re.escape(str(mask_shape))}"
    )
    with pytest.raises(ValueError, match=pattern):
        layer([query, memory], mask=np.ones(mask_shape, bool))
    with pytest.raises(ValueError, match=pattern):
        layer.attend(query, layer.project_memory(memory), memory, np.ones(mask_shape, bool))
