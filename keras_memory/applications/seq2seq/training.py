"""Training the date normaliser: teacher forcing, Adam, one shape bucket.

The encoder-decoder reads a written date ("mardi 4 mai 1999") and is trained
to write its ISO form ("1999-05-04") with teacher forcing (Bahdanau et al.
2015, section 3): at step `t` the decoder reads the true previous character
`y_{t-1}` and the loss is the cross-entropy `-sum_t log p(y_t | y_<t, x)`
of the true next character, padding excluded.

Every source fits `SOURCE_LENGTH = 32` ids (at most 30 characters and the end
id) and every target `TARGET_LENGTH = 11` (10 characters and the end id), so
`seq2seq_dataset` is given one bucket each: one batch shape, one XLA compile
(a partial last batch aside: its batch dimension is dynamic).

XLA here (TF 2.21, Keras 3.15, 2 shared CPU cores, GRU 64/128, batch 128):
an epoch of 4,000 examples (32 batches) took 23.2 s with `jit_compile=True`
(the first, with the compile, 133.6 s) and 30.1 s without (the first
67.7 s): XLA costs about 70 s more to start and saves about 0.2 s a batch,
so it is the default (`JIT_COMPILE`) for runs of more than about 300
batches; the shipped run has 1,564.
"""

import time

import keras

from keras_memory import validation
from keras_memory.applications.seq2seq.model import DECODER_INPUT
from keras_memory.applications.seq2seq.model import SOURCE_INPUT
from keras_memory.applications.seq2seq.model import AttentionSeq2Seq
from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.datasets import dates
from keras_memory.datasets.text import seq2seq_dataset

# One bucket each side (sources <= 30 characters, targets 10; + the end id).
SOURCE_LENGTH = 32
TARGET_LENGTH = dates.TARGET_LENGTH + 1
# The shipped model's architecture (the arguments of `AttentionSeq2Seq`
# besides the vocabulary sizes).
ARCHITECTURE = {
    "embedding_dim": 32,
    "encoder_units": 64,
    "decoder_units": 128,
    "cell": "gru",
    "attention": "luong",
    "score": "general",
    "attention_units": 128,
    "input_feeding": True,
    "bridge": "dense",
}
LEARNING_RATE = 3e-3
CLIPNORM = 1.0
# The cosine schedule's last step size, as a fraction of the first.
DECAY_ALPHA = 0.03
BATCH_SIZE = 128
NUM_EXAMPLES = 50_000
EPOCHS = 4
# Measured on this project's 2-core CPU machine (module docstring).
JIT_COMPILE = True


def build_date_model(vocabulary=None, architecture=None):
    """An `AttentionSeq2Seq` for the dates (the shipped architecture by default).

    Args:
        vocabulary: A `CharacterVocabulary`; default `date_vocabulary()`.
        architecture: Optional dict of `AttentionSeq2Seq` arguments;
            default `ARCHITECTURE`.
    """
    vocabulary = dates.date_vocabulary() if vocabulary is None else vocabulary
    config = dict(ARCHITECTURE if architecture is None else architecture)
    return AttentionSeq2Seq(vocabulary.size, name="date_normalizer", **config)


def training_steps(epochs=EPOCHS, num_examples=NUM_EXAMPLES, batch_size=BATCH_SIZE):
    """The optimizer steps of `train_dates` (the last partial batch included)."""
    return epochs * -(-num_examples // batch_size)


def compile_for_dates(
    model,
    learning_rate=LEARNING_RATE,
    clipnorm=CLIPNORM,
    decay_steps=None,
    jit_compile=JIT_COMPILE,
):
    """Compiles `model` for teacher forcing: Adam, masked cross-entropy.

    The loss is the sparse categorical cross-entropy of the logits against
    the target ids, the padding id `0` ignored (`ignore_class=0`), so that
    the loss is the mean over real target characters and end ids.

    Args:
        model: An `AttentionSeq2Seq` model.
        learning_rate: Positive number, Adam's step size. Default: `3e-3`.
        clipnorm: Positive number, the gradient norm clip. Default: `1.0`.
        decay_steps: Optional positive integer: the step size follows a
            cosine from `learning_rate` to `DECAY_ALPHA * learning_rate`
            over that many steps (`training_steps(...)` for the whole run:
            the small steps at the end settle the last errors). Default:
            `None`, a constant step size.
        jit_compile: Boolean or `"auto"`. Default: `True` (`JIT_COMPILE`).

    Returns:
        `model`, compiled.
    """
    learning_rate = validation.check_positive_number("learning_rate", learning_rate)
    clipnorm = validation.check_positive_number("clipnorm", clipnorm)
    decay_steps = validation.check_optional_positive_int("decay_steps", decay_steps)
    if decay_steps is not None:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps, alpha=DECAY_ALPHA
        )
    if jit_compile != "auto":
        jit_compile = validation.check_bool("jit_compile", jit_compile)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        jit_compile=jit_compile,
    )
    return model


