"""DateNormalizer: the shipped weights reach their recorded exact match; text in, text out."""

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications import DateNormalizer
from keras_memory.applications.seq2seq import date_normalizer as module
from keras_memory.applications.seq2seq import evaluation
from keras_memory.applications.seq2seq import presets
from keras_memory.applications.seq2seq.training import ARCHITECTURE
from keras_memory.datasets import dates
from keras_memory.datasets.text import UNKNOWN_ID

# The shipped figures were measured on 1,000 test dates per language; 300 others
# may miss a few more by chance.
MARGIN = 1.0


@pytest.fixture(scope="module")
def normalizer():
    return DateNormalizer()


def test_shipped_weights_reach_their_recorded_exact_match(normalizer):
    metadata = presets.shipped_metadata()
    recorded = metadata["evaluation"]["greedy"]["languages"]
    results = evaluation.evaluate_dates(
        normalizer, examples_per_language=300, beam_widths=(1,), seed=11
    )
    for language in dates.LANGUAGES:
        assert results[1]["languages"][language] >= recorded[language] - MARGIN
        assert results[1]["languages"][language] >= presets.EXACT_MATCH_GOAL - MARGIN
    assert metadata["architecture"] == ARCHITECTURE
    assert metadata["training"]["epochs"] >= 1 and metadata["training"]["seed"] == 0


def test_text_in_text_out(normalizer):
    written = ["mardi 4 mai 1999", "May 4th, 1999", "04.05.99", "Dienstag, 4. Mai 1999",
               "5/4/1999", "le 1er janvier 2000"]
    expected = ["1999-05-04"] * 5 + ["2000-01-01"]
    assert normalizer(written) == expected
    assert normalizer("mardi 4 mai 1999") == "1999-05-04"  # one string in, one out
    assert normalizer([b"04.05.99"]) == ["1999-05-04"]


def test_normalize_returns_sorted_n_best_with_log_probabilities(normalizer):
    strings = ["mardi 4 mai 1999", "3/12/05"]
    greedy = normalizer.normalize(strings)
    beams = normalizer.normalize(strings, beam_width=4, num_return=3)
    for one, three in zip(greedy, beams):
        assert len(one) == 1 and len(three) == 3
        scores = [score for _, score in three]
        assert scores == sorted(scores, reverse=True)
        assert all(score <= 0 for score in scores)  # log-probabilities
        assert three[0][1] >= one[0][1] - 1e-5  # beam search finds at least greedy's
        assert len({text for text, _ in three}) == 3
    assert [best[0][0] for best in greedy] == normalizer(strings)
    assert normalizer.normalize("4 mai 1999")[0][0] == "1999-05-04"


def test_empty_and_whitespace_inputs_give_the_defined_output(normalizer):
    assert normalizer(["", "   ", "4 mai 1999"]) == ["", "", "1999-05-04"]
    outputs = normalizer.normalize(["", "\t"], beam_width=4, num_return=2)
    assert outputs == [[(module.EMPTY_OUTPUT, module.EMPTY_SCORE)] * 2] * 2
    assert normalizer([]) == []
    # Surrounding whitespace is stripped.
    assert normalizer.normalize(["  4 mai 1999 \n"]) == normalizer.normalize(["4 mai 1999"])


def test_unknown_characters_read_as_the_unknown_id(normalizer):
    ids, _ = normalizer.vocabulary.encode(["4 mai 1999\u2603"], module.SOURCE_LENGTH)
    assert ids[0, 10] == UNKNOWN_ID
    # Two different unknown characters are the same id: the same output and score.
    snowman, euro = normalizer.normalize(["4 mai 1999\u2603", "4 mai 1999\u20ac"])
    assert snowman == euro
    assert isinstance(snowman[0][0], str)


def test_long_inputs_are_truncated_to_the_source_maximum(normalizer):
    long = "Mittwoch, 29. September 1999 und noch viel mehr Text"
    assert len(long) > module.MAX_INPUT_CHARACTERS
    assert normalizer.normalize([long]) == normalizer.normalize(
        [long[: module.MAX_INPUT_CHARACTERS]]
    )
    assert module.MAX_INPUT_CHARACTERS == module.SOURCE_LENGTH - 1


def test_batches_of_any_size_give_the_same_outputs(normalizer):
    strings = dates.date_normalization(5, seed=4, split="test").sources
    small = DateNormalizer.from_model(normalizer.model, normalizer.vocabulary, batch_size=2)
    assert small.normalize(strings) == normalizer.normalize(strings)


def test_model_and_vocabulary(normalizer):
    assert isinstance(normalizer.model, keras.Model)
    assert normalizer.vocabulary == dates.date_vocabulary()
    assert normalizer.vocabulary == presets.shipped_vocabulary()
    assert normalizer.weights == str(presets.shipped_weights_path())
    assert "beam_width=1" in repr(normalizer)


def test_untrained_and_path_weights(tmp_path):
    keras.utils.set_random_seed(0)
    untrained = DateNormalizer(weights=None, beam_width=2)
    assert untrained.weights is None
    path = tmp_path / "mine.weights.h5"
    untrained.model.save_weights(path)
    loaded = DateNormalizer(weights=str(path), beam_width=2)  # no json beside: defaults
    for a, b in zip(untrained.model.get_weights(), loaded.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded(["4 mai 1999"]) == untrained(["4 mai 1999"])


def test_bad_arguments_name_the_argument(normalizer):
    assert_invalid_argument(DateNormalizer, "beam_width", 0, weights=None, beam_width=0)
    assert_invalid_argument(DateNormalizer, "batch_size", -1, weights=None, batch_size=-1)
    assert_invalid_argument(DateNormalizer, "weights", "nope", weights="nope")
    assert_invalid_argument(normalizer.normalize, "beam_width", 0, ["x"], beam_width=0)
    assert_invalid_argument(normalizer.normalize, "num_return", 0, ["x"], num_return=0)
    assert_invalid_argument(normalizer.normalize, "num_return", 5, ["x"], beam_width=4,
                            num_return=5)
    assert_invalid_argument(normalizer.normalize, "strings", 5, 5)
    assert_invalid_argument(normalizer, "strings", None, ["4 mai 1999", 3])
    assert_invalid_argument(DateNormalizer.from_model, "model", "m", "m")
    assert_invalid_argument(DateNormalizer.from_model, "vocabulary", {"a": 1},
                            normalizer.model, {"a": 1})
