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


_SERVE = r"""
import json, sys
sys.modules["keras_memory"] = None
import tensorflow as tf
path, *files = sys.argv[1:]
served = tf.saved_model.load(path).signatures["serving_default"]
answer = served(image_bytes=tf.constant([open(f, "rb").read() for f in files]))
print(json.dumps([c.decode() for c in answer["caption"].numpy()]))
"""


def test_the_shipped_captioner_serves_png_bytes_in_a_fresh_process(shipped, tmp_path):
    import json

    from keras_memory.applications.captioning.serving import encode_png
    from keras_memory.applications.captioning.serving import export_captioner
    from keras_memory.export import run_in_fresh_process

    examples = scenes(3, "test")
    images = np.round(examples.images * 255) / 255  # the PNG round trip is exact
    path = export_captioner(
        shipped, shapes.VOCABULARY, tmp_path / "serving", beam_width=3,
        max_length=shapes.CAPTION_LENGTH - 1,
    )  # fmt: skip
    files = []
    for index, image in enumerate(images):
        files.append(tmp_path / f"{index}.png")
        files[-1].write_bytes(encode_png(image))
    result = run_in_fresh_process(_SERVE, [path, *map(str, files)], tmp_path, 300, "serving")
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served == caption_images(shipped, images, beam_width=3)[0]
    assert served == [shapes.decode_caption(row) for row in examples.captions]
