"""Behaviour of HMLSTMCell and HMLSTM against hand-computed and NumPy values."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from references import hmlstm_step as reference_step
from references import named_weights as _weights
from references import sigmoid as _sigmoid

from keras_memory.layers.hmlstm import HMLSTM
from keras_memory.layers.hmlstm_cell import HMLSTMCell

# The NumPy reference of the equations (hmlstm_step) is in tests/references.py.


def _split(cell, tensor):
    tensor = keras.ops.convert_to_numpy(tensor)
    bounds = np.cumsum([0] + list(cell.units_per_layer))
    return [tensor[:, bounds[i] : bounds[i + 1]] for i in range(cell.num_layers)]


def _states(cell, h, c, z):
    """The cell's state list from per-layer h, c and the boundaries."""
    batch = h[0].shape[0]
    return [
        np.zeros((batch, cell.output_size), "float32"),
        np.concatenate(h, -1).astype("float32"),
        np.concatenate(c, -1).astype("float32"),
        np.concatenate(z, -1).astype("float32"),
    ]


def _random_cell(units_per_layer, seed=0, scale=1.0, **kwargs):
    cell = HMLSTMCell(units_per_layer, **kwargs)
    cell.build((None, 3))
    rng = np.random.default_rng(seed)
    for weight in cell.trainable_weights:
        weight.assign(scale * rng.normal(size=weight.shape).astype("float32"))
    return cell


# --- The three operations, by hand ----------------------------------------


def _constant_cell(units_per_layer, **kwargs):
    return HMLSTMCell(
        units_per_layer,
        kernel_initializer=keras.initializers.Constant(0.5),
        recurrent_initializer=keras.initializers.Constant(-0.25),
        bias_initializer=keras.initializers.Constant(0.1),
        **kwargs,
    )


def test_update_is_an_lstm_step_by_hand():
    # Layer 1 with z^1_{t-1} = 0 and z^0 = 1 performs UPDATE: an LSTM step.
    cell = _constant_cell([1, 1])
    x = np.array([[2.0]], "float32")
    h = [np.array([[0.4]], "float32"), np.array([[-0.6]], "float32")]
    c = [np.array([[0.8]], "float32"), np.array([[0.3]], "float32")]
    z = [np.zeros((1, 1), "float32")]
    output, (_, h_new, c_new, z_new) = cell(x, _states(cell, h, c, z))

    # Every gate sees the same constants, s = 0.5 x - 0.25 h + 0.1, except
    # the forget gate, whose bias is 1 (unit_forget_bias, as in Keras' LSTM).
    # The top-down term is off (z^1_{t-1} = 0).
    s = 0.5 * 2.0 - 0.25 * 0.4 + 0.1
    f = 1 / (1 + math.exp(-(s - 0.1 + 1.0)))
    i = o = 1 / (1 + math.exp(-s))
    g = math.tanh(s)
    c1 = f * 0.8 + i * g
    h1 = o * math.tanh(c1)
    np.testing.assert_allclose(_split(cell, c_new)[0], [[c1]], rtol=1e-6)
    np.testing.assert_allclose(_split(cell, h_new)[0], [[h1]], rtol=1e-6)
    assert keras.ops.convert_to_numpy(z_new)[0, 0] == float(s > 0)


def test_update_matches_keras_lstm_cell_with_constant_initializers():
    # With constant kernels the gate order does not matter, so layer 1's
    # UPDATE must equal Keras' own LSTMCell.
    cell = _constant_cell([3, 2])
    lstm = keras.layers.LSTMCell(
        3,
        kernel_initializer=keras.initializers.Constant(0.5),
        recurrent_initializer=keras.initializers.Constant(-0.25),
        bias_initializer=keras.initializers.Constant(0.1),
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)).astype("float32")
    h = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")]
    c = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")]
    _, (_, h_new, c_new, _) = cell(x, _states(cell, h, c, [np.zeros((4, 1), "float32")]))
    lstm_h, (_, lstm_c) = lstm(x, [h[0], c[0]])
    np.testing.assert_allclose(_split(cell, h_new)[0], lstm_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_split(cell, c_new)[0], lstm_c, rtol=1e-5, atol=1e-6)


