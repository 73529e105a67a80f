"""Integer inputs are cast to the compute dtype, as `keras.layers.Dense` does;
numeric hyperparameters that would poison the weights are refused."""

import math

import keras
import numpy as np
import pytest

from keras_memory.layers import SkipRNN
from keras_memory.layers import StackedAttention


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_stacked_attention_casts_integer_features(dtype):
    rng = np.random.default_rng(0)
    regions = rng.integers(0, 5, size=(2, 4, 3))
    question = rng.integers(0, 5, size=(2, 3))
    layer = StackedAttention(6, hops=2, return_attention=True)
    expected, expected_attention = layer([regions.astype("float32"), question.astype("float32")])
    query, attention = layer([regions.astype(dtype), question.astype(dtype)])
    assert keras.backend.standardize_dtype(query.dtype) == "float32"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(query), keras.ops.convert_to_numpy(expected), atol=1e-6
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(attention),
        keras.ops.convert_to_numpy(expected_attention),
        atol=1e-6,
    )
    # Not the question unchanged (what int32 inputs used to give back).
    assert not np.allclose(keras.ops.convert_to_numpy(query), question)


def test_stacked_attention_integer_features_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        layer = StackedAttention(6)
        query = layer([np.ones((1, 4, 3), "int32"), np.ones((1, 3), "int32")])
    finally:
        keras.config.set_dtype_policy("float32")
    assert keras.backend.standardize_dtype(query.dtype) == "float16"
    assert np.isfinite(keras.ops.convert_to_numpy(query)).all()


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, -0.5, "0.1", None])
def test_skip_rnn_refuses_a_budget_weight_that_is_not_finite_and_non_negative(value):
    with pytest.raises(ValueError, match=r"argument `budget_weight`.*got"):
        SkipRNN(keras.layers.GRUCell(2), budget_weight=value)


def test_skip_rnn_budget_weight_zero_and_large_finite_values_are_kept():
    assert SkipRNN(keras.layers.GRUCell(2), budget_weight=0).budget_weight == 0.0
    assert SkipRNN(keras.layers.GRUCell(2), budget_weight=1e6).budget_weight == 1e6
