"""Text in, text out: an `AttentionSeq2Seq` model served by TensorFlow Serving.

`export_translator` writes a SavedModel in TF Serving's layout
(`<base_dir>/<name>/<version>/`) whose graph does everything a client would
otherwise have to: split the strings into characters and look them up
(`CharacterTokenizer`), run the encoder, run the decoding loop (beam search,
or greedy at `beam_width=1`) and turn the ids back into strings. Two
signatures:

- `serving_default`: input `text`, string `(B,)`; outputs `translation`,
  string `(B,)`, the best hypothesis, and `score`, float32 `(B,)`, what the
  beam search ranks by (`log P(Y | X) / lp(Y)`, the log-probability itself
  with `length_penalty=0`).
- `n_best`: the same input; outputs `translations`, string `(B, N)`, and
  `scores`, float32 `(B, N)`, the `N = num_return` best hypotheses, best
  first. Row `b`'s first entry is `serving_default`'s answer.

The signatures are traced without XLA (TF Serving's GPU build finds no XLA
compiler at load time; the string ops have no XLA kernels anyway) and on the
CPU, and the input stays a string tensor (keras #19396 lost that with
`TextVectorization` on TF 2.16). The decoding loop is a `tf.while_loop` of
standard ops (no custom op such as tfa's `GatherTree`, which TF Serving
lacked: tensorflow/serving #1893).

Rules of the text (those of `keras_memory.datasets.text`): a character
outside the vocabulary reads as the unknown id (3) and decodes as U+FFFD;
a source longer than `source_length - 1` characters is truncated to its
first `source_length - 1` (the end id is always written); the empty string
is the end id alone and decodes to whatever the model answers to it; an
output that reaches `max_length` tokens without the end token is cut there.

`translate_texts` computes the same answers in this process with NumPy
tokenisation, and `translate_in_fresh_process` asks exports in a new process
in which `keras_memory` cannot be imported. TensorFlow-only.
"""

import json
import os
import pathlib
import tempfile

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.seq2seq import model as model_lib
from keras_memory.datasets import text
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler

SIGNATURE_KEY = "serving_default"
NBEST_SIGNATURE_KEY = "n_best"
INPUT_KEY = "text"
DEFAULT_SOURCE_LENGTH = 64
DEFAULT_MAX_LENGTH = 64


def _check_vocabulary(name, vocabulary, size, what):
    if not isinstance(vocabulary, text.CharacterVocabulary):
        raise validation.invalid_argument(name, "a `CharacterVocabulary`", vocabulary)
    if vocabulary.size != size:
        raise validation.invalid_argument(
            name, f"a vocabulary of {size} ids ({what})", f"{vocabulary.size} ids"
        )
    return vocabulary


def _check_model(model, vocabulary, target_vocabulary):
    """The model's (source, target) vocabularies, checked against its layers."""
    parts = model_lib._layers(model)  # names the argument for a foreign model
    vocabulary = _check_vocabulary(
        "vocabulary",
        vocabulary,
        parts["source_embedding"].input_dim,
        "the model's source embedding",
    )
    if target_vocabulary is None:
        target_vocabulary = vocabulary
    target_vocabulary = _check_vocabulary(
        "target_vocabulary",
        target_vocabulary,
        parts["readout"].units,
        "the model's readout",
    )
    return vocabulary, target_vocabulary


