"""The four generators of the Neural Turing Machine's algorithmic tasks.

Copy, repeat copy, associative recall and priority sort (Graves et al.,
2014, section 4), on random binary vectors: each NumPy generator
(`copy_task`, ...) returns float32 `(inputs, targets, sample_weights)`,
deterministic given its seed. The layouts are described in
`keras_memory.datasets.algorithmic` and in each generator's docstring.
"""

import math

import numpy as np

from keras_memory import validation

# Bits per vector, as in the paper: 8-bit vectors for copy, repeat copy and
# priority sort, 6-bit vectors (three per item) for associative recall.
COPY_NUM_BITS = 8
REPEAT_COPY_NUM_BITS = 8
ASSOCIATIVE_RECALL_NUM_BITS = 6
ASSOCIATIVE_RECALL_ITEM_LENGTH = 3
# The items of a sequence are distinct, so there can be at most 2**18.
ASSOCIATIVE_RECALL_MAX_ITEMS = 2 ** (
    ASSOCIATIVE_RECALL_NUM_BITS * ASSOCIATIVE_RECALL_ITEM_LENGTH
)
PRIORITY_SORT_NUM_BITS = 8

# The paper normalises the number of repeats "to have mean zero and variance
# one". The moments are those of its training distribution, uniform on
# {1, ..., 10}: mean 5.5 and variance (10**2 - 1) / 12 = 8.25. They are fixed
# constants, not recomputed from `min_repeats`/`max_repeats`, so that a model
# trained on 1 to 10 repeats reads the same encoding when tested on more.
REPEATS_MEAN = 5.5
REPEATS_STD = math.sqrt(8.25)


def _random_bits(rng, shape):
    return rng.integers(0, 2, shape).astype("float32")


