"""`applications.replicas` on one device (two replicas: tests/distribute)."""

import numpy as np
import tensorflow as tf

from keras_memory.applications import replicas

VALUES = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 7.0]], "float32")
MASK = np.array([[1, 1, 0], [1, 0, 0]], "float32")


def test_global_mean_is_the_mean_on_one_device():
    np.testing.assert_allclose(replicas.global_mean(VALUES), VALUES.mean(), rtol=1e-6)
    # Masked: the mean over the 3 valid entries.
    np.testing.assert_allclose(replicas.global_mean(VALUES, MASK), (1 + 2 + 3) / 3, rtol=1e-6)
    # Weights broadcast; no valid entry gives 0, not NaN.
    row_weights = np.array([[1.0], [0.0]], "float32")  # the first row only
    np.testing.assert_allclose(replicas.global_mean(VALUES, row_weights), 7 / 3, rtol=1e-6)
    assert float(replicas.global_mean(VALUES, np.zeros_like(MASK))) == 0.0


def test_the_count_carries_no_gradient_and_shares_are_whole_on_one_device():
    values = tf.Variable(VALUES)
    with tf.GradientTape() as tape:
        loss = replicas.global_mean(values, MASK)
    np.testing.assert_allclose(tape.gradient(loss, values), MASK / MASK.sum(), rtol=1e-6)
    np.testing.assert_allclose(replicas.global_sum(VALUES), VALUES)
    assert float(replicas.replica_share(tf.constant(3.0))) == 3.0
