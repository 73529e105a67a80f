"""Text in, text out: MemN2N bAbI models that read sentences and answer words.

`text_answer_model` wraps a trained model in a Keras model that takes raw
sentences and the question as strings and returns the answer word,
tokenising and looking words up inside the graph, and
`export_babi_for_serving` writes it in TF Serving's layout. TensorFlow-only.
"""

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.memn2n_babi import model as model_lib
from keras_memory.applications.memn2n_babi import presets
from keras_memory.datasets import babi


class _TextToIds(keras.layers.Layer):
    """Raw stories and questions -> the word ids of `vectorize`, in the graph.

    The reader's tokenisation: lowercase, `.`, `?` and `!` dropped (they
    also split words, as in `babi.tokenize`), words split on whitespace,
    then looked up (`StringLookup`: `<pad>` 0, unknown words 1). Empty
    sentences are dropped, and only the last `memory_size` sentences of a
    story are kept. One padding sentence and one padding word are added so
    that the shapes are never empty (padding changes nothing).
    TensorFlow-only: this is serving code.
    """

    def __init__(self, tokens, memory_size, **kwargs):
        super().__init__(**kwargs)
        self.tokens = list(tokens)
        self.memory_size = memory_size
        self.lookup = keras.layers.StringLookup(
            vocabulary=self.tokens[2:],
            num_oov_indices=1,
            oov_token=babi.UNKNOWN_TOKEN,
            mask_token=babi.PADDING_TOKEN,
            name="lookup",
        )

    @staticmethod
    def _clean(text):
        import tensorflow as tf

        return tf.strings.regex_replace(tf.strings.lower(text), r"[.?!]", " ")

    def _ids(self, words):
        import tensorflow as tf

        ids = tf.ragged.map_flat_values(self.lookup, words)
        return tf.cast(ids.to_tensor(0), "int32")

    def call(self, story, question):
        import tensorflow as tf

        story = self._clean(tf.convert_to_tensor(story, tf.string))
        nonempty = tf.strings.length(tf.strings.strip(story)) > 0
        sentences = tf.ragged.boolean_mask(story, nonempty)  # (B, None)
        sentences = sentences[:, -self.memory_size :]  # the reader's window
        story_ids = self._ids(tf.strings.split(sentences))  # (B, S, W)
        story_ids = tf.pad(story_ids, [[0, 0], [0, 1], [0, 1]])
        question = self._clean(tf.convert_to_tensor(question, tf.string))
        question_ids = self._ids(tf.strings.split(question))  # (B, W_q)
        question_ids = tf.pad(question_ids, [[0, 0], [0, 1]])
        return story_ids, question_ids

    def compute_output_spec(self, story, question):
        return (
            keras.KerasTensor((story.shape[0], None, None), "int32"),
            keras.KerasTensor((question.shape[0], None), "int32"),
        )


class _AnswerWords(keras.layers.Layer):
    """Answer probabilities `(B, V)` -> the answer token and its probability."""

    def __init__(self, tokens, **kwargs):
        super().__init__(**kwargs)
        self.tokens = list(tokens)

    def call(self, probabilities):
        import tensorflow as tf

        best = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        words = tf.gather(tf.constant(self.tokens, tf.string), best)
        return words, tf.reduce_max(probabilities, axis=-1)

    def compute_output_spec(self, probabilities):
        batch = probabilities.shape[0]
        return (
            keras.KerasTensor((batch,), "string"),
            keras.KerasTensor((batch,), probabilities.dtype),
        )