def copy_task(batch_size, min_length=1, max_length=20, seed=0):
    """A batch of the copy task.

    One length `L` is drawn uniformly from `[min_length, max_length]` for
    the batch, and every sequence has `T = 2 L + 1` steps:

    | steps | inputs `(9 channels)` | targets `(8)` | sample weights |
    |---|---|---|---|
    | `0 .. L-1` | random bits `x_t` in channels 0-7, channel 8 = 0 | 0 | 0 |
    | `L` | delimiter: channel 8 = 1, channels 0-7 = 0 | 0 | 0 |
    | `L+1 .. 2L` | 0 | `x_{t-L-1}` | 1 |

    Args:
        batch_size: Positive integer, number of sequences `B`.
        min_length: Positive integer, the shortest `L`. Default: `1`.
        max_length: Integer >= `min_length`, the longest `L`. Default: `20`,
            the paper's training range.
        seed: Non-negative integer (or tuple of them); the same seed gives
            the same batch. Default: `0`.

    Returns:
        `(inputs, targets, sample_weights)`: float32 arrays `(B, T, 9)`,
        `(B, T, 8)` and `(B, T)`.

    Example:

    >>> inputs, targets, weights = copy_task(2, min_length=3, max_length=3)
    >>> inputs.shape, targets.shape, weights.shape
    ((2, 7, 9), (2, 7, 8), (2, 7))
    >>> weights[0].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    min_length, max_length = validation.check_int_range(
        "min_length", min_length, "max_length", max_length
    )
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    length = int(rng.integers(min_length, max_length + 1))
    bits = _random_bits(rng, (batch_size, length, COPY_NUM_BITS))

    steps = 2 * length + 1
    inputs = np.zeros((batch_size, steps, COPY_NUM_BITS + 1), "float32")
    inputs[:, :length, :COPY_NUM_BITS] = bits
    inputs[:, length, COPY_NUM_BITS] = 1.0  # the delimiter
    targets = np.zeros((batch_size, steps, COPY_NUM_BITS), "float32")
    targets[:, length + 1 :] = bits
    sample_weights = np.zeros((batch_size, steps), "float32")
    sample_weights[:, length + 1 :] = 1.0
    return inputs, targets, sample_weights


def normalize_repeats(num_repeats):
    """The repeat-copy encoding of `R` repeats: `(R - 5.5) / sqrt(8.25)`.

    Zero mean and unit variance over the paper's training range, uniform on
    `{1, ..., 10}` (so 1 -> -1.567, 10 -> 1.567, 20 -> 5.048), as in
    Graves et al. (2014, section 4.2).
    """
    try:
        repeats = np.asarray(num_repeats, "float64")
    except (TypeError, ValueError):
        repeats = None
    if repeats is None or not np.isfinite(repeats).all():
        raise validation.invalid_argument(
            "num_repeats", "a finite number or an array of them", num_repeats
        )
    return (repeats - REPEATS_MEAN) / REPEATS_STD


def repeat_copy_task(
    batch_size,
    min_length=1,
    max_length=10,
    min_repeats=1,
    max_repeats=10,
    seed=0,
):
    """A batch of the repeat-copy task.

    One length `L` and one number of repeats `R` are drawn uniformly for
    the batch, and every sequence has `T = L + 1 + R L + 1` steps:

    | steps | inputs `(10 channels)` | targets `(9)` | sample weights |
    |---|---|---|---|
    | `0 .. L-1` | random bits in channels 0-7 | 0 | 0 |
    | `L` | delimiter: channel 8 = 1, channel 9 = `normalize_repeats(R)` | 0 | 0 |
    | `L+1 .. L+RL` | 0 | the `L` vectors, `R` times over, channels 0-7 | 1 |
    | `L+RL+1` (last) | 0 | end marker: channel 8 = 1, channels 0-7 = 0 | 1 |

    Input channels 8 and 9 are 0 everywhere but on the delimiter step;
    target channel 8 is 0 everywhere but on the last step. The model must
    count the copies it has written to emit the end marker at the right
    time.

    Args:
        batch_size: Positive integer, number of sequences `B`.
        min_length: Positive integer, the shortest `L`. Default: `1`.
        max_length: Integer >= `min_length`. Default: `10` (the paper's
            training range is 1 to 10).
        min_repeats: Positive integer, the fewest repeats `R`. Default: `1`.
        max_repeats: Integer >= `min_repeats`. Default: `10` (the paper's
            training range).
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(inputs, targets, sample_weights)`: float32 arrays `(B, T, 10)`,
        `(B, T, 9)` and `(B, T)`.

    Example:

    >>> inputs, targets, weights = repeat_copy_task(
    ...     1, min_length=2, max_length=2, min_repeats=3, max_repeats=3)
    >>> inputs.shape, targets.shape  # T = 2 + 1 + 3 * 2 + 1
    ((1, 10, 10), (1, 10, 9))
    >>> round(float(inputs[0, 2, 9]), 4)  # (3 - 5.5) / sqrt(8.25)
    -0.8704
    >>> targets[0, :, 8].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    min_length, max_length = validation.check_int_range(
        "min_length", min_length, "max_length", max_length
    )
    min_repeats, max_repeats = validation.check_int_range(
        "min_repeats", min_repeats, "max_repeats", max_repeats
    )
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    length = int(rng.integers(min_length, max_length + 1))
    repeats = int(rng.integers(min_repeats, max_repeats + 1))
    bits = _random_bits(rng, (batch_size, length, REPEAT_COPY_NUM_BITS))

    num_bits = REPEAT_COPY_NUM_BITS
    answer_start = length + 1
    steps = answer_start + repeats * length + 1
    inputs = np.zeros((batch_size, steps, num_bits + 2), "float32")
    inputs[:, :length, :num_bits] = bits
    inputs[:, length, num_bits] = 1.0  # the delimiter ...
    inputs[:, length, num_bits + 1] = normalize_repeats(repeats)  # ... and R
    targets = np.zeros((batch_size, steps, num_bits + 1), "float32")
    targets[:, answer_start:-1, :num_bits] = np.tile(bits, (1, repeats, 1))
    targets[:, -1, num_bits] = 1.0  # the end marker
    sample_weights = np.zeros((batch_size, steps), "float32")
    sample_weights[:, answer_start:] = 1.0
    return inputs, targets, sample_weights


def _distinct_items(rng, batch_size, num_items):
    """Random items `(B, n, 3, 6)`, the `n` items of every sequence distinct.

    A repeated item would make the query ambiguous. With 18 bits per item
    repeats are rare; each repeat after an item's first occurrence is drawn
    again until none is left.
    """
    item_shape = (ASSOCIATIVE_RECALL_ITEM_LENGTH, ASSOCIATIVE_RECALL_NUM_BITS)
    items = rng.integers(0, 2, (batch_size, num_items, *item_shape))
    place_values = 2 ** np.arange(np.prod(item_shape))
    while True:
        codes = items.reshape(batch_size, num_items, -1) @ place_values
        order = np.argsort(codes, axis=1, kind="stable")
        ordered = np.take_along_axis(codes, order, axis=1)
        repeat_in_order = np.zeros(ordered.shape, bool)
        repeat_in_order[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
        repeat = np.zeros(codes.shape, bool)
        np.put_along_axis(repeat, order, repeat_in_order, axis=1)
        if not repeat.any():
            return items.astype("float32")
        items[repeat] = rng.integers(0, 2, (int(repeat.sum()), *item_shape))


def associative_recall_task(batch_size, min_items=2, max_items=6, seed=0):
    """A batch of the associative-recall task.

    An item is 3 consecutive random 6-bit vectors. One number of items `n`
    is drawn uniformly from `[min_items, max_items]` for the batch; the
    items of a sequence are distinct. Each item is preceded by an item
    delimiter (channel 6); then comes a query, a copy of item `q` with `q`
    drawn uniformly from `0 .. n-2` (any item but the last), enclosed by
    query delimiters (channel 7) before and after; the model must answer
    with item `q + 1`, the one that followed the query. With `s = 4 n`, every
    sequence has `T = 4 n + 8` steps:

    | steps | inputs `(8 channels)` | targets `(6)` | sample weights |
    |---|---|---|---|
    | `4k`, `k = 0 .. n-1` | item delimiter: channel 6 = 1 | 0 | 0 |
    | `4k+1 .. 4k+3` | item `k`, channels 0-5 | 0 | 0 |
    | `s` | query delimiter: channel 7 = 1 | 0 | 0 |
    | `s+1 .. s+3` | item `q`, channels 0-5 | 0 | 0 |
    | `s+4` | query delimiter: channel 7 = 1 | 0 | 0 |
    | `s+5 .. s+7` | 0 | item `q+1` | 1 |

    Args:
        batch_size: Positive integer, number of sequences `B`.
        min_items: Integer >= 2, the fewest items `n`. Default: `2`, the
            paper's.
        max_items: Integer >= `min_items`, at most `2**18` (the number of
            distinct items). Default: `6`, the paper's.
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(inputs, targets, sample_weights)`: float32 arrays `(B, T, 8)`,
        `(B, T, 6)` and `(B, T)`.

    Example:

    >>> inputs, targets, weights = associative_recall_task(
    ...     1, min_items=2, max_items=2)
    >>> inputs.shape, targets.shape  # T = 4 * 2 + 8
    ((1, 16, 8), (1, 16, 6))
    >>> inputs[0, :, 6].nonzero()[0].tolist()  # item delimiters
    [0, 4]
    >>> inputs[0, :, 7].nonzero()[0].tolist()  # query delimiters
    [8, 12]
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    min_items, max_items = validation.check_int_range(
        "min_items", min_items, "max_items", max_items, lowest=2
    )
    if max_items > ASSOCIATIVE_RECALL_MAX_ITEMS:
        raise validation.invalid_argument(
            "max_items",
            f"an integer <= {ASSOCIATIVE_RECALL_MAX_ITEMS}, the number of "
            "distinct items",
            max_items,
        )
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    num_items = int(rng.integers(min_items, max_items + 1))
    items = _distinct_items(rng, batch_size, num_items)
    query = rng.integers(0, num_items - 1, batch_size)
    rows = np.arange(batch_size)

    num_bits = ASSOCIATIVE_RECALL_NUM_BITS
    item_length = ASSOCIATIVE_RECALL_ITEM_LENGTH
    item_delimiter, query_delimiter = num_bits, num_bits + 1
    span = item_length + 1  # a delimiter and the item's vectors
    query_start = span * num_items
    steps = query_start + (item_length + 2) + item_length
    inputs = np.zeros((batch_size, steps, num_bits + 2), "float32")
    for k in range(num_items):
        inputs[:, span * k, item_delimiter] = 1.0
        inputs[:, span * k + 1 : span * (k + 1), :num_bits] = items[:, k]
    inputs[:, query_start, query_delimiter] = 1.0
    query_end = query_start + 1 + item_length
    inputs[:, query_start + 1 : query_end, :num_bits] = items[rows, query]
    inputs[:, query_end, query_delimiter] = 1.0
    targets = np.zeros((batch_size, steps, num_bits), "float32")
    targets[:, -item_length:] = items[rows, query + 1]
    sample_weights = np.zeros((batch_size, steps), "float32")
    sample_weights[:, -item_length:] = 1.0
    return inputs, targets, sample_weights


