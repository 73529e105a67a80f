"""Attention scores of encoder-decoders: additive (Bahdanau) and multiplicative (Luong).

Attention is content-based addressing of a memory. The encoder states
`h_1 .. h_S` are the memory `M` (one row `M_j = h_j` per source position) and
the decoder state `s` is the query `q`. A score function compares the query
with every row through a learned key map `K` (a projection of the rows, or
the rows themselves), the softmax makes the scores a read distribution, and
the read is the expected row:

```
alpha_j = f(q, K(M_j))          the score e_j of memory row j   (this module)
p       = softmax(alpha)        the attention weights a_j       (masked_softmax)
c       = sum_j p_j M_j         the context vector, a soft read (soft_read)
```

`masked_softmax` (`keras_memory.ops.attention`) gives padded source
positions exactly zero weight, and `soft_read` (`keras_memory.ops.addressing`)
is the NTM's read `r = sum_i w(i) M(i)`: the same maths, one head per query
step. `hard_attention` reads one row instead, sampled in training and the
argmax at inference, through `hard_read`.

Shapes, batch first. A query is one decoder state `(batch, Dq)` or one per
target step `(batch, Tq, Dq)`; the keys are `(batch, S, Dk)`; the scores are
`(batch, S)` or `(batch, Tq, S)` accordingly. The additive and concat scores
take query and keys already projected (`W s`, `U h_j`, of size `units`): a
decoder projects the memory once per sequence, not once per step.

The functions hold no weights; the layers `BahdanauAttention` and
`LuongAttention` own them. They are pure `keras.ops`, run on every Keras
backend and compile under XLA with a dynamic batch size (matrix products,
no `tensordot`).
"""

from keras import ops

from keras_memory.ops.addressing import hard_read

_RANK_2_OR_3 = "a rank-2 query (batch, Dq) or a rank-3 query (batch, Tq, Dq)"


def _check_query_and_keys(
    query, keys, query_name="query", keys_name="keys", query_layout=_RANK_2_OR_3
):
    """Raises unless `query` is rank 2 or 3 and `keys` rank 3 with one batch size."""
    if len(query.shape) not in (2, 3):
        raise ValueError(
            f"Received an invalid value for argument `{query_name}`, expected "
            f"{query_layout}, got a tensor of shape {tuple(query.shape)}."
        )
    if len(keys.shape) != 3:
        raise ValueError(
            f"Received an invalid value for argument `{keys_name}`, expected a "
            f"rank-3 tensor (batch, S, Dk), got a tensor of shape {tuple(keys.shape)}."
        )
    batch, keys_batch = query.shape[0], keys.shape[0]
    if batch is not None and keys_batch is not None and batch != keys_batch:
        raise ValueError(
            f"Received an invalid value for argument `{keys_name}`, expected the "
            f"batch size {batch} of `{query_name}` (shape {tuple(query.shape)}), "
            f"got a tensor of shape {tuple(keys.shape)}."
        )


def _check_last_dims(query, keys, what, query_name="query", keys_name="keys"):
    size, keys_size = query.shape[-1], keys.shape[-1]
    if size is not None and keys_size is not None and size != keys_size:
        raise ValueError(
            f"Received an invalid value for argument `{keys_name}`, expected its "
            f"last dimension to be {size} as in `{query_name}` (shape "
            f"{tuple(query.shape)}; {what}), got a tensor of shape {tuple(keys.shape)}."
        )


def _as_3d(query):
    """`(query (batch, Tq, D), squeeze)`: a rank-2 query becomes one step."""
    if len(query.shape) == 2:
        return ops.expand_dims(query, 1), True
    return query, False


def _scaled(scores, scale):
    if scale is None:
        return scores
    return scores * ops.cast(scale, scores.dtype)


