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

Where the text and the authors' released code (MemN2N-babi-matlab,
github.com/facebookarchive/MemNN) differ, the code is what produced the
paper's table, and it is followed here by default: linear start lasts a
fixed 30 epochs (joint) or 20 (per task) before the full run
(`paper_setup`; `linear_start_epochs="plateau"` is the text's rule), and
the words are weighted by the code's centred position encoding with one
fixed `J` (`keras_memory.ops.centered_position_encoding`). Together they
take bAbI task 16 from about 50 % error to 0 to 2 % (docs/results.md).
The code's memory also always has `min(50, longest story)` rows, whose
empty ones take part in the softmax (`attend_empty_slots`, `memory_size`):
that takes the joint model from about 16 % mean error to about 12 %.
`train_babi_runs` is the paper's "repeated 10 times ... the one with the
lowest training error is picked".
"""

import collections
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
# The authors' code trains this many linear epochs before the run above
# (`ls_nepochs` of MemN2N-babi-matlab's config_babi.m, config_babi_joint.m).
PER_TASK_LINEAR_START_EPOCHS = 20
JOINT_LINEAR_START_EPOCHS = 30

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


PaperSetup = collections.namedtuple(
    "PaperSetup", ["epochs", "halving_epochs", "embedding_dim", "linear_start_epochs"]
)


def paper_setup(
    tasks, epochs=None, halving_epochs=None, embedding_dim=None, linear_start_epochs=None
):
    """The paper's run on `tasks`: a `PaperSetup` of four numbers.

    One task: the per-task run, 100 epochs with the softmax halving every
    25, d = 20, after 20 linear epochs. Several: the joint run, 60 epochs
    halving every 15, d = 50, after 30 linear epochs. The linear-start
    lengths are those of the authors' code (MemN2N-babi-matlab,
    `config_babi.m` and `config_babi_joint.m`), which trains a fixed number
    of linear epochs and then the full run, so `epochs` (all of them,
    linear start included) defaults to 120 and 90.

    A value given is kept (checked). `linear_start_epochs="plateau"` is the
    rule the paper's text states, linear start until the validation loss
    stops decreasing: `epochs` then defaults to 100 and 60 in all, and
    `linear_start_epochs` is returned as `None`. `halving_epochs` defaults
    to a quarter of the epochs after a fixed linear start (of all the
    epochs with `"plateau"`), the ratio of both runs.
    """
    one_task = len(babi.check_tasks(tasks)) == 1
    if linear_start_epochs is None:
        linear_start_epochs = (
            PER_TASK_LINEAR_START_EPOCHS if one_task else JOINT_LINEAR_START_EPOCHS
        )
    elif linear_start_epochs == "plateau":
        linear_start_epochs = None
    else:
        linear_start_epochs = validation.check_positive_int(
            "linear_start_epochs", linear_start_epochs
        )
    fixed = linear_start_epochs or 0
    if epochs is None:
        epochs = fixed + (PER_TASK_EPOCHS if one_task else JOINT_EPOCHS)
    epochs = validation.check_positive_int("epochs", epochs)
    if halving_epochs is None:
        halving_epochs = max(1, (epochs - min(fixed, epochs)) // HALVINGS_PER_RUN)
    halving_epochs = validation.check_positive_int("halving_epochs", halving_epochs)
    if embedding_dim is None:
        embedding_dim = (
            model_lib.PER_TASK_EMBEDDING_DIM if one_task else model_lib.EMBEDDING_DIM
        )
    embedding_dim = validation.check_positive_int("embedding_dim", embedding_dim)
    return PaperSetup(epochs, halving_epochs, embedding_dim, linear_start_epochs)


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
    memory_size=None,
    batch_size=BATCH_SIZE,
    learning_rate=LEARNING_RATE,
    linear_start=True,
    linear_start_learning_rate=LINEAR_START_LEARNING_RATE,
    linear_start_epochs=None,
    linear_start_max_epochs=None,
    random_noise=model_lib.RANDOM_NOISE,
    encoding=model_lib.ENCODING,
    sentence_size=None,
    attend_empty_slots=model_lib.ATTEND_EMPTY_SLOTS,
    clipnorm=CLIPNORM,
    validation_fraction=0.1,
    seed=0,
    split_seed=0,
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
    validation loss, or for a fixed number of epochs) and `PaperSchedule`,
    SGD with gradients clipped to global norm `clipnorm`, batches of
    `batch_size` with the cost summed over the batch, and `random_noise`
    empty memories. The weights of the
    epoch with the best validation accuracy after linear start are kept.
    With one task the defaults are the paper's per-task run (20 linear
    epochs, then 100, d = 20), with several its joint run (30 linear
    epochs, then 60, d = 50), as the authors' code runs them
    (`paper_setup`).

    Args:
        directory: Folder of bAbI files (`qa1_single-supporting-fact_train.txt`, ...).
        tasks: Task number, list of them, or `"all"` (joint). Default: `"all"`.
        epochs: Positive integer, epochs in all (linear start included).
            Default: `None`, 90 for several tasks, 120 for one (`paper_setup`).
        halving_epochs: Positive integer. Default: `None`, a quarter of
            the epochs after linear start (15 of 60, 25 of 100).
        embedding_dim: Positive integer `d`. Default: `None`, 50 for
            several tasks, 20 for one.
        hops, random_noise: As in `MemN2NbAbI`.
        memory_size: Positive integer, the sentences kept (and the rows of
            the memory). Default: `None`, the authors' code's
            `min(50, longest story)` of the training files: 50 jointly,
            fewer for a task of short stories (9 for task 16), so that
            the empty slots of `attend_empty_slots` are those of the code.
        batch_size: Positive integer. Default: `32`.
        learning_rate: Positive float. Default: `0.01`.
        linear_start: Boolean, start without softmax. Default: `True`.
        linear_start_learning_rate: Positive float. Default: `0.005`.
        linear_start_epochs: Positive integer, the number of linear epochs,
            or `"plateau"`: until the validation loss stops decreasing (the
            paper's text). Default: `None`, the authors' code's 30 for
            several tasks, 20 for one.
        linear_start_max_epochs: Optional positive integer cap on the linear
            epochs (of either rule). Default: `None`.
        encoding: The `MemoryNetwork` position encoding. Default:
            `"centered_position"`, the authors' code's (`MemN2NbAbI`).
        sentence_size: Positive integer `J` of `"centered_position"`.
            Default: `None`, the longest sentence or question of the
            training files plus one, as in the authors' code.
        attend_empty_slots: Boolean, as in `MemN2NbAbI`. Default: `True`.
        clipnorm: Positive float. Default: `40.0`.
        validation_fraction: Number in `(0, 1)`. Default: `0.1`.
        seed: Non-negative integer: the initial weights, the shuffling
            and the noise. Default: `0`.
        split_seed: Non-negative integer, the seed of the held-out split
            (`load_babi`). Default: `0`, the split that `evaluate_babi(...,
            "validation")` and `keras-memory evaluate babi --split
            validation` score; runs of several seeds share it.
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
        (`{task: error %}`), `training_errors` (the same on the training
        questions), `metadata` (what `output`'s metadata.json holds).
    """
    linear_start = validation.check_bool("linear_start", linear_start)
    if not linear_start:  # no linear epochs to add to the run
        linear_start_epochs = "plateau"
    epochs, halving_epochs, embedding_dim, linear_start_epochs = paper_setup(
        tasks, epochs, halving_epochs, embedding_dim, linear_start_epochs
    )
    if linear_start_max_epochs is not None:
        linear_start_max_epochs = validation.check_positive_int(
            "linear_start_max_epochs", linear_start_max_epochs
        )
        if linear_start_epochs is not None:
            linear_start_epochs = min(linear_start_epochs, linear_start_max_epochs)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    validation.check_number_in(
        "validation_fraction", validation_fraction, 0.0, 1.0, low_open=True, high_open=True
    )
    seed = validation.check_seed(seed)
    split_seed = validation.check_seed(split_seed)
    if output is not None and not str(output).endswith(".weights.h5"):
        raise validation.invalid_argument("output", "a path ending in .weights.h5", str(output))
    start = time.time()
    keras.utils.set_random_seed(seed)
    data = babi.load_babi(
        directory,
        tasks,
        memory_size=memory_size or model_lib.MEMORY_SIZE,
        validation_fraction=validation_fraction,
        seed=split_seed,
        vocabulary=vocabulary,
    )
    if memory_size is None:  # the stories' rows: min(50, the longest story)
        memory_size = int(data.train.story.shape[1])
    memory_size = validation.check_positive_int("memory_size", memory_size)
    if sentence_size is None and encoding == "centered_position":
        # The words of the longest sentence or question, plus the slot of
        # the authors' time word.
        sentence_size = max(data.train.story.shape[2], data.train.question.shape[1]) + 1
    model = model_lib.MemN2NbAbI(
        weights=None,
        vocabulary=data.vocabulary,
        embedding_dim=embedding_dim,
        encoding=encoding,
        sentence_size=sentence_size,
        attend_empty_slots=attend_empty_slots,
        hops=hops,
        memory_size=memory_size,
        random_noise=random_noise,
        seed=seed,
    )
    compile_for_babi(model, learning_rate, clipnorm, jit_compile=jit_compile)
    schedule = PaperSchedule(learning_rate, halving_epochs, linear_start_learning_rate)
    linear = None
    if linear_start:
        if linear_start_epochs is None:  # "plateau"
            linear = LinearStart(max_epochs=linear_start_max_epochs, verbose=verbose)
        else:
            linear = LinearStart(
                min_epochs=linear_start_epochs, max_epochs=linear_start_epochs, verbose=verbose
            )
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
        "linear_start_epochs": linear_start_epochs,
        "linear_start_max_epochs": linear_start_max_epochs,
        "random_noise": random_noise,
        "encoding": encoding,
        "sentence_size": sentence_size,
        "attend_empty_slots": attend_empty_slots,
        "clipnorm": clipnorm,
        "validation_fraction": validation_fraction,
        "seed": seed,
        "split_seed": split_seed,
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
    # The paper keeps the run of lowest training error (section 4.2).
    training_errors = task_errors(model, data.train)
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
                f"(keras_memory.datasets.babi.load_babi, seed {split_seed})"
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
            "encoding": encoding,
            "sentence_size": sentence_size,
            "attend_empty_slots": attend_empty_slots,
            "hops": hops,
            "memory_size": memory_size,
            "seed": seed,
            "split_seed": split_seed,
            "jit_compile": jit_compile,
            "seconds": round(time.time() - start),
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        },
        **_error_record(errors),
        "training_errors": {str(t): e for t, e in sorted(training_errors.items())},
        "mean_training_error": summarize_errors(training_errors)["mean_error"],
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
        "training_errors": training_errors,
        "metadata": metadata,
    }


