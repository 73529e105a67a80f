import numpy as np
import pytest
from keras import ops

from keras_memory.ops.feature_grid import flatten_feature_grid
from keras_memory.ops.feature_grid import grid_positions


def test_rows_are_grid_cells_in_row_major_order():
    features = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    memory = ops.convert_to_numpy(flatten_feature_grid(features))
    assert memory.shape == (2, 12, 5)
    for index, (row, column) in enumerate(grid_positions(3, 4)):
        np.testing.assert_array_equal(memory[:, index], features[:, row, column])


def test_grid_positions():
    np.testing.assert_array_equal(grid_positions(2, 2), [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert grid_positions(7, 7).shape == (49, 2)
    assert grid_positions(1, 3).dtype == np.int32


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 4, 5, 6)])
def test_bad_rank(shape):
    with pytest.raises(ValueError, match="`features`, expected a rank-4"):
        flatten_feature_grid(np.zeros(shape, "float32"))


@pytest.mark.parametrize("height, width", [(0, 2), (2, 0), (2.5, 2), (True, 2)])
def test_bad_grid_sizes(height, width):
    with pytest.raises(ValueError, match="Received an invalid value for argument `(height|width)`"):
        grid_positions(height, width)
