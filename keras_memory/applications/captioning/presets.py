"""The shipped captioner (`saved_models/captioning/`): its setup, weights and metadata.

`SHAPES_SETUP` is every choice of the shipped run on the generated
captioned-shapes scenes (`keras_memory.datasets.captioned_shapes`): the
scenes, the captioner's sizes and the training budget. The weights are
those of `shapes.ShowAttendTellShapes(weights=None)`, trained by
`keras-memory train captioning` (`shapes_training.train_on_shapes`).
"""

import json

from keras_memory.applications import shipped_weights

# The metadata file beside a weights file: `<stem>.json`.
metadata_path = shipped_weights.metadata_path

SHIPPED_WEIGHTS = {"shapes": "captioning/shapes.weights.h5"}

SHAPES_SETUP = {
    # The scenes: a 7 x 7 grid of 8-pixel cells, 56 x 56 images, 1 to 3 objects.
    "grid_size": 7,
    "cell_size": 8,
    # coordinate_cnn: stride 8, a 7 x 7 feature grid, one location per object cell.
    "encoder_filters": (16, 32, 64),
    "embedding_dim": 32,
    "decoder_units": 128,
    "attention_units": 32,
    "attention": "soft",
    # lambda of the doubly stochastic term: with 49 locations and about 17
    # words it pulls alpha towards uniform (the benchmark measures both).
    "doubly_stochastic": 0.0,
    "examples": 24000,
    "validation_examples": 1000,
    "epochs": 24,
    "batch_size": 32,
    # Adam, cosine-decayed from this rate to `final_learning_rate` of it.
    "learning_rate": 3e-3,
    "final_learning_rate": 0.02,
}


def weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(weights, SHIPPED_WEIGHTS)


def shipped_metadata(weights="shapes"):
    """The metadata stored beside the shipped weights (setup, budget, metrics)."""
    path = shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)
    return json.loads(metadata_path(path).read_text())
