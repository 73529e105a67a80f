"""The Clockwork RNN's sequence generation: the waveform and its metric."""

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import normalized_mse
from keras_memory.datasets import sequence_generation
from keras_memory.datasets import waveform


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


def test_bad_seeds():
    np.testing.assert_array_equal(waveform(20, seed=np.int64(2)), waveform(20, seed=2))
    for bad in (-1, 1.5, "0", None):
        assert_invalid_argument(waveform, "seed", bad, 20, seed=bad)
        assert_invalid_argument(sequence_generation, "seed", bad, 20, seed=bad)
