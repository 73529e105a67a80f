"""Straight-through estimators: exact forward values, identity gradients."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_memory.ops import binary_step
from keras_memory.ops import hard_sigmoid
from keras_memory.ops import straight_through
from keras_memory.ops import straight_through_round

VALUES = np.array([-1.3, 0.0, 0.1, 0.3, 0.4999, 0.5, 0.5001, 0.7, 0.9, 1.0, 2.6], "float32")


WEIGHTS = np.arange(1, VALUES.size + 1, dtype="float32")


def _value_and_gradient(fn, x, **kwargs):
    """fn(x) and the gradient of sum(WEIGHTS * fn(x)), on TensorFlow."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x, **kwargs)
        weighted = tf.reduce_sum(y * WEIGHTS[: x.shape[0]])
    return y.numpy(), tape.gradient(weighted, x).numpy()


def test_round_is_exact_forward_and_identity_backward():
    value, gradient = _value_and_gradient(straight_through_round, VALUES)
    np.testing.assert_array_equal(value, np.round(VALUES))
    np.testing.assert_array_equal(gradient, WEIGHTS)


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_step_is_exactly_zero_or_one(threshold):
    value, gradient = _value_and_gradient(binary_step, VALUES, threshold=threshold)
    np.testing.assert_array_equal(value, (VALUES > threshold).astype("float32"))
    np.testing.assert_array_equal(gradient, WEIGHTS)


def test_hard_sigmoid_by_hand_and_its_gradient():
    slope = 2.5  # no test value sits on a clip kink (x = +-0.4)
    value, gradient = _value_and_gradient(hard_sigmoid, VALUES, slope=slope)
    expected = np.clip((slope * VALUES + 1) / 2, 0, 1)
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    inside = (expected > 0) & (expected < 1)
    np.testing.assert_allclose(gradient[inside], (WEIGHTS * slope / 2)[inside])
    np.testing.assert_array_equal(gradient[~inside], 0.0)


def test_straight_through_takes_the_forward_value_and_the_surrogates_gradient():
    # y = forward exactly; dy/dx = d surrogate / dx = 2x (surrogate x^2).
    x = tf.constant(VALUES)
    forward = tf.constant(np.sign(VALUES))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = straight_through(forward, tf.square(x))
        weighted = tf.reduce_sum(y * WEIGHTS)
    np.testing.assert_array_equal(y.numpy(), np.sign(VALUES))
    np.testing.assert_allclose(tape.gradient(weighted, x).numpy(), 2 * VALUES * WEIGHTS, rtol=1e-6)


def test_straight_through_selection_with_a_blend_gradient():
    # The HM-LSTM's COPY: the previous value forward, the z-weighted blend backward.
    z = tf.constant([0.0, 1.0, 0.3])
    previous = tf.constant([1.0, 2.0, 3.0])
    update = tf.constant([10.0, 20.0, 30.0])
    with tf.GradientTape() as tape:
        tape.watch(z)
        selected = tf.where(z > 0.5, update, previous)
        y = straight_through(selected, z * update + (1.0 - z) * previous)
    np.testing.assert_array_equal(y.numpy(), [1.0, 20.0, 3.0])
    np.testing.assert_allclose(tape.gradient(y, z).numpy(), [9.0, 18.0, 27.0])


def test_boundary_detector_gradient_is_the_hard_sigmoids():
    # z = binary_step(hard_sigmoid(a x)): the HM-RNN's slope annealing trick.
    x = tf.constant([-0.2, 0.1, 0.3])
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = binary_step(hard_sigmoid(x, slope=3.0))
    np.testing.assert_array_equal(z.numpy(), [0.0, 1.0, 1.0])
    # d/dx clip((3x + 1) / 2) = 1.5 inside (-1/3, 1/3).
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [1.5, 1.5, 1.5])


JAX_SCRIPT = """
import json, sys
import jax, jax.numpy as jnp, numpy as np
from keras_memory.ops import binary_step, hard_sigmoid, straight_through_round
x = jnp.array(json.loads(sys.argv[1]), dtype="float32")
w = jnp.arange(1, x.shape[0] + 1, dtype="float32")
results = []
for fn in (straight_through_round, binary_step, lambda v: hard_sigmoid(v, slope=2.5)):
    grad = jax.grad(lambda v: jnp.sum(fn(v) * w))(x)
    results.append([np.asarray(fn(x)).tolist(), np.asarray(grad).tolist()])
print(json.dumps(results))
"""


def test_same_values_and_gradients_on_jax():
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, json.dumps(VALUES.tolist())],
        capture_output=True,
        text=True,
        env=dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    on_jax = json.loads(result.stdout.strip().splitlines()[-1])
    functions = (straight_through_round, binary_step, lambda v: hard_sigmoid(v, slope=2.5))
    for (value, gradient), fn in zip(on_jax, functions):
        expected_value, expected_gradient = _value_and_gradient(fn, VALUES)
        np.testing.assert_array_equal(np.array(value, "float32"), expected_value)
        np.testing.assert_allclose(np.array(gradient, "float32"), expected_gradient, rtol=1e-6)
