"""The MemN2N training procedure on bAbI, the paper's way, in one place.

Sukhbaatar, Szlam, Weston and Fergus (2015), section 4.2: "the learning
rate was eta = 0.01, with anneals every 25 epochs by eta / 2 until 100
epochs were reached"; "all gradients with an l2 norm greater than 40 are
divided by a scalar to have norm 40"; "the batch size is 32 and the cost
is not averaged over a batch"; with linear start (LS) "all softmax layers
except the final response layer are removed ... when the validation loss
stopped decreasing, the softmax layers were re-inserted and training
recommenced", the learning rate being 0.005 during that phase; joint
training on the 20 tasks runs "for 60 epochs with learning rate anneals
of eta / 2 every 15 epochs".

Here that is: `compile_for_babi` (plain SGD, `memory_network_optimizer`:
the global gradient norm clipped to 40, the cross-entropy summed over the
batch), one learning-rate schedule (`paper_learning_rate`, applied epoch by
epoch by `PaperSchedule`, which follows `keras_memory.callbacks.LinearStart`),
bucketed `tf.data` batches (`bucketed_dataset`) and `train_babi`, which
wires them together. Both of the paper's runs halve the learning rate
every quarter of the epochs (60 / 15 joint, 100 / 25 per task), so that is
the default for any number of epochs.
"""

import math
import time

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.memn2n_babi import model as model_lib
from keras_memory.applications.memn2n_babi import presets
from keras_memory.applications.memn2n_babi.evaluation import summarize_errors
from keras_memory.applications.memn2n_babi.evaluation import task_errors
from keras_memory.applications.xla import resolve_jit_compile
from keras_memory.callbacks import LinearStart
from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.datasets import babi

BATCH_SIZE = 32
LEARNING_RATE = 0.01
LINEAR_START_LEARNING_RATE = 0.005
CLIPNORM = 40.0
JOINT_EPOCHS = 60
JOINT_HALVING_EPOCHS = 15
PER_TASK_EPOCHS = 100
PER_TASK_HALVING_EPOCHS = 25
HALVINGS_PER_RUN = 4  # 60 / 15 and 100 / 25: a halving every quarter run

# Stories are padded to buckets of these many sentences: most bAbI stories
# are short (a mean of 9 sentences in the 1k files, the longest 50), and a
# step costs in proportion to the padded length. Three buckets are three
# compilations under XLA.
BUCKET_SENTENCES = (10, 20, model_lib.MEMORY_SIZE)


