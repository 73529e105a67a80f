"""Regularisers of attention weights: Xu et al.'s doubly stochastic penalty."""

from keras import ops


def _check_rank(name, value, rank, layout):
    if len(value.shape) != rank:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a rank-{rank} "
            f"tensor {layout}, got a tensor of shape {tuple(value.shape)}."
        )


def _check_leading(name, value, alignments, axes, layout):
    expected = tuple(alignments.shape[i] for i in axes)
    actual = tuple(value.shape)
    if any(a is not None and b is not None and a != b for a, b in zip(actual, expected)):
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected the shape "
            f"{layout} = {expected} of `alignments` (shape {tuple(alignments.shape)}), "
            f"got a tensor of shape {actual}."
        )


def doubly_stochastic_penalty(alignments, target_mask=None, memory_mask=None):
    """Xu et al.'s doubly stochastic attention penalty, per caption.

    Soft attention sums to 1 over the `L` locations at every step
    (`sum_i alpha_ti = 1`); the penalty pushes it to also sum to about 1 over
    the caption's steps for every location, so that the decoder looks at
    every part of the image (Xu et al., 2015, section 4.2.1, eq. 14):

    ```
    penalty = sum_i (1 - sum_t m_t alpha_ti)^2
    ```

    The sum over `t` runs over the caption's real steps only: `m_t` is the
    target mask, zero at the padding after the end token. Summing over the
    padded steps too (kelvinxu/arctic-captions #33, yunjey/show-attend-and-tell
    #15) makes the penalty depend on how long the longest caption of the batch
    is, not on the caption. The sum over `i` runs over the real memory
    locations (`memory_mask`); with no mask every location counts. The caller
    multiplies by `lambda` (the paper: 1) and averages over the batch.

    Args:
        alignments: The attention weights `alpha`, `(batch, T, L)`.
        target_mask: Optional boolean `(batch, T)`, `True` at the caption's
            steps (its words and its end token). Default: every step.
        memory_mask: Optional boolean `(batch, L)`, `True` at real locations.
            Default: every location.

    Returns:
        The penalty of every caption, float32 `(batch,)`.

    Example:

    >>> import numpy as np
    >>> alignments = np.array([[[1.0, 0.0], [1.0, 0.0], [0.5, 0.5]]], "float32")
    >>> mask = np.array([[True, True, False]])  # the third step is padding
    >>> ops.convert_to_numpy(doubly_stochastic_penalty(alignments, mask))
    array([2.], dtype=float32)

    Reference:
        Xu, Ba, Kiros, Cho, Courville, Salakhutdinov, Zemel and Bengio.
        Show, Attend and Tell: Neural Image Caption Generation with Visual
        Attention. ICML 2015. https://arxiv.org/abs/1502.03044
    """
    alignments = ops.cast(ops.convert_to_tensor(alignments), "float32")
    _check_rank("alignments", alignments, 3, "(batch, T, L)")
    if target_mask is not None:
        target_mask = ops.convert_to_tensor(target_mask)
        _check_rank("target_mask", target_mask, 2, "(batch, T)")
        _check_leading("target_mask", target_mask, alignments, (0, 1), "(batch, T)")
        # m_t: padded steps add nothing to sum_t alpha_ti.
        alignments = alignments * ops.cast(target_mask, "float32")[..., None]
    coverage = ops.sum(alignments, axis=1)  # sum_t m_t alpha_ti: (batch, L)
    squared = ops.square(1.0 - coverage)
    if memory_mask is not None:
        memory_mask = ops.convert_to_tensor(memory_mask)
        _check_rank("memory_mask", memory_mask, 2, "(batch, L)")
        _check_leading("memory_mask", memory_mask, alignments, (0, 2), "(batch, L)")
        squared = squared * ops.cast(memory_mask, "float32")
    return ops.sum(squared, axis=-1)


def attention_entropy(alignments, target_mask=None):
    """The entropy of the attention weights, summed over the caption's steps.

    `H = -sum_t m_t sum_i alpha_ti log alpha_ti`: the entropy bonus of Xu et
    al.'s hard attention (section 4.1, `lambda_e dH[s]/dW`), which keeps the
    sampled locations exploring. Zero weights count 0 (`0 log 0 = 0`), with a
    finite gradient.

    Args:
        alignments: The attention weights `alpha`, `(batch, T, L)`.
        target_mask: Optional boolean `(batch, T)`, the caption's real steps.

    Returns:
        The entropy of every caption, float32 `(batch,)`, in nats.

    Example:

    >>> import numpy as np
    >>> alignments = np.array([[[0.5, 0.5], [1.0, 0.0]]], "float32")
    >>> np.round(ops.convert_to_numpy(attention_entropy(alignments)), 4)
    array([0.6931], dtype=float32)
    """
    alignments = ops.cast(ops.convert_to_tensor(alignments), "float32")
    _check_rank("alignments", alignments, 3, "(batch, T, L)")
    positive = alignments > 0
    # log of 1 where alpha = 0: the term is 0 and so is its gradient (no NaN).
    safe = ops.where(positive, alignments, ops.ones_like(alignments))
    step_entropy = -ops.sum(alignments * ops.log(safe), axis=-1)  # (batch, T)
    if target_mask is not None:
        target_mask = ops.convert_to_tensor(target_mask)
        _check_rank("target_mask", target_mask, 2, "(batch, T)")
        _check_leading("target_mask", target_mask, alignments, (0, 1), "(batch, T)")
        step_entropy = step_entropy * ops.cast(target_mask, "float32")
    return ops.sum(step_entropy, axis=-1)
