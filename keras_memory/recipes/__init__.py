"""Named training recipes: what `keras-memory train NAME`, `evaluate` and the demo run.

Every task the command line trains is a recipe: one on a generated task
(`clockwork-waveform`, `ntm-copy`) builds a model, trains it, reports its
metric, gives example serving inputs and draws a figure; one on files the
user gives (`babi`) says so (`needs_data`) and brings its own `train` and
`evaluate` commands. A command returns a `Report`; `keras-memory` prints it.
"""

import dataclasses
import inspect
import json
import pathlib
import signal
import threading
from typing import Callable
from typing import Optional

import keras

from keras_memory.applications.checkpoints import save_weights_atomically


@dataclasses.dataclass(frozen=True)
class Report:
    """What a recipe's command returns, for `keras-memory` to print.

    Attributes:
        lines: Text lines printed first.
        table: Optional `(header, rows, align)` for
            `keras_memory.applications.tables.format_table`.
        notes: Text lines printed after the table.
        data: Optional JSON-serialisable result (`--format json` prints it).
    """

    lines: tuple = ()
    table: Optional[tuple] = None
    notes: tuple = ()
    data: Optional[dict] = None


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A trainable task.

    Attributes:
        name: The command-line name, e.g. `"clockwork-waveform"`.
        description: One line for `keras-memory info`.
        metric_name: Name of the number `evaluate` returns (lower is better).
        default_epochs: Epochs that `train` and the demo use by default.
        build_model: `() -> keras.Model` with named inputs and outputs.
        train: `(model, epochs, verbose, callbacks) -> ...`, trains in
            place with the extra Keras `callbacks` (`train_and_save` passes
            an `EpochCheckpoint`); one that also takes `backup_dir` backs
            up every epoch there and resumes (`--backup-dir`).
        evaluate: `(model) -> float`, the metric on the task.
        example_inputs: `() -> dict` of serving input name to array.
        plot: `(model, path) -> None`, writes a figure to `path`.
        build_pretrained: Optional `() -> keras.Model` with the shipped
            weights; the demo starts from it instead of training from
            scratch.
        needs_data: Whether the recipe trains on files given with `--data`
            (then it has no demo). Default: `False`.
        data_description: What `--data` must hold, for error messages.
        options: The recipe-specific options it takes (`"task"`,
            `"no_jit"`, ...), besides `epochs`, `output` and `seed`.
        run_train: Optional `(options) -> Report`, the recipe's own train
            command; default: `train_and_save`.
        run_evaluate: Optional `(options) -> Report`, its evaluate command.
    """

    name: str
    description: str
    metric_name: str
    default_epochs: int
    build_model: Optional[Callable] = None
    train: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    example_inputs: Optional[Callable] = None
    plot: Optional[Callable] = None
    build_pretrained: Optional[Callable] = None
    needs_data: bool = False
    data_description: str = ""
    options: tuple = ()
    run_train: Optional[Callable] = None
    run_evaluate: Optional[Callable] = None

    @property
    def has_demo(self):
        """Whether `keras-memory demo` can run it (a generated task)."""
        return self.example_inputs is not None and not self.needs_data

    def train_command(self, options):
        """`keras-memory train NAME`: a `Report` of the trained model."""
        if self.run_train is not None:
            return self.run_train(options)
        return train_and_save(self, options)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a recipe's command; the message says what was kept."""


