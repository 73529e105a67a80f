"""The parity and addition tasks of ACT (Graves 2016), decoded by hand."""

import numpy as np
import pytest

from keras_memory.datasets import addition
from keras_memory.datasets import addition_dataset
from keras_memory.datasets import parity
from keras_memory.datasets import parity_dataset
from keras_memory.datasets.pondering_tasks import NO_DIGIT


def test_parity_vectors_and_targets():
    inputs, targets = parity(500, bits=16, seed=3)
    assert inputs.shape == (500, 1, 16) and targets.shape == (500, 1)
    vectors = inputs[:, 0]
    assert set(np.unique(vectors)) == {-1.0, 0.0, 1.0}
    nonzero = (vectors != 0).sum(1)
    # 1 to `bits` entries set, every count drawn.
    assert nonzero.min() == 1 and nonzero.max() == 16
    assert len(np.unique(nonzero)) == 16
    np.testing.assert_array_equal(targets[:, 0], (vectors == 1).sum(1) % 2)
    assert 0.4 < targets.mean() < 0.6


def test_parity_is_seeded():
    first, second = parity(4, bits=8, seed=5), parity(4, bits=8, seed=5)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], parity(4, bits=8, seed=6)[0])


def _decode_numbers(inputs, digits):
    """The numbers of each step (None at padding) from the one-hot digits."""
    decoded = []
    for row in inputs:
        numbers = []
        for step in row.reshape(len(row), digits, 10):
            present = step.sum(-1) > 0
            if not present.any():
                numbers.append(None)
                continue
            values = step.argmax(-1)
            numbers.append(int(sum(int(v) * 10**i for i, v in enumerate(values) if present[i])))
        decoded.append(numbers)
    return decoded


def _decode_sum(target):
    return int(sum(int(d) * 10**i for i, d in enumerate(target) if d != NO_DIGIT))


def test_addition_targets_are_the_running_sums():
    inputs, targets, weights = addition(200, max_numbers=5, digits=3, seed=1)
    assert inputs.shape == (200, 5, 30)
    assert targets.shape == (200, 5, 4) and targets.dtype == np.int32
    lengths = set()
    for numbers, target, weight in zip(_decode_numbers(inputs, 3), targets, weights):
        length = sum(n is not None for n in numbers)
        lengths.add(length)
        assert all(n is None for n in numbers[length:])  # padding at the end
        assert all(0 <= n < 1000 for n in numbers[:length])
        np.testing.assert_array_equal(weight, [0.0] + [1.0] * (length - 1) + [0.0] * (5 - length))
        running = 0
        for t in range(length):
            running += numbers[t]
            assert _decode_sum(target[t]) == running
            # NO_DIGIT exactly past the sum's last digit.
            expected_digits = len(str(running))
            assert (target[t] != NO_DIGIT).sum() == expected_digits
    assert lengths == {1, 2, 3, 4, 5}


def test_addition_numbers_have_one_to_digits_digits():
    inputs, _, _ = addition(300, max_numbers=1, digits=4, seed=2)
    sizes = (inputs.reshape(300, 4, 10).sum(-1) > 0).sum(-1)
    assert set(sizes) == {1, 2, 3, 4}


def test_pipelines_draw_batch_i_with_seed_seed_i():
    x, y = next(iter(parity_dataset(3, bits=5, seed=7)))
    expected = parity(3, bits=5, seed=(7, 0))
    np.testing.assert_array_equal(x.numpy(), expected[0])
    np.testing.assert_array_equal(y.numpy(), expected[1])
    stream = iter(addition_dataset(2, max_numbers=3, digits=2, seed=4))
    next(stream)
    second = next(stream)
    for value, reference in zip(second, addition(2, max_numbers=3, digits=2, seed=(4, 1))):
        np.testing.assert_array_equal(value.numpy(), reference)


@pytest.mark.parametrize(
    "function, arguments, name",
    [
        (parity, {"num_samples": 0}, "num_samples"),
        (parity, {"num_samples": 2, "bits": 0}, "bits"),
        (addition, {"num_samples": 2, "digits": 18}, "digits"),
        (addition, {"num_samples": 2, "max_numbers": -1}, "max_numbers"),
        (addition, {"num_samples": 2, "seed": -3}, "seed"),
    ],
)
def test_bad_arguments_name_the_argument(function, arguments, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        function(**arguments)
