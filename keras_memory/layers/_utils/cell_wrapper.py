"""Helpers for cells that wrap another Keras RNN cell (Skip RNN, Zoneout).

A wrapper serializes its inner cell as `keras.layers.Bidirectional`
serializes its layer, and checks up front that it was given a cell with a
flat state, so that the state list can be split without guessing.
"""

import copy

import keras

# `keras.layers.RNN` prepares per-sequence randomness (dropout masks) only for
# instances of this class, through the hooks `get_dropout_mask`,
# `get_recurrent_dropout_mask`, `reset_dropout_mask` and
# `reset_recurrent_dropout_mask`, called right before and after its loop.
# Keras 3.15 does not export the class, so it is imported from its defining
# module; `isinstance` in `RNN` needs this exact class.
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

from keras_memory import validation


def empty_batch_step(cell, inputs, states):
    """`(output, states)` of one step over a batch of zero, else `None`.

    Keras's `LSTMCell` fails on a batch of zero in eager TensorFlow
    (oneDNN's "Biases must be 1D: [0, 4u]"); a cell that wraps or contains
    any Keras cell answers the empty step itself: an empty output and the
    (empty) states unchanged. Only a batch size known to be 0 is caught.
    """
    if inputs.shape[0] != 0:
        return None
    return keras.ops.zeros((0, cell.output_size), cell.compute_dtype), states


def check_cell(cell, argument="cell"):
    """Raises unless `cell` is a Keras RNN cell with a flat integer state."""
    is_layer = isinstance(cell, keras.layers.Layer)
    # A whole RNN layer (keras.layers.LSTM) also has `state_size`: refuse it.
    if not is_layer or isinstance(cell, keras.layers.RNN) or not hasattr(cell, "state_size"):
        raise validation.invalid_argument(
            argument,
            "a Keras RNN cell (a layer with `call(inputs, states)` and "
            "`state_size`, such as keras.layers.LSTMCell)",
            cell,
        )
    return cell


def state_sizes(cell):
    """The cell's `state_size` as a list of ints; raises on nested sizes."""
    sizes = cell.state_size
    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
    if not all(isinstance(size, int) for size in sizes):
        raise ValueError(
            f"Received an invalid value for argument `cell`: its state_size "
            f"must be an int or a flat list of ints, got {cell.state_size!r} "
            f"from {cell.__class__.__name__}."
        )
    return sizes


def output_size(cell):
    """The cell's `output_size`, falling back to its first state's size."""
    size = getattr(cell, "output_size", None)
    return state_sizes(cell)[0] if size is None else size


def initial_states(cell, batch_size):
    """The cell's initial state list (zeros when it defines none)."""
    if hasattr(cell, "get_initial_state"):
        states = cell.get_initial_state(batch_size=batch_size)
        return list(states) if isinstance(states, (list, tuple)) else [states]
    return [
        keras.ops.zeros((batch_size, size), dtype=cell.compute_dtype)
        for size in state_sizes(cell)
    ]


def run_cell(cell, inputs, states, training):
    """One step of the wrapped `cell`: `(output, new states as a list)`."""
    output, new_states = cell(inputs, states, training=training)
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)


def serialize_cell(cell):
    return keras.saving.serialize_keras_object(cell)


def deserialize_cell(config, custom_objects=None):
    """Returns `(cell, remaining_config)` without mutating `config`."""
    config = copy.deepcopy(config)
    cell = keras.saving.deserialize_keras_object(
        config.pop("cell"), custom_objects=custom_objects
    )
    return cell, config


class ForwardsDropoutHooks(DropoutRNNCell):
    """Forwards `keras.layers.RNN`'s dropout hooks to the wrapped `self.cell`.

    `RNN` sees only the outermost cell. Without forwarding, a wrapped
    `LSTMCell(dropout=...)` draws its masks inside the loop, which on JAX
    (a `lax.scan`) leaks a tracer. `_recurrent_mask_input` lets a wrapper
    whose first state is not the wrapped cell's `h` say what to pass on.
    """

    def _recurrent_mask_input(self, step_input):
        return step_input

    def get_dropout_mask(self, step_input):
        if isinstance(self.cell, DropoutRNNCell):
            return self.cell.get_dropout_mask(step_input)
        return None

    def get_recurrent_dropout_mask(self, step_input):
        if isinstance(self.cell, DropoutRNNCell):
            return self.cell.get_recurrent_dropout_mask(
                self._recurrent_mask_input(step_input)
            )
        return None

    def reset_dropout_mask(self):
        if isinstance(self.cell, DropoutRNNCell):
            self.cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        if isinstance(self.cell, DropoutRNNCell):
            self.cell.reset_recurrent_dropout_mask()
