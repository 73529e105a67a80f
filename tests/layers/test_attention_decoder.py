"""Tests of AttentionDecoder: values against NumPy, masking, step == call, cells, saving, errors.

The reference (`attention_references.attention_decoder`) runs the trusted
Keras cell one step at a time and the attention in NumPy loops, in the
paper's order: Luong's (cell, then attend from h_t) or Bahdanau's (attend
from s_{t-1}, then the cell), with input feeding and W_c as configured.
"""

import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from attention_references import attention_decoder as reference
from keras import ops
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers import AttentionDecoder
from keras_memory.layers import BahdanauAttention
from keras_memory.layers import ClockworkRNNCell
from keras_memory.layers import LuongAttention
from keras_memory.layers import StateBridge
from keras_memory.layers import ZoneoutCell

B, T, S, DX, DK, UNITS = 2, 3, 4, 5, 7, 6
MEMORY_MASK = np.array([[True, True, True, True], [True, True, False, False]])


def _inputs(seed=0, batch=B):
    rng = np.random.default_rng(seed)
    targets = rng.normal(size=(batch, T, DX)).astype("float32")  # x_1 .. x_T
    memory = rng.normal(size=(batch, S, DK)).astype("float32")  # h_1 .. h_S
    return targets, memory


def _attention(kind):
    if kind == "bahdanau":
        return BahdanauAttention(5, normalize=True)
    return LuongAttention("general", scale=True)


def _decoder(cell=None, attention="bahdanau", weights_seed=1, **kwargs):
    """A built decoder whose every weight is random (so no term hides)."""
    cell = keras.layers.LSTMCell(UNITS) if cell is None else cell
    decoder = AttentionDecoder(cell, _attention(attention), **kwargs)
    decoder.build([(None, T, DX), (None, S, DK)])
    rng = np.random.default_rng(weights_seed)
    decoder.set_weights(
        [0.5 * rng.normal(size=w.shape).astype("float32") for w in decoder.weights]
    )
    return decoder


def _assert_close(actual, expected, atol=1e-5):
    np.testing.assert_allclose(to_numpy(actual), expected, rtol=1e-4, atol=atol)


# === Values against the NumPy reference ===


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
@pytest.mark.parametrize("attention_units", [None, 3])
@pytest.mark.parametrize("input_feeding", [True, False])
@pytest.mark.parametrize("attention_order", ["luong", "bahdanau"])
def test_matches_numpy_reference(attention_order, input_feeding, attention_units, attention):
    cell = keras.layers.LSTMCell(UNITS) if attention == "bahdanau" else keras.layers.GRUCell(UNITS)
    decoder = _decoder(
        cell, attention, attention_order=attention_order, input_feeding=input_feeding,
        attention_units=attention_units, return_alignments=True,
    )
    targets, memory = _inputs()
    outputs, alignments = decoder([targets, memory], mask=[None, MEMORY_MASK])
    expected_outputs, expected_alignments = reference(decoder, targets, memory, MEMORY_MASK)
    width = attention_units or DK + UNITS
    assert decoder.output_size == width
    assert to_numpy(outputs).shape == (B, T, width)
    assert to_numpy(alignments).shape == (B, T, S)
    _assert_close(alignments, expected_alignments)
    _assert_close(outputs, expected_outputs)
    # Weights of a read distribution, 0 on padding.
    np.testing.assert_allclose(to_numpy(alignments).sum(-1), 1.0, rtol=1e-5)
    # State sizes of `step`: the cell's, then h~_{t-1} with input feeding.
    cell_sizes = [UNITS, UNITS] if attention == "bahdanau" else [UNITS]
    assert decoder.state_size == cell_sizes + ([width] if input_feeding else [])