def additive_score(query, keys, v, g=None, b=None):
    """Additive score `e_j = v^T tanh(W s + U h_j)` (Bahdanau et al., 2015).

    The alignment model `a(s_{i-1}, h_j)` of the paper (section 3.1 and
    appendix A.1.2), given the projections already made: `query` is
    `W s_{i-1}` (the paper's `W_a s_{i-1}`) and `keys` is `U h_j`
    (`U_a h_j`), so that `U h_j`, which depends on the source only, is
    computed once per sequence. In content-addressing terms, the score of
    memory row `M_j = h_j` is `alpha_j = f(q, K(M_j))` with `K(M_j) = U h_j`
    and `f(q, k) = v^T tanh(W q + k)`.

    With `g` (and optionally `b`) the score takes the weight-normalised form
    of `tfa.seq2seq.BahdanauAttention(normalize=True)` (Salimans and
    Kingma, 2016):

    ```
    e_j = (g v / ||v||)^T tanh(W s + U h_j + b)
    ```

    a scalar `g` (tfa initialises it to `sqrt(1 / units)`) times the unit
    vector of `v`, and a bias `b` inside the tanh (tfa: zeros).

    Args:
        query: The projected query `W s`, `(batch, units)` or
            `(batch, Tq, units)` (one per target step).
        keys: The projected memory `U h_j`, `(batch, S, units)`.
        v: The vector `v_a`, `(units,)`.
        g: Optional scalar `g` of the weight normalisation: with it, `v` is
            replaced by `g v / ||v||`. Default: `None` (no normalisation).
        b: Optional bias `b` inside the tanh, `(units,)`. Default: `None`.

    Returns:
        The scores `e_j`, `(batch, S)` or `(batch, Tq, S)`, in the dtype of
        `query`.

    Example:

    >>> import numpy as np
    >>> query = np.array([[0.5, -1.0]], "float32")  # W s
    >>> keys = np.array([[[0.5, 1.0], [0.0, 0.0]]], "float32")  # U h_j
    >>> v = np.array([1.0, 2.0], "float32")
    >>> np.round(ops.convert_to_numpy(additive_score(query, keys, v)), 4)
    array([[ 0.7616, -1.0611]], dtype=float32)
    """
    query = ops.convert_to_tensor(query)
    keys = ops.cast(ops.convert_to_tensor(keys), query.dtype)
    _check_query_and_keys(query, keys)
    _check_last_dims(query, keys, "units, the size of W s and U h_j")
    v = ops.cast(v, query.dtype)
    if g is not None:
        # Salimans and Kingma's w = g v / ||v||; norm in float32 for float16.
        v32 = ops.cast(v, "float32")
        normed = ops.cast(g, "float32") * v32 * ops.rsqrt(ops.sum(ops.square(v32)))
        v = ops.cast(normed, query.dtype)
    query_3d, squeeze = _as_3d(query)
    # W s + U h_j for every (target step, source position): (batch, Tq, S, units).
    summed = query_3d[:, :, None, :] + keys[:, None, :, :]
    if b is not None:
        summed = summed + ops.cast(b, query.dtype)
    scores = ops.sum(ops.tanh(summed) * v, axis=-1)  # (batch, Tq, S)
    return ops.squeeze(scores, 1) if squeeze else scores


def dot_score(query, keys, scale=None):
    """Luong's dot score `e_j = s^T h_j` (Luong et al., 2015, section 3.1).

    `score(h_t, h̄_s) = h_t^T h̄_s` of the paper, with the decoder state `s`
    (the paper's `h_t`) as the query and the encoder states `h_j` (`h̄_s`)
    as the memory rows: content-based addressing with `K(M_j) = M_j` and
    `f(q, k) = q^T k`. With `scale`, `e_j = g s^T h_j`, a learned scalar `g`
    (`tfa.seq2seq.LuongAttention(scale=True)`).

    Args:
        query: The query `s`, `(batch, D)` or `(batch, Tq, D)`.
        keys: The memory `h_j`, `(batch, S, D)` (the query's size `D`).
        scale: Optional scalar `g` multiplying the scores. Default: `None`.

    Returns:
        The scores, `(batch, S)` or `(batch, Tq, S)`, in the dtype of `query`.

    Example:

    >>> import numpy as np
    >>> query = np.array([[1.0, 2.0]], "float32")
    >>> keys = np.array([[[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]]], "float32")
    >>> ops.convert_to_numpy(dot_score(query, keys))
    array([[ 1.,  3., -2.]], dtype=float32)
    """
    query = ops.convert_to_tensor(query)
    keys = ops.cast(ops.convert_to_tensor(keys), query.dtype)
    _check_query_and_keys(query, keys)
    _check_last_dims(query, keys, "the dot score s^T h_j needs equal sizes")
    query_3d, squeeze = _as_3d(query)
    # (batch, Tq, D) @ (batch, D, S): one batched matrix product.
    scores = _scaled(ops.matmul(query_3d, ops.transpose(keys, (0, 2, 1))), scale)
    return ops.squeeze(scores, 1) if squeeze else scores


def general_score(query, keys, kernel, scale=None):
    """Luong's general score `e_j = s^T W h_j` (Luong et al., 2015, section 3.1).

    `score(h_t, h̄_s) = h_t^T W_a h̄_s`: the dot score of the query with the
    projected memory `W_a h_j` (`K(M_j) = W_a M_j`), computed as
    `dot_score(query, keys @ kernel)`. A decoder projects the memory once
    per sequence and calls `dot_score` at every step.

    Args:
        query: The query `s`, `(batch, Dq)` or `(batch, Tq, Dq)`.
        keys: The memory `h_j`, `(batch, S, Dk)`.
        kernel: `W_a` as a Keras kernel, `(Dk, Dq)`: `W_a h_j` is
            `h_j @ kernel` (the transpose of the paper's `Dq x Dk` matrix).
        scale: Optional scalar `g` multiplying the scores. Default: `None`.

    Returns:
        The scores, `(batch, S)` or `(batch, Tq, S)`, in the dtype of `query`.

    Example:

    >>> import numpy as np
    >>> query = np.array([[1.0, 2.0]], "float32")
    >>> keys = np.array([[[1.0], [-1.0]]], "float32")  # Dk = 1
    >>> kernel = np.array([[3.0, 1.0]], "float32")  # W_a h = (3h, h)
    >>> ops.convert_to_numpy(general_score(query, keys, kernel))
    array([[ 5., -5.]], dtype=float32)
    """
    query = ops.convert_to_tensor(query)
    keys = ops.cast(ops.convert_to_tensor(keys), query.dtype)
    _check_query_and_keys(query, keys)
    projected = ops.matmul(keys, ops.cast(kernel, query.dtype))  # W_a h_j: (batch, S, Dq)
    return dot_score(query, projected, scale)


