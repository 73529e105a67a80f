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
