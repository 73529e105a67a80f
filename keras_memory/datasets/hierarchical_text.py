"""Generated text with a known hierarchy: characters, words, sentences.

The HM-RNN paper (Chung, Ahn and Bengio, 2017) shows that the first-layer
boundaries of an HM-LSTM trained as a character-level language model fall
at word boundaries. Real corpora do not say where their latent boundaries
are; this generator does. Sentences follow a small fixed grammar over a
fixed lexicon,

    sentence = DET [ADJ] NOUN VERB DET [ADJ] NOUN [PREP DET [ADJ] NOUN] "."

words are separated by one space, and each sentence ends with a period and
a space. No word is a prefix of another, so the end of every word can be
predicted from its letters alone, before the separator arrives. The text is
deterministic given its seed, and the positions of every word end and
sentence end are returned with it.
"""

import collections

import numpy as np

from keras_memory import validation

DETERMINERS = ("the", "a", "every", "one")
ADJECTIVES = ("red", "small", "old", "quiet", "happy", "green")
NOUNS = ("cat", "dog", "bird", "fish", "tree", "house", "river", "child")
VERBS = ("sees", "likes", "finds", "chases", "hears", "knows")
PREPOSITIONS = ("near", "under", "behind")
LEXICON = DETERMINERS + ADJECTIVES + NOUNS + VERBS + PREPOSITIONS

WORD_SEPARATOR = " "
SENTENCE_END = "."
# Index 0 is the space; the alphabet is fixed, whatever the seed.
ALPHABET = WORD_SEPARATOR + SENTENCE_END + "".join(sorted(set("".join(LEXICON))))

HierarchicalText = collections.namedtuple(
    "HierarchicalText", ["text", "ids", "word_ends", "sentence_ends"]
)
HierarchicalText.__doc__ = """Generated text and its known segmentation.

Attributes:
    text: The text, a `str`.
    ids: `int32` array `(len(text),)`, the characters as indices into
        `ALPHABET`.
    word_ends: `int64` array of the position of the last letter of every
        word, increasing: the steps at which a word segment ends.
    sentence_ends: `int64` array of the position of every sentence's
        period.
"""


def _noun_phrase(rng):
    words = [DETERMINERS[rng.integers(len(DETERMINERS))]]
    if rng.random() < 0.5:
        words.append(ADJECTIVES[rng.integers(len(ADJECTIVES))])
    words.append(NOUNS[rng.integers(len(NOUNS))])
    return words


def _sentence(rng):
    words = _noun_phrase(rng)
    words.append(VERBS[rng.integers(len(VERBS))])
    words += _noun_phrase(rng)
    if rng.random() < 0.3:
        words.append(PREPOSITIONS[rng.integers(len(PREPOSITIONS))])
        words += _noun_phrase(rng)
    return words


def hierarchical_text(num_sentences=200, seed=0):
    """Generated sentences with known word and sentence boundaries.

    Args:
        num_sentences: Positive integer, number of sentences. Sentences
            have 5 to 11 words, about 36 characters on average.
            Default: `200`.
        seed: Non-negative integer, the seed of the word choices.
            Default: `0`.

    Returns:
        A `HierarchicalText` `(text, ids, word_ends, sentence_ends)`.

    Example:

    >>> from keras_memory.datasets.hierarchical_text import hierarchical_text
    >>> data = hierarchical_text(num_sentences=1, seed=0)
    >>> data.text
    'one quiet bird sees the cat. '
    >>> data.word_ends.tolist(), data.sentence_ends.tolist()
    ([2, 8, 13, 18, 22, 26], [27])
    """
    num_sentences = validation.check_positive_int("num_sentences", num_sentences)
    rng = np.random.default_rng(validation.check_seed(seed))
    pieces, word_ends, sentence_ends = [], [], []
    position = 0
    for _ in range(num_sentences):
        words = _sentence(rng)
        for index, word in enumerate(words):
            pieces.append(word)
            position += len(word)
            word_ends.append(position - 1)
            last = index == len(words) - 1
            separator = SENTENCE_END + WORD_SEPARATOR if last else WORD_SEPARATOR
            if last:
                sentence_ends.append(position)
            pieces.append(separator)
            position += len(separator)
    text = "".join(pieces)
    return HierarchicalText(
        text=text,
        ids=encode(text),
        word_ends=np.array(word_ends, "int64"),
        sentence_ends=np.array(sentence_ends, "int64"),
    )


