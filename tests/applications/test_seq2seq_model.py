"""AttentionSeq2Seq: teacher forcing and one-token decoding agree; decoding on the real model."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
import testing_utils

from keras_memory.applications import AttentionSeq2Seq
from keras_memory.applications.seq2seq import decoding_step
from keras_memory.applications.seq2seq import encode
from keras_memory.applications.seq2seq import generate
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler

VOCABULARY = 12
TINY = dict(embedding_dim=6, encoder_units=5, decoder_units=7, attention_units=6)
# Two sources with padding (0) of different lengths, ending with the end id 2.
SOURCES = np.array([[5, 6, 7, 8, 2], [9, 4, 2, 0, 0], [11, 2, 0, 0, 0]], "int32")
DECODER_INPUTS = np.array([[1, 7, 6, 5], [1, 4, 9, 0], [1, 10, 0, 0]], "int32")


def _model(attention, cell="lstm", seed=0):
    keras.utils.set_random_seed(seed)
    return AttentionSeq2Seq(VOCABULARY, cell=cell, attention=attention, **TINY)


@pytest.fixture(scope="module", params=["luong", "bahdanau", "none"])
def model(request):
    return _model(request.param, cell="gru" if request.param == "bahdanau" else "lstm")


def _step_by_step_logits(model, sources, decoder_inputs):
    state = encode(model, sources)
    next_fn = decoding_step(model)
    logits = []
    for t in range(decoder_inputs.shape[1]):
        step_logits, state, _ = next_fn(decoder_inputs[:, t], state, t)
        logits.append(keras.ops.convert_to_numpy(step_logits))
    return np.stack(logits, 1)


def test_teacher_forcing_equals_one_token_at_a_time(model):
    logits = keras.ops.convert_to_numpy(
        model({"source_ids": SOURCES, "decoder_input_ids": DECODER_INPUTS})
    )
    expected = _step_by_step_logits(model, SOURCES, DECODER_INPUTS)
    real = DECODER_INPUTS != 0  # padded target steps are masked in training
    # Ids 0 (padding) and 1 (start) are never decoded: -1e9 at every step.
    np.testing.assert_allclose(logits[real][:, 2:], expected[real][:, 2:], atol=1e-5)
    np.testing.assert_array_equal(expected[..., :2], -1e9)


def test_source_padding_does_not_change_the_outputs(model):
    # The same source padded to 5 or to 8 positions: the memory mask and the
    # masked encoder make the extra padding invisible.
    longer = np.pad(SOURCES, ((0, 0), (0, 3)))
    short = _step_by_step_logits(model, SOURCES, DECODER_INPUTS)
    long = _step_by_step_logits(model, longer, DECODER_INPUTS)
    np.testing.assert_allclose(short, long, atol=1e-5)


def test_beam_width_one_equals_greedy_on_the_model(model):
    greedy = testing_utils.to_numpy(generate(model, SOURCES, GreedySampler(max_length=6)))
    beam = testing_utils.to_numpy(generate(model, SOURCES, BeamSearch(1, max_length=6)))
    np.testing.assert_array_equal(greedy["tokens"], beam["tokens"])
    np.testing.assert_allclose(greedy["log_probs"], beam["log_probs"], atol=1e-5)


def test_beam_batch_equals_one_source_at_a_time(model):
    # The memory, its mask and the decoder state are tiled one way: a batch
    # decodes as its examples decode alone (tensorflow #11598).
    sampler = BeamSearch(3, max_length=6, num_return=2)
    batch = testing_utils.to_numpy(generate(model, SOURCES, sampler))
    for index in range(len(SOURCES)):
        source = SOURCES[index : index + 1]
        length = int((source != 0).sum())
        alone = testing_utils.to_numpy(generate(model, source[:, :length], sampler))
        np.testing.assert_array_equal(batch["tokens"][index], alone["tokens"][0])
        np.testing.assert_allclose(batch["scores"][index], alone["scores"][0], atol=1e-5)


def test_beam_log_probability_matches_teacher_forcing(model):
    # The score of a decoded output is the log-probability the trained
    # (teacher-forced) model gives it, over the ids that can be decoded.
    outputs = testing_utils.to_numpy(generate(model, SOURCES, BeamSearch(2, max_length=5)))
    tokens, lengths = outputs["tokens"][:, 0], outputs["lengths"][:, 0]
    decoder_inputs = np.concatenate([np.ones((len(tokens), 1), "int32"), tokens[:, :-1]], 1)
    logits = keras.ops.convert_to_numpy(
        model({"source_ids": SOURCES, "decoder_input_ids": decoder_inputs})
    ).astype("float64")
    logits[..., :2] = -1e9  # never decoded: outside the decoding distribution
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    for n in range(len(tokens)):
        expected = sum(log_softmax[n, t, tokens[n, t]] for t in range(lengths[n]))
        np.testing.assert_allclose(outputs["log_probs"][n, 0], expected, atol=1e-4)


def test_decoding_warns_of_nothing(model):
    """No warning at any step (the no-attention decoder's bare cell once got
    the embedding's Keras mask at every step)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        testing_utils.to_numpy(generate(model, SOURCES, BeamSearch(2, max_length=4)))


def test_padding_and_start_ids_are_never_decoded():
    # An untrained model gives them some probability; decoding rules them out.
    model = _model("luong", seed=3)
    outputs = testing_utils.to_numpy(generate(model, SOURCES, BeamSearch(4, max_length=8)))
    for tokens, length in zip(outputs["tokens"][:, 0], outputs["lengths"][:, 0]):
        assert not np.isin(tokens[:length], [0, 1]).any()


def test_alignments_weigh_only_real_source_positions():
    model = _model("luong")
    outputs = testing_utils.to_numpy(generate(model, SOURCES, GreedySampler(max_length=4)))
    alignments = outputs["alignments"][:, 0]  # (B, T, S)
    lengths = outputs["lengths"][:, 0]
    for n, source in enumerate(SOURCES):
        for t in range(lengths[n]):
            np.testing.assert_allclose(alignments[n, t].sum(), 1.0, atol=1e-5)
            np.testing.assert_array_equal(alignments[n, t][source == 0], 0.0)


def test_compiled_beam_search_equals_eager():
    model = _model("bahdanau")
    sampler = BeamSearch(2, max_length=4, length_penalty=0.6)
    compiled = tf.function(lambda ids: generate(model, ids, sampler), jit_compile=True)
    eager = testing_utils.to_numpy(generate(model, SOURCES, sampler))
    jitted = testing_utils.to_numpy(compiled(tf.constant(SOURCES)))
    np.testing.assert_array_equal(eager["tokens"], jitted["tokens"])
    np.testing.assert_allclose(eager["scores"], jitted["scores"], atol=1e-5)


def test_trains_and_round_trips_through_keras_file(tmp_path):
    # XLA training of the decoder is the conformance harness's jit check.
    model = _model("luong")
    model.compile(
        keras.optimizers.Adam(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=False,
    )
    targets = np.concatenate([DECODER_INPUTS[:, 1:], np.full((3, 1), 2)], 1)
    targets[DECODER_INPUTS == 0] = 0
    inputs = {"source_ids": SOURCES, "decoder_input_ids": DECODER_INPUTS}
    history = model.fit(inputs, targets, batch_size=3, epochs=10, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    path = tmp_path / "seq2seq.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(inputs)), keras.ops.convert_to_numpy(model(inputs))
    )
    sampler = BeamSearch(2, max_length=5)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(generate(loaded, SOURCES, sampler)["tokens"]),
        keras.ops.convert_to_numpy(generate(model, SOURCES, sampler)["tokens"]),
    )


@pytest.mark.parametrize(
    "name, value",
    [
        ("vocabulary_size", 4),
        ("embedding_dim", 0),
        ("encoder_units", -1),
        ("decoder_units", 2.5),
        ("cell", "rnn"),
        ("attention", "multihead"),
        ("score", "cosine"),
        ("attention_units", 0),
        ("input_feeding", "yes"),
    ],
)
def test_bad_arguments_are_named(name, value):
    testing_utils.assert_invalid_argument(
        AttentionSeq2Seq, name, value, **{"vocabulary_size": VOCABULARY, name: value}
    )


def test_dot_score_needs_matching_sizes():
    testing_utils.assert_invalid_argument(
        AttentionSeq2Seq, "decoder_units", 7, VOCABULARY, score="dot", **TINY
    )


def test_decoding_refuses_another_model_and_bad_source_ranks():
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="other")
    testing_utils.assert_invalid_argument(encode, "model", "other", other, SOURCES)
    testing_utils.assert_invalid_argument(encode, "source_ids", None, _model("luong"), SOURCES[0])