def test_flush_restarts_the_cell_from_i_times_g():
    # z^1_{t-1} = 1: layer 1 flushes, c^1_t = i * g whatever c^1_{t-1} was.
    cell = _constant_cell([1, 1])
    x = np.array([[2.0], [2.0]], "float32")
    h = [np.full((2, 1), 0.4, "float32"), np.full((2, 1), -0.6, "float32")]
    c = [np.array([[0.8], [-5.0]], "float32"), np.full((2, 1), 0.3, "float32")]
    z = [np.ones((2, 1), "float32")]
    _, (_, h_new, c_new, _) = cell(x, _states(cell, h, c, z))
    c_new, h_new = _split(cell, c_new)[0], _split(cell, h_new)[0]
    # c_{t-1} has no influence: both examples agree bit for bit.
    np.testing.assert_array_equal(c_new[0], c_new[1])
    np.testing.assert_array_equal(h_new[0], h_new[1])
    # The top-down signal is on after a boundary: s gains U^1_2 h^2_{t-1}.
    s = 0.5 * 2.0 - 0.25 * 0.4 + (-0.25) * (-0.6) + 0.1
    i, o, g = 1 / (1 + math.exp(-s)), 1 / (1 + math.exp(-s)), math.tanh(s)
    np.testing.assert_allclose(c_new[:, 0], [i * g] * 2, rtol=1e-6)
    np.testing.assert_allclose(h_new[:, 0], [o * math.tanh(i * g)] * 2, rtol=1e-6)


def test_copy_keeps_c_and_h_bit_for_bit():
    # A boundary bias of -100 keeps z^1 = 0 and z^2 = 0: layers 2 and 3
    # copy at every step, while layer 1 keeps updating.
    cell = _random_cell([3, 4, 2], seed=1)
    for bias in cell.biases[:2]:
        z_column = np.arange(bias.shape[0]) == bias.shape[0] - 1
        bias.assign(keras.ops.convert_to_numpy(bias) - 100.0 * z_column)
    rng = np.random.default_rng(2)
    h = [rng.normal(size=(2, n)).astype("float32") for n in (3, 4, 2)]
    c = [rng.normal(size=(2, n)).astype("float32") for n in (3, 4, 2)]
    states = _states(cell, h, c, [np.zeros((2, 1), "float32")] * 2)
    for _ in range(6):
        x = rng.normal(size=(2, 3)).astype("float32")
        _, states = cell(x, states)
        new_h, new_c = _split(cell, states[1]), _split(cell, states[2])
        for layer in (1, 2):
            np.testing.assert_array_equal(new_h[layer], h[layer])
            np.testing.assert_array_equal(new_c[layer], c[layer])
        assert not np.array_equal(new_h[0], h[0])
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(states[3]), 0.0)
        h[0], c[0] = new_h[0], new_c[0]


def test_a_sequence_matches_the_numpy_reference_in_every_operation():
    cell = _random_cell([3, 4, 2], seed=5, return_boundaries=True, output_module_units=5)
    rng = np.random.default_rng(4)
    batch, timesteps = 6, 12
    x = rng.normal(size=(batch, timesteps, 3)).astype("float32")
    h = [np.zeros((batch, n), "float32") for n in (3, 4, 2)]
    c = [np.zeros((batch, n), "float32") for n in (3, 4, 2)]
    z = [np.zeros((batch, 1), "float32")] * 2
    seen = set()
    states = cell.get_initial_state(batch)
    for t in range(timesteps):
        output, states = cell(x[:, t], states)
        expected, h, c, z, operations = reference_step(cell, x[:, t], h, c, z)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(output), expected, atol=1e-5)
        # Carry the cell's own values so rounding never flips a boundary.
        h, c = _split(cell, states[1]), _split(cell, states[2])
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(states[3]), np.concatenate(z, -1)
        )
        z = [keras.ops.convert_to_numpy(states[3])[:, i : i + 1] for i in range(2)]
        for layer, ops_ in enumerate(operations):
            seen.update((layer, op) for op in ops_)
    # The random weights exercise every operation where it can happen.
    assert seen == {
        (0, "UPDATE"), (0, "FLUSH"),  # layer 1 never copies (z^0 = 1)
        (1, "UPDATE"), (1, "COPY"), (1, "FLUSH"),
        (2, "UPDATE"), (2, "COPY"),  # the top layer never flushes
    }


# --- Boundaries and their gradient ------------------------------------------


