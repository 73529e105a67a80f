"""Helpers shared by the test modules (imported as `testing_utils`)."""

import re

import keras
import numpy as np
import pytest


def to_numpy(values):
    """A tensor, or a (nested) list/tuple/dict of them, as NumPy arrays."""
    return keras.tree.map_structure(
        lambda value: np.asarray(keras.ops.convert_to_numpy(value)), values
    )


def assert_invalid_argument(function, name, value=None, *args, **kwargs):
    """Asserts that `function(*args, **kwargs)` raises the Keras-style error.

    The ValueError must name the argument `name` ("Received an invalid value
    for argument `name`, ...") and, when `value` is given, end with
    "got {value!r}." as `keras_memory.validation.invalid_argument` writes it.
    """
    pattern = rf"Received an invalid value for argument `{re.escape(name)}`"
    if value is not None:
        pattern += rf".*got {re.escape(repr(value))}\."
    with pytest.raises(ValueError, match=pattern):
        function(*args, **kwargs)