def paper_learning_rate(epoch, halving_epochs=JOINT_HALVING_EPOCHS, learning_rate=LEARNING_RATE):
    """The paper's learning rate `epoch` epochs (from 0) after linear start.

    `learning_rate / 2^(epoch // halving_epochs)`: 0.01 halved every 15
    epochs in joint training (every 25 per task).
    """
    epoch = validation.check_int_at_least("epoch", epoch, 0)
    halving_epochs = validation.check_positive_int("halving_epochs", halving_epochs)
    learning_rate = validation.check_positive_number("learning_rate", learning_rate)
    return learning_rate * 0.5 ** (epoch // halving_epochs)


def paper_setup(tasks, epochs=None, halving_epochs=None, embedding_dim=None):
    """`(epochs, halving_epochs, embedding_dim)` of the paper's run on `tasks`.

    One task: the per-task run, 100 epochs halving every 25, d = 20.
    Several: the joint run, 60 epochs halving every 15, d = 50. A value
    given is kept (checked); `halving_epochs` defaults to a quarter of
    `epochs`, the ratio of both runs.
    """
    one_task = len(babi.check_tasks(tasks)) == 1
    if epochs is None:
        epochs = PER_TASK_EPOCHS if one_task else JOINT_EPOCHS
    epochs = validation.check_positive_int("epochs", epochs)
    if halving_epochs is None:
        halving_epochs = max(1, epochs // HALVINGS_PER_RUN)
    halving_epochs = validation.check_positive_int("halving_epochs", halving_epochs)
    if embedding_dim is None:
        embedding_dim = (
            model_lib.PER_TASK_EMBEDDING_DIM if one_task else model_lib.EMBEDDING_DIM
        )
    embedding_dim = validation.check_positive_int("embedding_dim", embedding_dim)
    return epochs, halving_epochs, embedding_dim


def memory_network_optimizer(learning_rate=LEARNING_RATE, clipnorm=CLIPNORM):
    """The paper's optimiser: plain SGD, gradients rescaled to norm `clipnorm`.

    The norm is the global norm of all gradients together
    (`global_clipnorm`), as in the authors' code, where one scalar rescales
    every gradient; Keras' per-variable `clipnorm` would clip each weight's
    gradient on its own. The learning rate is a variable that
    `PaperSchedule` sets epoch by epoch.

    Example:

    >>> optimizer = memory_network_optimizer()
    >>> round(float(optimizer.learning_rate), 6), optimizer.global_clipnorm
    (0.01, 40.0)
    """
    learning_rate = validation.check_positive_number("learning_rate", learning_rate)
    clipnorm = validation.check_positive_number("clipnorm", clipnorm)
    return keras.optimizers.SGD(learning_rate, global_clipnorm=clipnorm)


def compile_for_babi(model, learning_rate=LEARNING_RATE, clipnorm=CLIPNORM, jit_compile="auto"):
    """Compiles `model` the paper's way.

    `memory_network_optimizer` (the learning rate is set per epoch by
    `PaperSchedule`), and the cross-entropy summed over the batch: "the cost
    is not averaged over a batch", so a step of SGD at 0.01 moves as far as
    0.32 on the batch mean would.

    `jit_compile="auto"` (the default) is XLA on, CPU included, unless it
    cannot run (`keras_memory.applications.xla.resolve_jit_compile`).
    """
    loss = keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    if len(model.output_names) > 1:  # with "attention": only the answer is trained
        loss = {"answer": loss}
        metrics = {"answer": metrics}
    model.compile(
        optimizer=memory_network_optimizer(learning_rate, clipnorm),
        loss=loss,
        metrics=metrics,
        jit_compile=resolve_jit_compile(model, jit_compile),
    )
    return model


class PaperSchedule(keras.callbacks.Callback):
    """The paper's learning rate, epoch by epoch, with linear start.

    While the memory network is linear (its `linear_start` variable is 1,
    set by `keras_memory.callbacks.LinearStart`, which must come before
    this callback) the learning rate is `linear_start_learning_rate`; from
    the epoch the softmax is back it is `paper_learning_rate(e,
    halving_epochs, learning_rate)`, `e` counting the epochs since then. It
    also keeps the weights of the epoch with the best validation accuracy
    after linear start (`best_weights`, `best_epoch`) and restores them at
    the end of training when `restore_best` is set. `backup_state()` and
    `restore_state(state)` carry all of that (the best weights too) through
    a `keras_memory.callbacks.BackupAndResume` backup.
    """

    def __init__(
        self,
        learning_rate=LEARNING_RATE,
        halving_epochs=JOINT_HALVING_EPOCHS,
        linear_start_learning_rate=LINEAR_START_LEARNING_RATE,
        monitor="val_accuracy",
        restore_best=True,
    ):
        super().__init__()
        self.learning_rate = validation.check_positive_number("learning_rate", learning_rate)
        self.halving_epochs = validation.check_positive_int("halving_epochs", halving_epochs)
        self.linear_start_learning_rate = validation.check_positive_number(
            "linear_start_learning_rate", linear_start_learning_rate
        )
        self.monitor = monitor
        self.restore_best = validation.check_bool("restore_best", restore_best)
        self.softmax_epoch = None
        self.best_weights = None
        self.best_epoch = None
        self.best = -math.inf
        self.rates = []

    def backup_state(self):
        """The schedule's state, for `BackupAndResume`: the weights as arrays."""
        return {
            "softmax_epoch": self.softmax_epoch,
            "best_weights": self.best_weights,
            "best_epoch": self.best_epoch,
            # JSON has no infinity: None stands for "no epoch scored yet".
            "best": None if self.best == -math.inf else self.best,
            "rates": list(self.rates),
        }

    def restore_state(self, state):
        """Takes back what `backup_state` returned."""
        self.softmax_epoch = state["softmax_epoch"]
        weights = state["best_weights"]
        self.best_weights = None if weights is None else [np.asarray(w) for w in weights]
        self.best_epoch = state["best_epoch"]
        self.best = -math.inf if state["best"] is None else float(state["best"])
        self.rates = [float(rate) for rate in state["rates"]]

    def _linear(self):
        network = model_lib.memory_network_layer(self.model)
        return float(keras.ops.convert_to_numpy(network.linear_start)) > 0.5

    def on_epoch_begin(self, epoch, logs=None):
        if self._linear():
            rate = self.linear_start_learning_rate
        else:
            if self.softmax_epoch is None:
                self.softmax_epoch = epoch
            rate = paper_learning_rate(
                epoch - self.softmax_epoch, self.halving_epochs, self.learning_rate
            )
        self.model.optimizer.learning_rate.assign(rate)
        self.rates.append(rate)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = self.rates[-1]
        value = logs.get(self.monitor)
        # Linear-start epochs do not count: the softmax model is the product.
        if value is None or self._linear() or self.softmax_epoch is None:
            return
        if value > self.best:
            self.best, self.best_epoch = float(value), epoch
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def _bucket_groups(arrays, buckets):
    """`[(sentences, rows)]`: the questions of each non-empty bucket."""
    width = arrays.story.shape[1]
    lengths = (arrays.story != 0).any(-1).sum(-1)
    limits = sorted({min(int(b), width) for b in buckets} | {width})
    bucket_of = np.searchsorted(limits, lengths)
    groups = [(limit, np.flatnonzero(bucket_of == k)) for k, limit in enumerate(limits)]
    return [(limit, rows) for limit, rows in groups if len(rows)]


def bucketed_steps(arrays, batch_size=BATCH_SIZE, buckets=BUCKET_SENTENCES, shuffle=False):
    """The number of batches in one pass of `bucketed_dataset`."""
    count = math.floor if shuffle else math.ceil
    return sum(count(len(rows) / batch_size) for _, rows in _bucket_groups(arrays, buckets))


def bucketed_dataset(
    arrays,
    batch_size=BATCH_SIZE,
    buckets=BUCKET_SENTENCES,
    shuffle=False,
    seed=0,
    start=0,
    repeat=False,
):
    """A `tf.data.Dataset` of `BabiArrays` batches cut to a few story lengths.

    Each question goes to the smallest bucket of `buckets` (numbers of
    sentences) that holds its story, and a batch holds questions of one
    bucket, its story array cut to that many sentences (padding sentences
    change nothing in a `MemoryNetwork`, so this only saves time). With
    `shuffle=True` the questions are reshuffled within their buckets and
    the batches' order on every pass, and the last incomplete batch of every
    bucket is left out (a fixed batch shape: one compilation per bucket;
    a different few questions each epoch); without it every question is in
    exactly one batch, in order within each bucket.

    With `start` the first pass begins at batch `start` of the stream of
    passes (`start // bucketed_steps(...)` passes skipped, then `start %
    bucketed_steps(...)` batches): the shuffles of the skipped passes are
    drawn (no data is read), so the batches that follow are those of the
    stream from 0. A run resumed from a backup at epoch `e` starts at
    `e * bucketed_steps(...)`.

    With `repeat=True` the dataset is endless, pass after pass, and every
    iterator of it yields the same stream from `start`: the one that
    `bucketed_dataset(...).repeat()` yields on its first iteration. Use it
    for `fit` with `steps_per_epoch`: the stream then does not depend on how
    many iterators were made before. Under a `tf.distribute` strategy,
    Keras 3.15 reads one batch from an iterator that it drops
    (`_maybe_symbolic_build`) before training starts; a one-pass dataset
    would begin training at its second pass, with other shuffles than on
    one device.

    Returns:
        A dataset of `({"story": (B, S_b, W), "question": (B, W)}, answer)`
        batches, `bucketed_steps` of them a pass; without `repeat`, a new
        pass (with new shuffles) starts whenever the dataset is iterated
        again or repeated.
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    shuffle = validation.check_bool("shuffle", shuffle)
    start = validation.check_int_at_least("start", start, 0)
    repeat = validation.check_bool("repeat", repeat)
    shared_rng = np.random.default_rng(seed)
    groups = _bucket_groups(arrays, buckets)
    to_skip = [start]  # batches the first pass skips; later passes skip none

    def pass_order(rng):
        order = []
        for limit, rows in groups:
            if shuffle:
                rows = rng.permutation(rows)
                count = len(rows) // batch_size
            else:
                count = math.ceil(len(rows) / batch_size)
            for k in range(count):
                order.append((limit, rows[k * batch_size : (k + 1) * batch_size]))
        if shuffle:
            order = [order[i] for i in rng.permutation(len(order))]
        return order

    def batches():
        if repeat:  # every iterator: its own generator, from `start`
            rng, skip = np.random.default_rng(seed), start
        else:  # one generator for all passes; only the first skips
            rng, (skip, to_skip[0]) = shared_rng, (to_skip[0], 0)
        order = pass_order(rng)
        # Every pass draws from one generator: skipped passes are drawn too.
        while order and skip >= len(order):
            skip -= len(order)
            order = pass_order(rng)
        while order:
            for limit, rows in order[skip:]:
                inputs = {"story": arrays.story[rows, :limit], "question": arrays.question[rows]}
                yield inputs, arrays.answer[rows]
            if not repeat:
                return
            skip, order = 0, pass_order(rng)

    signature = (
        {
            "story": tf.TensorSpec((None, None, arrays.story.shape[2]), tf.int32),
            "question": tf.TensorSpec((None, arrays.question.shape[1]), tf.int32),
        },
        tf.TensorSpec((None,), tf.int32),
    )
    return tf.data.Dataset.from_generator(batches, output_signature=signature).prefetch(4)


def train_babi(
    directory,
    tasks="all",
    epochs=None,
    halving_epochs=None,
    embedding_dim=None,
    hops=model_lib.HOPS,
    memory_size=model_lib.MEMORY_SIZE,
    batch_size=BATCH_SIZE,
    learning_rate=LEARNING_RATE,
    linear_start=True,
    linear_start_learning_rate=LINEAR_START_LEARNING_RATE,
    linear_start_max_epochs=None,
    random_noise=model_lib.RANDOM_NOISE,
    clipnorm=CLIPNORM,
    validation_fraction=0.1,
    seed=0,
    jit_compile=True,
    output=None,
    verbose=1,
    callbacks=(),
    vocabulary=None,
    backup_dir=None,
):
    """Trains a `MemN2NbAbI` on bAbI training files the paper's way.

    Reads `qa{N}_*_train.txt` of `tasks` in `directory`, holds out
    `validation_fraction` of every file's stories (`load_babi`), and trains
    with linear start (`keras_memory.callbacks.LinearStart` watching the
    validation loss) and `PaperSchedule`, SGD with gradients clipped to
    global norm `clipnorm`, batches of `batch_size` with the cost summed
    over the batch, and `random_noise` empty memories. The weights of the
    epoch with the best validation accuracy after linear start are kept.
    With one task the defaults are the paper's per-task run (100 epochs,
    d = 20), with several its joint run (60 epochs, d = 50).

    Args:
        directory: Folder of bAbI files (`qa1_single-supporting-fact_train.txt`, ...).
        tasks: Task number, list of them, or `"all"` (joint). Default: `"all"`.
        epochs: Positive integer, epochs in all (linear start included).
            Default: `None`, 60 for several tasks, 100 for one.
        halving_epochs: Positive integer. Default: `None`, a quarter of
            `epochs` (15 of 60, 25 of 100).
        embedding_dim: Positive integer `d`. Default: `None`, 50 for
            several tasks, 20 for one.
        hops, memory_size, random_noise: As in `MemN2NbAbI`.
        batch_size: Positive integer. Default: `32`.
        learning_rate: Positive float. Default: `0.01`.
        linear_start: Boolean, start without softmax. Default: `True`.
        linear_start_learning_rate: Positive float. Default: `0.005`.
        linear_start_max_epochs: Optional positive integer cap on the linear
            epochs. Default: `None` (until the validation loss rises).
        clipnorm: Positive float. Default: `40.0`.
        validation_fraction: Number in `(0, 1)`. Default: `0.1`.
        seed: Non-negative integer: the split, the initial weights, the
            shuffling and the noise. Default: `0`.
        jit_compile: Passed to `compile`. Default: `True`.
        output: Optional path of a `.weights.h5` file: the weights are
            saved there with `vocabulary.json` and `metadata.json` (budget,
            per-task validation errors, the paper's numbers) beside.
        verbose: 0, 1 or 2, as in `fit`. Default: `1`.
        callbacks: More Keras callbacks.
        vocabulary: Optional vocabulary (token -> id) to use instead of the
            one built from the training files: the joint vocabulary
            (`load_vocabulary()`) makes a one-task model take the same word
            ids as the joint model (the per-task weights are trained so).
            Default: `None`.
        backup_dir: Optional folder of a `BackupAndResume` backup, written
            at the end of every epoch. When it holds a backup of the same
            run (same arguments), training resumes from it: the weights,
            the optimizer, the noise generator, `LinearStart`,
            `PaperSchedule` (with its best weights) and the callbacks with
            `backup_state` are restored, and the shuffled stream goes on at
            the first batch of the epoch the backup ends, so that a run
            killed and restarted ends with the weights of one never
            stopped. Deleted when the run completes. Default: `None`.

    Returns:
        A dict with `model` (trained, compiled), `vocabulary`, `data` (the
        `BabiData`), `history` (the `fit` history dict), `validation_errors`
        (`{task: error %}`), `metadata` (what `output`'s metadata.json holds).
    """
    epochs, halving_epochs, embedding_dim = paper_setup(
        tasks, epochs, halving_epochs, embedding_dim
    )
    batch_size = validation.check_positive_int("batch_size", batch_size)
    linear_start = validation.check_bool("linear_start", linear_start)
    validation.check_number_in(
        "validation_fraction", validation_fraction, 0.0, 1.0, low_open=True, high_open=True
    )
    seed = validation.check_seed(seed)
    if output is not None and not str(output).endswith(".weights.h5"):
        raise validation.invalid_argument("output", "a path ending in .weights.h5", str(output))
    start = time.time()
    keras.utils.set_random_seed(seed)
    data = babi.load_babi(
        directory,
        tasks,
        memory_size=memory_size,
        validation_fraction=validation_fraction,
        seed=seed,
        vocabulary=vocabulary,
    )
    model = model_lib.MemN2NbAbI(
        weights=None,
        vocabulary=data.vocabulary,
        embedding_dim=embedding_dim,
        hops=hops,
        memory_size=memory_size,
        random_noise=random_noise,
        seed=seed,
    )
    compile_for_babi(model, learning_rate, clipnorm, jit_compile=jit_compile)
    schedule = PaperSchedule(learning_rate, halving_epochs, linear_start_learning_rate)
    linear = None
    if linear_start:
        linear = LinearStart(max_epochs=linear_start_max_epochs, verbose=verbose)
    # LinearStart first: the epoch's learning rate follows the linear_start
    # value that it set for that epoch.
    fit_callbacks = [linear, schedule] if linear is not None else [schedule]
    fit_callbacks = [*fit_callbacks, *callbacks]
    steps_per_epoch = bucketed_steps(data.train, batch_size, shuffle=True)
    run = {
        "training": "train_babi",
        "tasks": list(data.tasks),
        "epochs": epochs,
        "halving_epochs": halving_epochs,
        "embedding_dim": embedding_dim,
        "hops": hops,
        "memory_size": memory_size,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "linear_start": linear_start,
        "linear_start_learning_rate": linear_start_learning_rate,
        "linear_start_max_epochs": linear_start_max_epochs,
        "random_noise": random_noise,
        "clipnorm": clipnorm,
        "validation_fraction": validation_fraction,
        "seed": seed,
        "examples": int(data.train.num_examples),
    }
    backup, first_epoch = add_backup(fit_callbacks, backup_dir, run)
    history = model.fit(
        bucketed_dataset(
            data.train, batch_size, shuffle=True, seed=seed,
            start=first_epoch * steps_per_epoch, repeat=True,
        ),
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        validation_data=bucketed_dataset(data.validation, 256).repeat(),
        validation_steps=bucketed_steps(data.validation, 256),
        shuffle=False,  # the dataset shuffles within its buckets
        callbacks=fit_callbacks,
        verbose=verbose,
    )
    # A resumed run's History has its own epochs only; the backup has all.
    history = backup.history if backup is not None else history.history
    errors = task_errors(model, data.validation)
    if linear is None:
        linear_epochs = 0
    elif linear.stopped_epoch is None:
        linear_epochs = epochs
    else:
        linear_epochs = linear.stopped_epoch + 1
    metadata = {
        "application": "MemN2NbAbI",
        "data": "bAbI 1k training files (en), qa{N}_*_train.txt",
        "tasks": list(data.tasks),
        "training": {
            "examples": int(data.train.num_examples),
            "validation_examples": int(data.validation.num_examples),
            "validation": (
                f"{validation_fraction:.0%} of every file's stories held out "
                f"(keras_memory.datasets.babi.load_babi, seed {seed})"
            ),
            "epochs": epochs,
            "linear_start_epochs": linear_epochs,
            "best_epoch": None if schedule.best_epoch is None else schedule.best_epoch + 1,
            "batch_size": batch_size,
            "optimizer": (
                f"SGD, learning rate {linear_start_learning_rate} during linear "
                f"start, then {learning_rate} halved every {halving_epochs} "
                f"epochs; global clipnorm {clipnorm}; summed batch cost"
            ),
            "random_noise": random_noise,
            "embedding_dim": embedding_dim,
            "hops": hops,
            "memory_size": memory_size,
            "seed": seed,
            "jit_compile": jit_compile,
            "seconds": round(time.time() - start),
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        },
        **_error_record(errors),
        "paper": presets.shipped_metadata()["paper"],
    }
    if output is not None:
        presets.write_preset(output, model, data.vocabulary, metadata)
    return {
        "model": model,
        "vocabulary": data.vocabulary,
        "data": data,
        "history": history,
        "validation_errors": errors,
        "metadata": metadata,
    }


def _error_record(errors):
    """The metadata keys of the validation errors `{task: error %}`."""
    summary = summarize_errors(errors)
    return {
        "validation_errors": {str(t): e for t, e in sorted(errors.items())},
        "validation_accuracy": {str(t): round(100.0 - e, 2) for t, e in sorted(errors.items())},
        "mean_validation_error": summary["mean_error"],
        "failed_tasks": summary["failed_tasks"],
    }