def make_sampler(beam_width=4, num_return=None, max_length=DEFAULT_MAX_LENGTH, length_penalty=0.0):
    """The decoding of a translator: `GreedySampler` at `beam_width=1`, else `BeamSearch`.

    Args:
        beam_width: Positive integer. Default: `4`.
        num_return: Positive integer `<= beam_width`, the size of the n-best
            list. Default: `None`, `beam_width`.
        max_length: Positive integer, the most output tokens (the end token
            included). Default: `64`.
        length_penalty: GNMT's `alpha >= 0` (beam search only). Default: `0`.

    Returns:
        A `keras_memory.decoding` sampler.

    Example:

    >>> type(make_sampler(beam_width=1)).__name__
    'GreedySampler'
    >>> sampler = make_sampler(beam_width=4, num_return=2, max_length=11)
    >>> type(sampler).__name__, sampler.beam_width, sampler.num_return
    ('BeamSearch', 4, 2)
    """
    beam_width = validation.check_positive_int("beam_width", beam_width)
    if num_return is None:
        num_return = beam_width
    if beam_width == 1:
        validation.check_positive_int("num_return", num_return)
        if num_return != 1:
            raise validation.invalid_argument(
                "num_return", "a positive integer <= `beam_width` (1)", num_return
            )
        if validation.check_non_negative_finite("length_penalty", length_penalty):
            raise validation.invalid_argument(
                "length_penalty", "0 for greedy decoding (`beam_width=1`)", length_penalty
            )
        return GreedySampler(max_length=max_length)
    return BeamSearch(
        beam_width=beam_width,
        num_return=num_return,
        length_penalty=length_penalty,
        max_length=max_length,
    )


def _trim(ids, lengths):
    """Drops the columns that only hold padding in every row (at least one kept).

    The encoder masks padding, so this changes no value; it saves the steps
    of a batch of short strings padded to `source_length`.
    """
    return ids[:, : max(1, int(np.max(lengths, initial=1)))]


def translate_texts(
    model,
    vocabulary,
    texts,
    beam_width=4,
    num_return=None,
    source_length=DEFAULT_SOURCE_LENGTH,
    max_length=DEFAULT_MAX_LENGTH,
    length_penalty=0.0,
    target_vocabulary=None,
):
    """Translates strings in this process, as an export of `export_translator` does.

    NumPy tokenisation (`CharacterVocabulary.encode`/`decode`) around
    `generate(model, ids, sampler)`, with the export's rules; the export
    gives the same strings and scores.

    Args:
        model: An `AttentionSeq2Seq` model.
        vocabulary: Its source `CharacterVocabulary`.
        texts: A list of strings.
        beam_width, num_return, max_length, length_penalty: As in
            `make_sampler`.
        source_length: Integer >= 1, the most source ids (characters + the
            end id). Default: `64`.
        target_vocabulary: The target vocabulary; `None` for `vocabulary`.

    Returns:
        `(translations, scores)`: a NumPy array of `str` `(B, N)` and float32
        `(B, N)`, best first.
    """
    vocabulary, target_vocabulary = _check_model(model, vocabulary, target_vocabulary)
    source_length = validation.check_positive_int("source_length", source_length)
    sampler = make_sampler(beam_width, num_return, max_length, length_penalty)
    ids, lengths = vocabulary.encode(texts, source_length)
    outputs = model_lib.generate(model, _trim(ids, lengths), sampler)
    tokens = keras.ops.convert_to_numpy(outputs["tokens"])
    batch, count, steps = tokens.shape
    translations = target_vocabulary.decode(tokens.reshape(batch * count, steps))
    translations = np.array(translations, dtype=str).reshape(batch, count)
    return translations, keras.ops.convert_to_numpy(outputs["scores"]).astype("float32")


