"""Clockwork RNN layer (Koutník, Greff, Gomez and Schmidhuber, ICML 2014)."""

import keras

from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import rnn_layer_config
from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell


@keras.saving.register_keras_serializable(package="keras_memory")
class ClockworkRNN(keras.layers.RNN):
    """Clockwork RNN layer: a `keras.layers.RNN` over a `ClockworkRNNCell`.

    The hidden state is split into modules that update at their own clock
    periods `T_i` and copy their state otherwise; slower modules feed faster
    ones through a block-triangular recurrent matrix. See `ClockworkRNNCell`
    for the equations.

    Args:
        units: Positive integer, dimensionality of the hidden state, a
            multiple of the number of modules.
        periods: List of positive integer clock periods, one per module.
            Default: `None`, the exponential periods `1, 2, 4, ...`.
        num_modules: Number of modules when `periods` is `None`.
            Default: `None`, meaning 4.
        activation, use_bias: As in `ClockworkRNNCell`.
        kernel_initializer, recurrent_initializer, bias_initializer: As in `ClockworkRNNCell`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: As in `ClockworkRNNCell`.
        kernel_constraint, recurrent_constraint, bias_constraint: As in `ClockworkRNNCell`.
        return_sequences: Boolean, whether to return every step's output.
            Default: `False`.
        return_state: Boolean, whether to also return the final states
            `h_T` and the clock phases. Default: `False`.
        go_backwards: Boolean, process the sequence backwards (the clock
            starts at the last step). Default: `False`.
        stateful: Boolean, carry the state, clock phases included, from one
            batch to the next. `reset_state()` restarts the clock at
            `t = 0`. Default: `False`.
        unroll: Boolean, unroll the loop. Default: `False`.
        **kwargs: Base layer keyword arguments, such as `name`, `dtype`,
            `activity_regularizer` and `zero_output_for_mask`.

    Call arguments:
        inputs: A 3D tensor with shape `(batch, timesteps, features)`.
        mask: Optional boolean tensor `(batch, timesteps)`. Masked steps
            leave `h` and the clock unchanged, so each sequence's clock
            counts only its real steps.
        training: Python boolean; unused.
        initial_state: Optional list `[h_0 (batch, units),
            phases_0 (batch, num_modules)]`.

    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with
        `return_sequences=True`; followed by the two final states with
        `return_state=True`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import ClockworkRNN
    >>> layer = ClockworkRNN(16, periods=[1, 2, 4, 8], return_sequences=True)
    >>> tuple(layer(np.zeros((2, 10, 1), "float32")).shape)
    (2, 10, 16)

    Reference:
        Koutník, Greff, Gomez and Schmidhuber. A Clockwork RNN. ICML 2014.
        https://arxiv.org/abs/1402.3511
    """

    def __init__(
        self,
        units,
        periods=None,
        num_modules=None,
        activation="tanh",
        use_bias=True,
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
        cell = ClockworkRNNCell(
            units,
            periods=periods,
            num_modules=num_modules,
            activation=activation,
            use_bias=use_bias,
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
            name="clockwork_rnn_cell",
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
    def units(self):
        return self.cell.units

    @property
    def periods(self):
        return self.cell.periods

    @property
    def num_modules(self):
        return self.cell.num_modules

    @property
    def activation(self):
        return self.cell.activation

    @property
    def use_bias(self):
        return self.cell.use_bias

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)  # zero steps: a named error, not a TF one
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )

    def get_config(self):
        return rnn_layer_config(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)
