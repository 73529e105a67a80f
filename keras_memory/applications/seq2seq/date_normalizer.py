"""`DateNormalizer`: written dates in, ISO 8601 dates out.

The application around the attention encoder-decoder trained on
`keras_memory.datasets.dates` (English, French and German dates in eleven
formats, one shared encoder and decoder for the three languages, as the
lecture asks). Text goes in, text comes out; the model, its vocabulary and
the decoding (greedy or beam search, `keras_memory.decoding`) are inside.
"""

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.seq2seq import presets
from keras_memory.applications.seq2seq.model import generate
from keras_memory.applications.seq2seq.training import SOURCE_LENGTH
from keras_memory.applications.seq2seq.training import TARGET_LENGTH
from keras_memory.applications.seq2seq.training import build_date_model
from keras_memory.datasets.dates import date_vocabulary
from keras_memory.datasets.text import CharacterVocabulary
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler

# The most characters of an input that the model reads (the end id fills
# the last of the SOURCE_LENGTH positions); longer inputs are truncated.
MAX_INPUT_CHARACTERS = SOURCE_LENGTH - 1
# What an empty (or all-whitespace) input normalises to, and its score.
EMPTY_OUTPUT = ""
EMPTY_SCORE = 0.0


def _check_inputs(strings):
    """`(list of str, single)`: one string is accepted as a batch of one."""
    if isinstance(strings, bytes):
        strings = strings.decode("utf-8")
    if isinstance(strings, str):
        return [strings], True
    if not hasattr(strings, "__iter__"):
        raise validation.invalid_argument("strings", "a string or a list of strings", strings)
    result = []
    for string in strings:
        if isinstance(string, (bytes, np.bytes_)):
            string = bytes(string).decode("utf-8")
        if not isinstance(string, str):
            raise validation.invalid_argument(
                "strings", "a string or a list of strings", strings
            )
        result.append(str(string))
    return result, False


