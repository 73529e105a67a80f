"""Behaviour of SkipRNNCell and SkipRNN against hand-computed gates."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.layers import SkipRNN
from keras_memory.layers import SkipRNNCell

X = np.random.default_rng(0).normal(size=(2, 9, 3)).astype("float32")


def _constant_gate_cell(increment, inner=None, **kwargs):
    """W_p = 0 and b_p = logit(increment): Δu~_t is `increment` at every step."""
    return SkipRNNCell(
        inner or keras.layers.LSTMCell(4),
        update_kernel_initializer="zeros",
        update_bias_initializer=keras.initializers.Constant(
            math.log(increment / (1 - increment))
        ),
        **kwargs,
    )


def _gates(cell, x=X, training=False, mask=None):
    cell.return_gates = True
    cell.output_size = cell.cell.output_size + 1
    cell.state_size = [cell.output_size, *cell.state_size[1:]]
    outputs = keras.layers.RNN(cell, return_sequences=True)(x, training=training, mask=mask)
    return keras.ops.convert_to_numpy(outputs)[..., -1]


@pytest.mark.parametrize("training", [False, True])
def test_gate_schedule_by_hand(training):
    # Δu~ = 0.2: u~ = 1 (update), 0.2, 0.4, 0.6 (update), 0.2, 0.4, 0.6, ...
    gates = _gates(_constant_gate_cell(0.2), training=training)
    np.testing.assert_array_equal(gates, [[1, 0, 0, 1, 0, 0, 1, 0, 0]] * 2)


def test_a_higher_inference_threshold_skips_more():
    # u~ must now exceed 0.65: 1 (update), 0.2, 0.4, 0.6, 0.8 (update), ...
    gates = _gates(_constant_gate_cell(0.2, inference_threshold=0.65))
    np.testing.assert_array_equal(gates, [[1, 0, 0, 0, 1, 0, 0, 0, 1]] * 2)


@pytest.mark.parametrize("training", [False, True])
def test_gate_zero_leaves_the_state_bit_identical(training):
    # Δu~ ~ 2e-9: after the first step u~ never reaches 0.5 again.
    cell = _constant_gate_cell(2e-9)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    outputs, *states = layer(X, training=training)
    outputs = keras.ops.convert_to_numpy(outputs)
    for t in range(1, 9):
        np.testing.assert_array_equal(outputs[:, t], outputs[:, 0])
    _, h_after_first, c_after_first = keras.layers.RNN(
        cell.cell, return_state=True
    )(X[:, :1])
    np.testing.assert_array_equal(states[1], h_after_first)  # inner h
    np.testing.assert_array_equal(states[2], c_after_first)  # inner c


@pytest.mark.parametrize("training", [False, True])
def test_gate_one_equals_the_inner_cell(training):
    cell = _constant_gate_cell(1 - 1e-7)  # u~ stays above 0.5
    skip = keras.layers.RNN(cell, return_sequences=True)(X, training=training)
    plain = keras.layers.RNN(cell.cell, return_sequences=True)(X, training=training)
    np.testing.assert_array_equal(skip, plain)


def test_gradients_reach_the_gate_weights_through_round():
    layer = SkipRNN(
        keras.layers.LSTMCell(4),
        budget_weight=1.0,
        update_bias_initializer=keras.initializers.Constant(-1.0),
        return_sequences=True,
    )
    layer(X)  # build
    cell = layer.cell
    with tf.GradientTape() as tape:
        task_loss = tf.reduce_mean(layer(X, training=True) ** 2)
    task_grads = tape.gradient(task_loss, [cell.update_kernel, cell.update_bias])
    with tf.GradientTape() as tape:
        layer(X, training=True)
        budget_loss = tf.add_n(layer.losses)
    budget_grads = tape.gradient(budget_loss, [cell.update_kernel, cell.update_bias])
    for gradient in task_grads + budget_grads:
        assert gradient is not None and np.abs(gradient.numpy()).sum() > 0
    # The budget charges every update, and a larger b_p means larger
    # increments and more updates: gradient descent on it lowers b_p.
    assert budget_grads[1].numpy()[0] > 0


def test_budget_loss_and_update_rate_by_hand():
    # Δu~ = 0.2: gates 1,0,0,1,0,0,1,0,0 (3 updates) unless padded.
    layer = SkipRNN(
        keras.layers.GRUCell(3),
        budget_weight=0.5,
        update_kernel_initializer="zeros",
        update_bias_initializer=keras.initializers.Constant(math.log(0.2 / 0.8)),
        return_sequences=True,
        return_gates=True,
    )
    mask = np.ones((2, 9), bool)
    mask[0, 6:] = False  # example 0 loses its third update
    _, gates = layer(X, mask=mask, training=True)
    np.testing.assert_array_equal(
        gates, [[1, 0, 0, 1, 0, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0, 1, 0, 0]]
    )
    (budget,) = layer.losses
    assert float(budget) == pytest.approx(0.5 * (2 + 3) / 2)
    assert float(layer.update_rate.result()) == pytest.approx(5 / 15)


def test_update_rate_is_a_model_metric():
    inputs = keras.Input((9, 3))
    outputs = keras.layers.Dense(1)(SkipRNN(keras.layers.GRUCell(3))(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, np.zeros((2, 1)), epochs=1, verbose=0)
    assert history.history["update_rate"] == [1.0]  # b_p = 1: always update


class CountingCell(keras.layers.Layer):
    """A SimpleRNN-like cell that counts how often it really runs."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.state_size))
        self.calls = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="calls"
        )

    def call(self, inputs, states, training=False):
        self.calls.assign_add(1.0)
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.kernel) + states[0])
        return h, [h]


