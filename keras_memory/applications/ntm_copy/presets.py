"""The shipped copy-task NTM weights (`saved_models/ntm_copy/`) and metadata."""

import json

from keras_memory.applications import shipped_weights

SHIPPED_WEIGHTS = {"copy": "ntm_copy/copy.weights.h5"}
METADATA_FILE = "metadata.json"


def shipped_weights_path(weights):
    """Path of the shipped weights called `weights`."""
    return shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)


def weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(weights, SHIPPED_WEIGHTS)


def shipped_metadata(weights="copy"):
    """The metadata stored beside shipped weights (task, budget, scores)."""
    path = shipped_weights_path(weights)
    return json.loads(path.with_name(METADATA_FILE).read_text())


