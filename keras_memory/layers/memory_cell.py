"""General external memory cell: content/location addressing, soft/hard reads,
overwrite/residual/erase-and-add writes, several heads."""

import math

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils import random
from keras_memory.ops import content_weighting
from keras_memory.ops import erase_and_add
from keras_memory.ops import hard_read
from keras_memory.ops import interpolate
from keras_memory.ops import log_probabilities
from keras_memory.ops import overwrite
from keras_memory.ops import residual_write
from keras_memory.ops import sharpen
from keras_memory.ops import shift
from keras_memory.ops import soft_read

ADDRESSING_MODES = ("content", "location")
READ_MODES = ("soft", "hard")
WRITE_MODES = ("overwrite", "residual", "erase_add")
MEMORY_INITS = ("constant", "learned", "random")

# Collier and Beel (2018): a small constant initial memory trains about twice
# as fast as a learned or random one, and keeps the cosine similarity away
# from 0 / 0.
CONSTANT_MEMORY_VALUE = 1e-6


def is_feedforward_controller(controller):
    """True for a layer that is not an RNN cell (no `state_size`)."""
    return (
        isinstance(controller, keras.layers.Layer)
        and not isinstance(controller, keras.layers.RNN)
        and not hasattr(controller, "state_size")
    )


def feedforward_output_size(controller):
    """The output size a feed-forward controller declares (see `MemoryCell`)."""
    last = controller
    if isinstance(controller, keras.Sequential) and controller.layers:
        last = controller.layers[-1]
    units = getattr(last, "units", None)
    if not validation.is_integer(units) or units < 1:
        raise validation.invalid_argument(
            "controller",
            "an RNN cell, or a feed-forward layer with an integer `units` "
            "attribute (such as keras.layers.Dense) or a Sequential ending "
            "in one",
            controller,
        )
    return units


