"""The position encoding of End-to-End Memory Networks (section 4.1)."""

from keras import ops


def position_encoding(word_mask, embedding_dim, dtype="float32"):
    """The position encoding `l_kj` of every word (section 4.1 of the paper).

    ```
    l_kj = (1 - j / J) - (k / d) (1 - 2 j / J)
    ```

    with `j = 1..J` the position of a word among the non-padding words of
    its sentence, `J` the number of non-padding words of that sentence and
    `k = 1..d` the embedding dimension. Padding words get `l = 0`, and they
    count neither in `j` nor in `J`: a sentence gives the same encoding
    wherever its padding is. A sentence of padding only is all zeros.

    Args:
        word_mask: Boolean tensor `(..., W)`, `True` for real words.
        embedding_dim: Positive integer `d`.
        dtype: The dtype of the result. Default: `"float32"`.

    Returns:
        A tensor `(..., W, d)`.

    Example:

    >>> import numpy as np
    >>> encoding = position_encoding(np.array([[True, True, False]]), 2)
    >>> np.round(np.asarray(encoding)[0], 3).tolist()  # j = 1, 2 of J = 2
    [[0.5, 0.5], [0.5, 1.0], [0.0, 0.0]]

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895
    """
    mask = ops.cast(word_mask, dtype)
    j = ops.cumsum(mask, axis=-1)  # 1-based position among real words
    length = ops.maximum(ops.sum(mask, axis=-1, keepdims=True), 1.0)  # J
    ratio = ops.expand_dims(j / length, -1)  # j / J, (..., W, 1)
    k = ops.cast(ops.arange(1, embedding_dim + 1), dtype) / embedding_dim  # k / d
    encoding = (1.0 - ratio) - k * (1.0 - 2.0 * ratio)
    return encoding * ops.expand_dims(mask, -1)


def centered_position_encoding(word_mask, embedding_dim, sentence_size, dtype="float32"):
    """The position encoding of the authors' released code, centred on 1.

    ```
    l_kj = 1 + 4 (k - (d + 1) / 2) (j - (J + 1) / 2) / (d J)
    ```

    with `j = 1..` the position of a word among the non-padding words of
    its sentence, `k = 1..d` the embedding dimension and `J` a fixed
    `sentence_size`, the same for every sentence (the authors' code,
    MemN2N-babi-matlab `build_model.m`, uses the longest sentence of the
    data plus one, the slot of its time word). The weights stay between
    about 0 and 2 around 1: a bag of words with a small, linear order
    term, and a word has the same weights at position `j` of every
    sentence. The formula printed in the paper (`position_encoding`)
    instead divides by each sentence's own length and weighs the word in
    the middle by 1/2 and the last one by `k / d`; on bAbI task 16 (basic
    induction) a model with it stays near 50 % error where this one
    reaches 0 to 2 % (docs/results.md). Padding words get `l = 0` and do
    not count in `j`; a word after position `J` keeps the linear formula.

    Args:
        word_mask: Boolean tensor `(..., W)`, `True` for real words.
        embedding_dim: Positive integer `d`.
        sentence_size: Positive integer `J`.
        dtype: The dtype of the result. Default: `"float32"`.

    Returns:
        A tensor `(..., W, d)`.

    Example:

    >>> import numpy as np
    >>> encoding = centered_position_encoding(np.array([[True, True, False]]), 2, 2)
    >>> np.round(np.asarray(encoding)[0], 3).tolist()  # j = 1, 2 of J = 2
    [[1.25, 0.75], [0.75, 1.25], [0.0, 0.0]]

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895; the code:
        https://github.com/facebookarchive/MemNN (MemN2N-babi-matlab).
    """
    mask = ops.cast(word_mask, dtype)
    j = ops.expand_dims(ops.cumsum(mask, axis=-1), -1)  # 1-based position, (..., W, 1)
    k = ops.cast(ops.arange(1, embedding_dim + 1), dtype)
    scale = 4.0 / (embedding_dim * sentence_size)
    encoding = 1.0 + scale * (k - (embedding_dim + 1) / 2) * (j - (sentence_size + 1) / 2)
    return encoding * ops.expand_dims(mask, -1)
