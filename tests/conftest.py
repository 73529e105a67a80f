"""Test session set-up: one TensorFlow import per worker, clean Keras state."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402
import tensorflow  # noqa: E402,F401  (imported once per worker, up front)


@pytest.fixture(autouse=True)
def clean_keras_state():
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")
    keras.utils.clear_session()