def date_dataset(
    examples, batch_size=BATCH_SIZE, shuffle=True, seed=0, vocabulary=None, start=0, repeat=False
):
    """The teacher-forcing `tf.data.Dataset` of `DateExamples`, one shape bucket.

    Batches are `({"source_ids": (B, 32), "decoder_input_ids": (B, 11)},
    target_ids (B, 11))`, reshuffled at every pass (seed `(seed, pass)`).
    `start` and `repeat` are `seq2seq_dataset`'s: the endless stream from
    batch `start`, the same for every iterator, is what `train_dates` fits
    on (with `steps_per_epoch`), so that a resumed run and a run under a
    `tf.distribute` strategy see one device's batches.
    """
    import tensorflow as tf

    vocabulary = dates.date_vocabulary() if vocabulary is None else vocabulary
    dataset = seq2seq_dataset(
        examples.sources,
        examples.targets,
        vocabulary,
        batch_size,
        source_buckets=(SOURCE_LENGTH,),
        target_buckets=(TARGET_LENGTH,),
        shuffle=shuffle,
        seed=seed,
        start=start,
        repeat=repeat,
    )
    dataset = dataset.map(
        lambda inputs, targets: ({SOURCE_INPUT: inputs[0], DECODER_INPUT: inputs[1]}, targets)
    )
    # One bucket: ceil(N / B) batches. A known cardinality lets Keras end an
    # epoch without a call past the data (which advanced the optimizer's
    # step counter on TF 2.21 / Keras 3.15).
    if not repeat:
        batches = -(-len(examples.sources) // batch_size)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.prefetch(2)


class EpochLog(keras.callbacks.Callback):
    """Prints one line per epoch (loss, validation loss, seconds so far)."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            logs = logs or {}
            parts = [f"epoch {epoch + 1}", f"{time.time() - self.start:.0f} s"]
            parts += [f"{key} {float(value):.4f}" for key, value in sorted(logs.items())]
            print("  ".join(parts), flush=True)


def train_dates(
    model,
    epochs=EPOCHS,
    num_examples=NUM_EXAMPLES,
    batch_size=BATCH_SIZE,
    seed=0,
    validation_examples=1000,
    verbose=1,
    callbacks=(),
    backup_dir=None,
):
    """Trains a compiled date model for `epochs` passes over generated dates.

    The budget is in epochs over a fixed set of `num_examples` training
    dates (`date_normalization(num_examples, seed=seed, split="train")`),
    so that a busy machine changes the wall time, not the model. Validation
    uses `validation_examples` dates of the `"validation"` split (never a
    test date).

    Args:
        model: A compiled model (`compile_for_dates(build_date_model())`).
        epochs: Positive integer. Default: `EPOCHS`.
        num_examples: Positive integer, the training set. Default:
            `NUM_EXAMPLES`.
        batch_size: Positive integer. Default: `BATCH_SIZE`.
        seed: Non-negative integer: the training dates and the shuffling
            (seed the weights with `keras.utils.set_random_seed`).
            Default: `0`.
        validation_examples: Non-negative integer; `0` for no validation.
            Default: `1000`.
        verbose: 0 or 1; 1 prints a line per epoch. Default: `1`.
        callbacks: More Keras callbacks; those with `backup_state` are
            backed up with the run.
        backup_dir: Optional folder of a `BackupAndResume` backup, written
            at the end of every epoch. When it holds a backup of the same
            run (the same arguments), training resumes there: the weights,
            the optimizer (its step, so the cosine schedule too) and the
            shuffled stream at the first batch of the epoch that follows,
            so that the run ends with the weights of a run never stopped.
            Another run's backup is refused (ValueError). The backup is
            deleted when training ends. Default: `None`.

    Returns:
        The Keras `History` (`history.history["loss"]` per epoch, and
        `"val_loss"` with validation; every epoch of a resumed run), with
        `history.seconds`, the wall time of this call.

    Example:

    >>> import keras
    >>> keras.utils.set_random_seed(0)
    >>> model = compile_for_dates(build_date_model(architecture={
    ...     "embedding_dim": 4, "encoder_units": 4, "decoder_units": 4,
    ...     "attention_units": 4, "cell": "gru"}), jit_compile=False)
    >>> history = train_dates(model, epochs=1, num_examples=16, batch_size=8,
    ...                       validation_examples=0, verbose=0)
    >>> len(history.history["loss"])
    1
    """
    epochs = validation.check_positive_int("epochs", epochs)
    num_examples = validation.check_positive_int("num_examples", num_examples)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    seed = validation.check_seed(seed)
    validation_examples = validation.check_int_at_least(
        "validation_examples", validation_examples, 0
    )
    examples = dates.date_normalization(num_examples, seed=seed, split="train")
    steps_per_epoch = -(-num_examples // batch_size)
    fit_callbacks = [EpochLog(verbose), *callbacks]
    run = {
        "training": "train_dates",
        "epochs": epochs,
        "num_examples": num_examples,
        "batch_size": batch_size,
        "seed": seed,
        "validation_examples": validation_examples,
        "parameters": int(model.count_params()),
    }
    backup, first_epoch = add_backup(fit_callbacks, backup_dir, run)
    dataset = date_dataset(
        examples, batch_size, seed=seed, start=first_epoch * steps_per_epoch, repeat=True
    )
    validation_data = None
    if validation_examples:
        held_out = dates.date_normalization(
            validation_examples, seed=seed + 1, split="validation"
        )
        validation_data = date_dataset(held_out, batch_size, shuffle=False)
    start = time.time()
    history = model.fit(
        dataset,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        validation_data=validation_data,
        shuffle=False,  # the stream shuffles every pass itself
        verbose=0,
        callbacks=fit_callbacks,
    )
    if backup is not None:  # a resumed run's History has its own epochs only
        history.history = backup.history
    history.seconds = time.time() - start
    return history
