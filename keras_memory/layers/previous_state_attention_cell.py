"""A recurrent cell that attends over its own last K states."""

import copy
import math

import keras
import numpy as np
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper

SCORES = ("additive", "dot")
QUERIES = ("input_and_state", "input", "state")
ATTENDED_STATES = ("all", "first")


def _recency_indices(window):
    """`idx[k, j] = (j + k) mod K`: row k of the one-hot pointer, rotated."""
    k = np.arange(window)
    return ((k[None, :] + k[:, None]) % window).astype("int32")


@keras.saving.register_keras_serializable(package="keras_memory")
class PreviousStateAttentionCell(
    keras.layers.Layer, cell_wrapper.ForwardsDropoutHooks
):
    """Wraps a recurrent cell so that it proceeds from an attended past state.

    The wrapped cell `f` steps from a weighted average of its own last K
    states instead of from its last state alone:

    ```
    s_t      = f(x_t, s~_{t-1})
    s~_{t-1} = sum_{k=1..K} a_{t,k} s_{t-k}
    ```

    The weights come from a query `q_t` (`query`: `[x_t, h_{t-1}]`, `x_t`
    or `h_{t-1}`, with `h` the cell's first state) and each buffered
    state's first entry `h_{t-k}` as the key:

    ```
    additive (Bahdanau):  e_{t,k} = v^T tanh(W_q q_t + W_k h_{t-k})
    dot (scaled):         e_{t,k} = (W_q q_t)^T (W_k h_{t-k}) / sqrt(A)
    a_{t,k} = F_{t,k} exp(e_{t,k}) / sum_j F_{t,j} exp(e_{t,j})
    ```

    where `A = attention_units` and `F_{t,k}` is 1 for the filled slots of
    the buffer and 0 for the empty ones: before K steps have run only the
    `t` states `s_{t-1}, ..., s_0` exist, and the empty slots get exactly
    zero attention (not a small softmax weight). At the first step the
    buffer holds only the initial state, so `s~_0 = s_0` and the first step
    is the wrapped cell's ordinary first step. Once K states are buffered,
    each step overwrites the oldest.

    Which state is attended (`attended_states`): `"all"` averages every
    state of the cell with the same weights (for an `LSTMCell` both `h`
    and `c`, as in the LSTMN of Cheng et al. 2016); `"first"` averages only
    the first state (`h`) and passes the others (`c`, or the phase of a
    `ClockworkRNNCell`, which must not be averaged) on from `s_{t-1}`.

    Buffer: a ring of K slots, each holding one attended state `s_{t-k}`
    (its entries concatenated in the cell's state order). A step first
    writes `s_{t-1}` into the slot after the last written one (slot 0 at
    the first step), then attends over the filled slots. The fill status
    and the ring's position are two K-vectors of 0/1 values rather than
    integer counters, so they stay exact in float16 and bfloat16 states;
    the fill count is `sum_k F_k`.

    State, in this order (every entry flat, `(batch, size)`):

    1. `y_{t-1}`, the previous output (`output_size`; zeros before the
       first step): first, so that masking works on every backend.
    2. The wrapped cell's states `s_{t-1}` (for an `LSTMCell`, `h`, `c`).
    3. The ring buffer, `K * D` values, slot-major, with `D` the size of
       an attended state (the sum of the cell's state sizes for `"all"`,
       the first state's size for `"first"`).
    4. The filled slots `F`, K values of 0 or 1.
    5. The last written slot, one-hot over K (all zeros before the first
       write).

    The all-zeros state is the true initial state of a cell whose own
    initial state is zeros (every Keras cell): an empty buffer, nothing
    written. `keras.layers.RNN.reset_state()` (which assigns zeros) restarts
    it correctly. A wrapped cell with a non-zero initial state is restarted
    at its own initial state by `PreviousStateAttention.reset_state()`.

    Args:
        cell: A Keras RNN cell with a flat state, e.g.
            `keras.layers.LSTMCell(32)`.
        window: Positive integer `K`, the number of past states attended.
        score: `"additive"` or `"dot"`. Default: `"additive"`.
        query: `"input_and_state"` (`q_t = [x_t, h_{t-1}]`), `"input"` or
            `"state"`. Default: `"input_and_state"`.
        attended_states: `"all"` or `"first"`. Default: `"all"`.
        attention_units: Positive integer `A`, the size of the projected
            query and keys, or `None` for the size of the cell's first
            state. Default: `None`.
        return_attention: Boolean; append the attention weights, K values in
            order of recency (column `k` weighs `s_{t-1-k}`), to the output.
            Default: `False`.
        kernel_initializer: Initializer of `W_q`, `W_k` and `v`.
            Default: `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean, passed to the wrapped cell.

    Returns:
        `(y_t, new_states)`: the wrapped cell's output, then the attention
        weights `(batch, K)` when `return_attention=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers.previous_state_attention_cell import (
    ...     PreviousStateAttentionCell)
    >>> cell = PreviousStateAttentionCell(keras.layers.LSTMCell(8), window=3,
    ...                                   return_attention=True)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 5, 4), "float32"))
    >>> tuple(outputs.shape)  # 8 units and 3 attention weights
    (2, 5, 11)
    >>> np.round(keras.ops.convert_to_numpy(outputs[0, 0, 8:]), 3)  # step 1
    array([1., 0., 0.], dtype=float32)

    Reference:
        Cheng, Dong and Lapata. Long Short-Term Memory-Networks for Machine
        Reading. EMNLP 2016. https://arxiv.org/abs/1601.06733
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015.
        https://arxiv.org/abs/1409.0473
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
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell = cell_wrapper.check_cell(cell)
        self._cell_state_sizes = cell_wrapper.state_sizes(cell)
        self._cell_output_size = cell_wrapper.output_size(cell)
        self.window = validation.check_positive_int("window", window)
        self.score = validation.check_choice("score", score, SCORES)
        self.query = validation.check_choice("query", query, QUERIES)
        self.attended_states = validation.check_choice(
            "attended_states", attended_states, ATTENDED_STATES
        )
        if attention_units is not None:
            attention_units = validation.check_positive_int(
                "attention_units", attention_units
            )
        self.attention_units = attention_units
        self.return_attention = validation.check_bool("return_attention", return_attention)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )

        self._attended_count = (
            len(self._cell_state_sizes) if self.attended_states == "all" else 1
        )
        self._slot_size = sum(self._cell_state_sizes[: self._attended_count])  # D
        self.output_size = self._cell_output_size + self.window * int(
            self.return_attention
        )
        self.state_size = [
            self.output_size,
            *self._cell_state_sizes,
            self.window * self._slot_size,
            self.window,
            self.window,
        ]

    def _recurrent_mask_input(self, step_input):
        # Our first state is y = [output, a]; the cell's recurrent dropout
        # mask has the shape of its first state.
        return ops.zeros(
            (ops.shape(step_input)[0], self._cell_state_sizes[0]),
            dtype=step_input.dtype,
        )

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "Received an invalid value for argument `inputs`, expected a "
                f"static last dimension, got shape {tuple(input_shape)}."
            )
        if not self.cell.built:
            self.cell.build(input_shape)
        key_size = self._cell_state_sizes[0]
        query_size = {
            "input_and_state": features + key_size,
            "input": features,
            "state": key_size,
        }[self.query]
        units = self.attention_units or key_size
        self.query_kernel = self.add_weight(
            shape=(query_size, units),
            name="query_kernel",
            initializer=self.kernel_initializer,
        )  # W_q
        self.key_kernel = self.add_weight(
            shape=(key_size, units), name="key_kernel", initializer=self.kernel_initializer
        )  # W_k
        if self.score == "additive":
            self.score_vector = self.add_weight(
                shape=(units, 1), name="score_vector", initializer=self.kernel_initializer
            )  # v
        else:
            self.score_vector = None

    def _scores(self, query, keys):
        """`e_{t,k}` for every slot: query `(batch, Q)`, keys `(batch, K, H)`."""
        projected_query = ops.matmul(query, self.query_kernel)  # W_q q_t
        # W_k h_{t-k} as one 2D matmul over (batch * K) rows: a 3D-by-2D
        # matmul is a Tensordot whose gradient transpose XLA cannot compile
        # for a partial batch inside the RNN loop.
        window, key_size = keys.shape[1], keys.shape[2]
        units = self.key_kernel.shape[-1]
        projected_keys = ops.reshape(
            ops.matmul(ops.reshape(keys, (-1, key_size)), self.key_kernel),
            (-1, window, units),
        )
        if self.score == "additive":
            hidden = ops.tanh(projected_query[:, None, :] + projected_keys)
            return ops.sum(hidden * self.score_vector[:, 0], axis=-1)  # v^T tanh(.)
        dot = ops.sum(projected_query[:, None, :] * projected_keys, axis=-1)
        return dot / math.sqrt(self.key_kernel.shape[-1])  # / sqrt(A)

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        empty = cell_wrapper.empty_batch_step(self, inputs, states)
        if empty is not None:
            return empty
        count = len(self._cell_state_sizes)
        window, size = self.window, self._slot_size
        previous = list(states[1 : 1 + count])  # s_{t-1}
        buffer, filled, last = states[1 + count :]
        batch = ops.shape(inputs)[0]
        dtype = buffer.dtype

        # Write s_{t-1} into the slot after the last written one (slot 0 at
        # the first step, when `last` is all zeros).
        attended = ops.concatenate(
            [ops.cast(s, dtype) for s in previous[: self._attended_count]], axis=-1
        )
        first_slot = ops.cast(ops.one_hot(ops.zeros((1,), "int32"), window), dtype)
        written = ops.roll(last, 1, axis=-1) + (
            1.0 - ops.sum(last, axis=-1, keepdims=True)
        ) * first_slot
        slots = ops.reshape(buffer, (batch, window, size))
        slots = (
            slots * (1.0 - written[:, :, None]) + written[:, :, None] * attended[:, None, :]
        )
        filled = ops.maximum(filled, written)  # F_t

        # e_{t,k} from the query and the keys h_{t-k}.
        keys = slots[:, :, : self._cell_state_sizes[0]]
        h_previous = ops.cast(previous[0], inputs.dtype)
        query = {
            "input_and_state": lambda: ops.concatenate([inputs, h_previous], axis=-1),
            "input": lambda: inputs,
            "state": lambda: h_previous,
        }[self.query]()
        scores = self._scores(query, ops.cast(keys, inputs.dtype))
        # a_{t,k}: a softmax over the filled slots, in float32; empty slots
        # get exactly zero.
        scores = ops.cast(scores, "float32")
        is_filled = ops.cast(filled, "float32") > 0.5
        # `initial`: no error on an empty batch (TF eager checks the size).
        largest = ops.max(
            ops.where(is_filled, scores, -3.0e38), axis=-1, keepdims=True, initial=-3.0e38
        )
        exponentials = ops.where(
            is_filled, ops.exp(ops.where(is_filled, scores - largest, 0.0)), 0.0
        )
        weights = exponentials / ops.sum(exponentials, axis=-1, keepdims=True)
        weights = ops.cast(weights, dtype)

        # s~_{t-1} = sum_k a_{t,k} s_{t-k}, split back into the cell's states.
        mixed = ops.sum(weights[:, :, None] * slots, axis=1)
        attended_states = []
        start = 0
        for index, state_size in enumerate(self._cell_state_sizes):
            if index < self._attended_count:
                attended_states.append(
                    ops.cast(mixed[:, start : start + state_size], previous[index].dtype)
                )
                start += state_size
            else:
                attended_states.append(previous[index])

        output, new_cell_states = self.cell(inputs, attended_states, training=training)
        if not isinstance(new_cell_states, (list, tuple)):
            new_cell_states = [new_cell_states]
        if self.return_attention:
            # Recency order: column k is the weight of the slot written k
            # steps ago, slot (p - k) mod K, with p the slot just written.
            rotation = ops.take(written, _recency_indices(window), axis=-1)
            recency = ops.matmul(rotation, weights[:, :, None])[..., 0]
            output = ops.concatenate([output, ops.cast(recency, output.dtype)], axis=-1)
        new_states = [
            output,
            *new_cell_states,
            ops.reshape(slots, (batch, window * size)),
            filled,
            written,
        ]
        return output, new_states

    def get_initial_state(self, batch_size=None):
        # The buffer is empty and nothing is written: zeros (see the class
        # docstring); the wrapped cell starts from its own initial state.
        cell_states = cell_wrapper.initial_states(self.cell, batch_size)
        count = len(self._cell_state_sizes)
        own = [self.state_size[0], *self.state_size[1 + count :]]
        zeros = [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in own]
        return [zeros[0], *cell_states, *zeros[1:]]

    def get_config(self):
        config = {
            "cell": cell_wrapper.serialize_cell(self.cell),
            "window": self.window,
            "score": self.score,
            "query": self.query,
            "attended_states": self.attended_states,
            "attention_units": self.attention_units,
            "return_attention": self.return_attention,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        base_config = super().get_config()
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(
                copy.deepcopy(cell), custom_objects=custom_objects
            )
        return cls(cell, **config)
