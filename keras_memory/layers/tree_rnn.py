"""A recursive (tree-structured) network over a batch of trees."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils.time_loop import repeat_step


@keras.saving.register_keras_serializable(package="keras_memory")
class TreeRNN(keras.layers.Layer):
    """Runs a tree cell over a batch of trees given as padded arrays.

    Each tree is a list of nodes with their inputs `x_j` and, for every
    node, the indices of its children in the same list (`-1` for an empty
    slot). The cell (`RecursiveCell`, `ChildSumTreeLSTMCell`,
    `NaryTreeLSTMCell`) composes each node's state from its children's:

    ```
    s_j = cell(x_j, [s_k for k in children(j)])
    ```

    **Level by level.** The layer evaluates every node of every tree at once,
    `max_levels` times: pass `d` computes each node from its children's
    states of pass `d - 1` (zeros before the first). A leaf is exact after
    the first pass and a node of height `h` (its longest path down to a
    leaf has `h` edges) after pass `h + 1`, so after `max_levels` passes
    every tree of at most `max_levels` levels is exact, whatever the order of
    its nodes. The loop has a fixed number of passes of fixed-size gathers
    and matrix products, so it compiles under XLA (a training step with
    `jit_compile=True`, with any batch size) and runs on JAX; the
    alternative, one node at a time in topological order, is a loop as long
    as the largest tree, with a gather per node.

    The output is the state of each tree's root, its last valid node (the
    parsers and generators of `keras_memory.datasets` write nodes children
    first, root last), or every node's with `return_nodes=True`.

    Args:
        cell: A tree cell: `RecursiveCell`, `ChildSumTreeLSTMCell`,
            `NaryTreeLSTMCell`, or a layer with their `call(inputs,
            child_states, child_mask)` and `state_size`.
        max_levels: Positive integer, the most levels a tree may have (a
            single leaf has one level, a tree of depth `d` has `d + 1`;
            `keras_memory.datasets` reports each tree's), or `None` for the
            number of node slots of the input, which is always enough. A
            tree with more levels than `max_levels` gets a root state
            computed from stale children: set it to at least the deepest
            tree's levels. Default: `None`.
        return_nodes: Boolean; return every node's output `(batch, nodes,
            units)` (zeros at padding nodes) instead of the roots'.
            Default: `False`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A list `[nodes, children]`: `nodes` `(batch, node slots,
            features)`, each node's input; `children` integer `(batch, node
            slots, child slots)`, child indices into the same tree's nodes,
            `-1` where a slot is empty.
        mask: Optional boolean `(batch, node slots)`: the valid nodes,
            first in each row, padding after (from
            `keras.layers.Embedding(mask_zero=True)` over node token ids,
            for example). Without it, every node slot is a node.

    Returns:
        The roots' outputs `(batch, units)`, or with `return_nodes=True`
        every node's, `(batch, node slots, units)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import NaryTreeLSTMCell, TreeRNN
    >>> # (1 + 2) as leaves 0 and 1 under root 2, then one padding node.
    >>> nodes = np.eye(4, dtype="float32")[None, [1, 2, 3, 0]]
    >>> children = np.array([[[-1, -1], [-1, -1], [0, 1], [-1, -1]]], "int32")
    >>> mask = np.array([[True, True, True, False]])
    >>> layer = TreeRNN(NaryTreeLSTMCell(8), max_levels=2)
    >>> tuple(layer([nodes, children], mask=mask).shape)
    (1, 8)

    Reference:
        Socher, Lin, Ng and Manning. Parsing Natural Scenes and Natural
        Language with Recursive Neural Networks. ICML 2011. Tai, Socher and
        Manning. Improved Semantic Representations From Tree-Structured
        Long Short-Term Memory Networks. ACL 2015.
    """

    def __init__(self, cell, max_levels=None, return_nodes=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cell, keras.layers.Layer) or not hasattr(cell, "state_size") or not (
            hasattr(cell, "check_children")
        ):
            raise validation.invalid_argument(
                "cell",
                "a tree cell (RecursiveCell, ChildSumTreeLSTMCell or NaryTreeLSTMCell)",
                cell,
            )
        self.cell = cell
        self.max_levels = (
            None if max_levels is None else validation.check_positive_int("max_levels", max_levels)
        )
        self.return_nodes = validation.check_bool("return_nodes", return_nodes)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                "Received an invalid value for argument `inputs`: expected a list "
                f"[nodes, children], got inputs of shape {input_shape}."
            )
        nodes_shape, children_shape = (tuple(shape) for shape in input_shape)
        if len(nodes_shape) != 3 or len(children_shape) != 3 or (
            nodes_shape[1] is not None and children_shape[1] is not None
            and nodes_shape[1] != children_shape[1]
        ):
            raise ValueError(
                "Received an invalid value for argument `inputs`: expected nodes "
                "(batch, node slots, features) and children (batch, node slots, "
                f"child slots), got shapes {nodes_shape} and {children_shape}."
            )
        if nodes_shape[-1] is None or children_shape[-1] is None:
            raise ValueError(
                "Received an invalid value for argument `inputs`: the features and "
                f"child slots must be known, got shapes {nodes_shape} and {children_shape}."
            )
        self.cell.check_children(children_shape[-1])
        if not self.cell.built:
            self.cell.build((None, nodes_shape[-1]))

    def compute_output_shape(self, input_shape):
        nodes_shape = tuple(input_shape[0])
        if self.return_nodes:
            return (nodes_shape[0], nodes_shape[1], self.cell.output_size)
        return (nodes_shape[0], self.cell.output_size)

    def compute_mask(self, inputs, mask=None):
        if not self.return_nodes or mask is None:
            return None
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def call(self, inputs, mask=None, training=False):
        nodes, children = inputs
        nodes = validation.cast_inputs(nodes, self.compute_dtype, name="nodes")
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        children = ops.cast(children, "int32")
        batch, slots = ops.shape(nodes)[0], ops.shape(nodes)[1]
        child_slots = children.shape[-1]
        if mask is None:
            valid = ops.ones((batch, slots), "bool")
        else:
            valid = ops.cast(mask, "bool")
        # A child slot holds a child when its index is >= 0 and names a valid node.
        indices = ops.maximum(children, 0)  # (batch, slots, child slots)
        flat_indices = ops.reshape(indices, (batch, -1))  # (batch, slots * child slots)
        child_valid = ops.take_along_axis(ops.cast(valid, "int32"), flat_indices, axis=1)
        child_mask = ops.logical_and(
            ops.greater_equal(children, 0),
            ops.reshape(ops.greater(child_valid, 0), ops.shape(children)),
        )
        flat_child_mask = ops.reshape(child_mask, (-1, child_slots))
        # The gather of the children's states as a product with one-hot rows
        # (zero for an empty slot), built once: a gather inside the loop has
        # a gradient whose shapes XLA cannot fix with a dynamic batch.
        selection = ops.one_hot(flat_indices, slots, dtype=self.compute_dtype) * ops.cast(
            ops.reshape(child_mask, (batch, -1, 1)), self.compute_dtype
        )  # (batch, slots * child slots, slots)
        flat_nodes = ops.reshape(nodes, (-1, nodes.shape[-1]))
        node_weight = ops.cast(valid, self.compute_dtype)[..., None]
        sizes = self.cell.state_size

        def gather_children(state):
            # (batch, slots, size) -> (batch * slots, child slots, size)
            gathered = ops.einsum("bms,bsu->bmu", selection, state)
            return ops.reshape(gathered, (-1, child_slots, state.shape[-1]))

        def one_pass(_, states):
            child_states = [gather_children(state) for state in states]
            new_states = self.cell(
                flat_nodes, child_states, flat_child_mask, training=training
            )
            return [
                ops.reshape(ops.cast(new, self.compute_dtype), (batch, slots, size))
                * node_weight
                for new, size in zip(new_states, sizes)
            ]

        init = [ops.zeros((batch, slots, size), self.compute_dtype) for size in sizes]
        passes = self.max_levels
        if passes is None:
            # As many passes as node slots; a tensor when the slots are known
            # only at run time (TensorFlow outside XLA).
            passes = nodes.shape[1] if nodes.shape[1] is not None else slots
        states = repeat_step(one_pass, init, passes)
        outputs = states[0]
        if self.return_nodes:
            return outputs
        # The root: the last valid node of each tree.
        root = ops.maximum(ops.sum(ops.cast(valid, "int32"), axis=1) - 1, 0)
        return ops.einsum("bs,bsu->bu", ops.one_hot(root, slots, dtype=outputs.dtype), outputs)

    def get_config(self):
        config = {
            "cell": cell_wrapper.serialize_cell(self.cell),
            "max_levels": self.max_levels,
            "return_nodes": self.return_nodes,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
