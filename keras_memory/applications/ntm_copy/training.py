"""Training the copy-task NTM the paper's way.

Graves, Wayne and Danihelka (2014), section 4.1 and table 2: RMSProp at
learning rate 1e-4 with momentum 0.9, every gradient clipped to [-10, 10],
on sequences of 1 to 20 random 8-bit vectors.
"""

import time

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.checkpoints import save_weights_atomically
from keras_memory.applications.ntm_copy.evaluation import evaluate_copy
from keras_memory.applications.xla import resolve_jit_compile
from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.datasets import algorithmic

LEARNING_RATE = 1e-4
MOMENTUM = 0.9
GRADIENT_CLIP = 10.0
# Training batches are padded to this many evenly spaced length buckets (21
# and 41 steps), so that the XLA step compiles twice rather than once per
# length (20 times, about 100 s here). Chosen by `benchmarks/ntm.py --parts
# throughput` (batch 32, 30,000 sequences): 2 buckets ran 642 sequences/s
# over the whole run, 4 buckets 566, 8 buckets 351, none 233 (and no XLA
# 353). Padding costs steps: steady speed is 849 sequences/s with 2 buckets
# against 1,007 with 8, so runs of several hundred thousand sequences gain a
# little from `buckets=8`.
COPY_BUCKETS = 2


def compile_for_copy(model, learning_rate=LEARNING_RATE, jit_compile="auto"):
    """Compiles `model` the paper's way: RMSProp, clipping, cross-entropy.

    RMSProp with momentum 0.9, every gradient clipped to [-10, 10],
    binary cross-entropy on the scored steps (feed the tasks' sample
    weights), and `BitErrorsPerSequence` as a weighted metric.

    The loss is the mean over the scored bits (`reduction=
    "mean_with_sample_weight"`): steps of sample weight 0, the input phase
    and any padding (`copy_dataset(buckets=...)`), do not dilute it, so a
    batch padded to a length bucket has the loss of the same batch
    unpadded.

    Args:
        model: A copy-task model (`NTMCopy`, or any model of the task's
            `(batch, steps, channels)` inputs and sigmoid outputs).
        learning_rate: RMSProp's learning rate. Default: `1e-4`.
        jit_compile: `"auto"` (XLA on, CPU included, unless it cannot run:
            `keras_memory.applications.xla.resolve_jit_compile`), `True` or
            `False`. Default: `"auto"`.

    Returns:
        `model`, compiled.
    """
    model.compile(
        optimizer=keras.optimizers.RMSprop(
            learning_rate, momentum=MOMENTUM, clipvalue=GRADIENT_CLIP
        ),
        loss=keras.losses.BinaryCrossentropy(reduction="mean_with_sample_weight"),
        weighted_metrics=[algorithmic.BitErrorsPerSequence()],
        jit_compile=resolve_jit_compile(model, jit_compile),
    )
    return model


class CopyProgress(keras.callbacks.Callback):
    """Logs the sequences seen and the bit errors on lengths 1 to 20.

    Every `every` batches it evaluates the model with `evaluate_copy`,
    prints one line, appends the row to `history`, and saves the weights
    to `checkpoint` (when given) while the mean error is the lowest yet.
    A checkpoint is written beside and then renamed into place, so that an
    interrupted run (Ctrl-C) leaves the last complete one. `backup_state()`
    and `restore_state(state)` carry the record (`history`, `best`, the
    batches and seconds so far) through a `BackupAndResume` backup.
    """

    def __init__(self, batch_size, every=250, checkpoint=None, verbose=1, seed=1):
        super().__init__()
        self.batch_size = validation.check_positive_int("batch_size", batch_size)
        self.every = validation.check_positive_int("every", every)
        if checkpoint is not None and not str(checkpoint).endswith(".weights.h5"):
            raise validation.invalid_argument(
                "checkpoint", "a path ending in .weights.h5 or None", str(checkpoint)
            )
        self.checkpoint = checkpoint
        self.verbose = verbose
        self.seed = seed
        self.history = []
        self.best = None
        self._batches = 0
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.time()

    def backup_state(self):
        """The progress record, for `BackupAndResume`."""
        return {
            "history": list(self.history),
            "best": self.best,
            "batches": self._batches,
            "seconds": time.time() - (self._start or time.time()),
        }

    def restore_state(self, state):
        """Takes back what `backup_state` returned; the clock goes on from it."""
        self.history = [dict(row) for row in state["history"]]
        self.best = state["best"]
        self._batches = int(state["batches"])
        self._start = time.time() - float(state["seconds"])

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.every == 0:
            self.evaluate_now(logs)

    def evaluate_now(self, logs=None):
        errors = evaluate_copy(self.model, seed=self.seed)
        mean_error = float(np.mean(list(errors.values())))
        row = {
            "sequences": self._batches * self.batch_size,
            "seconds": round(time.time() - (self._start or time.time()), 1),
            "loss": float((logs or {}).get("loss", float("nan"))),
            "mean_bit_errors": mean_error,
            "max_bit_errors": float(max(errors.values())),
        }
        self.history.append(row)
        if self.checkpoint is not None and (
            self.best is None or mean_error < self.best["mean_bit_errors"]
        ):
            self.best = row
            save_weights_atomically(self.model, self.checkpoint)
        if self.verbose:
            print(
                f"sequences {row['sequences']:>8}  {row['seconds']:>7.0f} s  "
                f"loss {row['loss']:.4f}  bit errors mean "
                f"{mean_error:.3f} max {row['max_bit_errors']:.3f}",
                flush=True,
            )
        return row


