"""What the tree cells share (private): arguments, gathers, configs.

A tree cell composes the states of a node's children into the node's state.
Its step is `call(inputs, child_states, child_mask, training=False) ->
new_states`: `inputs` `(nodes, features)` are the nodes' own inputs,
`child_states` a list (one entry per state, in `state_size` order) of
`(nodes, children, size)` tensors, `child_mask` `(nodes, children)` says
which child slots hold a child (the states of empty slots are zeros), and
`new_states` is a list of `(nodes, size)` tensors whose first entry is the
node's output. `keras_memory.layers.TreeRNN` runs a tree cell over a batch
of trees.
"""

import keras
from keras import ops

from keras_memory import validation


class TreeCell(keras.layers.Layer):
    """Base of the tree cells: units, initializers, the config."""

    def __init__(
        self,
        units,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.recurrent_initializer = validation.get_initializer(
            "recurrent_initializer", recurrent_initializer
        )
        self.bias_initializer = validation.get_initializer("bias_initializer", bias_initializer)

    arity = None  # the most children a node may have; None: any number

    @property
    def output_size(self):
        return self.units

    def check_children(self, children):
        """Raises unless `children` child slots suit this cell."""
        if self.arity is not None and children != self.arity:
            raise ValueError(
                f"Received an invalid value for argument `children`: "
                f"{type(self).__name__} with arity {self.arity} needs child arrays "
                f"with {self.arity} slots per node, got {children}."
            )

    def get_config(self):
        config = {
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


def masked(child_states, child_mask):
    """Zeroes the states of empty child slots: `(nodes, children, size)`."""
    weights = ops.cast(child_mask, child_states.dtype)[..., None]
    return child_states * weights


def concatenated(child_states):
    """`(nodes, children, size) -> (nodes, children * size)`, child by child."""
    shape = ops.shape(child_states)
    return ops.reshape(child_states, (shape[0], shape[1] * shape[2]))
