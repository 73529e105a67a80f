import numpy as np
import pytest
from keras import ops

from keras_memory.ops.location_sampling import gumbel_max_locations
from keras_memory.ops.location_sampling import read_location


def test_gumbel_max_frequencies_match_the_weights():
    rng = np.random.default_rng(0)
    weights = np.tile(np.array([[0.1, 0.6, 0.0, 0.3]], "float32"), (20000, 1))
    noise = rng.uniform(size=weights.shape).astype("float32")
    locations = ops.convert_to_numpy(gumbel_max_locations(weights, noise))
    frequencies = np.bincount(locations, minlength=4) / len(locations)
    np.testing.assert_allclose(frequencies, weights[0], atol=0.015)
    assert frequencies[2] == 0.0  # a zero weight is never drawn


def test_gumbel_max_is_the_numpy_argmax():
    rng = np.random.default_rng(1)
    weights = rng.dirichlet(np.ones(5), size=8).astype("float32")
    noise = rng.uniform(size=weights.shape).astype("float32")
    expected = np.argmax(np.log(weights) - np.log(-np.log(noise)), axis=-1)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(gumbel_max_locations(weights, noise)), expected
    )


def test_read_location_values_and_log_probs():
    rng = np.random.default_rng(2)
    memory = rng.normal(size=(3, 4, 2)).astype("float32")
    weights = rng.dirichlet(np.ones(4), size=3).astype("float32")
    weights[2] = 0.0  # an all-padding memory
    locations = np.array([3, 0, 1])
    read = read_location(memory, weights, locations)
    values = ops.convert_to_numpy(read.values)
    np.testing.assert_allclose(values[:2], memory[[0, 1], [3, 0]], rtol=1e-6)
    np.testing.assert_array_equal(values[2], [0.0, 0.0])
    expected = [np.log(weights[0, 3]), np.log(weights[1, 0]), 0.0]
    np.testing.assert_allclose(ops.convert_to_numpy(read.log_probs), expected, rtol=1e-5)
    np.testing.assert_array_equal(ops.convert_to_numpy(read.indices), locations)


@pytest.mark.parametrize(
    "memory_shape, weights_shape, match",
    [
        ((2, 4), (2, 4), "`memory`"),
        ((2, 4, 3), (2, 1, 4), "`weights`"),
        ((2, 4, 3), (2, 5), "`weights`"),
    ],
)
def test_read_location_bad_shapes(memory_shape, weights_shape, match):
    with pytest.raises(ValueError, match=match):
        read_location(np.zeros(memory_shape, "float32"), np.zeros(weights_shape, "float32"), [0, 0])
