"""The Neural Turing Machine's algorithmic tasks (Graves et al., 2014).

Four generated tasks of section 4 of the paper, all on random binary
vectors: copy, repeat copy, associative recall and priority sort. Each task
has

- a NumPy generator (`copy_task`, ...) returning float32
  `(inputs, targets, sample_weights)`, deterministic given its seed;
- an endless, seeded `tf.data` pipeline (`copy_dataset`, ...) whose batch
  `i` is the generator's batch for seed `(seed, i)`, with an optional
  curriculum (`Curriculum`) that raises the task's size as training goes on.

Every sequence is laid out in time as "present, then answer": the inputs
carry the data and the delimiters, then all-zero steps during which the
model answers; the targets are zero except on the answer steps, and
`sample_weights` `(batch, steps)` is 1 exactly on the steps that are scored
(the answer steps) and 0 elsewhere. All sequences of one batch share the
same sizes (one sequence length `L` per batch, one number of repeats, one
number of items), drawn anew for every batch, so a batch needs no padding
and every example has the exact layout; the paper trains with one sequence
per update, which is the same thing with `batch_size=1`.

The cost reported in the paper is the number of wrongly predicted bits per
sequence: `bit_errors_per_sequence` (NumPy) and `BitErrorsPerSequence`
(a `keras.metrics.Metric`).

Exact channel layouts, by task, are in the docstrings below and on the docs
page `docs/datasets/algorithmic.md`.

Reference:
    A. Graves, G. Wayne, I. Danihelka. *Neural Turing Machines.*
    arXiv:1410.5401, 2014.
"""

import math
import numbers

import keras
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


# === Argument checks ===


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_seed(seed):
    """A non-negative integer, or a non-empty tuple of them (NumPy's rule)."""
    if _is_integer(seed) and seed >= 0:
        return int(seed)
    if isinstance(seed, (tuple, list)) and seed:
        if all(_is_integer(s) and s >= 0 for s in seed):
            return tuple(int(s) for s in seed)
    raise validation.invalid_argument(
        "seed", "a non-negative integer or a tuple of them", seed
    )


def _check_range(min_name, min_value, max_name, max_value, lowest=1):
    """Checks `lowest <= min_value <= max_value`, both integers."""
    if not _is_integer(min_value) or min_value < lowest:
        expected = (
            "a positive integer" if lowest == 1 else f"an integer >= {lowest}"
        )
        raise validation.invalid_argument(min_name, expected, min_value)
    if not _is_integer(max_value) or max_value < min_value:
        raise validation.invalid_argument(
            max_name, f"an integer >= `{min_name}` ({min_value})", max_value
        )
    return int(min_value), int(max_value)


def _check_threshold(threshold):
    if (
        not isinstance(threshold, numbers.Real)
        or isinstance(threshold, bool)
        or not math.isfinite(threshold)
    ):
        raise validation.invalid_argument(
            "threshold", "a finite number", threshold
        )
    return float(threshold)


def _check_curriculum(curriculum):
    if curriculum is not None and not callable(curriculum):
        raise validation.invalid_argument(
            "curriculum",
            "`None`, a `Curriculum` or a callable of the batch index",
            curriculum,
        )
    return curriculum


def _batch_seed(seed, index):
    """The seed of batch `index` of a stream seeded with `seed`."""
    return (*seed, index) if isinstance(seed, tuple) else (seed, index)


def _current_maximum(curriculum, batch_index, low, high):
    """The curriculum's value at `batch_index`, clamped to `[low, high]`."""
    if curriculum is None:
        return high
    value = curriculum(batch_index)
    if not _is_integer(value):
        raise ValueError(
            "The curriculum must return an integer, got "
            f"{value!r} at batch {batch_index}."
        )
    return min(high, max(low, int(value)))


# === Curriculum ===


