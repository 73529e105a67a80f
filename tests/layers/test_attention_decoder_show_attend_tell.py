"""AttentionDecoder's Show-Attend-Tell options: the context gate and the hard read."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_memory.layers import AttentionDecoder
from keras_memory.layers import BahdanauAttention

RNG = np.random.default_rng(0)
TARGETS = RNG.normal(size=(3, 4, 5)).astype("float32")
MEMORY = RNG.normal(size=(3, 6, 2)).astype("float32")  # L = 6 locations, D = 2
TARGET_MASK = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]], bool)


def _decoder(**kwargs):
    kwargs.setdefault("return_alignments", True)
    return AttentionDecoder(
        keras.layers.LSTMCell(4),
        BahdanauAttention(3),
        attention_order="bahdanau",
        input_feeding=False,
        **kwargs,
    )


def _np(x):
    return ops.convert_to_numpy(x)


def test_context_gate_scales_the_first_context():
    decoder = _decoder(context_gate=True)
    decoder([TARGETS, MEMORY])
    decoder.gate_kernel.assign(np.zeros((4, 1), "float32"))
    decoder.gate_bias.assign(np.array([np.log(3.0)], "float32"))  # beta = 0.75
    outputs, _ = decoder([TARGETS, MEMORY])
    attention = decoder.attention
    keys = attention.project_memory(MEMORY)
    context, _ = attention.attend(np.zeros((3, 4), "float32"), keys, MEMORY)  # h_0 = 0
    # The output is [z_t; h_t]: z_1 = beta_1 c_1.
    np.testing.assert_allclose(_np(outputs)[:, 0, :2], 0.75 * _np(context), rtol=1e-5, atol=1e-6)
    assert len(decoder.trainable_weights) == len(_built(_decoder()).trainable_weights) + 2


def _built(decoder):
    decoder([TARGETS, MEMORY])
    return decoder


def test_hard_read_at_inference_is_the_argmax_row():
    decoder = _decoder(read="hard", return_log_probs=True)
    outputs, alignments, log_probs = decoder([TARGETS, MEMORY], training=False)
    chosen = np.argmax(_np(alignments), axis=-1)  # (batch, T)
    expected = np.take_along_axis(MEMORY, chosen.reshape(3, 4, 1), axis=1)
    np.testing.assert_allclose(_np(outputs)[..., :2], expected, rtol=1e-6)
    np.testing.assert_array_equal(_np(log_probs), np.zeros((3, 4)))


def test_hard_read_in_training_samples_a_row_and_returns_its_log_prob():
    decoder = _decoder(read="hard", soft_read_probability=0.0, return_log_probs=True, seed=3)
    outputs, alignments, log_probs = decoder(
        [TARGETS, MEMORY], mask=[TARGET_MASK, None], training=True
    )
    outputs, alignments, log_probs = _np(outputs), _np(alignments), _np(log_probs)
    contexts = outputs[..., :2]
    for b in range(3):
        for t in range(4):
            if not TARGET_MASK[b, t]:
                assert log_probs[b, t] == 0.0  # padded steps add nothing
                continue
            # z_t is one memory row a_s, and log_probs[b, t] is log alpha_{t, s}.
            distances = np.abs(MEMORY[b] - contexts[b, t]).sum(-1)
            location = int(np.argmin(distances))
            assert distances[location] < 1e-5
            np.testing.assert_allclose(
                log_probs[b, t], np.log(alignments[b, t, location]), rtol=1e-5
            )


def test_hard_read_samples_differ_from_the_argmax_and_repeat_with_the_seed():
    first = _decoder(read="hard", soft_read_probability=0.0, seed=7)
    first([TARGETS, MEMORY])
    second = _decoder(read="hard", soft_read_probability=0.0, seed=7)
    second([TARGETS, MEMORY])
    second.set_weights(first.get_weights())
    a = _np(first([TARGETS, MEMORY], training=True)[0])
    b = _np(second([TARGETS, MEMORY], training=True)[0])
    np.testing.assert_allclose(a, b, rtol=1e-6)
    # Several draws are not all the argmax: the read is sampled.
    greedy = _np(first([TARGETS, MEMORY], training=False)[0])
    draws = [_np(first([TARGETS, MEMORY], training=True)[0]) for _ in range(3)]
    assert any(np.abs(d - greedy).max() > 1e-4 for d in draws)


def test_expected_context_with_probability_one():
    hard = _decoder(read="hard", soft_read_probability=1.0, return_log_probs=True)
    outputs, _, log_probs = hard([TARGETS, MEMORY], training=True)
    soft = _decoder()
    soft([TARGETS, MEMORY])
    soft.set_weights(hard.get_weights())
    expected, _ = soft([TARGETS, MEMORY])
    np.testing.assert_allclose(_np(outputs), _np(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(log_probs), np.zeros((3, 4)))


def test_reinforce_gradient_reaches_the_attention():
    decoder = _decoder(read="hard", soft_read_probability=0.0, return_log_probs=True, seed=1)
    targets, memory = keras.Input((4, 5)), keras.Input((6, 2))
    outputs, _, log_probs = decoder([targets, memory])
    model = keras.Model([targets, memory], [outputs, log_probs])
    import tensorflow as tf

    with tf.GradientTape() as tape:
        _, log_probs = model([TARGETS, MEMORY], training=True)
        loss = -ops.sum(log_probs)
    gradient = tape.gradient(loss, decoder.attention.attention_v)
    assert np.abs(gradient.numpy()).max() > 0


def test_jit_fit_step_with_a_partial_batch():
    targets, memory = keras.Input((4, 5)), keras.Input((6, 2))
    decoder = _decoder(
        read="hard", context_gate=True, return_alignments=False, seed=2, name="decoder"
    )
    model = keras.Model([targets, memory], keras.layers.Dense(2)(decoder([targets, memory])))
    model.compile("adam", "mse", jit_compile=True)
    history = model.fit(
        [TARGETS, MEMORY], np.zeros((3, 4, 2), "float32"), batch_size=2, epochs=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])


def test_config_round_trip():
    decoder = _decoder(
        context_gate=True, read="hard", soft_read_probability=0.25, seed=5, return_log_probs=True
    )
    config = decoder.get_config()
    assert (config["context_gate"], config["read"], config["soft_read_probability"]) == (
        True,
        "hard",
        0.25,
    )
    assert (config["seed"], config["return_log_probs"]) == (5, True)
    clone = AttentionDecoder.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(context_gate="yes"), "`context_gate`"),
        (dict(read="sampled"), "`read`"),
        (dict(read="hard", soft_read_probability=1.5), "`soft_read_probability`"),
        (dict(read="hard", soft_read_probability=-0.1), "`soft_read_probability`"),
        (dict(read="hard", seed=-1), "`seed`"),
        (dict(read="hard", seed=1.5), "`seed`"),
        (dict(return_log_probs=True), "`return_log_probs`"),
        (dict(read="hard", return_log_probs="no"), "`return_log_probs`"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f"Received an invalid value for argument {match}"):
        _decoder(**kwargs)
