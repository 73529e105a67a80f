"""The MemN2N position encoding `l_kj` against the paper's formula."""

import doctest
import importlib

import keras
import numpy as np
import pytest
from testing_utils import to_numpy

from keras_memory.ops import centered_position_encoding
from keras_memory.ops import position_encoding


def np_position_encoding(J, d):
    """l_kj for j = 1..J, k = 1..d: an array (J, d)."""
    j = np.arange(1, J + 1)[:, None]
    k = np.arange(1, d + 1)[None, :]
    return (1 - j / J) - (k / d) * (1 - 2 * j / J)


def test_position_encoding_values():
    # J = 3 words and one padding word in the middle, d = 2.
    mask = np.array([[True, False, True, True]])
    encoding = to_numpy(position_encoding(mask, 2))[0]
    expected = np_position_encoding(3, 2)
    np.testing.assert_allclose(encoding[[0, 2, 3]], expected, atol=1e-6)
    np.testing.assert_array_equal(encoding[1], 0.0)
    # By hand: j = 1, J = 3, k = 1, d = 2: (1 - 1/3) - (1/2)(1 - 2/3) = 1/2.
    assert encoding[0, 0] == pytest.approx(0.5)
    # k = d, j = J: (1 - 1) - 1 (1 - 2) = 1.
    assert encoding[3, 1] == pytest.approx(1.0)


def test_centered_position_encoding_is_the_authors_formula():
    # MemN2N-babi-matlab build_model.m: 1 + 4 (k - (d+1)/2) (j - (J+1)/2) / (d J),
    # J fixed; here J = 6, d = 3, a sentence of 4 words with a padding word.
    mask = np.array([[True, True, False, True, True]])
    encoding = to_numpy(centered_position_encoding(mask, 3, 6))[0]
    j = np.arange(1, 5)[:, None]
    k = np.arange(1, 4)[None, :]
    expected = 1 + 4 * (k - 2) * (j - 3.5) / 18
    np.testing.assert_allclose(encoding[[0, 1, 3, 4]], expected, atol=1e-6)
    np.testing.assert_array_equal(encoding[2], 0.0)
    # By hand: j = 1, k = 1: 1 + 4 (-1)(-2.5) / 18 = 1 + 10/18.
    assert encoding[0, 0] == pytest.approx(1 + 10 / 18)
    # The middle dimension k = (d + 1) / 2 is a plain bag of words.
    np.testing.assert_allclose(encoding[[0, 1, 3, 4], 1], 1.0, atol=1e-6)


def test_centered_encoding_of_a_word_does_not_depend_on_the_sentence_length():
    # "Lily is a swan" and "Lily is white": "Lily" gets the same weights in
    # both, unlike the printed formula, which divides by each length.
    short, long = np.array([[True] * 3 + [False]]), np.array([[True] * 4])
    centered = [to_numpy(centered_position_encoding(m, 4, 12))[0, 0] for m in (short, long)]
    np.testing.assert_allclose(centered[0], centered[1], atol=1e-7)
    printed = [to_numpy(position_encoding(m, 4))[0, 0] for m in (short, long)]
    assert not np.allclose(printed[0], printed[1])


def test_padding_only_sentence_is_zero():
    encoding = to_numpy(position_encoding(np.zeros((1, 3), bool), 2))
    assert encoding.shape == (1, 3, 2)
    np.testing.assert_array_equal(encoding, 0.0)


def test_padding_position_does_not_change_the_encoding():
    # The same 3 words with padding at the end, at the start and in between.
    masks = np.array(
        [
            [True, True, True, False, False],
            [False, False, True, True, True],
            [True, False, True, False, True],
        ]
    )
    encoding = to_numpy(position_encoding(masks, 4))
    assert encoding.shape == (3, 5, 4)
    expected = np_position_encoding(3, 4)
    for row, mask in zip(encoding, masks):
        np.testing.assert_allclose(row[mask], expected, atol=1e-6)
        np.testing.assert_array_equal(row[~mask], 0.0)


def test_leading_dimensions_and_dtype():
    rng = np.random.default_rng(0)
    mask = rng.random((2, 3, 6)) < 0.7
    encoding = position_encoding(mask, 5, dtype="float16")
    assert keras.backend.standardize_dtype(encoding.dtype) == "float16"
    encoding = to_numpy(encoding)
    assert encoding.shape == (2, 3, 6, 5)
    for index in np.ndindex(2, 3):
        words = mask[index]
        np.testing.assert_allclose(
            encoding[index][words], np_position_encoding(words.sum(), 5), atol=2e-3
        )


def test_docstring_example_runs():
    # `keras_memory.ops.position_encoding` is the function: import the module.
    module = importlib.import_module("keras_memory.ops.position_encoding")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
