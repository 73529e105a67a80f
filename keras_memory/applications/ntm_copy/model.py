"""The copy-task NTM: `NTMCopy`, `NTMRepeatCopy` and the weight transplant."""

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications import shipped_weights
from keras_memory.applications.ntm_copy import presets
from keras_memory.datasets import algorithmic
from keras_memory.layers import NTM

# The copy format of `keras_memory.datasets.copy_task`.
INPUT_CHANNELS = algorithmic.COPY_NUM_BITS + 1
OUTPUT_CHANNELS = algorithmic.COPY_NUM_BITS

# The paper's copy architecture (section 4.1, table 2).
CONTROLLER_UNITS = 100
MEMORY_SIZE = 128
MEMORY_WIDTH = 20


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
        memory_size: Integer `N` >= 3 (the shifts -1, 0, +1). Default: `128`,
            the paper's.
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
    # Shifts by -1, 0, +1 (shift range 1) need at least 3 locations.
    memory_size = validation.check_int_at_least("memory_size", memory_size, 3)
    weights_path = presets.weights_file(weights)
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
        shipped_weights.load_weights(model, weights_path)
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
        memory_size: Integer `N` >= 3 (the shifts -1, 0, +1). Default: `128`.
        name: Model name. Default: `"ntm_repeat_copy"`.

    Returns:
        An uncompiled `keras.Model` with input `"sequence"` and output
        `"bits"`.
    """
    # Shifts by -1, 0, +1 (shift range 1) need at least 3 locations.
    memory_size = validation.check_int_at_least("memory_size", memory_size, 3)
    weights_path = presets.weights_file(weights)
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
    if weights in presets.SHIPPED_WEIGHTS:
        transplant_copy_weights(NTMCopy(weights, memory_size=memory_size), model)
    elif weights_path is not None:
        shipped_weights.load_weights(model, weights_path)
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