def _s_z(cell, x, h, z, new_h, new_z):
    """The boundary pre-activations `s^l_z` `(batch,)` of one step, layers 1 to L-1.

    Equation 6's last row, `s_z = z^{l-1}_t U^l_z h^{l-1}_t + R^l_z h^l_{t-1}
    + z^l_{t-1} W^l_z h^{l+1}_{t-1} + b_z`, from the reference's states:
    `h`, `z` before the step, `new_h`, `new_z` after it.
    """
    w = _weights(cell)
    below, z_below = x, np.ones((x.shape[0], 1), "float32")
    pre_activations = []
    for layer in range(cell.num_layers - 1):
        column, number = 4 * cell.units_per_layer[layer], layer + 1
        s = z_below[:, 0] * (below @ w[f"kernel_{number}"][:, column])
        s = s + h[layer] @ w[f"recurrent_kernel_{number}"][:, column]
        s = s + z[layer][:, 0] * (h[layer + 1] @ w[f"top_down_kernel_{number}"][:, column])
        pre_activations.append(s + w[f"bias_{number}"][column])
        below, z_below = new_h[layer], new_z[layer]
    return pre_activations


def test_boundaries_are_exactly_zero_or_one_and_follow_the_sign_of_s_z():
    layer = HMLSTM([4, 3, 2], return_sequences=True, return_boundaries=True, slope=2.5)
    x = np.random.default_rng(5).normal(size=(8, 20, 3)).astype("float32")
    layer.build(x.shape)
    rng = np.random.default_rng(10)
    for weight in layer.cell.trainable_weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    features, boundaries = layer(x)
    boundaries = keras.ops.convert_to_numpy(boundaries)
    assert features.shape == (8, 20, 9) and boundaries.shape == (8, 20, 2)
    assert set(np.unique(boundaries).tolist()) == {0.0, 1.0}

    # z^l_t = 1 exactly where s^l_z > 0: the hard sigmoid (a s + 1) / 2 is
    # above 1/2 for any slope a > 0 (here 2.5) exactly when s is positive.
    cell = layer.cell
    h = [np.zeros((8, n), "float32") for n in cell.units_per_layer]
    c = [np.zeros((8, n), "float32") for n in cell.units_per_layer]
    z = [np.zeros((8, 1), "float32")] * 2
    signs, decided = [], []
    for t in range(20):
        _, new_h, new_c, new_z, _ = reference_step(cell, x[:, t], h, c, z)
        s_z = np.stack(_s_z(cell, x[:, t], h, z, new_h, new_z), -1)  # (8, 2)
        signs.append(s_z > 0)
        decided.append(np.abs(s_z) > 1e-4)  # away from float rounding
        h, c, z = new_h, new_c, new_z
    signs, decided = np.stack(signs, 1), np.stack(decided, 1)  # (8, 20, 2)
    assert decided.mean() > 0.99
    np.testing.assert_array_equal(boundaries[decided], signs[decided].astype("float32"))
    for level in range(2):  # both signs occur at both levels
        assert 0.1 < signs[..., level].mean() < 0.9, signs[..., level].mean()


def _z_bias_gradient(cell):
    x = tf.constant(np.random.default_rng(6).normal(size=(64, 3)).astype("float32"))
    cell.build(x.shape)

    @tf.function
    def gradient():
        with tf.GradientTape() as tape:
            output, _ = cell(x, cell.get_initial_state(64))
            loss = tf.reduce_sum(output[:, cell.feature_size :])  # sum of z^1
        return tape.gradient(loss, cell.biases[0])[-1]

    return x, gradient


