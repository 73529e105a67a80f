"""`ShowAttendTellShapes`, `caption_images` and the captioning presets."""

import json

import numpy as np
import pytest

from keras_memory.applications.captioning import presets
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import caption_images
from keras_memory.applications.captioning.shapes import check_images
from keras_memory.applications.captioning.shapes import shapes
from keras_memory.applications.shipped_weights import metadata_path


@pytest.fixture(scope="module")
def captioner():
    return ShowAttendTellShapes(weights=None, seed=0)


@pytest.fixture(scope="module")
def images():
    return shapes.captioned_shapes(3, 7, 8, seed=(0, 3), split="test").images


def test_the_setup_builds_a_7x7_grid_of_the_vocabulary(captioner):
    assert captioner.output["alignments"].shape[-1] == 7 * 7
    assert captioner.output["logits"].shape[-1] == len(shapes.VOCABULARY)
    assert tuple(captioner.input["images"].shape[1:]) == (56, 56, 3)
    assert captioner.get_layer("decoder").cell.units == presets.SHAPES_SETUP["decoder_units"]


def test_weights_from_a_path_give_the_same_captions(captioner, images, tmp_path):
    path = tmp_path / "mine.weights.h5"
    captioner.save_weights(path)
    loaded = ShowAttendTellShapes(weights=str(path))
    expected, expected_scores = caption_images(captioner, images)
    captions, scores = caption_images(loaded, images)
    assert captions == expected
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)


def test_caption_images_greedy_and_beam(captioner, images):
    captions, scores = caption_images(captioner, images)
    assert len(captions) == 3 and all(isinstance(c, str) for c in captions)
    assert scores.shape == (3,) and scores.dtype == np.float32 and np.all(scores <= 0)
    beam_captions, beam_scores = caption_images(captioner, images, beam_width=3)
    assert len(beam_captions) == 3
    # Beam search keeps the greedy caption among its candidates: never a worse score.
    assert np.all(beam_scores >= scores - 1e-4)
    # uint8 images read as the same floats.
    as_bytes = np.round(images * 255).astype("uint8")
    assert caption_images(captioner, as_bytes)[0] == caption_images(captioner, as_bytes / 255.0)[0]


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((56, 56, 3), "float32"), r"`images`.*shape \(56, 56, 3\)"),
        (np.zeros((1, 28, 28, 3), "float32"), r"`images`.*shape \(1, 28, 28, 3\)"),
        (np.zeros((1, 56, 56, 1), "float32"), r"`images`.*shape \(1, 56, 56, 1\)"),
        (np.zeros((0, 56, 56, 3), "float32"), r"`images`.*an empty batch"),
        (np.full((1, 56, 56, 3), np.nan, "float32"), r"`images`.*non-finite"),
        (np.array([["a"]]), r"`images`.*dtype"),
    ],
)
def test_bad_images_name_the_argument(bad, match):
    with pytest.raises(ValueError, match=match):
        check_images(bad)


def test_bad_weights_and_attention_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="`weights`.*'imagenet'"):
        ShowAttendTellShapes(weights="imagenet")
    with pytest.raises(ValueError, match="`weights`"):
        ShowAttendTellShapes(weights=str(tmp_path / "missing.weights.h5"))
    with pytest.raises(ValueError, match="`attention`.*'glimpse'"):
        ShowAttendTellShapes(weights=None, attention="glimpse")
    with pytest.raises(ValueError, match="`beam_width`"):
        caption_images(ShowAttendTellShapes(weights=None), np.zeros((1, 56, 56, 3)), 0)


def test_a_broken_or_foreign_weights_file_names_the_file(tmp_path):
    (tmp_path / "broken.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="broken.weights.h5"):
        ShowAttendTellShapes(weights=str(tmp_path / "broken.weights.h5"))
    from keras_memory.applications.captioning.model import ShowAttendTell

    ShowAttendTell(len(shapes.VOCABULARY), image_shape=(56, 56, 3)).save_weights(
        tmp_path / "other.weights.h5"
    )  # 14 x 14 x 32 features: another encoder
    with pytest.raises(ValueError, match="other.weights.h5"):
        ShowAttendTellShapes(weights=str(tmp_path / "other.weights.h5"))


def test_shipped_table_and_metadata_path(tmp_path):
    assert presets.SHIPPED_WEIGHTS == {"shapes": "captioning/shapes.weights.h5"}
    assert presets.metadata_path(tmp_path / "shapes.weights.h5") == tmp_path / "shapes.json"
    assert metadata_path("a/b.weights.h5").name == "b.json"
    (tmp_path / "shapes.json").write_text(json.dumps({"ok": 1}))
    assert json.loads(presets.metadata_path(tmp_path / "shapes.weights.h5").read_text()) == {
        "ok": 1
    }
