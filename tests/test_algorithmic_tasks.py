"""The NTM algorithmic tasks: layouts by hand, seeds, pipelines, the metric."""

import doctest
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.datasets import algorithmic
from keras_memory.datasets.algorithmic import (
    BitErrorsPerSequence,
    Curriculum,
    associative_recall_dataset,
    associative_recall_task,
    bit_errors_per_sequence,
    copy_dataset,
    copy_task,
    normalize_repeats,
    priority_sort_dataset,
    priority_sort_task,
    repeat_copy_dataset,
    repeat_copy_task,
)

TASKS = {
    "copy": (copy_task, {}),
    "repeat_copy": (repeat_copy_task, {}),
    "associative_recall": (associative_recall_task, {}),
    "priority_sort": (priority_sort_task, {}),
}


def _assert_binary(array):
    np.testing.assert_array_equal(array, array.astype(bool))


# === Copy ===


@pytest.mark.parametrize("seed", [0, (4, 5)])
def test_copy_format_exactly(seed):
    inputs, targets, weights = copy_task(5, 1, 20, seed=seed)
    steps = inputs.shape[1]
    length = (steps - 1) // 2
    assert steps == 2 * length + 1 and 1 <= length <= 20
    assert inputs.shape == (5, steps, 9)
    assert targets.shape == (5, steps, 8) and weights.shape == (5, steps)
    assert inputs.dtype == targets.dtype == weights.dtype == np.float32

    data = inputs[:, :length, :8]
    _assert_binary(data)
    np.testing.assert_array_equal(inputs[:, :length, 8], 0.0)  # channel 9
    delimiter = np.zeros(9, "float32")
    delimiter[8] = 1.0
    np.testing.assert_array_equal(inputs[:, length], np.tile(delimiter, (5, 1)))
    np.testing.assert_array_equal(inputs[:, length + 1 :], 0.0)
    np.testing.assert_array_equal(targets[:, : length + 1], 0.0)
    np.testing.assert_array_equal(targets[:, length + 1 :], data)
    expected_weights = np.r_[np.zeros(length + 1), np.ones(length)]
    np.testing.assert_array_equal(weights, np.tile(expected_weights, (5, 1)))


def test_copy_lengths_cover_the_range_and_stay_in_it():
    lengths = {
        (copy_task(1, 3, 6, seed=s)[0].shape[1] - 1) // 2 for s in range(200)
    }
    assert lengths == {3, 4, 5, 6}
    inputs, _, _ = copy_task(2, 7, 7)
    assert inputs.shape == (2, 15, 9)


# === Repeat copy ===


def test_repeat_copy_layout_by_hand():
    inputs, targets, weights = repeat_copy_task(
        2, min_length=2, max_length=2, min_repeats=3, max_repeats=3, seed=9
    )
    steps = 2 + 1 + 3 * 2 + 1
    assert inputs.shape == (2, steps, 10) and targets.shape == (2, steps, 9)
    x = inputs[:, :2, :8]
    _assert_binary(x)
    expected_inputs = np.zeros((2, steps, 10), "float32")
    expected_inputs[:, :2, :8] = x
    expected_inputs[:, 2, 8] = 1.0
    expected_inputs[:, 2, 9] = (3 - 5.5) / np.sqrt(8.25)
    np.testing.assert_allclose(inputs, expected_inputs, rtol=1e-6)
    expected_targets = np.zeros((2, steps, 9), "float32")
    expected_targets[:, 3:5, :8] = x
    expected_targets[:, 5:7, :8] = x
    expected_targets[:, 7:9, :8] = x
    expected_targets[:, 9, 8] = 1.0  # end marker
    np.testing.assert_array_equal(targets, expected_targets)
    np.testing.assert_array_equal(weights, np.tile([0] * 3 + [1] * 7, (2, 1)))


