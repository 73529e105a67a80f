"""Serving a `GlimpseClassifier`: image in, class probabilities and glimpse locations out."""

import keras

from keras_memory import export


def serving_model(model):
    """`images -> {"probabilities", "locations"}`, deterministic, sharing weights.

    The locations are the mean locations from the centre (no sampling), so
    the same image gives the same answer every time.
    """
    images = keras.Input(model.input.shape[1:], name="images")
    logits, locations, _, _ = model.attention(images, sample_locations=False)
    probabilities = keras.layers.Softmax(name="probabilities", dtype="float32")(logits)
    return keras.Model(
        images,
        {"probabilities": probabilities, "locations": locations},
        name="glimpse_serving",
    )


def export_glimpse_classifier(model, base_dir, name="glimpse", version=None):
    """Exports `serving_model(model)` in TF Serving's layout.

    The signature takes `images` `(batch, H, W, C)` float32 and returns
    `probabilities` `(batch, C)` and `locations` `(batch, N, 2)` (the glimpse
    locations as `(y, x)` in `[-1, 1]`, `(0, 0)` the centre). The SavedModel
    needs only TensorFlow to serve (`export.predict_in_fresh_process`).

    Returns:
        The `pathlib.Path` of `<base_dir>/<name>/<version>`.
    """
    return export.export_for_serving(serving_model(model), base_dir, name, version)
