"""Tests of StackedAttention (the conformance harness covers saving, XLA,
mixed precision, serving and JAX)."""

import importlib

import keras
import numpy as np
import pytest
from keras import ops
from references import stacked_attention as _reference

from keras_memory.layers.stacked_attention import StackedAttention

BATCH, REGIONS, FEATURES, UNITS = 3, 5, 4, 6


def _numpy(x):
    return ops.convert_to_numpy(x)


def _inputs(seed=0, regions=REGIONS):
    rng = np.random.default_rng(seed)
    v_i = rng.normal(size=(BATCH, regions, FEATURES)).astype("float32")
    v_q = rng.normal(size=(BATCH, FEATURES)).astype("float32")
    return v_i, v_q


def _layer_with_random_weights(weights_seed=1, **kwargs):
    """A built layer whose every weight, biases included, is random."""
    layer = StackedAttention(UNITS, **kwargs)
    layer.build([(None, REGIONS, FEATURES), (None, FEATURES)])
    rng = np.random.default_rng(weights_seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    return layer


# === Values ===


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_matches_numpy_reference(hops):
    layer = _layer_with_random_weights(hops=hops, return_attention=True)
    v_i, v_q = _inputs()
    u, attention = layer([v_i, v_q])
    expected_u, expected_maps = _reference(layer, v_i, v_q)
    np.testing.assert_allclose(_numpy(u), expected_u, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_numpy(attention), expected_maps, rtol=1e-5, atol=1e-6)


def test_one_hop_by_hand_with_constant_weights():
    # W_{Q,A} = 0 and W_{I,A} = 1: the scores tanh(sum_j v_ij) * k decide.
    layer = StackedAttention(
        1, hops=1, kernel_initializer="ones", return_attention=True
    )
    layer.build([(None, 2, 2), (None, 2)])
    layer.question_kernel.assign(np.zeros((1, 2, 1), "float32"))
    v_i = np.array([[[0.0, 0.0], [1.0, 1.0]]], "float32")
    v_q = np.array([[10.0, 20.0]], "float32")
    u, attention = layer([v_i, v_q])
    p = np.exp([0.0, np.tanh(2.0)]) / np.exp([0.0, np.tanh(2.0)]).sum()
    np.testing.assert_allclose(_numpy(attention)[0, 0], p, rtol=1e-6)
    np.testing.assert_allclose(_numpy(u)[0], v_q[0] + p[1], rtol=1e-6)


def test_attention_sums_to_one():
    layer = _layer_with_random_weights(return_attention=True)
    _, attention = layer(list(_inputs()))
    attention = _numpy(attention)
    assert attention.shape == (BATCH, 2, REGIONS)
    assert (attention >= 0).all()
    np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-6)


def test_without_bias():
    layer = _layer_with_random_weights(use_bias=False, return_attention=True)
    assert layer.bias is None and len(layer.weights) == 3
    v_i, v_q = _inputs()
    u, attention = layer([v_i, v_q])
    expected_u, expected_maps = _reference(layer, v_i, v_q)
    np.testing.assert_allclose(_numpy(u), expected_u, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_numpy(attention), expected_maps, rtol=1e-5, atol=1e-6)


# === Masking ===

