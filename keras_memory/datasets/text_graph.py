"""In-graph character tokenisation for serving (TensorFlow only).

`CharacterTokenizer` is a `tf.Module` that encodes a batch of strings to
padded ids and decodes ids back to strings with TensorFlow ops only
(`tf.strings.unicode_split`, a `tf.lookup.StaticHashTable`, `tf.gather`,
`tf.strings.reduce_join`), so that a SavedModel can take and return strings
(its lookup table is saved with it). It follows the rules of
`keras_memory.datasets.text.CharacterVocabulary` exactly (tested on
accented characters): the same ids for the same strings, the same
truncation and the same decoded strings. It runs in `tf.function` graphs;
it is not for XLA (string ops have no XLA kernels): keep it outside the
jit-compiled part of a model.

Importing this module imports TensorFlow; `keras_memory.datasets.text`
does not.
"""

import tensorflow as tf

from keras_memory import validation
from keras_memory.datasets import text


class CharacterTokenizer(tf.Module):
    """Encodes and decodes strings in the graph, as `CharacterVocabulary` does.

    Args:
        vocabulary: A `keras_memory.datasets.text.CharacterVocabulary`.
        name: The module's name. Default: `"character_tokenizer"`.

    Example:

    >>> from keras_memory.datasets.text import CharacterVocabulary
    >>> tokenizer = CharacterTokenizer(CharacterVocabulary.from_strings(["août"]))
    >>> ids, lengths = tokenizer.encode(tf.constant(["août", "aoûx"]), 6)
    >>> ids.numpy().tolist(), lengths.numpy().tolist()
    ([[4, 5, 7, 6, 2, 0], [4, 5, 7, 3, 2, 0]], [5, 5])
    >>> [s.decode("utf-8") for s in tokenizer.decode(ids).numpy()]
    ['août', 'aoû\\ufffd']
    """

    def __init__(self, vocabulary, name="character_tokenizer"):
        super().__init__(name=name)
        if not isinstance(vocabulary, text.CharacterVocabulary):
            raise validation.invalid_argument(
                "vocabulary", "a `CharacterVocabulary`", vocabulary
            )
        self.vocabulary = vocabulary
        characters = list(vocabulary.characters)
        if characters:
            initializer = tf.lookup.KeyValueTensorInitializer(
                tf.constant(characters, tf.string),
                tf.range(text.NUM_SPECIAL_IDS, vocabulary.size, dtype=tf.int64),
            )
        else:  # A table needs one key: a string that no code point splits to.
            initializer = tf.lookup.KeyValueTensorInitializer(
                tf.constant([""], tf.string), tf.constant([text.UNKNOWN_ID], tf.int64)
            )
        self._table = tf.lookup.StaticHashTable(initializer, text.UNKNOWN_ID)
        self._strings = tf.constant(["", "", "", vocabulary.unknown_text, *characters])

    def encode(self, strings, max_length, add_start=False, add_end=True):
        """Encodes a batch of strings `(N,)` to `(ids, lengths)` int32.

        Args and returns as in `CharacterVocabulary.encode`; `max_length` is a
        Python integer (the static row length).
        """
        max_length = validation.check_positive_int("max_length", max_length)
        room = max_length - int(add_start) - int(add_end)
        if room < 0:
            raise validation.invalid_argument(
                "max_length",
                f"an integer >= {int(add_start) + int(add_end)} (room for the start "
                "and end ids)",
                max_length,
            )
        strings = tf.convert_to_tensor(strings, tf.string)
        characters = tf.strings.unicode_split(strings, "UTF-8")[:, :room]
        ids = tf.cast(self._table.lookup(characters), tf.int32)
        batch = tf.shape(strings)[:1]
        pieces = [ids]
        if add_start:
            pieces.insert(0, tf.RaggedTensor.from_tensor(
                tf.fill(tf.concat([batch, [1]], 0), text.START_ID)
            ))
        if add_end:
            pieces.append(tf.RaggedTensor.from_tensor(
                tf.fill(tf.concat([batch, [1]], 0), text.END_ID)
            ))
        ids = tf.concat(pieces, axis=1) if len(pieces) > 1 else ids
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        ids = ids.to_tensor(default_value=text.PAD_ID, shape=[None, max_length])
        return ids, lengths

    def decode(self, ids):
        """Decodes int ids `(N, L)` to strings `(N,)`, up to each first end id."""
        ids = tf.cast(tf.convert_to_tensor(ids), tf.int32)
        before_end = tf.equal(tf.cumsum(tf.cast(tf.equal(ids, text.END_ID), tf.int32), 1), 0)
        pieces = tf.gather(self._strings, ids)
        pieces = tf.where(before_end, pieces, "")
        return tf.strings.reduce_join(pieces, axis=1)
