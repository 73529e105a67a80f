"""Behaviour of ClockworkRNNCell and ClockworkRNN against hand-computed values."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_memory.layers import ClockworkRNN
from keras_memory.layers import ClockworkRNNCell
from keras_memory.layers.clockwork_rnn_cell import exponential_periods


def _constant_layer(**kwargs):
    return ClockworkRNN(
        2,
        periods=[1, 2],
        kernel_initializer=keras.initializers.Constant(0.5),
        recurrent_initializer=keras.initializers.Constant(1.0),
        bias_initializer=keras.initializers.Constant(0.1),
        return_sequences=True,
        **kwargs,
    )


def test_three_steps_by_hand():
    # Two modules of one unit: unit 0 (T=1) and unit 1 (T=2). The mask keeps
    # W_H[j, k] where T_j >= T_k, so W_H = [[1, 0], [1, 1]] (row = from):
    # the slow unit feeds the fast one, never the reverse.
    layer = _constant_layer(return_state=True)
    x = np.array([[[1.0], [2.0], [3.0]]], "float32")
    outputs, h_final, phases = layer(x)

    h0 = [math.tanh(0.5 + 0.1)] * 2  # t=0: both modules update
    h1 = [math.tanh(1.0 + h0[0] + h0[1] + 0.1), h0[1]]  # t=1: T=2 copies
    h2 = [
        math.tanh(1.5 + h1[0] + h1[1] + 0.1),  # t=2: fast unit sees both
        math.tanh(1.5 + h1[1] + 0.1),  # slow unit sees only itself
    ]
    np.testing.assert_allclose(outputs[0], [h0, h1, h2], rtol=1e-6)
    np.testing.assert_allclose(h_final[0], h2, rtol=1e-6)
    # After 3 steps the phases are 3 mod 1 = 0 and 3 mod 2 = 1.
    np.testing.assert_array_equal(phases[0], [0.0, 1.0])


def test_connection_mask_of_default_periods():
    cell = ClockworkRNNCell(4, periods=[1, 2])
    # Rows: from-unit; columns: to-unit. Units 0, 1 are fast (T=1).
    expected = np.array(
        [
            [1, 1, 0, 0],
            [1, 1, 0, 0],
            [1, 1, 1, 1],
            [1, 1, 1, 1],
        ],
        "float32",
    )
    np.testing.assert_array_equal(cell.connection_mask(), expected)


@settings(max_examples=25, deadline=None)
@given(
    periods=st.lists(st.integers(1, 16), min_size=1, max_size=5),
    module_size=st.integers(1, 3),
)
def test_connection_mask_follows_periods_in_any_order(periods, module_size):
    cell = ClockworkRNNCell(len(periods) * module_size, periods=periods)
    unit_period = np.repeat(periods, module_size)
    mask = cell.connection_mask()
    for source in range(cell.units):
        for target in range(cell.units):
            connected = unit_period[source] >= unit_period[target]
            assert mask[source, target] == float(connected)


def test_active_modules_is_the_clock():
    cell = ClockworkRNNCell(6, periods=[1, 2, 3])
    active = cell.active_modules(7)
    expected = [[t % period == 0 for period in (1, 2, 3)] for t in range(7)]
    np.testing.assert_array_equal(active, expected)


def test_inactive_modules_copy_their_state_bit_for_bit():
    cell = ClockworkRNNCell(9, periods=[1, 3, 4])
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 13, 5)).astype("float32")
    outputs = keras.ops.convert_to_numpy(layer(x))
    active = cell.active_modules(13)
    changed_somewhere = False
    for t in range(1, 13):
        for module in range(3):
            units = slice(3 * module, 3 * module + 3)
            if active[t, module]:
                changed_somewhere |= not np.array_equal(
                    outputs[:, t, units], outputs[:, t - 1, units]
                )
            else:
                np.testing.assert_array_equal(
                    outputs[:, t, units], outputs[:, t - 1, units]
                )
    assert changed_somewhere


def _masked_entries(cell):
    return cell.connection_mask() == 0


def test_masked_recurrent_weights_get_zero_gradient_and_stay_zero():
    cell = ClockworkRNNCell(8, periods=[1, 2, 4, 8])
    model = keras.Sequential(
        [
            keras.Input((10, 3)),
            keras.layers.RNN(cell, return_sequences=True),
            keras.layers.Dense(1),
        ]
    )
    masked = _masked_entries(cell)
    assert masked.sum() == 8 * 8 - 40  # 4 modules of 2: 10 of 16 blocks kept
    np.testing.assert_array_equal(cell.recurrent_kernel.numpy()[masked], 0.0)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 10, 3)).astype("float32")
    y = rng.normal(size=(4, 10, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss = keras.losses.mean_squared_error(y, model(x))
    gradient = tape.gradient(loss, cell.recurrent_kernel)
    np.testing.assert_array_equal(gradient.numpy()[masked], 0.0)
    assert np.abs(gradient.numpy()[~masked]).sum() > 0

    before = cell.recurrent_kernel.numpy().copy()
    # Weight decay would pull a stray non-zero back, so use plain Adam to
    # show the zeros are kept by the gradient, not by decay.
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.fit(x, y, epochs=5, verbose=0)
    after = cell.recurrent_kernel.numpy()
    np.testing.assert_array_equal(after[masked], 0.0)
    assert not np.array_equal(after[~masked], before[~masked])


def test_streaming_one_step_at_a_time_keeps_the_clock():
    layer = ClockworkRNN(6, periods=[1, 2, 3], return_sequences=True)
    x = np.random.default_rng(1).normal(size=(1, 11, 2)).astype("float32")
    whole = keras.ops.convert_to_numpy(layer(x))

    streaming = ClockworkRNN(6, periods=[1, 2, 3], stateful=True)
    streaming.build((1, 1, 2))
    streaming.set_weights(layer.get_weights())
    steps = [keras.ops.convert_to_numpy(streaming(x[:, t : t + 1])) for t in range(11)]
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, atol=1e-6)


def test_a_masked_step_does_not_advance_the_clock():
    layer = ClockworkRNN(6, periods=[1, 2, 3], return_state=True)
    x = np.random.default_rng(2).normal(size=(1, 9, 2)).astype("float32")
    mask = np.ones((1, 9), bool)
    mask[0, 4] = False  # a gap in the middle of the sequence
    _, h_masked, phases_masked = layer(x, mask=mask)
    _, h_skipped, phases_skipped = layer(np.delete(x, 4, axis=1))
    np.testing.assert_allclose(h_masked, h_skipped, atol=1e-6)
    # 8 real steps: 8 mod (1, 2, 3).
    np.testing.assert_array_equal(phases_masked[0], [0, 0, 2])
    np.testing.assert_array_equal(phases_skipped, phases_masked)


def test_bfloat16_counts_its_longest_period_exactly():
    keras.config.set_dtype_policy("mixed_bfloat16")
    layer = ClockworkRNN(2, periods=[1, 256], return_state=True)
    _, _, phases = layer(np.zeros((1, 600, 1), "float32"))
    # A bfloat16 step counter would be stuck near 256; the phases are exact.
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(phases).astype("float32")[0], [0, 600 % 256]
    )


def test_default_periods_are_exponential():
    assert ClockworkRNNCell(8).periods == (1, 2, 4, 8)
    assert ClockworkRNNCell(6, num_modules=3).periods == (1, 2, 4)
    assert exponential_periods(5) == (1, 2, 4, 8, 16)
    assert ClockworkRNNCell(6, periods=[5, 1, 2], num_modules=3).periods == (5, 1, 2)


def test_rnn_layer_forwards_the_cell_arguments():
    layer = ClockworkRNN(
        8, periods=[1, 4], activation="relu", use_bias=False, stateful=True
    )
    assert (layer.units, layer.periods, layer.num_modules) == (8, (1, 4), 2)
    assert layer.activation is keras.activations.relu
    assert layer.use_bias is False
    config = layer.get_config()
    assert config["periods"] == [1, 4] and config["stateful"] is True
    assert "cell" not in config
    layer.build((2, 3, 1))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel"]


@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"units": 0}, "units", "0"),
        ({"units": -4}, "units", "-4"),
        ({"units": 4.0}, "units", "4.0"),
        ({"units": True}, "units", "True"),
        ({"units": 6, "periods": [1, 2, 4, 8]}, "units", "6"),
        ({"units": 6}, "units", "6"),  # default 4 modules
        ({"units": 4, "periods": []}, "periods", "()"),
        ({"units": 4, "periods": [1, 0]}, "periods", "(1, 0)"),
        ({"units": 4, "periods": [1, -2]}, "periods", "(1, -2)"),
        ({"units": 4, "periods": [1, 2.0]}, "periods", "(1, 2.0)"),
        ({"units": 4, "periods": "12"}, "periods", "'12'"),
        ({"units": 4, "periods": 2}, "periods", "2"),
        ({"units": 4, "num_modules": 0}, "num_modules", "0"),
        ({"units": 4, "periods": [1, 2], "num_modules": 4}, "num_modules", "4"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument, shown):
    for layer_class in (ClockworkRNNCell, ClockworkRNN):
        with pytest.raises(ValueError) as error:
            layer_class(**kwargs)
        message = str(error.value)
        assert f"argument `{argument}`" in message
        assert message.endswith(f"got {shown}.")


def test_periods_too_long_for_the_compute_dtype_are_refused():
    keras.config.set_dtype_policy("mixed_bfloat16")
    with pytest.raises(ValueError, match=r"`periods`.*512.*bfloat16.*256"):
        ClockworkRNN(2, periods=[1, 512])(np.zeros((1, 3, 1), "float32"))


def test_wrong_input_rank_is_refused():
    with pytest.raises(ValueError, match="ndim=3"):
        ClockworkRNN(4, periods=[1, 2])(np.zeros((2, 3), "float32"))


def test_regularizer_and_constraint_never_move_masked_weights():
    # A penalty whose gradient is 1 everywhere, zeros included, and a
    # constraint that would shift every entry.
    cell = ClockworkRNNCell(
        6,
        periods=[1, 2, 4],
        recurrent_regularizer=lambda kernel: 0.1 * keras.ops.sum(kernel),
        recurrent_constraint=lambda kernel: kernel + 0.01,
    )
    model = keras.Sequential(
        [keras.Input((5, 2)), keras.layers.RNN(cell), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    rng = np.random.default_rng(3)
    model.fit(
        rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 1)), epochs=3, verbose=0
    )
    masked = _masked_entries(cell)
    np.testing.assert_array_equal(cell.recurrent_kernel.numpy()[masked], 0.0)
    assert len(model.losses) == 1  # the regularizer still applies


def test_subclasses_of_the_layer_serialize():
    class Tagged(ClockworkRNN):
        pass

    config = Tagged(4, periods=[1, 2]).get_config()
    assert config["periods"] == [1, 2]
    assert Tagged.from_config(config).periods == (1, 2)
