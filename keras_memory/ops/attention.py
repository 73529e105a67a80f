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
