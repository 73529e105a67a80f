"""A grid of convolutional features as a memory of locations (Xu et al., 2015)."""

import numpy as np
from keras import ops

from keras_memory import validation


def flatten_feature_grid(features):
    """Flattens a feature map `(batch, H, W, C)` into `L = H * W` memory rows.

    Show, attend and tell's annotation vectors `a = {a_1, ..., a_L}`, one
    `C`-dimensional vector per location of the encoder's feature map (14 x 14
    x 512 in the paper, `L = 196`). Row `i` is grid cell `(i // W, i % W)`
    (row-major, as `grid_positions` lists them), so that an attention weight
    `alpha_ti` maps back onto the image for figures.

    Args:
        features: A channels-last feature map `(batch, H, W, C)` with static
            `H`, `W` and `C`.

    Returns:
        The memory `(batch, H * W, C)`.

    Example:

    >>> import numpy as np
    >>> features = np.arange(12, dtype="float32").reshape(1, 2, 3, 2)
    >>> memory = flatten_feature_grid(features)
    >>> tuple(memory.shape), ops.convert_to_numpy(memory)[0, 4].tolist()
    ((1, 6, 2), [8.0, 9.0])
    """
    features = ops.convert_to_tensor(features)
    shape = tuple(features.shape)
    if len(shape) != 4 or None in shape[1:]:
        raise ValueError(
            "Received an invalid value for argument `features`, expected a rank-4 "
            "feature map (batch, H, W, C) with static H, W and C, got a tensor of "
            f"shape {shape}."
        )
    _, height, width, channels = shape
    return ops.reshape(features, (-1, height * width, channels))


def grid_positions(height, width):
    """The grid cell `(row, column)` of every memory row of `flatten_feature_grid`.

    Args:
        height: Positive integer `H`, the rows of the feature map.
        width: Positive integer `W`, its columns.

    Returns:
        An int32 NumPy array `(H * W, 2)`: row `i` is `(i // W, i % W)`.

    Example:

    >>> grid_positions(2, 3).tolist()
    [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    """
    height = validation.check_positive_int("height", height)
    width = validation.check_positive_int("width", width)
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    return np.stack([rows.ravel(), columns.ravel()], axis=-1).astype("int32")