@pytest.mark.parametrize(
    "skip_inference_computation, training, expected_runs",
    [(True, False, 3), (False, False, 9), (True, True, 9)],
)
def test_skipped_steps_do_not_run_the_inner_cell_at_inference(
    skip_inference_computation, training, expected_runs
):
    inner = CountingCell(3)
    cell = _constant_gate_cell(
        0.2, inner=inner, skip_inference_computation=skip_inference_computation
    )
    keras.layers.RNN(cell)(X[:1], training=training)  # batch of one
    # Keras' TensorFlow `rnn` also calls the step once before its loop, on
    # step 0, to learn the output structure (backend/tensorflow/rnn.py).
    structure_probe = 1
    assert float(inner.calls.numpy()) == expected_runs + structure_probe


def test_wrapped_cell_survives_serialization():
    layer = SkipRNN(
        keras.layers.LSTMCell(5, activation="relu"),
        budget_weight=1e-4,
        inference_threshold=0.7,
        return_sequences=True,
        return_gates=True,
    )
    config = layer.get_config()
    restored = SkipRNN.from_config(config)
    assert isinstance(restored.inner_cell, keras.layers.LSTMCell)
    assert restored.inner_cell.get_config()["activation"] == "relu"
    assert (restored.budget_weight, restored.cell.inference_threshold) == (1e-4, 0.7)
    assert restored.get_config() == config
    assert "cell" in config and config == layer.get_config()  # not mutated


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"cell": keras.layers.Dense(3)}, "cell"),
        ({"cell": "lstm"}, "cell"),
        ({"cell": None}, "cell"),
        ({"cell": keras.layers.LSTM(2)}, "cell"),
        ({"budget_weight": -1e-3}, "budget_weight"),
        ({"budget_weight": "1e-3"}, "budget_weight"),
        ({"budget_weight": True}, "budget_weight"),
        ({"inference_threshold": 0.0}, "inference_threshold"),
        ({"inference_threshold": 1.0}, "inference_threshold"),
        ({"inference_threshold": 1.5}, "inference_threshold"),
        ({"return_gates": True}, "return_gates"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    arguments = {"cell": keras.layers.LSTMCell(2), **kwargs}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        SkipRNN(**arguments)


def test_a_cell_with_nested_state_is_refused():
    stacked = keras.layers.StackedRNNCells(
        [keras.layers.LSTMCell(2), keras.layers.LSTMCell(2)]
    )
    with pytest.raises(ValueError, match="argument `cell`.*flat list of ints"):
        SkipRNNCell(stacked)


def test_a_wrapped_cell_with_dropout_trains_on_jax(tmp_path):
    # keras.layers.RNN prepares dropout masks only for the outermost cell;
    # SkipRNNCell forwards its hooks so that the LSTM's masks are drawn
    # outside JAX's lax.scan.
    import os
    import subprocess
    import sys

    script = """
import numpy as np, keras
from keras_memory.layers import SkipRNN
inputs = keras.Input((6, 3))
layer = SkipRNN(keras.layers.LSTMCell(4, dropout=0.3, recurrent_dropout=0.3, seed=1))
model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
model.compile("adam", "mse", jit_compile=True)
x, y = np.ones((2, 6, 3), "float32"), np.ones((2, 1), "float32")
logs = model.train_on_batch(x, y, return_dict=True)
assert np.isfinite(logs["loss"]), logs
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
