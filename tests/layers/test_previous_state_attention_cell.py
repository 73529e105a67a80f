"""Tests of PreviousStateAttentionCell and PreviousStateAttention."""

import keras
import numpy as np
import pytest
from keras import ops
from references import previous_state_attention as _reference

from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell
from keras_memory.layers.previous_state_attention import PreviousStateAttention
from keras_memory.layers.previous_state_attention_cell import PreviousStateAttentionCell

K = 3


def _numpy(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize(
    "inner,kwargs",
    [
        (lambda: keras.layers.LSTMCell(4), {}),
        (lambda: keras.layers.LSTMCell(4), {"attended_states": "first", "query": "input"}),
        (lambda: keras.layers.GRUCell(5), {"score": "dot", "query": "state",
                                            "attention_units": 3}),
        (lambda: keras.layers.SimpleRNNCell(3), {"score": "dot"}),
    ],
    ids=["lstm-all-additive", "lstm-first-input", "gru-dot-state", "simple-dot"],
)
def test_against_numpy_loop_with_wrap_around(inner, kwargs):
    # 8 steps with K = 3: the ring wraps around twice.
    x = np.random.default_rng(0).normal(size=(2, 8, 3)).astype("float32")
    cell = PreviousStateAttentionCell(inner(), window=K, return_attention=True, **kwargs)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    outputs, *states = layer(x)
    outputs = _numpy(outputs)
    expected, attention, history = _reference(cell, x)
    units = expected.shape[-1]
    np.testing.assert_allclose(outputs[..., :units], expected, atol=1e-5)
    np.testing.assert_allclose(outputs[..., units:], attention, atol=1e-5)

    # After 8 steps the ring holds s_7, s_6, s_5 (the buffer is written
    # before attending, so s_8 is not in it yet): s_{j} in slot j mod K.
    count = len(cell._cell_state_sizes) if cell.attended_states == "all" else 1
    slots = _numpy(states[1 + len(cell._cell_state_sizes)]).reshape(2, K, -1)
    for step in (5, 6, 7):
        expected_slot = np.concatenate(history[step][:count], -1)
        np.testing.assert_allclose(slots[:, step % K], expected_slot, atol=1e-5)
    filled, last = (_numpy(s) for s in states[-2:])
    np.testing.assert_array_equal(filled, np.ones((2, K)))
    np.testing.assert_array_equal(last, np.tile(np.eye(K)[7 % K], (2, 1)))


def test_empty_slots_get_exactly_zero_attention():
    x = np.random.default_rng(1).normal(size=(3, 5, 2)).astype("float32")
    layer = PreviousStateAttention(
        keras.layers.LSTMCell(4), window=4, return_sequences=True,
        return_attention=True,
    )
    _, attention = layer(x)
    attention = _numpy(attention)
    for t in range(4):  # step t + 1 sees t + 1 states: s_t, ..., s_0
        np.testing.assert_array_equal(attention[:, t, t + 1 :], 0.0)
        assert (attention[:, t, : t + 1] > 0).all()
    np.testing.assert_array_equal(attention[:, 0], np.tile([1.0, 0, 0, 0], (3, 1)))
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-6)


def test_first_step_is_the_wrapped_cells_first_step():
    x = np.random.default_rng(2).normal(size=(2, 3)).astype("float32")
    lstm = keras.layers.LSTMCell(4)
    cell = PreviousStateAttentionCell(lstm, window=K)
    output, _ = cell(x, cell.get_initial_state(batch_size=2))
    expected, _ = lstm(x, lstm.get_initial_state(batch_size=2))
    np.testing.assert_allclose(_numpy(output), _numpy(expected), atol=1e-6)


def test_state_layout_and_zero_initial_state():
    cell = PreviousStateAttentionCell(
        keras.layers.LSTMCell(4), window=K, return_attention=True
    )
    # [y_{t-1}, h, c, ring (K * (4 + 4)), filled (K), last written (K)]
    assert cell.state_size == [4 + K, 4, 4, K * 8, K, K]
    first = PreviousStateAttentionCell(
        keras.layers.LSTMCell(4), window=K, attended_states="first"
    )
    assert first.state_size == [4, 4, 4, K * 4, K, K]
    for state, size in zip(cell.get_initial_state(batch_size=2), cell.state_size):
        np.testing.assert_array_equal(_numpy(state), np.zeros((2, size)))