def export_translator(
    model,
    vocabulary,
    base_dir,
    name,
    beam_width=4,
    num_return=None,
    source_length=DEFAULT_SOURCE_LENGTH,
    max_length=DEFAULT_MAX_LENGTH,
    length_penalty=0.0,
    target_vocabulary=None,
    version=None,
):
    """Exports an `AttentionSeq2Seq` model that takes and returns strings.

    Writes TF Serving's layout `<base_dir>/<name>/<version>/` (atomically,
    never over an existing version, with `keras_memory.export`'s rules)
    with the signatures `serving_default` (`text` string `(B,)` ->
    `translation` string `(B,)`, `score` float32 `(B,)`) and `n_best`
    (`text` -> `translations` string `(B, N)`, `scores` float32 `(B, N)`);
    see this module's docstring. Tokenisation (`CharacterTokenizer`), the
    beam search (greedy at `beam_width=1`) and detokenisation are in the
    served graph, which is not XLA-compiled. A REST client sends

        {"instances": ["Tuesday 3 May 1999", "mardi 3 mai 1999"]}

    to `/v1/models/<name>:predict` and gets
    `{"predictions": [{"translation": "1999-05-03", "score": -0.01}, ...]}`
    (add `"signature_name": "n_best"` for the n-best lists).

    Args:
        model: An `AttentionSeq2Seq` model (any weights).
        vocabulary: Its source `CharacterVocabulary` (of the size of its
            source embedding).
        base_dir: The serving base directory.
        name: The model name (TF Serving's `--model_name`).
        beam_width: Positive integer; `1` decodes greedily. Default: `4`.
        num_return: Positive integer `<= beam_width`, the n-best list's
            size. Default: `None`, `beam_width`.
        source_length: Positive integer, the most source ids, characters
            and the end id: longer strings are truncated to their first
            `source_length - 1` characters. Default: `64`.
        max_length: Positive integer, the most output tokens (the end token
            included). Default: `64`.
        length_penalty: GNMT's `alpha >= 0`, beam search only. Default: `0`.
        target_vocabulary: The target `CharacterVocabulary`; `None` (the
            default) for `vocabulary`, as in the date and digit tasks.
        version: Positive integer, or `None` for the next free version.

    Returns:
        The `pathlib.Path` of the written version directory.

    Raises:
        ValueError: for a model that is not an `AttentionSeq2Seq`, a
            vocabulary of another size, bad decoding arguments, a bad `name`
            or `version`.
        FileExistsError: when that version already exists.

    Example:

    ```python
    model = AttentionSeq2Seq(date_vocabulary().size)  # then train it
    path = export_translator(model, date_vocabulary(), "serving", "dates",
                             source_length=32, max_length=11)
    # serving/dates/1; saved_model_cli show --dir serving/dates/1 --all
    ```
    """
    from keras_memory import export

    vocabulary, target_vocabulary = _check_model(model, vocabulary, target_vocabulary)
    source_length = validation.check_positive_int("source_length", source_length)
    sampler = make_sampler(beam_width, num_return, max_length, length_penalty)
    version = export._check_name_and_version(name, version)

    import tensorflow as tf

    from keras_memory.datasets.text_graph import CharacterTokenizer

    source_tokenizer = CharacterTokenizer(vocabulary, name="source_tokenizer")
    target_tokenizer = (
        source_tokenizer
        if target_vocabulary == vocabulary
        else CharacterTokenizer(target_vocabulary, name="target_tokenizer")
    )

    spec = [tf.TensorSpec((None,), tf.string, name=INPUT_KEY)]

    # Traced once and called by both signatures (a beam search is the
    # costly part of the export); never jit-compiled.
    @tf.function(input_signature=spec, jit_compile=False, autograph=False)
    def n_best(strings):
        ids, lengths = source_tokenizer.encode(strings, source_length)
        # As `_trim`: the longest row's columns (at least one).
        ids = ids[:, : tf.maximum(tf.reduce_max(lengths), 1)]
        outputs = model_lib.generate(model, ids, sampler)
        tokens = outputs["tokens"]
        shape = tf.shape(tokens)
        decoded = target_tokenizer.decode(tf.reshape(tokens, (-1, shape[2])))
        return tf.reshape(decoded, shape[:2]), tf.cast(outputs["scores"], tf.float32)

    def serve(strings):
        translations, scores = n_best(strings)
        return {"translation": translations[:, 0], "score": scores[:, 0]}

    def serve_n_best(strings):
        translations, scores = n_best(strings)
        return {"translations": translations, "scores": scores}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(source_tokenizer)  # its lookup table is saved with the model
    archive.track(target_tokenizer)
    with tf.device("/CPU:0"):
        # The first endpoint is `serving_default` itself.
        archive.add_endpoint(SIGNATURE_KEY, serve, input_signature=spec)
        archive.add_endpoint(NBEST_SIGNATURE_KEY, serve_n_best, input_signature=spec)
    return export._write_version(archive, base_dir, name, version)


