"""The NTM algorithmic tasks: the four generators' layouts by hand, seeds."""

import doctest

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import algorithmic
from keras_memory.datasets.algorithmic import associative_recall_task
from keras_memory.datasets.algorithmic import copy_task
from keras_memory.datasets.algorithmic import normalize_repeats
from keras_memory.datasets.algorithmic import priority_sort_task
from keras_memory.datasets.algorithmic import repeat_copy_task
from keras_memory.datasets.algorithmic import tasks

TASKS = {
    "copy": (copy_task, {}),
    "repeat_copy": (repeat_copy_task, {}),
    "associative_recall": (associative_recall_task, {}),
    "priority_sort": (priority_sort_task, {}),
}


def _assert_binary(array):
    np.testing.assert_array_equal(array, array.astype(bool))


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
    assert seen == {(n, r) for n in (1, 2, 3) for r in (2, 3, 4)}


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


def test_seeds_are_integers_or_tuples_of_them():
    for seed in (3, np.int64(3)):
        np.testing.assert_array_equal(copy_task(2, seed=seed)[0], copy_task(2, seed=3)[0])
    for seed in ((4, 5), [4, 5]):
        np.testing.assert_array_equal(
            copy_task(2, seed=seed)[0], copy_task(2, seed=(4, 5))[0]
        )


# function -> [(bad arguments, the argument named)]
BAD_ARGUMENTS = {
    copy_task: [
        ({"batch_size": 0}, "batch_size"),
        ({"min_length": 0}, "min_length"),
        ({"min_length": 5, "max_length": 3}, "max_length"),
        ({"max_length": 2.5}, "max_length"),
        ({"seed": -1}, "seed"),
        ({"seed": "a"}, "seed"),
        ({"seed": (1, -2)}, "seed"),
        ({"seed": ()}, "seed"),
    ],
    repeat_copy_task: [
        ({"min_repeats": 0}, "min_repeats"),
        ({"min_repeats": 4, "max_repeats": 3}, "max_repeats"),
        ({"max_length": 0}, "max_length"),
    ],
    associative_recall_task: [
        ({"min_items": 1}, "min_items"),
        ({"max_items": 1}, "max_items"),
        ({"batch_size": -2}, "batch_size"),
        ({"max_items": 2**18 + 1}, "max_items"),
    ],
    priority_sort_task: [
        ({"num_items": 0}, "num_items"),
        ({"num_sorted": 21}, "num_sorted"),
        ({"num_sorted": 0}, "num_sorted"),
    ],
}


@pytest.mark.parametrize("function", BAD_ARGUMENTS, ids=lambda f: f.__name__)
def test_bad_arguments(function):
    for kwargs, argument in BAD_ARGUMENTS[function]:
        kwargs = {"batch_size": 2, **kwargs}
        assert_invalid_argument(function, argument, kwargs[argument], **kwargs)


def test_docstring_examples_run():
    result = doctest.testmod(tasks, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
