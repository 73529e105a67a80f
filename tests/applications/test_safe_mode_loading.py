"""The `.keras` files of every application load with `safe_mode=True`.

`safe_mode=True` (Keras' default) refuses to deserialize lambdas, so a model
that carried one would load only with `safe_mode=False`, which runs
arbitrary code from the file. Each application, compiled the way its
training compiles it, and each recipe's model (what `keras-memory train` and
`keras-memory demo` save) is saved, loaded in safe mode, and must give the
same outputs and the same compile configuration.
"""

import zipfile

import keras
import numpy as np
import pytest

from keras_memory import recipes
from keras_memory.applications import AttentionSeq2Seq
from keras_memory.applications import GlimpseClassifier
from keras_memory.applications import MemN2NbAbI
from keras_memory.applications import NTMCopy
from keras_memory.applications import NTMRepeatCopy
from keras_memory.applications import ShowAttendTell
from keras_memory.applications.captioning.model import coordinate_cnn
from keras_memory.applications.captioning.training import CaptionTrainer
from keras_memory.applications.glimpse.training import compile_glimpse_classifier
from keras_memory.applications.memn2n_babi.training import compile_for_babi
from keras_memory.applications.ntm_copy.training import compile_for_copy
from keras_memory.applications.seq2seq.training import compile_for_dates


def _babi_inputs(rng):
    return {
        "story": rng.integers(0, 20, size=(2, 4, 5)).astype("int32"),
        "question": rng.integers(0, 20, size=(2, 5)).astype("int32"),
    }


def _sequence(channels):
    return lambda rng: {
        "sequence": rng.integers(0, 2, size=(2, 7, channels)).astype("float32")
    }


# name -> (a fresh compiled model, its inputs)
APPLICATIONS = {
    "memn2n_babi": (
        lambda: compile_for_babi(MemN2NbAbI(weights=None, vocabulary=20, embedding_dim=8)),
        _babi_inputs,
    ),
    "memn2n_babi_attention": (
        lambda: MemN2NbAbI(
            weights=None, vocabulary=20, embedding_dim=8, return_attention=True
        ),
        _babi_inputs,
    ),
    "ntm_copy": (lambda: compile_for_copy(NTMCopy(weights=None, memory_size=8)), _sequence(9)),
    "ntm_repeat_copy": (
        lambda: compile_for_copy(NTMRepeatCopy(weights=None, memory_size=8)),
        _sequence(10),
    ),
}



def _captioner():
    # The shipped captioner's encoder kind (`CoordinateChannels`), small.
    return ShowAttendTell(
        12, image_shape=(16, 16, 3), encoder=coordinate_cnn((16, 16, 3), (4, 4)),
        embedding_dim=8, decoder_units=8, attention_units=8,
    )


def _caption_trainer():
    trainer = CaptionTrainer(_captioner(), doubly_stochastic=1.0)
    trainer.compile("adam")
    return trainer


def _caption_inputs(rng):
    return {
        "images": rng.uniform(size=(2, 16, 16, 3)).astype("float32"),
        "decoder_input_ids": np.array([[1, 5, 6], [1, 7, 0]], "int32"),
    }


def _seq2seq_inputs(rng):
    return {
        "source_ids": rng.integers(1, 12, size=(2, 6)).astype("int32"),
        "decoder_input_ids": rng.integers(1, 12, size=(2, 4)).astype("int32"),
    }


APPLICATIONS.update({
    "glimpse_classifier": (
        lambda: compile_glimpse_classifier(GlimpseClassifier(
            image_shape=(12, 12, 1), num_classes=3, num_glimpses=2, patch_size=4,
            glimpse_units=4, location_units=4, glimpse_output_units=4, core_units=4, seed=1,
        )),
        lambda rng: {"images": rng.uniform(size=(2, 12, 12, 1)).astype("float32")},
    ),
    "show_attend_tell": (_captioner, _caption_inputs),
    "caption_trainer": (_caption_trainer, _caption_inputs),
    "attention_seq2seq": (
        lambda: compile_for_dates(AttentionSeq2Seq(
            12, embedding_dim=4, encoder_units=4, decoder_units=4, attention_units=4,
            cell="gru",
        ), jit_compile=False),
        _seq2seq_inputs,
    ),
})

