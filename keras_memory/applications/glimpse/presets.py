"""The shipped glimpse-classifier weights (`saved_models/glimpse_mnist/`) and metadata.

One file per paper setup (`model.PAPER_SETUPS`): the weights are those of
`paper_classifier(setup)`, trained by the project on the 4,000 training
digits of `../shared/data/mnist-5k` (`training.train_on_mnist`).
"""

import json

from keras_memory.applications import shipped_weights

# The metadata file beside a weights file: `<stem>.json`.
metadata_path = shipped_weights.metadata_path

SHIPPED_WEIGHTS = {
    "mnist_28x28": "glimpse_mnist/mnist_28x28.weights.h5",
    "cluttered_60x60": "glimpse_mnist/cluttered_60x60.weights.h5",
}


def weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(weights, SHIPPED_WEIGHTS)


def shipped_metadata(weights="mnist_28x28"):
    """The metadata stored beside shipped weights (setup, budget, errors)."""
    path = shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)
    return json.loads(metadata_path(path).read_text())
