"""Attention weights: a softmax over scores that ignores padded positions."""

from keras import ops

# Score given to masked positions before the softmax. The softmax runs in
# float32 (also under mixed precision), where -1e9 is finite and
# exp(-1e9 - max) is exactly 0: a row whose every position is masked gives a
# uniform softmax, which the mask then zeroes, instead of the NaN of -inf.
MASKED_SCORE = -1e9


def masked_softmax(scores, mask=None, axis=-1):
    """Softmax over the positions of `scores` that gives padding exactly zero.

    ```
    p_i = exp(s_i) / sum_{j kept} exp(s_j)   for kept positions i
    p_i = 0                                  for masked positions i
    ```

    The attention weights of every attention layer: memory slots of a memory
    network, image regions, encoder steps of a decoder. The softmax is taken
    in float32 and cast back to the dtype of `scores`, so that float16 and
    bfloat16 scores neither overflow nor lose the small weights. A row whose
    every position is masked (an empty story, a sequence of padding only)
    is all zeros, with no NaN in the result or in its gradient.

    Args:
        scores: Float tensor `(..., S)`, the scores of `S` positions; finite
            and above `MASKED_SCORE` (`-1e9`).
        mask: Optional boolean tensor broadcastable to `scores`, `True` where
            a position is kept (for example `(batch, 1, S)` for scores
            `(batch, T, S)`). `None` keeps every position (a plain softmax in
            float32). Default: `None`.
        axis: The axis of the positions. Default: `-1`.

    Returns:
        A tensor of the dtype of `scores` and of the broadcast shape of
        `scores` and `mask`: along `axis`, the weights sum to 1 over the kept
        positions, or are all zero where none is kept.

    Example:

    >>> import numpy as np
    >>> scores = np.array([[1.0, 2.0, 1.0], [3.0, 0.0, 5.0]], "float32")
    >>> mask = np.array([[True, False, True], [False, False, False]])
    >>> np.asarray(masked_softmax(scores, mask)).tolist()
    [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]
    """
    dtype = scores.dtype
    scores = ops.cast(scores, "float32")
    if mask is None:
        return ops.cast(ops.softmax(scores, axis=axis), dtype)
    scores = ops.where(mask, scores, MASKED_SCORE)
    weights = ops.softmax(scores, axis=axis) * ops.cast(mask, "float32")
    return ops.cast(weights, dtype)


def masked_softmax_with_empty_slots(scores, mask, slots, axis=-1):
    """`masked_softmax` over `slots` positions of which `scores` fill some.

    ```
    p_i = exp(s_i) / (sum_{j kept} exp(s_j) + (slots - n) exp(0))
    ```

    for the `n` kept positions; masked positions get exactly 0. The
    `slots - n` positions not given are empty memory slots: zero vectors,
    so their score is 0 and they read nothing, but they take their share of
    the attention. That is the softmax of the MemN2N authors' code
    (MemN2N-babi-matlab), whose memory always has `slots` rows, the rows
    after a story's last sentence holding the nil word: the empty slots let
    a hop attend to nothing, and the weights of the real positions sum to
    less than 1. Computed in float32 (as `masked_softmax`); a row with no
    kept position is all zeros, with finite gradients.

    Args:
        scores: Float tensor `(..., S)`.
        mask: Boolean tensor of the shape of `scores`, `True` where kept;
            at most `slots` kept positions in a row.
        slots: Positive integer, the number of memory slots.
        axis: The axis of the positions. Default: `-1`.

    Returns:
        A tensor of the dtype and shape of `scores`.

    Example:

    >>> import numpy as np
    >>> scores = np.log(np.array([[2.0, 1.0, 1.0]], "float32"))
    >>> mask = np.array([[True, True, False]])
    >>> weights = masked_softmax_with_empty_slots(scores, mask, 4)
    >>> [round(float(w), 3) for w in np.asarray(weights)[0]]  # 2 empty slots
    [0.4, 0.2, 0.0]
    """
    dtype = scores.dtype
    scores = ops.cast(scores, "float32")
    kept = ops.cast(mask, "float32")
    scores = ops.where(mask, scores, MASKED_SCORE)
    # Shifted by the largest score, the empty slots' 0 included: no overflow.
    top = ops.maximum(ops.max(scores, axis=axis, keepdims=True), 0.0)
    exponentials = ops.exp(scores - top) * kept
    empty = slots - ops.sum(kept, axis=axis, keepdims=True)
    total = ops.sum(exponentials, axis=axis, keepdims=True) + empty * ops.exp(-top)
    return ops.cast(exponentials / total, dtype)
