"""keras_memory.export.export_streaming: one step at a time equals the whole sequence.

Every layer is exported, then one fresh process (where keras_memory cannot be
imported) streams all of them step by step through `initial_state` and
`step`; the outputs at every step and the final states must equal the layer
run over the whole sequence in this process.
"""

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.export import describe_signature
from keras_memory.export import export_streaming
from keras_memory.export import stream_in_fresh_process
from keras_memory.export import streaming_keys
from keras_memory.layers import HMLSTM
from keras_memory.layers import NTM
from keras_memory.layers import ClockworkRNN
from keras_memory.layers import MemoryRNN
from keras_memory.layers import SkipRNN

TIMESTEPS = 7
FEATURES = 3


def _layers():
    """Label -> (layer, batch size); each built by its full-sequence call."""
    return {
        # The user's flags do not matter: this one returns only the last output.
        "lstm": (keras.layers.RNN(keras.layers.LSTMCell(4)), 2),
        "clockwork": (
            ClockworkRNN(6, periods=[1, 2, 4], return_sequences=True, return_state=True),
            2,
        ),
        # Batch one, where a skipped step runs neither S nor W_p. b_p = -1
        # makes u~ cross 0.5 every other step, so both branches are streamed.
        "skip_rnn": (
            SkipRNN(
                keras.layers.LSTMCell(4),
                return_sequences=True,
                return_gates=True,
                return_state=True,
                update_bias_initializer=keras.initializers.Constant(-1.0),
            ),
            1,
        ),
        "hmlstm": (
            HMLSTM([4, 3], return_sequences=True, return_boundaries=True, return_state=True),
            2,
        ),
        "ntm": (
            NTM(
                units=4, memory_size=6, memory_width=3, read_heads=2,
                return_sequences=True, return_access=True, return_state=True, seed=3,
            ),
            2,
        ),
        "memory_rnn": (
            MemoryRNN(
                units=4, memory_size=5, memory_width=3, addressing="content",
                return_sequences=True, return_state=True, seed=4,
            ),
            2,
        ),
    }


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    base_dir = tmp_path_factory.mktemp("streaming")
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(7)
    cases, streams = {}, {}
    for label, (layer, batch) in _layers().items():
        sequence = rng.normal(size=(batch, TIMESTEPS, FEATURES)).astype("float32")
        whole = layer(sequence)
        whole = [whole] if not isinstance(whole, (list, tuple)) else list(whole)
        whole = [keras.ops.convert_to_numpy(value) for value in whole]
        path = export_streaming(layer, base_dir, label)
        cases[label] = (layer, sequence, whole, path)
        streams[label] = (path, sequence)
    return cases, stream_in_fresh_process(streams)


@pytest.mark.parametrize("label", list(_layers()))
def test_stream_equals_the_whole_sequence(streamed, label):
    cases, results = streamed
    layer, sequence, whole, _ = cases[label]
    result = results[label]
    output_keys, state_keys = streaming_keys(layer)
    assert sorted(result) == sorted(output_keys + state_keys)
    if label == "lstm":  # return_sequences=False: compare the last step
        np.testing.assert_allclose(result["output"][:, -1], whole[0], atol=1e-5)
        return
    assert len(whole) == len(output_keys) + len(state_keys)
    for key, expected in zip(output_keys + state_keys, whole):
        assert result[key].shape == expected.shape, key
        np.testing.assert_allclose(result[key], expected, atol=1e-5, err_msg=key)


def test_skip_rnn_stream_both_updates_and_skips(streamed):
    _, results = streamed
    gates = results["skip_rnn"]["output_1"]
    assert gates.shape == (1, TIMESTEPS)
    assert set(np.unique(gates)) == {0.0, 1.0}
    assert gates[0, 0] == 1.0  # u~_0 = 1: the first step always updates


def test_skip_rnn_step_skips_the_computation_in_the_graph(streamed):
    cases, _ = streamed
    # The inference step's `keras.ops.cond` is a real branch of the served
    # graph, not a blend of both branches.
    graph = (cases["skip_rnn"][3] / "saved_model.pb").read_bytes()
    assert b"StatelessIf" in graph or b"\x02If" in graph


def test_streaming_keys_and_signatures(streamed):
    cases, _ = streamed
    assert streaming_keys(cases["ntm"][0]) == (
        ["output", "output_1", "output_2"], [f"state_{i}" for i in range(7)]
    )
    assert streaming_keys(cases["hmlstm"][0]) == (
        ["output", "output_1"], ["state_0", "state_1", "state_2", "state_3"]
    )
    assert streaming_keys(cases["lstm"][0]) == (["output"], ["state_0", "state_1"])
    # serving_default is the step: input and states in, outputs and states out.
    signature = describe_signature(cases["clockwork"][3])
    assert signature == {
        "inputs": {
            "inputs": {"shape": [None, FEATURES], "dtype": "float32"},
            "state_0": {"shape": [None, 6], "dtype": "float32"},
            "state_1": {"shape": [None, 3], "dtype": "float32"},
        },
        "outputs": {
            "output": {"shape": [None, 6], "dtype": "float32"},
            "state_0": {"shape": [None, 6], "dtype": "float32"},
            "state_1": {"shape": [None, 3], "dtype": "float32"},
        },
    }


def test_the_users_layer_is_left_unchanged(streamed):
    cases, _ = streamed
    layer = cases["lstm"][0]
    assert (layer.return_sequences, layer.return_state, layer.stateful) == (
        False, False, False
    )


def test_bad_arguments_are_refused(tmp_path):
    built = keras.layers.RNN(keras.layers.GRUCell(2))
    built(np.zeros((1, 2, 3), "float32"))
    assert_invalid_argument(
        export_streaming, "rnn_layer", None, keras.layers.Dense(2), tmp_path, "dense"
    )
    assert_invalid_argument(
        export_streaming, "rnn_layer", None,
        keras.layers.RNN(keras.layers.GRUCell(2)), tmp_path, "unbuilt",
    )
    backwards = keras.layers.RNN(keras.layers.GRUCell(2), go_backwards=True)
    backwards(np.zeros((1, 2, 3), "float32"))
    assert_invalid_argument(export_streaming, "rnn_layer", None, backwards, tmp_path, "back")
    for input_name in ("state_0", "batch_size", "1x", "a-b", "", 3):
        assert_invalid_argument(
            export_streaming, "input_name", input_name, built, tmp_path, "gru",
            input_name=input_name,
        )
    assert_invalid_argument(export_streaming, "name", "a/b", built, tmp_path, "a/b")
    assert_invalid_argument(export_streaming, "version", 0, built, tmp_path, "gru", version=0)
    assert not any(tmp_path.iterdir())
    with pytest.raises(ValueError, match="argument `streams`"):
        stream_in_fresh_process([("path", np.zeros((1, 1, 1)))])
