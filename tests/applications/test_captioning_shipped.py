"""The shipped captioner (`ShowAttendTellShapes(weights="shapes")`) and its metadata."""

import numpy as np
import pytest

from keras_memory.applications.captioning import evaluation
from keras_memory.applications.captioning import presets
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import caption_images
from keras_memory.applications.captioning.shapes import shapes
from keras_memory.applications.captioning.shapes_training import scenes


@pytest.fixture(scope="module")
def shipped():
    return ShowAttendTellShapes(weights="shapes")


def test_metadata_records_the_run_and_its_setup():
    metadata = presets.shipped_metadata()
    training = metadata["training"]
    assert metadata["application"] == "ShowAttendTellShapes"
    setup = dict(presets.SHAPES_SETUP)
    setup["encoder_filters"] = list(setup["encoder_filters"])
    assert metadata["setup"] == setup
    assert training["command"].startswith("keras-memory train captioning")
    assert (training["epochs"], training["examples"], training["seed"]) == (
        setup["epochs"], setup["examples"], 0,
    )  # fmt: skip
    assert training["wall_seconds"] > 0 and training["jit_compile"] is True
    assert metadata["validation"]["scenes"] == setup["validation_examples"]


def test_captions_held_out_test_scenes_as_the_metadata_says(shipped):
    # 200 scenes of the test split (never trained on, not the metadata's
    # validation scenes): within sampling error of the recorded exact match.
    examples = scenes(200, "test")
    metrics = evaluation.evaluate_captioner(shipped, examples)
    recorded = presets.shipped_metadata()["validation"]
    assert metrics["exact_match_by_objects"][1] == 100.0
    assert abs(metrics["exact_match"] - recorded["exact_match"]) < 8.0, metrics
    assert metrics["exact_match"] > 80.0


def test_single_object_scenes_word_for_word(shipped):
    # One object: "a <size> <colour> <shape>", nothing to relate.
    examples = shapes.captioned_shapes(
        8, 7, 8, seed=(5, 3), min_objects=1, max_objects=1, split="test"
    )
    captions, scores = caption_images(shipped, examples.images)
    assert captions == [shapes.decode_caption(row) for row in examples.captions]
    assert np.all(scores > -1.0)
