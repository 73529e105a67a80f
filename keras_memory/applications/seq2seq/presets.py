"""The shipped date-normaliser weights (`saved_models/date_normalizer/`) and metadata.

`"dates"`: `dates.weights.h5`, with `vocabulary.json` (the
`CharacterVocabulary` of the three languages) and `metadata.json` beside it
(the architecture, the training command, seed, budget and wall time, and
the exact match on held-out test dates per language and format, greedy and
beam 4, against the goal `EXACT_MATCH_GOAL`).
"""

import json
import pathlib

from keras_memory.applications import shipped_weights
from keras_memory.datasets.text import CharacterVocabulary

SHIPPED_WEIGHTS = {"dates": "date_normalizer/dates.weights.h5"}
METADATA_FILE = "metadata.json"
VOCABULARY_FILE = "vocabulary.json"
# Issue 10's goal: at least 99.5 % exact match on held-out dates, every language.
EXACT_MATCH_GOAL = 99.5


def shipped_weights_path(weights="dates"):
    """Path of the shipped weights called `weights`."""
    return shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)


def weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(
        weights, SHIPPED_WEIGHTS, beside=" (vocabulary.json and metadata.json beside it)"
    )


def metadata_beside(path):
    """The `metadata.json` beside a weights file as a dict (`{}` if there is none)."""
    metadata_path = pathlib.Path(path).with_name(METADATA_FILE)
    if not metadata_path.is_file():
        return {}
    return json.loads(metadata_path.read_text(encoding="utf-8"))


def vocabulary_beside(path):
    """The `vocabulary.json` beside a weights file, or `None` if there is none."""
    vocabulary_path = pathlib.Path(path).with_name(VOCABULARY_FILE)
    if not vocabulary_path.is_file():
        return None
    return CharacterVocabulary.load(vocabulary_path)


def shipped_metadata(weights="dates"):
    """The metadata stored beside shipped weights (architecture, budget, scores)."""
    return metadata_beside(shipped_weights_path(weights))


def shipped_vocabulary(weights="dates"):
    """The vocabulary stored beside shipped weights."""
    return vocabulary_beside(shipped_weights_path(weights))