def test_output_without_w_c_is_the_context_then_the_cell_output():
    decoder = _decoder(
        attention="luong", attention_units=None, input_feeding=False, return_alignments=True
    )
    targets, memory = _inputs()
    outputs, alignments = to_numpy(decoder([targets, memory]))
    # [c_t; h_t]: the first Dk entries are the soft read sum_j a_tj h_j.
    np.testing.assert_allclose(
        outputs[..., :DK], np.einsum("bts,bsd->btd", alignments, memory), atol=1e-5
    )
    # Luong's order without input feeding: the cell never sees the context.
    cell_outputs = keras.layers.RNN(decoder.cell, return_sequences=True)(targets)
    np.testing.assert_allclose(outputs[..., DK:], to_numpy(cell_outputs), atol=1e-5)


@pytest.mark.parametrize("attention_order", ["luong", "bahdanau"])
def test_given_initial_state(attention_order):
    decoder = _decoder(
        attention_order=attention_order, attention_units=3, return_alignments=True,
        return_state=True,
    )
    targets, memory = _inputs()
    rng = np.random.default_rng(5)
    initial = [rng.normal(size=(B, UNITS)).astype("float32") for _ in range(2)]
    outputs, alignments, h, c = decoder([targets, memory], initial_state=initial)
    expected_outputs, expected_alignments = reference(
        decoder, targets, memory, cell_states=initial
    )
    _assert_close(outputs, expected_outputs)
    _assert_close(alignments, expected_alignments)
    zero_start = to_numpy(decoder([targets, memory])[0])
    assert np.abs(zero_start - to_numpy(outputs)).max() > 1e-3
    # The final states are those of `step` run by hand.
    states = decoder.get_initial_state(B, initial)
    keys = decoder.project_memory(memory)
    for t in range(T):
        _, states, _ = decoder.step(targets[:, t], states, keys, memory)
    _assert_close(h, to_numpy(states[0]))
    _assert_close(c, to_numpy(states[1]))


# === Masking ===


def test_target_mask_keeps_the_state_and_zeroes_padded_steps():
    decoder = _decoder(attention_units=3, return_alignments=True, return_state=True)
    targets, memory = _inputs()
    target_mask = np.array([[True, False, True], [True, True, False]])
    outputs, alignments, h, c = to_numpy(
        decoder([targets, memory], mask=[target_mask, MEMORY_MASK])
    )
    for n, kept in enumerate(target_mask):
        # A padded step is skipped: the example equals the sequence without it.
        alone = decoder(
            [targets[n : n + 1, kept], memory[n : n + 1]],
            mask=[None, MEMORY_MASK[n : n + 1]],
        )
        alone_outputs, alone_alignments, alone_h, alone_c = to_numpy(alone)
        np.testing.assert_allclose(outputs[n, kept], alone_outputs[0], atol=1e-5)
        np.testing.assert_allclose(alignments[n, kept], alone_alignments[0], atol=1e-6)
        np.testing.assert_array_equal(outputs[n, ~kept], 0.0)
        np.testing.assert_array_equal(alignments[n, ~kept], 0.0)
        # Final states: those at the last real step.
        np.testing.assert_allclose(h[n], alone_h[0], atol=1e-5)
        np.testing.assert_allclose(c[n], alone_c[0], atol=1e-5)


def test_target_mask_from_an_embedding_passes_on():
    decoder = _decoder(attention_units=3)
    ids = np.array([[4, 2, 0], [1, 3, 5]])
    embedding = keras.layers.Embedding(8, DX, mask_zero=True)
    _, memory = _inputs()
    target_input = keras.Input((T,), dtype="int32")
    memory_input = keras.Input((S, DK))
    outputs = decoder([embedding(target_input), memory_input])
    assert outputs._keras_mask is not None
    pooled = keras.layers.GlobalAveragePooling1D()(outputs)  # uses the mask
    model = keras.Model([target_input, memory_input], [outputs, pooled])
    output_values, pooled_values = to_numpy(model([ids, memory]))
    explicit = to_numpy(decoder([embedding(ids), memory], mask=[ids > 0, None]))
    np.testing.assert_allclose(output_values, explicit, atol=1e-6)
    np.testing.assert_array_equal(output_values[0, 2], 0.0)
    np.testing.assert_allclose(pooled_values[0], explicit[0, :2].mean(0), atol=1e-6)


