import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import generate
from keras_memory.applications.captioning.serving import encode_png
from keras_memory.applications.captioning.serving import export_captioner
from keras_memory.decoding import BeamSearch
from keras_memory.export import run_in_fresh_process

WORDS = [
    "<pad>",
    "<start>",
    "<end>",
    "<unk>",
    "a",
    "red",
    "blue",
    "circle",
    "square",
    "above",
    "below",
    "small",
]
RNG = np.random.default_rng(0)
# PNG round trip exact: images on the 1/255 grid.
IMAGES = (np.round(RNG.uniform(size=(2, 16, 16, 3)) * 255) / 255).astype("float32")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(3)
    model = ShowAttendTell(
        12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8, attention_units=8
    )
    path = export_captioner(model, WORDS, tmp_path_factory.mktemp("serving"), max_length=6)
    outputs = generate(model, IMAGES, BeamSearch(3, max_length=6))
    tokens = keras.ops.convert_to_numpy(outputs["tokens"])[:, 0]
    captions = []
    for row in tokens:
        ids = list(row)
        ids = ids[: ids.index(2)] if 2 in ids else ids
        captions.append(" ".join(WORDS[i] for i in ids if i != 0))
    return path, captions, keras.ops.convert_to_numpy(outputs["scores"])[:, 0]


_SCRIPT = r"""
import json, sys
sys.modules["keras_memory"] = None
import numpy as np, tensorflow as tf
path, images_path, bytes_path = sys.argv[1:4]
loaded = tf.saved_model.load(path)
images = np.load(images_path)
data = [open(p, "rb").read() for p in bytes_path.split(",")]
a = loaded.signatures["caption_images"](images=tf.constant(images))
b = loaded.signatures["serving_default"](image_bytes=tf.constant(data))
print(json.dumps({k: [x.decode() if isinstance(x, bytes) else float(x) for x in v.numpy()]
                  for k, v in [("images_caption", a["caption"]), ("images_score", a["score"]),
                               ("bytes_caption", b["caption"]), ("bytes_score", b["score"])]}))
"""


def test_fresh_process_without_keras_memory(exported, tmp_path):
    path, captions, scores = exported
    np.save(tmp_path / "images.npy", IMAGES)
    files = []
    for index, image in enumerate(IMAGES):
        file = tmp_path / f"{index}.png"
        file.write_bytes(encode_png(image))
        files.append(str(file))
    result = run_in_fresh_process(
        _SCRIPT, [path, str(tmp_path / "images.npy"), ",".join(files)], tmp_path, 300, "serving"
    )
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["images_caption"] == captions
    assert answers["bytes_caption"] == captions
    np.testing.assert_allclose(answers["images_score"], scores, rtol=1e-4)
    np.testing.assert_allclose(answers["bytes_score"], scores, rtol=1e-4)


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((2, 16, 16), "float32"), "`images`"),
        (np.zeros((1, 8, 16, 3), "float32"), "`images`"),
        (np.zeros((1, 16, 16, 1), "float32"), "`images`"),
        (np.zeros((0, 16, 16, 3), "float32"), "`images`: empty batch"),
    ],
)
def test_bad_images(exported, images, match):
    loaded = tf.saved_model.load(exported[0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        loaded.signatures["caption_images"](images=tf.constant(images))


@pytest.mark.parametrize(
    "data, match", [([b"not an image"], "`image_bytes`"), ([], "`image_bytes`: empty batch")]
)
def test_bad_bytes(exported, data, match):
    loaded = tf.saved_model.load(exported[0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        loaded.signatures["serving_default"](image_bytes=tf.constant(data, dtype=tf.string))


def test_bad_words():
    model = ShowAttendTell(
        12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8, attention_units=8
    )
    with pytest.raises(ValueError, match="argument `words`"):
        export_captioner(model, WORDS[:5], "/tmp/unused")
