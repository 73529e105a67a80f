"""Character-level text for sequence-to-sequence tasks.

`CharacterVocabulary` maps strings to int32 id arrays and back, in NumPy; it
serves the date-normalisation and digit tasks of `keras_memory.datasets` and
the encoder-decoder applications. One vocabulary is built from the union of
the task's alphabets, so that one encoder and one decoder serve every
source language.

Rules (the same in the in-graph `keras_memory.datasets.text_graph`):

- ids `0` padding, `1` start, `2` end, `3` unknown; the characters follow
  from id `4`, in the order given (sorted by code point when built with
  `from_strings`);
- a string is split into Unicode code points (no normalisation: a
  decomposed "e" + combining accent is two characters, the second one
  unknown unless it is in the vocabulary);
- a character not in the vocabulary gets the unknown id (`3`);
- `encode(strings, max_length)` writes the characters, then the end id,
  then padding: a string of more than `max_length - 1` characters is
  truncated to its first `max_length - 1` characters (the end id is always
  written), and the empty string encodes to the end id alone;
- `decode(ids)` reads each row up to its first end id (excluded); padding
  and start ids are skipped, the unknown id reads as `unknown_text`
  (U+FFFD by default).
"""

import json

import numpy as np

from keras_memory import validation

PAD_ID = 0
START_ID = 1
END_ID = 2
UNKNOWN_ID = 3
NUM_SPECIAL_IDS = 4
# What `decode` writes for the unknown id: the Unicode replacement character.
UNKNOWN_TEXT = "\ufffd"


def _check_strings(name, strings):
    """`strings` as a list of `str` (bytes are decoded as UTF-8)."""
    if isinstance(strings, (str, bytes)) or not hasattr(strings, "__iter__"):
        raise validation.invalid_argument(name, "a list of strings", strings)
    result = []
    for string in strings:
        if isinstance(string, (bytes, np.bytes_)):
            string = bytes(string).decode("utf-8")
        if not isinstance(string, str):
            raise validation.invalid_argument(name, "a list of strings", strings)
        result.append(str(string))
    return result


