"""The algorithmic tasks' tf.data pipelines and the curriculum."""

import doctest

import keras
import numpy as np
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument

from keras_memory.datasets.algorithmic import BitErrorsPerSequence
from keras_memory.datasets.algorithmic import Curriculum
from keras_memory.datasets.algorithmic import associative_recall_dataset
from keras_memory.datasets.algorithmic import copy_dataset
from keras_memory.datasets.algorithmic import copy_task
from keras_memory.datasets.algorithmic import pad_to_bucket
from keras_memory.datasets.algorithmic import pipelines
from keras_memory.datasets.algorithmic import priority_sort_dataset
from keras_memory.datasets.algorithmic import repeat_copy_dataset
from keras_memory.datasets.algorithmic import repeat_copy_task
from keras_memory.datasets.algorithmic import step_buckets


def _take(dataset, count):
    return [tuple(t.numpy() for t in batch) for batch in dataset.take(count)]


def test_copy_dataset_is_repeatable_and_batch_i_uses_seed_i():
    dataset = copy_dataset(3, 1, 20, seed=4)
    assert dataset.element_spec[0].shape.as_list() == [3, None, 9]
    first, again = _take(dataset, 3), _take(dataset, 3)
    for batch, same, index in zip(first, again, range(3)):
        for a, b, c in zip(batch, same, copy_task(3, 1, 20, seed=(4, index))):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
    other_seed = _take(copy_dataset(3, 1, 20, seed=5), 1)
    assert not np.array_equal(first[0][0], other_seed[0][0])


def test_curriculum_schedule():
    curriculum = Curriculum(start=2, stop=9, step=3, every=5)
    values = [curriculum(i) for i in range(20)]
    assert values == [2] * 5 + [5] * 5 + [8] * 5 + [9] * 5
    assert Curriculum.from_config(curriculum.get_config()).get_config() == {
        "start": 2, "stop": 9, "step": 3, "every": 5,
    }


