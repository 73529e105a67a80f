"""Hierarchical Multiscale LSTM cell (Chung, Ahn and Bengio, ICLR 2017)."""


import keras
from keras import ops

from keras_memory import validation
from keras_memory.ops import binary_step
from keras_memory.ops import hard_sigmoid
from keras_memory.ops import straight_through

# Gate blocks of every layer's pre-activation, in the paper's order
# [f, i, o, g] (equation 6); layers below the top add one column for z~.
_NUM_GATES = 4


def check_slope(name, value):
    """Returns `value` as a float, or raises unless it is a number >= 1.

    The slope `a` of the hard sigmoid starts at 1 in the paper and only
    grows; below 1 the straight-through gradient is flatter than the hard
    sigmoid the paper starts from.
    """
    # At most the largest float32: the slope is a float32 variable.
    return validation.check_float32_number_in(name, value, 1.0)


@keras.saving.register_keras_serializable(package="keras_memory")
class HMLSTMCell(keras.layers.Layer):
    """Cell class for the Hierarchical Multiscale LSTM (HM-LSTM).

    One cell holds the whole hierarchy of `L` LSTM layers. Layer `l` has a
    binary boundary detector `z^l_t` (all layers but the top one) that
    decides when its segment ends. At step `t`, layer by layer from the
    bottom (`z^0_t = 1`, `h^0_t = x_t`):

    ```
    s^recurrent = U^l_l h^l_{t-1}                            (eq. 7)
    s^top-down  = z^l_{t-1} U^l_{l+1} h^{l+1}_{t-1}            (eq. 8)
    s^bottom-up = z^{l-1}_t W^l_{l-1} h^{l-1}_t                (eq. 9)
    [f, i, o, g] = [sigm, sigm, sigm, tanh](s^recurrent + s^top-down
                                            + s^bottom-up + b^l)
    z~ = hard_sigm(s_z) = max(0, min(1, (a s_z + 1) / 2))    (eq. 6)

    c^l_t = f * c^l_{t-1} + i * g   UPDATE  if z^l_{t-1} = 0 and z^{l-1}_t = 1
    c^l_t = c^l_{t-1}               COPY    if z^l_{t-1} = 0 and z^{l-1}_t = 0
    c^l_t = i * g                   FLUSH   if z^l_{t-1} = 1
    h^l_t = h^l_{t-1} on COPY, else o * tanh(c^l_t)
    z^l_t = 1 if z~ > 0.5 else 0   (straight-through: the gradient of z~)
    ```

    `s_z` is the last column of the same pre-activation. The top layer `L`
    has no boundary detector and no layer above: it never flushes, and it
    updates exactly when layer `L - 1` ends a segment. The three operations
    are selected with `where`, so a COPY keeps `c` and `h` bit for bit and
    the step compiles under XLA on every backend.

    The boundaries are exact zeros and ones. Their straight-through
    gradient (`binary_step` of `keras_memory.ops`) is that of the hard
    sigmoid, `a / 2` inside `|s_z| < 1 / a`. It reaches the boundary
    weights through the gated bottom-up and top-down signals (eqs. 8, 9)
    and through the choice of operation: the forward pass selects with
    `where`, the backward pass differentiates the same selection written
    with `z` as a factor (`c = z i g + (1 - z) (...)`), so the boundaries
    also learn what a FLUSH or a COPY costs. Since `z~ > 0.5` exactly when
    `s_z > 0`, the slope `a` leaves the forward pass unchanged: it only
    sharpens the gradient (the paper's slope annealing trick). It is a
    non-trainable variable, `cell.slope`, that
    `keras_memory.callbacks.SlopeAnnealing` assigns during training without
    retracing the compiled step.

    With `output_module_units`, the output is the paper's gated output
    module (eq. 11) instead of the concatenated hidden states:
    `h^e_t = ReLU(sum_l g^l_t W^e_l h^l_t)` with
    `g^l_t = sigm(w^l [h^1_t; ...; h^L_t])`.

    Weights of layer `l` (numbered from 1, as in the paper), with
    `width_l = 4 * units_l + 1` (`4 * units_L` for the top layer) and the
    columns in the order `[f, i, o, g, z~]`:
    `kernel_l` (`W^l_{l-1}`, `(units_{l-1}, width_l)`, `units_0` = input
    features), `recurrent_kernel_l` (`U^l_l`, `(units_l, width_l)`),
    `top_down_kernel_l` (`U^l_{l+1}`, `(units_{l+1}, width_l)`, not for the
    top layer) and `bias_l` (`(width_l,)`). The output module adds
    `output_gate_kernel` (the `w^l` as columns, `(sum units, L)`) and
    `output_kernel` (the `W^e_l` stacked, `(sum units, output_module_units)`).

    Args:
        units_per_layer: List of at least two positive integers, the sizes
            of `h^1, ..., h^L` from the bottom up.
        slope: Number >= 1, the initial slope `a` of the hard sigmoid.
            Default: `1.0`, the paper's starting value.
        return_boundaries: Boolean; append the `L - 1` boundaries
            `z^1_t, ..., z^{L-1}_t` to the output. Default: `False`.
        output_module_units: `None` or positive integer. With an integer,
            the output is the gated output module `h^e_t` of that size
            (eq. 11); with `None`, it is `[h^1_t, ..., h^L_t]`.
            Default: `None`.
        use_bias: Boolean, whether the layers use the biases `b^l`.
            Default: `True`.
        unit_forget_bias: Boolean; initialize the forget gate's bias to 1
            (the other columns with `bias_initializer`), as
            `keras.layers.LSTM` does. Default: `True`.
        kernel_initializer: Initializer for the bottom-up kernels `W` and
            the output module. Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer for the recurrent and top-down
            kernels `U`. Default: `"orthogonal"`.
        bias_initializer: Initializer for the biases. Default: `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Regularizers for the same three groups. Default: `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Constraints for the same three groups. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 2D tensor `x_t`, with shape `(batch, features)`.
        states: A list of four 2D tensors, in this order:
            the previous output `y_{t-1}`, `(batch, output_size)` (first,
            so that masking repeats it on every backend; the cell does not
            read it); `[h^1_{t-1}, ..., h^L_{t-1}]`, `(batch, sum(units))`;
            `[c^1_{t-1}, ..., c^L_{t-1}]`, `(batch, sum(units))`; and
            `[z^1_{t-1}, ..., z^{L-1}_{t-1}]`, `(batch, L - 1)`.
        training: Python boolean; unused, accepted for the cell contract.

    Returns:
        A tuple `(y_t, [y_t, h_t, c_t, z_t])`: `y_t` is
        `[h^1_t, ..., h^L_t]` (or `h^e_t`), followed by `z_t` when
        `return_boundaries=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import HMLSTMCell
    >>> cell = HMLSTMCell([8, 4], return_boundaries=True)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> outputs = keras.ops.convert_to_numpy(layer(np.ones((2, 5, 3), "float32")))
    >>> outputs.shape  # h^1 (8) + h^2 (4) + z^1 (1)
    (2, 5, 13)
    >>> set(np.unique(outputs[..., -1]).tolist()) <= {0.0, 1.0}  # z^1_t
    True

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
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units_per_layer = validation.check_positive_int_list(
            "units_per_layer", units_per_layer, min_length=2
        )
        self.initial_slope = check_slope("slope", slope)
        self.return_boundaries = validation.check_bool("return_boundaries", return_boundaries)
        if output_module_units is not None:
            output_module_units = validation.check_positive_int(
                "output_module_units", output_module_units
            )
        self.output_module_units = output_module_units
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.unit_forget_bias = validation.check_bool("unit_forget_bias", unit_forget_bias)

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

        # The slope `a` is a variable, not a Python float, so that a callback
        # can anneal it between epochs without retracing the compiled step.
        # It is created here rather than in `build` so that it exists (and
        # can be assigned) before the cell sees its first input.
        self.slope = self.add_weight(
            shape=(),
            name="slope",
            initializer=keras.initializers.Constant(self.initial_slope),
            trainable=False,
        )

        total_units = sum(self.units_per_layer)
        # State order: [y_{t-1}, h, c, z]. The previous output comes first
        # (Keras' JAX masking repeats states[0] as the output of a padded
        # step); the cell itself reads only h, c and z.
        self.state_size = [
            self.output_size,
            total_units,
            total_units,
            self.num_layers - 1,
        ]

    @property
    def num_layers(self):
        return len(self.units_per_layer)

    @property
    def feature_size(self):
        """Size of the output without the boundaries."""
        if self.output_module_units is not None:
            return self.output_module_units
        return sum(self.units_per_layer)

    @property
    def output_size(self):
        boundaries = self.num_layers - 1 if self.return_boundaries else 0
        return self.feature_size + boundaries

    def _width(self, layer):
        # Pre-activation columns of layer `layer` (0-based): [f, i, o, g]
        # and, below the top, the boundary column z~.
        has_boundary = layer < self.num_layers - 1
        return _NUM_GATES * self.units_per_layer[layer] + int(has_boundary)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernels = []
        self.recurrent_kernels = []
        self.top_down_kernels = []
        self.biases = []
        for layer, units in enumerate(self.units_per_layer):
            number = layer + 1  # the paper's l
            width = self._width(layer)
            below = input_dim if layer == 0 else self.units_per_layer[layer - 1]
            self.kernels.append(
                self.add_weight(
                    shape=(below, width),
                    name=f"kernel_{number}",
                    initializer=self.kernel_initializer,
                    regularizer=self.kernel_regularizer,
                    constraint=self.kernel_constraint,
                )
            )
            self.recurrent_kernels.append(
                self.add_weight(
                    shape=(units, width),
                    name=f"recurrent_kernel_{number}",
                    initializer=self.recurrent_initializer,
                    regularizer=self.recurrent_regularizer,
                    constraint=self.recurrent_constraint,
                )
            )
            if layer < self.num_layers - 1:
                self.top_down_kernels.append(
                    self.add_weight(
                        shape=(self.units_per_layer[layer + 1], width),
                        name=f"top_down_kernel_{number}",
                        initializer=self.recurrent_initializer,
                        regularizer=self.recurrent_regularizer,
                        constraint=self.recurrent_constraint,
                    )
                )
            if self.use_bias:
                self.biases.append(
                    self.add_weight(
                        shape=(width,),
                        name=f"bias_{number}",
                        initializer=self._bias_initializer(units),
                        regularizer=self.bias_regularizer,
                        constraint=self.bias_constraint,
                    )
                )
        if self.output_module_units is not None:
            total_units = sum(self.units_per_layer)
            self.output_gate_kernel = self.add_weight(
                shape=(total_units, self.num_layers),
                name="output_gate_kernel",
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
            self.output_kernel = self.add_weight(
                shape=(total_units, self.output_module_units),
                name="output_kernel",
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )

    def _bias_initializer(self, units):
        if not self.unit_forget_bias:
            return self.bias_initializer
        bias_initializer = self.bias_initializer

        def initializer(shape, dtype=None):
            # The forget gate comes first in [f, i, o, g, z~].
            return ops.concatenate(
                [
                    ops.ones((units,), dtype=dtype),
                    bias_initializer((shape[0] - units,), dtype=dtype),
                ]
            )

        return initializer

    def _split_layers(self, tensor):
        parts, start = [], 0
        for units in self.units_per_layer:
            parts.append(tensor[:, start : start + units])
            start += units
        return parts

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        _, h_prev_all, c_prev_all, z_prev_all = states
        h_prev = self._split_layers(h_prev_all)  # h^l_{t-1}
        c_prev = self._split_layers(c_prev_all)  # c^l_{t-1}
        top = self.num_layers - 1

        below, z_below = inputs, None  # h^0_t = x_t, z^0_t = 1
        hs, cs, zs = [], [], []
        for layer, units in enumerate(self.units_per_layer):
            # s^bottom-up (eq. 9); z^{l-1}_t multiplies the product so that
            # the straight-through gradient of z reaches the boundary weights.
            s = ops.matmul(below, self.kernels[layer])
            if z_below is not None:
                s = z_below * s
            s = s + ops.matmul(h_prev[layer], self.recurrent_kernels[layer])
            if layer < top:
                z_prev = z_prev_all[:, layer : layer + 1]  # z^l_{t-1}
                s = s + z_prev * ops.matmul(
                    h_prev[layer + 1], self.top_down_kernels[layer]
                )
            if self.use_bias:
                s = s + self.biases[layer]

            f = ops.sigmoid(s[:, :units])
            i = ops.sigmoid(s[:, units : 2 * units])
            o = ops.sigmoid(s[:, 2 * units : 3 * units])
            g = ops.tanh(s[:, 3 * units : 4 * units])

            # UPDATE, COPY or FLUSH, selected per example with
            # `where`: a COPY keeps c and h bit for bit. Layer 1 has z^0 = 1
            # (never COPY); the top layer has no z (never FLUSH). Beside
            # each selection, the same selection written as products with
            # z in {0, 1} (`*_blend`): the forward values come from `where`,
            # the gradient from the products (straight through), so that the
            # boundaries also learn what flushing and copying cost, not only
            # the benefit of passing h^{l-1} up (eq. 9).
            c_flush = i * g
            c_update = f * c_prev[layer] + c_flush
            copy = copy_weight = None
            if z_below is None:
                c = c_update
                c_blend = c_update
            else:
                c = ops.where(ops.greater(z_below, 0.5), c_update, c_prev[layer])
                c_blend = (1.0 - z_below) * c_prev[layer] + z_below * c_update
                copy = ops.less(z_below, 0.5)
                copy_weight = 1.0 - z_below
            if layer < top:
                flush = ops.greater(z_prev, 0.5)
                c = ops.where(flush, c_flush, c)
                c_blend = z_prev * c_flush + (1.0 - z_prev) * c_blend
                if copy is not None:
                    copy = ops.logical_and(copy, ops.logical_not(flush))
                    copy_weight = (1.0 - z_prev) * copy_weight
            c = straight_through(c, c_blend)
            h = o * ops.tanh(c)
            if copy is not None:
                h_blend = copy_weight * h_prev[layer] + (1.0 - copy_weight) * h
                h = straight_through(ops.where(copy, h_prev[layer], h), h_blend)

            if layer < top:
                # z^l_t = f_bound(hard_sigm(a s_z)), straight-through.
                z = binary_step(
                    hard_sigmoid(s[:, 4 * units : 4 * units + 1], self.slope)
                )
                zs.append(z)
                z_below = z
            hs.append(h)
            cs.append(c)
            below = h

        h_all = ops.concatenate(hs, axis=-1)
        c_all = ops.concatenate(cs, axis=-1)
        z_all = ops.concatenate(zs, axis=-1)
        output = self._output_module(hs, h_all)
        if self.return_boundaries:
            output = ops.concatenate([output, z_all], axis=-1)
        return output, [output, h_all, c_all, z_all]

    def _output_module(self, hs, h_all):
        if self.output_module_units is None:
            return h_all
        # g^l_t = sigm(w^l [h^1_t; ...; h^L_t]); one scalar gate per layer.
        gates = ops.sigmoid(ops.matmul(h_all, self.output_gate_kernel))
        # sum_l g^l W^e_l h^l = [g^1 h^1, ..., g^L h^L] [W^e_1; ...; W^e_L]
        gated = ops.concatenate(
            [gates[:, layer : layer + 1] * h for layer, h in enumerate(hs)],
            axis=-1,
        )
        return ops.relu(ops.matmul(gated, self.output_kernel))  # h^e_t

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def get_config(self):
        config = {
            "units_per_layer": list(self.units_per_layer),
            "slope": self.initial_slope,
            "return_boundaries": self.return_boundaries,
            "output_module_units": self.output_module_units,
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
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
