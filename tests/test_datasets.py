"""Generated tasks: deterministic, well formed, and the metric by hand."""

import numpy as np
import pytest

from keras_memory.datasets import normalized_mse, sequence_generation, waveform


def test_waveform_is_deterministic_per_seed_and_peaks_at_one():
    first = waveform(320, seed=3)
    np.testing.assert_array_equal(first, waveform(320, seed=3))
    assert not np.array_equal(first, waveform(320, seed=4))
    assert first.shape == (320,) and first.dtype == np.float32
    assert np.abs(first).max() == pytest.approx(1.0)


def test_waveform_is_the_sum_of_its_sinusoids():
    rng = np.random.default_rng(0)
    amplitude, phase = rng.uniform(0.5, 1.0), rng.uniform(0, 2 * np.pi)
    t = np.arange(50)
    expected = amplitude * np.sin(2 * np.pi * t / 10 + phase)
    np.testing.assert_allclose(
        waveform(50, component_periods=[10], seed=0),
        expected / np.abs(expected).max(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_sequence_generation_shapes_and_clock_only_input():
    inputs, targets = sequence_generation(length=40)
    assert inputs.shape == targets.shape == (1, 40, 1)
    np.testing.assert_array_equal(inputs, 1.0)
    np.testing.assert_array_equal(targets[0, :, 0], waveform(40))


def test_normalized_mse_by_hand():
    targets = np.array([1.0, -1.0, 1.0, -1.0])  # variance 1
    assert normalized_mse(targets, np.zeros(4)) == pytest.approx(1.0)
    assert normalized_mse(targets, targets) == 0.0
    assert normalized_mse(targets, targets + 0.5) == pytest.approx(0.25)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"length": 0}, "length"),
        ({"length": 3.0}, "length"),
        ({"component_periods": []}, "component_periods"),
        ({"component_periods": [4, 0]}, "component_periods"),
    ],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        waveform(**kwargs)


def test_adding_problem_marks_two_steps_and_sums_them():
    from keras_memory.datasets import ADDING_TARGET_VARIANCE, adding_problem

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
    from keras_memory.datasets import adding_problem_dataset

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
    from keras_memory.datasets import adding_problem

    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        adding_problem(**{"num_samples": 2, **kwargs})
