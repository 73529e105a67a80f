"""GlimpseNetwork: the NumPy reference of g = relu(Linear(h_g) + Linear(h_l))."""

import glimpse_references
import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers.glimpse_network import GlimpseNetwork


def _inputs(batch=3, size=28, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((batch, size, size, channels)).astype("float32")
    locations = rng.uniform(-1.2, 1.2, (batch, 2)).astype("float32")  # some clipped
    return images, locations


@pytest.mark.parametrize(
    "kwargs, size, channels",
    [
        ({"patch_size": 4}, 28, 1),
        ({"patch_size": 5, "num_scales": 3, "scale_factor": 1.5}, 60, 2),
    ],
)
def test_matches_the_numpy_reference(kwargs, size, channels):
    network = GlimpseNetwork(glimpse_units=6, location_units=5, units=7, **kwargs)
    images, locations = _inputs(size=size, channels=channels)
    network([images, locations])
    rng = np.random.default_rng(1)
    for weight in network.trainable_weights:  # biases too, so every relu bites
        weight.assign(0.5 * rng.normal(size=weight.shape))
    actual = to_numpy(network([images, locations]))
    expected = glimpse_references.glimpse_network(network, images, locations)
    assert actual.shape == (3, 7)
    np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=1e-4)
    assert (actual == 0).any() and (actual > 0).any()


def test_weights_and_output_shape():
    network = GlimpseNetwork(patch_size=3, num_scales=2, glimpse_units=4, location_units=5, units=6)
    images, locations = _inputs(channels=2)
    network([images, locations])
    shapes = [tuple(w.shape) for w in network.trainable_weights]
    # One bias for g: Linear(h_g) + Linear(h_l) would add two.
    assert shapes == [(3 * 3 * 2 * 2, 4), (4,), (2, 5), (5,), (4, 6), (6,), (5, 6)]
    assert network.compute_output_shape([(None, 28, 28, 2), (None, 2)]) == (None, 6)
    symbolic = network([keras.Input((28, 28, 2)), keras.Input((2,))])
    assert tuple(symbolic.shape) == (None, 6)


def test_four_kernels_start_different():
    network = GlimpseNetwork(patch_size=2, glimpse_units=4, location_units=4, units=4)
    network(list(_inputs()))
    kernels = [network.what_to_glimpse.kernel, network.where_to_glimpse.kernel]
    assert not np.allclose(*to_numpy(kernels))


def test_config_round_trip():
    network = GlimpseNetwork(patch_size=5, num_scales=2, scale_factor=3, units=9, name="g")
    config = network.get_config()
    restored = GlimpseNetwork.from_config(config)
    assert restored.get_config() == config
    assert config["patch_size"] == 5 and config["scale_factor"] == 3.0


@pytest.mark.parametrize(
    "name, value",
    [
        ("patch_size", 0),
        ("num_scales", 0),
        ("scale_factor", 0.5),
        ("glimpse_units", 0),
        ("location_units", -1),
        ("units", 2.5),
        ("kernel_initializer", "nope"),
    ],
)
def test_bad_arguments(name, value):
    kwargs = {"patch_size": 4, name: value}
    assert_invalid_argument(GlimpseNetwork, name, None, **kwargs)


def test_bad_inputs():
    images, locations = _inputs()
    assert_invalid_argument(GlimpseNetwork(4), "images", None, [images[0], locations])
    assert_invalid_argument(GlimpseNetwork(4), "locations", None, [images, locations[:, :1]])
    assert_invalid_argument(GlimpseNetwork(4), "inputs", None, images)