def concat_score(query, keys, v, scale=None):
    """Luong's concat score `e_j = v^T tanh(W [s; h_j])` (Luong et al., 2015).

    `score(h_t, h̄_s) = v_a^T tanh(W_a [h_t; h̄_s])`. Splitting `W_a` into
    its query and memory columns, `W_a [s; h_j] = W_s s + W_h h_j`: the
    additive score of the projections `W_s s` and `W_h h_j`, which is how it
    is computed here (`additive_score`), so that `W_h h_j` is projected once
    per sequence. Content-addressing terms: `K(M_j) = W_h M_j`,
    `f(q, k) = v^T tanh(W_s q + k)`. With `scale`, a learned scalar `g`
    multiplies the scores.

    Args:
        query: The projected query `W_s s`, `(batch, units)` or
            `(batch, Tq, units)`.
        keys: The projected memory `W_h h_j`, `(batch, S, units)`.
        v: The vector `v_a`, `(units,)`.
        scale: Optional scalar `g` multiplying the scores. Default: `None`.

    Returns:
        The scores, `(batch, S)` or `(batch, Tq, S)`, in the dtype of `query`.

    Example:

    >>> import numpy as np
    >>> query = np.array([[0.5, -1.0]], "float32")  # W_s s
    >>> keys = np.array([[[0.5, 1.0], [0.0, 0.0]]], "float32")  # W_h h_j
    >>> v = np.array([1.0, 2.0], "float32")
    >>> np.round(ops.convert_to_numpy(concat_score(query, keys, v, scale=2.0)), 4)
    array([[ 1.5232, -2.1221]], dtype=float32)
    """
    return _scaled(additive_score(query, keys, v), scale)


def hard_attention(memory, weights, training, seed=None):
    """Hard attention: read one memory row, `c = M_j` with `j ~ p`.

    Xu et al. (2015)'s "hard" attention over encoder states: in training,
    `j ~ Categorical(p)`, at inference `j = argmax_j p_j`, through
    `keras_memory.ops.hard_read` (every target step of a rank-3 `weights`
    is one of its heads). The choice has no gradient: `log p(j)` is returned
    for a REINFORCE loss `-log p(j) * advantage`. A row of weights that is
    all zero (an all-padding memory, from `masked_softmax`) reads a zero
    context, as the soft read does, and its `log p(j)` is 0, so it adds
    nothing to the loss.

    Args:
        memory: The memory `M` (encoder states `h_j`), `(batch, S, Dk)`.
        weights: The attention weights `p`, `(batch, S)` or
            `(batch, Tq, S)`, non-negative, summing to 1 (or all zero).
        training: Python bool or scalar boolean tensor: sample (True) or
            take the argmax (False or None).
        seed: `None`, an int or a `keras.random.SeedGenerator`, as in
            `hard_read` (a layer passes its own `SeedGenerator`).

    Returns:
        A `HardRead(values, indices, log_probs)`: the context
        `(batch, Dk)` or `(batch, Tq, Dk)`, the chosen positions (int32) and
        `log p(j)`, both `(batch,)` or `(batch, Tq)`.

    Example:

    >>> import numpy as np
    >>> memory = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], "float32")
    >>> p = np.array([[0.1, 0.7, 0.2]], "float32")
    >>> read = hard_attention(memory, p, training=False)
    >>> ops.convert_to_numpy(read.values), ops.convert_to_numpy(read.indices)
    (array([[3., 4.]], dtype=float32), array([1], dtype=int32))
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.convert_to_tensor(weights)
    _check_query_and_keys(
        weights, memory, "weights", "memory", "rank-2 weights (batch, S) or rank-3 weights "
        "(batch, Tq, S)"
    )
    positions, memory_positions = weights.shape[-1], memory.shape[1]
    if None not in (positions, memory_positions) and positions != memory_positions:
        raise ValueError(
            "Received an invalid value for argument `weights`, expected its last "
            f"dimension to be the S = {memory_positions} positions of `memory` (shape "
            f"{tuple(memory.shape)}), got a tensor of shape {tuple(weights.shape)}."
        )
    weights_3d, squeeze = _as_3d(weights)
    read = hard_read(memory, weights_3d, training, seed=seed)
    # An all-zero row has no position to read: zero context, log p = 0.
    attends = ops.sum(ops.cast(weights_3d, "float32"), axis=-1) > 0  # (batch, Tq)
    values = read.values * ops.cast(attends, read.values.dtype)[..., None]
    log_probs = ops.where(attends, read.log_probs, ops.zeros_like(read.log_probs))
    indices = read.indices
    if squeeze:
        values, indices, log_probs = (ops.squeeze(x, 1) for x in (values, indices, log_probs))
    return type(read)(values, indices, log_probs)
