"""The seeded date-normalisation generator and its held-out split by date."""

import datetime
from typing import NamedTuple

import numpy as np

from keras_memory import validation
from keras_memory.datasets import text
from keras_memory.datasets.dates import formats as date_formats

SPLITS = ("train", "validation", "test", "all")
# The length of every target: "YYYY-MM-DD".
TARGET_LENGTH = 10

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


class DateExamples(NamedTuple):
    """Date-normalisation examples: four lists of the same length.

    Attributes:
        sources: The written dates ("mardi 4 mai 1999").
        targets: Their ISO 8601 forms ("1999-05-04").
        languages: The language of each source (`"en"`, `"fr"`, `"de"`).
        formats: The format name of each source (one of `FORMATS`).
    """

    sources: list
    targets: list
    languages: list
    formats: list


def _splitmix64(values):
    """SplitMix64's finaliser on uint64 arrays (a well-mixed integer hash)."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def date_split_fractions(ordinals, split_seed=0):
    """The split coordinate in `[0, 1)` of each date (by proleptic ordinal).

    `u(d) = splitmix64(splitmix64(split_seed) ^ d.toordinal()) / 2**64`
    (its top 53 bits): a seeded hash of the date alone, so a date falls in
    the same split whatever the year range, the sampling seed or the number
    of examples. A date is in `test` when `u < test_fraction`, in
    `validation` when `test_fraction <= u < test_fraction +
    validation_fraction`, and in `train` otherwise.
    """
    split_seed = validation.check_seed(split_seed, name="split_seed")
    key = _splitmix64(np.asarray([split_seed], np.uint64))[0]
    hashed = _splitmix64(np.asarray(ordinals, np.int64).astype(np.uint64) ^ key)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)


def date_split(date, split_seed=0, validation_fraction=0.05, test_fraction=0.1):
    """The split (`"train"`, `"validation"` or `"test"`) that a date belongs to.

    Args:
        date: A `datetime.date` or an ISO string ("1999-05-04").
        split_seed: Non-negative integer, the seed of the hash. Default: `0`.
        validation_fraction, test_fraction: As in `date_normalization`.

    Example:

    >>> [date_split(f"1999-05-0{day}") for day in range(1, 5)]
    ['test', 'test', 'validation', 'train']
    """
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date)
    validation_fraction, test_fraction = _check_fractions(validation_fraction, test_fraction)
    u = date_split_fractions([date.toordinal()], split_seed)[0]
    if u < test_fraction:
        return "test"
    return "validation" if u < test_fraction + validation_fraction else "train"


def _check_fractions(validation_fraction, test_fraction):
    validation_fraction = validation.check_fraction("validation_fraction", validation_fraction)
    test_fraction = validation.check_fraction("test_fraction", test_fraction)
    if validation_fraction + test_fraction >= 1.0:
        raise validation.invalid_argument(
            "test_fraction",
            f"a fraction below 1 - `validation_fraction` ({1 - validation_fraction:g})",
            test_fraction,
        )
    return validation_fraction, test_fraction


def _check_names(name, values, choices):
    """`"all"` or a non-empty list of distinct members of `choices`, as a tuple."""
    if isinstance(values, str) and values == "all":
        return tuple(choices)
    expected = f"`\"all\"` or a non-empty list of distinct values from {tuple(choices)}"
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise validation.invalid_argument(name, expected, values)
    values = tuple(values)
    if not values or len(set(values)) != len(values) or not all(
        isinstance(v, str) and v in choices for v in values
    ):
        raise validation.invalid_argument(name, expected, values)
    return values


def _split_ordinals(split, split_seed, validation_fraction, test_fraction, min_year, max_year):
    first = datetime.date(min_year, 1, 1).toordinal()
    last = datetime.date(max_year, 12, 31).toordinal()
    ordinals = np.arange(first, last + 1, dtype=np.int64)
    if split == "all":
        return ordinals
    u = date_split_fractions(ordinals, split_seed)
    keep = {
        "test": u < test_fraction,
        "validation": (u >= test_fraction) & (u < test_fraction + validation_fraction),
        "train": u >= test_fraction + validation_fraction,
    }[split]
    return ordinals[keep]


def date_normalization(
    num_examples,
    languages=date_formats.LANGUAGES,
    formats="all",
    seed=0,
    split="train",
    min_year=1900,
    max_year=2099,
    split_seed=0,
    validation_fraction=0.05,
    test_fraction=0.1,
):
    """Dates written in English, French and German, with their ISO 8601 form.

    Example `k` draws three numbers `(a, b, c)` uniform in `[0, 1)` (row `k`
    of `rng.random((num_examples, 3))`, so the first examples do not
    depend on `num_examples`): the language `languages[floor(a n_l)]`, the
    format `formats[floor(b n_f)]`, and the date, uniform over the dates of
    `[min_year, max_year]` in the split, restricted to
    `SHORT_YEAR_RANGE` (1950-2049) for a two-digit-year format. Weekdays
    are the true weekdays (`date.weekday()`).

    Held-out split: each date belongs to one split by a seeded hash of the
    date (`date_split_fractions`, seed `split_seed`), independent of `seed`:
    train, validation and test never share a date, whatever the sampling
    seeds.

    Args:
        num_examples: Positive integer.
        languages: A non-empty list from `("en", "fr", "de")`, or `"all"`.
            Default: the three.
        formats: A non-empty list of format names (`FORMATS`), or `"all"`.
            Default: `"all"`.
        seed: Non-negative integer (or tuple of them), the sampling seed.
            Default: `0`.
        split: `"train"`, `"validation"`, `"test"` or `"all"` (no split).
            Default: `"train"`.
        min_year: Integer in `[1, 9999]`, the first year. Default: `1900`.
        max_year: Integer in `[min_year, 9999]`. Default: `2099`.
        split_seed: Non-negative integer, the seed of the split's hash.
            Default: `0`.
        validation_fraction: Fraction in `[0, 1)` of dates in validation.
            Default: `0.05`.
        test_fraction: Fraction in `[0, 1)` of dates in test, with
            `validation_fraction + test_fraction < 1`. Default: `0.1`.

    Returns:
        A `DateExamples` `(sources, targets, languages, formats)` of lists.

    Example:

    >>> examples = date_normalization(3, seed=1)
    >>> [len(t) for t in examples.targets]
    [10, 10, 10]
    >>> examples.languages == date_normalization(5, seed=1).languages[:3]
    True
    """
    num_examples = validation.check_positive_int("num_examples", num_examples)
    languages = _check_names("languages", languages, date_formats.LANGUAGES)
    formats = _check_names("formats", formats, date_formats.FORMATS)
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    split = validation.check_choice("split", split, SPLITS)
    min_year, max_year = validation.check_int_range("min_year", min_year, "max_year", max_year)
    if max_year > 9999:
        raise validation.invalid_argument("max_year", "an integer <= 9999", max_year)
    split_seed = validation.check_seed(split_seed, name="split_seed")
    validation_fraction, test_fraction = _check_fractions(validation_fraction, test_fraction)

    pool = _split_ordinals(
        split, split_seed, validation_fraction, test_fraction, min_year, max_year
    )
    first_short, last_short = date_formats.SHORT_YEAR_RANGE
    low = datetime.date(first_short, 1, 1).toordinal()
    high = datetime.date(last_short, 12, 31).toordinal()
    short_pool = pool[(pool >= low) & (pool <= high)]
    if pool.size == 0:
        raise validation.invalid_argument(
            "split", f"a split with dates in [{min_year}, {max_year}]", split
        )
    if short_pool.size == 0 and any(f in date_formats.SHORT_YEAR_FORMATS for f in formats):
        raise validation.invalid_argument(
            "formats",
            f"formats without a two-digit year for years [{min_year}, {max_year}] outside "
            f"{date_formats.SHORT_YEAR_RANGE}",
            formats,
        )

    draws = rng.random((num_examples, 3))
    language_index = (draws[:, 0] * len(languages)).astype(int)
    format_index = (draws[:, 1] * len(formats)).astype(int)
    examples = DateExamples([], [], [], [])
    for k in range(num_examples):
        language = languages[language_index[k]]
        format_name = formats[format_index[k]]
        dates = short_pool if format_name in date_formats.SHORT_YEAR_FORMATS else pool
        date = datetime.date.fromordinal(int(dates[int(draws[k, 2] * dates.size)]))
        examples.sources.append(date_formats.render(date, language, format_name))
        examples.targets.append(date.isoformat())
        examples.languages.append(language)
        examples.formats.append(format_name)
    return examples


def _alphabet():
    """Every character that a source or a target can hold."""
    strings = ["0123456789-"]
    first = datetime.date(2000, 1, 1)  # a leap year: every day, month and weekday
    for offset in range(366):
        date = first + datetime.timedelta(days=offset)
        for language in date_formats.LANGUAGES:
            for name in date_formats.FORMATS:
                strings.append(date_formats.render(date, language, name))
    return sorted(set("".join(strings)))


DATE_ALPHABET = "".join(_alphabet())


def date_vocabulary():
    """The `CharacterVocabulary` of every source and target character.

    One vocabulary for the three languages (one shared encoder-decoder):
    digits, punctuation, and the letters of every month and weekday name in
    every case variant (accented capitals included).
    """
    return text.CharacterVocabulary(list(DATE_ALPHABET))
