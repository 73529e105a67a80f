"""The Child-Sum Tree-LSTM cell (Tai, Socher and Manning, ACL 2015)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import tree_cell


@keras.saving.register_keras_serializable(package="keras_memory")
class ChildSumTreeLSTMCell(tree_cell.TreeCell):
    """A Tree-LSTM over any number of unordered children (Tai et al. 2015, eq. 2-8).

    The gates read the sum of the children's hidden states, and every child
    `k` has its own forget gate, so a node keeps what it needs of each
    subtree:

    ```
    h~_j  = sum_{k in C(j)} h_k
    i_j   = sigmoid(W_i x_j + U_i h~_j + b_i)
    f_jk  = sigmoid(W_f x_j + U_f h_k + b_f)
    o_j   = sigmoid(W_o x_j + U_o h~_j + b_o)
    u_j   = tanh(W_u x_j + U_u h~_j + b_u)
    c_j   = i_j * u_j + sum_{k in C(j)} f_jk * c_k
    h_j   = o_j * tanh(c_j)
    ```

    The children are unordered (a dependency tree's): any number of child
    slots is accepted, and empty slots add nothing. `b_f` starts at 1, as
    Keras's `LSTMCell(unit_forget_bias=True)`.

    Args:
        units: Positive integer, the size of `h_j` and `c_j`.
        kernel_initializer: Initializer of the `W`.
            Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer of the `U`.
            Default: `"orthogonal"`.
        bias_initializer: Initializer of `b_i`, `b_o`, `b_u` (`b_f` starts
            at 1). Default: `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: `(nodes, features)`, each node's own input `x_j`.
        child_states: `[h, c]`, each `(nodes, children, units)`.
        child_mask: Boolean `(nodes, children)`, true where a slot holds a
            child.

    Returns:
        `[h_j, c_j]`, each `(nodes, units)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import ChildSumTreeLSTMCell, TreeRNN
    >>> nodes = np.ones((2, 4, 3), "float32")  # three leaves under a root
    >>> children = np.array([[[-1] * 3] * 3 + [[0, 1, 2]]] * 2, "int32")
    >>> tuple(TreeRNN(ChildSumTreeLSTMCell(6))([nodes, children]).shape)
    (2, 6)

    Reference:
        Tai, Socher and Manning. Improved Semantic Representations From
        Tree-Structured Long Short-Term Memory Networks. ACL 2015.
        https://arxiv.org/abs/1503.00075
    """

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        features, units = input_shape[-1], self.units
        self.kernel = self.add_weight(
            shape=(features, 4 * units), name="kernel", initializer=self.kernel_initializer
        )  # [W_i, W_o, W_u, W_f]
        self.recurrent_kernel = self.add_weight(
            shape=(units, 3 * units), name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )  # [U_i, U_o, U_u], on h~_j
        self.forget_kernel = self.add_weight(
            shape=(units, units), name="forget_kernel", initializer=self.recurrent_initializer
        )  # U_f, on each h_k
        bias_initializer = self.bias_initializer

        def bias(shape, dtype=None):
            return ops.concatenate([
                bias_initializer((3 * units,), dtype=dtype), ops.ones((units,), dtype=dtype)
            ])

        self.bias = self.add_weight(shape=(4 * units,), name="bias", initializer=bias)

    def call(self, inputs, child_states, child_mask, training=False):
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        units = self.units
        child_h = tree_cell.masked(child_states[0], child_mask)  # h_k
        child_c = tree_cell.masked(child_states[1], child_mask)  # c_k
        projected = ops.matmul(inputs, self.kernel) + self.bias
        summed = ops.sum(child_h, axis=1)  # h~_j
        gates = projected[:, : 3 * units] + ops.matmul(summed, self.recurrent_kernel)
        i = ops.sigmoid(gates[:, :units])
        o = ops.sigmoid(gates[:, units : 2 * units])
        u = ops.tanh(gates[:, 2 * units :])
        # f_jk for every child slot: (nodes, children, units)
        f = ops.sigmoid(
            projected[:, None, 3 * units :] + ops.einsum("nku,uv->nkv", child_h, self.forget_kernel)
        )
        weights = ops.cast(child_mask, f.dtype)[..., None]
        c = i * u + ops.sum(weights * f * child_c, axis=1)
        h = o * ops.tanh(c)
        return [h, c]