def test_memory_mask_gives_padded_sources_exactly_zero_weight():
    decoder = _decoder(attention="luong", return_alignments=True)
    targets, memory = _inputs()
    outputs, alignments = to_numpy(decoder([targets, memory], mask=MEMORY_MASK))
    np.testing.assert_array_equal(alignments[~MEMORY_MASK[:, None, :].repeat(T, 1)], 0.0)
    np.testing.assert_allclose(alignments.sum(-1), 1.0, rtol=1e-5)
    # The memory mask alone equals [None, memory_mask]; padded values do not matter.
    as_list = to_numpy(decoder([targets, memory], mask=[None, MEMORY_MASK]))
    np.testing.assert_array_equal(as_list[0], outputs)
    changed = memory.copy()
    changed[~MEMORY_MASK] = 1e3
    np.testing.assert_array_equal(
        to_numpy(decoder([targets, changed], mask=MEMORY_MASK))[0], outputs
    )


def test_all_padding_memory_reads_zero_with_finite_gradients():
    decoder = _decoder(attention_order="bahdanau", return_alignments=True)  # no W_c
    targets, memory = _inputs()
    mask = MEMORY_MASK.copy()
    mask[1] = False  # example 1: nothing but padding
    targets, memory = tf.Variable(targets), tf.Variable(memory)
    with tf.GradientTape() as tape:
        outputs, alignments = decoder([targets, memory], mask=[None, mask])
        loss = ops.sum(ops.square(outputs))
    variables = [targets, memory] + decoder.trainable_variables
    gradients = [to_numpy(g) for g in tape.gradient(loss, variables)]
    outputs, alignments = to_numpy(outputs), to_numpy(alignments)
    np.testing.assert_array_equal(alignments[1], 0.0)
    np.testing.assert_array_equal(outputs[1, :, :DK], 0.0)  # c_t = 0
    assert np.abs(outputs[1, :, DK:]).max() > 0  # the cell still runs
    for gradient in gradients:
        assert np.isfinite(gradient).all()
    np.testing.assert_array_equal(gradients[1][1], 0.0)  # nothing read from it
    assert np.abs(gradients[1][0]).sum() > 0


# === step() one token at a time == call() (the samplers' contract) ===


