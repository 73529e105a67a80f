"""Digit reversal and sorting: seeded length-generalisation tasks."""

from testing_utils import assert_invalid_argument

from keras_memory.datasets import digit_tasks as digits


def test_reversal_is_seeded_reversed_and_in_range():
    sources, targets = digits.digit_reversal(400, 1, 20, seed=3)
    assert (sources, targets) == digits.digit_reversal(400, 1, 20, seed=3)
    assert sources != digits.digit_reversal(400, 1, 20, seed=4)[0]
    assert digits.digit_reversal(10, 1, 20, seed=3)[0] == sources[:10]  # prefix-stable
    assert all(t == s[::-1] for s, t in zip(sources, targets))
    assert {len(s) for s in sources} == set(range(1, 21))
    assert set("".join(sources)) == set("0123456789")
    long_sources, _ = digits.digit_reversal(200, 21, 40, seed=3)
    assert {len(s) for s in long_sources} <= set(range(21, 41))
    assert min(map(len, long_sources)) == 21 and max(map(len, long_sources)) == 40


def test_sorting_sorts_the_same_sources():
    sources, targets = digits.digit_sorting(50, 5, 9, seed=1)
    assert sources == digits.digit_reversal(50, 5, 9, seed=1)[0]
    assert targets == ["".join(sorted(s)) for s in sources]
    assert targets[0] != sources[0] or sorted(sources[0]) == list(sources[0])


def test_vocabulary_ids_of_the_digits():
    vocabulary = digits.digit_vocabulary()
    ids, lengths = vocabulary.encode(["0912", ""], 6)
    assert ids.tolist() == [[4, 13, 5, 6, 2, 0], [2, 0, 0, 0, 0, 0]]
    assert lengths.tolist() == [5, 1] and vocabulary.size == 14


def test_bad_arguments():
    for task in (digits.digit_reversal, digits.digit_sorting):
        assert_invalid_argument(task, "num_examples", 0, 0)
        assert_invalid_argument(task, "min_length", 0, 5, 0, 4)
        assert_invalid_argument(task, "max_length", 3, 5, 4, 3)
        assert_invalid_argument(task, "seed", -1, 5, seed=-1)
