"""Additive attention (Bahdanau, Cho and Bengio, ICLR 2015)."""

import math

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils.attention import AttentionLayer
from keras_memory.layers._utils.initializers import distinct_initializer
from keras_memory.ops.attention_scores import additive_score


@keras.saving.register_keras_serializable(package="keras_memory")
class BahdanauAttention(AttentionLayer):
    """Additive attention of a decoder state over encoder states.

    The attention of Bahdanau et al.'s RNNsearch (section 3.1, appendix
    A.1.2). For a decoder state `s_{i-1}` (the query, size `Dq`) and the
    encoder states `h_1 .. h_S` (the memory, size `Dk`):

    ```
    e_ij = v^T tanh(W s_{i-1} + U h_j)      the alignment model a(s_{i-1}, h_j)
    a_ij = exp(e_ij) / sum_k exp(e_ik)      the attention weights
    c_i  = sum_j a_ij h_j                   the context vector
    ```

    with `W` `(Dq, units)`, `U` `(Dk, units)`, `v` `(units,)` (the paper's
    `W_a`, `U_a`, `v_a`; the kernels act on row vectors, the transpose of
    the paper's matrices). This is content-based addressing of a memory: the
    memory rows are the encoder states `M_j = h_j`, the key map is
    `K(M_j) = U h_j`, the score `alpha_j = f(q, K(M_j)) = v^T tanh(W q +
    K(M_j))`, `p = softmax(alpha)`, and the context is the soft read
    `sum_j p_j M_j` (`keras_memory.ops.additive_score`, `masked_softmax`,
    `soft_read`).

    With `normalize=True`, the weight-normalised score of
    `tfa.seq2seq.BahdanauAttention(normalize=True)` (Salimans and Kingma,
    2016): `e_ij = (g v / ||v||)^T tanh(W s_{i-1} + U h_j + b)`, a scalar
    `g` initialised to `sqrt(1 / units)` and a bias `b` initialised to 0.

    `U h_j` depends on the source only. A decoder computes it once per
    sequence with `project_memory(memory)` and calls `attend(query, keys,
    memory, mask)` at every step (inside `keras.ops.scan`/`while_loop`
    too), instead of calling the layer, which would project the memory
    again at every step:

    ```
    keys = attention.project_memory(memory)                # U h_j, once
    context, weights = attention.attend(s, keys, memory, mask)  # per step
    ```

    Masking: a boolean memory mask `(batch, S)` (`True` for real source
    positions), given as `mask=` or carried by the memory from an
    `Embedding(mask_zero=True)` or `Masking` layer, gives padded positions
    exactly zero weight; an all-padding memory gives a zero context (no NaN,
    forward or gradient). A rank-3 query's Keras mask passes to the output,
    and padded query steps get a zero context (as in
    `keras.layers.Attention`). The softmax runs in float32 under mixed
    precision; the outputs are in the layer's compute dtype.

    Args:
        units: Positive integer, the size of the projections `W s` and
            `U h_j` (the paper's `n'`).
        normalize: Boolean, whether to use the weight-normalised score (adds
            the weights `g` and `b`). Default: `False`.
        kernel_initializer: Initializer of `W`, `U` and `v`.
            Default: `"glorot_uniform"`.
        kernel_regularizer: Optional regularizer of `W`, `U` and `v`.
        kernel_constraint: Optional constraint of `W`, `U` and `v`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A list `[query, memory]`: the decoder state(s) `s`,
            `(batch, Dq)` or `(batch, Tq, Dq)`, and the encoder states
            `h_j`, `(batch, S, Dk)`.
        mask: Optional boolean memory mask `(batch, S)`, or a list
            `[query_mask, memory_mask]` as Keras passes it. Inferred from
            the inputs' Keras masks when not given.
        return_attention_scores: Boolean, also return the attention weights
            (`keras.layers.Attention`'s argument). Default: `False`.

    Returns:
        The context `c`, `(batch, Dk)` or `(batch, Tq, Dk)`; with
        `return_attention_scores=True`, the tuple `(context, weights)`,
        the weights `a` `(batch, S)` or `(batch, Tq, S)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import BahdanauAttention
    >>> query = np.random.rand(2, 6).astype("float32")  # s_{i-1}
    >>> memory = np.random.rand(2, 5, 4).astype("float32")  # h_1 .. h_5
    >>> mask = np.array([[True] * 5, [True, True, True, False, False]])
    >>> attention = BahdanauAttention(8)
    >>> context, weights = attention([query, memory], mask=mask,
    ...                              return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 4), (2, 5))
    >>> np.asarray(weights)[1, 3:].tolist()
    [0.0, 0.0]
    >>> keys = attention.project_memory(memory)  # U h_j, once per sequence
    >>> step_context, _ = attention.attend(query, keys, memory, mask)
    >>> np.allclose(step_context, context)
    True

    Reference:
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015.
        https://arxiv.org/abs/1409.0473 ;
        Salimans and Kingma. Weight Normalization. NIPS 2016.
        https://arxiv.org/abs/1602.07868
    """

    def __init__(
        self,
        units,
        normalize=False,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.normalize = validation.check_bool("normalize", normalize)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.kernel_regularizer = validation.get_regularizer(
            "kernel_regularizer", kernel_regularizer
        )
        self.kernel_constraint = validation.get_constraint("kernel_constraint", kernel_constraint)

    def build_weights(self, query_dim, memory_dim):
        # Each weight its own initial values (`distinct_initializer`).
        def initializer(index):
            return distinct_initializer(self.kernel_initializer, index)

        kernel_args = dict(
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.query_kernel = self.add_weight(
            shape=(query_dim, self.units),
            name="query_kernel",
            initializer=initializer(0),
            **kernel_args,
        )  # W
        self.memory_kernel = self.add_weight(
            shape=(memory_dim, self.units),
            name="memory_kernel",
            initializer=initializer(1),
            **kernel_args,
        )  # U
        self.attention_v = self.add_weight(
            shape=(self.units,),
            name="attention_v",
            initializer=initializer(2),
            **kernel_args,
        )  # v
        if self.normalize:
            self.attention_g = self.add_weight(
                shape=(),
                name="attention_g",
                initializer=keras.initializers.Constant(math.sqrt(1.0 / self.units)),
            )  # g
            self.attention_b = self.add_weight(
                shape=(self.units,), name="attention_b", initializer="zeros"
            )  # b
        else:
            self.attention_g = None
            self.attention_b = None

    def project_memory(self, memory):
        """The keys `U h_j`, `(batch, S, units)`: once per source sequence.

        Args:
            memory: The encoder states `h_j`, `(batch, S, Dk)`.

        Returns:
            `U h_j` in the layer's compute dtype, for `attend` and `score`.
        """
        memory = ops.cast(memory, self.compute_dtype)
        return ops.matmul(memory, self.cast_weight(self.memory_kernel))

    def score(self, query, keys):
        """The scores `e_j = v^T tanh(W s + U h_j)` (before the softmax).

        Args:
            query: The decoder state(s) `s`, `(batch, Dq)` or `(batch, Tq, Dq)`.
            keys: `project_memory(memory)`, `(batch, S, units)`.

        Returns:
            The scores, `(batch, S)` or `(batch, Tq, S)`.
        """
        query = ops.cast(query, self.compute_dtype)
        projected_query = ops.matmul(query, self.cast_weight(self.query_kernel))  # W s
        return additive_score(
            projected_query,
            keys,
            self.cast_weight(self.attention_v),
            g=self.cast_weight(self.attention_g),
            b=self.cast_weight(self.attention_b),
        )

    def get_config(self):
        base_config = super().get_config()
        config = {
            "units": self.units,
            "normalize": self.normalize,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
        }
        return {**base_config, **config}
