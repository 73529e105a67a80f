"""Calls with bad or degenerate inputs: a clear error or a defined result.

Every public layer is called with the wrong rank, integer, boolean,
float64 and string inputs, a sequence of zero steps and a batch of zero.
Integers, booleans and float64 give exactly the answer of the same values
in float32 (the layers cast them as `keras.layers.Dense` does); strings,
wrong ranks and zero steps raise a `ValueError`/`TypeError` that names the
input; a batch of zero gives outputs of batch size 0. No call may fail
inside TensorFlow (`tf.errors.OpError`) or return a silently wrong answer.

`docs/guides/bad_inputs.md` records every case and its result.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 5, 3)).astype("float32")  # (batch, timesteps, features)
INT_X = RNG.integers(-2, 3, size=(2, 5, 3))  # small integers: exact in float32

# Every recurrent public layer, returning sequences; cells inside our own
# RNN layer where there is one (the cells inside `keras.layers.RNN` below).
RECURRENT = {
    "ACT": lambda: layers.ACT(keras.layers.GRUCell(4), max_ponder_steps=3, return_sequences=True),
    "ClockworkRNN": lambda: layers.ClockworkRNN(6, periods=[1, 2, 3], return_sequences=True),
    "SkipRNN": lambda: layers.SkipRNN(keras.layers.GRUCell(4), return_sequences=True),
    "HMLSTM": lambda: layers.HMLSTM([4, 3], return_sequences=True),
    "NTM": lambda: layers.NTM(units=4, memory_size=5, memory_width=3, return_sequences=True),
    "MemoryRNN": lambda: layers.MemoryRNN(
        units=4, memory_size=5, memory_width=3, addressing="location", writes="erase_add",
        return_sequences=True,
    ),
    "PreviousStateAttention": lambda: layers.PreviousStateAttention(
        keras.layers.GRUCell(4), window=3, return_sequences=True
    ),
}
CELLS = {
    "ACTCell": lambda: layers.ACTCell(keras.layers.LSTMCell(4), max_ponder_steps=3),
    "ClockworkRNNCell": lambda: layers.ClockworkRNNCell(6, periods=[1, 2, 3]),
    "SkipRNNCell": lambda: layers.SkipRNNCell(keras.layers.GRUCell(4)),
    # LSTM inside: Keras's LSTMCell fails on a batch of zero, the wrappers not.
    "ZoneoutCell": lambda: layers.ZoneoutCell(keras.layers.LSTMCell(4), zoneout_h=0.3, seed=1),
    "HMLSTMCell": lambda: layers.HMLSTMCell([4, 3]),
    "NTMCell": lambda: layers.NTMCell("feedforward", units=4, memory_size=5, memory_width=3),
    "MemoryCell": lambda: layers.MemoryCell(units=4, memory_size=5, memory_width=3),
    "PreviousStateAttentionCell": lambda: layers.PreviousStateAttentionCell(
        keras.layers.LSTMCell(4), window=3
    ),
}


def recurrent(name):
    if name in RECURRENT:
        return RECURRENT[name]()
    return keras.layers.RNN(CELLS[name](), return_sequences=True)


ALL_RECURRENT = sorted(RECURRENT) + sorted(CELLS)


def as_numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def test_integer_boolean_and_float64_inputs_give_the_float32_answer():
    # One test over every recurrent layer (a test each would pay Keras's
    # clear_session 13 times).
    booleans = INT_X > 0
    for name in ALL_RECURRENT:
        layer = recurrent(name)
        expected = as_numpy(layer(INT_X.astype("float32")))
        for dtype in ("int32", "float64"):
            result = layer(INT_X.astype(dtype))
            assert keras.backend.standardize_dtype(result.dtype) == "float32", name
            # Exactly: the same values, cast once at the cell's input. (Before
            # the fix, MemoryCell and PreviousStateAttentionCell cast the float
            # read vectors / states to int32 and returned garbage.)
            np.testing.assert_allclose(
                as_numpy(result), expected, rtol=0, atol=1e-6, err_msg=f"{name} {dtype}"
            )
        np.testing.assert_allclose(
            as_numpy(layer(booleans)), as_numpy(layer(booleans.astype("float32"))),
            atol=1e-6, err_msg=f"{name} bool",
        )


def test_string_inputs_raise_a_type_error_naming_the_dtype():
    for name in ALL_RECURRENT:
        layer = recurrent(name)
        layer(X[:, :2])
        with pytest.raises(TypeError, match=r"argument `inputs`.*numeric tensor.*'string'"):
            layer(np.full((2, 2, 3), "a"))


def test_wrong_rank_and_zero_timesteps_are_named_errors_not_tensorflow_ones():
    for name in sorted(RECURRENT):
        layer = recurrent(name)
        for shape in [(2, 3), (2, 5, 3, 1)]:
            # The input spec of our RNN layers: "expected ndim=3, found ndim=2".
            with pytest.raises(ValueError, match=rf"expected ndim=3, found ndim={len(shape)}"):
                layer(np.zeros(shape, "float32"))
        expected = r"argument `sequences`.*at least one timestep.*\(2, 0, 3\)"
        with pytest.raises(ValueError, match=expected):
            layer(np.zeros((2, 0, 3), "float32"))


def test_a_batch_of_zero_gives_outputs_of_batch_zero():
    for name in ALL_RECURRENT:
        layer = recurrent(name)
        expected_shape = tuple(layer(X[:, :2]).shape)
        try:
            result = layer(np.zeros((0, 2, 3), "float32"))
        except tf.errors.OpError as error:
            pytest.fail(f"{name} failed inside TensorFlow on a batch of zero: {error}")
        assert tuple(result.shape) == (0, *expected_shape[1:]), name


def test_ntm_batch_of_zero_with_every_output():
    # The short cut for a batch of zero keeps the structure of the outputs.
    layer = layers.NTM(
        units=4, memory_size=5, memory_width=3, return_sequences=True, return_state=True,
        return_access=True,
    )
    full = layer(X)
    empty = layer(np.zeros((0, 5, 3), "float32"))
    assert len(empty) == len(full)
    for a, b in zip(empty, full):
        assert tuple(a.shape) == (0, *tuple(b.shape)[1:])


def test_previous_state_attention_cell_batch_of_zero_in_keras_rnn():
    # ops.max of an empty tensor raised in eager TensorFlow; `initial` fixes it.
    cell = layers.PreviousStateAttentionCell(keras.layers.GRUCell(4), window=3)
    result = keras.layers.RNN(cell, return_sequences=True)(np.zeros((0, 5, 3), "float32"))
    assert tuple(result.shape) == (0, 5, 4)


# === The attention layers (two inputs) ===

QUERY = RNG.normal(size=(2, 3)).astype("float32")
MEMORY = RNG.normal(size=(2, 5, 4)).astype("float32")
ATTENTION = {
    "BahdanauAttention": lambda: layers.BahdanauAttention(6),
    "LuongAttention": lambda: layers.LuongAttention("general"),
}


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_attention_integer_inputs_and_string_inputs(name):
    layer = ATTENTION[name]()
    query, memory = np.round(QUERY * 2), np.round(MEMORY * 2)
    expected = as_numpy(layer([query, memory]))
    np.testing.assert_allclose(
        as_numpy(layer([query.astype("int32"), memory.astype("int32")])), expected, atol=1e-6
    )
    with pytest.raises(TypeError, match=r"argument `inputs\[0\]`.*'string'"):
        layer([np.full((2, 3), "a"), memory])
    with pytest.raises(TypeError, match=r"argument `inputs\[1\]`.*'string'"):
        layer([query, np.full((2, 5, 4), "a")])


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_attention_wrong_rank_names_the_memory(name):
    layer = ATTENTION[name]()
    with pytest.raises(ValueError, match=r"argument `inputs\[1\]`.*rank 3"):
        layer([QUERY, MEMORY[..., None]])


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_attention_over_an_empty_memory_is_a_zero_context(name):
    # S = 0 states: nothing to attend to, the context is exactly zero (as for
    # an all-padding memory), and a batch of zero gives a batch of zero.
    layer = ATTENTION[name]()
    layer([QUERY, MEMORY])
    context = as_numpy(layer([QUERY, np.zeros((2, 0, 4), "float32")]))
    np.testing.assert_array_equal(context, np.zeros((2, 4), "float32"))
    assert tuple(layer([QUERY[:0], MEMORY[:0]]).shape) == (0, 4)


def test_stacked_attention_strings_zero_regions_and_empty_batch():
    layer = layers.StackedAttention(5, hops=2)
    regions = RNG.normal(size=(2, 6, 4)).astype("float32")
    question = RNG.normal(size=(2, 4)).astype("float32")
    layer([regions, question])
    with pytest.raises(TypeError, match=r"argument `inputs\[0\]`.*'string'"):
        layer([np.full((2, 6, 4), "a"), question])
    with pytest.raises(ValueError, match=r"argument `inputs\[0\]`.*rank 3"):
        layer([regions[..., None], question])
    assert tuple(layer([regions[:0], question[:0]]).shape) == (0, 4)
    # No region: every hop attends to nothing, u^k = u^{k-1}: the question.
    no_regions = as_numpy(layer([regions[:, :0], question]))
    assert np.isfinite(no_regions).all()
    assert no_regions.shape == (2, 4)


# === The memory networks (integer word ids) ===

STORY = RNG.integers(0, 13, size=(2, 5, 4)).astype("int32")
QUESTION = RNG.integers(0, 13, size=(2, 4)).astype("int32")
NETWORKS = {
    "MemoryNetwork": lambda: layers.MemoryNetwork(13, 6, hops=2, memory_size=4),
    "MemoryNetworkResponse": lambda: layers.MemoryNetworkResponse(
        13, 6, hops=1, memory_size=4
    ),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("dtype", ["float32", "float64", "str"])
def test_memory_networks_refuse_word_ids_that_are_not_integers(name, dtype):
    layer = NETWORKS[name]()
    layer([STORY, QUESTION])
    with pytest.raises(ValueError, match=r"argument `(story|question)`.*integer word ids"):
        layer([STORY.astype(dtype), QUESTION.astype(dtype)])


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_memory_networks_int64_ids_empty_story_and_empty_batch(name):
    layer = NETWORKS[name]()
    expected = as_numpy(layer([STORY, QUESTION]))
    np.testing.assert_allclose(
        as_numpy(layer([STORY.astype("int64"), QUESTION.astype("int64")])), expected, atol=1e-6
    )
    # A story of no sentence: zero attention, o = 0, a finite answer (the
    # layer's documented behaviour), equal to an all-padding story.
    no_sentence = as_numpy(layer([STORY[:, :0], QUESTION]))
    padding_only = as_numpy(layer([np.zeros_like(STORY), QUESTION]))
    np.testing.assert_allclose(no_sentence, padding_only, atol=1e-6)
    assert tuple(layer([STORY[:0], QUESTION[:0]]).shape) == (0, *expected.shape[1:])
    with pytest.raises(ValueError, match=r"argument `question`.*rank 2"):
        layer([STORY, QUESTION[..., None]])
