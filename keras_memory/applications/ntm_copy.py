"""The Neural Turing Machine of the copy task, with shipped weights.

The paper's copy setup (Graves, Wayne and Danihelka 2014, section 4.1 and
table 2): an LSTM controller of 100 units, a memory of N = 128 locations of
width M = 20, one read and one write head, trained with RMSProp (learning
rate 1e-4, momentum 0.9) and gradients clipped to [-10, 10], on sequences of
1 to 20 random 8-bit vectors. The memory starts at the constant 1e-6
(Collier and Beel 2018).
"""

import json
import pathlib
import time

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications import shipped_weights
from keras_memory.datasets import algorithmic
from keras_memory.layers import NTM

# The copy format of `keras_memory.datasets.copy_task`.
INPUT_CHANNELS = algorithmic.COPY_NUM_BITS + 1
OUTPUT_CHANNELS = algorithmic.COPY_NUM_BITS

CONTROLLER_UNITS = 100
MEMORY_SIZE = 128
MEMORY_WIDTH = 20
LEARNING_RATE = 1e-4
MOMENTUM = 0.9
GRADIENT_CLIP = 10.0

SHIPPED_WEIGHTS = {"copy": "ntm_copy/copy.weights.h5"}


def shipped_weights_path(weights):
    """Path of the shipped weights called `weights`."""
    return shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)


def _weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(weights, SHIPPED_WEIGHTS)


def shipped_metadata(weights="copy"):
    """The metadata stored beside shipped weights (task, budget, scores)."""
    path = shipped_weights_path(weights)
    return json.loads(path.with_name("metadata.json").read_text())