def test_first_mode_passes_the_other_states_through():
    # A clock phase must not be averaged: with attended_states="first" the
    # ClockworkRNNCell ticks as without the wrapper.
    x = np.random.default_rng(3).normal(size=(2, 7, 3)).astype("float32")
    cell = PreviousStateAttentionCell(
        ClockworkRNNCell(6, periods=[1, 2, 3]), window=2, attended_states="first"
    )
    _, *states = keras.layers.RNN(cell, return_state=True)(x)
    plain = keras.layers.RNN(ClockworkRNNCell(6, periods=[1, 2, 3]), return_state=True)
    _, *plain_states = plain(x)
    np.testing.assert_array_equal(_numpy(states[2]), _numpy(plain_states[1]))


def test_masking_leaves_the_buffer_unchanged():
    layer = PreviousStateAttention(
        keras.layers.GRUCell(4), window=K, return_sequences=True,
        return_state=True, return_attention=True,
    )
    x = np.random.default_rng(4).normal(size=(2, 6, 3)).astype("float32")
    mask = np.array([[True] * 4 + [False] * 2, [True] * 6])
    outputs, attention, *masked = layer(x, mask=mask)
    _, _, *truncated = layer(x[:1, :4])
    for a, b in zip(masked, truncated):
        np.testing.assert_allclose(_numpy(a)[:1], _numpy(b), atol=1e-6)
    # Padded steps repeat the last output and attention.
    np.testing.assert_allclose(_numpy(outputs)[0, 4:], np.stack([_numpy(outputs)[0, 3]] * 2))
    np.testing.assert_allclose(_numpy(attention)[0, 4:], np.stack([_numpy(attention)[0, 3]] * 2))


def test_stateful_reset_restarts_with_an_empty_buffer():
    layer = PreviousStateAttention(
        keras.layers.LSTMCell(4), window=K, return_sequences=True, stateful=True
    )
    x = np.random.default_rng(5).normal(size=(2, 5, 3)).astype("float32")
    first = _numpy(layer(x))
    assert not np.allclose(_numpy(layer(x)), first)
    layer.reset_state()
    np.testing.assert_allclose(_numpy(layer(x)), first, atol=1e-6)
    keras.layers.RNN.reset_state(layer)  # zeros are the initial state too
    np.testing.assert_allclose(_numpy(layer(x)), first, atol=1e-6)


def test_config_round_trip():
    layer = PreviousStateAttention(
        keras.layers.GRUCell(4), window=2, score="dot", query="input",
        attended_states="first", attention_units=3, return_attention=True,
        kernel_initializer="he_normal", return_sequences=True,
    )
    x = np.random.default_rng(7).normal(size=(2, 5, 3)).astype("float32")
    expected = [_numpy(t) for t in layer(x)]
    config = layer.get_config()
    restored = PreviousStateAttention.from_config(config)
    assert restored.get_config() == config
    restored.build(x.shape)
    restored.set_weights(layer.get_weights())
    for a, b in zip([_numpy(t) for t in restored(x)], expected):
        np.testing.assert_allclose(a, b, atol=1e-6)
    cell_config = layer.cell.get_config()
    assert PreviousStateAttentionCell.from_config(cell_config).get_config() == cell_config


BAD_ARGUMENTS = [
    ({"cell": keras.layers.Dense(3)}, "cell"),
    ({"cell": keras.layers.LSTM(3)}, "cell"),
    ({"window": 0}, "window"),
    ({"window": 2.0}, "window"),
    ({"score": "general"}, "score"),
    ({"query": "output"}, "query"),
    ({"attended_states": "c"}, "attended_states"),
    ({"attention_units": 0}, "attention_units"),
    ({"return_attention": "yes"}, "return_attention"),
    ({"kernel_initializer": "not_an_initializer"}, "kernel_initializer"),
]


@pytest.mark.parametrize("kwargs,argument", BAD_ARGUMENTS)
@pytest.mark.parametrize(
    "layer_class", [PreviousStateAttentionCell, PreviousStateAttention]
)
def test_bad_arguments(layer_class, kwargs, argument):
    arguments = {"cell": keras.layers.GRUCell(3), "window": 2, **kwargs}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        layer_class(**arguments)


def test_bad_argument_message():
    with pytest.raises(ValueError) as error:
        PreviousStateAttentionCell(keras.layers.GRUCell(3), window=0)
    assert str(error.value) == (
        "Received an invalid value for argument `window`, expected a "
        "positive integer, got 0."
    )