def train_babi_runs(directory, runs=10, seed=0, output=None, verbose=1, report=None, **kwargs):
    """`train_babi` `runs` times from seeds `seed, seed + 1, ...`; the best run.

    The paper's protocol (section 4.2): "training is repeated 10 times with
    different random initializations, and the one with the lowest training
    error is picked". The best run is chosen by its mean training error
    (ties: the earlier seed), never by the validation split, so that the
    validation errors reported for it are not the best of `runs` draws.
    Every run holds out the same split (`split_seed`, as in `train_babi`):
    only the initial weights, the shuffling and the noise differ. Only the chosen run is written to
    `output`; its metadata gains `"runs"`, every run's seed, mean training
    and validation errors, failed tasks and seconds, and `"chosen_by"`.

    Args:
        directory: As in `train_babi`.
        runs: Positive integer. Default: `10`, the paper's.
        seed: Non-negative integer, the first run's seed. Default: `0`.
        output: Optional `.weights.h5` path of the chosen run. Default: `None`.
        verbose: As in `train_babi`, for every run. Default: `1`.
        report: Optional callable `report(run_index, result)`, called after
            every run (the command line prints each run's table with it).
            Default: `None`.
        **kwargs: The other `train_babi` arguments, the same for every run.

    Returns:
        The chosen run's `train_babi` result, with `"runs"` (the list of
        every run's record, in seed order) and `"chosen_run"` (its index).
    """
    runs = validation.check_positive_int("runs", runs)
    seed = validation.check_seed(seed)
    if output is not None and not str(output).endswith(".weights.h5"):
        raise validation.invalid_argument("output", "a path ending in .weights.h5", str(output))
    if report is not None and not callable(report):
        raise validation.invalid_argument("report", "a callable or None", report)
    records, best, best_index = [], None, None
    for index in range(runs):
        result = train_babi(directory, seed=seed + index, verbose=verbose, **kwargs)
        metadata = result["metadata"]
        records.append({
            "seed": seed + index,
            "mean_training_error": metadata["mean_training_error"],
            "mean_validation_error": metadata["mean_validation_error"],
            "failed_tasks": metadata["failed_tasks"],
            "best_epoch": metadata["training"]["best_epoch"],
            "seconds": metadata["training"]["seconds"],
        })
        if report is not None:
            report(index, result)
        if best is None or records[-1]["mean_training_error"] < records[best_index][
            "mean_training_error"
        ]:
            best, best_index = result, index
    best["metadata"]["runs"] = records
    best["metadata"]["chosen_by"] = (
        f"the lowest mean training error of {runs} runs (seeds {seed} to "
        f"{seed + runs - 1}), the paper's rule; the validation split does not choose"
    )
    if output is not None:
        presets.write_preset(output, best["model"], best["vocabulary"], best["metadata"])
    return {**best, "runs": records, "chosen_run": best_index}


def _error_record(errors):
    """The metadata keys of the validation errors `{task: error %}`."""
    summary = summarize_errors(errors)
    return {
        "validation_errors": {str(t): e for t, e in sorted(errors.items())},
        "validation_accuracy": {str(t): round(100.0 - e, 2) for t, e in sorted(errors.items())},
        "mean_validation_error": summary["mean_error"],
        "failed_tasks": summary["failed_tasks"],
    }
