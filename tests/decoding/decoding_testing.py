"""Small "models" for the decoding tests (imported as `decoding_testing`).

- `table_next_fn(table)`: the next token's log-probabilities are a fixed row
  of `table` chosen by the previous token (or, for a 3-D table, by the step
  and the previous token), so that every search can be followed by hand.
- `AttentionGRU`: a small random GRU decoder attending over a random memory,
  with input feeding; its state is a nest (cell state, attentional vector,
  memory, mask), as the encoder-decoder's.
"""

import keras
import numpy as np
from keras import ops


def log_table(probabilities):
    """`log` of a table of probabilities, rows renormalised, as float32."""
    table = np.asarray(probabilities, dtype="float64")
    table = table / table.sum(axis=-1, keepdims=True)
    return np.log(table).astype("float32")


def table_next_fn(table, attention=None):
    """A next function over `table[previous]` (2-D) or `table[index, previous]`.

    `attention`, if given, is a table of the same leading axes whose rows are
    returned as the step's attention weights.
    """
    table = np.asarray(table, "float32")

    def next_fn(tokens, state, index):
        if table.ndim == 3:
            rows = ops.take(ops.convert_to_tensor(table), index, axis=0)
        else:
            rows = ops.convert_to_tensor(table)
        log_probs = ops.take(rows, tokens, axis=0)
        weights = None
        if attention is not None:
            weights = ops.take(ops.convert_to_tensor(attention, "float32"), tokens, axis=0)
        return log_probs, state, weights

    return next_fn


class AttentionGRU:
    """A random GRU decoder with dot-product attention and input feeding."""

    def __init__(self, vocabulary_size=7, units=8, embedding=4, seed=0, end_id=2, end_bias=1.0):
        if seed is not None:  # None: weights set afterwards (and no TF import on JAX)
            keras.utils.set_random_seed(seed)
        self.vocabulary_size = vocabulary_size
        self.units = units
        self.embedding = keras.layers.Embedding(vocabulary_size, embedding)
        self.cell = keras.layers.GRUCell(units)
        self.output = keras.layers.Dense(vocabulary_size)
        self.embedding.build((None,))
        self.cell.build((None, embedding + units))
        self.output.build((None, 2 * units))
        # Larger logits make the distributions peaked, as a trained model's.
        self.output.kernel.assign(self.output.kernel * 4.0)
        # ... and the end token likely enough that some outputs end early.
        self.output.bias.assign(np.eye(vocabulary_size)[end_id].astype("float32") * end_bias)

    def initial_state(self, batch_size, source_length=5, seed=1):
        rng = np.random.default_rng(seed)
        memory = rng.normal(size=(batch_size, source_length, self.units)).astype("float32")
        lengths = rng.integers(2, source_length + 1, size=batch_size)
        mask = np.arange(source_length)[None, :] < lengths[:, None]
        return {
            "h": rng.normal(size=(batch_size, self.units)).astype("float32"),
            "feed": np.zeros((batch_size, self.units), "float32"),
            "memory": memory,
            "mask": mask,
        }

    def next_fn(self, tokens, state, index):
        del index
        inputs = ops.concatenate([self.embedding(tokens), state["feed"]], axis=-1)
        h, _ = self.cell(inputs, [state["h"]])
        scores = ops.einsum("bsd,bd->bs", state["memory"], h)
        scores = ops.where(state["mask"], scores, -1e9)
        attention = ops.softmax(scores, axis=-1)
        context = ops.einsum("bs,bsd->bd", attention, state["memory"])
        attentional = ops.concatenate([h, context], axis=-1)
        logits = self.output(attentional)
        new_state = dict(state, h=h, feed=context)
        return logits, new_state, attention
