"""Exact match per language and format, against counts made by hand."""

import math

import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications import DateNormalizer
from keras_memory.applications.seq2seq import evaluation
from keras_memory.applications.tables import format_table
from keras_memory.datasets import dates


class Oracle(DateNormalizer):
    """Knows the answers; greedy gets every French date wrong, beam 4 none."""

    def __init__(self, answers):
        self.answers = answers

    def normalize(self, strings, beam_width=None, num_return=1):
        return [[(self.answers[s] if beam_width > 1 or not self.is_french(s) else "wrong",
                  0.0)] for s in strings]

    def is_french(self, source):
        return source in self.french


@pytest.fixture(scope="module")
def results():
    answers, french = {}, set()
    for language in dates.LANGUAGES:
        examples = dates.date_normalization(30, languages=[language], seed=2, split="test")
        answers.update(zip(examples.sources, examples.targets))
        if language == "fr":
            french.update(examples.sources)
    oracle = Oracle(answers)
    oracle.french = french
    return evaluation.evaluate_dates(oracle, examples_per_language=30, seed=2)


def test_exact_match_counts():
    assert evaluation.exact_match(["a", "b", "c", "d"], ["a", "x", "c", "d"]) == 75.0
    assert_invalid_argument(evaluation.exact_match, "predictions", 1, ["a"], ["a", "b"])


def test_per_language_and_format_figures(results):
    greedy, beam = results[1], results[4]
    assert greedy["languages"] == {"en": 100.0, "fr": 0.0, "de": 100.0}
    assert greedy["all"] == pytest.approx(200 / 3)
    assert beam["all"] == 100.0
    assert greedy["counts"]["all"] == 90
    assert greedy["counts"]["languages"] == {"en": 30, "fr": 30, "de": 30}
    # Per format: the share of its examples that are not French, counted by hand.
    tags = []
    for language in dates.LANGUAGES:
        examples = dates.date_normalization(30, languages=[language], seed=2, split="test")
        tags += list(zip(examples.languages, examples.formats))
    for name, value in greedy["formats"].items():
        in_format = [lang for lang, fmt in tags if fmt == name]
        assert value == pytest.approx(100 * sum(lang != "fr" for lang in in_format)
                                      / len(in_format))
        assert greedy["counts"]["formats"][name] == len(in_format)
        french = greedy["cells"][("fr", name)]
        assert french == 0.0 or math.isnan(french)  # NaN: no French example of that format


def test_table_and_summary(results):
    header, rows, align = evaluation.exact_match_table(results)
    assert header == ["Language", "Format", "Examples", "Greedy (%)", "Beam 4 (%)"]
    assert rows[1] == ["fr", "all", 30, "0.00", "100.00"]
    assert rows[-1] == ["all", "all", 90, "66.67", "100.00"]
    assert len(rows) == 3 + len(results[1]["formats"]) + 1
    assert evaluation.format_exact_match(results) == format_table(header, rows, align)
    summary = evaluation.summary(results, seed=2)
    assert summary["seed"] == 2
    assert summary["greedy"]["goal_reached"] is False
    assert summary["beam_4"]["goal_reached"] is True
    assert summary["greedy"]["languages"]["fr"] == 0.0
    assert summary["goal_exact_match_per_language"] == 99.5


def test_bad_arguments_name_the_argument(results):
    assert_invalid_argument(evaluation.evaluate_dates, "normalizer", "x", "x")
    oracle = Oracle({})
    assert_invalid_argument(evaluation.evaluate_dates, "examples_per_language", 0, oracle,
                            examples_per_language=0)
    assert_invalid_argument(evaluation.evaluate_dates, "split", "dev", oracle, split="dev")
    assert_invalid_argument(evaluation.evaluate_dates, "languages", "es", oracle,
                            languages=["es"])
