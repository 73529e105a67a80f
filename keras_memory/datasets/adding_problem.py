"""The adding problem (Hochreiter and Schmidhuber 1997), as in Skip RNN.

Each step carries two features: a value drawn from U(-0.5, 0.5) and a marker.
Exactly two steps are marked: one among the first 10 % of the sequence and
one in its second half (Campos et al. 2018, section 4.1). The target is the
sum of the two marked values, so the target variance is 2/12 = 1/6, and a
model "solves" the task when its MSE falls below 1/100 of that.
"""

import numpy as np

from keras_memory import validation

TARGET_VARIANCE = 1.0 / 6.0


def adding_problem(num_samples, length=50, seed=0):
    """Samples of the adding problem.

    Args:
        num_samples: Positive integer, number of sequences.
        length: Integer >= 4, steps per sequence. Default: 50, the paper's.
        seed: Non-negative integer (or tuple of them); the same seed gives
            the same samples. Default: `0`.

    Returns:
        `(inputs, targets)`: float32 arrays `(num_samples, length, 2)`
        (value, marker) and `(num_samples, 1)`.
    """
    num_samples = validation.check_positive_int("num_samples", num_samples)
    length = validation.check_positive_int("length", length)
    if length < 4:
        raise validation.invalid_argument("length", "an integer >= 4", length)
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    values = rng.uniform(-0.5, 0.5, (num_samples, length))
    first = rng.integers(0, max(1, length // 10), num_samples)
    second = rng.integers(length // 2, length, num_samples)
    markers = np.zeros((num_samples, length))
    rows = np.arange(num_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    inputs = np.stack([values, markers], axis=-1).astype("float32")
    return inputs, targets[:, None].astype("float32")


def adding_problem_dataset(batch_size, length=50, seed=0):
    """An endless, seeded `tf.data.Dataset` of adding-problem batches.

    Each batch is drawn with the seed `(seed, batch index)`, so the stream
    repeats exactly for the same `seed`.

    Returns:
        A `tf.data.Dataset` of `(inputs (batch_size, length, 2),
        targets (batch_size, 1))`.
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    adding_problem(1, length, seed)  # validates `length` up front

    def batches():
        index = 0
        while True:
            yield adding_problem(batch_size, length, seed=(seed, index))
            index += 1

    return tf.data.Dataset.from_generator(
        batches,
        output_signature=(
            tf.TensorSpec((batch_size, length, 2), tf.float32),
            tf.TensorSpec((batch_size, 1), tf.float32),
        ),
    )
