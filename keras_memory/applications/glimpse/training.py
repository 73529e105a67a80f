"""Training a `GlimpseClassifier` with `fit()` on arrays or a `tf.data` dataset."""

import keras
import numpy as np

from keras_memory import validation

# Adam at 1e-3 as in the PyTorch reference (the paper used SGD with momentum).
LEARNING_RATE = 1e-3
BATCH_SIZE = 64


def compile_glimpse_classifier(model, learning_rate=LEARNING_RATE, jit_compile="auto"):
    """Compiles `model` with Adam and the accuracy metric (the loss is the model's own).

    Args:
        model: A `GlimpseClassifier`.
        learning_rate: Adam's learning rate. Default: `1e-3`.
        jit_compile: Passed to `compile`. Default: `"auto"`.

    Returns:
        `model`, compiled.
    """
    learning_rate = validation.check_positive_number("learning_rate", learning_rate)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return model


def train_glimpse_classifier(
    model,
    images,
    labels=None,
    epochs=1,
    batch_size=BATCH_SIZE,
    validation_data=None,
    callbacks=None,
    seed=0,
    verbose=0,
):
    """Trains a compiled `GlimpseClassifier` with `fit()`.

    Args:
        model: A compiled `GlimpseClassifier` (see
            `compile_glimpse_classifier`); compiled here with the defaults if
            it is not.
        images: Images `(n, H, W, C)` float in `[0, 1]`, or a `tf.data.Dataset`
            (or any iterable `fit` takes) of `(images, labels)` batches; then
            `labels` and `batch_size` are not used. A generator from
            `keras_memory.datasets.mnist` gives new placements every epoch.
        labels: Integer class ids `(n,)` with array `images`.
        epochs: The number of epochs. Default: `1`.
        batch_size: With arrays. Default: `64`.
        validation_data: Passed to `fit` (evaluated deterministically).
        callbacks: Passed to `fit`.
        seed: Seed of the shuffling of arrays. Default: `0`.
        verbose: Passed to `fit`. Default: `0`.

    Returns:
        The `keras.callbacks.History`.
    """
    epochs = validation.check_positive_int("epochs", epochs)
    if not model.compiled:
        compile_glimpse_classifier(model)
    if isinstance(images, np.ndarray):
        batch_size = validation.check_positive_int("batch_size", batch_size)
        if labels is None or len(labels) != len(images):
            raise validation.invalid_argument(
                "labels", f"one class id per image ({len(images)})", labels
            )
        keras.utils.set_random_seed(validation.check_seed(seed))
        return model.fit(
            images.astype("float32"),
            np.asarray(labels).astype("int32"),
            batch_size=batch_size,
            epochs=epochs,
            validation_data=validation_data,
            callbacks=callbacks,
            verbose=verbose,
        )
    return model.fit(
        images,
        epochs=epochs,
        validation_data=validation_data,
        callbacks=callbacks,
        verbose=verbose,
    )
