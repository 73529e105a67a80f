"""Helpers for the `keras.layers.RNN` subclasses that pair with our cells.

Each public cell comes with an RNN layer (as `LSTMCell` comes with `LSTM`)
that builds the cell from its own constructor arguments and flattens the
cell's arguments into its config. These helpers keep that pairing identical
across layers.
"""

import keras

from keras_memory import validation

# Keys every `keras.layers.Layer.get_config()` holds; the RNN layer owns
# them, so they are dropped from the cell's config when it is merged in.
_BASE_LAYER_KEYS = ("name", "trainable", "dtype", "activity_regularizer", "autocast")


# The boolean options of `keras.layers.RNN.__init__`.
RNN_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


def check_rnn_flags(**options):
    """The boolean options of `keras.layers.RNN` among `options`, checked.

    `keras.layers.RNN` takes any value for them (`return_sequences="no"` is
    truthy and returns sequences), so every RNN subclass passes its options
    through this.

    Returns:
        `options`, with the values of `RNN_FLAGS` as Python booleans.
    """
    return {
        name: validation.check_bool(name, value) if name in RNN_FLAGS else value
        for name, value in options.items()
    }


def check_timesteps(sequences):
    """Raises if `sequences` has a known time dimension of 0.

    `keras.layers.RNN` fails on zero steps inside TensorFlow (a
    `StridedSlice` "slice index 0 of dimension 1 out of bounds"); a sequence
    needs at least one step to have a last output. A time dimension known
    only at run time (`None` when traced) cannot be checked here.
    """
    shape = tuple(sequences.shape)
    if len(shape) >= 2 and shape[1] == 0:
        raise ValueError(
            "Received an invalid value for argument `sequences`, expected at "
            f"least one timestep, got a tensor of shape {shape}."
        )


def empty_batch_outputs(rnn_layer, sequences):
    """Zero-size outputs for a batch of zero sequences; `None` otherwise.

    A batch of zero has a defined result, outputs of batch size 0 and the
    layer's other dimensions. Keras's `LSTMCell` fails on it in eager mode
    (oneDNN's "Biases must be 1D"), so a layer with an LSTM controller
    returns this instead of running the cell. Only a batch size known to be
    0 is caught (eager calls); a traced batch dimension is `None`.
    """
    if sequences.shape[0] != 0:
        return None
    shapes = rnn_layer.compute_output_shape(tuple(sequences.shape))
    return keras.tree.map_shape_structure(
        lambda shape: keras.ops.zeros(shape, rnn_layer.compute_dtype), shapes
    )


def cell_arguments(cell):
    """The cell's constructor arguments, without the base layer's keys."""
    return {
        key: value
        for key, value in cell.get_config().items()
        if key not in _BASE_LAYER_KEYS
    }


def rnn_layer_config(rnn_layer):
    """Config of an RNN subclass: RNN options plus the cell's arguments."""
    # Named explicitly (not `super(type(layer), layer)`), which would recurse
    # forever for a user's subclass of our layer.
    base_config = keras.layers.RNN.get_config(rnn_layer)
    del base_config["cell"]
    return {**base_config, **cell_arguments(rnn_layer.cell)}


def reset_to_initial_state(rnn_layer):
    """Assigns the cell's initial state to a stateful layer's state variables.

    `keras.layers.RNN.reset_state()` assigns zeros, which is wrong for a cell
    whose initial state is not zero (a memory initialised to a constant, a
    wrapped cell that starts elsewhere). RNN subclasses call this instead.
    """
    if rnn_layer.states is None:
        return
    batch_size = rnn_layer.states[0].shape[0]
    initial = rnn_layer.get_initial_state(batch_size)
    for variable, value in zip(rnn_layer.states, initial):
        variable.assign(keras.ops.cast(value, variable.dtype))


def call_over_all_steps(rnn_layer, sequences, initial_state, mask, training):
    """`keras.layers.RNN.call` with every step's output and the final states.

    For RNN subclasses whose cell appends auxiliary columns (gates,
    weightings) that they need at every step whatever the user asked for:
    `return_sequences` and `return_state` are switched on for this call only,
    and the caller selects afterwards from what it returns.

    Returns:
        `(outputs, states)`: outputs `(batch, timesteps, cell.output_size)`
        and the list of final states.
    """
    asked = rnn_layer.return_sequences, rnn_layer.return_state
    rnn_layer.return_sequences, rnn_layer.return_state = True, True
    try:
        outputs, *states = keras.layers.RNN.call(
            rnn_layer,
            sequences,
            initial_state=initial_state,
            mask=mask,
            training=training,
        )
    finally:
        rnn_layer.return_sequences, rnn_layer.return_state = asked
    return outputs, states


def mask_in_output_order(rnn_layer, mask, dtype):
    """`mask` as a float `(batch, timesteps)` in the order of the outputs.

    With `go_backwards=True`, `keras.layers.RNN` returns its sequence in
    processing order, last input step first; a layer that weighs the
    per-step signals of its outputs (gates, ponder times, log-probabilities)
    with the mask must reverse the mask the same way. `None` when there is
    no mask: every step is valid.
    """
    if mask is None:
        return None
    valid = keras.ops.cast(mask, dtype)
    return keras.ops.flip(valid, axis=1) if rnn_layer.go_backwards else valid
