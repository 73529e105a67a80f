"""The N-ary Tree-LSTM cell (Tai, Socher and Manning, ACL 2015)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import tree_cell


@keras.saving.register_keras_serializable(package="keras_memory")
class NaryTreeLSTMCell(tree_cell.TreeCell):
    """A Tree-LSTM over at most `arity` ordered children (Tai et al. 2015, eq. 9-14).

    Every child position `l` has its own matrices, so the cell tells a left
    child from a right one (a constituency tree's, an expression's operands),
    and each forget gate `f_jk` reads every child:

    ```
    i_j   = sigmoid(W_i x_j + sum_l U_i^l h_jl + b_i)
    f_jk  = sigmoid(W_f x_j + sum_l U_f^{kl} h_jl + b_f)
    o_j   = sigmoid(W_o x_j + sum_l U_o^l h_jl + b_o)
    u_j   = tanh(W_u x_j + sum_l U_u^l h_jl + b_u)
    c_j   = i_j * u_j + sum_l f_jl * c_jl
    h_j   = o_j * tanh(c_j)
    ```

    Empty child slots hold zero states, so a leaf is an LSTM step from
    zeros. The `U` of all gates and positions are one kernel over the
    children's `h` concatenated in slot order; `b_f` starts at 1.

    Args:
        units: Positive integer, the size of `h_j` and `c_j`.
        arity: Positive integer `N`, the child slots of a node.
            Default: `2`.
        kernel_initializer: Initializer of the `W`.
            Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer of the `U`.
            Default: `"orthogonal"`.
        bias_initializer: Initializer of `b_i`, `b_o`, `b_u` (the `b_f`
            start at 1). Default: `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: `(nodes, features)`, each node's own input `x_j`.
        child_states: `[h, c]`, each `(nodes, arity, units)`.
        child_mask: Boolean `(nodes, arity)`, true where a slot holds a
            child.

    Returns:
        `[h_j, c_j]`, each `(nodes, units)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import NaryTreeLSTMCell, TreeRNN
    >>> nodes = np.ones((2, 3, 4), "float32")  # leaf, leaf, root
    >>> children = np.array([[[-1, -1], [-1, -1], [0, 1]]] * 2, "int32")
    >>> tuple(TreeRNN(NaryTreeLSTMCell(5))([nodes, children]).shape)
    (2, 5)

    Reference:
        Tai, Socher and Manning. Improved Semantic Representations From
        Tree-Structured Long Short-Term Memory Networks. ACL 2015.
        https://arxiv.org/abs/1503.00075
    """

    def __init__(self, units, arity=2, **kwargs):
        super().__init__(units, **kwargs)
        self.arity = validation.check_positive_int("arity", arity)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        features, units, arity = input_shape[-1], self.units, self.arity
        gates = (3 + arity) * units  # i, o, u, f_1 .. f_N
        self.kernel = self.add_weight(
            shape=(features, gates), name="kernel", initializer=self.kernel_initializer
        )
        self.recurrent_kernel = self.add_weight(
            shape=(arity * units, gates), name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        bias_initializer = self.bias_initializer

        def bias(shape, dtype=None):
            return ops.concatenate([
                bias_initializer((3 * units,), dtype=dtype),
                ops.ones((arity * units,), dtype=dtype),
            ])

        self.bias = self.add_weight(shape=(gates,), name="bias", initializer=bias)

    def call(self, inputs, child_states, child_mask, training=False):
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        units, arity = self.units, self.arity
        child_h = tree_cell.masked(child_states[0], child_mask)  # h_jl
        child_c = tree_cell.masked(child_states[1], child_mask)  # c_jl
        gates = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(tree_cell.concatenated(child_h), self.recurrent_kernel)
            + self.bias
        )
        i = ops.sigmoid(gates[:, :units])
        o = ops.sigmoid(gates[:, units : 2 * units])
        u = ops.tanh(gates[:, 2 * units : 3 * units])
        f = ops.sigmoid(ops.reshape(gates[:, 3 * units :], (-1, arity, units)))  # f_jl
        c = i * u + ops.sum(f * child_c, axis=1)
        h = o * ops.tanh(c)
        return [h, c]

    def get_config(self):
        return {**super().get_config(), "arity": self.arity}
