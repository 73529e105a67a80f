"""Numbers: long sequences, large inputs, low precision and all-padding batches.

Each memory layer (tiny units, batch 2) runs over 10,000 steps under the
`float32` and `mixed_float16` policies, and under `mixed_bfloat16` over
250 steps (10,000 in the `slow` run: XLA emulates bfloat16 on the CPU,
one to four minutes per layer); outputs and the gradients of a loss with
respect to the inputs and every weight must be finite. One XLA-compiled
function per layer and policy serves three calls of the same shape:
standard normal inputs, inputs of magnitude 1e4, and a batch that is
padding at every step (where the outputs are exactly the initial
output, zeros, and every weight's gradient is exactly zero). Compiling once
keeps the 10,000-step loops fast.

`PreviousStateAttention` keeps a ring buffer of its last `window` states, so
memory is O(T * window): it runs 10,000 steps with `window=16`, and attends
over every previous state (`window = T`, O(T^2) memory and time) at
T = 500, which stays fast (about 10 s at T = 1,000 on two cores; T = 10,000
would keep 10^8 buffer entries per example for the backward pass, 1.6 GB at
4 units in float32).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.layers import HMLSTM
from keras_memory.layers import NTM
from keras_memory.layers import MemoryRNN
from keras_memory.layers import PreviousStateAttention
from keras_memory.layers import SkipRNN

STEPS = 10_000
FEATURES = 3
BFLOAT16_STEPS = 250

# name -> (factory, timesteps)
LAYERS = {
    "ntm": (
        lambda: NTM(units=4, memory_size=8, memory_width=3, return_sequences=True, seed=1),
        STEPS,
    ),
    "memory_rnn": (
        lambda: MemoryRNN(
            units=4, memory_size=8, memory_width=3, addressing="content",
            return_sequences=True, seed=1,
        ),
        STEPS,
    ),
    "hmlstm": (lambda: HMLSTM([4, 3], return_sequences=True), STEPS),
    "skip_rnn": (lambda: SkipRNN(keras.layers.LSTMCell(4), return_sequences=True), STEPS),
    "previous_state_attention": (
        lambda: PreviousStateAttention(keras.layers.GRUCell(4), window=16, return_sequences=True),
        STEPS,
    ),
    "previous_state_attention_full": (
        lambda: PreviousStateAttention(
            keras.layers.GRUCell(4), window=500, return_sequences=True
        ),
        500,
    ),
}


def _run_cases(name, policy, steps):
    """The three calls of one layer under one policy, through one compile."""
    factory = LAYERS[name][0]
    keras.config.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(11)
        layer = factory()
        layer(np.zeros((2, 2, FEATURES), "float32"))
        weights = layer.trainable_variables

        @tf.function(jit_compile=True)
        def outputs_and_gradients(sequences, mask):
            with tf.GradientTape() as tape:
                tape.watch(sequences)
                outputs = tf.cast(layer(sequences, mask=mask, training=True), "float32")
                loss = tf.reduce_mean(outputs)
            return outputs, tape.gradient(loss, [sequences, *weights])

        rng = np.random.default_rng(5)
        normal = rng.normal(size=(2, steps, FEATURES)).astype("float32")
        valid = np.ones((2, steps), bool)
        cases = {
            "normal": (normal, valid),
            "magnitude_1e4": (normal * 1e4, valid),
            "all_padding": (normal, np.zeros((2, steps), bool)),
        }
        results = {}
        for case, (sequences, mask) in cases.items():
            outputs, gradients = outputs_and_gradients(tf.constant(sequences), tf.constant(mask))
            results[case] = (
                outputs.numpy(),
                [None if g is None else tf.cast(g, "float32").numpy() for g in gradients],
            )
        return results, [weight.path for weight in weights]
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.fixture(scope="module")
def runs():
    cache = {}

    def get(name, policy, steps):
        if (name, policy, steps) not in cache:
            cache[name, policy, steps] = _run_cases(name, policy, steps)
        return cache[name, policy, steps]

    return get


def _cases():
    cases = []
    for name, (_, steps) in LAYERS.items():
        cases.append((name, "float32", steps))
        if steps != STEPS:
            continue
        cases.append((name, "mixed_float16", steps))
        # XLA on the CPU emulates bfloat16 arithmetic: 10,000 steps take one
        # to four minutes per layer. The default run takes 250 steps.
        cases.append((name, "mixed_bfloat16", BFLOAT16_STEPS))
        cases.append(pytest.param(name, "mixed_bfloat16", steps, marks=pytest.mark.slow))
    return cases


CASES = _cases()


@pytest.mark.parametrize("name, policy, steps", CASES)
def test_finite_outputs_and_gradients_and_all_padding(runs, name, policy, steps):
    results, paths = runs(name, policy, steps)
    for case in ("normal", "magnitude_1e4"):
        outputs, gradients = results[case]
        assert outputs.shape == (2, steps, outputs.shape[-1])
        assert np.isfinite(outputs).all(), case
        assert np.abs(outputs).max() > 0.0, case  # not a dead layer
        assert gradients[0] is not None and np.isfinite(gradients[0]).all(), case
        for path, gradient in zip(paths, gradients[1:]):
            # A weight unused on this path (none here) would have no gradient.
            assert gradient is not None, (case, path)
            assert np.isfinite(gradient).all(), (case, path)
    # The last steps still reach the weights: the gradient is not all zero.
    assert any(np.abs(g).max() > 0.0 for g in results["normal"][1][1:])

    # An all-padding batch (one test with the above: one compile serves both).
    outputs, gradients = results["all_padding"]
    # Masked steps repeat the previous output; before any valid step it is
    # the initial output y_0 = 0 of every one of these layers.
    np.testing.assert_array_equal(outputs, np.zeros_like(outputs))
    for path, gradient in zip(["inputs", *paths], gradients):
        assert gradient is None or not np.any(gradient), path