def text_answer_model(model, vocabulary=None, memory_size=None, name="memn2n_babi_text"):
    """Wraps a bAbI model in a model that reads and answers in words.

    Inputs: `"story"`, a string tensor `(B, S)` of sentences (oldest first;
    pad stories of different lengths with empty strings `""`, which are
    ignored) and `"question"`, a string tensor `(B,)`. Outputs: `"answer"`,
    the answer token (string `(B,)`: a word, or for tasks 8 and 19 words
    joined by commas such as `"apple,football"` and `"n,w"`) and
    `"probability"`, its probability (float32 `(B,)`).

    Tokenisation and lookup happen inside the graph, as
    `keras_memory.datasets.babi` does outside it: lowercase, `.`, `?` and
    `!` dropped, split on whitespace, words missing from the vocabulary
    mapped to `<unk>` (id 1), and only the last `memory_size` non-empty
    sentences kept. Needs the TensorFlow backend.

    Args:
        model: A `MemN2NbAbI` model (its `"answer"` output is used).
        vocabulary: Its vocabulary (token -> id). Default: `None`, the
            shipped `"babi-en-1k"` vocabulary.
        memory_size: Sentences kept. Default: `None`, the model's memory
            size.
        name: Model name. Default: `"memn2n_babi_text"`.

    Returns:
        A `keras.Model` (not trainable end to end: strings in, strings out).

    Example:

    ```python
    text_model = text_answer_model(MemN2NbAbI())
    outputs = text_model({
        "story": np.array([["Mary moved to the bathroom.",
                            "John went to the hallway."]]),
        "question": np.array(["Where is Mary?"]),
    })
    outputs["answer"]  # [b"bathroom"]
    ```
    """
    if vocabulary is None:
        vocabulary = presets.load_vocabulary("babi-en-1k")
    tokens = presets.vocabulary_tokens(babi.check_vocabulary(vocabulary))
    vocab_size = model_lib.model_vocab_size(model)
    if vocab_size is not None and vocab_size != len(tokens):
        raise validation.invalid_argument(
            "vocabulary",
            f"the model's vocabulary of {vocab_size} entries",
            f"a vocabulary of {len(tokens)} entries",
        )
    if memory_size is None:
        memory_size = model_lib.memory_network_layer(model).memory_size
    memory_size = validation.check_positive_int("memory_size", memory_size)

    # === Layers ===
    to_ids = _TextToIds(tokens, memory_size, name="text_to_ids")
    to_words = _AnswerWords(tokens, name="answer_words")

    # === Functional Model ===
    story = keras.Input((None,), dtype="string", name="story")
    question = keras.Input((), dtype="string", name="question")
    story_ids, question_ids = to_ids(story, question)
    outputs = model([story_ids, question_ids])
    if isinstance(outputs, dict):
        outputs = outputs["answer"]
    answer, probability = to_words(outputs)
    answer = keras.layers.Identity(name="answer")(answer)
    probability = keras.layers.Identity(name="probability")(probability)
    return keras.Model(
        [story, question], {"answer": answer, "probability": probability}, name=name
    )


def export_babi_for_serving(model, base_dir, name="memn2n_babi", vocabulary=None, version=None):
    """Exports a bAbI model that takes text and answers with a word.

    Writes `text_answer_model(model, vocabulary)` with
    `keras_memory.export.export_for_serving`: TF Serving's layout
    `<base_dir>/<name>/<version>/`, a `serving_default` signature with
    inputs `story` (string `(B, S)`) and `question` (string `(B,)`) and
    outputs `answer` (string `(B,)`) and `probability` (float32 `(B,)`),
    traced without XLA on the CPU. A REST client sends

        {"instances": [{"story": ["Mary moved to the bathroom.",
                                  "John went to the hallway."],
                        "question": "Where is Mary?"}]}

    (the stories of one request padded to one length with `""`) and gets
    `{"predictions": [{"answer": "bathroom", "probability": 0.98}]}`.

    Args:
        model: A `MemN2NbAbI` model.
        base_dir: The serving base directory.
        name: The model name. Default: `"memn2n_babi"`.
        vocabulary: The model's vocabulary. Default: `None`, the shipped
            one.
        version: Positive integer, or `None` for the next free version.

    Returns:
        The `pathlib.Path` of the written version directory.
    """
    from keras_memory.export import export_for_serving

    return export_for_serving(
        text_answer_model(model, vocabulary), base_dir, name, version
    )


def predict_text_in_fresh_process(export_dir, instances, timeout=600):
    """Asks a text export questions in a new process without keras_memory.

    The request and the response have the layout of TF Serving's REST API
    (row format): `instances` is a list of `{"story": [sentences],
    "question": "..."}`, and the result is the list of `{"answer": "...",
    "probability": p}` (the response's `"predictions"`). The child process
    imports TensorFlow only; `keras_memory` cannot be imported there.

    Args:
        export_dir: A version directory written by `export_babi_for_serving`.
        instances: List of dicts with `"story"` (list of strings) and
            `"question"` (string).
        timeout: Seconds to wait for the child process.

    Returns:
        A list of dicts `{"answer": str, "probability": float}`.

    Raises:
        RuntimeError: with the child's stderr when it fails.
    """
    from keras_memory.export import predict_in_fresh_process

    if not isinstance(instances, (list, tuple)) or not instances:
        raise validation.invalid_argument(
            "instances", 'a non-empty list of {"story": [...], "question": ...}',
            instances,
        )
    # TF Serving's row format stacks the instances: one story length for
    # all, shorter stories padded with empty sentences (the graph drops them).
    length = max(len(instance["story"]) for instance in instances)
    story = np.array(
        [list(i["story"]) + [""] * (length - len(i["story"])) for i in instances],
        dtype=str,
    )
    question = np.array([i["question"] for i in instances], dtype=str)
    outputs = predict_in_fresh_process(
        export_dir, {"story": story, "question": question}, timeout=timeout
    )
    return [
        {"answer": str(answer), "probability": float(probability)}
        for answer, probability in zip(outputs["answer"], outputs["probability"])
    ]
