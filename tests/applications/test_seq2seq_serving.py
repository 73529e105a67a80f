"""Text-in, text-out serving of `AttentionSeq2Seq`: exports against this process.

A tiny untrained model (weights drawn large enough that its next-token
distributions are peaked, so that no answer hangs on a float near-tie) is
exported greedy and with beam search; one fresh process, in which
`keras_memory` cannot be imported, calls both signatures of both exports
and runs `saved_model_cli show --all` on them.
"""

import keras
import numpy as np
import pytest
from tensorflow.core.protobuf import saved_model_pb2
from testing_utils import assert_invalid_argument

from keras_memory.applications import AttentionSeq2Seq
from keras_memory.applications.seq2seq import serving
from keras_memory.datasets.text import CharacterVocabulary

SOURCE_LENGTH = 12  # 11 characters and the end id
MAX_LENGTH = 8
BEAM_WIDTH = 3
LONG = "gfedcba 3210 abc"  # 16 characters: truncated to its first 11
TEXTS = [
    "abc",
    "",  # the end id alone
    "zz?\u00e9",  # four characters outside the vocabulary
    "!#\u00fc~",  # four other unknown characters: the same ids
    LONG,
    LONG[: SOURCE_LENGTH - 1],
    "a",
    "0123 dcba",
]


@pytest.fixture(scope="module")
def translator(tmp_path_factory):
    keras.utils.set_random_seed(0)
    vocabulary = CharacterVocabulary.from_strings(["abcdefg 0123"])
    model = AttentionSeq2Seq(
        vocabulary.size, embedding_dim=8, encoder_units=8, decoder_units=8, attention_units=8
    )
    rng = np.random.default_rng(0)
    model.set_weights(
        [rng.normal(0.0, 1.5, w.shape).astype("float32") for w in model.get_weights()]
    )
    base = tmp_path_factory.mktemp("serving")
    settings = {"source_length": SOURCE_LENGTH, "max_length": MAX_LENGTH}
    paths = {
        "greedy": serving.export_translator(
            model, vocabulary, base, "greedy", beam_width=1, **settings
        ),
        "beam": serving.export_translator(
            model, vocabulary, base, "beam", beam_width=BEAM_WIDTH, **settings
        ),
    }
    expected = {
        "greedy": serving.translate_texts(model, vocabulary, TEXTS, beam_width=1, **settings),
        "beam": serving.translate_texts(
            model, vocabulary, TEXTS, beam_width=BEAM_WIDTH, **settings
        ),
    }
    served = serving.translate_in_fresh_process(
        {label: (path, TEXTS) for label, path in paths.items()}
    )
    return {
        "model": model,
        "vocabulary": vocabulary,
        "base": base,
        "paths": paths,
        "expected": expected,
        "served": served,
    }


