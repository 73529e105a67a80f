"""Beam search with GNMT's length and coverage penalties."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.decoding.sampler import Sampler

# The smallest coverage the log of the coverage penalty sees: a source
# position never attended costs `beta * log(1e-10)` instead of -inf.
COVERAGE_FLOOR = 1e-10


def gnmt_length_penalty(lengths, alpha):
    """GNMT's length normalisation `lp(Y) = ((5 + |Y|) / 6)^alpha`.

    Args:
        lengths: Tensor of output lengths `|Y|` (end token included).
        alpha: A non-negative number; `0` gives 1 (no normalisation).

    Returns:
        A float32 tensor of the shape of `lengths`.

    Example:

    >>> from keras_memory.decoding import gnmt_length_penalty
    >>> print(keras.ops.convert_to_numpy(gnmt_length_penalty([1, 7], 1.0)).tolist())
    [1.0, 2.0]
    """
    alpha = validation.check_non_negative_finite("alpha", alpha)
    lengths = ops.cast(ops.convert_to_tensor(lengths), "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)


def gnmt_coverage_penalty(coverage, beta, source_mask=None):
    """GNMT's coverage penalty `cp = beta * sum_i log(min(sum_t a_ti, 1))`.

    `a_ti` is the attention of output step `t` on source position `i`; the
    sum over `t` is the coverage of position `i`. A hypothesis that leaves
    source positions unattended is penalised; attending more than once is not
    rewarded (the `min`).

    Args:
        coverage: `(..., S)` tensor of summed attention weights.
        beta: A non-negative number; `0` gives 0.
        source_mask: Optional boolean `(..., S)`: only these positions count.

    Returns:
        A float32 tensor `(...)`, zero or negative.

    Example:

    >>> from keras_memory.decoding import gnmt_coverage_penalty
    >>> penalty = gnmt_coverage_penalty([[0.5, 1.5]], beta=1.0)
    >>> print(keras.ops.convert_to_numpy(penalty).astype("float64").round(4).tolist())
    [-0.6931]
    """
    beta = validation.check_non_negative_finite("beta", beta)
    coverage = ops.cast(ops.convert_to_tensor(coverage), "float32")
    log_coverage = ops.log(ops.clip(coverage, COVERAGE_FLOOR, 1.0))
    if source_mask is not None:
        log_coverage = ops.where(ops.cast(source_mask, "bool"), log_coverage, 0.0)
    return beta * ops.sum(log_coverage, axis=-1)


@keras.saving.register_keras_serializable(package="keras_memory")
class BeamSearch(Sampler):
    """Beam search with GNMT's length and coverage penalties.

    Every example keeps the `beam_width` best hypotheses. At each step all
    `beam_width * V` one-token extensions are scored and the best
    `beam_width` survive; finished hypotheses stay frozen (their tokens and
    score unchanged) and keep competing, so a short finished output is only
    displaced by better ones. A hypothesis `Y` of a source `X` scores as in
    GNMT (Wu et al., 2016, eq. 14):

    `s(Y, X) = log P(Y | X) / lp(Y) + cp(X; Y)`,
    `lp(Y) = ((5 + |Y|) / 6)^alpha`,
    `cp(X; Y) = beta * sum_i log(min(sum_t a_ti, 1))`,

    with `|Y|` the length (end token included) and `a_ti` the attention of
    step `t` on source position `i`. The search ranks by this score at every
    step and returns the `num_return` best, sorted.

    Args:
        beam_width: A positive integer `K`, the hypotheses kept per example,
            at most the vocabulary size. `1` is greedy decoding.
        length_penalty: A non-negative number `alpha`. `0` ranks by raw
            log-probability, which favours short outputs; GNMT uses 0.2 to
            0.6.
        coverage_penalty: A non-negative number `beta`; needs `next_fn` to
            return attention weights (without them it has no effect). `0`
            turns it off.
        num_return: A positive integer `<= beam_width`: the n-best returned
            per example.
        min_length: A positive integer `<= max_length`, the fewest tokens an
            output has, its end token included.
        max_length: A positive integer, the most tokens an output has.
        pad_id: An integer written after the end token.

    Call arguments:
        See `keras_memory.decoding.Sampler`: `next_fn(tokens, state, index)
        -> (log_probs, new_state, attention)`, `initial_state` (a nest of
        `(B, ...)` tensors, tiled with `tile_beams`), `start_tokens`,
        `end_id`, `source_mask`, `max_length`.

    Returns:
        A dict: `"tokens"` int32 `(B, N, T)`, `"lengths"` int32 `(B, N)`,
        `"scores"` `(B, N)` sorted best first, `"log_probs"` `(B, N)`, and
        `"alignments"` `(B, N, T, S)` when `next_fn` returns attention, with
        `N = num_return`, `T = max_length`.

    Example:

    From token 0, greedy takes token 1 (probability 0.6), which ends with
    probability 0.5; token 2 (0.4) ends with probability 0.9, so "2, end" is
    the more probable output (0.36 against 0.3):

    >>> import numpy as np
    >>> from keras_memory.decoding import BeamSearch
    >>> table = np.full((4, 4), 1e-6)
    >>> table[0, 1], table[0, 2] = 0.6, 0.4           # after the start token
    >>> table[1, 3], table[1, 1], table[1, 2] = 0.5, 0.3, 0.2   # 3 ends
    >>> table[2, 3], table[2, 2] = 0.9, 0.1
    >>> table[3, 3] = 1.0
    >>> table = np.log(table).astype("float32")
    >>> def next_fn(tokens, state, index):
    ...     return keras.ops.take(table, tokens, axis=0), state, None
    >>> search = BeamSearch(beam_width=2, num_return=2, max_length=3)
    >>> outputs = search(next_fn, (), start_tokens=np.array([0]), end_id=3)
    >>> print(keras.ops.convert_to_numpy(outputs["tokens"]).tolist())
    [[[2, 3, 0], [1, 3, 0]]]
    >>> scores = keras.ops.convert_to_numpy(outputs["scores"]).astype("float64")
    >>> print(np.exp(scores).round(2).tolist())
    [[0.36, 0.3]]

    References:
        - [Wu et al., 2016](https://arxiv.org/abs/1609.08144): Google's
          Neural Machine Translation System (the length and coverage
          penalties, section 7).
        - [KerasHub's `BeamSampler`](https://keras.io/keras_hub/api/samplers/):
          the sampler's shape (a `next` function, fixed buffers, a while
          loop).
    """

    def __init__(
        self,
        beam_width=4,
        length_penalty=0.0,
        coverage_penalty=0.0,
        num_return=1,
        min_length=1,
        max_length=50,
        pad_id=0,
    ):
        self.beam_width = validation.check_positive_int("beam_width", beam_width)
        self.length_penalty = validation.check_non_negative_finite(
            "length_penalty", length_penalty
        )
        self.coverage_penalty = validation.check_non_negative_finite(
            "coverage_penalty", coverage_penalty
        )
        super().__init__(
            max_length=max_length, min_length=min_length, num_return=num_return, pad_id=pad_id
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beam_width": self.beam_width,
                "length_penalty": self.length_penalty,
                "coverage_penalty": self.coverage_penalty,
            }
        )
        return config

    def scores(self, log_probs, lengths, coverage, source_mask):
        """`log P(Y | X) / lp(Y) + cp(X; Y)` of each hypothesis `(B, K)`."""
        scores = log_probs
        if self.length_penalty:
            scores = scores / gnmt_length_penalty(lengths, self.length_penalty)
        if self.coverage_penalty and coverage is not None:
            scores = scores + gnmt_coverage_penalty(coverage, self.coverage_penalty, source_mask)
        return scores

    def select(self, step_log_probs, log_probs, new_lengths, new_coverage, source_mask):
        # An extension's length and coverage depend on its parent only (the
        # end token counts in the length), so both penalties are per parent.
        vocabulary_size = ops.shape(step_log_probs)[-1]
        candidate_log_probs = ops.expand_dims(log_probs, -1) + step_log_probs
        if self.length_penalty:
            penalty = gnmt_length_penalty(new_lengths, self.length_penalty)
            candidate_log_probs = candidate_log_probs / ops.expand_dims(penalty, -1)
        if self.coverage_penalty and new_coverage is not None:
            penalty = gnmt_coverage_penalty(new_coverage, self.coverage_penalty, source_mask)
            candidate_log_probs = candidate_log_probs + ops.expand_dims(penalty, -1)
        flat = ops.reshape(candidate_log_probs, (-1, self.beam_width * vocabulary_size))
        _, indices = ops.top_k(flat, k=self.beam_width, sorted=True)
        indices = ops.cast(indices, "int32")
        return indices // vocabulary_size, indices % vocabulary_size
