"""`ShowAttendTell` over a `keras.applications` backbone cut at a spatial feature map."""

import keras
import numpy as np
import pytest

from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import generate
from keras_memory.applications.captioning.training import CaptionTrainer
from keras_memory.decoding import GreedySampler

RNG = np.random.default_rng(0)
X = {
    "images": RNG.random((4, 64, 64, 3), dtype="float32"),
    "decoder_input_ids": np.array([[1, 5, 6, 7], [1, 7, 0, 0], [1, 8, 9, 0], [1, 5, 5, 5]]),
}
Y = np.array([[5, 6, 7, 2], [7, 2, 0, 0], [8, 9, 2, 0], [5, 5, 5, 2]])


def mobilenet_encoder():
    """MobileNetV2 (`weights=None`: offline) cut at `block_6_expand_relu`: 8 x 8 x 96."""
    backbone = keras.applications.MobileNetV2(
        input_shape=(64, 64, 3), alpha=0.35, include_top=False, weights=None
    )
    return keras.Model(backbone.input, backbone.get_layer("block_6_expand_relu").output)


def captioner(encoder):
    keras.utils.set_random_seed(0)
    return ShowAttendTell(
        12, image_shape=(64, 64, 3), encoder=encoder, embedding_dim=8, decoder_units=8,
        attention_units=8, seed=0,
    )  # fmt: skip


@pytest.fixture(scope="module")
def model():
    return captioner(mobilenet_encoder())



def test_the_memory_is_the_cut_layers_grid(model):
    assert model.output["alignments"].shape[-1] == 8 * 8
    outputs = model(X)
    real = X["decoder_input_ids"] != 0  # padded steps have no attention
    totals = np.asarray(outputs["alignments"]).sum(-1)
    np.testing.assert_allclose(totals[real], 1.0, atol=1e-5)
    np.testing.assert_array_equal(totals[~real], 0.0)


@pytest.mark.parametrize("frozen", [False, True])
def test_one_training_step_trains_the_backbone_unless_frozen(frozen):
    model = captioner(mobilenet_encoder())
    encoder = model.get_layer("image_encoder")
    encoder.trainable = not frozen
    before = [np.array(w) for w in encoder.weights if w.ndim == 4]
    trainer = CaptionTrainer(model, doubly_stochastic=1.0)
    trainer.compile(keras.optimizers.SGD(0.1))
    loss = trainer.train_on_batch(X, Y)
    assert np.isfinite(loss)
    after = [np.array(w) for w in encoder.weights if w.ndim == 4]
    changed = [not np.array_equal(a, b) for a, b in zip(before, after)]
    assert (not any(changed)) if frozen else all(changed)


def test_greedy_captions_and_keras_round_trip(model, tmp_path):
    tokens = generate(model, X["images"], GreedySampler(max_length=5))["tokens"]
    assert tuple(tokens.shape) == (4, 1, 5)
    path = tmp_path / "captioner.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(loaded(X)["logits"]), np.asarray(model(X)["logits"]))
