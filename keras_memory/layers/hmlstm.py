"""Hierarchical Multiscale LSTM layer (Chung, Ahn and Bengio, ICLR 2017)."""

import keras

from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import rnn_layer_config
from keras_memory.layers.hmlstm_cell import HMLSTMCell


@keras.saving.register_keras_serializable(package="keras_memory")
class HMLSTM(keras.layers.RNN):
    """Hierarchical Multiscale LSTM: a `keras.layers.RNN` over an `HMLSTMCell`.

    A stack of LSTM layers in one recurrent layer, where each layer but the
    top one learns binary boundaries `z^l_t` that end its segments: a layer
    updates only when the layer below ends a segment (UPDATE), keeps its
    state bit for bit otherwise (COPY), and starts afresh after its own
    boundary (FLUSH). See `HMLSTMCell` for the equations.

    With `return_boundaries=True` the layer splits the boundaries off the
    cell's output and returns them as a second output, exact zeros and ones.
    With `output_module_units=n` its features are the paper's gated output
    module `h^e_t = ReLU(sum_l g^l_t W^e_l h^l_t)` (eq. 11), the input of a
    language model's softmax; otherwise they are `[h^1_t, ..., h^L_t]`.

    Anneal the hard sigmoid's slope during training with
    `keras_memory.callbacks.SlopeAnnealing`; the current value is the
    non-trainable variable `layer.slope`.

    Args:
        units_per_layer: List of at least two positive integers, the sizes
            of `h^1, ..., h^L` from the bottom up.
        slope: Number >= 1, the initial slope `a`. Default: `1.0`.
        return_boundaries: Boolean; also return the boundaries
            `z^1, ..., z^{L-1}`. Default: `False`.
        output_module_units: `None` or positive integer, the size of the
            gated output module `h^e_t`. Default: `None` (no module).
        use_bias, unit_forget_bias: As in `HMLSTMCell`.
        kernel_initializer, recurrent_initializer, bias_initializer: As in `HMLSTMCell`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: As in `HMLSTMCell`.
        kernel_constraint, recurrent_constraint, bias_constraint: As in `HMLSTMCell`.
        return_sequences: Boolean, whether to return every step's output.
            Default: `False`.
        return_state: Boolean, whether to also return the final states
            `[y_T, h_T, c_T, z_T]` (see `HMLSTMCell`). Default: `False`.
        go_backwards: Boolean, process the sequence backwards.
            Default: `False`.
        stateful: Boolean, carry the states, boundaries included, from one
            batch to the next. `reset_state()` sets them to zero, which is
            the initial state. Default: `False`.
        unroll: Boolean, unroll the loop. Default: `False`.
        **kwargs: Base layer keyword arguments, such as `name`, `dtype`,
            `activity_regularizer` and `zero_output_for_mask`.

    Call arguments:
        inputs: A 3D tensor with shape `(batch, timesteps, features)`.
        mask: Optional boolean tensor `(batch, timesteps)`. Masked steps
            leave every state unchanged and repeat the last output.
        training: Python boolean; unused.
        initial_state: Optional list of the four states of `HMLSTMCell`.

    Output shape:
        The features, `(batch, size)` or `(batch, timesteps, size)` with
        `return_sequences=True`, where `size` is `sum(units_per_layer)` or
        `output_module_units`; then, with `return_boundaries=True`, the
        boundaries `(batch, L - 1)` or `(batch, timesteps, L - 1)`; then,
        with `return_state=True`, the four final states.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import HMLSTM
    >>> layer = HMLSTM([8, 4], return_sequences=True, return_boundaries=True)
    >>> features, boundaries = layer(np.ones((2, 10, 3), "float32"))
    >>> tuple(features.shape), tuple(boundaries.shape)
    ((2, 10, 12), (2, 10, 1))

    Reference:
        Chung, Ahn and Bengio. Hierarchical Multiscale Recurrent Neural
        Networks. ICLR 2017. https://arxiv.org/abs/1609.01704
    """

    def __init__(
        self,
        units_per_layer,
        slope=1.0,
        return_boundaries=False,
        output_module_units=None,
        use_bias=True,
        unit_forget_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        cell = HMLSTMCell(
            units_per_layer,
            slope=slope,
            return_boundaries=return_boundaries,
            output_module_units=output_module_units,
            use_bias=use_bias,
            unit_forget_bias=unit_forget_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="hmlstm_cell",
        )
        super().__init__(
            cell,
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
    def units_per_layer(self):
        return self.cell.units_per_layer

    @property
    def num_layers(self):
        return self.cell.num_layers

    @property
    def slope(self):
        """The non-trainable slope variable `a` of the cell."""
        return self.cell.slope

    @property
    def return_boundaries(self):
        return self.cell.return_boundaries

    @property
    def output_module_units(self):
        return self.cell.output_module_units

    @property
    def use_bias(self):
        return self.cell.use_bias

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)
        outputs = super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )
        if not self.return_boundaries:
            return outputs
        if self.return_state:
            output, *states = outputs
        else:
            output, states = outputs, []
        # The cell appends z^1..z^{L-1} behind the features.
        size = self.cell.feature_size
        features, boundaries = output[..., :size], output[..., size:]
        return [features, boundaries, *states]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shapes = super().compute_output_shape(sequences_shape, initial_state_shape)
        if not self.return_boundaries:
            return shapes
        output_shape, *state_shapes = (
            shapes if self.return_state else [shapes]
        )
        leading = tuple(output_shape[:-1])
        return [
            leading + (self.cell.feature_size,),
            leading + (self.num_layers - 1,),
            *state_shapes,
        ]

    def compute_mask(self, sequences, mask):
        output_mask = super().compute_mask(sequences, mask)
        if not self.return_boundaries:
            return output_mask
        if self.return_state:
            return [output_mask[0], *output_mask]
        return [output_mask, output_mask]

    def get_config(self):
        return rnn_layer_config(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

