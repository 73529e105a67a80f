"""Behaviour of the ACT layer: the ponder cost, its masking, the metric."""

import math

import keras
import numpy as np
import pytest

from keras_memory.layers import ACT

X = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
MASK = np.array([[True, True, True, False, False], [True] * 5])


def _constant_halting_layer(h=0.3, **kwargs):
    """W_h = 0, b_h = logit(h): ρ_t = 4.1 at every step with M = 5 and h = 0.3."""
    return ACT(
        keras.layers.GRUCell(3),
        max_ponder_steps=5,
        halting_kernel_initializer="zeros",
        halting_bias_initializer=keras.initializers.Constant(math.log(h / (1 - h))),
        **kwargs,
    )


def test_ponder_cost_sums_the_valid_steps_and_averages_the_batch():
    layer = _constant_halting_layer(ponder_cost=0.01, return_sequences=True, return_ponder=True)
    outputs, ponder = layer(X, mask=MASK)
    ponder = keras.ops.convert_to_numpy(ponder)
    np.testing.assert_allclose(ponder, np.where(MASK, 4.1, 0.0), atol=1e-5)
    # τ * mean over the batch of sum_t ρ_t: (3 + 5) steps of 4.1, over 2.
    (loss,) = layer.losses
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss), 0.01 * 8 * 4.1 / 2, rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.ponder_time.result()), 4.1,
                               rtol=1e-5)
    assert tuple(outputs.shape) == (2, 5, 3)


def test_zero_ponder_cost_adds_no_loss():
    layer = _constant_halting_layer(ponder_cost=0.0)
    layer(X)
    assert layer.losses == []


def test_outputs_are_the_cells_without_the_ponder_column():
    layer = _constant_halting_layer(return_sequences=True, return_state=True)
    outputs, *states = layer(X)
    cell_outputs = keras.layers.RNN(layer.cell, return_sequences=True)(X)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(outputs), keras.ops.convert_to_numpy(cell_outputs)[..., :3]
    )
    assert [tuple(s.shape) for s in states] == [(2, 4), (2, 3)]


def test_last_output_without_sequences():
    layer = _constant_halting_layer()
    sequences = _constant_halting_layer(return_sequences=True)
    last = layer(X)
    sequences(X)
    sequences.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(last), keras.ops.convert_to_numpy(sequences(X))[:, -1]
    )


def test_training_lowers_the_ponder_time_under_a_ponder_cost():
    # Nothing to predict (zero targets on a zero-initialised head): only the
    # cost moves b_h and W_h, so the mean ponder time falls.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5, 3))
    layer = ACT(keras.layers.GRUCell(3), max_ponder_steps=6, ponder_cost=0.1,
                halting_bias_initializer=keras.initializers.Constant(-2.0),
                return_sequences=True)
    outputs = keras.layers.Dense(1, kernel_initializer="zeros")(layer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(X, np.zeros((2, 5, 1)), epochs=20, verbose=0)
    times = history.history["ponder_time"]
    assert times[0] > 4.0 and times[-1] < times[0] - 1.0, times


def test_bidirectional_adds_both_directions_costs():
    layer = keras.layers.Bidirectional(_constant_halting_layer(ponder_cost=0.01))
    layer(X, mask=MASK)
    assert len(layer.losses) == 2
    for loss in layer.losses:
        np.testing.assert_allclose(keras.ops.convert_to_numpy(loss), 0.01 * 8 * 4.1 / 2,
                                   rtol=1e-5)


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"ponder_cost": -1.0}, "ponder_cost"),
        ({"ponder_cost": math.inf}, "ponder_cost"),
        ({"ponder_cost": math.nan}, "ponder_cost"),
        ({"ponder_cost": "0.1"}, "ponder_cost"),
        ({"return_ponder": True}, "return_ponder"),  # without return_sequences
        ({"max_ponder_steps": -2}, "max_ponder_steps"),
        ({"return_sequences": "no"}, "return_sequences"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(arguments, name):
    kwargs = {"cell": keras.layers.GRUCell(3), "max_ponder_steps": 3, **arguments}
    with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
        ACT(**kwargs)


def test_config_round_trip():
    layer = ACT(keras.layers.LSTMCell(3), max_ponder_steps=4, ponder_cost=0.02,
                epsilon=0.1, return_sequences=True, return_ponder=True)
    clone = ACT.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.cell.max_ponder_steps == 4 and clone.ponder_cost == 0.02
