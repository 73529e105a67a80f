"""The decoding loop shared by every strategy, and greedy decoding.

A sampler is separate from the model, as in KerasHub's samplers: it is called
with a `next_fn(tokens, state, index)` that runs one decoder step, so one loop
serves every decoder (the attention encoder-decoder, an image captioner). A
strategy overrides one method, `select`, which picks the hypotheses that
survive a step.

Everything is written in `keras.ops` over buffers allocated at their full
length, inside `ops.while_loop` with `maximum_iterations`: nothing depends on
Python control flow over tensors, so the loop compiles under
`tf.function(jit_compile=True)` and `jax.jit`, and a TensorFlow graph of it
holds only standard TensorFlow ops (TF Serving can run it: tfa's custom
`GatherTree` op was missing there, tensorflow/serving #1893).
"""

import keras
import numpy as np
from keras import ops

from keras_memory import validation

# A log-probability that never wins (finite, so that sums and differences of
# it never make NaN).
NEG_INF = -1e9


def tile_beams(nest, beam_width):
    """Repeats each example's rows `beam_width` times, contiguously.

    `(B, ...) -> (B * beam_width, ...)`: rows `b * beam_width` to
    `(b + 1) * beam_width - 1` are copies of example `b`, so that
    `ops.reshape(x, (B, beam_width, ...))` gives each example's beams back.
    This is the one tiling rule of `keras_memory.decoding`: the decoder state,
    the encoder memory and its mask are all tiled with it (beams mixed up
    across the batch when two rules met: tensorflow #11598, keras-hub #1047).

    Args:
        nest: A tensor, or a nest (list, tuple, dict) of tensors whose first
            axis is the batch. `None` entries stay `None`.
        beam_width: A positive integer.

    Returns:
        The same structure, each tensor's first axis `beam_width` times
        longer.

    Example:

    >>> import numpy as np
    >>> from keras_memory.decoding import tile_beams
    >>> memory = np.array([[1, 2], [3, 4]])
    >>> tiled = tile_beams({"memory": memory, "mask": memory > 1}, 2)
    >>> print(keras.ops.convert_to_numpy(tiled["memory"]).tolist())
    [[1, 2], [1, 2], [3, 4], [3, 4]]
    >>> print(keras.ops.convert_to_numpy(tiled["mask"]).tolist())
    [[False, True], [False, True], [True, True], [True, True]]
    """
    beam_width = validation.check_positive_int("beam_width", beam_width)
    return keras.tree.map_structure(
        lambda x: ops.repeat(x, beam_width, axis=0), nest
    )


def _split_beams(x, beam_width):
    """`(B * K, ...) -> (B, K, ...)`, the inverse of `tile_beams`' layout."""
    return ops.reshape(x, (-1, beam_width) + tuple(ops.shape(x)[1:]))


def _merge_beams(x):
    """`(B, K, ...) -> (B * K, ...)`."""
    return ops.reshape(x, (-1,) + tuple(ops.shape(x)[2:]))


def _take_beams(x, indices):
    """`x[b, indices[b, k]]` for `x` of shape `(B, K, ...)`, indices `(B, N)`."""
    for _ in range(len(x.shape) - 2):
        indices = ops.expand_dims(indices, -1)
    return ops.take_along_axis(x, indices, axis=1)


def _write_column(buffer, index, values):
    """`buffer[:, index] = values` for a buffer `(N, T, ...)`, values `(N, ...)`.

    A mask over the time axis instead of `ops.slice_update`: on TensorFlow
    that lowers to `XlaDynamicUpdateSlice`, an XLA op outside `tf.raw_ops`
    that a served graph cannot count on. `ops.where` is a standard op
    everywhere and costs one pass over a small buffer.
    """
    length = buffer.shape[1]
    at_index = ops.arange(length, dtype="int32") == index
    at_index = ops.reshape(at_index, (1, length) + (1,) * (len(buffer.shape) - 2))
    return ops.where(at_index, ops.expand_dims(values, 1), buffer)


