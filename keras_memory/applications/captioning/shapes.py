"""`ShowAttendTellShapes`: the captioner of captioned-shapes scenes, and `caption_images`.

The setup of `presets.SHAPES_SETUP`: `coordinate_cnn` (coordinate
channels, three 3 x 3 convolutions with 2 x 2 poolings: a 7 x 7 grid of
64-channel annotations for the 56 x 56 images), a 128-unit gated LSTM
decoder with soft attention and the deep output; the shipped weights
`"shapes"` trained by the project (`presets.shipped_metadata()` has the
command, the budget and the held-out metrics).
"""

import importlib

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.captioning.model import ATTENTIONS
from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import coordinate_cnn
from keras_memory.applications.captioning.model import generate
from keras_memory.applications.captioning.model import sampler_for
from keras_memory.applications.captioning.presets import SHAPES_SETUP

# By path: `keras_memory.datasets` may export a function of that name.
shapes = importlib.import_module("keras_memory.datasets.captioned_shapes")

IMAGE_SIZE = SHAPES_SETUP["grid_size"] * SHAPES_SETUP["cell_size"]  # 56
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 3)
MAX_LENGTH = shapes.CAPTION_LENGTH - 1  # the longest caption's words and the end id


def ShowAttendTellShapes(weights="shapes", attention=None, seed=None):
    """The captioned-shapes captioner of `presets.SHAPES_SETUP`.

    Args:
        weights: `"shapes"` (the shipped weights), `None` (a fresh model),
            or the path of a `.weights.h5` file of this setup.
        attention: `"soft"`, `"hard"` or `"none"`; default the setup's
            (`"soft"`, the only one shipped).
        seed: Optional integer, the seed of the hard read.

    Returns:
        A built, uncompiled `ShowAttendTell` model taking float images
        `(B, 56, 56, 3)` in `[0, 1]`.

    Example:

    >>> captioner = ShowAttendTellShapes(weights=None)
    >>> captioner.output["alignments"].shape[-1]  # 7 x 7 locations
    49
    """
    from keras_memory.applications import shipped_weights
    from keras_memory.applications.captioning import presets

    attention = validation.check_choice(
        "attention", attention or SHAPES_SETUP["attention"], ATTENTIONS
    )
    path = presets.weights_file(weights)
    captioner = ShowAttendTell(
        len(shapes.VOCABULARY),
        image_shape=IMAGE_SHAPE,
        encoder=coordinate_cnn(IMAGE_SHAPE, SHAPES_SETUP["encoder_filters"]),
        embedding_dim=SHAPES_SETUP["embedding_dim"],
        decoder_units=SHAPES_SETUP["decoder_units"],
        attention_units=SHAPES_SETUP["attention_units"],
        attention=attention,
        seed=seed,
        name="show_attend_tell_shapes",
    )
    if path is not None:
        shipped_weights.load_weights(
            captioner, path, mismatch_hint=f" (ShowAttendTellShapes, attention={attention!r})"
        )
    return captioner


def check_images(images, image_shape=IMAGE_SHAPE):
    """`images` as float32 `(B, H, W, 3)` in `[0, 1]` of `image_shape`, or raises."""
    array = np.asarray(images)
    if array.dtype == np.uint8:
        array = array.astype("float32") / 255.0
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise validation.invalid_argument("images", "a float image batch", f"dtype {array.dtype}")
    array = array.astype("float32")
    if array.ndim != 4 or tuple(array.shape[1:]) != tuple(image_shape):
        raise validation.invalid_argument(
            "images", f"an image batch (B, {', '.join(map(str, image_shape))})",
            f"shape {array.shape}",
        )  # fmt: skip
    if array.shape[0] == 0:
        raise validation.invalid_argument("images", "at least one image", "an empty batch")
    if not np.all(np.isfinite(array)):
        raise validation.invalid_argument("images", "finite pixel values", "non-finite values")
    return array


def caption_images(captioner, images, beam_width=1):
    """Captions `images` with `captioner`: greedy, or beam search of `beam_width`.

    Args:
        captioner: A `ShowAttendTell` model (e.g. `ShowAttendTellShapes()`).
        images: Float images `(B, H, W, 3)` in `[0, 1]` of the captioner's
            size (uint8 images are scaled by 1 / 255).
        beam_width: Positive integer; `1` decodes greedily. Default: `1`.

    Returns:
        `(captions, scores)`: a list of `B` caption strings and a float
        array `(B,)`, the log-probability of each caption (with its end id).
    """
    images = check_images(images, tuple(captioner.input["images"].shape[1:]))
    outputs = generate(captioner, images, sampler_for(beam_width, MAX_LENGTH))
    tokens = keras.ops.convert_to_numpy(outputs["tokens"])[:, 0]
    scores = keras.ops.convert_to_numpy(outputs["scores"])[:, 0]
    return [shapes.decode_caption(row) for row in tokens], scores.astype("float32")