def test_straight_through_gradient_reaches_the_boundary_weights():
    cell = HMLSTMCell([4, 3], return_boundaries=True)
    x, gradient = _z_bias_gradient(cell)
    # One step from the zero state: s_z = x W_z + b_z, and dz/ds_z is the
    # hard sigmoid's a / 2 where |s_z| < 1 / a, else 0.
    s_z = x.numpy() @ _weights(cell)["kernel_1"][:, -1]
    expected = 0.5 * np.sum(np.abs(s_z) < 1.0)
    assert expected > 0
    np.testing.assert_allclose(gradient().numpy(), expected, rtol=1e-5)

    # Through the next layer too: a loss on h^2 reaches the z~ column of
    # every weight of layer 1.
    layer = HMLSTM([4, 3], return_sequences=True)
    x = np.random.default_rng(7).normal(size=(4, 10, 3)).astype("float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x)[..., 4:] ** 2)
    cell = layer.cell
    kernels = [cell.kernels[0], cell.recurrent_kernels[0], cell.top_down_kernels[0]]
    for kernel, grad in zip(kernels, tape.gradient(loss, kernels)):
        assert np.abs(grad.numpy()[:, -1]).sum() > 0, kernel.path


def test_boundaries_also_learn_what_a_flush_costs():
    # Without top-down weights, z^1_1 reaches h^1_2 only by choosing FLUSH
    # or UPDATE at step 2. The forward pass selects with `where`; the
    # gradient is that of the selection written with z as a factor.
    cell = _random_cell([3, 2], seed=13, scale=0.5)
    cell.top_down_kernels[0].assign(np.zeros(cell.top_down_kernels[0].shape))
    x = np.random.default_rng(14).normal(size=(16, 2, 3)).astype("float32")
    with tf.GradientTape() as tape:
        states = cell.get_initial_state(16)
        for t in range(2):
            _, states = cell(x[:, t], states)
        loss = tf.reduce_sum(states[1][:, :3])  # h^1_2 only
    gradient = tape.gradient(loss, cell.kernels[0]).numpy()
    assert np.abs(gradient[:, -1]).sum() > 0  # the z~ column of W^1_0


def test_the_slope_changes_the_gradient_not_the_outputs_and_never_retraces():
    cell = HMLSTMCell([4, 3], return_boundaries=True)
    x, gradient = _z_bias_gradient(cell)
    s_z = x.numpy() @ _weights(cell)["kernel_1"][:, -1]
    forward = tf.function(lambda: cell(x, cell.get_initial_state(64))[0])
    before = forward().numpy()
    for slope in (1.0, 2.0, 4.0):
        cell.slope.assign(slope)
        expected = slope / 2 * np.sum(np.abs(s_z) < 1.0 / slope)
        np.testing.assert_allclose(gradient().numpy(), expected, rtol=1e-5)
        # z = step(hard_sigm(a s)) = [s > 0] for every a > 0.
        np.testing.assert_array_equal(forward().numpy(), before)
    assert gradient.experimental_get_tracing_count() == 1
    assert forward.experimental_get_tracing_count() == 1


# --- The layer -------------------------------------------------------------


def test_layer_splits_the_boundaries_off_the_cell_output():
    x = np.random.default_rng(8).normal(size=(3, 9, 2)).astype("float32")
    layer = HMLSTM([5, 4], return_sequences=True, return_boundaries=True, return_state=True)
    features, boundaries, *states = layer(x)
    rnn = keras.layers.RNN(layer.cell, return_sequences=True)
    joined = keras.ops.convert_to_numpy(rnn(x))
    np.testing.assert_array_equal(features, joined[..., :9])
    np.testing.assert_array_equal(boundaries, joined[..., 9:])
    assert [tuple(s.shape) for s in states] == [(3, 10), (3, 9), (3, 9), (3, 1)]
    np.testing.assert_array_equal(states[0], joined[:, -1])  # y_T first

    last = HMLSTM([5, 4], return_boundaries=True)
    last.build(x.shape)
    last.set_weights(layer.get_weights())
    last_features, last_boundaries = last(x)
    np.testing.assert_array_equal(last_features, joined[:, -1, :9])
    np.testing.assert_array_equal(last_boundaries, joined[:, -1, 9:])


def test_functional_model_with_boundaries_saves_and_masks(tmp_path):
    inputs = keras.Input((None, 2))
    masked = keras.layers.Masking(0.0)(inputs)
    features, boundaries = HMLSTM(
        [4, 3], output_module_units=6, return_sequences=True, return_boundaries=True
    )(masked)
    assert tuple(features.shape) == (None, None, 6)
    assert tuple(boundaries.shape) == (None, None, 1)
    model = keras.Model(inputs, [keras.layers.Dense(2)(features), boundaries])
    x = np.random.default_rng(9).uniform(0.1, 1, size=(2, 7, 2)).astype("float32")
    x[0, 5:] = 0.0  # two padded steps
    prediction, z = model(x)
    # Padded steps repeat the last valid output, boundaries included.
    np.testing.assert_array_equal(prediction[0, 5], prediction[0, 4])
    np.testing.assert_array_equal(z[0, 5:], np.repeat(z[0, 4:5], 2, axis=0))

    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    for a, b in zip(loaded(x), (prediction, z)):
        np.testing.assert_array_equal(a, b)



def test_output_module_is_equation_11():
    cell = _random_cell([3, 2], seed=10, output_module_units=4)
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 3)).astype("float32")
    output, states = cell(x, cell.get_initial_state(5))
    w = _weights(cell)
    h1, h2 = _split(cell, states[1])
    gates = _sigmoid(np.concatenate([h1, h2], -1) @ w["output_gate_kernel"])
    expected = np.maximum(
        gates[:, :1] * (h1 @ w["output_kernel"][:3])
        + gates[:, 1:] * (h2 @ w["output_kernel"][3:]),
        0.0,
    )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(output), expected, atol=1e-6)
    assert cell.state_size == [4, 5, 5, 1]