@keras.saving.register_keras_serializable(package="keras_memory")
class MemoryCell(keras.layers.Layer, cell_wrapper.DropoutRNNCell):
    """A controller cell with an external memory and configurable access.

    The general external memory: a controller (a recurrent cell, or a
    feed-forward layer) reads `[x_t, r_{t-1}]`, the input and the previous
    read vectors, and one linear projection of its output `h_t`, clipped to
    `[-clip_value, clip_value]`, gives every head's parameters. The memory
    `M` holds N locations of width M. One access module, chosen by three
    options, reads and writes it.

    **Addressing** (every head, read or write), with the pure functions of
    `keras_memory.ops`:

    ```
    content:   w_t = softmax(beta_t K[k_t, M(i)])          (NTM eq. 5, 6)
    location:  w^c_t = softmax(beta_t K[k_t, M(i)])        content
               w^g_t = g_t w^c_t + (1 - g_t) w_{t-1}        interpolate (eq. 7)
               w~_t  = sum_j w^g_t(j) s_t(i - j)            shift       (eq. 8)
               w_t   = w~_t^gamma_t / sum_j w~_t(j)^gamma_t sharpen     (eq. 9)
    ```

    with the key `k_t` (M values, linear), `beta_t = softplus(.)`,
    `g_t = sigmoid(.)`, `s_t = softmax(.)` over the offsets `-s..s` and
    `gamma_t = 1 + softplus(.)`. `K` is the cosine similarity with an
    epsilon in every norm, so an all-zero memory gives no NaN.

    **Writes** (write head h, weighting `w_h`, vectors `v_h = tanh(.)`,
    `e_h = sigmoid(.)`, M values each):

    ```
    overwrite: M_t(i) = (1 - w(i)) M_{t-1}(i) + w(i) v          one head
    residual:  M_t(i) = M_{t-1}(i) + sum_h w_h(i) v_h
    erase_add: M_t(i) = M_{t-1}(i) prod_h (1 - w_h(i) e_h) + sum_h w_h(i) v_h
    ```

    Conflicting writes (several heads on one location) follow one rule
    per mode, and none depends on the order of the heads. `"overwrite"`
    uses the shared-claim rule of `ops.overwrite`: with the total claim
    `S(i) = sum_h w_h(i)`, `M_t(i) = (1 - min(1, S(i))) M_{t-1}(i) + sum_h
    w_h(i) v_h / max(1, S(i))`: a row is replaced by at most its whole
    content, by the `w`-weighted mean of the heads' values, so two heads
    that both claim a whole row leave the mean of their values there (not
    their sum); heads on disjoint rows act as if applied one after the
    other. `"residual"` adds every head's contribution. `"erase_add"`
    applies all erases, then all adds (NTM section 3.2).

    **Reads** (read head h, weighting `w_h` from the addressing):

    ```
    soft: r_t = sum_i w_t(i) M_t(i)                              (NTM eq. 2)
    hard: r_t = M_t(j),  j ~ Categorical(w_t) in training,
                         j = argmax_i w_t(i) at inference (first on ties)
    ```

    A hard read is not differentiable in `j`: the gradient reaches the
    memory through `M_t(j)` but reaches the read addressing only through a
    REINFORCE (score-function) loss `-sum_t log w_t(j_t) * A`, with `A`
    an advantage (e.g. the negated task loss minus a baseline, under
    `stop_gradient`). `return_log_probs=True` appends `log w_t(j_t)` to the
    output; `MemoryRNN(return_log_probs=True)` returns it per step (zero at
    padded steps), and the docs page shows a training step. After a hard
    read the head's weighting (carried to `w_{t-1}` of the next step's
    location addressing, and returned by `return_access`) is the one-hot
    `e_j` of the location read: the head is where it read.

    **Order within a step: write, then read**, as in `NTMCell`: the write
    heads address `M_{t-1}` and write `M_t`; the read heads then address
    and read `M_t`, so a read sees the same step's write. The output is
    `y_t = [h_t, r_t]` (read vectors concatenated, head-major), and `r_t`
    enters the controller at step `t + 1`. `NTMCell` is this cell with
    `addressing="location", reads="soft", writes="erase_add"`.

    State, in this order (every entry flat, `(batch, size)`), as `NTMCell`:

    1. `y_{t-1}`, the previous output (`output_size`; zeros before the first
       step): first, and literally the output, so that masking works on
       every backend.
    2. The controller's states (for an `LSTMCell`, `h` and `c`; none for a
       feed-forward controller).
    3. The read vectors `r_{t-1} - r_0`, `read_heads * M`, head-major.
    4. The read weightings `w^r_{t-1} - w^r_0`, `read_heads * N`.
    5. The write weightings `w^w_{t-1} - w^w_0`, `write_heads * N`.
    6. The memory `M_{t-1} - M_0`, `N * M`, location-major.

    Entries 3 to 6 are offsets from the initial values, so the all-zeros
    state is the true initial state (`keras.layers.RNN.reset_state()`
    assigns zeros). The initial values: `M_0` of `memory_init`, every
    weighting one-hot on location 0, `r_0 = M_0(0)`. `decode_state(states)`
    returns the true values. The weightings are carried with content
    addressing too (it does not use them), so that every configuration has
    the same layout.

    **Feed-forward controller.** `controller` may also be a layer that is
    not a cell, such as `keras.layers.Dense(100, activation="relu")` or a
    `keras.Sequential` of `Dense` layers (`controller="feedforward"` builds
    `Dense(units, relu)`): it maps `[x_t, r_{t-1}]` to `h_t` with no state
    of its own, so the memory is the only recurrence (the NTM paper's
    feed-forward controller, easier to interpret, section 4). Its state
    list has no controller entries. A feed-forward controller must state
    its output size: a layer with an integer `units` attribute, or a
    `Sequential` whose last layer has one.

    Args:
        controller: A Keras RNN cell with a flat state (e.g.
            `keras.layers.LSTMCell(100)` or `keras.layers.GRUCell(64)`),
            a feed-forward layer (see above), `"feedforward"` for
            `keras.layers.Dense(units, activation="relu")`, or `None` for
            `keras.layers.LSTMCell(units)`. Default: `None`.
        units: Positive integer; the units of the default LSTM or
            feed-forward controller (ignored when `controller` is a layer).
            Default: `100`.
        memory_size: Positive integer `N`, the number of memory locations.
            Default: `128`.
        memory_width: Positive integer `M`, the width of a location.
            Default: `20`.
        addressing: `"content"` or `"location"` (content, interpolation,
            shift, sharpening). Default: `"content"`.
        reads: `"soft"` (weighted sum) or `"hard"` (one location: sampled
            in training, argmax at inference). Default: `"soft"`.
        writes: `"overwrite"`, `"residual"` or `"erase_add"`.
            Default: `"overwrite"`.
        read_heads: Positive integer, the number of read heads. Default: `1`.
        write_heads: Positive integer, the number of write heads.
            Default: `1`.
        shift_range: Non-negative integer `s` of location addressing; shifts
            by `-s..s`, and `2 s + 1` must not exceed `N`. Ignored by
            content addressing. Default: `1`.
        clip_value: Positive float; the controller's projections are clipped
            to `[-clip_value, clip_value]`. Default: `20.0`.
        memory_init: `"constant"` (every value 1e-6), `"learned"` (a
            trainable `(N, M)` weight) or `"random"` (a fixed truncated
            normal drawn at build with `seed`), as in `NTMCell`.
            Default: `"constant"`.
        return_access: Boolean; append the read weightings (`read_heads *
            N`; one-hot for hard reads) and the write weightings
            (`write_heads * N`) to the output. Default: `False`.
        return_log_probs: Boolean, hard reads only; append `log w_t(j_t)`,
            `read_heads` values, after the weightings. Default: `False`.
        seed: Optional integer seed of the `"learned"` and `"random"` memory
            initializers and of the hard reads' draws. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean; hard reads sample when `True`. Passed to
            the controller.

    Returns:
        `(y_t, new_states)`: `y_t = [h_t, r_t]`, `(batch, controller_units +
        read_heads * M)`, then the read and write weightings when
        `return_access=True`, then `log w_t(j_t)` when
        `return_log_probs=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers.memory_cell import MemoryCell
    >>> cell = MemoryCell(units=8, memory_size=16, memory_width=4,
    ...                   addressing="location", reads="hard",
    ...                   writes="residual", read_heads=2)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape)  # 8 controller units and two reads of width 4
    (2, 5, 16)

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
        Zaremba and Sutskever. Reinforcement Learning Neural Turing
        Machines. 2015. https://arxiv.org/abs/1505.00521
    """

    def __init__(
        self,
        controller=None,
        units=100,
        memory_size=128,
        memory_width=20,
        addressing="content",
        reads="soft",
        writes="overwrite",
        read_heads=1,
        write_heads=1,
        shift_range=1,
        clip_value=20.0,
        memory_init="constant",
        return_access=False,
        return_log_probs=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.memory_size = validation.check_positive_int("memory_size", memory_size)
        self.memory_width = validation.check_positive_int("memory_width", memory_width)
        self.addressing = validation.check_choice("addressing", addressing, ADDRESSING_MODES)
        self.reads = validation.check_choice("reads", reads, READ_MODES)
        self.writes = validation.check_choice("writes", writes, WRITE_MODES)
        self.read_heads = validation.check_positive_int("read_heads", read_heads)
        self.write_heads = validation.check_positive_int("write_heads", write_heads)
        shift_range = validation.check_int_at_least("shift_range", shift_range, 0)
        if self.addressing == "location" and 2 * shift_range + 1 > self.memory_size:
            raise validation.invalid_argument(
                "shift_range",
                f"an integer s with 2 * s + 1 <= memory_size = "
                f"{self.memory_size} (a shift range below half the memory)",
                shift_range,
            )
        self.shift_range = shift_range
        self.clip_value = validation.check_number_in(
            "clip_value", clip_value, 0.0, math.inf, low_open=True, high_open=True
        )
        self.memory_init = validation.check_choice("memory_init", memory_init, MEMORY_INITS)
        return_access = validation.check_bool("return_access", return_access)
        return_log_probs = validation.check_bool("return_log_probs", return_log_probs)
        if return_log_probs and self.reads != "hard":
            raise validation.invalid_argument(
                "return_log_probs",
                'False with reads="soft" (log-probabilities exist for hard '
                "reads only)",
                return_log_probs,
            )
        self.return_access = return_access
        self.return_log_probs = return_log_probs
        self.seed = validation.check_seed(seed, allow_none=True)
        # Hard reads only: the draws of j.
        self.seed_generator = (
            keras.random.SeedGenerator(self.seed) if self.reads == "hard" else None
        )
        self._sequence_seed = None  # JAX: this sequence's key (hard reads)
        self.initial_memory = None  # a weight for "learned" and "random"

        self._set_controller(controller)

        n, m = self.memory_size, self.memory_width
        r, w = self.read_heads, self.write_heads
        self.output_size = (
            self._controller_output_size
            + r * m
            + (r + w) * n * int(self.return_access)
            + r * int(self.return_log_probs)
        )
        self.state_size = [
            self.output_size,
            *self._controller_state_sizes,
            r * m,
            r * n,
            w * n,
            n * m,
        ]
        # Per head: key (M) and beta; location addressing adds g, the shift
        # logits (2s + 1) and gamma (the layout of NTMCell). Then per write
        # head: the erase vectors (erase_add only), then the values.
        if self.addressing == "location":
            self._head_size = m + 3 + 2 * self.shift_range + 1
        else:
            self._head_size = m + 1
        self._write_vectors = 2 if self.writes == "erase_add" else 1
        self._projection_size = (r + w) * self._head_size + (
            self._write_vectors * w * m
        )

    def _set_controller(self, controller):
        """Sets the controller and its state and output sizes."""
        if controller is None:
            controller = keras.layers.LSTMCell(
                self.units, dtype=self.dtype_policy, name="controller"
            )
        elif isinstance(controller, str) and controller == "feedforward":
            controller = keras.layers.Dense(
                self.units, activation="relu", dtype=self.dtype_policy, name="controller"
            )
        if is_feedforward_controller(controller):
            self._controller_state_sizes = []
            self._controller_output_size = feedforward_output_size(controller)
        else:
            cell_wrapper.check_cell(controller, "controller")
            self._controller_state_sizes = cell_wrapper.state_sizes(controller)
            self._controller_output_size = cell_wrapper.output_size(controller)
        self.controller = controller

    # --- Hooks of keras.layers.RNN, forwarded to the controller ----------------

    def get_dropout_mask(self, step_input):
        # Called once per sequence, before the loop. On JAX the loop is a
        # `lax.scan`: draw this sequence's key here, where the seed generator
        # can advance.
        if keras.backend.backend() == "jax" and self.reads == "hard":
            self._sequence_seed = self.seed_generator.next()
        if isinstance(self.controller, cell_wrapper.DropoutRNNCell):
            # The controller's input is [x_t, r_{t-1}].
            reads = ops.zeros(
                (ops.shape(step_input)[0], self.read_heads * self.memory_width),
                dtype=step_input.dtype,
            )
            return self.controller.get_dropout_mask(
                ops.concatenate([step_input, reads], axis=-1)
            )
        return None

    def get_recurrent_dropout_mask(self, step_input):
        if isinstance(self.controller, cell_wrapper.DropoutRNNCell):
            # `step_input` is our first state, y = [h, r, ...].
            return self.controller.get_recurrent_dropout_mask(
                step_input[:, : self._controller_state_sizes[0]]
            )
        return None

    def reset_dropout_mask(self):
        self._sequence_seed = None
        if isinstance(self.controller, cell_wrapper.DropoutRNNCell):
            self.controller.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        if isinstance(self.controller, cell_wrapper.DropoutRNNCell):
            self.controller.reset_recurrent_dropout_mask()

    # --- Weights ------------------------------------------------------------------

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "Received an invalid value for argument `inputs`, expected a "
                f"static last dimension, got shape {tuple(input_shape)}."
            )
        controller_input = (
            input_shape[0],
            features + self.read_heads * self.memory_width,
        )
        if not self.controller.built:
            self.controller.build(controller_input)
        self.head_kernel = self.add_weight(
            shape=(self._controller_output_size, self._projection_size),
            name="head_kernel",
            initializer="glorot_uniform",
        )
        self.head_bias = self.add_weight(
            shape=(self._projection_size,), name="head_bias", initializer="zeros"
        )
        shape = (self.memory_size, self.memory_width)
        initializer = keras.initializers.TruncatedNormal(stddev=0.5, seed=self.seed)
        if self.memory_init == "constant":
            self.initial_memory = None
        else:
            self.initial_memory = self.add_weight(
                shape=shape,
                name="initial_memory",
                initializer=initializer,
                trainable=self.memory_init == "learned",
            )

    # --- State encoding -------------------------------------------------------------

    def _initial_values(self, dtype):
        """`(M_0, r_0, w^r_0, w^w_0)`, each with a leading batch axis of 1."""
        n, m = self.memory_size, self.memory_width
        if self.initial_memory is None:
            memory = ops.full((1, n, m), CONSTANT_MEMORY_VALUE, dtype=dtype)
        else:
            memory = ops.reshape(ops.cast(self.initial_memory, dtype), (1, n, m))
        first = ops.cast(ops.one_hot(ops.zeros((1, 1), "int32"), n), dtype)
        read_w = ops.tile(first, (1, self.read_heads, 1))
        write_w = ops.tile(first, (1, self.write_heads, 1))
        return memory, soft_read(memory, read_w), read_w, write_w

    def decode_state(self, states):
        """The true memory, read vectors and weightings of a state list.

        The cell carries them as offsets from their initial values (see the
        class docstring), so that the all-zeros state is the initial state.

        Args:
            states: The cell's state list, as returned by `call`,
                `get_initial_state` or `keras.layers.RNN(return_state=True)`.

        Returns:
            A dict with `"memory"` `(batch, N, M)`, `"read_vectors"`
            `(batch, read_heads, M)`, `"read_weightings"`
            `(batch, read_heads, N)` and `"write_weightings"`
            `(batch, write_heads, N)`.
        """
        count = len(self._controller_state_sizes)
        reads, read_w, write_w, memory = states[1 + count :]
        batch = ops.shape(memory)[0]
        n, m = self.memory_size, self.memory_width
        memory0, reads0, read_w0, write_w0 = self._initial_values(memory.dtype)
        return {
            "memory": ops.reshape(memory, (batch, n, m)) + memory0,
            "read_vectors": ops.reshape(reads, (batch, self.read_heads, m)) + reads0,
            "read_weightings": ops.reshape(read_w, (batch, self.read_heads, n))
            + read_w0,
            "write_weightings": ops.reshape(write_w, (batch, self.write_heads, n))
            + write_w0,
        }

    # --- Access module ----------------------------------------------------------------

    def _address(self, params, previous_weights, memory):
        """Content or location addressing for a group of heads."""
        m, s = self.memory_width, self.shift_range
        key = params[..., :m]  # k_t
        beta = ops.softplus(params[..., m])  # beta_t
        weights = content_weighting(key, beta, memory)  # w^c_t
        if self.addressing == "content":
            return weights
        gate = ops.sigmoid(params[..., m + 1])  # g_t
        shift_logits = params[..., m + 2 : m + 3 + 2 * s]
        # s_t over -s..s; with s = 0 the only shift is "none" (weight 1).
        shift_weights = (
            ops.softmax(shift_logits, axis=-1) if s else ops.ones_like(shift_logits)
        )
        gamma = 1.0 + ops.softplus(params[..., m + 3 + 2 * s])  # gamma_t >= 1
        weights = interpolate(weights, previous_weights, gate)  # w^g_t
        weights = shift(weights, shift_weights)  # w~_t
        return sharpen(weights, gamma)  # w_t

    def _write(self, memory, weights, vectors):
        if self.writes == "erase_add":
            erase, add = vectors
            return erase_and_add(memory, weights, erase, add)
        (values,) = vectors
        if self.writes == "overwrite":
            return overwrite(memory, weights, values)
        return residual_write(memory, weights, values)

    def _sample_locations(self, probabilities, step_tensors):
        """`j ~ Categorical(p)` per head, by inversion with integer draws.

        Not `keras.random.categorical`: on TensorFlow 2.21 it draws different
        locations with and without XLA for the same seed, integer draws agree
        bit for bit (see `keras_memory.layers._utils.random`), so a
        `jit_compile=True` training step reads the same locations as an
        uncompiled one.
        """
        seed = self.seed_generator
        if self._sequence_seed is not None:
            seed = random.jax_step_key(self._sequence_seed, step_tensors)
        draws = random.integer_draws(ops.shape(probabilities)[:-1], seed)
        # u in (0, 1), scaled by the total so that rounding in the sum
        # cannot push u past the last location.
        u = (ops.cast(draws, "float32") + 0.5) / random.DRAW_RESOLUTION
        p = ops.cast(probabilities, "float32")
        cdf = ops.cumsum(p, axis=-1)
        u = u[..., None] * cdf[..., -1:]
        indices = ops.sum(ops.cast(cdf <= u, "int32"), axis=-1)
        return ops.minimum(indices, self.memory_size - 1)

    def _hard_read(self, memory, probabilities, training, step_tensors):
        if not training:
            # Argmax: `ops.hard_read` at inference.
            read = hard_read(memory, probabilities, training=False)
            return read.values, read.indices, read.log_probs
        indices = self._sample_locations(probabilities, step_tensors)
        # Gathers as one-hot products, as in `ops.hard_read`: the gradient of
        # `take_along_axis` is a BroadcastTo of a batch-dependent shape that
        # XLA cannot compile for a partial batch inside the RNN loop.
        chosen = ops.one_hot(indices, self.memory_size, dtype=memory.dtype)  # e_j
        values = ops.matmul(chosen, memory)
        log_p = log_probabilities(probabilities)  # as in `ops.hard_read`
        log_probs = ops.sum(ops.cast(chosen, log_p.dtype) * log_p, axis=-1)
        return values, indices, ops.cast(log_probs, probabilities.dtype)

    # --- Step ---------------------------------------------------------------------------

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        empty = cell_wrapper.empty_batch_step(self, inputs, states)
        if empty is not None:
            return empty
        count = len(self._controller_state_sizes)
        controller_states = list(states[1 : 1 + count])
        decoded = self.decode_state(states)
        memory = decoded["memory"]  # M_{t-1}
        batch = ops.shape(inputs)[0]
        r, w = self.read_heads, self.write_heads
        n, m = self.memory_size, self.memory_width

        reads = ops.reshape(decoded["read_vectors"], (batch, r * m))  # r_{t-1}
        controller_input = ops.concatenate(
            [inputs, ops.cast(reads, inputs.dtype)], axis=-1
        )
        if self._controller_state_sizes:
            h, new_controller_states = self.controller(
                controller_input, controller_states, training=training
            )
            if not isinstance(new_controller_states, (list, tuple)):
                new_controller_states = [new_controller_states]
        else:  # a feed-forward controller
            h = self.controller(controller_input, training=training)
            new_controller_states = []
        params = ops.matmul(h, self.head_kernel) + self.head_bias
        params = ops.clip(params, -self.clip_value, self.clip_value)

        heads = (r + w) * self._head_size
        head_params = ops.reshape(params[:, :heads], (batch, r + w, self._head_size))
        vectors = []
        for index in range(self._write_vectors):
            start = heads + index * w * m
            vectors.append(
                ops.reshape(params[:, start : start + w * m], (batch, w, m))
            )
        if self.writes == "erase_add":
            vectors = [ops.sigmoid(vectors[0]), ops.tanh(vectors[1])]  # e_t, a_t
        else:
            vectors = [ops.tanh(vectors[0])]  # v_t

        # Write first: the write heads address M_{t-1}.
        write_w = self._address(head_params[:, r:], decoded["write_weightings"], memory)
        memory = self._write(memory, write_w, vectors)  # M_t
        # Then read: the read heads address and read M_t.
        read_w = self._address(head_params[:, :r], decoded["read_weightings"], memory)
        if self.reads == "soft":
            reads = soft_read(memory, read_w)  # r_t
            log_probs = None
        else:
            reads, indices, log_probs = self._hard_read(
                memory, read_w, training, [inputs, *states]
            )
            read_w = ops.cast(ops.one_hot(indices, n), memory.dtype)  # e_j

        pieces = [h, ops.cast(ops.reshape(reads, (batch, r * m)), h.dtype)]
        if self.return_access:
            pieces += [
                ops.cast(ops.reshape(read_w, (batch, r * n)), h.dtype),
                ops.cast(ops.reshape(write_w, (batch, w * n)), h.dtype),
            ]
        if self.return_log_probs:
            pieces.append(ops.cast(log_probs, h.dtype))
        output = ops.concatenate(pieces, axis=-1)

        # Stored as offsets from the initial values (zeros = initial state).
        memory0, reads0, read_w0, write_w0 = self._initial_values(memory.dtype)
        new_states = [
            output,
            *new_controller_states,
            ops.reshape(reads - reads0, (batch, r * m)),
            ops.reshape(read_w - read_w0, (batch, r * n)),
            ops.reshape(write_w - write_w0, (batch, w * n)),
            ops.reshape(memory - memory0, (batch, n * m)),
        ]
        return output, new_states

    # --- Initial state -------------------------------------------------------------------

    def get_initial_state(self, batch_size=None):
        # Every entry but the controller's is an offset from its initial
        # value: the initial state is zeros (see the class docstring).
        controller_states = (
            cell_wrapper.initial_states(self.controller, batch_size)
            if self._controller_state_sizes
            else []
        )
        count = len(self._controller_state_sizes)
        own = [self.state_size[0], *self.state_size[1 + count :]]
        zeros = [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in own]
        return [zeros[0], *controller_states, *zeros[1:]]

    def get_config(self):
        config = {
            "controller": cell_wrapper.serialize_cell(self.controller),
            "units": self.units,
            "memory_size": self.memory_size,
            "memory_width": self.memory_width,
            "addressing": self.addressing,
            "reads": self.reads,
            "writes": self.writes,
            "read_heads": self.read_heads,
            "write_heads": self.write_heads,
            "shift_range": self.shift_range,
            "clip_value": self.clip_value,
            "memory_init": self.memory_init,
            "return_access": self.return_access,
            "return_log_probs": self.return_log_probs,
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        controller = config.pop("controller", None)
        if isinstance(controller, dict):
            controller = keras.saving.deserialize_keras_object(
                controller, custom_objects=custom_objects
            )
        return cls(controller, **config)