class DateNormalizer:
    """Normalises written dates ("mardi 4 mai 1999") to ISO 8601 ("1999-05-04").

    A bidirectional GRU encoder reads the characters of the date; a GRU
    decoder with Luong's general attention (`score(h_t, h_j) = h_t^T W_a
    h_j`, `a_t = softmax(score)`, context `c_t = sum_j a_tj h_j`: the
    decoder state is the query that addresses the encoder states by
    content) writes the ISO characters one at a time, greedily or with beam
    search (`keras_memory.decoding.BeamSearch`). One model serves English,
    French and German and every format of `keras_memory.datasets.dates`.

    Inputs are normalised as follows (the same rules as training data):

    - leading and trailing whitespace is stripped;
    - an empty (or all-whitespace) input gives `EMPTY_OUTPUT` (`""`) with
      score `EMPTY_SCORE` (`0.0`), without running the model;
    - a character outside the vocabulary reads as the unknown id (`3`);
    - only the first `MAX_INPUT_CHARACTERS` (31) characters are read: a
      longer input is truncated (the longest generated date has 30).

    Args:
        weights: `"dates"` (the shipped weights, trained by this project:
            see `shipped_metadata()`), `None` (an untrained model of the
            shipped architecture), or the path of a `.weights.h5` file
            written by `keras-memory train dates` (its `vocabulary.json`
            and `metadata.json` beside it give the vocabulary and the
            architecture). Default: `"dates"`.
        beam_width: Positive integer, the beam of `__call__`; `1` is greedy
            decoding. Default: `1`.
        batch_size: Positive integer, the inputs decoded per model call.
            Default: `256`.

    Call arguments:
        strings: A string or a list of strings (UTF-8 bytes accepted).

    Returns:
        `__call__`: the normalised dates, a list of strings (one string for
        one string in). `normalize`: the n-best with scores.

    Example:

    >>> normalizer = DateNormalizer()
    >>> normalizer(["mardi 4 mai 1999", "May 4th, 1999", "04.05.99"])
    ['1999-05-04', '1999-05-04', '1999-05-04']
    >>> best, second = normalizer.normalize("4 mai 1999", beam_width=4, num_return=2)
    >>> best[0], best[1] >= second[1]
    ('1999-05-04', True)

    Reference:
        Luong, Pham and Manning. Effective Approaches to Attention-based
        Neural Machine Translation. EMNLP 2015.
        https://arxiv.org/abs/1508.04025
    """

    def __init__(self, weights="dates", beam_width=1, batch_size=256):
        self.beam_width = validation.check_positive_int("beam_width", beam_width)
        self.batch_size = validation.check_positive_int("batch_size", batch_size)
        path = presets.weights_file(weights)
        vocabulary = None
        architecture = None
        if path is not None:
            vocabulary = presets.vocabulary_beside(path)
            architecture = presets.metadata_beside(path).get("architecture")
        self._vocabulary = date_vocabulary() if vocabulary is None else vocabulary
        self._model = build_date_model(self._vocabulary, architecture)
        if path is not None:
            self._model.load_weights(path)
        self.weights = None if path is None else str(path)
        self._decoders = {}

    @classmethod
    def from_model(cls, model, vocabulary=None, beam_width=1, batch_size=256):
        """A `DateNormalizer` around a trained `AttentionSeq2Seq` model.

        Args:
            model: An `AttentionSeq2Seq` model over `vocabulary`.
            vocabulary: Its `CharacterVocabulary`; default
                `date_vocabulary()`.
        """
        if not isinstance(model, keras.Model):
            raise validation.invalid_argument("model", "a keras.Model", model)
        vocabulary = date_vocabulary() if vocabulary is None else vocabulary
        if not isinstance(vocabulary, CharacterVocabulary):
            raise validation.invalid_argument(
                "vocabulary", "a `CharacterVocabulary`", vocabulary
            )
        normalizer = cls.__new__(cls)
        normalizer.beam_width = validation.check_positive_int("beam_width", beam_width)
        normalizer.batch_size = validation.check_positive_int("batch_size", batch_size)
        normalizer._vocabulary = vocabulary
        normalizer._model = model
        normalizer.weights = None
        normalizer._decoders = {}
        return normalizer

    @property
    def model(self):
        """The `AttentionSeq2Seq` Keras model (teacher-forcing inputs, logits)."""
        return self._model

    @property
    def vocabulary(self):
        """The `CharacterVocabulary` of sources and targets."""
        return self._vocabulary

    def __call__(self, strings):
        strings, single = _check_inputs(strings)
        outputs = self.normalize(strings, beam_width=self.beam_width)
        texts = [best[0][0] for best in outputs]
        return texts[0] if single else texts

    def _decoder(self, beam_width, num_return):
        """A traced `source_ids -> (tokens, scores)` for one search, cached."""
        key = (beam_width, num_return)
        if key not in self._decoders:
            if beam_width == 1:
                sampler = GreedySampler(max_length=TARGET_LENGTH)
            else:
                sampler = BeamSearch(
                    beam_width, num_return=num_return, max_length=TARGET_LENGTH
                )

            def decode(source_ids):
                outputs = generate(self._model, source_ids, sampler)
                return outputs["tokens"], outputs["scores"]

            backend = keras.backend.backend()
            if backend == "tensorflow":
                import tensorflow as tf

                # One trace for every batch: the source length is fixed.
                decode = tf.function(
                    decode,
                    input_signature=[tf.TensorSpec((None, SOURCE_LENGTH), tf.int32)],
                    autograph=False,
                )
            elif backend == "jax":
                import jax

                decode = jax.jit(decode)
            self._decoders[key] = decode
        return self._decoders[key]

    def normalize(self, strings, beam_width=None, num_return=1):
        """The `num_return` best normalisations of each string, with scores.

        Args:
            strings: A string or a list of strings.
            beam_width: Optional positive integer; default the
                normaliser's `beam_width`. `1` is greedy decoding.
            num_return: Positive integer `<= beam_width`, the outputs per
                string, best first. Default: `1`.

        Returns:
            One list per string of `num_return` pairs `(text, score)`,
            best first; the score is the output's log-probability
            `sum_t log p(y_t | y_<t, x)` (the end token included). For one
            string in, that one list.
        """
        beam_width = self.beam_width if beam_width is None else beam_width
        beam_width = validation.check_positive_int("beam_width", beam_width)
        num_return = validation.check_positive_int("num_return", num_return)
        if num_return > beam_width:
            raise validation.invalid_argument(
                "num_return", f"a positive integer <= `beam_width` ({beam_width})", num_return
            )
        strings, single = _check_inputs(strings)
        stripped = [string.strip() for string in strings]
        outputs = [[(EMPTY_OUTPUT, EMPTY_SCORE)] * num_return for _ in stripped]
        rows = [i for i, string in enumerate(stripped) if string]
        if rows:
            source_ids, _ = self._vocabulary.encode([stripped[i] for i in rows], SOURCE_LENGTH)
            decode = self._decoder(beam_width, num_return)
            for start in range(0, len(rows), self.batch_size):
                tokens, scores = decode(source_ids[start : start + self.batch_size])
                tokens = keras.ops.convert_to_numpy(tokens)
                scores = keras.ops.convert_to_numpy(scores).astype("float64")
                for offset, row in enumerate(rows[start : start + self.batch_size]):
                    outputs[row] = [
                        (self._vocabulary.decode(tokens[offset, n]), float(scores[offset, n]))
                        for n in range(num_return)
                    ]
        return outputs[0] if single else outputs

    def __repr__(self):
        return (
            f"DateNormalizer(weights={self.weights!r}, beam_width={self.beam_width}, "
            f"vocabulary_size={self._vocabulary.size})"
        )
