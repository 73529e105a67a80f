"""End-to-End Memory Networks (Sukhbaatar, Szlam, Weston and Fergus, 2015)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import random
from keras_memory.layers._utils.initializers import distinct_initializer
from keras_memory.ops.attention import masked_softmax
from keras_memory.ops.attention import masked_softmax_with_empty_slots
from keras_memory.ops.position_encoding import centered_position_encoding
from keras_memory.ops.position_encoding import position_encoding

WEIGHT_TYINGS = ("adjacent", "layerwise")
ENCODINGS = ("bag_of_words", "position", "centered_position")
NONLINEARITIES = (None, "relu")

def _is_concrete(x):
    """Whether `x` holds values now (eager), not a symbolic/traced tensor."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly() and not isinstance(x, keras.KerasTensor)
    if backend == "jax":
        import jax

        return not isinstance(x, (jax.core.Tracer, keras.KerasTensor))
    return not isinstance(x, keras.KerasTensor)


@keras.saving.register_keras_serializable(package="keras_memory")
class MemoryNetwork(keras.layers.Layer):
    """End-to-end memory network (MemN2N): multi-hop attention over a story.

    Reads a story of `S` sentences and a question, both as word ids, and
    answers with logits over the vocabulary. The parts are the Memory
    Networks components (Weston et al., 2015), each one method:

    ```
    I  embed_input:   sentence -> sum_j l_j * E x_j            (l_j = 1 for
                      bag of words, a position encoding l_kj otherwise)
    G  write_memory:  m_i = sum_j l_j * A x_ij + T_A(i)         memory in
                      c_i = sum_j l_j * C x_ij + T_C(i)         memory out
    O  read_memory:   p_i = softmax_i(u^T m_i)                  attention
                      o   = sum_i p_i c_i
                      u^{k+1} = u^k + o^k  (adjacent)
                      u^{k+1} = H u^k + o^k  (layerwise), then the optional
                      nonlinearity (relu)
    R  respond:       a = W u^{K+1}  (logits; softmax in the loss)
    ```

    with `u^1 = sum_j l_j * B q_j` the embedded question and `k = 1..K` the
    hops. Weight tying (section 2.2):

    - `"adjacent"`: `A^1 = B`, `A^{k+1} = C^k`, `W^T = C^K` (and
      `T_A^{k+1} = T_C^k`). Weights: `K + 1` embeddings `embedding_0..K`,
      `embedding_k = C^k = A^{k+1}`, and `K + 1` temporal matrices
      `temporal_0..K`.
    - `"layerwise"`: `A^1 = .. = A^K`, `C^1 = .. = C^K` (and one `T_A`,
      `T_C`), with the linear map `H` between hops. Weights: `embedding_A`,
      `embedding_B`, `embedding_C`, `temporal_A`, `temporal_C`, `hop_map`
      (`H`, d x d) and `answer_kernel` (`W`, d x V).

    **Temporal encoding.** `T_A` and `T_C` have `memory_size` rows; row 0 is
    the most recent sentence (the last non-padding sentence of the story),
    row 1 the one before, and so on, as in the paper ("sentences are
    indexed in reverse order").

    **Position encoding.** `"position"` is the formula printed in the
    paper, `l_kj = (1 - j / J) - (k / d) (1 - 2 j / J)` with `J` the
    sentence's own length (`keras_memory.ops.position_encoding`).
    `"centered_position"` is the one of the authors' released code, which
    produced the paper's bAbI table: `l_kj = 1 + 4 (k - (d + 1) / 2) (j -
    (J + 1) / 2) / (d J)` with one fixed `J = sentence_size` for every
    sentence (`keras_memory.ops.centered_position_encoding`). On bAbI the
    second solves task 16, basic induction, which the first does not learn
    (docs/results.md).

    **Padding.** Id 0 is padding. Padding words add nothing and count
    neither in `j` nor in a sentence's own `J` of the position encoding; a sentence of
    padding only is an empty slot with exactly zero attention, and it takes
    no temporal row, so adding padding words or sentences anywhere leaves
    the output unchanged. A story with no sentence at all gets zero
    attention everywhere (`o = 0`, no NaN).

    **Truncation.** Only the `memory_size` most recent non-padding
    sentences are kept; older sentences get zero attention (they are
    masked, not sliced off, so the attention keeps the story's shape
    `(batch, hops, S)`).

    **Word ids.** Ids must be integers in `[0, vocab_size)`. When the layer
    is called eagerly, ids outside that range raise a `ValueError`; inside a
    traced function (`fit`, `predict`, `jit_compile=True`, a SavedModel)
    values cannot be checked, and an out-of-range id is treated as padding,
    on every backend.

    **Training aids** (section 4.2):

    - Linear start: `linear_start=True` removes the softmax of every hop
      (`p_i = u^T m_i` on the kept sentences); `layer.linear_start` is a
      non-trainable variable read at call time, so
      `keras_memory.callbacks.LinearStart` puts the softmax back when the
      validation loss stops decreasing without retracing anything.
    - Random noise: `random_noise=0.1` inserts about 10% empty memories into
      every story during training: after each sentence an empty memory
      follows with probability `random_noise`, which shifts the temporal
      rows of all older sentences by one (the empty memories themselves take
      no slot). Inference is unaffected. Drawn with a `SeedGenerator`, so
      it compiles under XLA and repeats with `seed`.
    - The paper's training procedure (SGD, gradients clipped to norm 40,
      the halving learning rate, linear start):
      `keras_memory.applications.memn2n_babi.training`.

    All weights are initialised from a normal distribution with standard
    deviation 0.1, as in the paper.

    Args:
        vocab_size: Positive integer `V`, including the padding id 0.
        embedding_dim: Positive integer `d`.
        hops: Positive integer `K`, the number of memory hops. Default: `3`.
        memory_size: Positive integer, the number of most recent sentences
            kept (and the rows of `T_A`, `T_C`). Default: `50`.
        weight_tying: `"adjacent"` or `"layerwise"`. Default: `"adjacent"`.
        encoding: `"position"`, `"centered_position"` or `"bag_of_words"`.
            Default: `"position"`.
        sentence_size: Positive integer `J` of `"centered_position"`
            (required there, ignored otherwise): the authors' code uses the
            longest sentence of the data plus one. Default: `None`.
        temporal_encoding: Boolean, add `T_A(i)`, `T_C(i)` to the memories.
            Default: `True`.
        nonlinearity: `None` or `"relu"`, applied to `u` after each hop.
            Default: `None`.
        linear_start: Boolean, the initial value of the `linear_start`
            variable (`True`: no softmax). Default: `False`.
        random_noise: Float in `[0, 1)`, the probability of an empty memory
            after each sentence in training; needs `temporal_encoding`.
            The paper uses `0.1`. Default: `0.0`.
        return_attention: Boolean, also return the attention of every hop.
            Default: `False`.
        attend_empty_slots: Boolean; the softmax of every hop also runs
            over the `memory_size - n` slots that a story of `n` kept
            sentences leaves empty: zero vectors of score 0, which read
            nothing but take their share of the attention, as in the
            authors' code, whose memory always has `memory_size` rows. A
            hop can then attend to nothing, and the attention over the
            sentences sums to less than 1. Padding still changes nothing
            (the count is of kept sentences). Default: `False`.
        embeddings_initializer: Initializer of the embeddings and temporal
            matrices. Default: `RandomNormal(stddev=0.1)`.
        kernel_initializer: Initializer of `H` and `W` (layerwise tying).
            Default: `RandomNormal(stddev=0.1)`.
        seed: Optional integer seed of the random noise. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A list `[story, question]`: `story` of integer ids
            `(batch, S, W)` (`S` sentences of up to `W` words) and
            `question` of integer ids `(batch, W_q)`.
        training: Python boolean; random noise is added only in training.

    Returns:
        The answer logits `(batch, vocab_size)`; with `return_attention=True`
        a list `[logits, attention]`, with `attention` of shape
        `(batch, hops, S)`: the `p_i` of every hop, zero on padding and
        truncated sentences.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers.memory_network import MemoryNetwork
    >>> story = np.array([[[3, 4, 0], [5, 6, 7], [0, 0, 0]]])  # 3 sentences
    >>> question = np.array([[8, 4, 0]])
    >>> network = MemoryNetwork(vocab_size=10, embedding_dim=8, hops=2,
    ...                         return_attention=True)
    >>> logits, attention = network([story, question])
    >>> tuple(logits.shape), tuple(attention.shape)
    ((1, 10), (1, 2, 3))
    >>> float(attention[0, 0, 2])  # the padding sentence
    0.0

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895
        Weston, Chopra and Bordes. Memory Networks. ICLR 2015.
        https://arxiv.org/abs/1410.3916
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        hops=3,
        memory_size=50,
        weight_tying="adjacent",
        encoding="position",
        sentence_size=None,
        temporal_encoding=True,
        nonlinearity=None,
        linear_start=False,
        random_noise=0.0,
        return_attention=False,
        attend_empty_slots=False,
        embeddings_initializer=None,
        kernel_initializer=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = validation.check_positive_int("vocab_size", vocab_size)
        self.embedding_dim = validation.check_positive_int(
            "embedding_dim", embedding_dim
        )
        self.hops = validation.check_positive_int("hops", hops)
        self.memory_size = validation.check_positive_int("memory_size", memory_size)
        self.weight_tying = validation.check_choice(
            "weight_tying", weight_tying, WEIGHT_TYINGS
        )
        self.encoding = validation.check_choice("encoding", encoding, ENCODINGS)
        self.sentence_size = validation.check_optional_positive_int(
            "sentence_size", sentence_size
        )
        if self.encoding == "centered_position" and self.sentence_size is None:
            raise validation.invalid_argument(
                "sentence_size",
                'a positive integer J with encoding="centered_position" (the '
                "authors' code uses the longest sentence plus one)",
                sentence_size,
            )
        temporal_encoding = validation.check_bool("temporal_encoding", temporal_encoding)
        linear_start = validation.check_bool("linear_start", linear_start)
        return_attention = validation.check_bool("return_attention", return_attention)
        self.temporal_encoding = temporal_encoding
        self.nonlinearity = validation.check_choice(
            "nonlinearity", nonlinearity, NONLINEARITIES
        )
        random_noise = validation.check_fraction("random_noise", random_noise)
        if random_noise > 0 and not temporal_encoding:
            raise validation.invalid_argument(
                "random_noise",
                "0.0 when temporal_encoding=False (the noise shifts the "
                "temporal rows, and there are none)",
                random_noise,
            )
        self.random_noise = random_noise
        self.return_attention = return_attention
        self.attend_empty_slots = validation.check_bool(
            "attend_empty_slots", attend_empty_slots
        )
        self.seed = validation.check_seed(seed, allow_none=True)
        # `None` is the paper's N(0, 0.1^2); tested with `is`, as `0` or `""`
        # must be refused, not replaced by the default.
        if embeddings_initializer is None:
            embeddings_initializer = keras.initializers.RandomNormal(stddev=0.1)
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(stddev=0.1)
        self.embeddings_initializer = validation.get_initializer(
            "embeddings_initializer", embeddings_initializer
        )
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.seed_generator = keras.random.SeedGenerator(seed)

        # A variable, not a Python flag, so that LinearStart can put the
        # softmax back between epochs without retracing the compiled step.
        # Created here so that it exists before the first call.
        self.initial_linear_start = linear_start
        self.linear_start = self.add_weight(
            shape=(),
            name="linear_start",
            initializer=keras.initializers.Constant(float(linear_start)),
            trainable=False,
        )

    # --- Weights ------------------------------------------------------------

    def _initializer(self, initializer):
        # Every weight its own initial values: one initializer object draws
        # the same values at every call (A^k = C^k at the start otherwise).
        return distinct_initializer(initializer, len(self.weights))

    def _embedding(self, name):
        return self.add_weight(
            shape=(self.vocab_size, self.embedding_dim),
            name=name,
            initializer=self._initializer(self.embeddings_initializer),
        )

    def _temporal(self, name):
        return self.add_weight(
            shape=(self.memory_size, self.embedding_dim),
            name=name,
            initializer=self._initializer(self.embeddings_initializer),
        )

    def _check_input_shapes(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2 or (
            not isinstance(input_shape[0], (list, tuple))
        ):
            raise ValueError(
                f"{type(self).__name__} expects a list `[story, question]` "
                f"as `inputs`, got an input of shape {input_shape}."
            )
        story_shape, question_shape = input_shape[0], input_shape[1]
        if len(story_shape) != 3:
            raise ValueError(
                "Received an invalid shape for argument `story`, expected "
                "rank 3 (batch, sentences, words), got shape "
                f"{tuple(story_shape)}."
            )
        if question_shape is None or len(question_shape) != 2:
            raise ValueError(
                "Received an invalid shape for argument `question`, expected "
                "rank 2 (batch, words), got shape "
                f"{None if question_shape is None else tuple(question_shape)}."
            )
        return story_shape, question_shape

    def build(self, input_shape):
        self._check_input_shapes(input_shape)
        if self.weight_tying == "adjacent":
            # embedding_0 = B = A^1; embedding_k = C^k = A^{k+1}; W^T = C^K.
            self.embeddings = [
                self._embedding(f"embedding_{k}") for k in range(self.hops + 1)
            ]
            self.temporal = (
                [self._temporal(f"temporal_{k}") for k in range(self.hops + 1)]
                if self.temporal_encoding
                else None
            )
        else:
            self.embedding_A = self._embedding("embedding_A")
            self.embedding_B = self._embedding("embedding_B")
            self.embedding_C = self._embedding("embedding_C")
            if self.temporal_encoding:
                self.temporal_A = self._temporal("temporal_A")
                self.temporal_C = self._temporal("temporal_C")
            self.hop_map = self.add_weight(  # H
                shape=(self.embedding_dim, self.embedding_dim),
                name="hop_map",
                initializer=self._initializer(self.kernel_initializer),
            )
            self.answer_kernel = self.add_weight(  # W, (d, V)
                shape=(self.embedding_dim, self.vocab_size),
                name="answer_kernel",
                initializer=self._initializer(self.kernel_initializer),
            )

    # --- The paper's symbols under both tyings --------------------------------

    def question_embedding(self):
        """`B`, `(V, d)`."""
        if self.weight_tying == "adjacent":
            return self.embeddings[0]
        return self.embedding_B

    def memory_embeddings(self, hop):
        """`(A^k, C^k, T_A^k, T_C^k)` of hop `k = hop` (1-based).

        The temporal matrices are `None` without temporal encoding.
        """
        if self.weight_tying == "adjacent":
            temporal = self.temporal or [None] * (self.hops + 1)
            return (
                self.embeddings[hop - 1],
                self.embeddings[hop],
                temporal[hop - 1],
                temporal[hop],
            )
        return (
            self.embedding_A,
            self.embedding_C,
            getattr(self, "temporal_A", None),
            getattr(self, "temporal_C", None),
        )

    def answer_matrix(self):
        """`W^T`, `(d, V)`: `C^K` transposed (adjacent) or `answer_kernel`."""
        if self.weight_tying == "adjacent":
            return ops.transpose(self.embeddings[self.hops])
        return self.answer_kernel

    # --- I, G, O, R -----------------------------------------------------------

    def _word_ids(self, ids, name):
        if not keras.backend.is_int_dtype(keras.backend.standardize_dtype(ids.dtype)):
            raise ValueError(
                f"Received an invalid value for argument `{name}`: expected "
                "integer word ids (e.g. `keras.Input(..., dtype=\"int32\")`), "
                f"got dtype {ids.dtype}."
            )
        if _is_concrete(ids):
            values = ops.convert_to_numpy(ids)
            if values.size and (values.min() < 0 or values.max() >= self.vocab_size):
                raise ValueError(
                    f"Received an invalid value for argument `{name}`: word "
                    f"ids must be in [0, vocab_size={self.vocab_size}) (0 is "
                    f"padding), got ids from {values.min()} to {values.max()}."
                )
        ids = ops.cast(ids, "int32")
        # Traced calls cannot raise: an out-of-range id is padding there.
        valid = ops.logical_and(ids > 0, ids < self.vocab_size)
        return ops.where(valid, ids, 0), valid

    def embed_input(self, ids, word_mask, embedding):
        """I, the input feature map: `sum_j l_j * E x_j` of each sentence.

        Args:
            ids: Integer ids `(..., W)`, padding and invalid ids set to 0.
            word_mask: Boolean `(..., W)`, `True` for real words.
            embedding: The embedding matrix `E`, `(V, d)`.

        Returns:
            `(..., d)`; zero for a sentence of padding only.
        """
        embedded = ops.take(embedding, ids, axis=0)  # (..., W, d)
        if self.encoding == "position":
            weights = position_encoding(word_mask, self.embedding_dim, embedded.dtype)
        elif self.encoding == "centered_position":
            weights = centered_position_encoding(
                word_mask, self.embedding_dim, self.sentence_size, embedded.dtype
            )
        else:
            weights = ops.expand_dims(ops.cast(word_mask, embedded.dtype), -1)
        return ops.sum(embedded * weights, axis=-2)

    def sentence_slots(self, sentence_mask, training=False):
        """G's bookkeeping: which sentences are kept, and their temporal rows.

        Args:
            sentence_mask: Boolean `(batch, S)`, `True` for sentences with at
                least one real word.
            training: Python boolean; random noise only in training.

        Returns:
            `(kept, rows)`: `kept`, boolean `(batch, S)`, the non-padding
            sentences among the `memory_size` most recent; `rows`, int32
            `(batch, S)`, the temporal row of each sentence (0 = most
            recent), shifted by the empty memories of random noise in
            training and clipped to `memory_size - 1`.
        """
        real = ops.cast(sentence_mask, "int32")
        # Real sentences after sentence i: its distance from the question.
        age = ops.sum(real, axis=-1, keepdims=True) - ops.cumsum(real, axis=-1)
        kept = ops.logical_and(sentence_mask, age < self.memory_size)
        rows = age
        if training and self.random_noise > 0:
            # An empty memory after sentence j with probability random_noise;
            # sentence i moves back by the empties after itself and every
            # later sentence: sum_{j >= i} e_j.
            # Integer draws, not float uniforms, so that a jit_compile=True
            # step sees the same noise as an uncompiled one (see
            # `keras_memory.layers._utils.random`).
            draws = random.integer_draws(ops.shape(real), self.seed_generator)
            threshold = round(self.random_noise * random.DRAW_RESOLUTION)
            empties = ops.cast(draws < threshold, "int32") * real
            rows = rows + ops.flip(ops.cumsum(ops.flip(empties, -1), -1), -1)
        rows = ops.minimum(rows, self.memory_size - 1)
        return kept, rows

    def write_memory(self, story, training=False):
        """G, the generalization: writes each sentence into its own slot.

        Args:
            story: Integer ids `(batch, S, W)`.
            training: Python boolean (random noise).

        Returns:
            `(memories, kept)`: `memories[k - 1] = (m^k, c^k)`, each
            `(batch, S, d)`, the input and output memories of hop `k`
            (`m_i = I_A(x_i) + T_A(i)`, `c_i = I_C(x_i) + T_C(i)`), and
            `kept`, boolean `(batch, S)`, the slots that may be attended.
        """
        ids, word_mask = self._word_ids(story, "story")
        sentence_mask = ops.any(word_mask, axis=-1)
        kept, rows = self.sentence_slots(sentence_mask, training)

        cache = {}

        def memory(embedding, temporal):
            key = (id(embedding), id(temporal))
            if key not in cache:  # adjacent tying shares A^{k+1} = C^k
                value = self.embed_input(ids, word_mask, embedding)
                if temporal is not None:
                    value = value + ops.take(temporal, rows, axis=0)
                cache[key] = value
            return cache[key]

        memories = []
        for hop in range(1, self.hops + 1):
            A, C, T_A, T_C = self.memory_embeddings(hop)
            memories.append((memory(A, T_A), memory(C, T_C)))
        return memories, kept

    def read_memory(self, u, memory_in, memory_out, kept):
        """O, the output map: one hop's attention `p` and read `o`.

        ```
        p_i = softmax_i(u^T m_i)   (linear start: p_i = u^T m_i)
        o   = sum_i p_i c_i
        ```

        With `attend_empty_slots` the softmax also counts the empty slots
        (`keras_memory.ops.masked_softmax_with_empty_slots`).

        Args:
            u: The controller state `u^k`, `(batch, d)`.
            memory_in: `m`, `(batch, S, d)`.
            memory_out: `c`, `(batch, S, d)`.
            kept: Boolean `(batch, S)`; other slots get `p_i = 0`.

        Returns:
            `(p, o)`: `(batch, S)` and `(batch, d)`.
        """
        scores = ops.einsum("bd,bsd->bs", u, memory_in)
        linear = ops.cast(self.linear_start, scores.dtype)
        if self.attend_empty_slots:
            softmax = masked_softmax_with_empty_slots(scores, kept, self.memory_size)
        else:
            softmax = masked_softmax(scores, kept)
        raw = scores * ops.cast(kept, scores.dtype)
        # `where`, not a blend: 0 * inf would be NaN under float16.
        p = ops.where(linear > 0.5, raw, softmax)
        return p, ops.einsum("bs,bsd->bd", p, memory_out)

    def next_controller_state(self, u, o):
        """`u^{k+1} = u^k + o^k` (adjacent) or `H u^k + o^k`, then relu."""
        if self.weight_tying == "layerwise":
            u = ops.matmul(u, self.hop_map)
        u = u + o
        if self.nonlinearity == "relu":
            u = ops.relu(u)
        return u

    def encode(self, story, question, training=False):
        """I, G and O: the final controller state and the attention.

        Returns:
            `(u, attention)`: `u^{K+1}`, `(batch, d)`, and the attention of
            every hop, `(batch, hops, S)`.
        """
        question_ids, question_mask = self._word_ids(question, "question")
        u = self.embed_input(question_ids, question_mask, self.question_embedding())
        memories, kept = self.write_memory(story, training)
        attention = []
        for memory_in, memory_out in memories:
            p, o = self.read_memory(u, memory_in, memory_out, kept)
            u = self.next_controller_state(u, o)
            attention.append(p)
        return u, ops.stack(attention, axis=1)

    def respond(self, u):
        """R, the response: the answer logits `W u^{K+1}`, `(batch, V)`."""
        return ops.matmul(u, self.answer_matrix())

    def call(self, inputs, training=False):
        # The ranks again: after build, a wrong rank would fail in an Einsum.
        self._check_input_shapes(
            [tuple(x.shape) for x in inputs] if isinstance(inputs, (list, tuple)) else inputs
        )
        story, question = inputs[0], inputs[1]
        u, attention = self.encode(story, question, training)
        logits = self.respond(u)
        if self.return_attention:
            return [logits, attention]
        return logits

    def compute_output_shape(self, input_shape):
        story_shape, _ = self._check_input_shapes(input_shape)
        logits = (story_shape[0], self.vocab_size)
        if self.return_attention:
            return [logits, (story_shape[0], self.hops, story_shape[1])]
        return logits

    def get_config(self):
        base_config = super().get_config()
        config = {
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hops": self.hops,
            "memory_size": self.memory_size,
            "weight_tying": self.weight_tying,
            "encoding": self.encoding,
            "sentence_size": self.sentence_size,
            "temporal_encoding": self.temporal_encoding,
            "nonlinearity": self.nonlinearity,
            "linear_start": self.initial_linear_start,
            "random_noise": self.random_noise,
            "return_attention": self.return_attention,
            "attend_empty_slots": self.attend_empty_slots,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "seed": self.seed,
        }
        return {**base_config, **config}


__all__ = [
    "MemoryNetwork",
    "masked_softmax",
    "position_encoding",
]