def priority_sort_task(batch_size, num_items=20, num_sorted=16, seed=0):
    """A batch of the priority-sort task.

    `N = num_items` random 8-bit vectors, each with a scalar priority drawn
    from U(-1, 1); the model must write out the `K = num_sorted` vectors of
    highest priority, highest first. Every sequence has `T = N + 1 + K`
    steps:

    | steps | inputs `(10 channels)` | targets `(8)` | sample weights |
    |---|---|---|---|
    | `0 .. N-1` | bits in channels 0-7, priority in channel 8 | 0 | 0 |
    | `N` | delimiter: channel 9 = 1 | 0 | 0 |
    | `N+1 .. N+K` | 0 | input vector `order[t-N-1]` | 1 |

    where `order` is `argsort(-priority)` (stable; the float32 priorities
    that the inputs carry are the ones sorted, so equal priorities keep
    their input order).

    Args:
        batch_size: Positive integer, number of sequences `B`.
        num_items: Positive integer `N`. Default: `20`, the paper's.
        num_sorted: Positive integer `K <= N`. Default: `16`, the paper's.
        seed: Non-negative integer (or tuple of them). Default: `0`.

    Returns:
        `(inputs, targets, sample_weights)`: float32 arrays `(B, T, 10)`,
        `(B, T, 8)` and `(B, T)`.

    Example:

    >>> inputs, targets, weights = priority_sort_task(
    ...     1, num_items=3, num_sorted=2)
    >>> inputs.shape, targets.shape  # T = 3 + 1 + 2
    ((1, 6, 10), (1, 6, 8))
    >>> order = (-inputs[0, :3, 8]).argsort()[:2]
    >>> bool((targets[0, 4:] == inputs[0, order, :8]).all())
    True
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    num_items = validation.check_positive_int("num_items", num_items)
    if not validation.is_integer(num_sorted) or not 1 <= num_sorted <= num_items:
        raise validation.invalid_argument(
            "num_sorted",
            f"a positive integer <= `num_items` ({num_items})",
            num_sorted,
        )
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    num_bits = PRIORITY_SORT_NUM_BITS
    bits = _random_bits(rng, (batch_size, num_items, num_bits))
    priorities = rng.uniform(-1.0, 1.0, (batch_size, num_items))
    priorities = priorities.astype("float32")
    order = np.argsort(-priorities, axis=1, kind="stable")[:, :num_sorted]

    steps = num_items + 1 + num_sorted
    inputs = np.zeros((batch_size, steps, num_bits + 2), "float32")
    inputs[:, :num_items, :num_bits] = bits
    inputs[:, :num_items, num_bits] = priorities
    inputs[:, num_items, num_bits + 1] = 1.0  # the delimiter
    targets = np.zeros((batch_size, steps, num_bits), "float32")
    targets[:, num_items + 1 :] = np.take_along_axis(
        bits, order[..., None], axis=1
    )
    sample_weights = np.zeros((batch_size, steps), "float32")
    sample_weights[:, num_items + 1 :] = 1.0
    return inputs, targets, sample_weights