def test_layer_forwards_its_cell_and_serializes():
    layer = HMLSTM([6, 4, 2], slope=2.0, output_module_units=3, stateful=True, use_bias=False)
    assert layer.units_per_layer == (6, 4, 2) and layer.num_layers == 3
    assert layer.output_module_units == 3 and layer.use_bias is False
    assert layer.return_boundaries is False
    assert keras.ops.convert_to_numpy(layer.slope) == 2.0
    config = layer.get_config()
    assert "cell" not in config and config["units_per_layer"] == [6, 4, 2]
    assert config["slope"] == 2.0 and config["stateful"] is True
    assert HMLSTM.from_config(config).get_config() == config
    layer.build((1, 5, 3))
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == [
        "kernel_1", "recurrent_kernel_1", "top_down_kernel_1",
        "kernel_2", "recurrent_kernel_2", "top_down_kernel_2",
        "kernel_3", "recurrent_kernel_3",
        "output_gate_kernel", "output_kernel", "slope",
    ]
    # z~ columns for layers 1 and 2 only; the top layer has no detector.
    assert [k.shape for k in layer.cell.kernels] == [(3, 25), (6, 17), (4, 8)]


def test_unit_forget_bias_sets_the_forget_block_to_one():
    cell = HMLSTMCell([2, 3], bias_initializer="zeros")
    cell.build((None, 4))
    np.testing.assert_array_equal(cell.biases[0].numpy(), [1, 1] + [0] * 7)
    np.testing.assert_array_equal(cell.biases[1].numpy(), [1, 1, 1] + [0] * 9)


def test_stateful_reset_restarts_from_zero_boundaries():
    layer = HMLSTM([3, 2], return_sequences=True, stateful=True, return_boundaries=True)
    x = np.random.default_rng(12).normal(size=(2, 6, 2)).astype("float32")
    first = [keras.ops.convert_to_numpy(t) for t in layer(x)]
    layer(x)
    layer.reset_state()
    again = [keras.ops.convert_to_numpy(t) for t in layer(x)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


# --- Bad arguments ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"units_per_layer": []}, "units_per_layer", "()"),
        ({"units_per_layer": [4]}, "units_per_layer", "(4,)"),
        ({"units_per_layer": [4, 0]}, "units_per_layer", "(4, 0)"),
        ({"units_per_layer": [4, -2]}, "units_per_layer", "(4, -2)"),
        ({"units_per_layer": [4, 2.0]}, "units_per_layer", "(4, 2.0)"),
        ({"units_per_layer": [4, True]}, "units_per_layer", "(4, True)"),
        ({"units_per_layer": "42"}, "units_per_layer", "'42'"),
        ({"units_per_layer": 4}, "units_per_layer", "4"),
        ({"units_per_layer": [4, 2], "slope": 0.5}, "slope", "0.5"),
        ({"units_per_layer": [4, 2], "slope": 0}, "slope", "0"),
        ({"units_per_layer": [4, 2], "slope": -1.0}, "slope", "-1.0"),
        ({"units_per_layer": [4, 2], "slope": float("inf")}, "slope", "inf"),
        ({"units_per_layer": [4, 2], "slope": "2"}, "slope", "'2'"),
        ({"units_per_layer": [4, 2], "slope": True}, "slope", "True"),
        ({"units_per_layer": [4, 2], "return_boundaries": 1}, "return_boundaries", "1"),
        ({"units_per_layer": [4, 2], "output_module_units": 0}, "output_module_units", "0"),
        ({"units_per_layer": [4, 2], "output_module_units": 2.5}, "output_module_units", "2.5"),
        ({"units_per_layer": [4, 2], "use_bias": "no"}, "use_bias", "'no'"),
        ({"units_per_layer": [4, 2], "unit_forget_bias": None}, "unit_forget_bias", "None"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument, shown):
    for layer_class in (HMLSTMCell, HMLSTM):
        with pytest.raises(ValueError) as error:
            layer_class(**kwargs)
        message = str(error.value)
        assert f"argument `{argument}`" in message
        assert message.endswith(f"got {shown}.")


def test_wrong_input_rank_is_refused():
    with pytest.raises(ValueError, match="ndim=3"):
        HMLSTM([4, 2])(np.zeros((2, 3), "float32"))
