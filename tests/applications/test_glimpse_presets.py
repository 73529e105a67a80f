"""The shipped glimpse weights: `pretrained_classifier`, their metadata, bad names."""

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications import glimpse
from keras_memory.applications.glimpse import presets


@pytest.mark.parametrize("setup", sorted(glimpse.SHIPPED_WEIGHTS))
def test_shipped_weights_load_into_their_setup(setup):
    model = glimpse.pretrained_classifier(setup)
    expected = glimpse.PAPER_SETUPS[setup]
    assert model.image_shape == expected["image_shape"]
    assert model.num_glimpses == expected["num_glimpses"]
    metadata = glimpse.shipped_metadata(setup)
    assert metadata["setup"] == setup
    assert metadata["architecture"]["parameters"] == model.count_params()
    assert metadata["training"]["command"].startswith("keras-memory train glimpse")
    assert f"--setup {setup}" in metadata["training"]["command"]
    assert 0 < metadata["validation"]["error_percent_mean_path"] < 100
    # The trained weights are not a fresh model's.
    fresh = glimpse.paper_classifier(setup, seed=0)
    assert not np.allclose(model.get_weights()[0], fresh.get_weights()[0])


def test_shipped_28x28_model_reads_a_drawn_digit():
    """A bar drawn down the middle of the canvas is a 1 (no data files needed)."""
    digit = np.zeros((1, 28, 28), "uint8")
    digit[0, 4:24, 13:16] = 255
    canvases, _ = glimpse.setup_canvases(digit, [1])
    model = glimpse.pretrained_classifier("mnist_28x28")
    logits = model.predict(canvases, verbose=0)["logits"]
    assert int(np.argmax(logits)) == 1


def test_a_path_needs_its_setup(tmp_path):
    path = tmp_path / "m.weights.h5"
    glimpse.pretrained_classifier("cluttered_60x60").save_weights(path)
    model = glimpse.pretrained_classifier(str(path), setup="cluttered_60x60")
    assert model.image_shape == (60, 60, 1)
    with pytest.raises(ValueError, match="pass setup="):
        glimpse.pretrained_classifier(str(path))  # read as the 28 x 28 setup


def test_bad_weights_and_setup(tmp_path):
    assert_invalid_argument(glimpse.pretrained_classifier, "weights", None, "mnist_100x100")
    assert_invalid_argument(glimpse.pretrained_classifier, "weights", None, None)
    path = tmp_path / "m.weights.h5"
    path.write_bytes(b"")
    assert_invalid_argument(
        glimpse.pretrained_classifier, "setup", None, str(path), setup="cluttered"
    )
    assert presets.metadata_path(path).name == "m.json"


def test_setup_canvases():
    digits = np.full((3, 28, 28), 255, "uint8")
    canvases, labels = glimpse.setup_canvases(digits, [0, 1, 2])
    np.testing.assert_array_equal(canvases, np.ones((3, 28, 28, 1)))
    cluttered, _ = glimpse.setup_canvases(digits, [0, 1, 2], "cluttered_60x60", seed=1)
    assert cluttered.shape == (3, 60, 60, 1)
    again, _ = glimpse.setup_canvases(digits, [0, 1, 2], "cluttered_60x60", seed=1)
    np.testing.assert_array_equal(cluttered, again)
    assert_invalid_argument(glimpse.setup_canvases, "setup", None, digits, [0, 1, 2], "60x60")