class CharacterVocabulary:
    """A character vocabulary with padding, start, end and unknown ids.

    Ids: `0` padding, `1` start, `2` end, `3` unknown, then one id per
    character from `4` (the rules are in `keras_memory.datasets.text`).

    Args:
        characters: The characters, each a string of one Unicode code point,
            without repeats, in id order (ids `4, 5, ...`).
        unknown_text: What `decode` writes for the unknown id. Default:
            `"\\ufffd"` (the replacement character).

    Example:

    >>> vocabulary = CharacterVocabulary.from_strings(["mai", "Mär"])
    >>> vocabulary.characters
    ('M', 'a', 'i', 'm', 'r', 'ä')
    >>> ids, lengths = vocabulary.encode(["mai", "", "Mäx"], max_length=4)
    >>> ids.tolist(), lengths.tolist()
    ([[7, 5, 6, 2], [2, 0, 0, 0], [4, 9, 3, 2]], [4, 1, 4])
    >>> vocabulary.decode(ids)
    ['mai', '', 'Mä\\ufffd']
    """

    def __init__(self, characters, unknown_text=UNKNOWN_TEXT):
        characters = _check_strings("characters", characters)
        if any(len(c) != 1 for c in characters) or len(set(characters)) != len(characters):
            raise validation.invalid_argument(
                "characters", "distinct strings of one character each", characters
            )
        if not isinstance(unknown_text, str):
            raise validation.invalid_argument("unknown_text", "a string", unknown_text)
        self.characters = tuple(characters)
        self.unknown_text = unknown_text
        self._ids = {c: i + NUM_SPECIAL_IDS for i, c in enumerate(self.characters)}

    @classmethod
    def from_strings(cls, strings, unknown_text=UNKNOWN_TEXT):
        """The vocabulary of every character of `strings`, sorted by code point."""
        characters = sorted(set("".join(_check_strings("strings", strings))))
        return cls(characters, unknown_text=unknown_text)

    @property
    def size(self):
        """The number of ids, special ids included (the embedding's input dim)."""
        return NUM_SPECIAL_IDS + len(self.characters)

    def __len__(self):
        return self.size

    def id_of(self, character):
        """The id of one character (`UNKNOWN_ID` if it is not in the vocabulary)."""
        return self._ids.get(character, UNKNOWN_ID)

    def encode(self, strings, max_length, add_start=False, add_end=True):
        """Encodes strings as padded id rows.

        Args:
            strings: A list of strings (or UTF-8 bytes).
            max_length: Positive integer, the row length `L`. A string
                longer than room allows is truncated to its first characters
                (`L - 1` with the end id, `L - 2` with start and end).
            add_start: Whether each row begins with the start id (a decoder
                input under teacher forcing). Default: `False`.
            add_end: Whether the end id follows the characters. Default:
                `True`.

        Returns:
            `(ids, lengths)`: int32 `(len(strings), L)` and `(len(strings),)`,
            `lengths` counting the start and end ids written.
        """
        strings = _check_strings("strings", strings)
        max_length = validation.check_positive_int("max_length", max_length)
        add_start = validation.check_bool("add_start", add_start)
        add_end = validation.check_bool("add_end", add_end)
        room = max_length - int(add_start) - int(add_end)
        if room < 0:
            raise validation.invalid_argument(
                "max_length",
                f"an integer >= {int(add_start) + int(add_end)} (room for the start "
                "and end ids)",
                max_length,
            )
        ids = np.full((len(strings), max_length), PAD_ID, "int32")
        lengths = np.zeros((len(strings),), "int32")
        for row, string in enumerate(strings):
            tokens = [self.id_of(c) for c in string[:room]]
            if add_start:
                tokens.insert(0, START_ID)
            if add_end:
                tokens.append(END_ID)
            ids[row, : len(tokens)] = tokens
            lengths[row] = len(tokens)
        return ids, lengths

    def decode(self, ids):
        """Decodes id rows `(N, L)` (or one row `(L,)`) to strings.

        Each row is read up to its first end id; padding and start ids are
        skipped and the unknown id reads as `unknown_text`. Ids outside
        `[0, size)` raise a ValueError.
        """
        ids = np.asarray(ids)
        if ids.ndim not in (1, 2) or not (
            np.issubdtype(ids.dtype, np.integer) or ids.size == 0
        ):
            raise validation.invalid_argument(
                "ids", "an integer array of rank 1 or 2", ids
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.size):
            raise validation.invalid_argument(
                "ids", f"ids in [0, {self.size})", ids
            )
        single = ids.ndim == 1
        rows = ids[None] if single else ids
        table = ["", "", "", self.unknown_text, *self.characters]
        strings = []
        for row in rows.tolist():
            if END_ID in row:
                row = row[: row.index(END_ID)]
            strings.append("".join(table[i] for i in row))
        return strings[0] if single else strings

    def get_config(self):
        return {"characters": list(self.characters), "unknown_text": self.unknown_text}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def to_json(self):
        """The vocabulary as a JSON string (`from_json` reads it back)."""
        return json.dumps(self.get_config(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text):
        return cls.from_config(json.loads(text))

    def save(self, path):
        """Writes the vocabulary to a UTF-8 JSON file."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.to_json())

    @classmethod
    def load(cls, path):
        """Reads a vocabulary written by `save`."""
        with open(path, encoding="utf-8") as file:
            return cls.from_json(file.read())

    def __eq__(self, other):
        return isinstance(other, CharacterVocabulary) and (
            self.get_config() == other.get_config()
        )

    def __hash__(self):
        return hash((self.characters, self.unknown_text))

    def __repr__(self):
        return f"CharacterVocabulary(size={self.size})"


# === Teacher forcing and tf.data ===

# Default bucket lengths (ids, start and end ids included): multiples of 8
# up to 64. Every new padded length is a new XLA compile (seconds each), so
# a batch is padded up to a bucket length, not to its own longest string: a
# training run compiles once per (source bucket, target bucket) pair used.
DEFAULT_BUCKETS = (8, 16, 24, 32, 48, 64)


def _check_buckets(name, buckets):
    buckets = validation.check_positive_int_list(name, buckets)
    if list(buckets) != sorted(set(buckets)):
        raise validation.invalid_argument(
            name, "a non-empty, increasing list of positive integers", buckets
        )
    if buckets[0] < 2:
        raise validation.invalid_argument(
            name, "lengths >= 2 (room for a character and the end id)", buckets
        )
    return buckets


def _bucket_of(length, buckets):
    """The smallest bucket >= `length`, else the largest (the row is truncated)."""
    for bucket in buckets:
        if length <= bucket:
            return bucket
    return buckets[-1]


def teacher_forcing_arrays(sources, targets, vocabulary, source_length, target_length):
    """Encodes pairs for teacher forcing, padded to fixed lengths.

    - `source_ids`: the source characters and the end id, `(N, source_length)`;
    - `decoder_input_ids`: the start id and the target characters,
      `(N, target_length)`;
    - `target_ids`: the target characters and the end id,
      `(N, target_length)`: the decoder input shifted by one step.

    Longer strings are truncated as in `CharacterVocabulary.encode` (the
    end id is kept).

    Returns:
        `((source_ids, decoder_input_ids), target_ids)`, int32 arrays.

    Example:

    >>> vocabulary = CharacterVocabulary(list("0123456789"))
    >>> (source, decoder_input), target = teacher_forcing_arrays(
    ...     ["123"], ["321"], vocabulary, 5, 5)
    >>> source.tolist(), decoder_input.tolist(), target.tolist()
    ([[5, 6, 7, 2, 0]], [[1, 7, 6, 5, 0]], [[7, 6, 5, 2, 0]])
    """
    if not isinstance(vocabulary, CharacterVocabulary):
        raise validation.invalid_argument("vocabulary", "a `CharacterVocabulary`", vocabulary)
    sources = _check_strings("sources", sources)
    targets = _check_strings("targets", targets)
    if len(sources) != len(targets):
        raise validation.invalid_argument(
            "targets", f"as many strings as `sources` ({len(sources)})", len(targets)
        )
    source_ids, _ = vocabulary.encode(sources, source_length)
    target_length = validation.check_int_at_least("target_length", target_length, 2)
    # Both decoder rows hold len(target) + 1 ids: truncate them alike.
    decoder_input_ids, _ = vocabulary.encode(targets, target_length, True, False)
    target_ids, _ = vocabulary.encode(
        [t[: target_length - 1] for t in targets], target_length
    )
    return (source_ids, decoder_input_ids), target_ids


def seq2seq_dataset(
    sources,
    targets,
    vocabulary,
    batch_size,
    source_buckets=DEFAULT_BUCKETS,
    target_buckets=DEFAULT_BUCKETS,
    shuffle=True,
    seed=0,
    drop_remainder=False,
    start=0,
    repeat=False,
):
    """A bucketed teacher-forcing `tf.data.Dataset` of string pairs.

    Each pair goes to the bucket pair `(S, T)`: `S` the smallest of
    `source_buckets` that holds its source ids (characters + end), `T` the
    smallest of `target_buckets` that holds `len(target) + 1`; a string too
    long for the largest bucket is truncated to it. A batch holds one bucket
    pair only, encoded as in `teacher_forcing_arrays`, so that the dataset
    has one shape per bucket pair used (one XLA compile each; with a
    partial last batch per bucket pair unless `drop_remainder`). For the
    dates, `source_buckets=(32,)` and `target_buckets=(11,)` give a single
    shape (sources are at most 30 characters, targets 10).

    One pass over the data is one iteration of the dataset; with `shuffle`,
    pass `e` (counted from 0) orders examples within their bucket and the
    batches with the seed `(seed, e)`: repeatable and reshuffled at every
    epoch (`dataset.repeat()` or several epochs of `fit`).

    With `start`, the first pass begins at batch `start` of the stream of
    passes: pass `start // P` (`P` batches a pass), from its batch
    `start % P`, so that a run resumed from a backup at epoch `e` starts at
    `e * P`. With `repeat=True` the dataset is endless, pass after pass, and
    every iterator of it yields the same stream from `start` (the one that
    `.repeat()` yields on its first iteration): use it for `fit` with
    `steps_per_epoch`. Under a `tf.distribute` strategy Keras 3.15 reads a
    batch from an iterator that it drops before training
    (`_maybe_symbolic_build`); a one-pass dataset counts that iterator as
    a pass, and training would begin at pass 1, with other shuffles than
    on one device.

    Args:
        sources, targets: Lists of strings of the same length.
        vocabulary: A `CharacterVocabulary`.
        batch_size: Positive integer.
        source_buckets, target_buckets: Increasing lists of lengths >= 2.
            Default: `(8, 16, 24, 32, 48, 64)`.
        shuffle: Whether to shuffle. Default: `True`; otherwise batches
            follow the buckets in increasing order, examples in data order.
        seed: Non-negative integer. Default: `0`.
        drop_remainder: Whether to drop each bucket pair's partial batch
            (fixed batch size). Default: `False`.
        start: Non-negative integer, the first batch of the stream of
            passes. Default: `0`.
        repeat: Whether the dataset is endless. Default: `False`.

    Returns:
        A `tf.data.Dataset` of `((source_ids, decoder_input_ids),
        target_ids)`, int32 `(B, S)`, `(B, T)`, `(B, T)`; endless with
        `repeat` (its cardinality `tf.data.INFINITE_CARDINALITY`).
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    source_buckets = _check_buckets("source_buckets", source_buckets)
    target_buckets = _check_buckets("target_buckets", target_buckets)
    shuffle = validation.check_bool("shuffle", shuffle)
    seed = validation.check_seed(seed)
    drop_remainder = validation.check_bool("drop_remainder", drop_remainder)
    start = validation.check_int_at_least("start", start, 0)
    repeat = validation.check_bool("repeat", repeat)
    if not isinstance(vocabulary, CharacterVocabulary):
        raise validation.invalid_argument("vocabulary", "a `CharacterVocabulary`", vocabulary)
    sources = _check_strings("sources", sources)
    targets = _check_strings("targets", targets)
    if len(sources) != len(targets):
        raise validation.invalid_argument(
            "targets", f"as many strings as `sources` ({len(sources)})", len(targets)
        )

    groups = {}
    for index, (source, target) in enumerate(zip(sources, targets)):
        key = (
            _bucket_of(len(source) + 1, source_buckets),
            _bucket_of(len(target) + 1, target_buckets),
        )
        groups.setdefault(key, []).append(index)
    encoded = {}
    for key, indices in sorted(groups.items()):
        encoded[key] = teacher_forcing_arrays(
            [sources[i] for i in indices], [targets[i] for i in indices], vocabulary, *key
        )
    # Every pass has the same number of batches; pass `e` is drawn from the
    # seed `(seed, e)` alone, so a pass is skipped without drawing it.
    batches_per_pass = sum(
        len(target_ids) // batch_size if drop_remainder else -(-len(target_ids) // batch_size)
        for _, target_ids in encoded.values()
    )
    if repeat and not batches_per_pass:
        raise validation.invalid_argument(
            "repeat",
            f"False when a pass has no batch ({len(sources)} pairs, batch_size "
            f"{batch_size}, drop_remainder=True)",
            repeat,
        )
    first = divmod(start, batches_per_pass) if batches_per_pass else (0, 0)
    next_pass = [first[0]]  # without `repeat`: the pass the next iteration yields

    def one_pass(index):
        rng = np.random.default_rng((seed, index))
        plan = []
        for key, ((source_ids, decoder_input_ids), target_ids) in encoded.items():
            count = len(target_ids)
            order = rng.permutation(count) if shuffle else np.arange(count)
            stop = count - count % batch_size if drop_remainder else count
            for begin in range(0, stop, batch_size):
                plan.append((key, order[begin : begin + batch_size]))
        if shuffle:
            plan = [plan[i] for i in rng.permutation(len(plan))]
        return plan

    def batch(key, rows):
        (source_ids, decoder_input_ids), target_ids = encoded[key]
        return (source_ids[rows], decoder_input_ids[rows]), target_ids[rows]

    def batches():
        if repeat:  # every iterator: the whole stream from `start`
            index, skip = first
            while True:
                for key, rows in one_pass(index)[skip:]:
                    yield batch(key, rows)
                index, skip = index + 1, 0
        else:  # one pass an iteration; only the first skips
            index = next_pass[0]
            skip = first[1] if index == first[0] else 0
            next_pass[0] += 1
            for key, rows in one_pass(index)[skip:]:
                yield batch(key, rows)

    batch_dim = batch_size if drop_remainder else None
    single = len(encoded) == 1
    source_dim, target_dim = next(iter(encoded)) if single else (None, None)
    dataset = tf.data.Dataset.from_generator(
        batches,
        output_signature=(
            (
                tf.TensorSpec((batch_dim, source_dim), tf.int32),
                tf.TensorSpec((batch_dim, target_dim), tf.int32),
            ),
            tf.TensorSpec((batch_dim, target_dim), tf.int32),
        ),
    )
    if repeat:
        dataset = dataset.apply(
            tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY)
        )
    return dataset