@pytest.mark.parametrize("attention_units", [None, 3])
@pytest.mark.parametrize("input_feeding", [True, False])
@pytest.mark.parametrize("attention_order", ["luong", "bahdanau"])
def test_step_by_step_equals_the_call(attention_order, input_feeding, attention_units):
    decoder = _decoder(
        attention_order=attention_order, input_feeding=input_feeding,
        attention_units=attention_units, return_alignments=True, return_state=True,
    )
    targets, memory = _inputs()
    outputs, alignments, h, c = to_numpy(decoder([targets, memory], mask=MEMORY_MASK))
    keys = decoder.project_memory(memory)  # K(M_j), once
    states = decoder.get_initial_state(B)
    assert [tuple(s.shape) for s in states] == [(B, size) for size in decoder.state_size]
    for t in range(T):
        output, states, weights = decoder.step(targets[:, t], states, keys, memory, MEMORY_MASK)
        np.testing.assert_allclose(to_numpy(output), outputs[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(weights), alignments[:, t], atol=1e-6)
    np.testing.assert_allclose(to_numpy(states[0]), h, atol=1e-6)
    np.testing.assert_allclose(to_numpy(states[1]), c, atol=1e-6)
    if input_feeding:
        np.testing.assert_allclose(to_numpy(states[2]), outputs[:, -1], atol=1e-6)


def test_step_in_a_compiled_while_loop_equals_the_call():
    decoder = _decoder(attention_units=3)
    targets, memory = _inputs()
    expected = to_numpy(decoder([targets, memory], mask=MEMORY_MASK))

    @tf.function(jit_compile=True)
    def decode(targets, memory, mask):
        keys = decoder.project_memory(memory)

        def body(t, states, buffer):
            output, states, _ = decoder.step(targets[:, t], states, keys, memory, mask)
            buffer = ops.slice_update(buffer, (0, t, 0), output[:, None])
            return t + 1, states, buffer

        buffer = ops.zeros((B, T, 3))
        _, _, buffer = ops.while_loop(
            lambda t, *_: t < T, body, (0, decoder.get_initial_state(B), buffer),
            maximum_iterations=T,
        )
        return buffer

    np.testing.assert_allclose(to_numpy(decode(targets, memory, MEMORY_MASK)), expected,
                               atol=1e-5)


# === Cells of this package, dropout ===


@pytest.mark.parametrize(
    "make_cell",
    [
        lambda: ClockworkRNNCell(UNITS, periods=[1, 2, 4]),
        lambda: ZoneoutCell(keras.layers.LSTMCell(UNITS), zoneout_h=0.3, zoneout_c=0.3, seed=2),
    ],
    ids=["clockwork", "zoneout_lstm"],
)
@pytest.mark.parametrize("attention_order", ["luong", "bahdanau"])
def test_cells_of_this_package(make_cell, attention_order):
    decoder = _decoder(
        make_cell(), attention_order=attention_order, attention_units=3,
        return_alignments=True, return_state=True,
    )
    targets, memory = _inputs()
    outputs, alignments, *states = to_numpy(decoder([targets, memory], mask=[None, MEMORY_MASK]))
    expected_outputs, expected_alignments = reference(decoder, targets, memory, MEMORY_MASK)
    np.testing.assert_allclose(outputs, expected_outputs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(alignments, expected_alignments, rtol=1e-4, atol=1e-5)
    assert [s.shape for s in states] == [(B, size) for size in decoder.cell_state_size]
    if isinstance(decoder.cell, ClockworkRNNCell):
        # The clock phases t mod T_i after T = 3 steps.
        np.testing.assert_array_equal(states[1], np.tile([0, 1, 3], (B, 1)))
    else:
        # Zoneout draws its masks in training: different, finite, repeatable by seed.
        trained = to_numpy(decoder([targets, memory], training=True)[0])
        assert np.isfinite(trained).all()
        assert np.abs(trained - outputs).max() > 1e-4


def test_dropout_cell_trains_under_xla_and_differs_in_training():
    cell = keras.layers.LSTMCell(UNITS, dropout=0.3, recurrent_dropout=0.3, seed=3)
    # Luong's dot score (a memory of the cell's width): the smallest graph to compile.
    decoder = AttentionDecoder(cell, LuongAttention("dot"), attention_units=4, name="decoder")
    target_input = keras.Input((T, DX))
    memory_input = keras.Input((S, UNITS))
    logits = keras.layers.Dense(3)(decoder([target_input, memory_input]))
    model = keras.Model([target_input, memory_input], logits)
    model.compile(keras.optimizers.SGD(0.1), "mse", jit_compile=True)
    targets, _ = _inputs(batch=4)
    memory = np.random.default_rng(6).normal(size=(4, S, UNITS)).astype("float32")
    labels = np.random.default_rng(4).normal(size=(4, T, 3)).astype("float32")
    before = to_numpy(decoder.trainable_weights)
    history = model.fit([targets, memory], labels, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = to_numpy(decoder.trainable_weights)
    assert all(not np.array_equal(old, new) for old, new in zip(before, after))
    inference = to_numpy(decoder([targets, memory]))
    np.testing.assert_array_equal(to_numpy(decoder([targets, memory])), inference)
    training = to_numpy(decoder([targets, memory], training=True))
    assert np.isfinite(training).all()
    assert np.abs(training - inference).max() > 1e-4
    # At inference the dropout cell is the plain cell: the reference holds.
    expected, _ = reference(decoder, targets, memory)
    np.testing.assert_allclose(inference, expected, rtol=1e-4, atol=1e-5)


# === Encoder-decoder: train, save, load ===

VOCAB, EMBED, ENCODER_UNITS, DECODER_UNITS = 9, 4, 5, 6


def _seq2seq():
    source = keras.Input((None,), dtype="int32", name="source")
    target = keras.Input((None,), dtype="int32", name="target")
    embedded_source = keras.layers.Embedding(VOCAB, EMBED, mask_zero=True)(source)
    memory, forward_h, backward_h = keras.layers.Bidirectional(
        keras.layers.GRU(ENCODER_UNITS, return_sequences=True, return_state=True),
        name="encoder",
    )(embedded_source)
    initial_state = StateBridge(DECODER_UNITS, name="bridge")([forward_h, backward_h])
    embedded_target = keras.layers.Embedding(VOCAB, EMBED, mask_zero=True)(target)
    outputs, alignments = AttentionDecoder(
        keras.layers.GRUCell(DECODER_UNITS), LuongAttention("general"), attention_units=8,
        return_alignments=True, name="decoder",
    )([embedded_target, memory], initial_state=initial_state)
    logits = keras.layers.Dense(VOCAB, name="logits")(outputs)
    return keras.Model([source, target], [logits, alignments])


def _seq2seq_data():
    rng = np.random.default_rng(7)
    sources = rng.integers(2, VOCAB, size=(8, S))
    labels = sources[:, ::-1].copy()  # reversal
    sources[:4, 3] = 0  # padded sources
    decoder_inputs = np.concatenate([np.ones((8, 1), int), labels[:, :-1]], 1)  # 1: start
    decoder_inputs[:2, 3] = 0  # padded target steps
    return sources, decoder_inputs, labels


@pytest.fixture(scope="module")
def trained_seq2seq():
    keras.utils.set_random_seed(0)
    model = _seq2seq()
    model.compile(
        keras.optimizers.Adam(0.05),
        [keras.losses.SparseCategoricalCrossentropy(from_logits=True), None],
    )
    sources, decoder_inputs, targets = _seq2seq_data()
    history = model.fit([sources, decoder_inputs], targets, batch_size=8, epochs=8, verbose=0)
    return model, history.history["loss"]


def test_encoder_decoder_trains(trained_seq2seq):
    model, losses = trained_seq2seq
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.8 * losses[0]
    sources, decoder_inputs, _ = _seq2seq_data()
    _, alignments = to_numpy(model([sources, decoder_inputs]))
    # The masks reached the decoder: padded sources and padded target steps weigh 0.
    np.testing.assert_array_equal(alignments[:4, :, 3], 0.0)
    np.testing.assert_array_equal(alignments[:2, 3], 0.0)
    np.testing.assert_allclose(alignments[2:].sum(-1), 1.0, rtol=1e-5)


def test_encoder_decoder_keras_round_trip(trained_seq2seq, tmp_path):
    model, _ = trained_seq2seq
    sources, decoder_inputs, _ = _seq2seq_data()
    expected = to_numpy(model([sources, decoder_inputs]))
    model.save(tmp_path / "seq2seq.keras")
    loaded = keras.saving.load_model(tmp_path / "seq2seq.keras")
    for actual, wanted in zip(to_numpy(loaded([sources, decoder_inputs])), expected):
        np.testing.assert_array_equal(actual, wanted)
    decoder = loaded.get_layer("decoder")
    assert isinstance(decoder.attention, LuongAttention)
    # The same config, up to tuples read back as lists.
    assert json.loads(json.dumps(decoder.get_config())) == json.loads(
        json.dumps(model.get_layer("decoder").get_config())
    )


def test_config_round_trip():
    decoder = AttentionDecoder(
        ZoneoutCell(keras.layers.LSTMCell(4), zoneout_h=0.1), BahdanauAttention(3),
        attention_order="bahdanau", input_feeding=False, attention_units=2,
        kernel_initializer="he_normal", return_alignments=True, return_state=True,
        name="decoder",
    )
    config = decoder.get_config()
    restored = AttentionDecoder.from_config(config)
    assert restored.get_config() == config
    assert isinstance(restored.cell, ZoneoutCell)
    assert keras.saving.get_registered_name(AttentionDecoder) == "keras_memory>AttentionDecoder"


# === Bad arguments ===


def _make(**kwargs):
    arguments = {"cell": keras.layers.GRUCell(4), "attention": LuongAttention("general")}
    return AttentionDecoder(**{**arguments, **kwargs})


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"attention_order": "tfa"}, "attention_order"),
        ({"attention_order": None}, "attention_order"),
        ({"attention_units": 0}, "attention_units"),
        ({"attention_units": -1}, "attention_units"),
        ({"attention_units": 2.5}, "attention_units"),
        ({"attention_units": True}, "attention_units"),
        ({"input_feeding": "yes"}, "input_feeding"),
        ({"return_alignments": 1}, "return_alignments"),
        ({"return_state": None}, "return_state"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, argument):
    assert_invalid_argument(_make, argument, kwargs[argument], **kwargs)


def test_a_cell_and_an_attention_layer_are_checked():
    dense = keras.layers.Dense(3)
    assert_invalid_argument(_make, "cell", dense, cell=dense)
    assert_invalid_argument(_make, "cell", "lstm", cell="lstm")
    attention = keras.layers.Attention()
    assert_invalid_argument(_make, "attention", attention, attention=attention)
    assert_invalid_argument(_make, "attention", "bahdanau", attention="bahdanau")


def test_bad_initializer_names_the_argument():
    assert_invalid_argument(_make, "kernel_initializer", 0.5, kernel_initializer=0.5)


def test_initial_state_of_the_wrong_length():
    decoder = _decoder()  # LSTMCell: two states
    targets, memory = _inputs()
    with pytest.raises(ValueError, match=r"argument `initial_state`.*2 cell states.*1 tensors"):
        decoder([targets, memory], initial_state=[np.zeros((B, UNITS), "float32")])
    with pytest.raises(ValueError, match=r"argument `initial_state`.*3 tensors"):
        decoder.get_initial_state(B, [np.zeros((B, UNITS), "float32")] * 3)


def test_rank_2_targets_and_bad_inputs():
    decoder = _make()
    _, memory = _inputs()
    with pytest.raises(ValueError, match=r"argument `inputs\[0\]`.*rank 3.*\(2, 5\)"):
        decoder([np.zeros((B, DX), "float32"), memory])
    with pytest.raises(ValueError, match=r"argument `inputs\[1\]`.*rank 3.*\(2, 7\)"):
        decoder([np.zeros((B, T, DX), "float32"), memory[:, 0]])
    with pytest.raises(ValueError, match=r"argument `inputs`"):
        decoder(np.zeros((B, T, DX), "float32"))


@pytest.mark.parametrize("mask_shape", [(B, S + 1), (B, S, 1), (S,)])
def test_a_memory_mask_that_disagrees_with_the_memory(mask_shape):
    decoder = _decoder()
    targets, memory = _inputs()
    pattern = rf"argument `mask`.*memory of shape \(2, 4, 7\).*{re.escape(str(mask_shape))}"
    with pytest.raises(ValueError, match=pattern):
        decoder([targets, memory], mask=[None, np.ones(mask_shape, bool)])


def test_a_mask_list_of_the_wrong_length():
    decoder = _decoder()
    targets, memory = _inputs()
    with pytest.raises(ValueError, match=r"argument `mask`.*3 masks"):
        decoder([targets, memory], mask=[None, MEMORY_MASK, None])
