"""The seeded date-normalisation generator and its split by date."""

import collections
import datetime

import numpy as np
from testing_utils import assert_invalid_argument

from keras_memory.datasets import dates


def test_same_seed_same_examples_and_prefix_stable():
    first = dates.date_normalization(50, seed=4)
    assert first == dates.date_normalization(50, seed=4)
    assert first != dates.date_normalization(50, seed=5)
    longer = dates.date_normalization(80, seed=4)
    assert all(list(a) == list(b)[:50] for a, b in zip(first, longer))
    assert isinstance(first, dates.DateExamples)


def test_targets_are_iso_dates_of_the_sources_in_range():
    examples = dates.date_normalization(600, seed=1, min_year=1900, max_year=2099)
    for source, target, language, name in zip(*examples):
        date = datetime.date.fromisoformat(target)
        assert 1900 <= date.year <= 2099 and len(target) == dates.TARGET_LENGTH
        assert dates.render(date, language, name) == source
        if name in dates.SHORT_YEAR_FORMATS:
            assert 1950 <= date.year <= 2049


def test_every_language_and_format_present_and_balanced():
    examples = dates.date_normalization(3300, seed=0)
    pairs = collections.Counter(zip(examples.languages, examples.formats))
    assert set(pairs) == {(lang, f) for lang in dates.LANGUAGES for f in dates.FORMATS}
    assert min(pairs.values()) > 50  # 100 expected for each of the 33 pairs
    chosen = dates.date_normalization(200, languages=["fr"], formats=["ordinal", "upper"])
    assert set(chosen.languages) == {"fr"}
    assert set(chosen.formats) == {"ordinal", "upper"}


def test_splits_never_share_a_date_whatever_the_seeds():
    splits = {
        split: set(dates.date_normalization(3000, seed=seed, split=split).targets)
        for split, seed in [("train", 0), ("validation", 1), ("test", 2)]
    }
    assert not splits["train"] & splits["test"]
    assert not splits["train"] & splits["validation"]
    assert not splits["validation"] & splits["test"]
    for split, targets in splits.items():
        assert {dates.date_split(t) for t in targets} == {split}
    # About 10 % of dates are in test, 5 % in validation.
    ordinals = np.arange(
        datetime.date(1900, 1, 1).toordinal(), datetime.date(2099, 12, 31).toordinal() + 1
    )
    u = dates.date_split_fractions(ordinals)
    assert abs(np.mean(u < 0.1) - 0.1) < 0.01
    assert abs(np.mean((u >= 0.1) & (u < 0.15)) - 0.05) < 0.01
    other = dates.date_split_fractions(ordinals, split_seed=1)
    assert np.mean((u < 0.1) & (other < 0.1)) < 0.02  # another split_seed, another split


def test_bad_arguments():
    generate = dates.date_normalization
    assert_invalid_argument(generate, "num_examples", 0, 0)
    assert_invalid_argument(generate, "languages", ("es",), 5, languages=["es"])
    assert_invalid_argument(generate, "languages", (), 5, languages=[])
    assert_invalid_argument(generate, "formats", ("iso",), 5, formats=["iso"])
    assert_invalid_argument(generate, "seed", -1, 5, seed=-1)
    assert_invalid_argument(generate, "split", "dev", 5, split="dev")
    assert_invalid_argument(generate, "max_year", 1800, 5, max_year=1800)
    assert_invalid_argument(generate, "test_fraction", 1.0, 5, test_fraction=1.0)
    assert_invalid_argument(
        generate, "test_fraction", 0.5, 5, validation_fraction=0.5, test_fraction=0.5
    )
    assert_invalid_argument(generate, "split_seed", -2, 5, split_seed=-2)
    assert_invalid_argument(
        generate, "formats", ("short_year",), 5, formats=["short_year"],
        min_year=1900, max_year=1940,
    )


def test_date_vocabulary_covers_every_source_and_target():
    vocabulary = dates.date_vocabulary()
    examples = dates.date_normalization(2000, seed=9, split="all")
    ids, _ = vocabulary.encode(examples.sources + examples.targets, 32)
    assert not (ids == 3).any()  # no unknown id
    assert {"é", "û", "ä", "É", "Û", "Ä"} <= set(vocabulary.characters)
    assert max(len(s) for s in examples.sources) <= 31  # fits source length 32
