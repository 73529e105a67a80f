"""Bit errors of copy models at every sequence length."""

import numpy as np

from keras_memory import validation
from keras_memory.datasets import algorithmic


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
        # A compiled forward pass: an eager call of the RNN is many times
        # slower (one traced function per length, reused across calls).
        predictions = np.asarray(model.predict_on_batch(inputs))
        errors[int(length)] = algorithmic.bit_errors_per_sequence(
            targets, predictions, weights
        )
    return errors
