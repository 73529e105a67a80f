"""RecurrentAttentionModel: the NumPy reference, the conformance checks on its
spec, the sampled and deterministic paths, any core cell, bad arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers.recurrent_attention_model import RecurrentAttentionModel


def _tiny(**kwargs):
    config = dict(
        num_glimpses=3,
        patch_size=4,
        num_scales=2,
        glimpse_units=6,
        location_units=5,
        glimpse_output_units=7,
        core_units=8,
        seed=2,
    )
    return RecurrentAttentionModel(4, **{**config, **kwargs})


def _images(rng, batch_size):
    return {"images": rng.random((batch_size, 20, 20, 1)).astype("float32")}


def test_lstm_core_and_its_reference_shapes():
    layer = _tiny(core_cell=keras.layers.LSTMCell(5), num_glimpses=2)
    logits, locations, log_probs, baselines = to_numpy(
        layer(_images(np.random.default_rng(0), 3)["images"])
    )
    assert logits.shape == (3, 4) and locations.shape == (3, 2, 2)
    assert layer.hidden_size == 5
    restored = RecurrentAttentionModel.from_config(layer.get_config())
    assert isinstance(restored.core_cell, keras.layers.LSTMCell)
    assert restored.core_cell.units == 5


def test_deterministic_path_starts_at_the_centre_and_repeats():
    layer = _tiny()
    images = _images(np.random.default_rng(0), 3)["images"]
    first = to_numpy(layer(images))
    second = to_numpy(layer(images))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first[1][:, 0], np.zeros((3, 2)))
    np.testing.assert_array_equal(first[2][:, 0], np.zeros(3))


def test_sampled_paths_start_uniform_and_carry_log_probs():
    layer = _tiny(location_std=0.1)
    images = np.zeros((2000, 20, 20, 1), "float32")
    _, locations, log_probs, _ = to_numpy(layer(images, training=True))
    start = locations[:, 0]
    assert start.min() >= -1 and start.max() <= 1
    np.testing.assert_allclose(start.mean(0), [0, 0], atol=0.05)
    np.testing.assert_allclose(start.var(0), [1 / 3, 1 / 3], rtol=0.1)  # U(-1, 1)
    np.testing.assert_array_equal(log_probs[:, 0], 0)
    # sample_locations overrides training both ways.
    deterministic = to_numpy(layer(images[:5], training=True, sample_locations=False))
    np.testing.assert_array_equal(deterministic[1][:, 0], np.zeros((5, 2)))
    sampled = to_numpy(layer(images[:5], sample_locations=True))[1][:, 0]
    assert np.abs(sampled).min() > 0


def test_uniform_location_policy_draws_every_glimpse_at_random():
    layer = _tiny(location_policy="uniform", num_glimpses=4)
    images = np.zeros((2000, 20, 20, 1), "float32")
    # At inference too (the control has no mean path), with log pi = 0.
    _, locations, log_probs, _ = to_numpy(layer(images, training=False))
    flat = locations.reshape(-1, 2)
    assert flat.min() >= -1 and flat.max() <= 1
    np.testing.assert_allclose(flat.var(0), [1 / 3, 1 / 3], rtol=0.1)  # U(-1, 1)
    np.testing.assert_array_equal(log_probs, 0)
    # The glimpses of one image are independent draws, not one location.
    assert np.abs(locations[:, 1] - locations[:, 2]).mean() > 0.3
    restored = RecurrentAttentionModel.from_config(layer.get_config())
    assert restored.location_policy == "uniform"
    # The unused location network is frozen: nothing asks for its gradient.
    trainable = {id(w) for w in layer.trainable_weights}
    assert not any(id(w) in trainable for w in layer.location_network.weights)
    assert len(layer.location_network.weights) == 2  # still saved


@pytest.mark.parametrize("to_core", [False, True])
def test_policy_gradient_reaches_the_core_on_request_and_baseline_reads_a_stopped_state(to_core):
    layer = _tiny(policy_gradient_to_core=to_core)
    images = tf.constant(_images(np.random.default_rng(0), 3)["images"])
    layer(images)
    with tf.GradientTape(persistent=True) as tape:
        logits, _, log_probs, baselines = layer(images, training=True)
        policy_term = tf.reduce_sum(log_probs)
        baseline_term = tf.reduce_sum(baselines)
        class_term = tf.reduce_sum(logits)
    core = layer.core_cell.kernel
    glimpse = layer.glimpse_network.trainable_weights[0]
    if to_core:  # the paper's gradient for the whole agent
        assert np.abs(tape.gradient(policy_term, core).numpy()).max() > 0
        assert np.abs(tape.gradient(policy_term, glimpse).numpy()).max() > 0
    else:  # the reference's h_t.detach(): REINFORCE trains the policy alone
        assert tape.gradient(policy_term, core) is None
        assert tape.gradient(policy_term, glimpse) is None
    assert np.abs(tape.gradient(class_term, core).numpy()).max() > 0
    assert np.abs(tape.gradient(policy_term, layer.location_network.mean.kernel).numpy()).max() > 0
    assert tape.gradient(baseline_term, core) is None
    assert tape.gradient(baseline_term, layer.baseline_network.kernel) is not None


def test_xla_with_a_dynamic_batch_equals_eager():
    layer = _tiny()
    images = _images(np.random.default_rng(3), 5)["images"]
    eager = to_numpy(layer(images))
    compiled = tf.function(
        lambda x: layer(x), jit_compile=True, input_signature=[tf.TensorSpec((None, 20, 20, 1))]
    )
    for actual, expected in zip(to_numpy(compiled(images)), eager):
        np.testing.assert_allclose(actual, expected, atol=1e-5)
    assert to_numpy(compiled(images[:2]))[0].shape == (2, 4)


@pytest.mark.parametrize(
    "name, value",
    [
        ("num_classes", 0),
        ("num_glimpses", 0),
        ("core_units", 0),
        ("seed", -1),
        ("core_cell", "lstm"),
        ("patch_size", 0),
        ("num_scales", 0),
        ("location_std", 0.0),
        ("location_policy", "random"),
        ("policy_gradient_to_core", "yes"),
    ],
)
def test_bad_arguments(name, value):
    kwargs = {"num_classes": 3, name: value}
    assert_invalid_argument(RecurrentAttentionModel, name, None, **kwargs)


def test_bad_images():
    for shape in [(2, 20, 20), (2, 20, 20, 1, 1)]:
        assert_invalid_argument(_tiny(), "images", None, np.zeros(shape, "float32"))
    assert_invalid_argument(
        _tiny(), "sample_locations", None, np.zeros((1, 20, 20, 1)), sample_locations=1
    )
