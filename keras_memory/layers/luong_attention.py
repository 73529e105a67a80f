"""Multiplicative attention (Luong, Pham and Manning, EMNLP 2015)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils.attention import AttentionLayer
from keras_memory.layers._utils.initializers import distinct_initializer
from keras_memory.ops.attention_scores import concat_score
from keras_memory.ops.attention_scores import dot_score

SCORES = ("dot", "general", "concat")


@keras.saving.register_keras_serializable(package="keras_memory")
class LuongAttention(AttentionLayer):
    """Luong's global attention: dot, general or concat score.

    The global attention of Luong et al. (section 3.1). For a decoder state
    `h_t` (the query `s`, size `Dq`) and the encoder states `h̄_1 .. h̄_S`
    (the memory `h_j`, size `Dk`):

    ```
    score(s, h_j) = s^T h_j                  "dot"     (Dq = Dk)
                  = s^T W_a h_j              "general"
                  = v_a^T tanh(W_a [s; h_j]) "concat"
    a_j = exp(score(s, h_j)) / sum_k exp(score(s, h_k))     eq. 7
    c   = sum_j a_j h_j                                     the context c_t
    ```

    With `scale=True`, a learned scalar `g` (initialised to 1) multiplies
    the score, as in `tfa.seq2seq.LuongAttention(scale=True)`. This is
    content-based addressing of a memory: the rows are the encoder states
    `M_j = h_j`, the key map `K(M_j)` is `M_j` ("dot"), `W_a M_j`
    ("general") or `W_h M_j` ("concat", `W_a = [W_s, W_h]`), the score
    `alpha_j = f(q, K(M_j))`, `p = softmax(alpha)`, and the context is the
    soft read `sum_j p_j M_j` (`keras_memory.ops.dot_score`,
    `general_score`, `concat_score`, `masked_softmax`, `soft_read`). The
    attentional vector `h~_t = tanh(W_c [c_t; h_t])` of the paper (eq. 5)
    belongs to the decoder, not to this layer.

    The key map depends on the source only. A decoder computes it once per
    sequence with `project_memory(memory)` and calls `attend(query, keys,
    memory, mask)` at every step (inside `keras.ops.scan`/`while_loop`
    too), instead of calling the layer, which projects the memory at every
    call.

    Masking: as `BahdanauAttention`: a boolean memory mask `(batch, S)`,
    given as `mask=` or carried by the memory's Keras mask, gives padded
    positions exactly zero weight, and an all-padding memory a zero context
    (no NaN, forward or gradient). The softmax runs in float32 under mixed
    precision.

    Args:
        score: One of `"dot"`, `"general"`, `"concat"`. Default: `"dot"`.
        scale: Boolean, whether a learned scalar `g` multiplies the score.
            Default: `False`.
        units: The size of `W_a [s; h_j]` for `score="concat"`, a positive
            integer (required there); `None` for `"dot"` and `"general"`.
            Default: `None`.
        kernel_initializer: Initializer of `W_a` and `v_a`.
            Default: `"glorot_uniform"`.
        kernel_regularizer: Optional regularizer of `W_a` and `v_a`.
        kernel_constraint: Optional constraint of `W_a` and `v_a`.
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
    >>> from keras_memory.layers import LuongAttention
    >>> query = np.array([[1.0, 0.0]], "float32")  # h_t
    >>> memory = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]], "float32")
    >>> mask = np.array([[True, True, False]])  # the last position is padding
    >>> context, weights = LuongAttention("dot")([query, memory], mask=mask,
    ...                                          return_attention_scores=True)
    >>> [round(float(p), 4) for p in np.asarray(weights)[0]]  # softmax of (1, 0), 0
    [0.7311, 0.2689, 0.0]
    >>> [round(float(c), 4) for c in np.asarray(context)[0]]
    [0.7311, 0.2689]
    >>> tuple(LuongAttention("general", scale=True)([query, memory]).shape)
    (1, 2)

    Reference:
        Luong, Pham and Manning. Effective Approaches to Attention-based
        Neural Machine Translation. EMNLP 2015.
        https://arxiv.org/abs/1508.04025
    """

    def __init__(
        self,
        score="dot",
        scale=False,
        units=None,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.score_name = validation.check_choice("score", score, SCORES)
        self.scale = validation.check_bool("scale", scale)
        if self.score_name == "concat":
            self.units = validation.check_positive_int("units", units)
        elif units is not None:
            raise validation.invalid_argument(
                "units", f'`None` for score="{self.score_name}" (only "concat" has units)', units
            )
        else:
            self.units = None
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
        self.query_dim = query_dim
        self.kernel = None
        self.attention_v = None
        self.attention_g = None
        if self.score_name == "dot" and query_dim != memory_dim:
            raise validation.invalid_argument(
                "inputs[1]",
                f"a memory of the query's feature size Dq = {query_dim} for "
                f'score="dot" (s^T h_j; score="general" allows different sizes)',
                f"feature size Dk = {memory_dim}",
            )
        if self.score_name == "general":
            self.kernel = self.add_weight(
                shape=(memory_dim, query_dim),
                name="kernel",
                initializer=initializer(0),
                **kernel_args,
            )  # W_a, so that W_a h_j = h_j @ kernel
        elif self.score_name == "concat":
            self.kernel = self.add_weight(
                shape=(query_dim + memory_dim, self.units),
                name="kernel",
                initializer=initializer(0),
                **kernel_args,
            )  # W_a: rows [:Dq] are W_s, rows [Dq:] are W_h
            self.attention_v = self.add_weight(
                shape=(self.units,),
                name="attention_v",
                initializer=initializer(1),
                **kernel_args,
            )  # v_a
        if self.scale:
            self.attention_g = self.add_weight(shape=(), name="attention_g", initializer="ones")

    def project_memory(self, memory):
        """The keys `K(h_j)`: `h_j`, `W_a h_j` or `W_h h_j`; once per sequence.

        Args:
            memory: The encoder states `h_j`, `(batch, S, Dk)`.

        Returns:
            The keys in the layer's compute dtype, `(batch, S, Dk)` for
            "dot", `(batch, S, Dq)` for "general", `(batch, S, units)` for
            "concat", for `attend` and `score`.
        """
        memory = ops.cast(memory, self.compute_dtype)
        if self.score_name == "dot":
            return memory
        kernel = self.cast_weight(self.kernel)
        if self.score_name == "general":
            return ops.matmul(memory, kernel)  # W_a h_j
        return ops.matmul(memory, kernel[self.query_dim :])  # W_h h_j

    def score(self, query, keys):
        """The scores `score(s, h_j)` (before the softmax).

        Args:
            query: The decoder state(s) `s`, `(batch, Dq)` or `(batch, Tq, Dq)`.
            keys: `project_memory(memory)`.

        Returns:
            The scores, `(batch, S)` or `(batch, Tq, S)`.
        """
        query = ops.cast(query, self.compute_dtype)
        scale = self.cast_weight(self.attention_g)
        if self.score_name in ("dot", "general"):
            # general: s^T (W_a h_j), the keys being W_a h_j.
            return dot_score(query, keys, scale)
        # concat: v_a^T tanh(W_s s + W_h h_j), the keys being W_h h_j.
        kernel = self.cast_weight(self.kernel)
        projected_query = ops.matmul(query, kernel[: self.query_dim])  # W_s s
        return concat_score(projected_query, keys, self.cast_weight(self.attention_v), scale)

    def get_config(self):
        base_config = super().get_config()
        config = {
            "score": self.score_name,
            "scale": self.scale,
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
        }
        return {**base_config, **config}
