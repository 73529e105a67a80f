"""Behaviour of ACTCell against hand-computed halting (Graves 2016)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.layers import ACTCell
from keras_memory.layers import ClockworkRNNCell

X = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")


def _constant_halting(h, inner=None, **kwargs):
    """W_h = 0 and b_h = logit(h): every ponder step's halting unit is `h`."""
    kwargs.setdefault("max_ponder_steps", 5)
    return ACTCell(
        inner or keras.layers.SimpleRNNCell(2),
        halting_kernel_initializer="zeros",
        halting_bias_initializer=keras.initializers.Constant(math.log(h / (1 - h))),
        return_ponder=True,
        **kwargs,
    )


def _run(cell, x=X, training=False, **kwargs):
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True, **kwargs)
    outputs, *states = layer(x, training=training)
    return keras.ops.convert_to_numpy(outputs), [keras.ops.convert_to_numpy(s) for s in states]


def _simple_rnn_step(cell):
    """A SimpleRNN step in NumPy: h' = tanh([x, flag] W + h U + b)."""
    w, u, b = (keras.ops.convert_to_numpy(v) for v in cell.weights)
    return lambda x, h: np.tanh(x @ w + h @ u + b)


@pytest.mark.parametrize(
    "h, max_ponder_steps, epsilon, weights",
    [
        # Sums 0.3, 0.6, 0.9, 1.2 >= 0.99: N = 4, R = 1 - 0.9.
        (0.3, 5, 0.01, [0.3, 0.3, 0.3, 0.1]),
        # The limit M = 3 stops it first: N = 3, R = 1 - 0.6.
        (0.3, 3, 0.01, [0.3, 0.3, 0.4]),
        # 0.6 + 0.6 >= 0.99: N = 2, R = 0.4.
        (0.6, 5, 0.01, [0.6, 0.4]),
        # ε = 0.5: 0.6 >= 0.5 at once, N = 1, R = 1.
        (0.6, 5, 0.5, [1.0]),
    ],
)
@pytest.mark.parametrize("training", [False, True])
def test_output_is_the_halting_weighted_mean_by_hand(
    h, max_ponder_steps, epsilon, weights, training
):
    cell = _constant_halting(h, max_ponder_steps=max_ponder_steps, epsilon=epsilon)
    outputs, states = _run(cell, training=training)
    step = _simple_rnn_step(cell.cell)
    state = np.zeros((2, 2), "float32")
    for t in range(X.shape[1]):
        ponder_states = []
        for n in range(len(weights)):
            flag = np.full((2, 1), 1.0 if n == 0 else 0.0, "float32")
            ponder_states.append(step(np.concatenate([X[:, t], flag], -1), (
                ponder_states[-1] if ponder_states else state)))
        state = sum(p * s for p, s in zip(weights, ponder_states))
        np.testing.assert_allclose(outputs[:, t, :2], state, atol=1e-5)
        # ρ_t = N(t) + R(t)
        np.testing.assert_allclose(outputs[:, t, 2], len(weights) + weights[-1], atol=1e-5)
    np.testing.assert_allclose(states[1], state, atol=1e-5)


@pytest.mark.parametrize(
    "bias, expected",
    [
        # The default, the paper's b_h = 1: h = sigmoid(1) = 0.731 at every
        # step of an untrained cell with W_h = 0, so N = 2 and R = 1 - 0.731.
        (None, 3.0 - 1 / (1 + math.exp(-1))),
        # A deep start, b_h = -3: h = 0.047, the sum stays below 0.99 for
        # M = 10 steps, so N = 10 and R = 1 - 9 h.
        (-3.0, 10 + 1 - 9 / (1 + math.exp(3))),
    ],
)
def test_halting_bias_sets_the_untrained_ponder_time(bias, expected):
    cell = ACTCell(
        keras.layers.GRUCell(3),
        max_ponder_steps=10,
        halting_kernel_initializer="zeros",
        halting_bias_initializer=None if bias is None else keras.initializers.Constant(bias),
        return_ponder=True,
    )
    outputs, _ = _run(cell)
    np.testing.assert_allclose(outputs[..., -1], expected, atol=1e-5)


def test_ponder_time_gradient_flows_through_the_remainder_only():
    # With constant h = sigmoid(b): ρ = N + 1 - (N - 1) h, so
    # dρ/db = -(N - 1) h (1 - h) = -3 * 0.3 * 0.7 at N = 4 (one input step).
    cell = _constant_halting(0.3)
    layer = keras.layers.RNN(cell, return_sequences=True)
    layer(X[:, :1])
    with tf.GradientTape() as tape:
        ponder = layer(X[:, :1], training=True)[..., -1]
        total = tf.reduce_sum(ponder)
    gradient = tape.gradient(total, cell.halting_bias)
    np.testing.assert_allclose(gradient.numpy(), [2 * -3 * 0.3 * 0.7], rtol=1e-4)


