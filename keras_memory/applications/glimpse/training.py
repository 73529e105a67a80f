"""Training a `GlimpseClassifier` with `fit()` on arrays or a `tf.data` dataset."""

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.xla import resolve_jit_compile
from keras_memory.callbacks.backup_and_resume import add_backup

# Adam at 1e-3 as in the PyTorch reference (the paper used SGD with momentum).
LEARNING_RATE = 1e-3
BATCH_SIZE = 64


def compile_glimpse_classifier(model, learning_rate=LEARNING_RATE, jit_compile="auto"):
    """Compiles `model` with Adam and the accuracy metric (the loss is the model's own).

    Args:
        model: A `GlimpseClassifier`.
        learning_rate: Adam's learning rate. Default: `1e-3`.
        jit_compile: `"auto"` (XLA on, CPU included, unless it cannot run:
            `keras_memory.applications.xla.resolve_jit_compile`), `True` or
            `False`. Default: `"auto"`.

    Returns:
        `model`, compiled.
    """
    learning_rate = validation.check_positive_number("learning_rate", learning_rate)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        metrics=["accuracy"],
        jit_compile=resolve_jit_compile(model, jit_compile),
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


# The epochs of `keras-memory train glimpse` (and of the shipped runs).
SETUP_EPOCHS = {"mnist_28x28": 600, "cluttered_60x60": 600}
# The canvases of each paper setup: the side, and the pieces of clutter.
SETUP_CANVASES = {"mnist_28x28": (28, 0), "cluttered_60x60": (60, 4)}
# The validation canvases are drawn once, with this seed (the training
# placements change every epoch, from the run's seed).
VALIDATION_SEED = 2014


def setup_canvases(images, labels, setup="mnist_28x28", seed=VALIDATION_SEED):
    """`(canvases (N, S, S, 1), labels)` of MNIST digits for a paper setup.

    `"mnist_28x28"`: the digits themselves, scaled to `[0, 1]`;
    `"cluttered_60x60"`: each digit at a random place of a 60 x 60 canvas
    with 4 pieces of 8 x 8 of other digits (`datasets.mnist.cluttered_mnist`),
    placed by `seed`.
    """
    from keras_memory.datasets import mnist

    setup = validation.check_choice("setup", setup, tuple(SETUP_CANVASES))
    canvas_size, num_clutter = SETUP_CANVASES[setup]
    canvases = mnist.place_digits(images, canvas_size, num_clutter, seed=seed)
    return canvases, np.asarray(labels)


