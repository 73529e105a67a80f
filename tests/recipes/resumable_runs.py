"""Tiny training runs shared by the kill-and-resume tests and their child process.

Each function trains from a fixed seed in `workdir` with `backup_dir` (or
none) and the extra callbacks, and returns `(model, record)`; `record` is
JSON. They go through the applications' own training functions
(`train_copy`, `train_babi`, `train_dates`, `train_on_mnist`,
`train_on_shapes`), whose resuming is under test.
"""

import pathlib

import keras

from keras_memory.applications import memn2n_babi
from keras_memory.applications import ntm_copy as ntm_copy_app
from keras_memory.applications.ntm_copy import training
from keras_memory.applications.ntm_copy.evaluation import evaluate_copy
from keras_memory.datasets import babi


class FirstEpoch(keras.callbacks.Callback):
    """Records the first epoch `fit` runs: where a resumed run starts."""

    def __init__(self):
        super().__init__()
        self.first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.first_epoch is None:
            self.first_epoch = epoch


def short_evaluation(model, seed=1):
    # `CopyProgress` evaluates lengths 1 to 20; two lengths keep it quick.
    return evaluate_copy(model, lengths=(1, 3), sequences_per_length=4, seed=seed)


def copy_model():
    """A small GRU in the copy format, compiled the paper's way.

    `train_copy` takes any copy model; the NTM's graph takes many seconds
    to trace, which a test that starts three trainings cannot afford.
    """
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None, 9)),
            keras.layers.GRU(8, return_sequences=True),
            keras.layers.Dense(8, activation="sigmoid"),
        ]
    )
    return ntm_copy_app.compile_for_copy(model, learning_rate=1e-2, jit_compile=False)


def ntm_copy(workdir, backup_dir, callbacks):
    """9 batches of 2 copy sequences (lengths 1 to 3), epochs of 3 batches.

    `CopyProgress` evaluates every 2 batches on lengths 1 and 3 only.
    """
    model = copy_model()
    first = FirstEpoch()
    full_evaluation = training.evaluate_copy
    training.evaluate_copy = short_evaluation
    try:
        progress = ntm_copy_app.train_copy(
            model,
            18,
            batch_size=2,
            min_length=1,
            max_length=3,
            every=2,
            steps_per_epoch=3,
            verbose=0,
            callbacks=[first, *callbacks],
            backup_dir=backup_dir,
        )
    finally:
        training.evaluate_copy = full_evaluation
    return model, {"history": progress.history, "first_epoch": first.first_epoch}


def write_data(workdir):
    """The bAbI files of `babi_run` (40 generated stories of task 1), once."""
    data = pathlib.Path(workdir) / "babi"
    if not data.is_dir():
        babi.write_babi_files(data, tasks=(1,), num_stories=40)
    return data


def babi_run(workdir, backup_dir, callbacks):
    """4 epochs of task 1 (40 generated stories), linear start, random noise.

    Epochs of 4 batches of 8 questions; linear start for one epoch, the
    learning rate halved every epoch, 10% random empty memories.
    """
    data = write_data(workdir)
    first = FirstEpoch()
    result = memn2n_babi.train_babi(
        data,
        tasks=1,
        epochs=4,
        halving_epochs=1,
        embedding_dim=8,
        batch_size=8,
        linear_start_max_epochs=1,
        jit_compile=False,
        verbose=0,
        callbacks=[first, *callbacks],
        backup_dir=backup_dir,
    )
    record = {
        "history": result["history"],
        "first_epoch": first.first_epoch,
        "steps_per_epoch": memn2n_babi.bucketed_steps(
            result["data"].train, 8, shuffle=True
        ),
        "validation_errors": {str(k): v for k, v in result["validation_errors"].items()},
    }
    return result["model"], record


def dates_run(workdir, backup_dir, callbacks, seed=0):
    """3 epochs of 3 batches of 8 generated dates, a tiny encoder-decoder.

    `compile_for_dates` with the cosine decay over the run (its step must
    come back with the optimizer), `train_dates` with validation.
    """
    from keras_memory.applications.seq2seq import training as dates_training

    keras.utils.set_random_seed(0)
    architecture = {"embedding_dim": 4, "encoder_units": 4, "decoder_units": 4,
                    "attention_units": 4, "cell": "gru"}
    model = dates_training.compile_for_dates(
        dates_training.build_date_model(architecture=architecture),
        learning_rate=1e-2, decay_steps=9, jit_compile=False,
    )
    first = FirstEpoch()
    history = dates_training.train_dates(
        model, epochs=3, num_examples=24, batch_size=8, seed=seed,
        validation_examples=8, verbose=0, callbacks=[first, *callbacks],
        backup_dir=backup_dir,
    )
    return model, {"history": history.history, "first_epoch": first.first_epoch}


def write_mnist(workdir):
    """1,100 random "digits" as IDX files (100 per class go to validation), once."""
    import numpy as np

    from keras_memory.datasets import mnist

    data = pathlib.Path(workdir) / "mnist"
    if not data.is_dir():
        data.mkdir()
        rng = np.random.default_rng(0)
        mnist.write_idx(data / "train-images-idx3-ubyte",
                        rng.integers(0, 256, (1100, 28, 28), dtype="uint8"))
        mnist.write_idx(data / "train-labels-idx1-ubyte",
                        np.repeat(np.arange(10, dtype="uint8"), 110))
    return data


def glimpse_run(workdir, backup_dir, callbacks, seed=0):
    """2 epochs of `train_on_mnist` on 100 training digits, batches of 32.

    Epochs of 4 batches (the last of 4 digits), new placements every epoch,
    the sampled glimpse locations (a `SeedGenerator`), Adam's cosine decay.
    """
    from keras_memory.applications.glimpse import training as glimpse_training

    first = FirstEpoch()
    model, metadata = glimpse_training.train_on_mnist(
        write_mnist(workdir), "mnist_28x28", epochs=2, seed=seed, batch_size=32,
        jit_compile=False, monte_carlo_samples=1, callbacks=[first, *callbacks],
        backup_dir=backup_dir,
    )
    return model, {"metadata": metadata, "first_epoch": first.first_epoch}


def captioning_run(workdir, backup_dir, callbacks, seed=0):
    """2 epochs of `train_on_shapes` on 40 scenes: epochs of 2 batches (32 + 8)."""
    from keras_memory.applications.captioning import shapes_training

    first = FirstEpoch()
    captioner, metadata = shapes_training.train_on_shapes(
        epochs=2, examples=40, validation_examples=8, seed=seed, jit_compile=False,
        callbacks=[first, *callbacks], backup_dir=backup_dir,
    )
    return captioner, {"metadata": metadata, "first_epoch": first.first_epoch}
