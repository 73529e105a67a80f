"""Adaptive Computation Time cell (Graves, 2016)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils.time_loop import repeat_step
from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell
from keras_memory.layers.zoneout_cell import ZoneoutCell

# b_h's default: the paper's (see the argument's docstring).
DEFAULT_HALTING_BIAS = 1.0


def _discrete_states(cell):
    """Indices of the wrapped cell's states that must not be averaged.

    The clock phase `t mod T_i` of a `ClockworkRNNCell` (also inside a
    `ZoneoutCell`, which passes it through) is an integer: a mean of two
    phases would make modules fire at the wrong steps. Such a state is taken
    from the step at which the example halts.
    """
    inner = cell
    while isinstance(inner, ZoneoutCell):
        inner = inner.cell
    return (1,) if isinstance(inner, ClockworkRNNCell) else ()


@keras.saving.register_keras_serializable(package="keras_memory")
class ACTCell(keras.layers.Layer, cell_wrapper.ForwardsDropoutHooks):
    """Adaptive Computation Time: any cell ponders each input for a learned number of steps.

    At every input step `t` the wrapped cell `S` runs up to `M =
    max_ponder_steps` times on the same input, with a flag on the first
    ponder step, and a halting unit decides when to stop (equations 3 to 14
    of the paper):

    ```
    s_t^n   = S(s_t^{n-1}, x_t^n)        s_t^0 = s_{t-1},  x_t^n = [x_t, δ_{n,1}]
    h_t^n   = sigmoid(W_h s_t^n + b_h)   (the halting unit)
    N(t)    = min{M, min{n : sum_{n'=1}^{n} h_t^{n'} >= 1 - ε}}
    R(t)    = 1 - sum_{n=1}^{N(t)-1} h_t^n    (the remainder)
    p_t^n   = R(t) if n = N(t), h_t^n if n < N(t)
    s_t     = sum_{n=1}^{N(t)} p_t^n s_t^n
    y_t     = sum_{n=1}^{N(t)} p_t^n y_t^n
    ρ_t     = N(t) + R(t)                      (the ponder time)
    ```

    `s_t^n` is every state of the wrapped cell, concatenated (for an LSTM,
    `[h, c]`), and `y_t^n` its output. The halting weights `p_t^n` sum to
    one, so the state and output are their halting-weighted means; `N(t)`
    is an integer without gradient, and the gradient of the ponder cost
    `τ sum_t ρ_t` reaches the halting unit through `R(t)` alone. The
    integer clock phase of a `ClockworkRNNCell` is not averaged: it is taken
    from the step at which each example halts.

    The ponder cost is added by `keras_memory.layers.ACT`, the RNN layer of
    this cell: a cell inside `keras.layers.RNN` runs within the loop over
    time, where a loss over the whole sequence cannot be added. This cell
    appends `ρ_t` to its output with `return_ponder=True` for that layer
    (and for a user's own loss).

    **What is computed.** Training (`training=True`) always runs the `M`
    ponder steps and masks those after an example has halted, because a
    loop whose length depends on the data can be neither differentiated on
    JAX nor compiled into a TensorFlow XLA training step. At inference,
    with `skip_inference_computation=True` (the default), the loop stops as
    soon as every example of the batch has halted: a batch of one computes
    exactly `N(t)` steps.

    State, in this order: the previous output `y_{t-1}` (first, so that
    masking works on every backend: its size is the output's), then the
    wrapped cell's states `s_{t-1}` in its own order.

    Args:
        cell: A Keras RNN cell with a flat state, e.g.
            `keras.layers.SimpleRNNCell(128)`; it receives the input with
            one more feature, the first-step flag.
        max_ponder_steps: Positive integer `M`, the most ponder steps per
            input step.
        epsilon: Float in (0, 1), the halting threshold `ε`: an example
            halts once its halting sum reaches `1 - ε`. Default: `0.01`,
            as in the paper.
        return_ponder: Boolean; append `ρ_t = N(t) + R(t)` as the last
            output column. Default: `False`.
        halting_kernel_initializer: Initializer for `W_h`.
            Default: `"glorot_uniform"`.
        halting_bias_initializer: Initializer for `b_h`. Default: the
            paper's constant `1.0`, with which an untrained cell halts
            after about two steps (`sigmoid(1) = 0.73`). A negative
            constant such as `-3.0` (`sigmoid(-3) = 0.05`) starts it
            pondering up to `M` steps: on parity it learned in half the
            updates, then pondered longer (`benchmarks/act.py`; the
            layer's docs page has the numbers).
        skip_inference_computation: Boolean; at inference, stop pondering
            once every example of the batch has halted. Default: `True`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean, passed to the wrapped cell; see "What is
            computed".

    Returns:
        `(y_t, new_states)`: the halting-weighted output of the wrapped
        cell, with `ρ_t` appended when `return_ponder=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import ACTCell
    >>> cell = ACTCell(keras.layers.GRUCell(4), max_ponder_steps=5,
    ...                return_ponder=True)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 6, 3), "float32"))
    >>> tuple(outputs.shape)  # 4 GRU units and the ponder time
    (2, 6, 5)

    Reference:
        Graves. Adaptive Computation Time for Recurrent Neural Networks.
        2016. https://arxiv.org/abs/1603.08983
    """

    def __init__(
        self,
        cell,
        max_ponder_steps,
        epsilon=0.01,
        return_ponder=False,
        halting_kernel_initializer="glorot_uniform",
        halting_bias_initializer=None,
        skip_inference_computation=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell = cell_wrapper.check_cell(cell)
        self._inner_state_sizes = cell_wrapper.state_sizes(cell)
        self._inner_output_size = cell_wrapper.output_size(cell)
        self.max_ponder_steps = validation.check_positive_int(
            "max_ponder_steps", max_ponder_steps
        )
        self.epsilon = validation.check_number_in(
            "epsilon", epsilon, 0.0, 1.0, low_open=True, high_open=True
        )
        self.return_ponder = validation.check_bool("return_ponder", return_ponder)
        self.skip_inference_computation = validation.check_bool(
            "skip_inference_computation", skip_inference_computation
        )
        self.halting_kernel_initializer = validation.get_initializer(
            "halting_kernel_initializer", halting_kernel_initializer
        )
        self.halting_bias_initializer = validation.get_initializer(
            "halting_bias_initializer",
            keras.initializers.Constant(DEFAULT_HALTING_BIAS)
            if halting_bias_initializer is None
            else halting_bias_initializer,
        )
        self._discrete = _discrete_states(self.cell)
        self.output_size = self._inner_output_size + int(self.return_ponder)
        self.state_size = [self.output_size, *self._inner_state_sizes]

    def _with_flag(self, inputs, flag):
        """`x_t^n = [x_t, δ_{n,1}]`: the input and the first-step flag."""
        column = ops.ones_like(inputs[:, :1]) * ops.cast(flag, inputs.dtype)
        return ops.concatenate([inputs, column], axis=-1)

    def _recurrent_mask_input(self, step_input):
        # Our first state is the previous output; the wrapped cell's
        # recurrent mask is shaped like its own first state.
        return step_input[:, : self._inner_state_sizes[0]]

    def get_dropout_mask(self, step_input):
        if not isinstance(self.cell, cell_wrapper.DropoutRNNCell):
            return None
        # The wrapped cell sees the input with the flag column.
        step_input = validation.cast_inputs(step_input, self.compute_dtype)
        return super().get_dropout_mask(self._with_flag(step_input, 0.0))

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "Received an invalid value for argument `inputs`: ACTCell "
                f"needs a known feature dimension, got shape {tuple(input_shape)}."
            )
        if not self.cell.built:
            self.cell.build((*input_shape[:-1], features + 1))
        self.halting_kernel = self.add_weight(
            shape=(sum(self._continuous_sizes()), 1),
            name="halting_kernel",
            initializer=self.halting_kernel_initializer,
        )  # W_h
        self.halting_bias = self.add_weight(
            shape=(1,), name="halting_bias", initializer=self.halting_bias_initializer
        )  # b_h

    def _continuous_sizes(self):
        return [
            size
            for index, size in enumerate(self._inner_state_sizes)
            if index not in self._discrete
        ]

    def _halting_probability(self, inner_states):
        """h_t^n = sigmoid(W_h s_t^n + b_h), over the averaged states."""
        state = ops.concatenate(
            [
                ops.cast(s, self.compute_dtype)
                for index, s in enumerate(inner_states)
                if index not in self._discrete
            ],
            axis=-1,
        )
        return ops.sigmoid(ops.matmul(state, self.halting_kernel) + self.halting_bias)

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        empty = cell_wrapper.empty_batch_step(self, inputs, states)
        if empty is not None:
            return empty
        inner_states = list(states[1:])  # s_{t-1}
        zeros = ops.zeros_like(inputs[:, :1])  # (batch, 1)
        threshold = 1.0 - self.epsilon
        last = self.max_ponder_steps - 1

        def ponder(n, carry):
            # n = 0 .. M-1 is the paper's ponder step n + 1.
            previous, halting_sum, running, mean_output, means, remainder, steps = carry
            output, updated = cell_wrapper.run_cell(
                self.cell, self._with_flag(inputs, ops.equal(n, 0)), previous, training
            )  # y_t^n, s_t^n
            h = self._halting_probability(updated)
            crosses = ops.logical_or(
                ops.greater_equal(halting_sum + h, threshold), ops.equal(n, last)
            )
            halts = ops.logical_and(ops.greater(running, 0.0), crosses)
            # p_t^n: h_t^n before halting, R(t) at N(t), 0 afterwards.
            weight = ops.where(halts, 1.0 - halting_sum, running * h)
            mean_output = mean_output + weight * ops.cast(output, mean_output.dtype)
            means = [
                ops.where(halts, ops.cast(new, mean.dtype), mean)
                if index in self._discrete
                else mean + weight * ops.cast(new, mean.dtype)
                for index, (new, mean) in enumerate(zip(updated, means))
            ]
            remainder = ops.where(halts, 1.0 - halting_sum, remainder)  # R(t)
            steps = ops.where(halts, ops.cast(n + 1, steps.dtype), steps)  # N(t)
            halting_sum = halting_sum + running * h
            running = running * (1.0 - ops.cast(halts, running.dtype))
            updated = [ops.cast(new, old.dtype) for new, old in zip(updated, previous)]
            return updated, halting_sum, running, mean_output, means, remainder, steps

        init = (
            inner_states,
            zeros,  # sum_{n' < n} h_t^{n'}
            zeros + 1.0,  # 1 while the example has not halted
            ops.zeros((ops.shape(inputs)[0], self._inner_output_size), self.compute_dtype),
            [ops.zeros_like(ops.cast(s, self.compute_dtype)) for s in inner_states],
            zeros,
            zeros,
        )
        keep_going = None
        if not training and self.skip_inference_computation:
            def keep_going(carry):
                return ops.any(ops.greater(carry[2], 0.0))

        final = repeat_step(ponder, init, self.max_ponder_steps, keep_going)
        _, _, _, output, means, remainder, steps = final
        new_inner = [ops.cast(mean, old.dtype) for mean, old in zip(means, inner_states)]
        if self.return_ponder:
            # ρ_t = N(t) + R(t); N(t) carries no gradient.
            ponder_time = ops.stop_gradient(steps) + remainder
            output = ops.concatenate([output, ponder_time], axis=-1)
        return output, [output, *new_inner]

    def get_initial_state(self, batch_size=None):
        inner = cell_wrapper.initial_states(self.cell, batch_size)
        output = ops.zeros((batch_size, self.output_size), dtype=self.compute_dtype)
        return [output, *inner]

    def get_config(self):
        config = {
            "cell": cell_wrapper.serialize_cell(self.cell),
            "max_ponder_steps": self.max_ponder_steps,
            "epsilon": self.epsilon,
            "return_ponder": self.return_ponder,
            "halting_kernel_initializer": keras.initializers.serialize(
                self.halting_kernel_initializer
            ),
            "halting_bias_initializer": keras.initializers.serialize(
                self.halting_bias_initializer
            ),
            "skip_inference_computation": self.skip_inference_computation,
        }
        base_config = super().get_config()
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
