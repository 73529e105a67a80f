"""bAbI vocabulary, tokens and the integer arrays."""

import doctest

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import babi
from keras_memory.datasets.babi import answer_token
from keras_memory.datasets.babi import build_vocabulary
from keras_memory.datasets.babi import parse_babi
from keras_memory.datasets.babi import supporting_fact_mask
from keras_memory.datasets.babi import tokenize
from keras_memory.datasets.babi import vectorize
from keras_memory.datasets.babi import vocabulary


def test_tokenize_and_answer_tokens():
    assert tokenize("Where is Mary? ") == ("where", "is", "mary")
    assert tokenize("Sheep are afraid of wolves.") == (
        "sheep", "are", "afraid", "of", "wolves",
    )
    assert answer_token(("apple", "football")) == "apple,football"
    assert answer_token(("N", "w")) == "n,w"
    assert answer_token("Kitchen") == "kitchen"


def test_vocabulary_reserves_padding_and_unknown_and_holds_answers(babi_snippet):
    examples = parse_babi(babi_snippet)
    vocabulary = build_vocabulary(examples)
    assert vocabulary["<pad>"] == babi.PADDING_ID == 0
    assert vocabulary["<unk>"] == babi.UNKNOWN_ID == 1
    words = list(vocabulary)[2:]
    assert words == sorted(words)
    assert list(vocabulary.values()) == list(range(len(vocabulary)))
    # Answers are single classes in the same vocabulary.
    assert {"apple,football", "s,w", "bathroom", "mary"} <= set(vocabulary)
    assert "apple" in vocabulary and "s" not in vocabulary
    # The set of words decides, not the order of the examples.
    assert build_vocabulary(examples[::-1]) == vocabulary


def test_check_vocabulary(babi_snippet):
    built = build_vocabulary(parse_babi(babi_snippet))
    assert babi.check_vocabulary(built) is built
    for bad in ({"mary": 0}, {"<pad>": 0, "<unk>": 2}, ["<pad>", "<unk>"], None):
        assert_invalid_argument(
            babi.check_vocabulary, "vocabulary", type(bad).__name__, bad
        )


def test_vectorize_shapes_and_padding(babi_snippet):
    examples = parse_babi(babi_snippet)
    vocabulary = build_vocabulary(examples)
    story, question, answer = vectorize(examples, vocabulary)
    # S: the longest story (5 statements); W: "how do you go from the
    # kitchen to the hallway" has 10 words.
    assert story.shape == (4, 5, 10) and question.shape == (4, 10)
    assert answer.shape == (4,)
    assert story.dtype == question.dtype == answer.dtype == np.int32

    def words(ids):
        return [list(vocabulary)[i] for i in ids if i]

    assert words(story[0, 0]) == ["mary", "moved", "to", "the", "bathroom"]
    np.testing.assert_array_equal(story[0, 0, 5:], 0)  # padded words
    np.testing.assert_array_equal(story[0, 2:], 0)  # padded sentences
    assert words(question[2]) == ["what", "is", "mary", "carrying"]
    assert answer[2] == vocabulary["apple,football"]
    assert answer[3] == vocabulary["s,w"]
    # Newest first: row 0 is the last statement, the padding stays last.
    newest, _, _ = vectorize(examples, vocabulary, newest_first=True)
    np.testing.assert_array_equal(newest[2, :5], story[2, 4::-1])
    np.testing.assert_array_equal(newest[0, :2], story[0, 1::-1])
    np.testing.assert_array_equal(newest[0, 2:], 0)


def test_vectorize_fixed_sizes_unknown_words_and_errors(babi_snippet):
    examples = parse_babi(babi_snippet)
    vocabulary = build_vocabulary(examples[:1])
    story, question, answer = vectorize(
        examples, vocabulary, memory_size=3, sentence_size=12
    )
    assert story.shape == (4, 3, 12)
    # A longer story keeps its last 3 statements.
    expected, _, _ = vectorize(
        [examples[2]._replace(story=examples[2].story[-3:])], vocabulary,
        memory_size=3, sentence_size=12,
    )
    np.testing.assert_array_equal(story[2:3], expected)
    # Words and answers missing from the vocabulary are <unk>.
    assert (question[3, :10] == babi.UNKNOWN_ID).sum() > 0
    assert answer[3] == babi.UNKNOWN_ID and answer[0] == vocabulary["bathroom"]
    with pytest.raises(ValueError, match="10 words, more than `sentence_size`"):
        vectorize(examples, vocabulary, sentence_size=9)
    with pytest.raises(ValueError, match="argument `memory_size`.*got 0"):
        vectorize(examples, vocabulary, memory_size=0)
    with pytest.raises(ValueError, match="argument `vocabulary`"):
        vectorize(examples, {"mary": 0})


def test_supporting_fact_mask_follows_the_layout(babi_snippet):
    examples = parse_babi(babi_snippet)
    mask = supporting_fact_mask(examples)
    assert mask.shape == (4, 5) and mask.dtype == bool
    assert np.flatnonzero(mask[2]).tolist() == [3, 4]
    assert np.flatnonzero(mask[3]).tolist() == [0, 1]
    newest = supporting_fact_mask(examples, newest_first=True)
    assert np.flatnonzero(newest[2]).tolist() == [0, 1]
    assert np.flatnonzero(newest[0]).tolist() == [1]
    small = supporting_fact_mask(examples, memory_size=1)
    assert small[:, 0].tolist() == [False, True, True, True]


def test_docstring_examples_run():
    result = doctest.testmod(vocabulary, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
