import keras
import numpy as np
import pytest

from keras_memory.applications.captioning.model import CoordinateChannels
from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import coordinate_cnn
from keras_memory.applications.captioning.model import decoding_step
from keras_memory.applications.captioning.model import encode
from keras_memory.applications.captioning.model import generate
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(3, 16, 16, 3)).astype("float32")
IDS = np.array([[1, 5, 6, 7], [1, 8, 0, 0], [1, 9, 10, 0]], "int32")


def _model(attention="soft", **kwargs):
    keras.utils.set_random_seed(1)
    return ShowAttendTell(
        12,
        image_shape=(16, 16, 3),
        embedding_dim=8,
        decoder_units=8,
        attention_units=8,
        attention=attention,
        seed=0,
        **kwargs,
    )


@pytest.fixture(scope="module")
def model():
    return _model()


def test_output_shapes(model):
    outputs = model({"images": IMAGES, "decoder_input_ids": IDS})
    assert tuple(outputs["logits"].shape) == (3, 4, 12)
    assert tuple(outputs["alignments"].shape) == (3, 4, 16)  # 4 x 4 grid
    alignments = keras.ops.convert_to_numpy(outputs["alignments"])
    np.testing.assert_allclose(alignments[0].sum(-1), np.ones(4), rtol=1e-5)
    np.testing.assert_array_equal(alignments[1, 2:], 0.0)  # padded steps


def test_decoding_step_matches_teacher_forcing(model):
    logits = keras.ops.convert_to_numpy(
        model({"images": IMAGES, "decoder_input_ids": IDS})["logits"]
    )
    state = encode(model, IMAGES)
    next_fn = decoding_step(model)
    for t in range(2):
        step_logits, state, _ = next_fn(IDS[:, t], state, t)
        step_logits = keras.ops.convert_to_numpy(step_logits)
        # ids other than padding and start are the model's logits
        np.testing.assert_allclose(step_logits[:, 2:], logits[:, t, 2:], rtol=1e-4, atol=1e-5)


def test_beam_width_one_is_greedy(model):
    greedy = generate(model, IMAGES, GreedySampler(max_length=6))
    beam = generate(model, IMAGES, BeamSearch(1, max_length=6))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(greedy["tokens"]), keras.ops.convert_to_numpy(beam["tokens"])
    )
    assert tuple(greedy["alignments"].shape) == (3, 1, 6, 16)


def test_batch_of_n_is_n_batches_of_one(model):
    batch = generate(model, IMAGES, BeamSearch(3, max_length=5))
    for index in range(3):
        single = generate(model, IMAGES[index : index + 1], BeamSearch(3, max_length=5))
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(batch["tokens"])[index],
            keras.ops.convert_to_numpy(single["tokens"])[0],
        )
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(batch["scores"])[index],
            keras.ops.convert_to_numpy(single["scores"])[0],
            rtol=1e-4,
        )


@pytest.mark.parametrize("attention, locations", [("hard", 16), ("none", 1)])
def test_hard_and_no_attention(attention, locations):
    model = _model(attention)
    outputs = model({"images": IMAGES, "decoder_input_ids": IDS})
    assert tuple(outputs["alignments"].shape) == (3, 4, locations)
    decoded = generate(model, IMAGES, GreedySampler(max_length=4))
    assert tuple(decoded["alignments"].shape) == (3, 1, 4, locations)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vocabulary_size=4), "`vocabulary_size`"),
        (dict(image_shape=(16, 16)), "`image_shape`"),
        (dict(attention="glimpse"), "`attention`"),
        (dict(decoder_units=0), "`decoder_units`"),
        (dict(context_gate=1), "`context_gate`"),
        (dict(encoder="resnet"), "`encoder`"),
    ],
)
def test_bad_arguments(kwargs, match):
    arguments = dict(vocabulary_size=12, image_shape=(16, 16, 3))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=f"Received an invalid value for argument {match}"):
        ShowAttendTell(**arguments)


def test_bad_images(model):
    with pytest.raises(ValueError, match="`images`"):
        encode(model, IMAGES[0])


def test_coordinate_channels_append_x_then_y():
    images = np.full((2, 3, 4, 3), 0.5, "float32")
    out = np.asarray(CoordinateChannels()(images))
    assert out.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(out[..., :3], images)
    np.testing.assert_allclose(out[0, 0, :, 3], [-1, -1 / 3, 1 / 3, 1], atol=1e-6)  # x
    np.testing.assert_allclose(out[1, :, 0, 4], [-1, 0, 1], atol=1e-6)  # y, downwards
    assert CoordinateChannels().compute_output_shape((None, 3, 4, 3)) == (None, 3, 4, 5)


def test_coordinate_cnn_has_one_location_per_object_cell_and_round_trips(tmp_path):
    encoder = coordinate_cnn((56, 56, 3))
    assert tuple(encoder.output.shape) == (None, 7, 7, 64)
    captioner = ShowAttendTell(
        12, image_shape=(56, 56, 3), encoder=encoder, embedding_dim=8, decoder_units=8,
        attention_units=8, seed=0,
    )  # fmt: skip
    x = {
        "images": np.random.default_rng(0).random((2, 56, 56, 3), dtype="float32"),
        "decoder_input_ids": np.array([[1, 5, 6], [1, 7, 0]]),
    }
    path = tmp_path / "captioner.keras"
    captioner.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        np.asarray(loaded(x)["logits"]), np.asarray(captioner(x)["logits"])
    )
    assert loaded.output["alignments"].shape[-1] == 49
