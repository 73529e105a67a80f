"""A memory network whose response module is an RNN: multi-word answers."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers.memory_network import MemoryNetwork

RESPONSE_CELLS = ("gru", "lstm")


@keras.saving.register_keras_serializable(package="keras_memory")
class MemoryNetworkResponse(MemoryNetwork):
    """A `MemoryNetwork` that answers with a sequence of words.

    The Memory Networks framework (Weston et al., 2015) lets the response
    module R be "an RNN conditioned on the output of O" for answers longer
    than one word. This layer keeps I, G and O of `MemoryNetwork` (every
    argument of which it takes) and replaces the single-word response by a
    recurrent decoder initialised from the final controller state:

    ```
    h_0 = u^{K+1}                    (LSTM: c_0 = 0)
    h_t = cell(D y_{t-1}, h_{t-1})    t = 1..answer_length
    a_t = W h_t                       logits of word t
    ```

    with `D` the decoder's own embedding (`decoder_embedding`, `(V, d)`),
    `W` the network's answer matrix (`C^K` transposed with adjacent tying,
    `answer_kernel` with layerwise tying) and `y_0 = 0`, the padding id, as
    the start token. `y_{t-1}` is the previous word of the target answer
    when one is given (teacher forcing, for training), and otherwise the
    decoder's own previous prediction `argmax a_{t-1}` (greedy decoding).
    Answers shorter than `answer_length` are padded with 0: give those
    positions zero `sample_weight` in the loss, or learn 0 as "end".

    Args:
        vocab_size: As in `MemoryNetwork`.
        embedding_dim: As in `MemoryNetwork`; also the decoder's units.
        answer_length: Positive integer, the number of answer words
            generated. Default: `2`.
        response_cell: `"gru"` or `"lstm"`, the decoder's cell.
            Default: `"gru"`.
        **kwargs: Every other `MemoryNetwork` argument (`hops`,
            `weight_tying`, `encoding`, `return_attention`, ...) and base
            layer keyword arguments.

    Call arguments:
        inputs: `[story, question]` (greedy decoding) or
            `[story, question, answer]` (teacher forcing), with `story`
            `(batch, S, W)`, `question` `(batch, W_q)` and `answer`
            `(batch, answer_length)` integer ids.
        training: Python boolean; random noise only in training.

    Returns:
        The answer logits `(batch, answer_length, vocab_size)`; with
        `return_attention=True`, `[logits, attention]` as in
        `MemoryNetwork`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers.memory_network_response import (
    ...     MemoryNetworkResponse)
    >>> story = np.array([[[3, 4, 0], [5, 6, 7]]])
    >>> question = np.array([[8, 4, 0]])
    >>> network = MemoryNetworkResponse(vocab_size=10, embedding_dim=8,
    ...                                 hops=2, answer_length=3)
    >>> tuple(network([story, question]).shape)
    (1, 3, 10)

    Reference:
        Weston, Chopra and Bordes. Memory Networks. ICLR 2015, section 2
        (the response module R). https://arxiv.org/abs/1410.3916
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        answer_length=2,
        response_cell="gru",
        **kwargs,
    ):
        super().__init__(vocab_size, embedding_dim, **kwargs)
        self.answer_length = validation.check_positive_int(
            "answer_length", answer_length
        )
        if response_cell not in RESPONSE_CELLS:
            raise validation.invalid_argument(
                "response_cell", f"one of {RESPONSE_CELLS}", response_cell
            )
        self.response_cell = response_cell
        cell_class = (
            keras.layers.GRUCell if response_cell == "gru" else keras.layers.LSTMCell
        )
        self.decoder_cell = cell_class(
            self.embedding_dim, name="decoder_cell", dtype=self.dtype_policy
        )

    def _check_input_shapes(self, input_shape):
        story_shape, question_shape = super()._check_input_shapes(input_shape)
        if len(input_shape) > 3:
            raise ValueError(
                "MemoryNetworkResponse expects `[story, question]` or "
                f"`[story, question, answer]`, got {len(input_shape)} inputs."
            )
        if len(input_shape) == 3:
            answer_shape = tuple(input_shape[2])
            if len(answer_shape) != 2 or answer_shape[1] not in (
                None,
                self.answer_length,
            ):
                raise ValueError(
                    "Received an invalid shape for argument `answer`, "
                    f"expected (batch, answer_length={self.answer_length}), "
                    f"got shape {answer_shape}."
                )
        return story_shape, question_shape

    def build(self, input_shape):
        super().build(input_shape)
        self.decoder_embedding = self._embedding("decoder_embedding")  # D
        self.decoder_cell.build((None, self.embedding_dim))

    def _initial_decoder_state(self, u):
        if self.response_cell == "lstm":
            return [u, ops.zeros_like(u)]
        return [u]

    def respond(self, u, answer=None):
        """R as a recurrent decoder: logits `(batch, answer_length, V)`.

        Args:
            u: The final controller state `u^{K+1}`, `(batch, d)`.
            answer: Optional integer ids `(batch, answer_length)` fed back
                one step late (teacher forcing); `None` feeds back the
                decoder's own argmax.
        """
        answer_matrix = self.answer_matrix()
        states = self._initial_decoder_state(u)
        previous = ops.zeros(ops.shape(u)[:1], "int32")  # y_0: the start token
        if answer is not None:
            answer, _ = self._word_ids(answer, "answer")
        logits = []
        for t in range(self.answer_length):
            inputs = ops.take(self.decoder_embedding, previous, axis=0)
            h, states = self.decoder_cell(inputs, states)
            step_logits = ops.matmul(h, answer_matrix)
            logits.append(step_logits)
            if answer is not None:
                previous = answer[:, t]
            else:
                previous = ops.cast(ops.argmax(step_logits, axis=-1), "int32")
        return ops.stack(logits, axis=1)

    def call(self, inputs, training=False):
        # The ranks again: after build, a wrong rank would fail in an Einsum.
        self._check_input_shapes(
            [tuple(x.shape) for x in inputs] if isinstance(inputs, (list, tuple)) else inputs
        )
        story, question = inputs[0], inputs[1]
        answer = inputs[2] if len(inputs) > 2 else None
        u, attention = self.encode(story, question, training)
        logits = self.respond(u, answer)
        if self.return_attention:
            return [logits, attention]
        return logits

    def compute_output_shape(self, input_shape):
        story_shape, _ = self._check_input_shapes(input_shape)
        logits = (story_shape[0], self.answer_length, self.vocab_size)
        if self.return_attention:
            return [logits, (story_shape[0], self.hops, story_shape[1])]
        return logits

    def get_config(self):
        base_config = super().get_config()
        config = {
            "answer_length": self.answer_length,
            "response_cell": self.response_cell,
        }
        return {**base_config, **config}


__all__ = ["MemoryNetworkResponse"]