RECIPES = [
    name
    for name in recipes.available_recipes()
    if recipes.get_recipe(name).build_model is not None  # others write weights only
]


def _assert_loads_in_safe_mode(model, inputs, path):
    model.save(path)
    config = zipfile.ZipFile(path).read("config.json").decode()
    assert "lambda" not in config.lower()
    loaded = keras.saving.load_model(path, safe_mode=True)
    if len(inputs) == 1:  # a one-input model takes the array itself
        (inputs,) = inputs.values()
    assert loaded.get_compile_config() == model.get_compile_config()
    expected = keras.tree.flatten(model(inputs))
    got = keras.tree.flatten(loaded(inputs))
    assert len(got) == len(expected)
    for value, reference in zip(got, expected):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(value), keras.ops.convert_to_numpy(reference), atol=1e-6
        )


@pytest.mark.parametrize("name", list(APPLICATIONS))
def test_application_loads_in_safe_mode(name, tmp_path):
    build, inputs = APPLICATIONS[name]
    _assert_loads_in_safe_mode(build(), inputs(np.random.default_rng(0)), tmp_path / "m.keras")


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_model_loads_in_safe_mode(name, tmp_path):
    recipe = recipes.get_recipe(name)
    inputs = {
        key: np.asarray(value)[:2] for key, value in recipe.example_inputs().items()
    }
    _assert_loads_in_safe_mode(recipe.build_model(), inputs, tmp_path / f"{name}.keras")


def test_every_application_model_is_covered():
    # `DateNormalizer` wraps an `AttentionSeq2Seq` (covered) with its vocabulary.
    import keras_memory.applications as applications

    covered = {"MemN2NbAbI", "NTMCopy", "NTMRepeatCopy", "GlimpseClassifier",
               "ShowAttendTell", "AttentionSeq2Seq", "DateNormalizer"}
    assert set(applications.__all__) == covered


_FRESH_PROCESS = """
import sys, numpy as np, keras
import keras_memory  # the only import a user makes: it registers every class
for path in sys.argv[1:]:
    with np.load(path + ".npz") as stored:
        inputs = {k[len("in_"):]: stored[k] for k in stored.files if k.startswith("in_")}
        count = sum(k.startswith("out_") for k in stored.files)
        expected = [stored[f"out_{i}"] for i in range(count)]
    model = keras.saving.load_model(path, safe_mode=True)
    got = keras.tree.flatten(model(next(iter(inputs.values())) if len(inputs) == 1 else inputs))
    assert len(got) == len(expected), path
    for value, reference in zip(got, expected):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(value), reference, atol=1e-6)
print("loaded", len(sys.argv) - 1)
"""


def test_application_files_load_in_a_fresh_process_after_import_keras_memory(tmp_path):
    """Keras finds a registered class only once its module is imported: the
    glimpse classifier, the caption trainer and `CoordinateChannels` loaded
    only after their own modules were, until `import keras_memory` imported
    the applications."""
    import os
    import subprocess
    import sys

    paths = []
    for name, (build, make_inputs) in APPLICATIONS.items():
        model, inputs = build(), make_inputs(np.random.default_rng(0))
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        call = next(iter(inputs.values())) if len(inputs) == 1 else inputs
        outputs = [keras.ops.convert_to_numpy(v) for v in keras.tree.flatten(model(call))]
        np.savez(path + ".npz", **{f"in_{k}": v for k, v in inputs.items()},
                 **{f"out_{i}": v for i, v in enumerate(outputs)})
        paths.append(path)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _FRESH_PROCESS, *paths], env=env,
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"loaded {len(paths)}" in result.stdout


def test_every_recipe_that_saves_a_model_is_covered():
    assert {"clockwork-waveform", "ntm-copy"} <= set(RECIPES)


def test_a_lambda_is_refused_in_safe_mode(tmp_path):
    # What the tests above guard against: Keras refuses the file.
    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2.0)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)
