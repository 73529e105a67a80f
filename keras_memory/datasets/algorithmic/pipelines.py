"""Endless, seeded `tf.data` pipelines of the algorithmic tasks.

`copy_dataset`, `repeat_copy_dataset`, `associative_recall_dataset` and
`priority_sort_dataset`: batch `i` is the task generator's batch for seed
`(seed, i)`, with an optional curriculum (`Curriculum`) that raises the
task's size as training goes on. `start` begins a stream at batch `start`
(a run resumed from a backup goes on with the batches it had not seen).
`buckets` pads every batch at its end to one of a few step counts
(`step_buckets`, `pad_to_bucket`), so that an XLA-compiled training step
compiles once per bucket instead of once per sequence length.
"""

import numpy as np

from keras_memory import validation
from keras_memory.datasets.algorithmic.tasks import ASSOCIATIVE_RECALL_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import COPY_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import PRIORITY_SORT_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import REPEAT_COPY_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import associative_recall_task
from keras_memory.datasets.algorithmic.tasks import copy_task
from keras_memory.datasets.algorithmic.tasks import priority_sort_task
from keras_memory.datasets.algorithmic.tasks import repeat_copy_task

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
        self.start, self.stop = validation.check_int_range("start", start, "stop", stop)
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


def _batch_seed(seed, index):
    """The seed of batch `index` of a stream seeded with `seed`."""
    return (*seed, index) if isinstance(seed, tuple) else (seed, index)


def _current_maximum(curriculum, batch_index, low, high):
    """The curriculum's value at `batch_index`, clamped to `[low, high]`."""
    if curriculum is None:
        return high
    value = curriculum(batch_index)
    if not validation.is_integer(value):
        raise ValueError(
            "The curriculum must return an integer, got "
            f"{value!r} at batch {batch_index}."
        )
    return min(high, max(low, int(value)))


# === Length buckets ===