def test_training_and_inference_loops_agree():
    # The fixed masked loop of training and the early exit of inference give
    # the same result (no dropout): only the amount of work differs.
    cell = ACTCell(
        keras.layers.LSTMCell(4),
        max_ponder_steps=6,
        return_ponder=True,
        halting_bias_initializer=keras.initializers.Constant(-1.5),
    )
    layer = keras.layers.RNN(cell, return_sequences=True)
    inference = keras.ops.convert_to_numpy(layer(X, training=False))
    training = keras.ops.convert_to_numpy(layer(X, training=True))
    np.testing.assert_allclose(inference, training, atol=1e-6)
    assert len(np.unique(np.round(inference[..., -1], 4))) > 1  # ponder times vary


class _CountingCell(keras.layers.SimpleRNNCell):
    calls = 0

    def call(self, inputs, states, training=False):
        type(self).calls += 1
        return super().call(inputs, states, training=training)


@pytest.mark.parametrize("skip, expected_calls", [(True, 2), (False, 7)])
def test_inference_stops_once_every_example_has_halted(skip, expected_calls):
    # h = 0.6: every example halts at N = 2; eager calls count the steps.
    cell = _constant_halting(
        0.6, inner=_CountingCell(2), max_ponder_steps=7, skip_inference_computation=skip
    )
    states = cell.get_initial_state(batch_size=2)
    cell(X[:, 0], states)  # builds
    _CountingCell.calls = 0
    output, _ = cell(X[:, 0], states)
    assert _CountingCell.calls == expected_calls
    np.testing.assert_allclose(keras.ops.convert_to_numpy(output)[:, -1], 2.4, atol=1e-5)


def test_clockwork_phases_are_taken_from_the_halting_step_not_averaged():
    # N = 3 ponder steps per input (M = 3): the clock advances 3 times per
    # input step, so after one input its phases are 3 mod [1, 2] = [0, 1].
    # An average would give 0.3 * 1 + 0.3 * 0 + 0.4 * 1 = 0.7.
    cell = _constant_halting(
        0.3, inner=ClockworkRNNCell(4, periods=[1, 2]), max_ponder_steps=3
    )
    for steps, phases in ((1, [0, 1]), (2, [0, 0])):
        _, states = _run(cell, x=X[:, :steps])
        np.testing.assert_array_equal(states[2], [phases, phases])
    # The halting unit reads h only: 4 units, not the 2 phases.
    assert tuple(cell.halting_kernel.shape) == (4, 1)


def test_state_layout_and_sizes():
    cell = ACTCell(keras.layers.LSTMCell(4), max_ponder_steps=2, return_ponder=True)
    assert cell.output_size == 5
    assert cell.state_size == [5, 4, 4]
    keras.layers.RNN(cell)(X)
    # The wrapped cell reads the input and the first-step flag.
    assert tuple(cell.cell.kernel.shape) == (4, 16)


def test_config_round_trip_keeps_the_wrapped_cell():
    cell = ACTCell(
        keras.layers.GRUCell(3), max_ponder_steps=4, epsilon=0.05,
        halting_bias_initializer=keras.initializers.Constant(-2.0),
    )
    clone = ACTCell.from_config(cell.get_config())
    assert clone.get_config() == cell.get_config()
    assert isinstance(clone.cell, keras.layers.GRUCell) and clone.cell.units == 3


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"max_ponder_steps": 0}, "max_ponder_steps"),
        ({"max_ponder_steps": 2.5}, "max_ponder_steps"),
        ({"max_ponder_steps": True}, "max_ponder_steps"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": 1.0}, "epsilon"),
        ({"epsilon": math.nan}, "epsilon"),
        ({"return_ponder": "yes"}, "return_ponder"),
        ({"skip_inference_computation": 1}, "skip_inference_computation"),
        ({"halting_bias_initializer": "nope"}, "halting_bias_initializer"),
        ({"cell": keras.layers.Dense(3)}, "cell"),
        ({"cell": keras.layers.GRU(3)}, "cell"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(arguments, name):
    kwargs = {"cell": keras.layers.GRUCell(3), "max_ponder_steps": 3, **arguments}
    with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
        ACTCell(**kwargs)


def test_unknown_feature_dimension_is_refused_when_built():
    cell = ACTCell(keras.layers.GRUCell(3), max_ponder_steps=3)
    with pytest.raises(ValueError, match="feature dimension"):
        cell.build((None, None))
