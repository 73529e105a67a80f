"""Clockwork RNN cell (Koutník, Greff, Gomez and Schmidhuber, ICML 2014)."""

import keras
import numpy as np
from keras import ops

from keras_memory import validation

# The largest integer each float type holds exactly. The clock phase
# t mod T_i is carried in the RNN state, and `keras.layers.RNN` casts every
# state to the cell's compute dtype, so a period must stay below this bound
# for the phase to count without rounding (bfloat16 stops at 256).
_EXACT_INTEGER_LIMIT = {
    "bfloat16": 2**8,
    "float16": 2**11,
    "float32": 2**24,
    "float64": 2**53,
}


def exponential_periods(num_modules):
    """The paper's default clock periods: `T_i = 2^(i-1)`, i.e. 1, 2, 4, ...

    Args:
        num_modules: number of modules `g`.

    Returns:
        A tuple of `num_modules` ints.
    """
    num_modules = validation.check_positive_int("num_modules", num_modules)
    return tuple(2**i for i in range(num_modules))


@keras.saving.register_keras_serializable(package="keras_memory")
class ClockworkRNNCell(keras.layers.Layer):
    """Cell class for the Clockwork RNN.

    The hidden units are split into `g` equal modules with clock periods
    `T_1, ..., T_g` (in the order of `periods`). At step `t` (counted from 0)
    module `i` is active when `t mod T_i == 0`; an active module takes the
    simple-RNN update and an inactive one copies its previous state exactly:

    ```
    h~_t = activation(x_t W_I + h_{t-1} (W_H * C) + b)
    h_t^(i) = h~_t^(i)    if t mod T_i == 0
    h_t^(i) = h_{t-1}^(i) otherwise
    ```

    `C` is the block connection mask of the paper's block-triangular
    recurrent matrix `W_H`: module `j` feeds module `i` only when
    `T_j >= T_i` (slower modules drive faster ones, never the reverse).
    Masked entries of `recurrent_kernel` are zero from the start, receive
    exactly zero gradient, and are hidden from `recurrent_regularizer` and
    `recurrent_constraint`, so they stay zero through training with any
    optimizer that leaves a zero-gradient weight alone (all Keras optimizers
    without weight decay; decoupled weight decay keeps zeros at zero too).

    The clock is part of the state: instead of one step counter the cell
    carries each module's phase `t mod T_i`. Padded (masked) steps therefore
    do not advance the clock, a stateful layer keeps time across batches, and
    the phase stays an exact integer even in `bfloat16`, where a raw step
    counter would stop counting at 256.

    Every step computes the full candidate `h~_t` and then selects the active
    modules, so no arithmetic is saved in the batched graph; see
    `benchmarks/clockwork.py` for the measured cost against `SimpleRNN`.

    Args:
        units: Positive integer, dimensionality of the hidden state. Must be
            divisible by the number of modules.
        periods: List of positive integer clock periods `T_i`, one per
            module. Default: `None`, the exponential periods
            `1, 2, 4, ..., 2^(num_modules - 1)`.
        num_modules: Positive integer, number of modules when `periods` is
            `None`. Default: `None`, meaning 4. Must not disagree with
            `len(periods)` when both are given.
        activation: Activation function. Default: `"tanh"`.
        use_bias: Boolean, whether to use the bias `b`. Default: `True`.
        kernel_initializer: Initializer for `W_I`. Default:
            `"glorot_uniform"`.
        recurrent_initializer: Initializer for `W_H` (masked afterwards).
            Default: `"orthogonal"`.
        bias_initializer: Initializer for `b`. Default: `"zeros"`.
        kernel_regularizer: Regularizer for `W_I`. Default: `None`.
        recurrent_regularizer: Regularizer for `W_H`. Default: `None`.
        bias_regularizer: Regularizer for `b`. Default: `None`.
        kernel_constraint: Constraint for `W_I`. Default: `None`.
        recurrent_constraint: Constraint for `W_H`. Default: `None`.
        bias_constraint: Constraint for `b`. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 2D tensor `x_t`, with shape `(batch, features)`.
        states: A list of two 2D tensors, in this order: `h_{t-1}` with shape
            `(batch, units)`, and the clock phases `t mod T_i` with shape
            `(batch, num_modules)`.
        training: Python boolean; unused, accepted for the cell contract.

    Returns:
        A tuple `(h_t, [h_t, phases_{t+1}])`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import ClockworkRNNCell
    >>> cell = ClockworkRNNCell(8, periods=[1, 2, 4, 8])
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> tuple(layer(np.ones((2, 5, 3), "float32")).shape)
    (2, 5, 8)

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
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        if periods is None:
            periods = exponential_periods(4 if num_modules is None else num_modules)
        else:
            periods = validation.check_positive_int_list("periods", periods)
            if num_modules is not None and num_modules != len(periods):
                raise validation.invalid_argument(
                    "num_modules",
                    f"None or len(periods) = {len(periods)}",
                    num_modules,
                )
        if self.units % len(periods):
            raise validation.invalid_argument(
                "units",
                f"a multiple of the number of modules ({len(periods)}, from "
                f"periods={list(periods)})",
                units,
            )
        self.periods = periods
        self.module_size = self.units // len(periods)

        self.activation = validation.get_activation("activation", activation)
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.recurrent_initializer = validation.get_initializer(
            "recurrent_initializer", recurrent_initializer
        )
        self.bias_initializer = validation.get_initializer("bias_initializer", bias_initializer)
        self.kernel_regularizer = validation.get_regularizer(
            "kernel_regularizer", kernel_regularizer
        )
        self.recurrent_regularizer = validation.get_regularizer(
            "recurrent_regularizer", recurrent_regularizer
        )
        self.bias_regularizer = validation.get_regularizer("bias_regularizer", bias_regularizer)
        self.kernel_constraint = validation.get_constraint("kernel_constraint", kernel_constraint)
        self.recurrent_constraint = validation.get_constraint(
            "recurrent_constraint", recurrent_constraint
        )
        self.bias_constraint = validation.get_constraint("bias_constraint", bias_constraint)

        # State order: [h_t, clock phases]. h_t comes first so that the
        # output and the first state have the same size, which masking on
        # the JAX backend needs.
        self.state_size = [self.units, len(periods)]
        self.output_size = self.units

    @property
    def num_modules(self):
        return len(self.periods)

    def connection_mask(self):
        """The block-triangular mask `C` of the recurrent kernel, as NumPy.

        Returns:
            A `(units, units)` float32 array; entry `[j, k]` is 1 when unit
            `j` (of module with period `T_a`) may feed unit `k` (of module
            with period `T_b`), that is when `T_a >= T_b`.
        """
        unit_periods = np.repeat(np.array(self.periods), self.module_size)
        return (unit_periods[:, None] >= unit_periods[None, :]).astype(
            "float32"
        )

    def active_modules(self, timesteps):
        """Which modules update at each of the first `timesteps` steps.

        Args:
            timesteps: positive integer, the number of steps from `t = 0`.

        Returns:
            A NumPy boolean array of shape `(timesteps, num_modules)`.
        """
        timesteps = validation.check_positive_int("timesteps", timesteps)
        steps = np.arange(timesteps)[:, None]
        return steps % np.array(self.periods)[None, :] == 0

    def build(self, input_shape):
        exact_limit = _EXACT_INTEGER_LIMIT.get(self.compute_dtype)
        if exact_limit is not None and max(self.periods) > exact_limit:
            raise ValueError(
                f"Received an invalid value for argument `periods`: the "
                f"longest period {max(self.periods)} cannot be counted "
                f"exactly in the compute dtype {self.compute_dtype!r} (exact "
                f"integers stop at {exact_limit}). Use shorter periods or a "
                f"float32 dtype policy for this layer."
            )
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        # Masked entries start at zero, get zero gradient from the loss
        # (`call` multiplies by C), and are out of reach of the user's
        # regularizer and constraint, which see and return only W_H * C:
        # an L1 penalty's gradient at 0 is 1 on JAX, for one.
        mask = self.connection_mask()
        recurrent_initializer = self.recurrent_initializer
        recurrent_regularizer = self.recurrent_regularizer
        recurrent_constraint = self.recurrent_constraint
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=lambda shape, dtype=None: (
                recurrent_initializer(shape, dtype=dtype) * mask
            ),
            regularizer=recurrent_regularizer
            and (lambda kernel: recurrent_regularizer(kernel * mask)),
            constraint=recurrent_constraint
            and (lambda kernel: recurrent_constraint(kernel) * mask),
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def _unit_periods(self, dtype):
        return ops.convert_to_tensor(
            np.repeat(np.array(self.periods), self.module_size), dtype=dtype
        )

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        h_prev, phases = states  # h_{t-1}, t mod T_i
        dtype = h_prev.dtype

        # C: computed from the per-unit periods rather than stored, so the
        # graph carries a `units` vector instead of a `units x units` matrix.
        # The product makes the gradient of masked entries exactly zero.
        unit_periods = self._unit_periods(dtype)
        connection_mask = ops.cast(
            ops.greater_equal(unit_periods[:, None], unit_periods[None, :]),
            dtype,
        )
        candidate = ops.matmul(inputs, self.kernel) + ops.matmul(
            h_prev, self.recurrent_kernel * connection_mask
        )
        if self.use_bias:
            candidate = candidate + self.bias
        candidate = self.activation(candidate)  # h~_t

        # Module i is active when t mod T_i == 0; inactive units copy h_{t-1}
        # bit for bit.
        active_units = ops.repeat(
            ops.equal(phases, 0), self.module_size, axis=1
        )
        h = ops.where(active_units, candidate, h_prev)

        periods = ops.convert_to_tensor(self.periods, dtype=dtype)
        next_phases = phases + 1
        next_phases = ops.where(
            ops.greater_equal(next_phases, periods),
            ops.zeros_like(next_phases),
            next_phases,
        )
        return h, [h, next_phases]

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, self.units), dtype=self.compute_dtype),
            ops.zeros((batch_size, self.num_modules), dtype=self.compute_dtype),
        ]

    def get_config(self):
        config = {
            "units": self.units,
            "periods": list(self.periods),
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        for weight in ("kernel", "recurrent", "bias"):
            for kind, module in (
                ("initializer", keras.initializers),
                ("regularizer", keras.regularizers),
                ("constraint", keras.constraints),
            ):
                key = f"{weight}_{kind}"
                config[key] = module.serialize(getattr(self, key))
        base_config = super().get_config()
        return {**base_config, **config}