def encode(text):
    """The characters of `text` as indices into `ALPHABET` (`int32`)."""
    index = {char: i for i, char in enumerate(ALPHABET)}
    try:
        return np.array([index[char] for char in text], "int32")
    except KeyError as error:
        raise validation.invalid_argument(
            "text", f"characters of the alphabet {ALPHABET!r}", error.args[0]
        ) from None


def decode(ids):
    """The text of an array of indices into `ALPHABET`."""
    return "".join(ALPHABET[int(i)] for i in np.asarray(ids).reshape(-1))


def language_model_windows(ids, sequence_length):
    """Next-character prediction pairs from non-overlapping windows.

    Window `k` covers `ids[k L : (k + 1) L]` as inputs and the same span
    shifted by one, `ids[k L + 1 : (k + 1) L + 1]`, as targets. A tail too
    short for a full window is dropped.

    Args:
        ids: Integer array `(length,)`, e.g. `hierarchical_text().ids`.
        sequence_length: Positive integer `L`, the window length.

    Returns:
        `(inputs, targets)`: `int32` arrays `(num_windows, L)`, where
        `num_windows = (length - 1) // L`.
    """
    sequence_length = validation.check_positive_int(
        "sequence_length", sequence_length
    )
    try:
        ids = np.asarray(ids)
    except (TypeError, ValueError):
        ids = np.asarray(None)
    if ids.dtype.kind not in "iu" or ids.ndim < 1:
        raise validation.invalid_argument("ids", "an array of integer ids", ids)
    ids = ids.astype("int32").reshape(-1)
    num_windows = (ids.shape[0] - 1) // sequence_length
    if num_windows < 1:
        raise validation.invalid_argument(
            "sequence_length",
            f"at most len(ids) - 1 = {ids.shape[0] - 1}",
            sequence_length,
        )
    span = num_windows * sequence_length
    inputs = ids[:span].reshape(num_windows, sequence_length)
    targets = ids[1 : span + 1].reshape(num_windows, sequence_length)
    return inputs, targets


def boundary_scores(predicted, true, tolerance=0):
    """Precision, recall and F1 of predicted boundary positions.

    Each true boundary can be matched by at most one predicted boundary
    no more than `tolerance` steps away (greedily, in order of position,
    nearest first); unmatched predictions are false positives.

    Args:
        predicted: Integer positions, or a 0/1 array over the steps (then
            the positions of its ones).
        true: Integer positions of the true boundaries.
        tolerance: Non-negative integer, the largest distance that still
            counts as a match. Default: `0` (exact positions).

    Returns:
        A dict with `precision`, `recall`, `f1` (floats, 0 when undefined)
        and the counts `matched`, `predicted`, `true`.
    """
    tolerance = validation.check_int_at_least("tolerance", tolerance, 0)
    predicted = np.asarray(predicted)
    if predicted.dtype.kind in "fb":
        predicted = np.flatnonzero(predicted > 0.5)
    predicted = np.sort(predicted.astype("int64").reshape(-1))
    true = np.sort(np.asarray(true, "int64").reshape(-1))
    used = np.zeros(true.shape[0], bool)
    matched = 0
    for position in predicted:
        distance = np.abs(true - position).astype("float64")
        distance[used] = np.inf
        if distance.size and distance.min() <= tolerance:
            used[int(np.argmin(distance))] = True
            matched += 1
    precision = matched / predicted.size if predicted.size else 0.0
    recall = matched / true.size if true.size else 0.0
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision + recall
        else 0.0
    )
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "matched": int(matched),
        "predicted": int(predicted.size),
        "true": int(true.size),
    }
