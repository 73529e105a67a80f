"""Images in, captions out: a `ShowAttendTell` model served by TensorFlow Serving.

`export_captioner` writes a SavedModel in TF Serving's layout
(`<base_dir>/<name>/<version>/`) with two signatures:

- `serving_default`: input `image_bytes`, string `(B,)`, PNG or JPEG files,
  decoded in the graph (`tf.io.decode_image`, resized to the model's image
  size, scaled to [0, 1]); undecodable bytes fail with an error naming
  `image_bytes`.
- `caption_images`: input `images`, float32 `(B, H, W, channels)` in [0, 1].

Both return `caption`, string `(B,)` (the words of the best hypothesis,
space-separated, without the end token), and `score`, float32 `(B,)`
(what the sampler ranks by). Bad input (wrong rank, size or channels, an
empty batch) fails with an error naming the input. Traced without XLA, on
the CPU. TensorFlow-only.
"""

import os

import numpy as np

from keras_memory import validation
from keras_memory.applications.captioning import model as model_lib
from keras_memory.datasets.text import END_ID
from keras_memory.decoding import BeamSearch

SIGNATURE_KEY = "serving_default"
IMAGES_SIGNATURE_KEY = "caption_images"


def _check_words(words, vocabulary_size):
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise validation.invalid_argument("words", "a list of strings, one per id", words)
    if len(words) != vocabulary_size:
        raise validation.invalid_argument(
            "words", f"{vocabulary_size} words (the model's vocabulary)", f"{len(words)} words"
        )
    return list(words)


def build_captioner_module(model, words, beam_width=3, max_length=16):
    """A `tf.Module` with the two signatures of `export_captioner`."""
    import tensorflow as tf

    parts = model_lib._layers(model)
    words = _check_words(words, parts["output_logits"].units)
    beam_width = validation.check_positive_int("beam_width", beam_width)
    max_length = validation.check_positive_int("max_length", max_length)
    height, width, channels = (int(s) for s in model.input["images"].shape[1:])
    sampler = BeamSearch(beam_width, max_length=max_length)
    table = tf.constant(words)

    def caption(images):
        outputs = model_lib.generate(model, images, sampler)
        tokens = outputs["tokens"][:, 0]
        keep = tf.logical_and(tokens != END_ID, tokens != sampler.pad_id)
        keep = tf.logical_and(keep, tf.cumsum(tf.cast(tokens == END_ID, "int32"), axis=1) == 0)
        strings = tf.where(keep, tf.gather(table, tokens), "")
        joined = tf.strings.reduce_join(strings, axis=1, separator=" ")
        # Empty pieces give double spaces: collapse them.
        joined = tf.strings.strip(tf.strings.regex_replace(joined, " +", " "))
        return {"caption": joined, "score": tf.cast(outputs["scores"][:, 0], "float32")}

    def check_images(images):
        # The shape padded to 4 entries, so that a wrong rank compares too
        # (a rank-3 shape against (H, W, C) would fail on its own length).
        shape = tf.concat([tf.shape(images), tf.zeros((4,), "int32")], axis=0)[:4]
        rank_ok = tf.equal(tf.rank(images), 4)
        dims_ok = tf.reduce_all(tf.equal(shape[1:], [height, width, channels]))
        checks = [
            tf.debugging.Assert(
                tf.logical_and(rank_ok, dims_ok),
                [
                    f"input `images`: expected a float batch of rank 4 (B, H, W, C) = "
                    f"(B, {height}, {width}, {channels}), got shape",
                    tf.shape(images),
                ],
            ),
            tf.debugging.Assert(shape[0] > 0, ["input `images`: empty batch"]),
        ]
        with tf.control_dependencies(checks):
            return tf.ensure_shape(tf.identity(images), (None, height, width, channels))

    class Captioner(tf.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
        def caption_images(self, images):
            return caption(check_images(images))

        @tf.function(input_signature=[tf.TensorSpec((None,), tf.string)])
        def caption_bytes(self, image_bytes):
            tf.debugging.assert_positive(
                tf.size(image_bytes), message="input `image_bytes`: empty batch"
            )

            def decode(data):
                # The PNG signature or a JPEG's start of image: anything else
                # fails here, with the input's name, not deep in a decoder.
                png = tf.equal(tf.strings.substr(data, 0, 8), b"\x89PNG\r\n\x1a\n")
                valid = tf.logical_or(png, tf.io.is_jpeg(data))
                check = tf.debugging.assert_equal(
                    valid, True, message="input `image_bytes`: not a PNG or JPEG file"
                )
                with tf.control_dependencies([check]):
                    image = tf.io.decode_image(data, channels=channels, expand_animations=False)
                image = tf.image.resize(tf.cast(image, "float32") / 255.0, (height, width))
                return tf.ensure_shape(image, (height, width, channels))

            images = tf.map_fn(
                decode,
                image_bytes,
                fn_output_signature=tf.TensorSpec((height, width, channels), tf.float32),
            )
            return caption(images)

    return Captioner()


def export_captioner(model, words, base_dir, name="captioner", version=1, **kwargs):
    """Writes the SavedModel to `<base_dir>/<name>/<version>/`; returns that path."""
    import tensorflow as tf

    version = validation.check_positive_int("version", version)
    path = os.path.join(os.fspath(base_dir), name, str(version))
    with tf.device("/CPU:0"):
        module = build_captioner_module(model, words, **kwargs)
        signatures = {
            SIGNATURE_KEY: module.caption_bytes.get_concrete_function(),
            IMAGES_SIGNATURE_KEY: module.caption_images.get_concrete_function(),
        }
        tf.saved_model.save(module, path, signatures=signatures)
    return path


def encode_png(image):
    """PNG bytes of a float image in [0, 1] `(H, W, C)` (for tests and clients)."""
    import tensorflow as tf

    pixels = np.clip(np.round(np.asarray(image) * 255.0), 0, 255).astype("uint8")
    return tf.io.encode_png(pixels).numpy()