def test_repeat_copy_normalisation_and_ranges():
    # Mean 0 and variance 1 over the paper's training range 1..10.
    encoded = normalize_repeats(np.arange(1, 11))
    assert encoded.mean() == pytest.approx(0.0, abs=1e-12)
    assert encoded.var() == pytest.approx(1.0)
    seen = set()
    for seed in range(150):
        inputs, targets, weights = repeat_copy_task(1, 1, 3, 2, 4, seed=seed)
        delimiter = np.flatnonzero(inputs[0, :, 8])
        assert delimiter.size == 1
        length = int(delimiter[0])
        repeats = round(inputs[0, length, 9] * algorithmic.REPEATS_STD + 5.5)
        assert inputs.shape[1] == length + 1 + repeats * length + 1
        assert weights[0].sum() == repeats * length + 1
        seen.add((length, repeats))
    assert seen == {(l, r) for l in (1, 2, 3) for r in (2, 3, 4)}


# === Associative recall ===


def test_associative_recall_layout_by_hand():
    for seed in range(20):
        inputs, targets, weights = associative_recall_task(
            3, min_items=3, max_items=3, seed=seed
        )
        steps = 4 * 3 + 8
        assert inputs.shape == (3, steps, 8) and targets.shape == (3, steps, 6)
        for b in range(3):
            x = inputs[b]
            np.testing.assert_array_equal(np.flatnonzero(x[:, 6]), [0, 4, 8])
            np.testing.assert_array_equal(np.flatnonzero(x[:, 7]), [12, 16])
            # Delimiter steps carry no bits; data steps carry no delimiters.
            np.testing.assert_array_equal(x[[0, 4, 8, 12, 16], :6], 0.0)
            items = [x[4 * k + 1 : 4 * k + 4, :6] for k in range(3)]
            data_steps = [1, 2, 3, 5, 6, 7, 9, 10, 11]
            np.testing.assert_array_equal(x[data_steps, 6:], 0.0)
            query = x[13:16, :6]
            np.testing.assert_array_equal(x[17:], 0.0)
            matches = [k for k in range(3) if np.array_equal(items[k], query)]
            assert len(matches) == 1 and matches[0] < 2  # never the last item
            assert len({item.tobytes() for item in items}) == 3  # distinct
            np.testing.assert_array_equal(targets[b, :17], 0.0)
            answer = items[matches[0] + 1]
            np.testing.assert_array_equal(targets[b, 17:], answer)
            np.testing.assert_array_equal(weights[b], [0] * 17 + [1] * 3)


def test_associative_recall_item_counts_cover_the_range():
    counts = {
        (associative_recall_task(1, 2, 6, seed=s)[0].shape[1] - 8) // 4
        for s in range(150)
    }
    assert counts == {2, 3, 4, 5, 6}


def test_associative_recall_items_are_distinct_despite_collisions():
    # 600 items of 18 bits: about half of the sequences draw a repeat.
    inputs, _, _ = associative_recall_task(8, 600, 600, seed=0)
    steps = 4 * np.arange(600)[:, None] + np.arange(1, 4)
    items = inputs[:, steps, :6].reshape(8, 600, 18)
    for sequence in items:
        assert len({item.tobytes() for item in sequence}) == 600


# === Priority sort ===


def test_priority_sort_target_is_the_argsort_of_priorities():
    inputs, targets, weights = priority_sort_task(4, seed=11)
    assert inputs.shape == (4, 37, 10) and targets.shape == (4, 37, 8)
    priorities = inputs[:, :20, 8]
    assert np.all(np.abs(priorities) < 1.0) and priorities.std() > 0.3
    order = np.argsort(-priorities, axis=1)[:, :16]
    bits = inputs[:, :20, :8]
    _assert_binary(bits)
    np.testing.assert_array_equal(
        targets[:, 21:], np.take_along_axis(bits, order[..., None], axis=1)
    )
    np.testing.assert_array_equal(targets[:, :21], 0.0)
    np.testing.assert_array_equal(inputs[:, 20], np.tile(np.eye(10)[9], (4, 1)))
    np.testing.assert_array_equal(inputs[:, :20, 9], 0.0)
    np.testing.assert_array_equal(inputs[:, 21:], 0.0)
    np.testing.assert_array_equal(weights, np.tile([0] * 21 + [1] * 16, (4, 1)))


def test_priority_sort_small_example_by_hand():
    inputs, targets, _ = priority_sort_task(1, 3, 3, seed=2)
    priorities = inputs[0, :3, 8]
    highest_first = sorted(range(3), key=lambda k: -priorities[k])
    for t, k in enumerate(highest_first):
        np.testing.assert_array_equal(targets[0, 4 + t], inputs[0, k, :8])