@pytest.mark.parametrize("label", ["greedy", "beam"])
def test_fresh_process_answers_as_this_process(translator, label):
    translations, scores = translator["expected"][label]
    served = translator["served"][label]
    count = 1 if label == "greedy" else BEAM_WIDTH
    assert translations.shape == scores.shape == (len(TEXTS), count)
    np.testing.assert_array_equal(served["serving_default/translation"], translations[:, 0])
    np.testing.assert_allclose(served["serving_default/score"], scores[:, 0], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(served["n_best/translations"], translations)
    np.testing.assert_allclose(served["n_best/scores"], scores, rtol=1e-5, atol=1e-5)
    assert served["n_best/scores"].dtype == np.float32
    # An untrained model still answers something: not every string empty.
    assert any(translations.ravel())


def test_n_best_is_sorted_and_distinct(translator):
    translations, scores = translator["expected"]["beam"]
    assert np.all(np.diff(scores, axis=1) <= 0)
    # Scores are log-probabilities (length_penalty 0): at most 0.
    assert np.all(scores <= 0)
    # The hypotheses of one row are distinct outputs (tokens, so strings).
    for row in translations:
        assert len(set(row)) == len(row)


def test_text_rules_in_the_served_graph(translator):
    for label in ("greedy", "beam"):
        served = translator["served"][label]["n_best/translations"]
        # Unknown characters all read as the unknown id: same source, same answer.
        np.testing.assert_array_equal(
            served[TEXTS.index("zz?\u00e9")], served[TEXTS.index("!#\u00fc~")]
        )
        # Longer than source_length - 1: truncated to its first characters.
        np.testing.assert_array_equal(
            served[TEXTS.index(LONG)], served[TEXTS.index(LONG[: SOURCE_LENGTH - 1])]
        )
        # The empty string is answered like any other (a defined output).
        assert served[TEXTS.index("")].dtype.kind == "U"


def test_signatures_take_strings(translator):
    # keras #19396: the input must stay a string tensor.
    for label in ("greedy", "beam"):
        served = translator["served"][label]
        assert served["serving_default/input_dtype"] == "string"
        assert served["n_best/input_dtype"] == "string"


def test_saved_model_cli_lists_both_signatures(translator):
    for label in ("greedy", "beam"):
        shown = translator["served"][label]["show"]
        count = 1 if label == "greedy" else BEAM_WIDTH
        for key in ("serving_default", "n_best"):
            block = shown.split(f"signature_def['{key}']:")[1].split("signature_def[")[0]
            text_input = block.split("inputs['text'] tensor_info:")[1]
            assert text_input.split("\n")[1].strip() == "dtype: DT_STRING"
        block = shown.split("signature_def['n_best']:")[1].split("signature_def[")[0]
        translations = block.split("outputs['translations'] tensor_info:")[1].split("\n")
        assert translations[1].strip() == "dtype: DT_STRING"
        assert translations[2].strip() == f"shape: (-1, {count})"
        # The decoding loop is in the served graph, with no XLA op in it.
        ops = shown.split("contains the following ops:")[1].split("\n")[0]
        assert "'While'" in ops and "Xla" not in ops


def test_server_layout(translator):
    for label, path in translator["paths"].items():
        assert path == translator["base"] / label / "1"
        assert (path / "saved_model.pb").is_file()
        # No jit_compile function baked in (TF Serving's GPU build has no XLA).
        saved_model = saved_model_pb2.SavedModel()
        saved_model.ParseFromString((path / "saved_model.pb").read_bytes())
        functions = saved_model.meta_graphs[0].graph_def.library.function
        assert len(functions) > 0
        assert not any(
            function.attr["_XlaMustCompile"].b
            for function in functions
            if "_XlaMustCompile" in function.attr
        )


def test_bad_arguments(translator, tmp_path):
    model, vocabulary = translator["model"], translator["vocabulary"]

    def export(model_name="bad", **overrides):
        arguments = {"model": model, "vocabulary": vocabulary, **overrides}
        return serving.export_translator(base_dir=tmp_path, name=model_name, **arguments)

    assert_invalid_argument(export, "beam_width", 0, beam_width=0)
    assert_invalid_argument(export, "num_return", 4, beam_width=3, num_return=4)
    assert_invalid_argument(export, "num_return", 2, beam_width=1, num_return=2)
    assert_invalid_argument(export, "length_penalty", 0.6, beam_width=1, length_penalty=0.6)
    assert_invalid_argument(export, "source_length", 0, source_length=0)
    assert_invalid_argument(export, "max_length", 0, max_length=0)
    assert_invalid_argument(export, "name", "a/b", model_name="a/b")
    assert_invalid_argument(export, "vocabulary", "a", vocabulary="a")
    assert_invalid_argument(
        export, "vocabulary", "5 ids", vocabulary=CharacterVocabulary(["x"])
    )
    assert_invalid_argument(
        export, "target_vocabulary", "5 ids", target_vocabulary=CharacterVocabulary(["x"])
    )
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert_invalid_argument(export, "model", model=other)
    assert_invalid_argument(serving.translate_in_fresh_process, "requests", {}, {})
    assert not (tmp_path / "bad").exists()
