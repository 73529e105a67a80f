"""Tests of MemoryCell and MemoryRNN (the conformance harness covers the RNN contract)."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops
from references import np_address as _np_address
from references import np_write as _np_write
from references import sigmoid as _sigmoid
from references import softmax as _softmax

from keras_memory.layers.memory_cell import MemoryCell
from keras_memory.layers.memory_rnn import MemoryRNN
from keras_memory.layers.ntm_cell import NTMCell

N, M = 5, 3


def _numpy(x):
    return ops.convert_to_numpy(x)


def _tiny_cell(**kwargs):
    return MemoryCell(units=4, memory_size=N, memory_width=M, **kwargs)


# The NumPy reference of the access module is in tests/references.py.


def _random_state(cell, batch, rng):
    """A state list far from the initial one: random memory and weightings."""
    decoded0 = {k: _numpy(v) for k, v in cell.decode_state(
        cell.get_initial_state(batch_size=batch)).items()}
    memory = rng.normal(size=(batch, N, M)).astype("float32")
    read_w = _softmax(rng.normal(size=(batch, cell.read_heads, N))).astype("float32")
    write_w = _softmax(rng.normal(size=(batch, cell.write_heads, N))).astype("float32")
    reads = rng.normal(size=(batch, cell.read_heads, M)).astype("float32")
    controller = [rng.normal(size=(batch, 4)).astype("float32") for _ in range(2)]
    states = [
        np.zeros((batch, cell.output_size), "float32"),
        *controller,
        (reads - decoded0["read_vectors"]).reshape(batch, -1),
        (read_w - decoded0["read_weightings"]).reshape(batch, -1),
        (write_w - decoded0["write_weightings"]).reshape(batch, -1),
        (memory - decoded0["memory"]).reshape(batch, -1),
    ]
    return states, memory, read_w, write_w, reads, controller


COMBINATIONS = list(
    itertools.product(("content", "location"), ("soft", "hard"),
                      ("overwrite", "residual", "erase_add"))
)


@pytest.mark.parametrize("addressing,reads,writes", COMBINATIONS)
def test_one_step_against_numpy(addressing, reads, writes):
    rng = np.random.default_rng(0)
    cell = _tiny_cell(
        addressing=addressing, reads=reads, writes=writes, read_heads=2,
        write_heads=2, return_access=True, return_log_probs=reads == "hard",
        clip_value=2.0,
    )
    batch = 3
    x = rng.normal(size=(batch, 2)).astype("float32")
    cell.build(x.shape)
    cell.head_bias.assign(rng.normal(size=cell.head_bias.shape).astype("float32"))
    states, memory, read_w, write_w, reads_prev, controller = _random_state(
        cell, batch, rng
    )
    output, new_states = cell(x, states, training=False)
    output = _numpy(output)

    # The controller reads [x_t, r_{t-1}].
    h, _ = cell.controller(
        np.concatenate([x, reads_prev.reshape(batch, -1)], -1), controller
    )
    h = _numpy(h)
    params = np.clip(h @ _numpy(cell.head_kernel) + _numpy(cell.head_bias), -2, 2)
    head = M + 1 if addressing == "content" else M + 6  # s = 1
    heads = params[:, : 4 * head].reshape(batch, 4, head)
    rest = params[:, 4 * head :]
    if writes == "erase_add":
        vectors = [_sigmoid(rest[:, : 2 * M]).reshape(batch, 2, M),
                   np.tanh(rest[:, 2 * M :]).reshape(batch, 2, M)]
    else:
        vectors = [np.tanh(rest).reshape(batch, 2, M)]

    # Write: the write heads address M_{t-1}; then the read heads read M_t.
    expected_write_w = _np_address(heads[:, 2:], write_w, memory, addressing, 1)
    expected_memory = _np_write(memory, expected_write_w, vectors, writes)
    expected_read_w = _np_address(heads[:, :2], read_w, expected_memory, addressing, 1)
    if reads == "soft":
        expected_reads = np.einsum("bhn,bnm->bhm", expected_read_w, expected_memory)
        used_read_w = expected_read_w
    else:
        # Inference: the argmax location, read exactly.
        indices = expected_read_w.argmax(-1)
        expected_reads = np.take_along_axis(
            expected_memory, indices[:, :, None], axis=1
        )
        used_read_w = np.eye(N)[indices]
        log_probs = np.log(np.take_along_axis(expected_read_w, indices[..., None], -1))

    decoded = {k: _numpy(v) for k, v in cell.decode_state(new_states).items()}
    np.testing.assert_allclose(decoded["memory"], expected_memory, atol=1e-5)
    np.testing.assert_allclose(decoded["write_weightings"], expected_write_w, atol=1e-5)
    np.testing.assert_allclose(decoded["read_weightings"], used_read_w, atol=1e-5)
    np.testing.assert_allclose(decoded["read_vectors"], expected_reads, atol=1e-5)
    pieces = [h, expected_reads.reshape(batch, -1), used_read_w.reshape(batch, -1),
              expected_write_w.reshape(batch, -1)]
    if reads == "hard":
        pieces.append(log_probs[..., 0])
    np.testing.assert_allclose(output, np.concatenate(pieces, -1), atol=1e-5)
    np.testing.assert_array_equal(output, _numpy(new_states[0]))


def test_ntm_cell_preset_equals_the_location_soft_erase_add_memory_cell():
    # Preset equivalence only: NTMCell is a MemoryCell preset. The values are
    # checked against NumPy in test_one_step_against_numpy and, for NTMCell
    # itself, in the conformance reference check.
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32")
    ntm = keras.layers.RNN(
        NTMCell(units=4, memory_size=N, memory_width=M, read_heads=2, write_heads=2),
        return_sequences=True,
    )
    general = keras.layers.RNN(
        _tiny_cell(addressing="location", reads="soft", writes="erase_add",
                   read_heads=2, write_heads=2),
        return_sequences=True,
    )
    expected = _numpy(ntm(x))
    general.build(x.shape)
    general.set_weights(ntm.get_weights())
    np.testing.assert_allclose(_numpy(general(x)), expected, atol=1e-6)


def test_state_layout_sizes():
    cell = _tiny_cell(read_heads=2, write_heads=3, return_access=True)
    output_size = 4 + 2 * M + (2 + 3) * N
    assert cell.output_size == output_size
    # [y_{t-1}, h, c, reads, read weightings, write weightings, memory]
    assert cell.state_size == [output_size, 4, 4, 2 * M, 2 * N, 3 * N, N * M]
    hard = _tiny_cell(reads="hard", read_heads=2, return_log_probs=True)
    assert hard.output_size == 4 + 2 * M + 2
    gru = MemoryCell(keras.layers.GRUCell(7), memory_size=N, memory_width=M)
    assert gru.state_size == [7 + M, 7, M, N, N, N * M]
    # Projection: heads (key + beta; location adds g, 2s + 1 shifts, gamma),
    # then the write vectors (erase and add for erase_add).
    assert _tiny_cell()._projection_size == 2 * (M + 1) + M
    location = _tiny_cell(addressing="location", writes="erase_add", shift_range=2)
    assert location._projection_size == 2 * (M + 3 + 5) + 2 * M


def test_initial_state_is_zeros_and_decodes_to_initial_memory():
    cell = _tiny_cell(read_heads=2)
    states = cell.get_initial_state(batch_size=2)
    for state, size in zip(states, cell.state_size):
        np.testing.assert_array_equal(_numpy(state), np.zeros((2, size)))
    decoded = {k: _numpy(v) for k, v in cell.decode_state(states).items()}
    np.testing.assert_allclose(decoded["memory"], np.full((2, N, M), 1e-6), rtol=1e-6)
    np.testing.assert_array_equal(decoded["read_weightings"], np.tile(np.eye(N)[0], (2, 2, 1)))


def _write_conflict_cell(writes):
    """Both write heads one-hot on row 0 (the initial weighting, g = 0)."""
    cell = _tiny_cell(addressing="location", writes=writes, write_heads=2,
                      memory_init="learned", seed=0, clip_value=50.0)
    cell.build((None, 2))
    head = M + 6
    bias = np.zeros(cell._projection_size, "float32")
    for h in range(3):  # one read head, two write heads
        start = h * head
        bias[start + M + 1] = -50.0  # g -> 0: keep w_{t-1} = e_0
        bias[start + M + 2 : start + M + 5] = [-50.0, 50.0, -50.0]  # no shift
        bias[start + M + 5] = 50.0  # gamma large
    values = np.array([[0.5, -0.2, 0.1], [-0.3, 0.4, 0.9]], "float32")
    if writes == "erase_add":
        bias[3 * head : 3 * head + 2 * M] = 50.0  # erase everything
        bias[3 * head + 2 * M :] = values.reshape(-1)
    else:
        bias[3 * head :] = values.reshape(-1)
    cell.head_kernel.assign(np.zeros(cell.head_kernel.shape, "float32"))
    cell.head_bias.assign(bias)
    return cell, np.tanh(values)


@pytest.mark.parametrize("writes", ["overwrite", "residual", "erase_add"])
def test_conflicting_writes_rule(writes):
    cell, v = _write_conflict_cell(writes)
    states = cell.get_initial_state(batch_size=1)
    _, new_states = cell(np.ones((1, 2), "float32"), states)
    memory0 = _numpy(cell.initial_memory)
    memory = _numpy(cell.decode_state(new_states)["memory"])[0]
    expected_row = {
        "overwrite": v.mean(0),  # the shared claim: the mean of the values
        "residual": memory0[0] + v.sum(0),
        "erase_add": v.sum(0),  # all erases, then all adds
    }[writes]
    np.testing.assert_allclose(memory[0], expected_row, atol=1e-5)
    np.testing.assert_allclose(memory[1:], memory0[1:], atol=1e-5)


def test_hard_reads_one_hot_and_deterministic_at_inference():
    layer = MemoryRNN(
        units=4, memory_size=N, memory_width=M, addressing="location",
        reads="hard", read_heads=2, return_sequences=True, return_access=True,
        return_log_probs=True, return_state=True, seed=3,
    )
    x = np.random.default_rng(2).normal(size=(3, 6, 2)).astype("float32")
    first = [_numpy(t) for t in layer(x, training=False)]
    second = [_numpy(t) for t in layer(x, training=False)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for outputs, read_w, _, log_probs, *_ in (first, [
            _numpy(t) for t in layer(x, training=True)]):
        assert set(np.unique(read_w)) <= {0.0, 1.0}
        np.testing.assert_array_equal(read_w.sum(-1), 1.0)
        assert (log_probs <= 0).all() and np.isfinite(log_probs).all()
    # The read vector is exactly the memory row read (last step).
    outputs, read_w, _, _, *states = first
    memory = _numpy(layer.cell.decode_state(states)["memory"])
    reads = outputs[:, -1, 4:].reshape(3, 2, M)
    np.testing.assert_allclose(reads, np.einsum("bhn,bnm->bhm", read_w[:, -1], memory), atol=1e-6)


def test_hard_read_sampling_follows_the_weighting():
    cell = _tiny_cell(reads="hard", seed=5)
    p = np.array([[[0.1, 0.0, 0.6, 0.3, 0.0]]], "float32")
    probabilities = np.broadcast_to(p, (4000, 1, N))
    indices = _numpy(cell._sample_locations(probabilities, []))
    frequencies = np.bincount(indices.reshape(-1), minlength=N) / indices.size
    np.testing.assert_allclose(frequencies, p[0, 0], atol=0.03)
    assert frequencies[1] == 0 and frequencies[4] == 0  # p = 0: never drawn


def test_reinforce_gradient_reaches_the_read_addressing():
    import tensorflow as tf

    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, reads="hard",
                      return_sequences=True, return_log_probs=True, seed=0)
    x = np.random.default_rng(3).normal(size=(2, 4, 2)).astype("float32")
    layer(x)
    kernel = layer.cell.head_kernel
    with tf.GradientTape(persistent=True) as tape:
        outputs, log_probs = layer(x, training=True)
        surrogate = -ops.sum(log_probs)
        task = ops.sum(outputs)
    grad = _numpy(tape.gradient(surrogate, kernel))
    assert np.isfinite(grad).all() and np.abs(grad[:, : M + 1]).max() > 0
    # The task loss does not reach the read head (j is drawn) ...
    task_grad = _numpy(tape.gradient(task, kernel))
    np.testing.assert_array_equal(task_grad[:, : M + 1], 0.0)
    # ... but reaches the write head through the memory read.
    assert np.abs(task_grad[:, M + 1 :]).max() > 0


def test_masking_leaves_memory_unchanged_and_zeroes_log_probs():
    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, reads="hard",
                      return_sequences=True, return_log_probs=True, return_state=True)
    x = np.random.default_rng(4).normal(size=(2, 5, 2)).astype("float32")
    mask = np.array([[True] * 3 + [False] * 2, [True] * 5])
    outputs, log_probs, *masked = layer(x, mask=mask)
    _, truncated_log_probs, *truncated = layer(x[:1, :3])
    for a, b in zip(masked, truncated):
        np.testing.assert_allclose(_numpy(a)[:1], _numpy(b), atol=1e-6)
    np.testing.assert_array_equal(_numpy(log_probs)[0, 3:], 0.0)
    np.testing.assert_allclose(_numpy(log_probs)[0, :3], _numpy(truncated_log_probs)[0], atol=1e-6)
    assert (_numpy(log_probs)[1] < 0).all()


def test_go_backwards_zeroes_the_log_probs_of_the_padded_steps_it_returns_first():
    # go_backwards returns the steps last input first: the two padded steps
    # of example 0 come first, and only they read nothing.
    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, reads="hard",
                      return_sequences=True, return_log_probs=True, go_backwards=True)
    x = np.random.default_rng(4).normal(size=(2, 5, 2)).astype("float32")
    mask = np.array([[True] * 3 + [False] * 2, [True] * 5])
    _, log_probs = layer(x, mask=mask)
    np.testing.assert_array_equal(_numpy(log_probs)[0, :2], 0.0)
    assert (_numpy(log_probs)[0, 2:] < 0).all() and (_numpy(log_probs)[1] < 0).all()


@pytest.mark.parametrize("memory_init", ["constant", "learned"])
def test_stateful_reset_restores_initial_memory(memory_init):
    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, writes="residual",
                      memory_init=memory_init, stateful=True, seed=1)
    x = np.random.default_rng(5).normal(size=(2, 4, 2)).astype("float32")
    first = _numpy(layer(x))
    initial = _numpy(layer.cell.decode_state(layer.cell.get_initial_state(2))["memory"])
    memory = _numpy(layer.cell.decode_state([s.value for s in layer.states])["memory"])
    assert not np.allclose(memory, initial)
    layer.reset_state()
    memory = _numpy(layer.cell.decode_state([s.value for s in layer.states])["memory"])
    np.testing.assert_allclose(memory, initial, atol=1e-7)
    np.testing.assert_allclose(_numpy(layer(x)), first, atol=1e-6)
    # keras.layers.RNN.reset_state() (zeros) restores it too: zeros are the
    # initial state.
    keras.layers.RNN.reset_state(layer)
    np.testing.assert_allclose(_numpy(layer(x)), first, atol=1e-6)


@pytest.mark.parametrize("writes", ["overwrite", "residual", "erase_add"])
def test_gradients_with_zero_inputs_and_memory_are_finite(writes):
    # The NaN traps: an all-zero key and a 1e-6 memory in the cosine
    # similarity, sharpening of exact zeros after shifting one-hot weightings.
    import tensorflow as tf

    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, writes=writes,
                      addressing="location", reads="hard", read_heads=2,
                      write_heads=2, return_sequences=True,
                      return_log_probs=True, seed=0)
    x = np.zeros((4, 5, 3), "float32")
    layer(x)
    with tf.GradientTape() as tape:
        outputs, log_probs = layer(x, training=True)
        loss = ops.mean(ops.square(outputs - 1.0)) - ops.mean(log_probs)
    gradients = tape.gradient(loss, layer.trainable_weights)
    assert np.isfinite(_numpy(loss))
    assert all(np.isfinite(_numpy(g)).all() for g in gradients)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_return_access_shapes(return_sequences):
    layer = MemoryRNN(units=4, memory_size=N, memory_width=M, reads="hard",
                      read_heads=2, write_heads=3, return_access=True,
                      return_log_probs=True, return_sequences=return_sequences,
                      return_state=True)
    x = np.ones((2, 6, 3), "float32")
    outputs, reads, writes, log_probs, *states = layer(x)
    features = 4 + 2 * M
    expected = (2, 6, features) if return_sequences else (2, features)
    shapes = [expected, (2, 6, 2, N), (2, 6, 3, N), (2, 6, 2)]
    assert [tuple(t.shape) for t in (outputs, reads, writes, log_probs)] == shapes
    assert [tuple(s) for s in layer.compute_output_shape(x.shape)[:4]] == shapes
    assert len(states) == len(layer.cell.state_size)
    np.testing.assert_allclose(_numpy(writes).sum(-1), 1.0, atol=1e-5)


def test_config_round_trip_with_gru_controller():
    layer = MemoryRNN(
        keras.layers.GRUCell(6), memory_size=N, memory_width=M,
        addressing="location", reads="hard", writes="erase_add", read_heads=2,
        shift_range=2, clip_value=5.0, memory_init="random", seed=4,
        return_access=True, return_log_probs=True, return_sequences=True,
    )
    x = np.random.default_rng(6).normal(size=(2, 4, 3)).astype("float32")
    expected = [_numpy(t) for t in layer(x)]
    config = layer.get_config()
    restored = MemoryRNN.from_config(config)
    assert restored.get_config() == config
    assert isinstance(restored.cell.controller, keras.layers.GRUCell)
    restored.build(x.shape)
    restored.set_weights(layer.get_weights())
    for a, b in zip([_numpy(t) for t in restored(x)], expected):
        np.testing.assert_allclose(a, b, atol=1e-6)
    cell_config = layer.cell.get_config()
    assert MemoryCell.from_config(cell_config).get_config() == cell_config


# --- Feed-forward controllers ------------------------------------------------------


def test_feedforward_controller_has_no_state_of_its_own():
    cell = MemoryCell("feedforward", units=6, memory_size=N, memory_width=M,
                      reads="hard", read_heads=2)
    assert isinstance(cell.controller, keras.layers.Dense)
    assert cell.controller.activation is keras.activations.relu
    # [y_{t-1}, reads, read weightings, write weightings, memory]
    assert cell.state_size == [6 + 2 * M, 2 * M, 2 * N, N, N * M]
    stack = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(7)])
    assert MemoryCell(stack, memory_size=N, memory_width=M).output_size == 7 + M
    states = cell.get_initial_state(batch_size=2)
    assert [tuple(_numpy(s).shape) for s in states] == [
        (2, size) for size in cell.state_size
    ]


@pytest.mark.parametrize("addressing,reads,writes", [
    ("content", "soft", "overwrite"),
    ("location", "hard", "residual"),
])
def test_feedforward_controller_sees_only_input_and_previous_reads(
    addressing, reads, writes
):
    # h_t = relu([x_t, r_{t-1}] W + b): the memory is the only recurrence.
    layer = MemoryRNN("feedforward", units=4, memory_size=N, memory_width=M,
                      addressing=addressing, reads=reads, writes=writes,
                      return_sequences=True, seed=2)
    inputs = np.random.default_rng(7).normal(size=(2, 5, 3)).astype("float32")
    outputs = _numpy(layer(inputs))
    h, read_vectors = outputs[..., :4], outputs[..., 4:]
    initial_reads = np.full((2, 1, M), 1e-6, "float32")  # r_0 of M_0 = 1e-6
    previous_reads = np.concatenate([initial_reads, read_vectors[:, :-1]], axis=1)
    kernel, bias = (_numpy(w) for w in layer.cell.controller.weights)
    expected = np.maximum(
        np.concatenate([inputs, previous_reads], axis=-1) @ kernel + bias, 0.0
    )
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def test_feedforward_ntm_cell_preset_equals_the_feedforward_memory_cell():
    # Preset equivalence only (NTMCell is a MemoryCell preset); the values are
    # checked in the conformance reference check of NTMCell-feedforward.
    x = np.random.default_rng(8).normal(size=(2, 6, 3)).astype("float32")
    ntm = keras.layers.RNN(
        NTMCell("feedforward", units=4, memory_size=N, memory_width=M),
        return_sequences=True,
    )
    general = keras.layers.RNN(
        _tiny_cell(controller="feedforward", addressing="location",
                   writes="erase_add"),
        return_sequences=True,
    )
    expected = _numpy(ntm(x))
    general.build(x.shape)
    general.set_weights(ntm.get_weights())
    np.testing.assert_allclose(_numpy(general(x)), expected, atol=1e-6)


def test_feedforward_controller_config_round_trip():
    layer = MemoryRNN(
        keras.Sequential([keras.layers.Dense(5, activation="tanh")]),
        memory_size=N, memory_width=M, writes="residual", return_sequences=True,
    )
    x = np.random.default_rng(9).normal(size=(2, 4, 3)).astype("float32")
    expected = _numpy(layer(x))
    config = layer.get_config()
    restored = MemoryRNN.from_config(config)
    assert isinstance(restored.cell.controller, keras.Sequential)
    assert restored.cell.state_size == layer.cell.state_size
    restored.build(x.shape)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(_numpy(restored(x)), expected, atol=1e-6)


BAD_ARGUMENTS = [
    # Neither a cell nor a feed-forward layer with `units`.
    ({"controller": keras.layers.Activation("relu")}, "controller"),
    ({"controller": keras.Sequential([keras.layers.Flatten()])}, "controller"),
    ({"controller": keras.layers.LSTM(3)}, "controller"),
    ({"controller": "lstm"}, "controller"),
    ({"units": 0}, "units"),
    ({"memory_size": 0}, "memory_size"),
    ({"memory_size": 2.0}, "memory_size"),
    ({"memory_width": -1}, "memory_width"),
    ({"addressing": "dynamic"}, "addressing"),
    ({"addressing": None}, "addressing"),
    ({"reads": "sparse"}, "reads"),
    ({"writes": "erase"}, "writes"),
    ({"read_heads": 0}, "read_heads"),
    ({"write_heads": True}, "write_heads"),
    ({"shift_range": -1}, "shift_range"),
    ({"shift_range": 1.0}, "shift_range"),
    ({"addressing": "location", "memory_size": 4, "shift_range": 2}, "shift_range"),
    ({"clip_value": 0.0}, "clip_value"),
    ({"clip_value": float("nan")}, "clip_value"),
    ({"clip_value": "big"}, "clip_value"),
    ({"memory_init": "zeros"}, "memory_init"),
    ({"return_access": "yes"}, "return_access"),
    ({"return_log_probs": 1}, "return_log_probs"),
    ({"return_log_probs": True}, "return_log_probs"),  # soft reads
    ({"seed": 1.5}, "seed"),
]


@pytest.mark.parametrize("kwargs,argument", BAD_ARGUMENTS)
@pytest.mark.parametrize("layer_class", [MemoryCell, MemoryRNN])
def test_bad_arguments(layer_class, kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`") as error:
        layer_class(**kwargs)
    assert repr(kwargs[argument]) in str(error.value)


def test_content_addressing_ignores_shift_range():
    # 2s + 1 > N matters only for location addressing.
    cell = MemoryCell(units=2, memory_size=2, memory_width=2, shift_range=3)
    assert cell.shift_range == 3


def test_bad_argument_message():
    with pytest.raises(ValueError) as error:
        MemoryCell(reads="Hard")
    assert str(error.value) == (
        "Received an invalid value for argument `reads`, expected one of "
        "('soft', 'hard'), got 'Hard'."
    )
