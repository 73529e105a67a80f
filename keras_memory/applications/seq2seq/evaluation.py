"""Exact match of a date normaliser on held-out dates, per language and format.

An output counts only when it equals the ISO target character for
character ("1999-05-04"). The held-out dates are those of
`date_normalization(split="test")`: the split is by a hash of the date, so
no test date (in any language or format) was seen in training.
"""

import keras

from keras_memory import validation
from keras_memory.applications.seq2seq.presets import EXACT_MATCH_GOAL
from keras_memory.applications.tables import format_table
from keras_memory.datasets import dates

BEAM_WIDTHS = (1, 4)


def _normalizer(normalizer):
    from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer

    if isinstance(normalizer, DateNormalizer):
        return normalizer
    if isinstance(normalizer, keras.Model):
        return DateNormalizer.from_model(normalizer)
    raise validation.invalid_argument(
        "normalizer", "a `DateNormalizer` or an `AttentionSeq2Seq` model", normalizer
    )


def _percent(hits, count):
    return 100.0 * hits / count if count else float("nan")


def exact_match(predictions, targets):
    """The percentage of `predictions` equal to `targets` (lists of strings).

    >>> exact_match(["1999-05-04", "1999-05-05"], ["1999-05-04", "1999-05-04"])
    50.0
    """
    if len(predictions) != len(targets):
        raise validation.invalid_argument(
            "predictions", f"as many strings as `targets` ({len(targets)})", len(predictions)
        )
    return _percent(sum(p == t for p, t in zip(predictions, targets)), len(targets))


def evaluate_dates(
    normalizer,
    examples_per_language=1000,
    beam_widths=BEAM_WIDTHS,
    seed=2026,
    split="test",
    languages=dates.LANGUAGES,
):
    """Exact match (%) on held-out dates per language, format and both.

    For each language, `examples_per_language` dates of `split` in every
    format (`date_normalization(examples_per_language, languages=[lang],
    seed=seed, split=split)`) are normalised with each beam width.

    Args:
        normalizer: A `DateNormalizer` (or an `AttentionSeq2Seq` date
            model, wrapped with `DateNormalizer.from_model`).
        examples_per_language: Positive integer. Default: `1000`.
        beam_widths: Positive integers; `1` is greedy. Default: `(1, 4)`.
        seed: Non-negative integer, the sampling seed. Default: `2026`.
        split: `"test"`, `"validation"` or `"train"`. Default: `"test"`.
        languages: Languages to measure. Default: all three.

    Returns:
        `{beam_width: {"all": %, "languages": {lang: %}, "formats":
        {format: %}, "cells": {(lang, format): %}, "counts": {...}}}` with
        Python floats; `"counts"` holds the examples behind each figure
        (`"all"`, `"languages"`, `"formats"`).
    """
    normalizer = _normalizer(normalizer)
    examples_per_language = validation.check_positive_int(
        "examples_per_language", examples_per_language
    )
    beam_widths = validation.check_positive_int_list("beam_widths", beam_widths)
    seed = validation.check_seed(seed)
    validation.check_choice("split", split, ("train", "validation", "test"))
    languages = list(languages)
    for language in languages:
        validation.check_choice("languages", language, dates.LANGUAGES)
    sources, targets, tags = [], [], []
    for language in languages:
        examples = dates.date_normalization(
            examples_per_language, languages=[language], seed=seed, split=split
        )
        sources += examples.sources
        targets += examples.targets
        tags += list(zip(examples.languages, examples.formats))
    results = {}
    for beam_width in beam_widths:
        outputs = normalizer.normalize(sources, beam_width=beam_width)
        hits = [best[0][0] == target for best, target in zip(outputs, targets)]
        results[beam_width] = _group(hits, tags)
    return results


def _group(hits, tags):
    def rate(keep):
        chosen = [hit for hit, tag in zip(hits, tags) if keep(tag)]
        return _percent(sum(chosen), len(chosen)), len(chosen)

    languages = sorted({tag[0] for tag in tags}, key=list(dates.LANGUAGES).index)
    formats = [name for name in dates.FORMATS if any(tag[1] == name for tag in tags)]
    by_language = {lang: rate(lambda tag, lang=lang: tag[0] == lang) for lang in languages}
    by_format = {name: rate(lambda tag, name=name: tag[1] == name) for name in formats}
    cells = {
        (lang, name): rate(lambda tag, lang=lang, name=name: tag == (lang, name))[0]
        for lang in languages
        for name in formats
    }
    return {
        "all": _percent(sum(hits), len(hits)),
        "languages": {lang: value for lang, (value, _) in by_language.items()},
        "formats": {name: value for name, (value, _) in by_format.items()},
        "cells": cells,
        "counts": {
            "all": len(hits),
            "languages": {lang: count for lang, (_, count) in by_language.items()},
            "formats": {name: count for name, (_, count) in by_format.items()},
        },
    }


def _beam_label(beam_width):
    return "Greedy (%)" if beam_width == 1 else f"Beam {beam_width} (%)"


def exact_match_table(results):
    """`(header, rows, align)` of `evaluate_dates`' results for `format_table`.

    One row per language (every format), one per format (every language)
    and one for everything; a column of examples and one per beam width.
    """
    beams = list(results)
    first = results[beams[0]]
    counts = first["counts"]
    header = ["Language", "Format", "Examples", *map(_beam_label, beams)]
    rows = []
    for lang in first["languages"]:
        rows.append([lang, "all", counts["languages"][lang],
                     *(f"{results[b]['languages'][lang]:.2f}" for b in beams)])
    for name in first["formats"]:
        rows.append(["all", name, counts["formats"][name],
                     *(f"{results[b]['formats'][name]:.2f}" for b in beams)])
    rows.append(["all", "all", counts["all"], *(f"{results[b]['all']:.2f}" for b in beams)])
    align = ["left", "left", "right", *(["right"] * len(beams))]
    return header, rows, align


def format_exact_match(results):
    """The exact-match table as one Markdown string (`format_table`)."""
    return format_table(*exact_match_table(results))


def summary(results, **extra):
    """`evaluate_dates`' results as JSON-ready data, with the goal.

    Keys `"greedy"` and `"beam_<k>"`; each holds `"all"`, `"languages"`,
    `"formats"` and `"cells"` (`"<lang>/<format>"`), rounded to 0.01 %, and
    `"goal_reached"`: whether every language reaches `EXACT_MATCH_GOAL`.
    """
    data = dict(extra)
    data["goal_exact_match_per_language"] = EXACT_MATCH_GOAL
    for beam_width, result in results.items():
        key = "greedy" if beam_width == 1 else f"beam_{beam_width}"
        data[key] = {
            "all": round(result["all"], 2),
            "languages": {k: round(v, 2) for k, v in result["languages"].items()},
            "formats": {k: round(v, 2) for k, v in result["formats"].items()},
            "cells": {f"{k[0]}/{k[1]}": round(v, 2) for k, v in result["cells"].items()},
            "examples": result["counts"]["all"],
            "goal_reached": all(v >= EXACT_MATCH_GOAL for v in result["languages"].values()),
        }
    return data