def train_copy(
    model,
    sequences,
    batch_size=16,
    min_length=1,
    max_length=20,
    seed=0,
    every=250,
    checkpoint=None,
    verbose=1,
    callbacks=(),
    steps_per_epoch=None,
    backup_dir=None,
    buckets=COPY_BUCKETS,
):
    """Trains a compiled copy model on `sequences` generated sequences.

    Args:
        model: A compiled copy model (`compile_for_copy(NTMCopy(...))`).
        sequences: Positive integer, the sequences to train on.
        batch_size: Positive integer. Default: `16`.
        min_length, max_length: The lengths `L` of the training sequences.
            Default: 1 to 20.
        seed: Seed of the training stream. Default: `0`.
        every: Positive integer; `CopyProgress` evaluates every `every`
            batches. Default: `250`.
        checkpoint: Optional `.weights.h5` path, kept at the best weights.
        verbose: 0 or 1; 1 prints a line per evaluation. Default: `1`.
        callbacks: More Keras callbacks.
        steps_per_epoch: Optional positive integer: the run is cut into
            Keras epochs of that many batches (for callbacks that act at
            the end of an epoch). Default: `None`, one epoch, or with
            `backup_dir` epochs of `every` batches.
        backup_dir: Optional folder of a `BackupAndResume` backup, written
            at the end of every epoch. When it holds a backup of the same
            run (same arguments), training resumes from it: the weights,
            the optimizer, the `CopyProgress` record and the callbacks with
            `backup_state` are restored, and the stream goes on at the first
            batch of the epoch the backup ends, so that a run killed and
            restarted ends with the weights of one never stopped. Deleted
            when the run completes. Default: `None`.
        buckets: Positive integer `k`: every batch is padded at its end to
            the smallest of `k` evenly spaced step counts
            (`step_buckets(2 * max_length + 1, k)`), so that an XLA step
            compiles `k` times in the run rather than once per length;
            padded steps have sample weight 0 and change neither the loss
            nor the metric (`copy_dataset(buckets=...)`). Or a list of step
            counts, or `None` (no padding). Default: `2` (`COPY_BUCKETS`).

    Returns:
        The `CopyProgress` callback, whose `history` holds the evaluations
        (sequences seen, bit errors on lengths 1 to 20).
    """
    sequences = validation.check_positive_int("sequences", sequences)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    every = validation.check_positive_int("every", every)
    steps = max(1, sequences // batch_size)
    if steps_per_epoch is None:
        # With a backup, an epoch (the unit of backup) per evaluation.
        steps_per_epoch = steps if backup_dir is None else min(every, steps)
    steps_per_epoch = validation.check_positive_int("steps_per_epoch", steps_per_epoch)
    steps_per_epoch = min(steps_per_epoch, steps)
    if validation.is_integer(buckets):
        buckets = algorithmic.step_buckets(
            2 * max_length + 1, validation.check_positive_int("buckets", buckets)
        )
    progress = CopyProgress(
        batch_size, every=min(every, steps), checkpoint=checkpoint, verbose=verbose
    )
    fit_callbacks = [progress, *callbacks]
    run = {
        "training": "train_copy",
        "sequences": sequences,
        "batch_size": batch_size,
        "min_length": min_length,
        "max_length": max_length,
        "seed": seed,
        "every": every,
        "steps_per_epoch": steps_per_epoch,
        "buckets": None if buckets is None else list(buckets),
    }
    _, first_epoch = add_backup(fit_callbacks, backup_dir, run)
    # Batch i of the stream is seeded with (seed, i): a resumed run starts at
    # the first batch of the epoch it resumes.
    dataset = algorithmic.copy_dataset(
        batch_size, min_length, max_length, seed=seed,
        start=first_epoch * steps_per_epoch, buckets=buckets,
    ).prefetch(4)
    model.fit(
        dataset,
        steps_per_epoch=steps_per_epoch,
        epochs=max(1, steps // steps_per_epoch),
        shuffle=False,  # an endless generated stream: nothing to shuffle
        verbose=0,
        callbacks=fit_callbacks,
    )
    return progress