# === Seeds ===


@pytest.mark.parametrize("task", sorted(TASKS))
def test_each_task_is_deterministic_per_seed(task):
    generate, kwargs = TASKS[task]
    first = generate(3, seed=5, **kwargs)
    again = generate(3, seed=5, **kwargs)
    other = generate(3, seed=6, **kwargs)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not all(
        a.shape == c.shape and np.array_equal(a, c)
        for a, c in zip(first, other)
    )


# === The metric ===


def test_bit_errors_per_sequence_by_hand():
    targets = np.zeros((2, 4, 3), "float32")
    targets[1, 3] = 1.0
    predictions = np.zeros((2, 4, 3), "float32")
    predictions[1, 3] = 0.9  # right
    predictions[0, 3] = [0.7, 0.6, 0.9]  # 3 wrong bits, scored
    predictions[1, 0] = 0.9  # 3 wrong bits, not scored
    weights = np.array([[0, 0, 1, 1], [0, 0, 1, 1]], "float32")
    assert bit_errors_per_sequence(targets, predictions, weights) == 1.5
    assert bit_errors_per_sequence(targets, predictions) == 3.0  # all steps
    # 0.5 is not above the threshold: it reads as 0.
    assert bit_errors_per_sequence(targets, np.full_like(targets, 0.5)) == 1.5
    # Per-sequence weights (B,) broadcast over the steps.
    assert bit_errors_per_sequence(targets, predictions, [1.0, 0.0]) == 1.5
    logits = predictions - 0.5
    assert bit_errors_per_sequence(targets, logits, threshold=0.0) == 3.0


def test_keras_metric_equals_numpy_and_survives_its_config():
    batches = [copy_task(4, 2, 6, seed=s) for s in range(3)]
    rng = np.random.default_rng(0)
    metric = BitErrorsPerSequence()
    errors = sequences = 0.0
    for _, targets, weights in batches:
        predictions = rng.uniform(0, 1, targets.shape).astype("float32")
        metric.update_state(targets, predictions, weights)
        errors += 4 * bit_errors_per_sequence(targets, predictions, weights)
        sequences += 4
    assert float(metric.result()) == pytest.approx(errors / sequences)

    clone = BitErrorsPerSequence.from_config(
        BitErrorsPerSequence(threshold=0.25, name="bits").get_config()
    )
    assert (clone.threshold, clone.name) == (0.25, "bits")
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(clone)
    )
    assert isinstance(restored, BitErrorsPerSequence)
    assert restored.get_config() == clone.get_config()
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_keras_metric_in_compile_is_weighted_only_as_a_weighted_metric():
    inputs, targets, weights = copy_task(6, 3, 3, seed=1)
    model = keras.Sequential(
        [keras.Input((7, 9)), keras.layers.Dense(8, activation="sigmoid")]
    )
    model.compile(
        loss="binary_crossentropy",
        metrics=[BitErrorsPerSequence(name="all_steps")],
        weighted_metrics=[BitErrorsPerSequence(name="scored_steps")],
    )
    results = model.evaluate(
        inputs, targets, sample_weight=weights, batch_size=4, verbose=0,
        return_dict=True,
    )
    predictions = model.predict(inputs, verbose=0)
    assert results["scored_steps"] == pytest.approx(
        bit_errors_per_sequence(targets, predictions, weights)
    )
    assert results["all_steps"] == pytest.approx(
        bit_errors_per_sequence(targets, predictions)
    )
    assert results["all_steps"] > results["scored_steps"]


# === tf.data pipelines and the curriculum ===


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


# === Bad arguments ===