def checkpoint_path(output):
    """Where `train_and_save` keeps the weights of the last finished epoch."""
    output = pathlib.Path(output)
    stem = output.name.removesuffix(".weights.h5").removesuffix(".keras")
    return output.with_name(f"{stem}.checkpoint.weights.h5")


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the weights after every epoch to `path`.

    Written through `save_weights_atomically`, so that Ctrl-C leaves the
    last complete epoch's weights; `epochs` counts the epochs saved.
    """

    def __init__(self, path):
        super().__init__()
        self.path = pathlib.Path(path)
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        save_weights_atomically(self.model, self.path)
        self.epochs = epoch + 1


class StopOnInterrupt(keras.callbacks.Callback):
    """Ctrl-C ends training at the next batch boundary, from Python.

    Python's own SIGINT handler raises `KeyboardInterrupt` wherever the main
    thread is, which can be inside a Python function that TensorFlow called
    from C++: the exception then crosses C++ frames and the process aborts
    (SIGABRT) instead of keeping its checkpoint. While training, the first
    Ctrl-C only sets `interrupted`; this callback raises `KeyboardInterrupt`
    at the end of the batch. A second Ctrl-C interrupts at once.
    """

    def __init__(self):
        super().__init__()
        self.interrupted = False

    def handle(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True

    def on_train_batch_end(self, batch, logs=None):
        if self.interrupted:
            raise KeyboardInterrupt


def _train_interruptibly(recipe, model, epochs, callbacks, **kwargs):
    """`recipe.train` with Ctrl-C taken at batch boundaries (`StopOnInterrupt`)."""
    if threading.current_thread() is not threading.main_thread():
        return recipe.train(model, epochs, verbose=1, callbacks=callbacks, **kwargs)
    stopper = StopOnInterrupt()
    previous = signal.signal(signal.SIGINT, stopper.handle)
    try:
        return recipe.train(model, epochs, verbose=1, callbacks=[stopper, *callbacks], **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)


def train_and_save(recipe, options):
    """Trains `recipe`'s model on its generated task and saves it.

    `options.output` is a `.keras` file, or a `.weights.h5` file written
    with a `metadata.json` beside it (what produced the weights and the
    metric). `options.epochs` (or the recipe's default) and `options.seed`
    set the run.
    """
    epochs = options.epochs or recipe.default_epochs
    output = pathlib.Path(options.output or f"{recipe.name}.keras")
    if not output.name.endswith((".keras", ".weights.h5")):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a "
            f"path ending in .keras or .weights.h5, got {str(output)!r}."
        )
    # `--backup-dir`: a recipe's `train` that takes `backup_dir` backs up
    # every epoch there and resumes from a backup it finds.
    backup_dir = getattr(options, "backup_dir", None)
    resume = {} if backup_dir is None else {"backup_dir": backup_dir}
    if resume and "backup_dir" not in inspect.signature(recipe.train).parameters:
        raise ValueError(
            "Received an invalid value for argument `--backup-dir`: recipe "
            f"{recipe.name!r} cannot resume from a backup, got {str(backup_dir)!r}."
        )
    keras.utils.set_random_seed(options.seed)
    model = recipe.build_model()
    if getattr(options, "no_jit", False):  # --no-jit: the recipes compile with XLA
        model.jit_compile = False
    output.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = EpochCheckpoint(checkpoint_path(output))
    try:
        _train_interruptibly(recipe, model, epochs, [checkpoint], **resume)
    except KeyboardInterrupt:
        if checkpoint.epochs:
            raise Interrupted(
                f"the weights after epoch {checkpoint.epochs} are in {checkpoint.path}"
            ) from None
        raise
    metric = recipe.evaluate(model)
    if output.name.endswith(".weights.h5"):
        # Weights for an application, with what produced them beside.
        model.save_weights(output)
        metadata = {
            "recipe": recipe.name,
            "epochs": epochs,
            "seed": options.seed,
            "metric_name": recipe.metric_name,
            "metric": metric,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        }
        metadata_path = output.with_name("metadata.json")
        metadata_path.write_text(json.dumps(metadata, indent=2) + "\n")
        saved = f"Saved {output} and {metadata_path}"
    else:
        model.save(output)
        saved = f"Saved {output}"
    checkpoint.path.unlink(missing_ok=True)  # the output has the final weights
    return Report(
        lines=(f"{recipe.metric_name}: {metric:.4f}",),
        notes=(saved,),
        data={"recipe": recipe.name, "metric": metric, "output": str(output)},
    )


def get_recipe(name):
    """The recipe called `name`; raises ValueError listing the known ones."""
    recipes = available_recipes()
    if name not in recipes:
        raise ValueError(
            f"Received an invalid value for argument `name`, expected one of "
            f"{sorted(recipes)}, got {name!r}."
        )
    return recipes[name]


def available_recipes():
    """All recipes by name."""
    from keras_memory.recipes import babi
    from keras_memory.recipes import captioning
    from keras_memory.recipes import clockwork_waveform
    from keras_memory.recipes import dates
    from keras_memory.recipes import glimpse
    from keras_memory.recipes import ntm_copy

    recipes = (clockwork_waveform.RECIPE, ntm_copy.RECIPE, babi.RECIPE, dates.RECIPE)
    return {recipe.name: recipe for recipe in (*recipes, glimpse.RECIPE, captioning.RECIPE)}


__all__ = [
    "EpochCheckpoint",
    "Interrupted",
    "Recipe",
    "Report",
    "available_recipes",
    "checkpoint_path",
    "get_recipe",
    "train_and_save",
]
