"""The shared part of `BahdanauAttention` and `LuongAttention` (private).

Both layers attend from a query to a memory in the same three steps, and
differ only in their weights and score function:

```
keys    = layer.project_memory(memory)                 K(M_j), once per sequence
scores  = layer.score(query, keys)                     alpha_j = f(q, K(M_j))
context, weights = layer.attend(query, keys, memory, mask)
```

This base class holds the inputs' checks, the masks, the masked softmax and
the soft read; a subclass defines `build_weights(query_dim, memory_dim)`,
`project_memory` and `score`.
"""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.ops.addressing import soft_read
from keras_memory.ops.attention import masked_softmax


def _shape(x):
    return tuple(x.shape)


class AttentionLayer(keras.layers.Layer):
    """Base of the attention layers on `[query, memory]` (not public API)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # --- Shapes -------------------------------------------------------------

    @staticmethod
    def split_shapes(input_shape):
        """`(query_shape, memory_shape)`, checked; raises on anything else."""
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(s, (list, tuple)) for s in input_shape)
        ):
            raise validation.invalid_argument(
                "inputs",
                "a list of two tensors [query (batch, Dq) or (batch, Tq, Dq), "
                "memory (batch, S, Dk)]",
                input_shape,
            )
        query_shape, memory_shape = (tuple(s) for s in input_shape)
        if len(query_shape) not in (2, 3):
            raise validation.invalid_argument(
                "inputs[0]",
                "a query of rank 2, (batch, Dq), or 3, (batch, Tq, Dq)",
                f"shape {query_shape}",
            )
        if len(memory_shape) != 3:
            raise validation.invalid_argument(
                "inputs[1]",
                "a memory of rank 3, (batch, S, Dk)",
                f"shape {memory_shape}",
            )
        if query_shape[-1] is None:
            raise validation.invalid_argument(
                "inputs[0]", "a query with a static feature size Dq", f"shape {query_shape}"
            )
        if memory_shape[-1] is None:
            raise validation.invalid_argument(
                "inputs[1]", "a memory with a static feature size Dk", f"shape {memory_shape}"
            )
        if None not in (query_shape[0], memory_shape[0]) and query_shape[0] != memory_shape[0]:
            raise validation.invalid_argument(
                "inputs[1]",
                f"a memory with the batch size of the query (shape {query_shape})",
                f"shape {memory_shape}",
            )
        return query_shape, memory_shape

    def build(self, input_shape):
        query_shape, memory_shape = self.split_shapes(input_shape)
        self.build_weights(query_shape[-1], memory_shape[-1])

    def build_weights(self, query_dim, memory_dim):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        query_shape, memory_shape = self.split_shapes(input_shape)
        return (*query_shape[:-1], memory_shape[-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False):
        query_shape, memory_shape = self.split_shapes([_shape(x) for x in inputs])
        context = keras.KerasTensor(
            (*query_shape[:-1], memory_shape[-1]), dtype=self.compute_dtype
        )
        if return_attention_scores:
            weights = keras.KerasTensor(
                (*query_shape[:-1], memory_shape[1]), dtype=self.compute_dtype
            )
            return context, weights
        return context

    def compute_mask(self, inputs, mask=None):
        # A rank-3 query keeps its time axis, and its mask; the memory's
        # axis is summed over.
        if not isinstance(mask, (list, tuple)) or len(inputs[0].shape) != 3:
            return None
        return mask[0]

    # --- Masks --------------------------------------------------------------

    @staticmethod
    def check_memory_mask(mask, memory):
        """The memory mask `(batch, S)` as booleans; raises naming both shapes."""
        if mask is None:
            return None
        mask = ops.convert_to_tensor(mask)
        memory_shape, mask_shape = _shape(memory), _shape(mask)
        agrees = len(mask_shape) == 2 and all(
            a is None or b is None or a == b for a, b in zip(mask_shape, memory_shape[:2])
        )
        if not agrees:
            raise validation.invalid_argument(
                "mask",
                f"a boolean memory mask (batch, S) = {memory_shape[:2]} for a memory "
                f"of shape {memory_shape}",
                f"shape {mask_shape}",
            )
        return ops.cast(mask, "bool")

    # --- Forward pass ---------------------------------------------------------

    def project_memory(self, memory):
        raise NotImplementedError

    def score(self, query, keys):
        raise NotImplementedError

    def attend(self, query, keys, memory, mask=None):
        """Attends from `query` to `memory`; returns `(context, weights)`.

        One decoder step: `keys` are `project_memory(memory)`, computed once
        per sequence. `mask` is the memory mask `(batch, S)`. The context
        `c = sum_j p_j h_j` is `(batch, Dk)` (or `(batch, Tq, Dk)`), the
        weights `p` `(batch, S)` (or `(batch, Tq, S)`), both in the layer's
        compute dtype; padded positions weigh exactly 0, and an all-padding
        memory gives a zero context.
        """
        dtype = self.compute_dtype
        query = ops.cast(query, dtype)
        memory = ops.cast(memory, dtype)
        mask = self.check_memory_mask(mask, memory)
        scores = self.score(query, ops.cast(keys, dtype))  # alpha_j
        rank_3 = len(query.shape) == 3
        if mask is not None and rank_3:
            mask = mask[:, None, :]  # one memory mask for every query step
        weights = masked_softmax(scores, mask)  # p_j, softmax in float32
        # c = sum_j p_j h_j: the soft read, one head per query step.
        context = soft_read(memory, weights if rank_3 else weights[:, None, :])
        if not rank_3:
            context = context[:, 0, :]
        return context, weights

    def call(self, inputs, mask=None, return_attention_scores=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise validation.invalid_argument(
                "inputs", "a list of two tensors [query, memory]", inputs
            )
        query, memory = inputs
        # Strings refused here, not deep in a Cast op; integers cast.
        query = validation.cast_inputs(query, self.compute_dtype, "inputs[0]")
        memory = validation.cast_inputs(memory, self.compute_dtype, "inputs[1]")
        query_mask = None
        if isinstance(mask, (list, tuple)):
            query_mask, mask = mask  # Keras passes one mask per input.
        keys = self.project_memory(memory)
        context, weights = self.attend(query, keys, memory, mask)
        if query_mask is not None and len(query.shape) == 3:
            # Padded query steps get a zero context, as in keras.layers.Attention.
            keep = ops.cast(query_mask, context.dtype)[..., None]
            context = context * keep
        if return_attention_scores:
            return context, weights
        return context

    # --- Weights in the compute dtype ---------------------------------------------

    def cast_weight(self, weight):
        """A weight in the compute dtype, also outside `__call__`'s autocast."""
        return None if weight is None else ops.cast(weight, self.compute_dtype)
