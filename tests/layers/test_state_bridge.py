"""Tests of StateBridge: values against NumPy, zeros, state sizes, inputs, saving, errors."""

import keras
import numpy as np
import pytest
from attention_references import state_bridge as reference
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers import AttentionDecoder
from keras_memory.layers import LuongAttention
from keras_memory.layers import StateBridge

B = 3


def _encoder_states(sizes=(3, 3, 5, 5), seed=0):
    """Final states of a bidirectional encoder: [h->, c->, h<-, c<-]."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(B, size)).astype("float32") for size in sizes]


def _bridge(state_size, states, weights_seed=1, **kwargs):
    """A built bridge whose weights (biases too) are random."""
    bridge = StateBridge(state_size, **kwargs)
    bridge.build([s.shape for s in states] if isinstance(states, list) else states.shape)
    rng = np.random.default_rng(weights_seed)
    bridge.set_weights([rng.normal(size=w.shape).astype("float32") for w in bridge.weights])
    return bridge


# === Values ===


def test_matches_numpy_reference():
    states = _encoder_states()
    bridge = _bridge([4, 6], states)  # an LSTMCell-like pair of different sizes
    outputs = bridge(states)
    expected = reference(bridge, states)
    assert isinstance(outputs, list) and len(outputs) == 2
    assert [to_numpy(s).shape for s in outputs] == [(B, 4), (B, 6)]
    for actual, wanted in zip(outputs, expected):
        np.testing.assert_allclose(to_numpy(actual), wanted, rtol=1e-5, atol=1e-6)
    # One map per decoder state, over every encoder state (16 inputs).
    shapes = {w.path.split("/")[-1]: tuple(w.shape) for w in bridge.weights}
    assert shapes == {"kernel_0": (16, 4), "bias_0": (4,), "kernel_1": (16, 6), "bias_1": (6,)}


def test_constant_weights_by_hand():
    # W = 1, b = 0: s_0 = tanh(sum of every encoder state's entries).
    bridge = StateBridge(2, kernel_initializer="ones")
    forward, backward = np.array([[0.1, 0.2]], "float32"), np.array([[-0.5]], "float32")
    (state,) = bridge([forward, backward])
    np.testing.assert_allclose(to_numpy(state), np.tanh([[-0.2, -0.2]]), rtol=1e-6)


def test_activation():
    states = _encoder_states()
    bridge = _bridge([4], states, activation="relu")
    w = {v.path.split("/")[-1]: to_numpy(v) for v in bridge.weights}
    (state,) = bridge(states)
    expected = np.maximum(np.concatenate(states, -1) @ w["kernel_0"] + w["bias_0"], 0.0)
    np.testing.assert_allclose(to_numpy(state), expected, rtol=1e-5, atol=1e-6)
    assert (to_numpy(state) == 0).any()  # relu, not tanh


def test_zeros_bridge_has_no_weights_and_gives_zeros():
    states = _encoder_states()
    bridge = StateBridge([4, 6], bridge="zeros")
    outputs = bridge(states)
    assert bridge.weights == []
    assert [to_numpy(s).shape for s in outputs] == [(B, 4), (B, 6)]
    for actual, wanted in zip(outputs, reference(bridge, states)):
        np.testing.assert_array_equal(to_numpy(actual), wanted)
    # With a batch only known when called (a functional model).
    inputs = [keras.Input((s.shape[1],)) for s in states]
    model = keras.Model(inputs, StateBridge([4, 6], bridge="zeros")(inputs))
    for output in model.predict(states, verbose=0):
        np.testing.assert_array_equal(output, np.zeros_like(output))


@pytest.mark.parametrize(
    "initializer", ["glorot_uniform", keras.initializers.GlorotUniform(seed=3)]
)
def test_equal_sized_states_start_from_different_maps(initializer):
    # One initializer draws the same values at every call: W_h and W_c of an
    # LSTM's [h, c] must not start equal.
    states = _encoder_states()
    keras.utils.set_random_seed(5)
    bridge = StateBridge([4, 4], kernel_initializer=initializer)
    h0, c0 = to_numpy(bridge(states))
    assert np.abs(h0 - c0).max() > 1e-3
    kernels = to_numpy(bridge.kernels)
    assert np.abs(kernels[0] - kernels[1]).max() > 1e-3
    limit = np.sqrt(6 / (16 + 4))  # both still Glorot-uniform
    assert all(np.abs(k).max() <= limit for k in kernels)
    # And it repeats under keras.utils.set_random_seed.
    keras.utils.set_random_seed(5)
    again = StateBridge([4, 4], kernel_initializer=initializer)
    again.build([s.shape for s in states])
    for a, b in zip(to_numpy(again.kernels), kernels):
        np.testing.assert_array_equal(a, b)


# === State sizes and inputs ===


def test_an_int_state_size_is_one_state():
    states = _encoder_states()
    bridge = _bridge(4, states)
    assert bridge.state_size == (4,)
    outputs = bridge(states)
    assert isinstance(outputs, list) and len(outputs) == 1
    np.testing.assert_allclose(
        to_numpy(outputs[0]), reference(bridge, states)[0], rtol=1e-5, atol=1e-6
    )
    assert bridge.get_config()["state_size"] == [4]
    assert [tuple(s) for s in bridge.compute_output_shape([s.shape for s in states])] == [(B, 4)]


def test_one_tensor_equals_its_pieces_as_a_list():
    states = _encoder_states()
    whole = np.concatenate(states, -1)  # (B, 16)
    as_list = _bridge([4, 6], states)
    as_tensor = _bridge([4, 6], whole)  # the same random weights
    for a, b in zip(as_tensor(whole), as_list(states)):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-6, atol=1e-6)
    for a, b in zip(as_tensor(whole), reference(as_tensor, whole)):
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-5, atol=1e-6)


def test_symbolic_shapes_and_a_decoder_initial_state():
    # A bidirectional GRU's two final states to an LSTMCell(4)'s two.
    source = keras.Input((None, 2))
    _, forward_h, backward_h = keras.layers.Bidirectional(
        keras.layers.GRU(3, return_state=True)
    )(source)
    initial_state = StateBridge([4, 4], name="bridge")([forward_h, backward_h])
    assert [tuple(s.shape) for s in initial_state] == [(None, 4), (None, 4)]
    target = keras.Input((None, 2))
    memory = keras.Input((5, 4))
    outputs = AttentionDecoder(keras.layers.LSTMCell(4), LuongAttention("dot"))(
        [target, memory], initial_state=initial_state
    )
    model = keras.Model([source, target, memory], [outputs, *initial_state])
    rng = np.random.default_rng(2)
    values = [rng.normal(size=shape).astype("float32") for shape in [(B, 6, 2), (B, 3, 2),
                                                                    (B, 5, 4)]]
    outputs, h0, c0 = model.predict(values, verbose=0)
    assert outputs.shape == (B, 3, 8)  # [c_t; h_t] without W_c
    assert h0.shape == c0.shape == (B, 4)
    assert np.abs(h0 - c0).max() > 1e-4  # two maps, not one


def test_config_and_keras_round_trip(tmp_path):
    bridge = StateBridge(
        [4, 6], activation="relu", kernel_initializer="he_normal", name="bridge"
    )
    config = bridge.get_config()
    assert StateBridge.from_config(config).get_config() == config
    assert keras.saving.get_registered_name(StateBridge) == "keras_memory>StateBridge"
    states = _encoder_states()
    inputs = [keras.Input((s.shape[1],)) for s in states]
    model = keras.Model(inputs, bridge(inputs))
    expected = to_numpy(model(states))
    model.save(tmp_path / "bridge.keras")
    loaded = keras.saving.load_model(tmp_path / "bridge.keras")
    for actual, wanted in zip(to_numpy(loaded(states)), expected):
        np.testing.assert_array_equal(actual, wanted)


# === Bad arguments ===


@pytest.mark.parametrize(
    "kwargs,argument,value",
    [
        ({"state_size": 0}, "state_size", 0),
        ({"state_size": -3}, "state_size", -3),
        ({"state_size": []}, "state_size", ()),
        ({"state_size": [4, 0]}, "state_size", (4, 0)),
        ({"state_size": [4, 2.0]}, "state_size", (4, 2.0)),
        ({"state_size": "4"}, "state_size", "4"),
        ({"state_size": 4.0}, "state_size", 4.0),
        ({"state_size": True}, "state_size", True),
        ({"state_size": 4, "bridge": "copy"}, "bridge", "copy"),
        ({"state_size": 4, "bridge": None}, "bridge", None),
        ({"state_size": 4, "activation": "no_such"}, "activation", "no_such"),
        ({"state_size": 4, "kernel_initializer": 0.5}, "kernel_initializer", 0.5),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument, value):
    assert_invalid_argument(StateBridge, argument, value, **kwargs)


def test_a_bridge_of_none_names_the_argument():
    with pytest.raises(ValueError, match=r"argument `bridge`.*got None\."):
        StateBridge(4, bridge=None)


@pytest.mark.parametrize(
    "inputs,argument,shape",
    [
        (np.zeros((B, 2, 4), "float32"), r"inputs\[0\]", r"\(3, 2, 4\)"),  # a sequence
        ([np.zeros((B, 4), "float32"), np.zeros((B, 2, 4), "float32")], r"inputs\[1\]",
         r"\(3, 2, 4\)"),
        (np.zeros((B,), "float32"), r"inputs\[0\]", r"\(3,\)"),
    ],
)
def test_inputs_of_the_wrong_rank_name_the_input_and_shape(inputs, argument, shape):
    with pytest.raises(ValueError, match=rf"argument `{argument}`.*rank 2.*shape {shape}"):
        StateBridge(4)(inputs)


def test_an_unknown_state_width_is_refused():
    with pytest.raises(ValueError, match=r"argument `inputs\[0\]`.*static size.*\(None, None\)"):
        StateBridge(4)(keras.Input(batch_shape=(None, None)))
