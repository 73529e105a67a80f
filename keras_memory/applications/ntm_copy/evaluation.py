"""Bit errors of copy models at every sequence length."""

import weakref

import keras
import numpy as np

from keras_memory import validation
from keras_memory.datasets import algorithmic

# Per model: its forward pass traced without XLA (TensorFlow).
_FORWARDS = weakref.WeakKeyDictionary()


def _forward_without_xla(model):
    """`model(x, training=False)` in one `tf.function` without XLA, for every length."""
    forward = _FORWARDS.get(model)
    if forward is None:
        import tensorflow as tf

        forward = tf.function(
            lambda inputs: model(inputs, training=False),
            reduce_retracing=True,
            jit_compile=False,
            autograph=False,
        )
        _FORWARDS[model] = forward
    return forward


def _predict_batch(model, inputs):
    """`model`'s outputs on the batch `inputs`, compiled, under any strategy.

    `predict_on_batch`: an eager call of the RNN is many times slower (one
    traced function per length, reused across calls). A model compiled
    with XLA (`compile_for_copy`'s default) would compile its predict step
    once per length, seconds each, 20 times for lengths 1 to 20: on
    TensorFlow its forward pass runs in one traced function without XLA
    instead (the training step keeps XLA). Under a `tf.distribute`
    strategy of several replicas Keras 3.15 runs the whole batch on every
    replica and concatenates (8 rows for 4), so there `predict` splits the
    batch instead.
    """
    strategy = getattr(model, "distribute_strategy", None)
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        return np.asarray(model.predict(inputs, batch_size=len(inputs), verbose=0))
    if keras.backend.backend() == "tensorflow" and getattr(model, "compiled", False) and (
        model.jit_compile
    ):
        return keras.ops.convert_to_numpy(_forward_without_xla(model)(inputs))
    return np.asarray(model.predict_on_batch(inputs))


def evaluate_copy(model, lengths=range(1, 21), sequences_per_length=32, seed=1):
    """Bit errors per sequence of `model` at every length.

    Args:
        model: A model in the copy format (e.g. `NTMCopy`).
        lengths: Iterable of sequence lengths `L`. Default: 1 to 20.
        sequences_per_length: Positive integer. Default: `32`.
        seed: Seed of the evaluation sequences (training uses others).

    Returns:
        `{L: bit errors per sequence}` as Python floats.
    """
    sequences_per_length = validation.check_positive_int(
        "sequences_per_length", sequences_per_length
    )
    errors = {}
    for length in lengths:
        inputs, targets, weights = algorithmic.copy_task(
            sequences_per_length, length, length, seed=(seed, length)
        )
        predictions = _predict_batch(model, inputs)
        errors[int(length)] = algorithmic.bit_errors_per_sequence(
            targets, predictions, weights
        )
    return errors
