"""RNN layer over `PreviousStateAttentionCell`."""

import copy

import keras

from keras_memory.layers._utils.rnn_layer import call_over_all_steps
from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import reset_to_initial_state
from keras_memory.layers._utils.rnn_layer import rnn_layer_config
from keras_memory.layers.previous_state_attention_cell import PreviousStateAttentionCell


@keras.saving.register_keras_serializable(package="keras_memory")
class PreviousStateAttention(keras.layers.RNN):
    """An RNN whose cell attends over its own last K states.

    Wraps `cell` in a `PreviousStateAttentionCell` (see it for the
    equations, the ring buffer and the state layout) and runs it. With
    `return_attention=True` it also returns every step's attention weights,
    split from the cell's output.

    Args:
        cell, window, score, query: As in `PreviousStateAttentionCell`.
        attended_states, attention_units: As in `PreviousStateAttentionCell`.
        kernel_initializer: As in `PreviousStateAttentionCell`.
        return_attention: Boolean; also return the attention weights
            `(batch, timesteps, K)` of every step (whatever
            `return_sequences`), column `k` weighing `s_{t-1-k}`.
            Default: `False`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            As in `keras.layers.RNN`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 3D tensor `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`; padded steps leave the
            state and the buffer unchanged.
        training: Python boolean, passed to the wrapped cell.
        initial_state: Optional state list, as `PreviousStateAttentionCell`
            documents.

    Returns:
        The wrapped cell's outputs, `(batch, units)` or, with
        `return_sequences=True`, `(batch, timesteps, units)`; then the
        attention weights when `return_attention=True`; then the final
        states when `return_state=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers.previous_state_attention import (
    ...     PreviousStateAttention)
    >>> layer = PreviousStateAttention(keras.layers.GRUCell(8), window=4,
    ...                                return_sequences=True,
    ...                                return_attention=True)
    >>> outputs, attention = layer(np.ones((2, 6, 3), "float32"))
    >>> tuple(outputs.shape), tuple(attention.shape)
    ((2, 6, 8), (2, 6, 4))

    Reference:
        Cheng, Dong and Lapata. Long Short-Term Memory-Networks for Machine
        Reading. EMNLP 2016. https://arxiv.org/abs/1601.06733
    """

    def __init__(
        self,
        cell,
        window,
        score="additive",
        query="input_and_state",
        attended_states="all",
        attention_units=None,
        return_attention=False,
        kernel_initializer="glorot_uniform",
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        attention_cell = PreviousStateAttentionCell(
            cell,
            window=window,
            score=score,
            query=query,
            attended_states=attended_states,
            attention_units=attention_units,
            return_attention=return_attention,
            kernel_initializer=kernel_initializer,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="previous_state_attention_cell",
        )
        super().__init__(
            attention_cell,
            **check_rnn_flags(
                return_sequences=return_sequences,
                return_state=return_state,
                go_backwards=go_backwards,
                stateful=stateful,
                unroll=unroll,
            ),
            **kwargs,
        )
        self.input_spec = keras.layers.InputSpec(ndim=3)

    @property
    def inner_cell(self):
        """The wrapped cell `f`."""
        return self.cell.cell

    @property
    def return_attention(self):
        return self.cell.return_attention

    def reset_state(self):
        # RNN.reset_state() assigns zeros; restore get_initial_state() (the
        # wrapped cell's own initial state included).
        reset_to_initial_state(self)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)
        if not self.return_attention:
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )
        outputs, states = call_over_all_steps(
            self, sequences, initial_state, mask, training
        )
        window = self.cell.window
        features = outputs[..., :-window]
        attention = outputs[..., -window:]
        if not self.return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            features = features[:, -1]
        result = [features, attention]
        if self.return_state:
            result.extend(states)
        return result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shapes = super().compute_output_shape(sequences_shape, initial_state_shape)
        if not self.return_attention:
            return shapes
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        cell = self.cell
        size = cell.output_size - cell.window
        result = [
            (batch, timesteps, size) if self.return_sequences else (batch, size),
            (batch, timesteps, cell.window),
        ]
        if self.return_state:
            result.extend((batch, s) for s in cell.state_size)
        return result

    def compute_mask(self, sequences, mask):
        output_mask = super().compute_mask(sequences, mask)
        if not self.return_attention:
            return output_mask
        if self.return_state:
            first, *rest = output_mask
            return [first, None, *rest]
        return [output_mask, None]

    def get_config(self):
        return rnn_layer_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        cell = keras.saving.deserialize_keras_object(
            config.pop("cell"), custom_objects=custom_objects
        )
        return cls(cell, **config)