class Sampler:
    """Base class of the decoding strategies: the loop and its buffers.

    A sampler decodes `B` examples with `K = beam_width` hypotheses each. At
    step `t` it calls `next_fn(tokens, state, t)` on the `B * K` previous
    tokens (the start tokens at `t = 0`) and the decoder state, takes the
    log-softmax of what it returns, and `select`s for every example the `K`
    (parent hypothesis, token) pairs that survive. A hypothesis that has
    produced `end_id` is finished and stays frozen: its tokens, log-probability,
    length and coverage no longer change, it proposes one continuation (itself,
    writing `pad_id`) and keeps competing. The loop stops when every hypothesis
    of every example has finished, or after `max_length` tokens.

    Subclasses override `beam_width`, `select` and `scores`; see
    `GreedySampler` and `keras_memory.decoding.BeamSearch`.

    Args:
        max_length: A positive integer, the most tokens an output has (its end
            token included): the length of the output buffers.
        min_length: A positive integer `<= max_length`, the fewest tokens an
            output has, its end token included: `end_id` gets probability
            zero at the steps before. `1` (the default) lets the first token
            be the end token.
        num_return: A positive integer `<= beam_width`, how many hypotheses
            to return per example, best first.
        pad_id: An integer written after the end token.

    Call arguments:
        next_fn: A function `next_fn(tokens, state, index) -> (log_probs,
            new_state, attention)`: `tokens` is an int32 tensor `(B * K,)`,
            `state` a nest of tensors `(B * K, ...)` (as `initial_state`,
            tiled by `tile_beams`), `index` the int32 step (0 first).
            `log_probs` are log-probabilities or logits `(B * K, V)` (a
            log-softmax is taken either way), `new_state` has the structure
            of `state`, and `attention` is `None` or the step's attention
            weights over the source `(B * K, S)` (returned as `alignments`
            and used by the coverage penalty). Whether `attention` is `None`
            must not change between steps.
        initial_state: A nest of tensors `(B, ...)`: the decoder state (cell
            states, the attentional vector for input feeding) and whatever
            else the step reads (the encoder memory and its mask). The
            sampler tiles it per hypothesis with `tile_beams` and reorders it
            as hypotheses are selected.
        start_tokens: An int tensor `(B,)` of first input tokens, or a Python
            integer, the start id of every example (the batch size is then
            the first axis of `initial_state`'s first tensor).
        end_id: A non-negative integer, the token that ends an output.
        source_mask: Optional boolean `(B, S)`: the source positions the
            coverage penalty counts (padding has zero attention and would
            otherwise be penalised as never covered).
        max_length: Optional positive integer overriding the constructor's.
        vocabulary_size: Optional positive integer `V`: start and end ids are
            checked against it before decoding. Without it they are checked
            against the last axis of `next_fn`'s output when that is static
            (after the first step: a start id outside the vocabulary may
            fail inside `next_fn` first).

    Returns:
        A dict of tensors, `N = num_return`, `T = max_length`:

            - `"tokens"`: int32 `(B, N, T)`, each output's tokens, its end token,
              then `pad_id`.
            - `"lengths"`: int32 `(B, N)`, the tokens of each output, its end
              token included (`T` for an output that never ended).
            - `"scores"`: float32 `(B, N)`, what the strategy ranks by, sorted
              best first.
            - `"log_probs"`: float32 `(B, N)`, each output's log-probability
              `sum_t log p(y_t | y_<t, x)`.
            - `"alignments"` (only when `next_fn` returns attention): float32
              `(B, N, T, S)`, each step's attention weights, zero after the end.
    """

    beam_width = 1

    def __init__(self, max_length=50, min_length=1, num_return=1, pad_id=0):
        self.max_length = validation.check_positive_int("max_length", max_length)
        self.min_length = validation.check_positive_int("min_length", min_length)
        validation.check_int_range("min_length", self.min_length, "max_length", self.max_length)
        self.num_return = validation.check_positive_int("num_return", num_return)
        if self.num_return > self.beam_width:
            raise validation.invalid_argument(
                "num_return",
                f"a positive integer <= `beam_width` ({self.beam_width})",
                num_return,
            )
        if not validation.is_integer(pad_id):
            raise validation.invalid_argument("pad_id", "an integer", pad_id)
        self.pad_id = int(pad_id)

    def get_config(self):
        return {
            "max_length": self.max_length,
            "min_length": self.min_length,
            "num_return": self.num_return,
            "pad_id": self.pad_id,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def select(self, step_log_probs, log_probs, new_lengths, new_coverage, source_mask):
        """Picks the hypotheses that survive a step.

        Args:
            step_log_probs: `(B, K, V)`, `log p(token | hypothesis)`, already
                masked: a finished hypothesis has 0 at `end_id` and a large
                negative number elsewhere.
            log_probs: `(B, K)`, each hypothesis' log-probability so far.
            new_lengths: `(B, K)`, each hypothesis' length once extended
                (unchanged for a finished one).
            new_coverage: `(B, K, S)` summed attention once extended, or
                `None` without attention.
            source_mask: `(B, K, S)` boolean, or `None`.

        Returns:
            `(parents, tokens)`, int32 `(B, K)` each: the hypothesis each
            survivor extends and its new token.
        """
        raise NotImplementedError

    def scores(self, log_probs, lengths, coverage, source_mask):
        """What the outputs are ranked by: `(B, K)` from `(B, K)` inputs."""
        del lengths, coverage, source_mask
        return log_probs

    def __call__(
        self,
        next_fn,
        initial_state,
        start_tokens,
        end_id,
        source_mask=None,
        max_length=None,
        vocabulary_size=None,
    ):
        if not callable(next_fn):
            raise validation.invalid_argument("next_fn", "a callable", next_fn)
        end_id = validation.check_int_at_least("end_id", end_id, 0)
        if max_length is None:
            max_length = self.max_length
        else:
            max_length = validation.check_positive_int("max_length", max_length)
            validation.check_int_range("min_length", self.min_length, "max_length", max_length)
        vocabulary_size = validation.check_optional_positive_int(
            "vocabulary_size", vocabulary_size
        )
        if vocabulary_size is not None:
            validation.check_index("end_id", end_id, vocabulary_size)
        beam_width = self.beam_width
        start_id = None
        if validation.is_integer(start_tokens):
            start_id = validation.check_int_at_least("start_tokens", start_tokens, 0)
            if vocabulary_size is not None:
                validation.check_index("start_tokens", start_id, vocabulary_size)
            leaves = [x for x in keras.tree.flatten(initial_state) if x is not None]
            if not leaves:
                raise validation.invalid_argument(
                    "start_tokens",
                    "a tensor of start ids (B,) when `initial_state` has no tensor",
                    start_tokens,
                )
            first = ops.convert_to_tensor(leaves[0])
            start_tokens = ops.full((ops.shape(first)[0],), start_id, dtype="int32")
        else:
            if isinstance(start_tokens, (list, tuple, np.ndarray)):
                # Known values: checked here (a tensor's are not known in a graph).
                for value in np.ravel(start_tokens).tolist():
                    if vocabulary_size is None:
                        validation.check_int_at_least("start_tokens", value, 0)
                    else:
                        validation.check_index("start_tokens", value, vocabulary_size)
            start_tokens = ops.cast(ops.convert_to_tensor(start_tokens), "int32")
            if len(start_tokens.shape) != 1:
                raise validation.invalid_argument(
                    "start_tokens", "an integer or a 1-D tensor of ids (B,)",
                    tuple(start_tokens.shape),
                )
        state = tile_beams(initial_state, beam_width)
        tokens = tile_beams(start_tokens, beam_width)
        if source_mask is not None:
            source_mask = _split_beams(
                tile_beams(ops.cast(source_mask, "bool"), beam_width), beam_width
            )
        # Only the first hypothesis of each example starts alive, so that the
        # K identical copies do not fill the beam with one hypothesis K times.
        rank = (ops.cumsum(ops.ones_like(tokens)) - 1) % beam_width
        log_probs = ops.where(rank == 0, 0.0, NEG_INF)
        finished = ops.zeros_like(tokens) > 0
        lengths = ops.zeros_like(tokens)
        sequences = ops.expand_dims(ops.zeros_like(tokens), 1) + ops.zeros(
            (1, max_length), "int32"
        )
        sequences = sequences + self.pad_id
        min_length = self.min_length

        def decode_step(step, index, carry):
            """Applies one `next_fn` output; returns the carry of `index + 1`."""
            step_logits, new_state, attention = step
            vocabulary_size = step_logits.shape[-1]
            if vocabulary_size is not None:
                validation.check_index("end_id", end_id, vocabulary_size)
                if start_id is not None:
                    validation.check_index("start_tokens", start_id, vocabulary_size)
                if beam_width > vocabulary_size:
                    # Step 0 could not fill the beam with distinct hypotheses.
                    raise validation.invalid_argument(
                        "beam_width",
                        f"at most the vocabulary size ({vocabulary_size})",
                        beam_width,
                    )
            (sequences, log_probs, finished, lengths, coverage, alignments) = carry
            step_log_probs = ops.log_softmax(ops.cast(step_logits, "float32"), axis=-1)
            is_end = ops.arange(ops.shape(step_log_probs)[-1], dtype="int32") == end_id
            is_end = ops.expand_dims(is_end, 0)
            # min_length: no end token while fewer than min_length - 1 tokens.
            too_short = index < min_length - 1
            step_log_probs = ops.where(
                ops.logical_and(is_end, too_short), NEG_INF, step_log_probs
            )
            # Frozen: a finished hypothesis only continues as itself.
            step_log_probs = ops.where(
                ops.expand_dims(finished, 1),
                ops.where(is_end, 0.0, NEG_INF),
                step_log_probs,
            )
            alive = ops.cast(ops.logical_not(finished), "int32")
            new_lengths = lengths + alive
            if attention is not None:
                attention = ops.cast(attention, "float32")
                attention = attention * ops.expand_dims(ops.cast(alive, "float32"), 1)
                new_coverage = coverage + attention
            else:
                new_coverage = None
            parents, next_tokens = self.select(
                _split_beams(step_log_probs, beam_width),
                _split_beams(log_probs, beam_width),
                _split_beams(new_lengths, beam_width),
                None if new_coverage is None else _split_beams(new_coverage, beam_width),
                source_mask,
            )
            parents = ops.cast(parents, "int32")
            next_tokens = ops.cast(next_tokens, "int32")

            def take(x):
                return _merge_beams(_take_beams(_split_beams(x, beam_width), parents))

            chosen = ops.take_along_axis(
                _split_beams(step_log_probs, beam_width),
                ops.expand_dims(parents, -1),
                axis=1,
            )
            chosen = ops.take_along_axis(chosen, ops.expand_dims(next_tokens, -1), axis=2)
            next_tokens = _merge_beams(next_tokens)
            log_probs = take(log_probs) + ops.reshape(chosen, (-1,))
            was_finished = take(finished)
            written = ops.where(was_finished, self.pad_id, next_tokens)
            sequences = _write_column(take(sequences), index, written)
            finished = ops.logical_or(was_finished, next_tokens == end_id)
            lengths = take(new_lengths)
            if attention is not None:
                coverage = take(new_coverage)
                alignments = _write_column(take(alignments), index, take(attention))
            new_state = keras.tree.map_structure(take, new_state)
            carry = (sequences, log_probs, finished, lengths, coverage, alignments)
            return next_tokens, new_state, carry

        # Step 0 runs before the loop: its output tells whether there is
        # attention (and its source length), which fixes the loop's buffers.
        index = ops.convert_to_tensor(0, "int32")
        first = next_fn(tokens, state, index)
        if not isinstance(first, (tuple, list)) or len(first) != 3:
            raise validation.invalid_argument(
                "next_fn", "a function returning (log_probs, new_state, attention)", first
            )
        has_attention = first[2] is not None
        if has_attention:
            coverage = ops.zeros_like(ops.cast(first[2], "float32"))
            alignments = ops.expand_dims(coverage, 1) + ops.zeros((1, max_length, 1))
        else:
            # Placeholders: `ops.while_loop` does not accept `None`.
            coverage = ops.zeros((1,))
            alignments = ops.zeros((1,))
        carry = (sequences, log_probs, finished, lengths, coverage, alignments)
        tokens, state, carry = decode_step(first, index, carry)

        def cond(index, tokens, state, carry):
            del index, tokens, state
            return ops.logical_not(ops.all(carry[2]))

        def body(index, tokens, state, carry):
            outputs = next_fn(tokens, state, index)
            if (outputs[2] is not None) != has_attention:
                raise validation.invalid_argument(
                    "next_fn", "the same attention (None or a tensor) at every step",
                    outputs[2],
                )
            if not has_attention:
                outputs = (outputs[0], outputs[1], None)
            tokens, state, carry = decode_step(outputs, index, carry)
            return index + 1, tokens, state, carry

        if max_length > 1:
            _, _, _, carry = ops.while_loop(
                cond,
                body,
                (index + 1, tokens, state, carry),
                maximum_iterations=max_length - 1,
            )
        return self._outputs(carry, has_attention, source_mask)

    def _outputs(self, carry, has_attention, source_mask):
        sequences, log_probs, _, lengths, coverage, alignments = carry
        beam_width = self.beam_width
        log_probs = _split_beams(log_probs, beam_width)
        lengths = _split_beams(lengths, beam_width)
        coverage = _split_beams(coverage, beam_width) if has_attention else None
        scores = ops.cast(self.scores(log_probs, lengths, coverage, source_mask), "float32")
        scores, order = ops.top_k(scores, k=self.num_return, sorted=True)
        order = ops.cast(order, "int32")
        outputs = {
            "tokens": _take_beams(_split_beams(sequences, beam_width), order),
            "lengths": _take_beams(lengths, order),
            "scores": scores,
            "log_probs": _take_beams(log_probs, order),
        }
        if has_attention:
            outputs["alignments"] = _take_beams(_split_beams(alignments, beam_width), order)
        return outputs


@keras.saving.register_keras_serializable(package="keras_memory")
class GreedySampler(Sampler):
    """Greedy decoding: the most probable token at every step.

    `y_t = argmax_y log p(y | y_<t, x)`, until the end token or `max_length`
    tokens. The outputs have the layout of every sampler, with one hypothesis
    per example (`num_return = 1`); `scores` are the log-probabilities.

    Args:
        max_length: A positive integer, the most tokens an output has (its end
            token included).
        min_length: A positive integer `<= max_length`, the fewest tokens an
            output has (its end token included).
        pad_id: An integer written after the end token.

    Call arguments:
        See `keras_memory.decoding.Sampler`: `next_fn`, `initial_state`,
        `start_tokens`, `end_id`, `source_mask`, `max_length`.

    Returns:
        A dict: `"tokens"` `(B, 1, T)`, `"lengths"` `(B, 1)`, `"scores"` and
        `"log_probs"` `(B, 1)`, and `"alignments"` `(B, 1, T, S)` when
        `next_fn` returns attention weights.

    Example:

    A "model" whose next token is always the previous one plus 1, with the
    end token 4:

    >>> import numpy as np
    >>> from keras_memory.decoding import GreedySampler
    >>> table = np.log(np.eye(5, k=1) * 0.9 + 0.02).astype("float32")
    >>> def next_fn(tokens, state, index):
    ...     return keras.ops.take(table, tokens, axis=0), state, None
    >>> outputs = GreedySampler(max_length=6)(
    ...     next_fn, (), start_tokens=np.array([0, 2]), end_id=4)
    >>> print(keras.ops.convert_to_numpy(outputs["tokens"])[:, 0].tolist())
    [[1, 2, 3, 4, 0, 0], [3, 4, 0, 0, 0, 0]]
    >>> print(keras.ops.convert_to_numpy(outputs["lengths"]).tolist())
    [[4], [2]]
    """

    def __init__(self, max_length=50, min_length=1, pad_id=0):
        super().__init__(
            max_length=max_length, min_length=min_length, num_return=1, pad_id=pad_id
        )

    def get_config(self):
        config = super().get_config()
        del config["num_return"]
        return config

    def select(self, step_log_probs, log_probs, new_lengths, new_coverage, source_mask):
        del log_probs, new_lengths, new_coverage, source_mask
        tokens = ops.argmax(step_log_probs, axis=-1)
        return ops.zeros_like(tokens), tokens
