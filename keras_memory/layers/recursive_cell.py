"""The classic recursive neural network cell (Socher et al., 2011)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import tree_cell


@keras.saving.register_keras_serializable(package="keras_memory")
class RecursiveCell(tree_cell.TreeCell):
    """Composes a node's children into its state: `p = f(W [c_1; ...; c_K] + W_x x + b)`.

    The recursive neural network of Socher et al. (2011), for nodes of at
    most `arity` children in fixed positions (left and right for a binary
    tree), with the node's own input `x` (a leaf's word vector, an inner
    node's label or operator) as a further term:

    ```
    p = activation(W_x x + sum_{k=1}^{K} W_k c_k + b)
    ```

    Empty child slots contribute nothing (`c_k = 0`), so a leaf's state is
    `activation(W_x x + b)`. The `W_k` are one kernel over the children's
    states concatenated in slot order.

    Args:
        units: Positive integer, the size of a node's state `p`.
        arity: Positive integer `K`, the child slots of a node.
            Default: `2`.
        activation: Activation `f`. Default: `"tanh"`.
        kernel_initializer: Initializer of `W_x`.
            Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer of the `W_k`.
            Default: `"orthogonal"`.
        bias_initializer: Initializer of `b`. Default: `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: `(nodes, features)`, each node's own input `x`.
        child_states: `[c]`, with `c` of shape `(nodes, arity, units)`.
        child_mask: Boolean `(nodes, arity)`, true where a slot holds a
            child.

    Returns:
        `[p]`, with `p` of shape `(nodes, units)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import RecursiveCell, TreeRNN
    >>> nodes = np.ones((2, 3, 4), "float32")  # two trees: leaf, leaf, root
    >>> children = np.array([[[-1, -1], [-1, -1], [0, 1]]] * 2, "int32")
    >>> tuple(TreeRNN(RecursiveCell(5))([nodes, children]).shape)
    (2, 5)

    Reference:
        Socher, Lin, Ng and Manning. Parsing Natural Scenes and Natural
        Language with Recursive Neural Networks. ICML 2011.
    """

    def __init__(self, units, arity=2, activation="tanh", **kwargs):
        super().__init__(units, **kwargs)
        self.arity = validation.check_positive_int("arity", arity)
        self.activation = validation.get_activation("activation", activation)
        self.state_size = [self.units]

    def build(self, input_shape):
        features = input_shape[-1]
        self.input_kernel = self.add_weight(
            shape=(features, self.units), name="input_kernel",
            initializer=self.kernel_initializer,
        )  # W_x
        self.child_kernel = self.add_weight(
            shape=(self.arity * self.units, self.units), name="child_kernel",
            initializer=self.recurrent_initializer,
        )  # [W_1; ...; W_K]
        self.bias = self.add_weight(
            shape=(self.units,), name="bias", initializer=self.bias_initializer
        )  # b

    def call(self, inputs, child_states, child_mask, training=False):
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        children = tree_cell.concatenated(tree_cell.masked(child_states[0], child_mask))
        p = self.activation(
            ops.matmul(inputs, self.input_kernel)
            + ops.matmul(children, self.child_kernel)
            + self.bias
        )
        return [p]

    def get_config(self):
        config = {
            "arity": self.arity,
            "activation": keras.activations.serialize(self.activation),
        }
        return {**super().get_config(), **config}