# Run by `translate_in_fresh_process`: `keras_memory` is unimportable here, as
# on a serving host without the package.
_FRESH_PROCESS_SCRIPT = r"""
import contextlib, io, json, sys
sys.modules["keras_memory"] = None
manifest_path, outputs_path = sys.argv[1:3]
import numpy as np
import tensorflow as tf
try:
    import keras_memory  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("keras_memory must not be importable here")
with open(manifest_path, encoding="utf-8") as f:
    manifest = json.load(f)
results, shown = {}, {}
for label, export_dir, texts in manifest:
    loaded = tf.saved_model.load(export_dir)
    for key, signature in loaded.signatures.items():
        spec = signature.structured_input_signature[1]["text"]
        results[f"{label}/{key}/input_dtype"] = np.array(spec.dtype.name)
        reply = signature(text=tf.constant(texts, tf.string))
        for name, value in reply.items():
            value = value.numpy()
            if value.dtype == object:
                value = np.char.decode(value.astype(bytes), "utf-8")
            results[f"{label}/{key}/{name}"] = value
    # saved_model_cli's own `show --all`, in this process.
    from tensorflow.python.tools import saved_model_cli
    sys.argv = ["saved_model_cli", "show", "--dir", export_dir, "--all"]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            saved_model_cli.main()
        except SystemExit as exit:
            if exit.code:
                raise
    shown[label] = buffer.getvalue()
np.savez(outputs_path, **results)
with open(outputs_path + ".json", "w", encoding="utf-8") as f:
    json.dump(shown, f)
"""


def translate_in_fresh_process(requests, timeout=600):
    """Calls translator exports in a new process without `keras_memory`.

    One child process (NumPy and TensorFlow only) loads every export, calls
    each of its signatures on the texts, and prints what
    `saved_model_cli show --all` prints for it.

    Args:
        requests: Dict mapping a label to `(export_dir, texts)`: a version
            directory of `export_translator` and a list of strings.
        timeout: Seconds to wait for the child process.

    Returns:
        Dict mapping each label to a dict: `"<signature>/<output>"` ->
        NumPy array (strings as `str`), `"<signature>/input_dtype"` -> the
        dtype name of the signature's `text` input, and `"show"` -> the
        text of `saved_model_cli show --all`.

    Raises:
        RuntimeError: with the child's stderr when it fails.
    """
    if not isinstance(requests, dict) or not requests:
        raise validation.invalid_argument(
            "requests", "a non-empty dict of label to (export_dir, texts)", requests
        )
    manifest = []
    for index, (label, (export_dir, texts)) in enumerate(requests.items()):
        texts = text._check_strings("texts", texts)
        manifest.append([f"export_{index}", str(pathlib.Path(export_dir).resolve()), texts])
    labels = {f"export_{index}": label for index, label in enumerate(requests)}
    with tempfile.TemporaryDirectory() as scratch:
        manifest_path = os.path.join(scratch, "manifest.json")
        with open(manifest_path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False)
        outputs_path = os.path.join(scratch, "outputs.npz")
        from keras_memory import export

        export.run_in_fresh_process(
            _FRESH_PROCESS_SCRIPT,
            [manifest_path, outputs_path],
            scratch,
            timeout,
            "Translating in a fresh process",
        )
        results = {label: {} for label in requests}
        with np.load(outputs_path) as outputs:
            for key in outputs.files:
                index, name = key.split("/", 1)
                results[labels[index]][name] = outputs[key]
        with open(outputs_path + ".json", encoding="utf-8") as f:
            for index, shown in json.load(f).items():
                results[labels[index]]["show"] = shown
        return results


__all__ = [
    "INPUT_KEY",
    "NBEST_SIGNATURE_KEY",
    "SIGNATURE_KEY",
    "export_translator",
    "make_sampler",
    "translate_in_fresh_process",
    "translate_texts",
]
