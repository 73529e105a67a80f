"""Behaviour of ZoneoutCell against hand-computed values and statistics."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_memory.layers import ClockworkRNNCell
from keras_memory.layers.zoneout_cell import ZoneoutCell


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _constant_lstm_cell(units):
    return keras.layers.LSTMCell(
        units,
        kernel_initializer=keras.initializers.Constant(0.5),
        recurrent_initializer=keras.initializers.Constant(-0.3),
        bias_initializer=keras.initializers.Constant(0.1),
        unit_forget_bias=False,
    )


def _lstm_step_by_hand(x, h, c):
    """One step of `_constant_lstm_cell`: z = x W + h U + b, gates i, f, g, o."""
    z = x.sum(-1, keepdims=True) * 0.5 + h.sum(-1, keepdims=True) * -0.3 + 0.1
    i, f, o = _sigmoid(z), _sigmoid(z), _sigmoid(z)
    c_new = f * c + i * np.tanh(z)  # c~_t
    return o * np.tanh(c_new), c_new  # h~_t, c~_t


def _counter_cell(units):
    """A SimpleRNN with h~_t = h_{t-1} + 1 exactly, so that the zoned-out
    h_t - h_{t-1} = 1 - d_t^h shows the mask of every unit at every step."""
    return keras.layers.SimpleRNNCell(
        units,
        activation=None,
        kernel_initializer="zeros",
        recurrent_initializer="identity",
        bias_initializer="ones",
    )


def _masks_of_counter(outputs):
    """d_t^h per (example, step, unit) from the outputs of a counter cell."""
    outputs = keras.ops.convert_to_numpy(outputs).astype("float64")
    previous = np.concatenate([np.zeros_like(outputs[:, :1]), outputs[:, :-1]], 1)
    return 1.0 - (outputs - previous)


# --- Values ------------------------------------------------------------------


def test_inference_is_the_expectation_by_hand():
    p_h, p_c = 0.25, 0.6
    cell = ZoneoutCell(_constant_lstm_cell(3), zoneout_h=p_h, zoneout_c=p_c)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    x = np.array([[[1.0, -2.0], [0.5, 0.25], [-1.0, 3.0]]], "float32")
    h0 = np.array([[0.2, -0.4, 0.9]], "float32")
    c0 = np.array([[-1.0, 0.5, 2.0]], "float32")
    outputs, h_final, c_final = layer(x, initial_state=[h0, c0], training=False)

    h, c = h0.astype("float64"), c0.astype("float64")
    expected = []
    for t in range(3):
        h_new, c_new = _lstm_step_by_hand(x[:, t].astype("float64"), h, c)
        # Both updates use the cell's own c~_t, then the expectation blend.
        h = (1 - p_h) * h_new + p_h * h
        c = (1 - p_c) * c_new + p_c * c
        expected.append(h)
    np.testing.assert_allclose(outputs[0], np.concatenate(expected), rtol=1e-5)
    np.testing.assert_allclose(h_final, h, rtol=1e-5)
    np.testing.assert_allclose(c_final, c, rtol=1e-5)


def test_one_step_blends_the_inner_cell_update_exactly():
    inner = _constant_lstm_cell(4)
    cell = ZoneoutCell(inner, zoneout_h=0.3, zoneout_c=0.7)
    rng = np.random.default_rng(0)
    x, h, c = (rng.normal(size=(2, n)).astype("float32") for n in (3, 4, 4))
    output, (h_t, c_t) = cell(x, [h, c], training=False)
    h_new, (_, c_new) = inner(x, [h, c])
    h_new, c_new = np.asarray(h_new), np.asarray(c_new)
    np.testing.assert_array_equal(h_t, (1 - 0.3) * h_new + np.float32(0.3) * h)
    np.testing.assert_array_equal(c_t, (1 - 0.7) * c_new + np.float32(0.7) * c)
    np.testing.assert_array_equal(output, h_t)


@pytest.mark.parametrize(
    "make_inner",
    [
        lambda: keras.layers.LSTMCell(4),
        lambda: keras.layers.GRUCell(4),
        lambda: keras.layers.SimpleRNNCell(4),
        lambda: ClockworkRNNCell(4, periods=[1, 2]),
    ],
    ids=["lstm", "gru", "simple_rnn", "clockwork"],
)
@pytest.mark.parametrize("training", [False, True])
def test_zero_rates_are_the_inner_cell_exactly(make_inner, training):
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32")
    plain = keras.layers.RNN(make_inner(), return_sequences=True, return_state=True)
    zoned = keras.layers.RNN(
        ZoneoutCell(make_inner()), return_sequences=True, return_state=True
    )
    plain.build(x.shape)
    zoned.build(x.shape)
    zoned.set_weights(plain.get_weights())
    for a, b in zip(zoned(x, training=training), plain(x, training=training)):
        np.testing.assert_array_equal(a, b)


def test_rate_one_keeps_the_initial_state_at_every_step_in_training():
    cell = ZoneoutCell(keras.layers.LSTMCell(5), zoneout_h=1.0, zoneout_c=1.0)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 2)).astype("float32")
    h0, c0 = (rng.normal(size=(3, 5)).astype("float32") for _ in range(2))
    outputs, h, c = layer(x, initial_state=[h0, c0], training=True)
    np.testing.assert_array_equal(outputs, np.repeat(h0[:, None], 4, axis=1))
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(c, c0)


def test_output_is_left_alone_when_the_cell_outputs_something_else():
    class DoubledOutput(keras.layers.Layer):
        state_size = [2]
        output_size = 2

        def call(self, inputs, states):
            h = states[0] + inputs
            return 2.0 * h, [h]

    cell = ZoneoutCell(DoubledOutput(), zoneout_h=0.5)
    x = np.array([[1.0, 2.0]], "float32")
    h = np.array([[3.0, 5.0]], "float32")
    output, (h_t,) = cell(x, [h], training=False)
    np.testing.assert_array_equal(output, [[8.0, 14.0]])  # the cell's 2 * (h + x)
    np.testing.assert_array_equal(h_t, [[3.5, 6.0]])  # 0.5 * (h + x) + 0.5 * h


# --- Randomness --------------------------------------------------------------


def test_fraction_of_preserved_units_is_the_rate():
    # 64 * 25 steps * 64 units = 102,400 draws: the standard deviation of the
    # fraction is about 0.0014, the bound is 0.01.
    p = 0.3
    layer = keras.layers.RNN(
        ZoneoutCell(_counter_cell(64), zoneout_h=p), return_sequences=True
    )
    masks = _masks_of_counter(layer(np.zeros((64, 25, 1), "float32"), training=True))
    np.testing.assert_array_equal(np.unique(masks), [0.0, 1.0])
    assert abs(masks.mean() - p) < 0.01


def test_h_and_c_masks_have_their_own_rates_and_are_independent():
    inner = keras.layers.LSTMCell(50)
    cell = ZoneoutCell(inner, zoneout_h=0.2, zoneout_c=0.7)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1000, 3)).astype("float32")
    h, c = (rng.normal(size=(1000, 50)).astype("float32") for _ in range(2))
    _, (h_t, c_t) = cell(x, [h, c], training=True)
    h_new, (_, c_new) = inner(x, [h, c])
    kept_h = np.asarray(h_t) == h
    kept_c = np.asarray(c_t) == c
    # Every unit is either its previous value or the cell's update.
    assert np.all(kept_h | (np.asarray(h_t) == np.asarray(h_new)))
    assert np.all(kept_c | (np.asarray(c_t) == np.asarray(c_new)))
    assert abs(kept_h.mean() - 0.2) < 0.01
    assert abs(kept_c.mean() - 0.7) < 0.01
    # Independent masks: both kept with probability 0.2 * 0.7.
    assert abs((kept_h & kept_c).mean() - 0.14) < 0.01


def test_masks_are_fresh_at_every_step_and_every_call():
    layer = keras.layers.RNN(
        ZoneoutCell(_counter_cell(32), zoneout_h=0.5), return_sequences=True
    )
    x = np.zeros((16, 8, 1), "float32")
    first = _masks_of_counter(layer(x, training=True))
    for t in range(1, 8):
        # Independent masks agree on about half of the 512 entries.
        agreement = (first[:, t] == first[:, t - 1]).mean()
        assert 0.35 < agreement < 0.65, (t, agreement)
    second = _masks_of_counter(layer(x, training=True))
    assert not np.array_equal(first, second)


def _training_outputs(seed=None):
    cell = ZoneoutCell(_constant_lstm_cell(8), zoneout_h=0.4, zoneout_c=0.4, seed=seed)
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = np.linspace(-1, 1, 2 * 6 * 3, dtype="float32").reshape(2, 6, 3)
    return keras.ops.convert_to_numpy(layer(x, training=True))


def test_repeatable_under_set_random_seed():
    keras.utils.set_random_seed(7)
    first = _training_outputs()
    keras.utils.set_random_seed(7)
    again = _training_outputs()
    keras.utils.set_random_seed(8)
    other = _training_outputs()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    # A fixed seed does not depend on the global one.
    keras.utils.set_random_seed(1)
    fixed = _training_outputs(seed=5)
    keras.utils.set_random_seed(2)
    np.testing.assert_array_equal(_training_outputs(seed=5), fixed)


# --- Which states are zoned out --------------------------------------------


def test_clockwork_clock_is_never_zoned_out():
    # One unit per module: state_size [4, 4] has the shape of an LSTM state,
    # yet the second state is the clock.
    inner = ClockworkRNNCell(4, periods=[1, 2, 4, 8])
    cell = ZoneoutCell(inner, zoneout_h=0.5, seed=0)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    x = np.random.default_rng(4).normal(size=(8, 11, 2)).astype("float32")
    outputs, h, phases = (keras.ops.convert_to_numpy(v) for v in layer(x, training=True))
    np.testing.assert_array_equal(phases, np.tile([0, 1, 3, 3], (8, 1)))  # 11 mod T_i
    np.testing.assert_array_equal(outputs[:, -1], h)
    # Inactive modules still copy their state exactly (zoneout or not).
    active = inner.active_modules(11)
    for t in range(1, 11):
        for module in np.flatnonzero(~active[t]):
            np.testing.assert_array_equal(
                outputs[:, t, module], outputs[:, t - 1, module]
            )


@pytest.mark.parametrize(
    "make_inner, shown_state",
    [
        (lambda: keras.layers.SimpleRNNCell(4), "SimpleRNNCell with state_size [4]"),
        (lambda: keras.layers.GRUCell(4), "GRUCell with state_size [4]"),
        (
            lambda: ClockworkRNNCell(4, periods=[1, 2, 4, 8]),
            "ClockworkRNNCell with state_size [4, 4]: its second state is the "
            "integer clock phase",
        ),
        (
            lambda: ClockworkRNNCell(6, periods=[1, 2, 3]),
            "ClockworkRNNCell with state_size [6, 3]",
        ),
    ],
    ids=["simple_rnn", "gru", "clockwork_square", "clockwork"],
)
def test_zoneout_c_needs_an_lstm_style_cell(make_inner, shown_state):
    layer = keras.layers.RNN(ZoneoutCell(make_inner(), zoneout_c=0.2))
    with pytest.raises(ValueError) as error:
        layer(np.zeros((1, 2, 3), "float32"))
    message = str(error.value)
    assert "argument `zoneout_c`" in message
    assert shown_state in message
    assert message.endswith("got 0.2.")


def test_sizes_and_initial_state_come_from_the_inner_cell():
    cell = ZoneoutCell(ClockworkRNNCell(6, periods=[1, 2, 3]), zoneout_h=0.1)
    assert (cell.state_size, cell.output_size) == ([6, 3], 6)
    assert ZoneoutCell(keras.layers.GRUCell(5)).state_size == 5
    h, phases = cell.get_initial_state(batch_size=2)
    assert (tuple(h.shape), tuple(phases.shape)) == ((2, 6), (2, 3))

    class NoInitialState(keras.layers.Layer):
        state_size = [3, 2]
        output_size = 3

        def call(self, inputs, states):
            return states[0], list(states)

    zeros = ZoneoutCell(NoInitialState(), dtype="float16").get_initial_state(4)
    assert [tuple(s.shape) for s in zeros] == [(4, 3), (4, 2)]
    assert {keras.backend.standardize_dtype(s.dtype) for s in zeros} == {"float16"}
    assert not np.any([keras.ops.convert_to_numpy(s) for s in zeros][0])


# --- Serialization -----------------------------------------------------------


def test_keras_file_round_trip_gives_identical_outputs(tmp_path):
    inputs = keras.Input((5, 3))
    features = keras.layers.RNN(
        ZoneoutCell(keras.layers.LSTMCell(4), zoneout_h=0.2, zoneout_c=0.4, seed=3),
        return_sequences=True,
        name="zoneout",
    )(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(features))
    x = np.random.default_rng(5).normal(size=(2, 5, 3)).astype("float32")
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded(x), model(x))
    cell = loaded.get_layer("zoneout").cell
    assert type(cell) is ZoneoutCell and type(cell.cell) is keras.layers.LSTMCell
    assert (cell.zoneout_h, cell.zoneout_c, cell.seed) == (0.2, 0.4, 3)


def test_config_round_trip_keeps_the_wrapped_cell_and_the_dict():
    cell = ZoneoutCell(ClockworkRNNCell(6, periods=[1, 2, 3]), zoneout_h=0.25, seed=9)
    config = json.loads(json.dumps(cell.get_config()))
    original = json.dumps(config, sort_keys=True)
    restored = ZoneoutCell.from_config(config)
    assert json.dumps(config, sort_keys=True) == original  # not mutated
    assert type(restored.cell) is ClockworkRNNCell
    assert restored.cell.periods == (1, 2, 3)
    assert restored.get_config() == cell.get_config()
    assert config["cell"]["registered_name"] == "keras_memory>ClockworkRNNCell"
    assert keras.saving.get_registered_name(ZoneoutCell) == "keras_memory>ZoneoutCell"


# --- Bad arguments -----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"cell": None}, "cell", "None"),
        ({"cell": "lstm"}, "cell", "'lstm'"),
        ({"cell": 4}, "cell", "4"),
        ({"cell": keras.layers.Dense(3, name="dense")}, "cell", "<Dense name=dense, built=False>"),
        ({"cell": keras.layers.LSTM(3, name="lstm")}, "cell", "<LSTM name=lstm, built=False>"),
        ({"zoneout_h": -0.1}, "zoneout_h", "-0.1"),
        ({"zoneout_h": 1.5}, "zoneout_h", "1.5"),
        ({"zoneout_h": "0.1"}, "zoneout_h", "'0.1'"),
        ({"zoneout_h": True}, "zoneout_h", "True"),
        ({"zoneout_h": None}, "zoneout_h", "None"),
        ({"zoneout_h": float("nan")}, "zoneout_h", "nan"),
        ({"zoneout_c": -1}, "zoneout_c", "-1"),
        ({"zoneout_c": 2}, "zoneout_c", "2"),
        ({"zoneout_c": [0.1]}, "zoneout_c", "[0.1]"),
        ({"seed": 1.5}, "seed", "1.5"),
        ({"seed": "1"}, "seed", "'1'"),
        ({"seed": False}, "seed", "False"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument, shown):
    kwargs = {"cell": keras.layers.LSTMCell(2), **kwargs}
    with pytest.raises(ValueError) as error:
        ZoneoutCell(**kwargs)
    message = str(error.value)
    assert f"argument `{argument}`" in message
    assert message.endswith(f"got {shown}.")


# --- JAX backend -------------------------------------------------------------

_JAX_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import keras
    from keras_memory.layers.zoneout_cell import ZoneoutCell
    assert keras.backend.backend() == "jax"

    # h~_t = h_{t-1} + 1 (the zero kernel makes the input dropout harmless),
    # so the zoned-out h_t - h_{t-1} = 1 - d_t^h shows every mask.
    counter = keras.layers.SimpleRNNCell(
        32, activation=None, kernel_initializer="zeros",
        recurrent_initializer="identity", bias_initializer="ones", dropout=0.5,
    )
    cell = ZoneoutCell(counter, zoneout_h=0.5, seed=2)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    x = np.ones((16, 8, 1), "float32")
    out = np.asarray(rnn(x, training=True), "float64")
    masks = 1.0 - np.diff(np.concatenate([np.zeros_like(out[:, :1]), out], 1), axis=1)
    agreement = [(masks[:, t] == masks[:, t - 1]).mean() for t in range(1, 8)]
    print(sorted(set(masks.ravel())), masks.mean(), agreement)
    assert sorted(set(masks.ravel())) == [0.0, 1.0]
    assert abs(masks.mean() - 0.5) < 0.05
    assert all(0.35 < a < 0.65 for a in agreement), agreement  # fresh every step

    # Training steps under jit, with masking, around a dropout cell.
    inputs = keras.Input((8, 1))
    features = rnn(keras.layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2)(features))
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse", jit_compile=True)
    x[0, -2:] = 0.0
    losses = [model.train_on_batch(x, np.zeros((16, 8, 2), "float32")) for _ in range(2)]
    seed_state = np.asarray(cell.seed_generator.state.value)  # not a leaked tracer
    print(losses, seed_state)
    assert np.isfinite(losses).all()
    assert seed_state.tolist() == [2, 3]  # one key per call of the RNN

    # A wrapped recurrent dropout cell gets its masks outside the scan: a
    # mask made inside it would leak a tracer into the second call.
    inner = keras.layers.SimpleRNNCell(4, recurrent_dropout=0.5)
    layer = keras.layers.RNN(ZoneoutCell(inner, zoneout_h=0.3, seed=1))
    for _ in range(2):
        assert np.isfinite(np.asarray(layer(x, training=True))).all()
    """
)


def test_jax_backend_trains_with_fresh_masks_every_step():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
