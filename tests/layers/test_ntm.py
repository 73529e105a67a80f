"""Tests of NTMCell and NTM (the conformance harness covers the RNN contract)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_memory.layers.memory_cell import MemoryCell
from keras_memory.layers.memory_rnn import MemoryRNN
from keras_memory.layers.ntm import NTM
from keras_memory.layers.ntm_cell import NTMCell
from keras_memory.ops import erase_and_add
from keras_memory.ops import soft_read

N, M = 4, 3


def _tiny_cell(**kwargs):
    return NTMCell(units=5, memory_size=N, memory_width=M, **kwargs)


def _numpy(x):
    return ops.convert_to_numpy(x)


def test_state_layout_sizes():
    cell = NTMCell(
        units=5, memory_size=N, memory_width=M, read_heads=2, write_heads=3,
        return_access=True,
    )
    output_size = 5 + 2 * M + (2 + 3) * N
    assert cell.output_size == output_size
    # [y_{t-1}, h, c, reads, read weightings, write weightings, memory]
    assert cell.state_size == [output_size, 5, 5, 2 * M, 2 * N, 3 * N, N * M]
    gru = NTMCell(keras.layers.GRUCell(7), memory_size=N, memory_width=M)
    assert gru.state_size == [7 + M, 7, M, N, N, N * M]


def test_initial_state_constant_memory():
    cell = _tiny_cell(read_heads=2)
    states = cell.get_initial_state(batch_size=2)
    # Offsets from the initial values: the initial state is zeros ...
    for state, size in zip(states, cell.state_size):
        assert _numpy(state).shape == (2, size)
        np.testing.assert_array_equal(_numpy(state), 0.0)
    # ... and it decodes to the 1e-6 memory and one-hot weightings.
    decoded = {k: _numpy(v) for k, v in cell.decode_state(states).items()}
    np.testing.assert_allclose(decoded["memory"], np.full((2, N, M), 1e-6), rtol=1e-6)
    one_hot = np.eye(N)[0]
    np.testing.assert_array_equal(decoded["read_weightings"], np.tile(one_hot, (2, 2, 1)))
    np.testing.assert_array_equal(decoded["write_weightings"], np.tile(one_hot, (2, 1, 1)))
    np.testing.assert_allclose(decoded["read_vectors"], np.full((2, 2, M), 1e-6), rtol=1e-6)


@pytest.mark.parametrize("memory_init,trainable", [("learned", True), ("random", False)])
def test_learned_and_random_memory(memory_init, trainable):
    cell = _tiny_cell(memory_init=memory_init, seed=3)
    cell.build((None, 2))
    assert cell.initial_memory.trainable is trainable
    assert tuple(cell.initial_memory.shape) == (N, M)
    decoded = cell.decode_state(cell.get_initial_state(batch_size=3))
    expected = np.broadcast_to(_numpy(cell.initial_memory), (3, N, M))
    np.testing.assert_allclose(_numpy(decoded["memory"]), expected, atol=1e-7)
    # r_0 reads location 0 of the initial memory.
    np.testing.assert_allclose(
        _numpy(decoded["read_vectors"])[:, 0], expected[:, 0], atol=1e-7
    )
    # The same seed gives the same memory.
    other = _tiny_cell(memory_init=memory_init, seed=3)
    other.build((None, 2))
    np.testing.assert_array_equal(_numpy(other.initial_memory), _numpy(cell.initial_memory))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_one_step_by_hand():
    cell = _tiny_cell(read_heads=2, write_heads=2)
    x = np.random.default_rng(0).normal(size=(3, 2)).astype("float32")
    states = cell.get_initial_state(batch_size=3)
    output, new_states = cell(x, states)
    decoded = {k: _numpy(v) for k, v in cell.decode_state(new_states).items()}

    for key in ("read_weightings", "write_weightings"):
        weights = decoded[key]
        assert (weights >= 0).all()
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)

    # The controller's output and the erase and add vectors, by hand.
    initial = cell.decode_state(states)
    controller_input = np.concatenate(
        [x, _numpy(initial["read_vectors"]).reshape(3, -1)], axis=-1
    )
    h, _ = cell.controller(controller_input, states[1:3])
    h = _numpy(h)
    params = np.clip(
        h @ _numpy(cell.head_kernel) + _numpy(cell.head_bias), -20.0, 20.0
    )
    heads = 4 * (M + 3 + 3)
    erase = _sigmoid(params[:, heads : heads + 2 * M]).reshape(3, 2, M)
    add = np.tanh(params[:, heads + 2 * M :]).reshape(3, 2, M)
    expected_memory = erase_and_add(
        np.full((3, N, M), 1e-6, "float32"), decoded["write_weightings"], erase, add
    )
    np.testing.assert_allclose(decoded["memory"], _numpy(expected_memory), atol=1e-5)
    # Write, then read: r_t reads M_t.
    expected_reads = _numpy(soft_read(decoded["memory"], decoded["read_weightings"]))
    np.testing.assert_allclose(decoded["read_vectors"], expected_reads, atol=1e-5)
    # y_t = [h_t, r_t], and it is literally state 0.
    np.testing.assert_allclose(
        _numpy(output), np.concatenate([h, expected_reads.reshape(3, -1)], -1), atol=1e-5
    )
    np.testing.assert_array_equal(_numpy(output), _numpy(new_states[0]))


def test_reset_state_restores_constant_memory():
    layer = NTM(units=5, memory_size=N, memory_width=M, stateful=True)
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    first = _numpy(layer(x))
    cell = layer.cell
    memory = _numpy(cell.decode_state([s.value for s in layer.states])["memory"])
    assert not np.allclose(memory, 1e-6)
    layer.reset_state()
    memory = _numpy(cell.decode_state([s.value for s in layer.states])["memory"])
    np.testing.assert_allclose(memory, np.full((2, N, M), 1e-6), rtol=1e-6)
    np.testing.assert_allclose(_numpy(layer(x)), first, atol=1e-6)


@pytest.mark.parametrize("memory_init", ["constant", "learned"])
def test_training_step_with_zero_inputs_is_finite(memory_init):
    inputs = keras.Input((6, 3))
    features = NTM(
        units=5, memory_size=N, memory_width=M, memory_init=memory_init,
        return_sequences=True,
    )(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(features))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x = np.zeros((4, 6, 3), "float32")
    for _ in range(2):
        loss = model.train_on_batch(x, np.ones((4, 6, 1), "float32"))
    assert np.isfinite(loss)
    assert all(np.isfinite(_numpy(w)).all() for w in model.weights)


def test_masked_steps_leave_memory_unchanged():
    layer = NTM(units=5, memory_size=N, memory_width=M, return_state=True)
    x = np.random.default_rng(2).normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[True] * 3 + [False] * 2, [True] * 5])
    _, *masked = layer(x, mask=mask)
    _, *truncated = layer(x[:1, :3])
    for a, b in zip(masked, truncated):
        np.testing.assert_allclose(_numpy(a)[:1], _numpy(b), atol=1e-6)
    memory = _numpy(layer.cell.decode_state(masked)["memory"])
    assert not np.allclose(memory[0], 1e-6)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_return_access_shapes(return_sequences):
    layer = NTM(
        units=5, memory_size=N, memory_width=M, read_heads=2, write_heads=3,
        return_access=True, return_sequences=return_sequences, return_state=True,
    )
    x = np.ones((2, 6, 3), "float32")
    outputs, reads, writes, *states = layer(x)
    features = 5 + 2 * M
    expected = (2, 6, features) if return_sequences else (2, features)
    assert tuple(outputs.shape) == expected
    assert tuple(reads.shape) == (2, 6, 2, N)
    assert tuple(writes.shape) == (2, 6, 3, N)
    np.testing.assert_allclose(_numpy(reads).sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(_numpy(writes).sum(-1), 1.0, atol=1e-5)
    assert len(states) == len(layer.cell.state_size)
    shapes = layer.compute_output_shape(x.shape)
    assert [tuple(s) for s in shapes[:3]] == [expected, (2, 6, 2, N), (2, 6, 3, N)]
    # The last read weighting is the final state's.
    final = _numpy(layer.cell.decode_state(states)["read_weightings"])
    np.testing.assert_allclose(_numpy(reads)[:, -1], final, atol=1e-6)


def test_config_round_trip_with_gru_controller():
    layer = NTM(
        keras.layers.GRUCell(6), memory_size=N, memory_width=M, read_heads=2,
        shift_range=0, clip_value=5.0, memory_init="random", seed=4,
        return_access=True, return_sequences=True,
    )
    x = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    expected = [_numpy(t) for t in layer(x)]
    config = layer.get_config()
    restored = NTM.from_config(config)
    assert restored.get_config() == config
    assert isinstance(restored.cell.controller, keras.layers.GRUCell)
    restored.build(x.shape)
    restored.set_weights(layer.get_weights())
    for a, b in zip([_numpy(t) for t in restored(x)], expected):
        np.testing.assert_allclose(a, b, atol=1e-6)

    cell = layer.cell
    cell_config = cell.get_config()
    restored_cell = NTMCell.from_config(cell_config)
    assert restored_cell.get_config() == cell_config
    assert isinstance(restored_cell.controller, keras.layers.GRUCell)
    assert restored_cell.controller.units == 6


NTM_CELL_KEYS = [
    "controller", "units", "memory_size", "memory_width", "read_heads",
    "write_heads", "shift_range", "clip_value", "memory_init", "return_access",
    "seed",
]


def test_ntm_is_the_location_soft_erase_add_memory():
    cell = _tiny_cell()
    assert isinstance(cell, MemoryCell)
    assert (cell.addressing, cell.reads, cell.writes) == (
        "location", "soft", "erase_add"
    )
    assert cell.return_log_probs is False
    layer = NTM(units=5, memory_size=N, memory_width=M)
    assert isinstance(layer, MemoryRNN)
    # The fixed access options are neither arguments nor config keys.
    own_keys = [k for k in cell.get_config() if k in NTM_CELL_KEYS]
    assert own_keys == NTM_CELL_KEYS
    for key in ("addressing", "reads", "writes", "return_log_probs"):
        assert key not in cell.get_config()
        assert key not in layer.get_config()
    with pytest.raises(TypeError):
        NTMCell(addressing="content")


def test_weight_names_and_order():
    # The shipped weights (saved_models/ntm_copy) load by this order.
    cell = _tiny_cell(memory_init="learned")
    cell.build((None, 2))
    names = [w.path for w in cell.weights]
    assert names == [
        "ntm_cell/head_kernel",
        "ntm_cell/head_bias",
        "ntm_cell/initial_memory",
        "ntm_cell/controller/kernel",
        "ntm_cell/controller/recurrent_kernel",
        "ntm_cell/controller/bias",
    ]


def test_from_config_of_an_earlier_config():
    # A config written before NTMCell became a MemoryCell preset.
    config = {
        "name": "ntm_cell",
        "trainable": True,
        "dtype": "float32",
        "controller": keras.saving.serialize_keras_object(
            keras.layers.GRUCell(6, name="controller")
        ),
        "units": 100,
        "memory_size": N,
        "memory_width": M,
        "read_heads": 2,
        "write_heads": 1,
        "shift_range": 1,
        "clip_value": 20.0,
        "memory_init": "constant",
        "return_access": True,
        "seed": None,
    }
    cell = NTMCell.from_config(config)
    assert isinstance(cell.controller, keras.layers.GRUCell)
    assert cell.state_size == [6 + 2 * M + 3 * N, 6, 2 * M, 2 * N, N, N * M]
    assert cell.get_config()["return_access"] is True
    layer = NTM.from_config(
        {"name": "ntm", "units": 5, "memory_size": N, "memory_width": M,
         "return_sequences": True}
    )
    assert tuple(layer(np.ones((2, 3, 2), "float32")).shape) == (2, 3, 5 + M)


def test_feedforward_controller_has_no_state_of_its_own():
    cell = NTMCell("feedforward", units=5, memory_size=N, memory_width=M)
    assert isinstance(cell.controller, keras.layers.Dense)
    assert cell.controller.activation is keras.activations.relu
    # [y_{t-1}, reads, read weightings, write weightings, memory]
    assert cell.state_size == [5 + M, M, N, N, N * M]
    stack = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(6)])
    assert NTMCell(stack, memory_size=N, memory_width=M).output_size == 6 + M


def test_feedforward_controller_sees_only_input_and_previous_reads():
    # h_t = relu([x_t, r_{t-1}] W + b): the memory is the only recurrence.
    layer = NTM(
        "feedforward", units=5, memory_size=N, memory_width=M,
        return_sequences=True,
    )
    inputs = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    outputs = _numpy(layer(inputs))
    h, reads = outputs[..., :5], outputs[..., 5:]
    initial_reads = np.full((2, 1, M), 1e-6, "float32")  # r_0 of M_0 = 1e-6
    previous_reads = np.concatenate([initial_reads, reads[:, :-1]], axis=1)
    kernel, bias = (_numpy(w) for w in layer.cell.controller.weights)
    expected = np.maximum(
        np.concatenate([inputs, previous_reads], axis=-1) @ kernel + bias, 0.0
    )
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def test_feedforward_controller_config_round_trip():
    cell = NTMCell(
        keras.Sequential([keras.layers.Dense(4, activation="tanh")]),
        memory_size=N, memory_width=M,
    )
    restored = NTMCell.from_config(cell.get_config())
    assert isinstance(restored.controller, keras.Sequential)
    assert restored.state_size == cell.state_size


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"units": 0}, "units"),
        ({"memory_size": 0}, "memory_size"),
        ({"memory_size": 2.0}, "memory_size"),
        ({"memory_width": -1}, "memory_width"),
        ({"read_heads": 0}, "read_heads"),
        ({"write_heads": True}, "write_heads"),
        ({"shift_range": -1}, "shift_range"),
        ({"memory_size": 4, "shift_range": 2}, "shift_range"),
        ({"clip_value": 0.0}, "clip_value"),
        ({"clip_value": "big"}, "clip_value"),
        ({"clip_value": float("inf")}, "clip_value"),
        ({"return_access": "yes"}, "return_access"),
        ({"memory_init": "zeros"}, "memory_init"),
        ({"controller": keras.layers.Activation("relu")}, "controller"),
        ({"controller": keras.layers.LSTM(3)}, "controller"),
        ({"controller": "lstm"}, "controller"),
        ({"seed": 1.5}, "seed"),
    ],
)
@pytest.mark.parametrize("layer_class", [NTMCell, NTM])
def test_bad_arguments(layer_class, kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        layer_class(**kwargs)


def test_bad_argument_message():
    with pytest.raises(ValueError) as error:
        NTMCell(memory_size=0)
    assert str(error.value) == (
        "Received an invalid value for argument `memory_size`, expected a "
        "positive integer, got 0."
    )
