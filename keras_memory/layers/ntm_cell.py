"""Neural Turing Machine cell (Graves, Wayne and Danihelka, 2014)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers import cell_wrapper_utils
from keras_memory.ops import content_weighting
from keras_memory.ops import erase_and_add
from keras_memory.ops import interpolate
from keras_memory.ops import sharpen
from keras_memory.ops import shift
from keras_memory.ops import soft_read

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
    """The output size a feed-forward controller declares (see `NTMCell`)."""
    last = controller
    if isinstance(controller, keras.Sequential) and controller.layers:
        last = controller.layers[-1]
    units = getattr(last, "units", None)
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise validation.invalid_argument(
            "controller",
            "an RNN cell, or a feed-forward layer with an integer `units` "
            "attribute (such as keras.layers.Dense) or a Sequential ending "
            "in one",
            controller,
        )
    return units


@keras.saving.register_keras_serializable(package="keras_memory")
class NTMCell(keras.layers.Layer, cell_wrapper_utils.DropoutRNNCell):
    """A Neural Turing Machine: a controller cell with an external memory.

    At each step the controller (a recurrent cell) reads `[x_t, r_{t-1}]`,
    the input and the previous read vectors. One linear projection of its
    output `h_t`, clipped to `[-clip_value, clip_value]`, gives every head's
    parameters (section 3.3 of the paper):

    ```
    k_t                   key, M values (linear)
    beta_t  = softplus(.)  key strength (not exp: unbounded strengths gave NaN)
    g_t     = sigmoid(.)   interpolation gate
    s_t     = softmax(.)   shift weighting over the offsets -s..s
    gamma_t = 1 + softplus(.)  sharpening exponent, >= 1
    e_t     = sigmoid(.)   erase vector (write heads), M values
    a_t     = tanh(.)      add vector (write heads), M values
    ```

    and each head addresses the memory `M` (N locations of width M) by

    ```
    w^c_t = softmax(beta_t K[k_t, M(i)])            content    (eq. 5, 6)
    w^g_t = g_t w^c_t + (1 - g_t) w_{t-1}            interpolate (eq. 7)
    w~_t  = sum_j w^g_t(j) s_t(i - j)                 shift      (eq. 8)
    w_t   = w~_t^gamma_t / sum_j w~_t(j)^gamma_t      sharpen    (eq. 9)
    ```

    with the pure functions of `keras_memory.ops` (epsilons in every norm
    and in the sharpening's logarithm).

    **Order within a step: write, then read.** The write heads address
    `M_{t-1}` and write it to `M_t = M_{t-1} prod_h (1 - w_h e_h) + sum_h
    w_h a_h` (eq. 3, 4); the read heads then address `M_t` and read
    `r_t = sum_i w_t(i) M_t(i)` (eq. 2), so a read sees the same step's
    write. The output is `y_t = [h_t, r_t]`, and `r_t` enters the
    controller at step `t + 1`.

    State, in this order (every entry flat, `(batch, size)`):

    1. `y_{t-1}`, the previous output (`output_size`; zeros before the first
       step): first, and literally the output, so that masking works on
       every backend (Keras' JAX masking returns `states[0]` as the output of
       padded steps).
    2. The controller's states (for an `LSTMCell`, `h` and `c`).
    3. The read vectors `r_{t-1} - r_0`, `read_heads * M`, head-major.
    4. The read weightings `w^r_{t-1} - w^r_0`, `read_heads * N`, head-major.
    5. The write weightings `w^w_{t-1} - w^w_0`, `write_heads * N`,
       head-major.
    6. The memory `M_{t-1} - M_0`, `N * M`, row-major (location-major).

    Entries 3 to 6 are offsets from the initial values, so that the
    all-zeros state is the true initial state: `keras.layers.RNN.reset_state()`
    assigns zeros, and a stateful NTM reset that way restarts from the
    initial memory, not from an all-zero one. `decode_state(states)` returns
    the true memory, read vectors and weightings. The initial values: the
    memory `M_0` of `memory_init`, every weighting one-hot on location 0,
    and the read vectors `r_0` read from `M_0` with those weightings; the
    controller starts from its own initial state (zeros for Keras cells; a
    controller whose initial state is not zeros is restarted at zeros by
    `keras.layers.RNN.reset_state()`, and at its own initial state by
    `NTM.reset_state()`).

    **Feed-forward controller.** `controller` may also be a layer that is
    not a cell, such as `keras.layers.Dense(100, activation="relu")` or a
    `keras.Sequential` of `Dense` layers (`controller="feedforward"` builds
    `Dense(units, relu)`): it maps `[x_t, r_{t-1}]` to `h_t` with no state
    of its own, so the memory is the machine's only recurrence (the paper's
    feed-forward NTM, easier to interpret, section 4). Its state list has
    no controller entries. A feed-forward controller must state its output
    size: a layer with an integer `units` attribute, or a `Sequential` whose
    last layer has one.

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
        read_heads: Positive integer, the number of read heads. Default: `1`.
        write_heads: Positive integer, the number of write heads.
            Default: `1`.
        shift_range: Non-negative integer `s`; shifts by `-s..s` locations.
            `2 s + 1` must not exceed `N` (a shift range of at least half the
            memory is refused). Default: `1`.
        clip_value: Positive float; the controller's projections are clipped
            to `[-clip_value, clip_value]`. Default: `20.0`.
        memory_init: `"constant"` (every value 1e-6; Collier and Beel 2018),
            `"learned"` (a trainable `(N, M)` weight, initialised from a
            truncated normal, broadcast over the batch) or `"random"` (a
            fixed, non-trainable `(N, M)` truncated normal drawn at build
            with `seed`). Default: `"constant"`.
        return_access: Boolean; append the flattened read weightings
            (`read_heads * N`) and write weightings (`write_heads * N`) to the
            output. `NTM(return_access=True)` splits them off.
            Default: `False`.
        seed: Optional integer seed of the `"learned"` and `"random"` memory
            initializers. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean, passed to the controller.

    Returns:
        `(y_t, new_states)`: `y_t = [h_t, r_t]`, `(batch, controller_units +
        read_heads * M)`, then the read and write weightings when
        `return_access=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import NTMCell
    >>> cell = NTMCell(units=8, memory_size=16, memory_width=4)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape)  # 8 controller units and one read of width 4
    (2, 5, 12)

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
        Collier and Beel. Implementing Neural Turing Machines. ICANN 2018.
        https://arxiv.org/abs/1807.08518
    """

    def __init__(
        self,
        controller=None,
        units=100,
        memory_size=128,
        memory_width=20,
        read_heads=1,
        write_heads=1,
        shift_range=1,
        clip_value=20.0,
        memory_init="constant",
        return_access=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.memory_size = validation.check_positive_int("memory_size", memory_size)
        self.memory_width = validation.check_positive_int("memory_width", memory_width)
        self.read_heads = validation.check_positive_int("read_heads", read_heads)
        self.write_heads = validation.check_positive_int("write_heads", write_heads)
        if (
            isinstance(shift_range, bool)
            or not isinstance(shift_range, int)
            or shift_range < 0
        ):
            raise validation.invalid_argument(
                "shift_range", "a non-negative integer", shift_range
            )
        if 2 * shift_range + 1 > self.memory_size:
            raise validation.invalid_argument(
                "shift_range",
                f"an integer s with 2 * s + 1 <= memory_size = "
                f"{self.memory_size} (a shift range below half the memory)",
                shift_range,
            )
        self.shift_range = int(shift_range)
        if (
            isinstance(clip_value, bool)
            or not isinstance(clip_value, (int, float))
            or not clip_value > 0
        ):
            raise validation.invalid_argument(
                "clip_value", "a positive float", clip_value
            )
        self.clip_value = float(clip_value)
        if memory_init not in MEMORY_INITS:
            raise validation.invalid_argument(
                "memory_init", f"one of {MEMORY_INITS}", memory_init
            )
        self.memory_init = memory_init
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise validation.invalid_argument("seed", "an integer or None", seed)
        self.seed = seed
        self.return_access = bool(return_access)
        self.initial_memory = None  # a weight for "learned" and "random"

        if controller is None:
            controller = keras.layers.LSTMCell(
                self.units, dtype=self.dtype_policy, name="controller"
            )
        elif isinstance(controller, str) and controller == "feedforward":
            controller = keras.layers.Dense(
                self.units, activation="relu", dtype=self.dtype_policy, name="controller"
            )
        self.controller = controller
        if is_feedforward_controller(controller):
            self._controller_state_sizes = []
            self._controller_output_size = feedforward_output_size(controller)
        else:
            cell_wrapper_utils.check_cell(controller, "controller")
            self._controller_state_sizes = cell_wrapper_utils.state_sizes(controller)
            self._controller_output_size = cell_wrapper_utils.output_size(controller)

        n, m = self.memory_size, self.memory_width
        self.output_size = (
            self._controller_output_size
            + self.read_heads * m
            + (self.read_heads + self.write_heads) * n * int(self.return_access)
        )
        self.state_size = [
            self.output_size,
            *self._controller_state_sizes,
            self.read_heads * m,
            self.read_heads * n,
            self.write_heads * n,
            n * m,
        ]
        # Per head: key (M), beta, g, shift (2s + 1), gamma; then per write
        # head erase (M) and add (M).
        self._head_size = m + 3 + 2 * self.shift_range + 1
        self._projection_size = (
            self.read_heads + self.write_heads
        ) * self._head_size + 2 * self.write_heads * m

    # --- Dropout hooks of keras.layers.RNN, forwarded to the controller ------

    def get_dropout_mask(self, step_input):
        if isinstance(self.controller, cell_wrapper_utils.DropoutRNNCell):
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
        if isinstance(self.controller, cell_wrapper_utils.DropoutRNNCell):
            # `step_input` is our first state, y = [h, r, ...].
            return self.controller.get_recurrent_dropout_mask(
                step_input[:, : self._controller_state_sizes[0]]
            )
        return None

    def reset_dropout_mask(self):
        if isinstance(self.controller, cell_wrapper_utils.DropoutRNNCell):
            self.controller.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        if isinstance(self.controller, cell_wrapper_utils.DropoutRNNCell):
            self.controller.reset_recurrent_dropout_mask()

    # --- Weights ----------------------------------------------------------------

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "Received an invalid value for argument `inputs`, expected a "
                f"static last dimension, got shape {tuple(input_shape)}."
            )
        controller_input = (input_shape[0], features + self.read_heads * self.memory_width)
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
        if self.memory_init == "learned":
            self.initial_memory = self.add_weight(
                shape=shape, name="initial_memory", initializer=initializer
            )
        elif self.memory_init == "random":
            self.initial_memory = self.add_weight(
                shape=shape,
                name="initial_memory",
                initializer=initializer,
                trainable=False,
            )
        else:
            self.initial_memory = None

    # --- State encoding -----------------------------------------------------------

    def _initial_values(self, dtype):
        """`(M_0, r_0, w^r_0, w^w_0)`, each with a leading batch axis of 1."""
        n, m = self.memory_size, self.memory_width
        r, w = self.read_heads, self.write_heads
        if self.initial_memory is None:
            memory = ops.full((1, n, m), CONSTANT_MEMORY_VALUE, dtype=dtype)
        else:
            memory = ops.reshape(ops.cast(self.initial_memory, dtype), (1, n, m))
        first = ops.concatenate(
            [ops.ones((1, 1, 1), dtype=dtype), ops.zeros((1, 1, n - 1), dtype=dtype)],
            axis=-1,
        )  # one-hot on location 0
        read_w = ops.tile(first, (1, r, 1))
        write_w = ops.tile(first, (1, w, 1))
        reads = soft_read(memory, read_w)  # (1, r, m)
        return memory, reads, read_w, write_w

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

    # --- Step -----------------------------------------------------------------------

    def _address(self, params, previous_weights, memory):
        """content -> interpolate -> shift -> sharpen, for a group of heads."""
        m, s = self.memory_width, self.shift_range
        key = params[..., :m]  # k_t
        beta = ops.softplus(params[..., m])  # beta_t
        gate = ops.sigmoid(params[..., m + 1])  # g_t
        shift_logits = params[..., m + 2 : m + 3 + 2 * s]
        # s_t over -s..s; with s = 0 the only shift is "none" (weight 1).
        shift_weights = (
            ops.softmax(shift_logits, axis=-1) if s else ops.ones_like(shift_logits)
        )
        gamma = 1.0 + ops.softplus(params[..., m + 3 + 2 * s])  # gamma_t >= 1
        weights = content_weighting(key, beta, memory)
        weights = interpolate(weights, previous_weights, gate)
        weights = shift(weights, shift_weights)
        return sharpen(weights, gamma)

    def call(self, inputs, states, training=False):
        count = len(self._controller_state_sizes)
        controller_states = list(states[1 : 1 + count])
        decoded = self.decode_state(states)
        memory = decoded["memory"]  # M_{t-1}
        read_w = decoded["read_weightings"]
        write_w = decoded["write_weightings"]
        batch = ops.shape(inputs)[0]
        r, w, n, m = self.read_heads, self.write_heads, self.memory_size, self.memory_width

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
        erase = ops.sigmoid(
            ops.reshape(params[:, heads : heads + w * m], (batch, w, m))
        )  # e_t
        add = ops.tanh(ops.reshape(params[:, heads + w * m :], (batch, w, m)))  # a_t

        # Write first: the write heads address M_{t-1}.
        write_w = self._address(head_params[:, r:], write_w, memory)
        memory = erase_and_add(memory, write_w, erase, add)  # M_t
        # Then read: the read heads address and read M_t.
        read_w = self._address(head_params[:, :r], read_w, memory)
        reads = soft_read(memory, read_w)  # r_t

        pieces = [h, ops.cast(ops.reshape(reads, (batch, r * m)), h.dtype)]
        if self.return_access:
            pieces += [
                ops.cast(ops.reshape(read_w, (batch, r * n)), h.dtype),
                ops.cast(ops.reshape(write_w, (batch, w * n)), h.dtype),
            ]
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

    # --- Initial state --------------------------------------------------------------

    def get_initial_state(self, batch_size=None):
        # Every entry but the controller's is an offset from its initial
        # value, so the initial state is zeros: `keras.layers.RNN.reset_state()`
        # (which assigns zeros) restarts the machine correctly. `decode_state`
        # gives the memory (1e-6 everywhere for memory_init="constant").
        controller_states = (
            cell_wrapper_utils.initial_states(self.controller, batch_size)
            if self._controller_state_sizes
            else []
        )
        count = len(self._controller_state_sizes)
        own = [self.state_size[0], *self.state_size[1 + count :]]
        zeros = [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in own]
        return [zeros[0], *controller_states, *zeros[1:]]

    def get_config(self):
        config = {
            "controller": cell_wrapper_utils.serialize_cell(self.controller),
            "units": self.units,
            "memory_size": self.memory_size,
            "memory_width": self.memory_width,
            "read_heads": self.read_heads,
            "write_heads": self.write_heads,
            "shift_range": self.shift_range,
            "clip_value": self.clip_value,
            "memory_init": self.memory_init,
            "return_access": self.return_access,
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