def step_buckets(max_steps, count):
    """`count` step counts spaced evenly up to `max_steps`: the buckets.

    Bucket `k` (from 1) holds `ceil(k * max_steps / count)` steps, so the
    last bucket is `max_steps` and no batch of the task is longer. Repeated
    values (when `count > max_steps`) are dropped.

    Example:

    >>> step_buckets(41, 4)  # the copy task's lengths 1 to 20
    (11, 21, 31, 41)
    """
    max_steps = validation.check_positive_int("max_steps", max_steps)
    count = validation.check_positive_int("count", count)
    return tuple(sorted({-(-k * max_steps // count) for k in range(1, count + 1)}))


def _check_buckets(buckets, max_steps):
    """`None`, or `buckets` as a sorted tuple whose last entry holds `max_steps`."""
    if buckets is None:
        return None
    given = buckets
    buckets = tuple(sorted(set(validation.check_positive_int_list("buckets", buckets))))
    if buckets[-1] < max_steps:
        raise validation.invalid_argument(
            "buckets",
            f"step counts whose largest is at least the task's longest batch "
            f"({max_steps} steps)",
            given,
        )
    return buckets


def pad_to_bucket(inputs, targets, sample_weights, buckets):
    """Pads a batch at its end to the smallest bucket that holds it.

    The added steps have all-zero inputs and targets and sample weight 0.
    They come after the answer, so a causal model (any RNN running
    forwards) computes the same outputs on the real steps; a loss reduced
    over the sample weights (`reduction="mean_with_sample_weight"`, as
    `compile_for_copy` does) and `BitErrorsPerSequence` are those of the
    unpadded batch.

    Args:
        inputs, targets, sample_weights: A task generator's arrays,
            `(B, T, ...)`, `(B, T, ...)` and `(B, T)`.
        buckets: Sorted step counts (`step_buckets`).

    Returns:
        The three arrays with `T_b` steps, `T_b` the smallest bucket `>= T`.

    Raises:
        ValueError: When `T` is longer than every bucket.
    """
    steps = inputs.shape[1]
    index = int(np.searchsorted(buckets, steps))
    if index == len(buckets):
        raise validation.invalid_argument(
            "buckets", f"a bucket of at least {steps} steps", tuple(buckets)
        )
    extra = buckets[index] - steps
    if extra == 0:
        return inputs, targets, sample_weights

    def pad(array):
        widths = [(0, 0), (0, extra)] + [(0, 0)] * (array.ndim - 2)
        return np.pad(array, widths)

    return pad(inputs), pad(targets), pad(sample_weights)


# === tf.data pipelines ===


def _endless_dataset(
    make_batch, batch_size, steps, input_channels, target_channels, start=0
):
    """`Dataset.from_generator` of `make_batch(start), make_batch(start + 1), ...`."""
    import tensorflow as tf

    def batches():
        index = start
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
    make_task, batch_size, low, high, seed, curriculum, steps, channels, start=0,
    buckets=None, max_steps=None,
):
    """The endless dataset of `make_task(batch_size, m_i, (seed, i))`, `i >= start`.

    `m_i` is `high`, or with a curriculum its value at batch `i` clamped to
    `[low, high]`; `channels` is `(input channels, target channels)`; with
    `buckets` every batch is padded to the smallest that holds it
    (`max_steps`, the task's longest batch, checks them up front).
    """
    buckets = _check_buckets(buckets, max_steps)
    if buckets is not None and len(buckets) == 1:
        steps = buckets[0]
    seed = validation.check_seed(seed, allow_tuple=True)
    if curriculum is not None and not callable(curriculum):
        raise validation.invalid_argument(
            "curriculum",
            "`None`, a `Curriculum` or a callable of the batch index",
            curriculum,
        )
    start = validation.check_int_at_least("start", start, 0)
    _current_maximum(curriculum, start, low, high)

    def make_batch(index):
        current = _current_maximum(curriculum, index, low, high)
        batch = make_task(batch_size, current, _batch_seed(seed, index))
        return batch if buckets is None else pad_to_bucket(*batch, buckets)

    return _endless_dataset(make_batch, batch_size, steps, *channels, start=start)


def copy_dataset(
    batch_size, min_length=1, max_length=20, seed=0, curriculum=None, start=0,
    buckets=None,
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
        start: Non-negative integer, the index of the first batch: the
            stream is batches `start, start + 1, ...` of the full stream.
            Default: `0`.
        buckets: `None`, or step counts (`step_buckets`): every batch is
            padded at its end (`pad_to_bucket`) to the smallest of them that
            holds it, so that an XLA-compiled step compiles once per bucket
            rather than once per length. The largest must hold the task's
            longest batch (`2 * max_length + 1` steps).
            Default: `None`, no padding.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps (or `buckets` has one entry).
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
        start=start,
        buckets=buckets,
        max_steps=2 * max_length + 1,
    )


def repeat_copy_dataset(
    batch_size,
    min_length=1,
    max_length=10,
    min_repeats=1,
    max_repeats=10,
    seed=0,
    curriculum=None,
    start=0,
    buckets=None,
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
        start: Non-negative integer, the index of the first batch: the
            stream is batches `start, start + 1, ...` of the full stream.
            Default: `0`.
        buckets: `None`, or step counts (`step_buckets`): every batch is
            padded at its end (`pad_to_bucket`) to the smallest of them that
            holds it, so that an XLA-compiled step compiles once per bucket
            rather than once per length. The largest must hold the task's
            longest batch (`max_length + 1 + max_repeats * max_length + 1` steps).
            Default: `None`, no padding.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps (or `buckets` has one entry).
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
        start=start,
        buckets=buckets,
        max_steps=max_length + 1 + max_repeats * max_length + 1,
    )


def associative_recall_dataset(
    batch_size, min_items=2, max_items=6, seed=0, curriculum=None, start=0,
    buckets=None,
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
        start: Non-negative integer, the index of the first batch: the
            stream is batches `start, start + 1, ...` of the full stream.
            Default: `0`.
        buckets: `None`, or step counts (`step_buckets`): every batch is
            padded at its end (`pad_to_bucket`) to the smallest of them that
            holds it, so that an XLA-compiled step compiles once per bucket
            rather than once per length. The largest must hold the task's
            longest batch (`4 * max_items + 8` steps).
            Default: `None`, no padding.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps (or `buckets` has one entry).
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
        start=start,
        buckets=buckets,
        max_steps=4 * max_items + 8,
    )


def priority_sort_dataset(
    batch_size, num_items=20, num_sorted=16, seed=0, curriculum=None, start=0,
    buckets=None,
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
        start: Non-negative integer, the index of the first batch: the
            stream is batches `start, start + 1, ...` of the full stream.
            Default: `0`.
        buckets: `None`, or step counts (`step_buckets`): every batch is
            padded at its end (`pad_to_bucket`) to the smallest of them that
            holds it, so that an XLA-compiled step compiles once per bucket
            rather than once per length. The largest must hold the task's
            longest batch (`num_items + 1 + num_sorted` steps).
            Default: `None`, no padding.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)` batches,
        which `model.fit` reads as `(x, y, sample_weight)`. The time
        dimension of its `element_spec` is `None` unless every batch has
        the same number of steps (or `buckets` has one entry).
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
        start=start,
        buckets=buckets,
        max_steps=num_items + 1 + num_sorted,
    )