def test_curriculum_raises_lengths_without_retracing():
    curriculum = Curriculum(start=1, stop=20, step=1, every=2)
    dataset = copy_dataset(2, 1, 20, seed=0, curriculum=curriculum)
    traces = []

    @tf.function
    def steps_of_next_batch(iterator):
        traces.append(1)  # runs only while tracing
        inputs, _, _ = next(iterator)
        return tf.shape(inputs)[1]

    iterator = iter(dataset)
    lengths = [(int(steps_of_next_batch(iterator)) - 1) // 2 for _ in range(40)]
    assert len(traces) == 1
    assert all(1 <= n <= curriculum(i) for i, n in enumerate(lengths))
    assert max(lengths[:10]) <= 5 < max(lengths[30:])


def test_curriculum_can_be_any_callable_read_per_batch():
    level = {"max_items": 2}
    dataset = associative_recall_dataset(
        2, 2, 6, seed=0, curriculum=lambda index: level["max_items"]
    )
    iterator = iter(dataset)
    assert {next(iterator)[0].shape[1] for _ in range(5)} == {16}
    level["max_items"] = 6  # what a callback would do
    counts = {(next(iterator)[0].shape[1] - 8) // 4 for _ in range(40)}
    assert 6 in counts and counts <= {2, 3, 4, 5, 6}


def test_other_datasets_shapes_and_curricula():
    repeat = _take(repeat_copy_dataset(2, 4, 4, 2, 2, seed=1), 2)
    assert [b[0].shape for b in repeat] == [(2, 14, 10)] * 2
    np.testing.assert_array_equal(
        repeat[1][1], repeat_copy_task(2, 4, 4, 2, 2, seed=(1, 1))[1]
    )
    # Lengths held at 1 for three batches; the repeats keep their range.
    held = repeat_copy_dataset(
        1, 1, 10, seed=2, curriculum=Curriculum(1, 10, 9, 3)
    )
    delimiters = [
        np.flatnonzero(x[0, :, 8]).tolist() for x, _, _ in _take(held, 3)
    ]
    assert delimiters == [[1], [1], [1]]

    ordered = priority_sort_dataset(2, seed=3)
    assert ordered.element_spec[1].shape.as_list() == [2, 37, 8]
    growing = priority_sort_dataset(
        2, seed=3, curriculum=Curriculum(2, 20, 9, 1)
    )
    sized = _take(growing, 3)
    # 2 items (both sorted), then 11 (all sorted), then 20 (16 sorted).
    assert [b[0].shape for b in sized] == [(2, 5, 10), (2, 23, 10), (2, 37, 10)]
    recall = associative_recall_dataset(2, 4, 4, seed=0)
    assert recall.element_spec[0].shape.as_list() == [2, 24, 8]


def test_fit_on_a_curriculum_stream_with_the_metric():
    traced_shapes = []

    class RecordTraces(keras.layers.Layer):
        def call(self, x):
            traced_shapes.append(tuple(x.shape))  # runs only while tracing
            return x

    model = keras.Sequential(
        [
            keras.Input((None, 9)),
            RecordTraces(),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dense(8, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        weighted_metrics=[BitErrorsPerSequence()],
    )
    dataset = copy_dataset(4, 1, 8, seed=0, curriculum=Curriculum(2, 8, 3, 2))
    traced_shapes.clear()
    history = model.fit(dataset, steps_per_epoch=6, epochs=1, shuffle=False, verbose=0)
    # Traced for the dataset's spec (tf.function traces a step that creates
    # variables twice), never again for a new length.
    assert set(traced_shapes) == {(4, None, 9)}
    assert 0.0 < history.history["bit_errors_per_sequence"][0] <= 64.0
    traced_shapes.clear()
    model.fit(dataset, steps_per_epoch=6, epochs=1, shuffle=False, verbose=0)
    assert traced_shapes == []


def test_step_buckets_are_evenly_spaced_up_to_the_longest_batch():
    assert step_buckets(41, 4) == (11, 21, 31, 41)  # ceil(41 k / 4)
    assert step_buckets(41, 1) == (41,)
    assert step_buckets(3, 5) == (1, 2, 3)  # repeats dropped
    assert_invalid_argument(step_buckets, "count", 0, 41, 0)
    assert_invalid_argument(step_buckets, "max_steps", 0, 0, 4)


def test_pad_to_bucket_adds_zero_steps_of_weight_zero_at_the_end():
    inputs, targets, weights = copy_task(3, 6, 6, seed=2)  # 13 steps
    padded = pad_to_bucket(inputs, targets, weights, (11, 21, 31))
    assert [array.shape[1] for array in padded] == [21, 21, 21]
    for array, original in zip(padded, (inputs, targets, weights)):
        np.testing.assert_array_equal(array[:, :13], original)
        assert not array[:, 13:].any()
    same = pad_to_bucket(inputs, targets, weights, (13, 20))
    assert all(a is b for a, b in zip(same, (inputs, targets, weights)))
    assert_invalid_argument(
        pad_to_bucket, "buckets", (5, 12), inputs, targets, weights, (5, 12)
    )


def test_a_bucketed_copy_run_has_one_shape_per_bucket():
    # The batches of a 30,000-sequence run at batch 16 (train_copy's stream):
    # 4 shapes instead of the 20 lengths, each batch the unpadded batch of
    # the same seed followed by zero steps.
    steps = 30_000 // 16
    buckets = step_buckets(41, 4)
    shapes = {}
    for index, (inputs, targets, weights) in enumerate(
        copy_dataset(16, 1, 20, seed=0, buckets=buckets).take(steps).as_numpy_iterator()
    ):
        shapes[inputs.shape[1]] = shapes.get(inputs.shape[1], 0) + 1
        if index < 40:
            original = copy_task(16, 1, 20, seed=(0, index))
            length = original[0].shape[1]
            assert inputs.shape[1] == min(b for b in buckets if b >= length)
            for array, unpadded in zip((inputs, targets, weights), original):
                np.testing.assert_array_equal(array[:, :length], unpadded)
                assert not array[:, length:].any()
    assert sorted(shapes) == list(buckets)
    assert sum(shapes.values()) == steps
    unbucketed = {x.shape[1] for x, _, _ in _take(copy_dataset(16, 1, 20, seed=0), 400)}
    assert len(unbucketed) == 20


def test_every_task_takes_buckets():
    # One bucket of the task's longest batch: a fixed shape in the spec.
    datasets = {
        "copy": (copy_dataset(2, 1, 5, buckets=[11]), 11),
        "repeat copy": (repeat_copy_dataset(2, 1, 3, 1, 2, buckets=[11]), 11),
        "recall": (associative_recall_dataset(2, 2, 3, buckets=[20]), 20),
        "sort": (priority_sort_dataset(2, 4, 3, curriculum=Curriculum(1, 4, 1, 1),
                                       buckets=[8]), 8),
    }
    for name, (dataset, steps) in datasets.items():
        assert dataset.element_spec[0].shape[1] == steps, name
        for inputs, targets, weights in _take(dataset, 4):
            assert inputs.shape[1] == targets.shape[1] == weights.shape[1] == steps, name


# function -> [(bad arguments, the argument named)]
BAD_ARGUMENTS = {
    copy_dataset: [
        ({"batch_size": 0}, "batch_size"),
        ({"min_length": 3, "max_length": 2}, "max_length"),
        ({"curriculum": 5}, "curriculum"),
        ({"seed": -3}, "seed"),
        ({"buckets": [11, 21, 31]}, "buckets"),  # the longest batch has 41 steps
        ({"buckets": (0, 41)}, "buckets"),
        ({"buckets": 4}, "buckets"),
    ],
    repeat_copy_dataset: [
        ({"batch_size": 0}, "batch_size"),
        ({"max_repeats": 0}, "max_repeats"),
        ({"buckets": [111]}, "buckets"),  # 10 + 1 + 10 * 10 + 1 = 112
    ],
    associative_recall_dataset: [
        ({"batch_size": 0}, "batch_size"),
        ({"min_items": 0}, "min_items"),
        ({"buckets": [31]}, "buckets"),  # 4 * 6 + 8 = 32
    ],
    priority_sort_dataset: [
        ({"batch_size": 1.0}, "batch_size"),
        ({"num_sorted": 30}, "num_sorted"),
        ({"buckets": [36]}, "buckets"),  # 20 + 1 + 16 = 37
    ],
    Curriculum: [
        ({"start": 0}, "start"),
        ({"start": 5, "stop": 4}, "stop"),
        ({"every": 0}, "every"),
        ({"step": True}, "step"),
    ],
}


@pytest.mark.parametrize("function", BAD_ARGUMENTS, ids=lambda f: f.__name__)
def test_bad_arguments(function):
    for kwargs, argument in BAD_ARGUMENTS[function]:
        if function is not Curriculum:
            kwargs = {"batch_size": 2, **kwargs}
        assert_invalid_argument(function, argument, kwargs[argument], **kwargs)


def test_a_curriculum_returning_a_non_integer_is_refused():
    with pytest.raises(ValueError, match="must return an integer, got 2.5"):
        copy_dataset(2, curriculum=lambda index: 2.5)


def test_docstring_examples_run():
    result = doctest.testmod(pipelines, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
