"""The adding problem: two marked values and their sum."""

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import ADDING_TARGET_VARIANCE
from keras_memory.datasets import adding_problem
from keras_memory.datasets import adding_problem_dataset


def test_adding_problem_marks_two_steps_and_sums_them():
    inputs, targets = adding_problem(500, length=50, seed=7)
    assert inputs.shape == (500, 50, 2) and targets.shape == (500, 1)
    values, markers = inputs[..., 0], inputs[..., 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)
    first = markers.argmax(axis=1)
    second = 49 - markers[:, ::-1].argmax(axis=1)
    assert first.max() < 5 and second.min() >= 25  # first 10 %, last half
    np.testing.assert_allclose(
        targets[:, 0], (values * markers).sum(axis=1), rtol=1e-6, atol=1e-7
    )
    assert np.all(np.abs(values) <= 0.5)
    assert np.var(targets) == pytest.approx(ADDING_TARGET_VARIANCE, rel=0.15)
    again, _ = adding_problem(500, length=50, seed=7)
    np.testing.assert_array_equal(inputs, again)


def test_adding_problem_dataset_streams_repeatable_batches():
    def first_batches(seed):
        return [x for x, _ in adding_problem_dataset(4, length=10, seed=seed).take(2)]

    a, b = first_batches(3), first_batches(3)
    assert a[0].shape == (4, 10, 2)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], first_batches(4)[0])


@pytest.mark.parametrize(
    "kwargs, argument",
    [({"num_samples": 0}, "num_samples"), ({"length": 3}, "length"), ({"length": 2.5}, "length")],
)
def test_adding_problem_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        adding_problem(**{"num_samples": 2, **kwargs})


def test_seeds_are_integers_or_tuples_of_them():
    np.testing.assert_array_equal(
        adding_problem(3, seed=[4, 1])[0], adding_problem(3, seed=(4, 1))[0]
    )
    for bad in (-1, 1.5, (1, -1), (), None):
        assert_invalid_argument(adding_problem, "seed", bad, 3, seed=bad)
        assert_invalid_argument(adding_problem_dataset, "seed", bad, 3, seed=bad)
