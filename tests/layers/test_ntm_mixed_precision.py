"""NTM under mixed_float16 with large inputs: finite outputs and gradients.

The access module (norms, cosine similarity, key strength, sharpening) runs
in float32 inside `keras_memory.ops`; these tests keep it so.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.layers import NTM


@pytest.mark.parametrize(
    "units, memory_size, memory_width, heads",
    [(8, 8, 4, 1), (4, 5, 3, 2), (100, 128, 20, 1)],
)
def test_feedforward_ntm_gradients_are_finite_for_inputs_of_magnitude_1e3(
    units, memory_size, memory_width, heads
):
    keras.config.set_dtype_policy("mixed_float16")
    try:
        sequences = keras.Input((6, 3))
        layer = NTM(
            controller="feedforward", units=units, memory_size=memory_size,
            memory_width=memory_width, read_heads=heads, write_heads=heads, seed=1,
        )
        model = keras.Model(sequences, layer(sequences))
        x = (np.random.default_rng(0).normal(size=(4, 6, 3)) * 1e3).astype("float32")
        with tf.GradientTape() as tape:
            outputs = model(x, training=True)
            loss = tf.reduce_mean(tf.cast(outputs, "float32"))
        gradients = tape.gradient(loss, model.trainable_variables)
    finally:
        keras.config.set_dtype_policy("float32")
    assert outputs.dtype == tf.float16
    assert np.isfinite(outputs.numpy()).all()
    assert len(gradients) == len(model.trainable_variables) > 0
    for variable, gradient in zip(model.trainable_variables, gradients):
        assert np.isfinite(gradient.numpy()).all(), variable.path
    # The heads' parameters get a gradient, not only the controller.
    head_kernel = next(g for v, g in zip(model.trainable_variables, gradients)
                       if v.path.endswith("head_kernel"))
    assert float(np.abs(head_kernel.numpy()).max()) > 0.0
