"""The parity and addition tasks of Adaptive Computation Time (Graves 2016).

Both are seeded: the same arguments give the same arrays, and each stream
draws batch `i` with the seed `(seed, i)`.

Parity (section 3.1): one input step, a vector of `bits` entries of which a
random number from 1 to `bits` are set at random to +1 or -1 and the rest to
0; the target is 1 when the number of +1 entries is odd. A network that
reads the vector once must compute the parity in one step; ACT lets it
ponder, and its ponder time grows with the number of non-zero entries.

Addition (section 3.3): a sequence of 1 to `max_numbers` numbers of 1 to
`digits` decimal digits, each number one input step of `digits` one-hot
digit vectors (zeros where a shorter number has no digit). From the second
step on, the target is the running sum so far as `digits + 1` digit
classes, class 10 standing for "no digit" past the sum's last digit. Digit
positions go from the least significant: position `i` holds the digit of
`10^i`, in the inputs and the targets.
"""

import numpy as np

from keras_memory import validation

NO_DIGIT = 10  # the target class of a position past the sum's last digit
DIGIT_CLASSES = 11  # the ten digits and NO_DIGIT


def parity(num_samples, bits=64, seed=0):
    """Samples of the parity task.

    Args:
        num_samples: Positive integer, number of vectors.
        bits: Positive integer, the size of each vector. Default: `64`, the
            paper's.
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(inputs, targets)`: float32 arrays `(num_samples, 1, bits)` (one
        time step of entries in {-1, 0, 1}) and `(num_samples, 1)` (1.0
        where the number of +1 entries is odd).

    Example:

    >>> from keras_memory.datasets import parity
    >>> x, y = parity(3, bits=8, seed=1)
    >>> x.shape, y.shape
    ((3, 1, 8), (3, 1))
    """
    num_samples = validation.check_positive_int("num_samples", num_samples)
    bits = validation.check_positive_int("bits", bits)
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    nonzero = rng.integers(1, bits + 1, num_samples)  # how many entries are set
    # A random subset of `nonzero[i]` positions of row i: the ranks of
    # uniform draws below that count.
    ranks = np.argsort(np.argsort(rng.random((num_samples, bits)), axis=1), axis=1)
    chosen = ranks < nonzero[:, None]
    signs = rng.choice([-1.0, 1.0], (num_samples, bits))
    vectors = np.where(chosen, signs, 0.0)
    targets = (np.sum(vectors > 0, axis=1) % 2).astype("float32")
    return vectors[:, None, :].astype("float32"), targets[:, None]


def _digits_of(values, positions):
    """`(n, positions)` digits of `values`, least significant first."""
    powers = 10 ** np.arange(positions, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def addition(num_samples, max_numbers=5, digits=5, seed=0):
    """Samples of the addition task.

    Args:
        num_samples: Positive integer, number of sequences.
        max_numbers: Positive integer, the most numbers (steps) in a
            sequence; each sequence has 1 to `max_numbers`. Default: `5`,
            the paper's.
        digits: Positive integer, the most decimal digits of a number;
            each number has 1 to `digits`. Default: `5`, the paper's.
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(inputs, targets, sample_weights)`: float32 inputs `(num_samples,
        max_numbers, digits * 10)`, all zero at padded steps (so that
        `keras.layers.Masking(0.0)` masks them); int32 targets
        `(num_samples, max_numbers, digits + 1)`, the running sum's digit
        classes (0 to 9, or `NO_DIGIT`); float32 sample weights
        `(num_samples, max_numbers)`, 1 at the steps that have a target
        (the second and later numbers of a sequence), 0 elsewhere.

    Example:

    >>> from keras_memory.datasets import addition
    >>> x, y, w = addition(2, max_numbers=3, digits=2, seed=1)
    >>> x.shape, y.shape, w.shape
    ((2, 3, 20), (2, 3, 3), (2, 3))
    """
    num_samples = validation.check_positive_int("num_samples", num_samples)
    max_numbers = validation.check_positive_int("max_numbers", max_numbers)
    digits = validation.check_positive_int("digits", digits)
    if digits > 17:
        # Sums of up to max_numbers numbers below 10^digits stay exact in int64.
        raise validation.invalid_argument("digits", "an integer from 1 to 17", digits)
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    lengths = rng.integers(1, max_numbers + 1, num_samples)
    sizes = rng.integers(1, digits + 1, (num_samples, max_numbers))  # digits per number
    # Uniform over the numbers of exactly `size` digits (1..9 for one digit, as
    # 0 has one digit too: 0..9).
    low = np.where(sizes == 1, 0, 10 ** (sizes - 1))
    high = 10**sizes
    numbers = (low + rng.random((num_samples, max_numbers)) * (high - low)).astype(np.int64)
    steps = np.arange(max_numbers)[None, :]
    present = steps < lengths[:, None]
    numbers = np.where(present, numbers, 0)

    number_digits = _digits_of(numbers.reshape(-1), digits).reshape(
        num_samples, max_numbers, digits
    )
    has_digit = np.arange(digits)[None, None, :] < sizes[:, :, None]
    one_hot = np.eye(10, dtype="float32")[number_digits]
    one_hot *= (has_digit & present[:, :, None])[..., None]
    inputs = one_hot.reshape(num_samples, max_numbers, digits * 10)

    sums = np.cumsum(numbers, axis=1)
    positions = digits + 1
    sum_digits = _digits_of(sums.reshape(-1), positions).reshape(
        num_samples, max_numbers, positions
    )
    # The sum's length in digits (0 has one digit).
    length = np.maximum(1, np.floor(np.log10(np.maximum(sums, 1))).astype(int) + 1)
    past_end = np.arange(positions)[None, None, :] >= length[:, :, None]
    targets = np.where(past_end, NO_DIGIT, sum_digits).astype("int32")
    weights = (present & (steps >= 1)).astype("float32")
    return inputs, targets, weights


def _stream(make_batch, signature):
    import tensorflow as tf

    def batches():
        index = 0
        while True:
            yield make_batch(index)
            index += 1

    return tf.data.Dataset.from_generator(batches, output_signature=signature)


def parity_dataset(batch_size, bits=64, seed=0):
    """An endless, seeded `tf.data.Dataset` of parity batches.

    Returns:
        A `tf.data.Dataset` of `(inputs (batch_size, 1, bits), targets
        (batch_size, 1))`; batch `i` is `parity(batch_size, bits, (seed, i))`.
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    parity(1, bits, seed)  # validates `bits` and `seed` up front
    return _stream(
        lambda index: parity(batch_size, bits, seed=(seed, index)),
        (
            tf.TensorSpec((batch_size, 1, bits), tf.float32),
            tf.TensorSpec((batch_size, 1), tf.float32),
        ),
    )


def addition_dataset(batch_size, max_numbers=5, digits=5, seed=0):
    """An endless, seeded `tf.data.Dataset` of addition batches.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` shaped as
        `addition` returns them, with `batch_size` sequences; batch `i` is
        `addition(batch_size, max_numbers, digits, (seed, i))`, ready for
        `model.fit`.
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    addition(1, max_numbers, digits, seed)  # validates the arguments up front
    return _stream(
        lambda index: addition(batch_size, max_numbers, digits, seed=(seed, index)),
        (
            tf.TensorSpec((batch_size, max_numbers, digits * 10), tf.float32),
            tf.TensorSpec((batch_size, max_numbers, digits + 1), tf.int32),
            tf.TensorSpec((batch_size, max_numbers), tf.float32),
        ),
    )