MASK = np.array(
    [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool
)


def test_masked_regions_get_exactly_zero():
    layer = _layer_with_random_weights(return_attention=True)
    v_i, v_q = _inputs()
    u, attention = layer([v_i, v_q], mask=MASK)
    attention = _numpy(attention)
    np.testing.assert_array_equal(attention[~np.broadcast_to(MASK[:, None], attention.shape)], 0.0)
    np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-6)
    expected_u, expected_maps = _reference(layer, v_i, v_q, MASK)
    np.testing.assert_allclose(_numpy(u), expected_u, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(attention, expected_maps, rtol=1e-5, atol=1e-6)


def test_masked_region_features_do_not_matter():
    layer = _layer_with_random_weights()
    v_i, v_q = _inputs()
    changed = v_i.copy()
    changed[~MASK] = 1e4  # huge, to be sure nothing leaks
    np.testing.assert_array_equal(
        _numpy(layer([changed, v_q], mask=MASK)), _numpy(layer([v_i, v_q], mask=MASK))
    )


def test_mask_from_a_masking_layer_and_as_a_list():
    layer = _layer_with_random_weights()
    v_i, v_q = _inputs()
    padded = v_i * MASK[..., None]
    explicit = _numpy(layer([padded, v_q], mask=MASK))
    inferred = _numpy(layer([keras.layers.Masking(0.0)(padded), v_q]))
    as_list = _numpy(layer([padded, v_q], mask=[MASK, None]))
    np.testing.assert_array_equal(inferred, explicit)
    np.testing.assert_array_equal(as_list, explicit)

    # In a functional model the mask travels with the regions.
    regions = keras.Input((REGIONS, FEATURES))
    question = keras.Input((FEATURES,))
    output = layer([keras.layers.Masking(0.0)(regions), question])
    model = keras.Model([regions, question], output)
    np.testing.assert_allclose(_numpy(model([padded, v_q])), explicit, atol=1e-6)


def test_every_region_masked_gives_the_question_back():
    layer = _layer_with_random_weights(return_attention=True)
    v_i, v_q = _inputs()
    mask = np.zeros((BATCH, REGIONS), bool)
    u, attention = layer([v_i, v_q], mask=mask)
    np.testing.assert_array_equal(_numpy(attention), 0.0)
    np.testing.assert_array_equal(_numpy(u), v_q)


def test_padding_with_masked_regions_changes_nothing():
    # Images with different numbers of regions, padded to one length.
    layer = _layer_with_random_weights(return_attention=True)
    v_i, v_q = _inputs()
    rng = np.random.default_rng(5)
    padded = np.concatenate(
        [v_i, rng.normal(size=(BATCH, 3, FEATURES)).astype("float32")], axis=1
    )
    mask = np.concatenate([np.ones((BATCH, REGIONS), bool), np.zeros((BATCH, 3), bool)], 1)
    u, attention = layer([v_i, v_q])
    padded_u, padded_attention = layer([padded, v_q], mask=mask)
    np.testing.assert_allclose(_numpy(padded_u), _numpy(u), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        _numpy(padded_attention)[..., :REGIONS], _numpy(attention), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_array_equal(_numpy(padded_attention)[..., REGIONS:], 0.0)


def test_mixed_float16_masking_is_finite_and_exact():
    keras.config.set_dtype_policy("mixed_float16")
    layer = StackedAttention(UNITS, return_attention=True)
    v_i, v_q = _inputs()
    u, attention = layer([v_i * 100, v_q], mask=MASK)
    assert keras.backend.standardize_dtype(u.dtype) == "float16"
    assert keras.backend.standardize_dtype(attention.dtype) == "float16"
    assert {w.dtype for w in layer.weights} == {"float32"}
    attention = _numpy(attention).astype("float32")
    assert np.isfinite(_numpy(u).astype("float32")).all()
    np.testing.assert_array_equal(attention[..., 3:][0], 0.0)
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=2e-3)


# === Shapes, weights, training ===


def test_hops_2_shapes_and_weights():
    layer = StackedAttention(UNITS, hops=2, return_attention=True)
    regions = keras.Input((None, FEATURES))  # any number of regions
    question = keras.Input((FEATURES,))
    u, attention = layer([regions, question])
    assert tuple(u.shape) == (None, FEATURES)
    assert tuple(attention.shape) == (None, 2, None)
    assert layer.compute_output_shape([(7, 9, FEATURES), (7, FEATURES)]) == (
        (7, FEATURES), (7, 2, 9)
    )
    assert [tuple(w.shape) for w in layer.weights] == [
        (2, FEATURES, UNITS),  # W_{I,A}
        (2, FEATURES, UNITS),  # W_{Q,A}
        (2, UNITS, 1),  # W_P
        (2, UNITS),  # b_A
    ]
    u, attention = layer(list(_inputs(regions=9)))
    assert _numpy(u).shape == (BATCH, FEATURES)
    assert _numpy(attention).shape == (BATCH, 2, 9)
    plain = StackedAttention(UNITS)
    assert plain.compute_output_shape([(7, 9, FEATURES), (7, FEATURES)]) == (7, FEATURES)
    assert _numpy(plain(list(_inputs()))).shape == (BATCH, FEATURES)


def test_gradients_reach_every_weight():
    layer = _layer_with_random_weights(weights_seed=3)
    v_i, v_q = _inputs()
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = ops.sum(ops.square(layer([v_i, v_q])))
    gradients = tape.gradient(loss, layer.trainable_variables)
    for variable, gradient in zip(layer.trainable_variables, gradients):
        assert np.abs(_numpy(gradient)).sum() > 0, variable.path


def test_dropout_only_in_training_and_seeded():
    v_i, v_q = _inputs()
    layer = _layer_with_random_weights(dropout=0.5, seed=7)
    inference = _numpy(layer([v_i, v_q]))
    np.testing.assert_array_equal(_numpy(layer([v_i, v_q], training=False)), inference)
    trained = _numpy(layer([v_i, v_q], training=True))
    assert not np.allclose(trained, inference)
    again = _layer_with_random_weights(dropout=0.5, seed=7)
    np.testing.assert_array_equal(_numpy(again([v_i, v_q], training=True)), trained)


def test_config_round_trip():
    layer = StackedAttention(
        8, hops=3, dropout=0.25, use_bias=False, return_attention=True,
        kernel_regularizer="l2", seed=4, name="san",
    )
    config = layer.get_config()
    restored = StackedAttention.from_config(config)
    assert restored.get_config() == config
    assert (config["units"], config["hops"], config["dropout"]) == (8, 3, 0.25)
    assert keras.saving.get_registered_name(StackedAttention) == (
        "keras_memory>StackedAttention"
    )


def test_keras_saving_with_attention_outputs(tmp_path):
    regions = keras.Input((REGIONS, FEATURES), name="regions")
    question = keras.Input((FEATURES,), name="question")
    u, attention = StackedAttention(UNITS, return_attention=True)(
        [keras.layers.Masking(0.0)(regions), question]
    )
    model = keras.Model([regions, question], [keras.layers.Dense(2)(u), attention])
    v_i, v_q = _inputs()
    v_i[0, -2:] = 0.0
    expected = [_numpy(y) for y in model([v_i, v_q])]
    np.testing.assert_array_equal(expected[1][0, :, -2:], 0.0)
    model.save(tmp_path / "san.keras")
    loaded = keras.saving.load_model(tmp_path / "san.keras")
    for actual, wanted in zip(loaded([v_i, v_q]), expected):
        np.testing.assert_array_equal(_numpy(actual), wanted)


# === Bad arguments ===


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"units": 0}, "units"),
        ({"units": -3}, "units"),
        ({"units": 2.0}, "units"),
        ({"units": True}, "units"),
        ({"units": 4, "hops": 0}, "hops"),
        ({"units": 4, "hops": -1}, "hops"),
        ({"units": 4, "hops": "2"}, "hops"),
        ({"units": 4, "dropout": 1.0}, "dropout"),
        ({"units": 4, "dropout": -0.1}, "dropout"),
        ({"units": 4, "use_bias": "yes"}, "use_bias"),
        ({"units": 4, "return_attention": 1}, "return_attention"),
        ({"units": 4, "seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument):
    value = kwargs[argument]
    with pytest.raises(ValueError, match=f"argument `{argument}`.*got {value!r}"):
        StackedAttention(**kwargs)


@pytest.mark.parametrize(
    "shapes,argument,value",
    [
        ([(2, 5, 4), (2, 3)], r"inputs\[1\]", r"\(2, 3\)"),  # d mismatch
        ([(2, 4), (2, 4)], r"inputs\[0\]", r"\(2, 4\)"),  # regions rank 2
        ([(2, 5, 4), (2, 1, 4)], r"inputs\[1\]", r"\(2, 1, 4\)"),  # question rank 3
        ([(2, 5, None), (2, 4)], r"inputs\[0\]", r"\(2, 5, None\)"),  # unknown d
    ],
)
def test_bad_input_shapes_name_the_input_and_shape(shapes, argument, value):
    with pytest.raises(ValueError, match=f"argument `{argument}`.*{value}"):
        StackedAttention(4).build(shapes)


def test_a_single_input_is_refused():
    with pytest.raises(ValueError, match="argument `inputs`"):
        StackedAttention(4).build((2, 5, 4))
    with pytest.raises(ValueError, match="argument `inputs`"):
        StackedAttention(4)(np.zeros((2, 5, 4), "float32"))


def test_bad_mask_rank():
    layer = _layer_with_random_weights()
    with pytest.raises(ValueError, match=r"argument `mask`.*\(3, 5, 1\)"):
        layer(list(_inputs()), mask=np.ones((BATCH, REGIONS, 1), bool))


# === Learning ===


def test_san_learns_shapes_vqa_well_above_chance():
    """A tiny SAN answers colour and shape questions about unseen images.

    Guessing from the question alone is right 29 % of the time (1/4 for a
    colour, 1/3 for a shape); the colour of "the square" needs the square
    found among other shapes. One region per grid cell (an 8x8 convolution
    of stride 8) and a bag-of-words question keep the model small enough to
    learn this in a few seconds of CPU.
    """
    vqa = importlib.import_module("keras_memory.datasets.shapes_vqa")
    types = ("colour", "shape")
    images, questions, answers = vqa.shapes_vqa(2500, question_types=types, seed=1)
    test_images, test_questions, test_answers = vqa.shapes_vqa(
        300, question_types=types, seed=2
    )
    keras.utils.set_random_seed(0)
    d = 32
    image = keras.Input((24, 24, 3))
    question = keras.Input((vqa.MAX_QUESTION_LENGTH,), dtype="int32")
    # One region per grid cell: an 8x8 patch embedding, v_I (batch, 9, d).
    cells = keras.layers.Conv2D(d, 8, strides=8, activation="relu")(image)
    regions = keras.layers.Reshape((9, d))(cells)
    words = keras.layers.Embedding(len(vqa.VOCABULARY), d, mask_zero=True)(question)
    question_vector = keras.layers.Dense(d, activation="tanh")(
        keras.layers.GlobalAveragePooling1D()(words)
    )  # v_Q: a bag of words
    refined = StackedAttention(d, hops=2)([regions, question_vector])
    answer = keras.layers.Dense(len(vqa.ANSWERS), activation="softmax")(refined)
    model = keras.Model([image, question], answer)
    model.compile(
        keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit([images, questions], answers, batch_size=32, epochs=6, verbose=0)
    # One eager call: cheaper than tracing `evaluate` for a single batch.
    predicted = np.argmax(_numpy(model([test_images, test_questions])), -1)
    accuracy = float(np.mean(predicted == test_answers))
    chance = (1 / 4 + 1 / 3) / 2
    assert accuracy > chance + 0.35, accuracy
