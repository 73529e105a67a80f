"""Tests of LuongAttention: the three scores against NumPy, masking, saving, XLA, bad inputs."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from attention_references import luong as reference
from keras import ops
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers.luong_attention import LuongAttention

B, TQ, S, D, DQ, DK, UNITS = 3, 4, 5, 7, 6, 7, 8
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool)
# (score, scale, units, query size): dot needs Dq = Dk.
CONFIGS = [
    ("dot", False, None, DK),
    ("dot", True, None, DK),
    ("general", False, None, DQ),
    ("general", True, None, DQ),
    ("concat", False, UNITS, DQ),
    ("concat", True, UNITS, DQ),
]
IDS = [f"{score}-scale" if scale else score for score, scale, _, _ in CONFIGS]


def _inputs(query_dim, seed=0, query_steps=None):
    rng = np.random.default_rng(seed)
    shape = (B, query_dim) if query_steps is None else (B, query_steps, query_dim)
    query = rng.normal(size=shape).astype("float32")
    memory = rng.normal(size=(B, S, DK)).astype("float32")
    return query, memory


def _layer(score, scale, units, query_dim, weights_seed=1, query_steps=None):
    """A built layer whose every weight is random (the scale g included)."""
    layer = LuongAttention(score, scale=scale, units=units)
    query_shape = (None, query_dim) if query_steps is None else (None, query_steps, query_dim)
    layer.build([query_shape, (None, S, DK)])
    rng = np.random.default_rng(weights_seed)
    layer.set_weights([
        (0.5 * rng.normal(size=w.shape)).astype("float32") for w in layer.weights
    ])
    return layer


# === Values ===


@pytest.mark.parametrize("score,scale,units,query_dim", CONFIGS, ids=IDS)
@pytest.mark.parametrize("query_steps", [None, TQ])
def test_matches_numpy_reference(score, scale, units, query_dim, query_steps):
    layer = _layer(score, scale, units, query_dim, query_steps=query_steps)
    query, memory = _inputs(query_dim, query_steps=query_steps)
    context, weights = layer([query, memory], return_attention_scores=True)
    expected_context, expected_weights = reference(layer, query, memory)
    np.testing.assert_allclose(to_numpy(weights), expected_weights, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected_context, rtol=1e-4, atol=1e-5)
    assert to_numpy(context).shape == query.shape[:-1] + (DK,)
    assert to_numpy(weights).shape == query.shape[:-1] + (S,)


def test_dot_score_by_hand_with_a_scale():
    layer = LuongAttention("dot", scale=True)
    query = np.array([[1.0, 0.0]], "float32")
    memory = np.array([[[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]], "float32")
    layer.build([query.shape, memory.shape])
    layer.attention_g.assign(3.0)  # g
    context, weights = layer([query, memory], return_attention_scores=True)
    e = 3.0 * np.array([1.0, 0.0, 2.0])
    p = np.exp(e) / np.exp(e).sum()
    np.testing.assert_allclose(to_numpy(weights)[0], p, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(context)[0], p @ memory[0], rtol=1e-6)


def test_general_score_with_constant_weights_by_hand():
    # W_a = 1 (Dq x Dk): s^T W_a h_j = sum(s) * sum(h_j).
    layer = LuongAttention("general", kernel_initializer="ones")
    query = np.array([[0.5, 1.0]], "float32")  # sum 1.5
    memory = np.array([[[1.0, 0.0, 0.0], [0.0, -1.0, 1.0], [1.0, 1.0, 1.0]]], "float32")
    _, weights = layer([query, memory], return_attention_scores=True)
    e = 1.5 * np.array([1.0, 0.0, 3.0])
    np.testing.assert_allclose(to_numpy(weights)[0], np.exp(e) / np.exp(e).sum(), rtol=1e-6)


def test_concat_with_constant_weights_by_hand():
    # W_a = 1, v_a = 1: e_j = units * tanh(sum(s) + sum(h_j)).
    layer = LuongAttention("concat", units=2, kernel_initializer="ones")
    query = np.array([[0.25, -0.25]], "float32")
    memory = np.array([[[0.0, 0.0], [0.5, 0.0], [1.0, 2.0]]], "float32")
    _, weights = layer([query, memory], return_attention_scores=True)
    e = 2 * np.tanh(np.array([0.0, 0.5, 3.0]))
    np.testing.assert_allclose(to_numpy(weights)[0], np.exp(e) / np.exp(e).sum(), rtol=1e-6)


def test_weights_of_each_score():
    def shapes(score, scale, units, query_dim):
        layer = LuongAttention(score, scale=scale, units=units)
        layer.build([(None, query_dim), (None, S, DK)])
        return {w.path.split("/")[-1]: tuple(w.shape) for w in layer.weights}

    assert shapes("dot", False, None, DK) == {}
    assert shapes("dot", True, None, DK) == {"attention_g": ()}
    assert shapes("general", False, None, DQ) == {"kernel": (DK, DQ)}  # W_a^T
    assert shapes("concat", True, UNITS, DQ) == {
        "kernel": (DQ + DK, UNITS),  # W_a: [W_s; W_h]
        "attention_v": (UNITS,),
        "attention_g": (),
    }
    layer = LuongAttention("dot", scale=True)
    layer.build([(None, DK), (None, S, DK)])
    np.testing.assert_array_equal(to_numpy(layer.attention_g), 1.0)  # tfa's initial g


# === The decoder's path: project the memory once, attend per step ===


@pytest.mark.parametrize("score,scale,units,query_dim", CONFIGS[::2], ids=IDS[::2])
def test_project_memory_then_attend_equals_the_call(score, scale, units, query_dim):
    layer = _layer(score, scale, units, query_dim)
    query, memory = _inputs(query_dim)
    keys = layer.project_memory(memory)
    if score == "dot":
        expected_keys = memory  # h_j
    elif score == "general":
        expected_keys = memory @ to_numpy(layer.kernel)  # W_a h_j
    else:
        expected_keys = memory @ to_numpy(layer.kernel)[query_dim:]  # W_h h_j
    np.testing.assert_allclose(to_numpy(keys), expected_keys, rtol=1e-5, atol=1e-5)
    context, weights = layer.attend(query, keys, memory, MASK)
    expected = layer([query, memory], mask=MASK, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(context), to_numpy(expected[0]), atol=1e-6)
    np.testing.assert_allclose(to_numpy(weights), to_numpy(expected[1]), atol=1e-7)


def test_attend_inside_a_compiled_loop_equals_a_rank_3_query():
    layer = _layer("concat", True, UNITS, DQ, query_steps=TQ)
    queries, memory = _inputs(DQ, query_steps=TQ)
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


@pytest.mark.parametrize("score,scale,units,query_dim", CONFIGS[1::2], ids=IDS[1::2])
def test_padded_positions_get_exactly_zero_and_do_not_matter(score, scale, units, query_dim):
    layer = _layer(score, scale, units, query_dim)
    query, memory = _inputs(query_dim)
    context, weights = layer([query, memory], mask=MASK, return_attention_scores=True)
    weights = to_numpy(weights)
    np.testing.assert_array_equal(weights[~MASK], 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)
    expected_context, expected_weights = reference(layer, query, memory, MASK)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected_context, rtol=1e-4, atol=1e-5)
    changed = memory.copy()
    changed[~MASK] = 1e4
    np.testing.assert_array_equal(to_numpy(layer([query, changed], mask=MASK)), to_numpy(context))


@pytest.mark.parametrize("score,scale,units,query_dim", CONFIGS[1::2], ids=IDS[1::2])
def test_all_padding_gives_a_zero_context_and_finite_gradients(score, scale, units, query_dim):
    layer = _layer(score, scale, units, query_dim)
    query, memory = _inputs(query_dim)
    mask = MASK.copy()
    mask[0] = False
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
    np.testing.assert_array_equal(gradients[0][0], 0.0)
    assert np.abs(gradients[0][1:]).sum() > 0


def test_mask_from_a_masking_layer_and_as_a_list():
    layer = _layer("general", True, None, DQ)
    query, memory = _inputs(DQ)
    padded = memory * MASK[..., None]
    explicit = to_numpy(layer([query, padded], mask=MASK))
    np.testing.assert_array_equal(to_numpy(layer([query, padded], mask=[None, MASK])), explicit)
    query_input = keras.Input((DQ,))
    memory_input = keras.Input((S, DK))
    context = layer([query_input, keras.layers.Masking(0.0)(memory_input)])
    model = keras.Model([query_input, memory_input], context)
    np.testing.assert_allclose(to_numpy(model([query, padded])), explicit, atol=1e-6)


def test_rank_3_query_mask_zeroes_padded_steps():
    layer = _layer("dot", False, None, DK, query_steps=TQ)
    queries, memory = _inputs(DK, query_steps=TQ)
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]], bool)
    context = to_numpy(layer([queries, memory], mask=[query_mask, MASK]))
    np.testing.assert_array_equal(context[~query_mask], 0.0)
    full = to_numpy(layer([queries, memory], mask=MASK))
    np.testing.assert_allclose(context[query_mask], full[query_mask], atol=1e-6)


@pytest.mark.parametrize("score,scale,units,query_dim", CONFIGS[1::2], ids=IDS[1::2])
def test_mixed_float16_is_finite_and_exact_on_padding(score, scale, units, query_dim):
    keras.config.set_dtype_policy("mixed_float16")
    layer = LuongAttention(score, scale=scale, units=units)
    query, memory = _inputs(query_dim)
    mask = MASK.copy()
    mask[0] = False
    context, weights = layer([query * 10, memory], mask=mask, return_attention_scores=True)
    assert keras.backend.standardize_dtype(context.dtype) == "float16"
    assert keras.backend.standardize_dtype(weights.dtype) == "float16"
    assert {w.dtype for w in layer.weights} == {"float32"}
    weights = to_numpy(weights).astype("float32")
    assert np.isfinite(to_numpy(context).astype("float32")).all()
    np.testing.assert_array_equal(weights[~mask], 0.0)
    np.testing.assert_array_equal(to_numpy(context)[0], 0.0)
    np.testing.assert_allclose(weights[1:].sum(-1), 1.0, atol=2e-3)
    keys = layer.project_memory(memory)  # outside __call__: weights cast too
    step_context, _ = layer.attend(query * 10, keys, memory, mask)
    assert keras.backend.standardize_dtype(step_context.dtype) == "float16"
    np.testing.assert_allclose(
        to_numpy(step_context).astype("float32"), to_numpy(context).astype("float32"), atol=2e-2
    )


# === Saving, training ===


def test_config_round_trip():
    layer = LuongAttention(
        "concat", scale=True, units=5, kernel_initializer="he_normal",
        kernel_regularizer="l2", name="attention",
    )
    config = layer.get_config()
    restored = LuongAttention.from_config(config)
    assert restored.get_config() == config
    assert (config["score"], config["scale"], config["units"]) == ("concat", True, 5)
    assert keras.saving.get_registered_name(LuongAttention) == "keras_memory>LuongAttention"
    assert LuongAttention.from_config(LuongAttention("general").get_config()).score_name == (
        "general"
    )


def _model(score="general", scale=True, units=None):
    query = keras.Input((TQ, DQ), name="query")
    ids = keras.Input((S,), dtype="int32", name="source")
    memory = keras.layers.Embedding(10, DK, mask_zero=True)(ids)
    context, weights = LuongAttention(score, scale=scale, units=units, name="attention")(
        [query, memory], return_attention_scores=True
    )
    return keras.Model([query, ids], [keras.layers.Dense(2)(context), weights])


SOURCE = np.array([[3, 1, 4, 0, 0], [1, 5, 9, 2, 6], [0, 0, 0, 0, 0]])


@pytest.mark.parametrize("score,units", [("general", None), ("concat", UNITS)])
def test_keras_round_trip(tmp_path, score, units):
    model = _model(score, units=units)
    query, _ = _inputs(DQ, query_steps=TQ)
    expected = to_numpy(model([query, SOURCE]))
    np.testing.assert_array_equal(expected[1][0, :, 3:], 0.0)
    np.testing.assert_array_equal(expected[1][2], 0.0)  # all padding
    model.save(tmp_path / "luong.keras")
    loaded = keras.saving.load_model(tmp_path / "luong.keras")
    for actual, wanted in zip(to_numpy(loaded([query, SOURCE])), expected):
        np.testing.assert_array_equal(actual, wanted)


@pytest.mark.parametrize("score,units,weights", [("general", None, 2), ("concat", UNITS, 3)])
def test_jit_fit_step_with_a_partial_batch_moves_the_weights(score, units, weights):
    model = _model(score, units=units)
    model.compile("adam", ["mse", None], jit_compile=True)
    rng = np.random.default_rng(3)
    query = rng.normal(size=(5, TQ, DQ)).astype("float32")
    ids = rng.integers(0, 10, size=(5, S))
    ids[4] = 0  # an all-padding source
    target = rng.normal(size=(5, TQ, 2)).astype("float32")
    before = to_numpy(model.get_layer("attention").trainable_weights)
    history = model.fit([query, ids], target, batch_size=4, epochs=2, verbose=0)
    after = to_numpy(model.get_layer("attention").trainable_weights)
    assert np.isfinite(history.history["loss"]).all()
    assert len(before) == weights
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
        ({"score": "bahdanau"}, "score"),
        ({"score": "Dot"}, "score"),
        ({"score": 1}, "score"),
        ({"score": None}, "score"),
        ({"scale": "yes"}, "scale"),
        ({"scale": 1}, "scale"),
        ({"score": "concat", "units": None}, "units"),
        ({"score": "concat", "units": 0}, "units"),
        ({"score": "concat", "units": 2.5}, "units"),
        ({"score": "dot", "units": 4}, "units"),
        ({"score": "general", "units": 4}, "units"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument):
    value = kwargs[argument]
    pattern = rf"argument `{argument}`.*got {re.escape(repr(value))}\."
    with pytest.raises(ValueError, match=pattern):
        LuongAttention(**kwargs)
    if argument == "score" and isinstance(value, str):
        assert_invalid_argument(LuongAttention, "score", value, score=value)


def test_bad_score_lists_the_choices():
    with pytest.raises(ValueError, match=r"\('dot', 'general', 'concat'\), got 'additive'"):
        LuongAttention("additive")


@pytest.mark.parametrize(
    "score,shapes,argument,shape",
    [
        ("dot", [(2, 6), (2, 5, 7)], r"inputs\[1\]", r"Dq = 6.*Dk = 7"),  # dot: Dq != Dk
        ("general", [(2, 6), (2, 6)], r"inputs\[1\]", r"\(2, 6\)"),  # memory of rank 2
        ("general", [(2, 6), (4, 5, 7)], r"inputs\[1\]", r"\(2, 6\).*\(4, 5, 7\)"),
        ("general", [(2, 1, 1, 6), (2, 5, 7)], r"inputs\[0\]", r"\(2, 1, 1, 6\)"),
    ],
)
def test_bad_input_shapes_name_the_input_and_shapes(score, shapes, argument, shape):
    with pytest.raises(ValueError, match=f"argument `{argument}`.*{shape}"):
        LuongAttention(score).build(shapes)


@pytest.mark.parametrize("mask_shape", [(B, S + 1), (B, S, 1), (B + 1, S)])
def test_a_mask_that_disagrees_with_the_memory_names_both_shapes(mask_shape):
    layer = _layer("dot", False, None, DK)
    query, memory = _inputs(DK)
    pattern = rf"argument `mask`.*memory of shape \(3, 5, 7\).*{re.escape(str(mask_shape))}"
    with pytest.raises(ValueError, match=pattern):
        layer([query, memory], mask=np.ones(mask_shape, bool))
