"""Digit reversal and digit sorting: length generalisation for seq2seq.

Strings of random digits, to be written back reversed (`digit_reversal`) or
sorted (`digit_sorting`). An encoder that squeezes the source into one
fixed-size vector must hold every digit in it, which fails beyond the
lengths it was trained on; an attention decoder reads the digit it needs
from the encoder states at each step. Train on lengths 1 to 20 and test on
21 to 40 (twice the training length), as in the benchmark of issue 10.
"""

import numpy as np

from keras_memory import validation
from keras_memory.datasets import text

DIGITS = "0123456789"


def _digit_strings(num_examples, min_length, max_length, seed):
    num_examples = validation.check_positive_int("num_examples", num_examples)
    min_length, max_length = validation.check_int_range(
        "min_length", min_length, "max_length", max_length
    )
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    # Row k holds example k's length and digits: the first examples do not
    # depend on `num_examples`.
    draws = rng.random((num_examples, 1 + max_length))
    lengths = min_length + (draws[:, 0] * (max_length - min_length + 1)).astype(int)
    digits = (draws[:, 1:] * 10).astype(int)
    return ["".join(DIGITS[d] for d in row[:n]) for row, n in zip(digits, lengths)]


def digit_reversal(num_examples, min_length=1, max_length=20, seed=0):
    """Random digit strings and the same strings reversed.

    Example `k`'s length is uniform in `[min_length, max_length]` and its
    digits uniform in 0-9, drawn from row `k` of
    `rng.random((num_examples, 1 + max_length))` (so the first examples do
    not depend on `num_examples`).

    Args:
        num_examples: Positive integer.
        min_length: Positive integer, the shortest string. Default: `1`.
        max_length: Integer >= `min_length`. Default: `20` (test with
            `min_length=21, max_length=40`).
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(sources, targets)`: two lists of strings.

    Example:

    >>> sources, targets = digit_reversal(2, 3, 5, seed=0)
    >>> all(t == s[::-1] for s, t in zip(sources, targets))
    True
    """
    sources = _digit_strings(num_examples, min_length, max_length, seed)
    return sources, [s[::-1] for s in sources]


def digit_sorting(num_examples, min_length=1, max_length=20, seed=0):
    """Random digit strings and their digits in increasing order.

    The sources are those of `digit_reversal` with the same arguments.

    Returns:
        `(sources, targets)`: two lists of strings.

    Example:

    >>> digit_sorting(1, 4, 4, seed=0)[1][0] == "".join(
    ...     sorted(digit_sorting(1, 4, 4, seed=0)[0][0]))
    True
    """
    sources = _digit_strings(num_examples, min_length, max_length, seed)
    return sources, ["".join(sorted(s)) for s in sources]


def digit_vocabulary():
    """The `CharacterVocabulary` of the digits (ids 4 to 13 for 0 to 9)."""
    return text.CharacterVocabulary(list(DIGITS))
