"""An endless, reshuffled stream of batches of in-memory arrays.

`fit(x=arrays, shuffle=True)` shuffles every epoch from TensorFlow's global
random state: a run resumed from a backup, or one under a `tf.distribute`
strategy (Keras 3.15 reads a batch from an iterator that it drops before
training), sees other orders than the run never stopped on one device.
`shuffled_array_batches` orders pass `e` from the seed `(seed, e)` alone and
starts every iterator at the batch asked, so all three see the same stream.
"""

import numpy as np

from keras_memory import validation


def _check_arrays(arrays):
    import tensorflow as tf

    leaves = [np.asarray(leaf) for leaf in tf.nest.flatten(arrays)]
    if not leaves or any(leaf.ndim == 0 for leaf in leaves):
        raise validation.invalid_argument(
            "arrays", "arrays (a nest of them) with a first, example axis", arrays
        )
    counts = {len(leaf) for leaf in leaves}
    if len(counts) != 1 or 0 in counts:
        raise validation.invalid_argument(
            "arrays",
            "arrays with as many examples each, at least one",
            f"first axes of {sorted(counts)}",
        )
    return leaves, counts.pop()


def shuffled_steps(num_examples, batch_size):
    """The batches of one pass of `shuffled_array_batches`: `ceil(N / B)`."""
    num_examples = validation.check_positive_int("num_examples", num_examples)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    return -(-num_examples // batch_size)


def shuffled_array_batches(arrays, batch_size, seed=0, start=0):
    """An endless `tf.data.Dataset` of batches of `arrays`, reshuffled every pass.

    Pass `e` (from 0) is a permutation of the examples drawn from the seed
    `(seed, e)`, cut into `ceil(N / batch_size)` batches, the last one
    partial, as `fit(x, y, shuffle=True)` cuts them. Every iterator of the
    dataset yields the same stream from batch `start` (pass
    `start // steps`, from its batch `start % steps`): fit it with
    `steps_per_epoch=shuffled_steps(N, batch_size)` and `shuffle=False`,
    and start a run resumed from a backup at epoch `e` with
    `start=e * steps_per_epoch`.

    Args:
        arrays: An array, or a tuple / dict nest of arrays with the same
            first dimension, such as `({"images": x, "ids": i}, targets)`.
        batch_size: Positive integer.
        seed: Non-negative integer. Default: `0`.
        start: Non-negative integer, the first batch of the stream.
            Default: `0`.

    Returns:
        An endless `tf.data.Dataset` with the structure of `arrays`, batch
        dimension `None`.

    Example:

    >>> import numpy as np
    >>> stream = shuffled_array_batches((np.arange(5), np.arange(5) * 10), 2, seed=1)
    >>> [len(x) for x, _ in stream.take(4)]
    [2, 2, 1, 2]
    """
    import tensorflow as tf

    leaves, count = _check_arrays(arrays)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    seed = validation.check_seed(seed)
    start = validation.check_int_at_least("start", start, 0)
    steps = shuffled_steps(count, batch_size)
    first_pass, first_batch = divmod(start, steps)

    def batches():
        index, skip = first_pass, first_batch
        while True:
            order = np.random.default_rng((seed, index)).permutation(count)
            for k in range(skip, steps):
                rows = order[k * batch_size : (k + 1) * batch_size]
                yield tuple(leaf[rows] for leaf in leaves)
            index, skip = index + 1, 0

    signature = tuple(tf.TensorSpec((None, *leaf.shape[1:]), leaf.dtype) for leaf in leaves)
    flat = tf.data.Dataset.from_generator(batches, output_signature=signature)
    dataset = flat.map(lambda *batch: tf.nest.pack_sequence_as(arrays, list(batch)))
    return dataset.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