def train_on_mnist(
    directory,
    setup="mnist_28x28",
    epochs=200,
    seed=0,
    output=None,
    learning_rate=LEARNING_RATE,
    batch_size=BATCH_SIZE,
    jit_compile=True,
    monte_carlo_samples=10,
    callbacks=None,
    verbose=0,
    command=None,
    backup_dir=None,
):
    """Trains `paper_classifier(setup)` on a directory of MNIST IDX files.

    The 5,000 digits of `../shared/data/mnist-5k` (or any `train-*-ubyte`
    files) are split class-balanced into 4,000 training and 1,000 validation
    digits (`datasets.mnist.split_validation`, 100 per class, seed 0);
    training sees new placements every epoch (`DigitCanvases`), validation
    one fixed draw (`VALIDATION_SEED`). Adam with a cosine decay of the
    learning rate to 3 % over the run, batches of 64.

    Args:
        directory: The folder of `train-images-idx3-ubyte` and
            `train-labels-idx1-ubyte` (gzipped or not).
        setup: `"mnist_28x28"` or `"cluttered_60x60"`.
        epochs: Passes over the 4,000 training digits. Default: `200`.
        seed: The initial weights, the sampled glimpses and the placements.
        output: Optional `.weights.h5` path; the weights are written there,
            with `<stem>.json` beside it (`presets.metadata_path`) holding
            the setup, the budget, the wall time and the validation errors.
        learning_rate: Adam's initial learning rate. Default: `1e-3`.
        batch_size: Default: `64`.
        jit_compile: Default: `True` (XLA).
        monte_carlo_samples: Paths averaged for the second validation error.
        callbacks: Extra Keras callbacks.
        verbose: Passed to `fit`.
        command: The command line recorded in the metadata.
        backup_dir: Optional folder of a `BackupAndResume` backup, written
            at the end of every epoch. When it holds a backup of the same
            run, training resumes there (the weights, Adam and its schedule,
            the glimpse sampler's seed, the placements of the next epoch),
            so that the run ends with the weights of one never stopped;
            another run's backup is refused. Deleted when training ends.
            Default: `None`.

    Returns:
        `(model, metadata)`: the trained `GlimpseClassifier` and the dict
        written beside `output`.
    """
    import time

    from keras_memory.applications.glimpse import evaluation
    from keras_memory.applications.glimpse import model as glimpse_model
    from keras_memory.applications.glimpse import presets
    from keras_memory.datasets import mnist

    setup = validation.check_choice("setup", setup, tuple(SETUP_CANVASES))
    epochs = validation.check_positive_int("epochs", epochs)
    seed = validation.check_seed(seed)
    images, labels = mnist.load_mnist_directory(directory, "train")
    (train_images, train_labels), (val_images, val_labels) = mnist.split_validation(images, labels)
    canvas_size, num_clutter = SETUP_CANVASES[setup]
    callbacks = list(callbacks or ())
    run = {
        "training": "train_on_mnist",
        "setup": setup,
        "epochs": epochs,
        "seed": seed,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "digits": len(train_images),
    }
    backup, first_epoch = add_backup(callbacks, backup_dir, run)
    data = mnist.DigitCanvases(
        train_images,
        train_labels,
        batch_size=batch_size,
        canvas_size=canvas_size,
        num_clutter=num_clutter,
        seed=seed,
        epoch=first_epoch,
    )
    val_canvases, val_labels = setup_canvases(val_images, val_labels, setup)
    keras.utils.set_random_seed(seed)
    model = glimpse_model.paper_classifier(setup, seed=seed)
    steps = epochs * len(data)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.03)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        metrics=["accuracy"],
        jit_compile=resolve_jit_compile(model, jit_compile),
    )
    start = time.time()
    history = model.fit(
        data,
        epochs=epochs,
        validation_data=(val_canvases, val_labels),
        validation_freq=max(1, epochs // 10),
        # `DigitCanvases` orders the digits of epoch `e` from `(seed, e)`;
        # Keras's own shuffle of the batches would draw from Python's global
        # generator, which a resumed run does not restore.
        shuffle=False,
        callbacks=callbacks,
        verbose=verbose,
    )
    wall_seconds = time.time() - start
    deterministic = evaluation.error_rate(model, val_canvases, val_labels)
    sampled = evaluation.error_rate(
        model, val_canvases, val_labels, monte_carlo_samples=monte_carlo_samples
    )
    # A resumed run's History has its own epochs only; the backup has all.
    loss = (backup.history if backup is not None else history.history)["loss"]
    metadata = {
        "application": "GlimpseClassifier",
        "setup": setup,
        "architecture": {
            **glimpse_model.PAPER_SETUPS[setup],
            "core": "rnn",
            "parameters": int(model.count_params()),
        },
        "training": {
            "command": command,
            "data": (
                f"{len(train_images)} training digits of {directory} (split_validation, "
                "100 per class held out, seed 0); "
                + (
                    "the digits as they are"
                    if num_clutter == 0
                    else f"placed on {canvas_size} x {canvas_size} canvases with {num_clutter} "
                    "8 x 8 pieces of clutter, new placements every epoch"
                )
            ),
            "seed": seed,
            "epochs": epochs,
            "steps": steps,
            "batch_size": batch_size,
            "optimizer": (
                f"Adam(CosineDecay({learning_rate}, {steps}, alpha=0.03)), hybrid loss "
                "(cross-entropy + REINFORCE with reward 1 for a correct class + baseline error)"
            ),
            "jit_compile": bool(jit_compile),
            "loss_first_last": [round(loss[0], 4), round(loss[-1], 4)],
            "wall_seconds": round(wall_seconds, 1),  # of this call (a resumed run: its part)
            "resumed_at_epoch": first_epoch if backup is not None else None,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        },
        "validation": {
            "digits": len(val_labels),
            "placement_seed": VALIDATION_SEED,
            "error_percent_mean_path": round(deterministic, 2),
            f"error_percent_monte_carlo_{monte_carlo_samples}": round(sampled, 2),
        },
        "paper": PAPER_RESULTS[setup],
    }
    if output is not None:
        import json
        import pathlib

        from keras_memory.applications.checkpoints import save_weights_atomically

        output = pathlib.Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        save_weights_atomically(model, output)
        presets.metadata_path(output).write_text(json.dumps(metadata, indent=1) + "\n")
    return model, metadata


# Mnih et al. 2014, tables 1 and 2 (test error, the 60,000 training digits).
PAPER_RESULTS = {
    "mnist_28x28": {
        "setup": "6 glimpses of one 8 x 8 patch, RNN core 256, 60,000 training digits",
        "test_error_percent": 1.29,
    },
    "cluttered_60x60": {
        "setup": "8 glimpses of three 12 x 12 patches, RNN core 256, 60,000 training digits",
        "test_error_percent": 5.23,
        "convolutional_network_error_percent": 7.83,
    },
}
