"""Initial values that differ between weights of one layer (private).

A Keras initializer object draws the same values at every call: an unseeded
one fixes its seed when it is made. A layer that gives one `kernel_initializer`
to several weights of the same shape (StateBridge's `W_k` for an LSTM's
`[h, c]`, Bahdanau's `W` and `U` when `Dq == Dk`) would start them equal, and
with different shapes their first entries would still be equal. Each weight
gets its own copy: a fresh seed when the initializer has none, the given seed
plus the weight's index otherwise (repeatable under `set_random_seed`).
"""

import keras

from keras_memory import validation


def distinct_initializer(initializer, index):
    """A copy of `initializer` for the `index`-th weight that shares it."""
    if not isinstance(initializer, keras.initializers.Initializer):
        return initializer  # a plain function draws afresh at every call
    config = initializer.get_config()
    if index and validation.is_integer(config.get("seed")):
        config["seed"] += index
    return type(initializer).from_config(config)