# function -> [(bad arguments, the argument named, its repr in the message)]
BAD_ARGUMENTS = {
    copy_task: [
        ({"batch_size": 0}, "batch_size", "0"),
        ({"min_length": 0}, "min_length", "0"),
        ({"min_length": 5, "max_length": 3}, "max_length", "3"),
        ({"max_length": 2.5}, "max_length", "2.5"),
        ({"seed": -1}, "seed", "-1"),
        ({"seed": "a"}, "seed", "'a'"),
    ],
    repeat_copy_task: [
        ({"min_repeats": 0}, "min_repeats", "0"),
        ({"min_repeats": 4, "max_repeats": 3}, "max_repeats", "3"),
        ({"max_length": 0}, "max_length", "0"),
    ],
    associative_recall_task: [
        ({"min_items": 1}, "min_items", "1"),
        ({"max_items": 1}, "max_items", "1"),
        ({"batch_size": -2}, "batch_size", "-2"),
        ({"max_items": 2**18 + 1}, "max_items", "262145"),
    ],
    priority_sort_task: [
        ({"num_items": 0}, "num_items", "0"),
        ({"num_sorted": 21}, "num_sorted", "21"),
        ({"num_sorted": 0}, "num_sorted", "0"),
    ],
    copy_dataset: [
        ({"batch_size": 0}, "batch_size", "0"),
        ({"min_length": 3, "max_length": 2}, "max_length", "2"),
        ({"curriculum": 5}, "curriculum", "5"),
    ],
    repeat_copy_dataset: [
        ({"batch_size": 0}, "batch_size", "0"),
        ({"max_repeats": 0}, "max_repeats", "0"),
    ],
    associative_recall_dataset: [
        ({"batch_size": 0}, "batch_size", "0"),
        ({"min_items": 0}, "min_items", "0"),
    ],
    priority_sort_dataset: [
        ({"batch_size": 1.0}, "batch_size", "1.0"),
        ({"num_sorted": 30}, "num_sorted", "30"),
    ],
    Curriculum: [
        ({"start": 0}, "start", "0"),
        ({"start": 5, "stop": 4}, "stop", "4"),
        ({"every": 0}, "every", "0"),
        ({"step": True}, "step", "True"),
    ],
    BitErrorsPerSequence: [
        ({"threshold": "half"}, "threshold", "'half'"),
        ({"threshold": float("nan")}, "threshold", "nan"),
    ],
}


@pytest.mark.parametrize("function", BAD_ARGUMENTS, ids=lambda f: f.__name__)
def test_bad_arguments(function):
    for kwargs, argument, value in BAD_ARGUMENTS[function]:
        if function not in (Curriculum, BitErrorsPerSequence):
            kwargs = {"batch_size": 2, **kwargs}
        pattern = (
            rf"argument `{argument}`, expected .*, got {re.escape(value)}\.$"
        )
        with pytest.raises(ValueError, match=pattern):
            function(**kwargs)


def test_a_curriculum_returning_a_non_integer_is_refused():
    with pytest.raises(ValueError, match="must return an integer, got 2.5"):
        copy_dataset(2, curriculum=lambda index: 2.5)


# === Docstrings and tfds ===


def test_docstring_examples_run():
    result = doctest.testmod(algorithmic, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_tfds_builder_prepares_the_generator_examples(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    from keras_memory.datasets import algorithmic_tfds

    config = algorithmic_tfds.CopyConfig(
        name="tiny", train_size=3, validation_size=2, test_size=2,
        max_length=5, seed=7,
    )
    builder = algorithmic_tfds.Copy(data_dir=str(tmp_path), config=config)
    builder.download_and_prepare()
    assert builder.name == "ntm_copy" and str(builder.version) == "1.0.0"
    sizes = {name: s.num_examples for name, s in builder.info.splits.items()}
    assert sizes == {"train": 3, "validation": 2, "test": 2}
    for split, number in algorithmic_tfds.SPLITS.items():
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == sizes[split]
        for index, example in enumerate(examples):
            expected = copy_task(1, 1, 5, seed=(7, number, index))
            keys = ("inputs", "targets", "sample_weights")
            for key, array in zip(keys, expected):
                np.testing.assert_array_equal(example[key], array[0])
    for name, builder_class in [
        ("ntm_repeat_copy", algorithmic_tfds.RepeatCopy),
        ("ntm_associative_recall", algorithmic_tfds.AssociativeRecall),
        ("ntm_priority_sort", algorithmic_tfds.PrioritySort),
    ]:
        assert tfds.builder_cls(name) is builder_class
    bad = algorithmic_tfds.PrioritySortConfig(name="bad", num_sorted=21)
    with pytest.raises(ValueError, match="argument `num_sorted`.*got 21"):
        algorithmic_tfds.PrioritySort(
            data_dir=str(tmp_path), config=bad
        ).download_and_prepare()