class Curriculum:
    """A step schedule that raises a task's maximum size during training.

    At batch `i` (counted from 0) the value is

        `min(stop, start + step * (i // every))`,

    that is `start` for the first `every` batches, then `step` more every
    `every` batches, until `stop`. The `*_dataset` functions call the
    curriculum with each batch's index and use its value as the current
    upper bound of the size they draw (the sequence length for copy and
    repeat copy, the number of items for associative recall and priority
    sort), clamped to the task's own range. Batch `i` then holds sizes
    drawn uniformly from `[min, value(i)]`.

    The schedule depends on the batch index only, not on training progress,
    so the stream stays exactly repeatable for a seed. The batches are made
    in Python by the pipeline's generator and their time dimension is
    `None` in the dataset's `element_spec`: a `tf.function` (and so
    `model.fit`) that consumes the dataset is traced once, whatever the
    lengths. Any callable of the batch index that returns an integer can be
    used instead, for example one that reads a `tf.Variable` or a Python
    attribute that a callback raises when the training cost is low (an
    adaptive curriculum); it is read when the batch is generated, which a
    prefetching pipeline does a few batches ahead.

    Args:
        start: Positive integer, the value for the first `every` batches.
            Default: `2`.
        stop: Integer >= `start`, the final value. Default: `20`, the copy
            task's longest training sequence.
        step: Positive integer, the increase. Default: `1`.
        every: Positive integer, the number of batches between increases.
            Default: `1000`.

    Example:

    >>> curriculum = Curriculum(start=2, stop=5, step=1, every=10)
    >>> [curriculum(i) for i in (0, 9, 10, 25, 1000)]
    [2, 2, 3, 4, 5]
    """

    def __init__(self, start=2, stop=20, step=1, every=1000):
        self.start, self.stop = _check_range("start", start, "stop", stop)
        self.step = validation.check_positive_int("step", step)
        self.every = validation.check_positive_int("every", every)

    def __call__(self, batch_index):
        increases = int(batch_index) // self.every
        return min(self.stop, self.start + self.step * increases)

    def get_config(self):
        return {
            "start": self.start,
            "stop": self.stop,
            "step": self.step,
            "every": self.every,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"Curriculum({arguments})"


# === Generators ===


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
    min_length, max_length = _check_range(
        "min_length", min_length, "max_length", max_length
    )
    rng = np.random.default_rng(_check_seed(seed))
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
    return (np.asarray(num_repeats, "float64") - REPEATS_MEAN) / REPEATS_STD


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
    min_length, max_length = _check_range(
        "min_length", min_length, "max_length", max_length
    )
    min_repeats, max_repeats = _check_range(
        "min_repeats", min_repeats, "max_repeats", max_repeats
    )
    rng = np.random.default_rng(_check_seed(seed))
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
    min_items, max_items = _check_range(
        "min_items", min_items, "max_items", max_items, lowest=2
    )
    if max_items > ASSOCIATIVE_RECALL_MAX_ITEMS:
        raise validation.invalid_argument(
            "max_items",
            f"an integer <= {ASSOCIATIVE_RECALL_MAX_ITEMS}, the number of "
            "distinct items",
            max_items,
        )
    rng = np.random.default_rng(_check_seed(seed))
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
    if not _is_integer(num_sorted) or not 1 <= num_sorted <= num_items:
        raise validation.invalid_argument(
            "num_sorted",
            f"a positive integer <= `num_items` ({num_items})",
            num_sorted,
        )
    rng = np.random.default_rng(_check_seed(seed))
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


# === tf.data pipelines ===


def _endless_dataset(
    make_batch, batch_size, steps, input_channels, target_channels
):
    """`Dataset.from_generator` of `make_batch(0), make_batch(1), ...`."""
    import tensorflow as tf

    def batches():
        index = 0
        while True:
            yield make_batch(index)
            index += 1

    return tf.data.Dataset.from_generator(
        batches,
        output_signature=(
            tf.TensorSpec((batch_size, steps, input_channels), tf.float32),
            tf.TensorSpec((batch_size, steps, target_channels), tf.float32),
            tf.TensorSpec((batch_size, steps), tf.float32),
        ),
    )


def _curriculum_dataset(
    make_task, batch_size, low, high, seed, curriculum, steps, channels
):
    """The endless dataset of `make_task(batch_size, m_i, (seed, i))`.

    `m_i` is `high`, or with a curriculum its value at batch `i` clamped to
    `[low, high]`; `channels` is `(input channels, target channels)`.
    """
    seed = _check_seed(seed)
    curriculum = _check_curriculum(curriculum)
    _current_maximum(curriculum, 0, low, high)

    def make_batch(index):
        current = _current_maximum(curriculum, index, low, high)
        return make_task(batch_size, current, _batch_seed(seed, index))

    return _endless_dataset(make_batch, batch_size, steps, *channels)


def copy_dataset(
    batch_size, min_length=1, max_length=20, seed=0, curriculum=None
):
    """An endless, seeded `tf.data.Dataset` of copy-task batches.

    Batch `i` is `copy_task(batch_size, min_length, m_i, seed=(seed, i))`,
    where `m_i` is `max_length`, or with a curriculum its value at batch `i`
    clamped to `[min_length, max_length]`; the stream repeats exactly for
    the same arguments.

    Args:
        batch_size, min_length, max_length, seed: As in `copy_task`.
        curriculum: `None`, a `Curriculum`, or a callable of the batch index
            returning an integer: the current maximum length. Default:
            `None`, lengths from the whole range from the first batch.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps.
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    copy_task(1, min_length, max_length, seed)  # validates the rest up front
    steps = 2 * max_length + 1 if min_length == max_length else None
    return _curriculum_dataset(
        lambda size, length, batch_seed: copy_task(
            size, min_length, length, batch_seed
        ),
        batch_size, min_length, max_length, seed, curriculum, steps,
        (COPY_NUM_BITS + 1, COPY_NUM_BITS),
    )


def repeat_copy_dataset(
    batch_size,
    min_length=1,
    max_length=10,
    min_repeats=1,
    max_repeats=10,
    seed=0,
    curriculum=None,
):
    """An endless, seeded `tf.data.Dataset` of repeat-copy batches.

    Batch `i` is `repeat_copy_task(batch_size, min_length, m_i, min_repeats,
    max_repeats, seed=(seed, i))`, where `m_i` is `max_length`, or with a
    curriculum its value at batch `i` clamped to `[min_length, max_length]`:
    the curriculum raises the sequence length, the range of repeats stays.

    Args:
        batch_size, min_length, max_length, min_repeats, max_repeats, seed:
            As in `repeat_copy_task`.
        curriculum: `None`, a `Curriculum`, or a callable of the batch index
            returning an integer: the current maximum length. Default:
            `None`.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps.
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    repeat_copy_task(1, min_length, max_length, min_repeats, max_repeats, seed)
    fixed = min_length == max_length and min_repeats == max_repeats
    steps = max_length + 1 + max_repeats * max_length + 1 if fixed else None
    return _curriculum_dataset(
        lambda size, length, batch_seed: repeat_copy_task(
            size, min_length, length, min_repeats, max_repeats, batch_seed
        ),
        batch_size, min_length, max_length, seed, curriculum, steps,
        (REPEAT_COPY_NUM_BITS + 2, REPEAT_COPY_NUM_BITS + 1),
    )


def associative_recall_dataset(
    batch_size, min_items=2, max_items=6, seed=0, curriculum=None
):
    """An endless, seeded `tf.data.Dataset` of associative-recall batches.

    Batch `i` is `associative_recall_task(batch_size, min_items, m_i,
    seed=(seed, i))`, where `m_i` is `max_items`, or with a curriculum its
    value at batch `i` clamped to `[min_items, max_items]`.

    Args:
        batch_size, min_items, max_items, seed: As in
            `associative_recall_task`.
        curriculum: `None`, a `Curriculum`, or a callable of the batch index
            returning an integer: the current maximum number of items.
            Default: `None`.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps.
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    associative_recall_task(1, min_items, max_items, seed)
    steps = 4 * max_items + 8 if min_items == max_items else None
    return _curriculum_dataset(
        lambda size, items, batch_seed: associative_recall_task(
            size, min_items, items, batch_seed
        ),
        batch_size, min_items, max_items, seed, curriculum, steps,
        (ASSOCIATIVE_RECALL_NUM_BITS + 2, ASSOCIATIVE_RECALL_NUM_BITS),
    )


def priority_sort_dataset(
    batch_size, num_items=20, num_sorted=16, seed=0, curriculum=None
):
    """An endless, seeded `tf.data.Dataset` of priority-sort batches.

    Batch `i` is `priority_sort_task(batch_size, n_i, min(num_sorted, n_i),
    seed=(seed, i))`, where `n_i` is `num_items`, or with a curriculum its
    value at batch `i` clamped to `[1, num_items]`: with few items the model
    sorts them all, and from `num_sorted` items on it keeps the
    `num_sorted` highest.

    Args:
        batch_size, num_items, num_sorted, seed: As in
            `priority_sort_task`.
        curriculum: `None`, a `Curriculum`, or a callable of the batch index
            returning an integer: the current number of items. Default:
            `None`, always `num_items` (fixed-shape batches).

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps.
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    priority_sort_task(1, num_items, num_sorted, seed)
    steps = num_items + 1 + num_sorted if curriculum is None else None
    return _curriculum_dataset(
        lambda size, items, batch_seed: priority_sort_task(
            size, items, min(num_sorted, items), batch_seed
        ),
        batch_size, 1, num_items, seed, curriculum, steps,
        (PRIORITY_SORT_NUM_BITS + 2, PRIORITY_SORT_NUM_BITS),
    )


# === Metric ===


def _per_step_weights(sample_weights, rank):
    """Brings `(B,)`, `(B, T)` or `(B, T, 1)` weights to `(B, T)` shape."""
    if sample_weights.ndim == rank + 1 and sample_weights.shape[-1] == 1:
        return sample_weights[..., 0]
    return sample_weights.reshape(
        sample_weights.shape + (1,) * (rank - sample_weights.ndim)
    )


def bit_errors_per_sequence(
    targets, predictions, sample_weights=None, threshold=0.5
):
    """The paper's cost per sequence, in bits.

    Predictions above `threshold` count as 1, the others as 0; every bit
    (channel) of a scored step that differs from the target is an error,
    weighted by the step's sample weight; the sum is divided by the number
    of sequences `B`:

        `sum_{b,t,c} w_{b,t} [(p_{b,t,c} > threshold) != (y_{b,t,c} > 0.5)] / B`

    Args:
        targets: Array `(B, T, C)` of 0/1 targets.
        predictions: Array `(B, T, C)` of predicted probabilities (or
            logits, with `threshold=0`).
        sample_weights: Array `(B, T)` (or `(B,)`, `(B, T, 1)`), 1 on the
            scored steps, as the task generators return. Default: `None`,
            every step scored.
        threshold: The decision threshold. Default: `0.5`; a prediction of
            exactly 0.5 counts as 0.

    Returns:
        A Python float, the mean number of wrong bits per sequence.

    Example:

    >>> targets = np.zeros((2, 3, 4))
    >>> predictions = np.zeros((2, 3, 4))
    >>> predictions[0, 2, :3] = 0.9  # 3 wrong bits in the first sequence
    >>> bit_errors_per_sequence(targets, predictions, np.ones((2, 3)))
    1.5
    """
    threshold = _check_threshold(threshold)
    targets = np.asarray(targets)
    predictions = np.asarray(predictions)
    if targets.shape != predictions.shape or targets.ndim < 2:
        raise ValueError(
            "`targets` and `predictions` must have the same shape "
            f"(batch, steps, channels), got {targets.shape} and "
            f"{predictions.shape}."
        )
    wrong = (predictions > threshold) != (targets > 0.5)
    per_step = wrong.sum(axis=-1).astype("float64")
    if sample_weights is not None:
        weights = np.asarray(sample_weights, "float64")
        per_step = per_step * _per_step_weights(weights, per_step.ndim)
    return float(per_step.sum() / targets.shape[0])


@keras.saving.register_keras_serializable(package="keras_memory")
class BitErrorsPerSequence(keras.metrics.Metric):
    """The paper's cost per sequence, in bits, as a Keras metric.

    Accumulates `bit_errors_per_sequence` over batches: the weighted count
    of wrong bits (predictions thresholded at `threshold`) divided by the
    number of sequences seen.

    Keras passes sample weights only to `weighted_metrics`: compile with
    `weighted_metrics=[BitErrorsPerSequence()]` and feed the task's
    `sample_weights` (the `*_dataset` pipelines do) so that only the answer
    steps are scored. Under `metrics=[...]` the metric receives no weights
    and counts errors on every step.

    Args:
        threshold: Number, the decision threshold on the predictions.
            Default: `0.5` (probabilities); use `0.0` for logits.
        name: String name of the metric. Default: `"bit_errors_per_sequence"`.
        dtype: Dtype of the accumulators and the result. Default: `None`,
            `keras.config.floatx()`.

    Example:

    >>> metric = BitErrorsPerSequence()
    >>> targets = np.zeros((2, 3, 4), "float32")
    >>> predictions = np.zeros((2, 3, 4), "float32")
    >>> predictions[0, 2, :3] = 0.9
    >>> metric.update_state(targets, predictions, np.ones((2, 3), "float32"))
    >>> float(metric.result())
    1.5
    """

    def __init__(
        self, threshold=0.5, name="bit_errors_per_sequence", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self.threshold = _check_threshold(threshold)
        self.bit_errors = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="bit_errors"
        )
        self.num_sequences = self.add_variable(
            shape=(),
            initializer="zeros",
            dtype=self.dtype,
            name="num_sequences",
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        ops = keras.ops
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        wrong = ops.not_equal(
            ops.greater(y_pred, ops.cast(self.threshold, y_pred.dtype)),
            ops.greater(y_true, ops.cast(0.5, y_true.dtype)),
        )
        per_step = ops.sum(ops.cast(wrong, self.dtype), axis=-1)
        if sample_weight is not None:
            weights = ops.cast(sample_weight, self.dtype)
            rank, per_step_rank = len(weights.shape), len(per_step.shape)
            if rank == per_step_rank + 1:
                weights = ops.squeeze(weights, axis=-1)
            for _ in range(per_step_rank - rank):
                weights = ops.expand_dims(weights, axis=-1)
            per_step = per_step * weights
        self.bit_errors.assign_add(ops.sum(per_step))
        batch_size = ops.shape(y_true)[0]
        self.num_sequences.assign_add(ops.cast(batch_size, self.dtype))

    def result(self):
        return keras.ops.divide_no_nan(self.bit_errors, self.num_sequences)

    def get_config(self):
        base_config = super().get_config()
        config = {"threshold": self.threshold}
        return {**base_config, **config}