def NTMCopy(weights="copy", memory_size=MEMORY_SIZE, name="ntm_copy"):
    """The NTM of the paper's copy task, optionally with trained weights.

    `sequence (B, T, 9) -> NTM(LSTM 100, N, M = 20) -> Dense(8, sigmoid)`:
    the input and output follow `keras_memory.datasets.copy_task`, the
    output is the probability of every bit at every step, and only the
    last `L` of the `2 L + 1` steps are the copy.

    The memory size `N` holds no weights (the memory starts at a constant
    and heads address it by content and by shifts), so the same weights
    run with a larger memory: use `memory_size >= 2 L` to copy sequences
    longer than the 128 locations allow.

    Args:
        weights: `"copy"` (trained by the project on lengths 1 to 20; see
            `shipped_metadata()`), `None` (a fresh model) or the path of a
            `.weights.h5` file of this architecture. Default: `"copy"`.
        memory_size: Positive integer `N`. Default: `128`, the paper's.
        name: Model name. Default: `"ntm_copy"`.

    Returns:
        An uncompiled `keras.Model` with input `"sequence"` and output
        `"bits"`; `compile_for_copy` compiles it the paper's way.

    Example:

    >>> from keras_memory.applications import NTMCopy
    >>> from keras_memory.datasets import copy_task
    >>> model = NTMCopy(weights=None)
    >>> inputs, targets, _ = copy_task(2, 5, 5)
    >>> tuple(model(inputs).shape)
    (2, 11, 8)

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
    """
    memory_size = validation.check_positive_int("memory_size", memory_size)
    weights_path = _weights_file(weights)
    sequence = keras.Input((None, INPUT_CHANNELS), name="sequence")
    features = NTM(
        units=CONTROLLER_UNITS,
        memory_size=memory_size,
        memory_width=MEMORY_WIDTH,
        return_sequences=True,
        name="ntm",
    )(sequence)
    bits = keras.layers.Dense(OUTPUT_CHANNELS, activation="sigmoid", name="bits")(
        features
    )
    model = keras.Model(sequence, bits, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def NTMRepeatCopy(weights="copy", memory_size=MEMORY_SIZE, name="ntm_repeat_copy"):
    """The repeat-copy NTM, optionally started from the copy model's weights.

    `sequence (B, T, 10) -> NTM(LSTM 100, N, M = 20) -> Dense(9, sigmoid)`
    in the format of `keras_memory.datasets.repeat_copy_task`: input
    channel 9 carries the normalised number of repeats on the delimiter
    step, and output channel 8 is the end marker.

    With `weights="copy"` every weight the two tasks share comes from the
    shipped copy model: the controller's weights for the eight bits, the
    delimiter and the read vector, its recurrent weights, the heads'
    projection, and the eight bit outputs. What the copy task never saw
    starts fresh: the controller's input row for the repeat count (zeros,
    so the copy model's behaviour is the starting point) and the end-marker
    output. This is a fine-tuning start: the machine can already store and
    replay a sequence and has to learn to count.

    Args:
        weights: `"copy"` (transplant the shipped copy weights), `None`
            (fresh) or the path of a `.weights.h5` file of this
            architecture. Default: `"copy"`.
        memory_size: Positive integer `N`. Default: `128`.
        name: Model name. Default: `"ntm_repeat_copy"`.

    Returns:
        An uncompiled `keras.Model` with input `"sequence"` and output
        `"bits"`.
    """
    memory_size = validation.check_positive_int("memory_size", memory_size)
    weights_path = _weights_file(weights)
    sequence = keras.Input((None, INPUT_CHANNELS + 1), name="sequence")
    features = NTM(
        units=CONTROLLER_UNITS,
        memory_size=memory_size,
        memory_width=MEMORY_WIDTH,
        return_sequences=True,
        name="ntm",
    )(sequence)
    bits = keras.layers.Dense(
        OUTPUT_CHANNELS + 1, activation="sigmoid", name="bits"
    )(features)
    model = keras.Model(sequence, bits, name=name)
    if weights in SHIPPED_WEIGHTS:
        transplant_copy_weights(NTMCopy(weights, memory_size=memory_size), model)
    elif weights_path is not None:
        model.load_weights(weights_path)
    return model


def transplant_copy_weights(copy_model, repeat_model):
    """Copies a copy model's weights into a repeat-copy model (see above)."""
    source, target = copy_model.get_layer("ntm").cell, repeat_model.get_layer("ntm").cell
    # The controller reads [x_t (9 or 10 channels), r_{t-1} (M)]: the repeat
    # channel is a new kernel row between the input bits and the reads.
    kernel = keras.ops.convert_to_numpy(source.controller.kernel)
    new_row = np.zeros((1, kernel.shape[1]), kernel.dtype)
    target.controller.kernel.assign(
        np.concatenate(
            [kernel[:INPUT_CHANNELS], new_row, kernel[INPUT_CHANNELS:]], axis=0
        )
    )
    target.controller.recurrent_kernel.assign(source.controller.recurrent_kernel)
    target.controller.bias.assign(source.controller.bias)
    target.head_kernel.assign(source.head_kernel)
    target.head_bias.assign(source.head_bias)
    # The eight bit outputs carry over; the end marker (unit 8) stays fresh.
    source_bits, target_bits = copy_model.get_layer("bits"), repeat_model.get_layer("bits")
    kernel = keras.ops.convert_to_numpy(target_bits.kernel)
    bias = keras.ops.convert_to_numpy(target_bits.bias)
    kernel[:, :OUTPUT_CHANNELS] = keras.ops.convert_to_numpy(source_bits.kernel)
    bias[:OUTPUT_CHANNELS] = keras.ops.convert_to_numpy(source_bits.bias)
    target_bits.kernel.assign(kernel)
    target_bits.bias.assign(bias)


def compile_for_copy(model, learning_rate=LEARNING_RATE, jit_compile="auto"):
    """Compiles `model` the paper's way: RMSProp, clipping, cross-entropy.

    RMSProp with momentum 0.9, every gradient clipped to [-10, 10],
    binary cross-entropy on the scored steps (feed the tasks' sample
    weights), and `BitErrorsPerSequence` as a weighted metric.
    """
    model.compile(
        optimizer=keras.optimizers.RMSprop(
            learning_rate, momentum=MOMENTUM, clipvalue=GRADIENT_CLIP
        ),
        loss="binary_crossentropy",
        weighted_metrics=[algorithmic.BitErrorsPerSequence()],
        jit_compile=jit_compile,
    )
    return model


def evaluate_copy(model, lengths=range(1, 21), sequences_per_length=32, seed=1):
    """Bit errors per sequence of `model` at every length.

    Args:
        model: A model in the copy format (e.g. `NTMCopy`).
        lengths: Iterable of sequence lengths `L`. Default: 1 to 20.
        sequences_per_length: Positive integer. Default: `32`.
        seed: Seed of the evaluation sequences (training uses others).

    Returns:
        `{L: bit errors per sequence}` as Python floats.
    """
    sequences_per_length = validation.check_positive_int(
        "sequences_per_length", sequences_per_length
    )
    errors = {}
    for length in lengths:
        inputs, targets, weights = algorithmic.copy_task(
            sequences_per_length, length, length, seed=(seed, length)
        )
        # A compiled forward pass: an eager call of the RNN is many times
        # slower (one traced function per length, reused across calls).
        predictions = np.asarray(model.predict_on_batch(inputs))
        errors[int(length)] = algorithmic.bit_errors_per_sequence(
            targets, predictions, weights
        )
    return errors


class CopyProgress(keras.callbacks.Callback):
    """Logs the sequences seen and the bit errors on lengths 1 to 20.

    Every `every` batches it evaluates the model with `evaluate_copy`,
    prints one line, appends the row to `history`, and saves the weights
    to `checkpoint` (when given) while the mean error is the lowest yet.
    """

    def __init__(self, batch_size, every=250, checkpoint=None, verbose=1, seed=1):
        super().__init__()
        self.batch_size = batch_size
        self.every = every
        self.checkpoint = checkpoint
        self.verbose = verbose
        self.seed = seed
        self.history = []
        self.best = None
        self._batches = 0
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.time()

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
            self.model.save_weights(self.checkpoint)
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
):
    """Trains a compiled copy model on `sequences` generated sequences.

    Returns the `CopyProgress` callback, whose `history` holds the
    evaluations (sequences seen, bit errors on lengths 1 to 20).
    """
    sequences = validation.check_positive_int("sequences", sequences)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    steps = max(1, sequences // batch_size)
    progress = CopyProgress(
        batch_size, every=min(every, steps), checkpoint=checkpoint, verbose=verbose
    )
    dataset = algorithmic.copy_dataset(
        batch_size, min_length, max_length, seed=seed
    ).prefetch(4)
    model.fit(
        dataset,
        steps_per_epoch=steps,
        epochs=1,
        shuffle=False,  # an endless generated stream: nothing to shuffle
        verbose=0,
        callbacks=[progress, *callbacks],
    )
    return progress
