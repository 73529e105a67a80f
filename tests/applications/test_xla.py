"""The package's `jit_compile="auto"` (`applications.xla.resolve_jit_compile`)."""

import keras
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument

from keras_memory.applications.xla import resolve_jit_compile


def _model(layer=None):
    inputs = keras.Input((3,))
    hidden = (layer or keras.layers.Dense(2))(inputs)
    return keras.Model(inputs, hidden)


class NoXLA(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_jit = False

    def call(self, x):
        return x


def test_auto_is_xla_on_this_cpu_where_keras_auto_is_not():
    model = _model()
    assert resolve_jit_compile(model, "auto") is True
    assert not tf.config.list_physical_devices("GPU")
    keras_auto = _model()
    keras_auto.compile(loss="mse", jit_compile="auto")
    assert keras_auto.jit_compile is False  # Keras turns XLA off on CPU


def test_auto_is_off_where_xla_cannot_run():
    # Keras's fit(jit_compile=True) fails under tf.distribute (Keras #19005).
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        assert resolve_jit_compile(_model(), "auto") is False
    assert resolve_jit_compile(_model(NoXLA()), "auto") is False


def test_booleans_pass_and_other_values_are_refused():
    model = _model()
    assert resolve_jit_compile(model, True) is True
    assert resolve_jit_compile(model, False) is False
    assert resolve_jit_compile(_model(NoXLA()), True) is True  # the user's choice
    assert_invalid_argument(resolve_jit_compile, "jit_compile", "yes", model, "yes")
    with pytest.raises(ValueError, match="jit_compile"):
        resolve_jit_compile(model, None)
