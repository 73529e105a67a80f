"""Skip RNN cell (Campos, Jou, Giró-i-Nieto, Torres and Chang, ICLR 2018)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.ops import straight_through_round


@keras.saving.register_keras_serializable(package="keras_memory")
class SkipRNNCell(keras.layers.Layer, cell_wrapper.ForwardsDropoutHooks):
    """Wraps any RNN cell so that it learns to skip state updates.

    A binary update gate `u_t` decides at each step whether the inner cell
    `S` runs or the state is copied. The gate comes from the cumulative
    update probability `u~_t`, which grows while the cell skips and is reset
    after an update (equations 2 to 5 of the paper):

    ```
    u_t        = round(u~_t)                       (straight-through)
    s_t        = u_t * S(s_{t-1}, x_t) + (1 - u_t) * s_{t-1}
    Δu~_t      = sigmoid(W_p s_t + b_p)
    u~_{t+1}   = u_t * Δu~_t + (1 - u_t) * (u~_t + min(Δu~_t, 1 - u~_t))
    ```

    `s_t` is every state of the inner cell, concatenated (for an LSTM,
    `[h_t, c_t]`). `u~_0 = 1`, so the first step always updates, and `b_p`
    starts at 1 as in the paper. The straight-through `round` passes the
    gradient to `W_p` and `b_p`, so a budget loss on `sum_t u_t` (added by
    `SkipRNN`) teaches the cell to update less.

    **What is saved.** In training (`training=True`) every step computes
    `S` and blends, because the straight-through gradient needs `S` at
    skipped steps too and a `cond` cannot be compiled into an XLA training
    step on TensorFlow. At inference, with `skip_inference_computation=True`
    (the default), a step at which no example of the batch updates does not
    run `S` or `W_p` at all (`keras.ops.cond`): at batch size one, as in
    streaming, every skipped step is saved. A step at which some examples
    update computes `S` for the whole batch and blends per example.

    State, in this order: the previous output `y_{t-1}` (what a skipped step
    outputs again; first, so that masking works on every backend), the inner
    cell's states, and `[1 - u~_t, Δu~_{t-1}]`. The increment is kept so
    that a skipped step needs no matrix product; `1 - u~_t` rather than
    `u~_t` so that the all-zeros state is the true initial state
    (`u~_0 = 1`) and `keras.layers.RNN.reset_state()`, which assigns zeros,
    restarts the cell correctly.

    Args:
        cell: A Keras RNN cell with a flat state, e.g.
            `keras.layers.LSTMCell(64)`.
        return_gates: Boolean; append the update gate `u_t` as the last
            output column. `SkipRNN` sets it to read the gates.
            Default: `False`.
        inference_threshold: Float in (0, 1). At inference `u_t = 1` where
            `u~_t > inference_threshold`; 0.5 is the training rule `round`.
            Raising it skips more. Default: `0.5`.
        skip_inference_computation: Boolean; at inference, skip the inner
            cell on steps where no example updates. Default: `True`.
        update_kernel_initializer: Initializer for `W_p`.
            Default: `"glorot_uniform"`.
        update_bias_initializer: Initializer for `b_p`. Default: `1.0`
            (a constant), as in the paper.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean: straight-through rounding and blending
            when `True`; threshold and (optionally) skipping when `False`.

    Returns:
        `(y_t, new_states)`, where `y_t` is the inner cell's output (copied
        on skipped steps), with `u_t` appended when `return_gates=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import SkipRNNCell
    >>> cell = SkipRNNCell(keras.layers.GRUCell(4), return_gates=True)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 6, 3), "float32"))
    >>> tuple(outputs.shape)  # 4 GRU units and the gate u_t
    (2, 6, 5)

    Reference:
        Campos, Jou, Giró-i-Nieto, Torres and Chang. Skip RNN: Learning to
        Skip State Updates in Recurrent Neural Networks. ICLR 2018.
        https://arxiv.org/abs/1708.06834
    """

    def __init__(
        self,
        cell,
        return_gates=False,
        inference_threshold=0.5,
        skip_inference_computation=True,
        update_kernel_initializer="glorot_uniform",
        update_bias_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell = cell_wrapper.check_cell(cell)
        self._inner_state_sizes = cell_wrapper.state_sizes(cell)
        self._inner_output_size = cell_wrapper.output_size(cell)
        self.inference_threshold = validation.check_number_in(
            "inference_threshold", inference_threshold, 0.0, 1.0, low_open=True, high_open=True
        )
        self.return_gates = validation.check_bool("return_gates", return_gates)
        self.skip_inference_computation = validation.check_bool(
            "skip_inference_computation", skip_inference_computation
        )
        self.update_kernel_initializer = validation.get_initializer(
            "update_kernel_initializer", update_kernel_initializer
        )
        self.update_bias_initializer = validation.get_initializer(
            "update_bias_initializer",
            keras.initializers.Constant(1.0)
            if update_bias_initializer is None
            else update_bias_initializer,
        )
        self.output_size = self._inner_output_size + int(self.return_gates)
        self.state_size = [self.output_size, *self._inner_state_sizes, 2]

    def _recurrent_mask_input(self, step_input):
        # Our first state is the previous output (with the gate column when
        # return_gates); the wrapped cell's recurrent mask is shaped like its
        # own first state.
        return step_input[:, : self._inner_state_sizes[0]]

    def build(self, input_shape):
        if not self.cell.built:
            self.cell.build(input_shape)
        self.update_kernel = self.add_weight(
            shape=(sum(self._inner_state_sizes), 1),
            name="update_kernel",
            initializer=self.update_kernel_initializer,
        )  # W_p
        self.update_bias = self.add_weight(
            shape=(1,), name="update_bias", initializer=self.update_bias_initializer
        )  # b_p

    def _update_increment(self, inner_states):
        """Δu~_t = sigmoid(W_p s_t + b_p)."""
        state = ops.concatenate(list(inner_states), axis=-1)
        return ops.sigmoid(ops.matmul(state, self.update_kernel) + self.update_bias)

    def _blend(self, update, new_output, new_states, prev_output, inner_states):
        """u_t * new + (1 - u_t) * old, for the output and every state.

        Arithmetic, so that the straight-through gradient reaches u_t. With
        u_t exactly 0 or 1 the result is `old` or `new` bit for bit.
        """
        def mix(new, old):
            return update * new + (1.0 - update) * old

        output = mix(new_output, prev_output)
        states = [mix(new, old) for new, old in zip(new_states, inner_states)]
        return output, states

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        prev_output = states[0][:, : self._inner_output_size]  # y_{t-1}
        inner_states = list(states[1:-1])  # s_{t-1}
        gate_state = states[-1]
        cumulative = 1.0 - gate_state[:, :1]  # u~_t
        prev_increment = gate_state[:, 1:]  # Δu~_{t-1}

        if training:
            update = straight_through_round(cumulative)  # u_t
            new_output, new_states = cell_wrapper.run_cell(
                self.cell, inputs, inner_states, training
            )
            output, inner_states = self._blend(
                update, new_output, new_states, prev_output, inner_states
            )
            increment = self._update_increment(inner_states)
        else:
            update = ops.cast(
                ops.greater(cumulative, self.inference_threshold), cumulative.dtype
            )
            output, inner_states, increment = self._inference_step(
                inputs, update, prev_output, inner_states, prev_increment
            )

        next_cumulative = update * increment + (1.0 - update) * (
            cumulative + ops.minimum(increment, 1.0 - cumulative)
        )  # u~_{t+1}
        if self.return_gates:
            output = ops.concatenate([output, update], axis=-1)
        gate_state = ops.concatenate([1.0 - next_cumulative, increment], axis=-1)
        return output, [output, *inner_states, gate_state]

    def _inference_step(self, inputs, update, prev_output, inner_states, prev_increment):
        is_update = ops.greater(update, 0.0)  # (batch, 1)

        def run():
            new_output, new_states = cell_wrapper.run_cell(self.cell, inputs, inner_states, False)
            output = ops.where(is_update, new_output, prev_output)
            states = [ops.where(is_update, n, o) for n, o in zip(new_states, inner_states)]
            increment = ops.where(is_update, self._update_increment(states), prev_increment)
            return output, states, increment

        def skip():
            return prev_output, inner_states, prev_increment

        if not self.skip_inference_computation:
            return run()
        return ops.cond(ops.any(is_update), run, skip)

    def get_initial_state(self, batch_size=None):
        inner = cell_wrapper.initial_states(self.cell, batch_size)
        output = ops.zeros((batch_size, self.output_size), dtype=self.compute_dtype)
        # [1 - u~_0, Δu~_{-1}] = [0, 0]: the first step always updates, and
        # Δu~ is unused until then.
        gate_state = ops.zeros((batch_size, 2), dtype=self.compute_dtype)
        return [output, *inner, gate_state]

    def get_config(self):
        config = {
            "cell": cell_wrapper.serialize_cell(self.cell),
            "return_gates": self.return_gates,
            "inference_threshold": self.inference_threshold,
            "skip_inference_computation": self.skip_inference_computation,
            "update_kernel_initializer": keras.initializers.serialize(
                self.update_kernel_initializer
            ),
            "update_bias_initializer": keras.initializers.serialize(
                self.update_bias_initializer
            ),
        }
        base_config = super().get_config()
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
