"""The generated hierarchical text: deterministic, grammatical, boundaries right."""

import re

import numpy as np
import pytest

from keras_memory.datasets.hierarchical_text import ADJECTIVES
from keras_memory.datasets.hierarchical_text import ALPHABET
from keras_memory.datasets.hierarchical_text import DETERMINERS
from keras_memory.datasets.hierarchical_text import LEXICON
from keras_memory.datasets.hierarchical_text import NOUNS
from keras_memory.datasets.hierarchical_text import PREPOSITIONS
from keras_memory.datasets.hierarchical_text import VERBS
from keras_memory.datasets.hierarchical_text import boundary_scores
from keras_memory.datasets.hierarchical_text import decode
from keras_memory.datasets.hierarchical_text import encode
from keras_memory.datasets.hierarchical_text import hierarchical_text
from keras_memory.datasets.hierarchical_text import language_model_windows


def test_text_is_deterministic_per_seed():
    first = hierarchical_text(50, seed=3)
    again = hierarchical_text(50, seed=3)
    assert first.text == again.text
    np.testing.assert_array_equal(first.word_ends, again.word_ends)
    assert first.text != hierarchical_text(50, seed=4).text


def test_word_and_sentence_ends_mark_the_known_hierarchy():
    data = hierarchical_text(40, seed=1)
    text = data.text
    # Word ends: the last letter of a word, followed by a separator.
    assert all(text[e].isalpha() and text[e + 1] in " ." for e in data.word_ends)
    assert all(text[e] == "." and text[e + 1] == " " for e in data.sentence_ends)
    # The positions are exactly those of the text's own segmentation.
    words = text.replace(".", "").split()
    assert len(words) == len(data.word_ends)
    starts = np.concatenate([[0], data.word_ends[:-1] + 2])
    starts = [text.index(w, s) for w, s in zip(words, starts)]
    assert [text[s : e + 1] for s, e in zip(starts, data.word_ends)] == words
    assert len(data.sentence_ends) == 40 and text.endswith(". ")


def test_sentences_follow_the_grammar():
    word_classes = {
        "D": DETERMINERS, "A": ADJECTIVES, "N": NOUNS, "V": VERBS, "P": PREPOSITIONS,
    }
    classes = {word: tag for tag, words in word_classes.items() for word in words}
    noun_phrase = "DA?N"
    sentence = re.compile(f"{noun_phrase}V{noun_phrase}(P{noun_phrase})?")
    for text in hierarchical_text(60, seed=2).text.split(". ")[:-1]:
        tags = "".join(classes[word] for word in text.split())
        assert sentence.fullmatch(tags), text


def test_no_word_is_a_prefix_of_another():
    # So every word's end is predictable from its letters.
    assert not [(a, b) for a in LEXICON for b in LEXICON if a != b and b.startswith(a)]


def test_ids_encode_the_text_over_a_fixed_alphabet():
    data = hierarchical_text(5, seed=0)
    assert data.ids.dtype == np.int32
    assert decode(data.ids) == data.text
    np.testing.assert_array_equal(encode(data.text), data.ids)
    assert ALPHABET[0] == " " and len(set(ALPHABET)) == len(ALPHABET)
    with pytest.raises(ValueError, match="argument `text`.*got 'Z'."):
        encode("aZ")


def test_language_model_windows_shift_targets_by_one():
    ids = np.arange(23)
    inputs, targets = language_model_windows(ids, 5)
    assert inputs.shape == targets.shape == (4, 5)
    np.testing.assert_array_equal(inputs[1], [5, 6, 7, 8, 9])
    np.testing.assert_array_equal(targets[1], [6, 7, 8, 9, 10])
    np.testing.assert_array_equal(targets[:, :-1], inputs[:, 1:])


def test_boundary_scores_by_hand():
    true = [3, 8, 12]
    exact = boundary_scores([3, 7, 12, 15], true)
    assert (exact["matched"], exact["predicted"], exact["true"]) == (2, 4, 3)
    assert exact["precision"] == 0.5 and exact["recall"] == pytest.approx(2 / 3)
    assert exact["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    near = boundary_scores([3, 7, 12, 15], true, tolerance=1)
    assert near["matched"] == 3 and near["recall"] == 1.0
    # One prediction matches one true boundary at most.
    assert boundary_scores([7, 8, 9], [8], tolerance=1)["matched"] == 1
    # A 0/1 array over the steps is read as its ones.
    z = np.zeros(14)
    z[[3, 8, 12]] = 1.0
    assert boundary_scores(z, true)["f1"] == 1.0
    # A NumPy integer tolerance is an integer too.
    assert boundary_scores([4], [3], tolerance=np.int64(1))["matched"] == 1
    assert boundary_scores([], true)["f1"] == 0.0


@pytest.mark.parametrize(
    "call, argument, shown",
    [
        (lambda: hierarchical_text(0), "num_sentences", "0"),
        (lambda: hierarchical_text(2.5), "num_sentences", "2.5"),
        (lambda: language_model_windows(np.arange(10), 0), "sequence_length", "0"),
        (lambda: language_model_windows(np.arange(10), 10), "sequence_length", "10"),
        (lambda: boundary_scores([1], [1], tolerance=-1), "tolerance", "-1"),
        (lambda: boundary_scores([1], [1], tolerance=1.5), "tolerance", "1.5"),
        (lambda: hierarchical_text(2, seed=-1), "seed", "-1"),
        (lambda: hierarchical_text(2, seed=2.0), "seed", "2.0"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(call, argument, shown):
    with pytest.raises(ValueError) as error:
        call()
    assert f"argument `{argument}`" in str(error.value)
    assert str(error.value).endswith(f"got {shown}.")
