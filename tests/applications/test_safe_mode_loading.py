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
from keras_memory.applications import MemN2NbAbI
from keras_memory.applications import NTMCopy
from keras_memory.applications import NTMRepeatCopy
from keras_memory.applications.memn2n_babi.training import compile_for_babi
from keras_memory.applications.ntm_copy.training import compile_for_copy


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


def test_every_recipe_that_saves_a_model_is_covered():
    assert {"clockwork-waveform", "ntm-copy"} <= set(RECIPES)


def test_a_lambda_is_refused_in_safe_mode(tmp_path):
    # What the tests above guard against: Keras refuses the file.
    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2.0)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)
