"""The ntm-copy recipe: what `keras-memory train ntm-copy` and the demo run."""

import numpy as np

from keras_memory.applications import ntm_copy
from keras_memory.recipes import get_recipe


def test_recipe_trains_and_reports_bit_errors(monkeypatch):
    from keras_memory.recipes import ntm_copy as recipe_module

    monkeypatch.setattr(recipe_module, "SEQUENCES_PER_EPOCH", 64)
    recipe = get_recipe("ntm-copy")
    assert not recipe.needs_data
    model = recipe.build_model()
    assert model.jit_compile is True  # XLA by default, on this CPU too
    progress = recipe.train(model, 1, verbose=0)
    assert progress.history[-1]["sequences"] == 64
    # The recipe's metric is the mean over lengths 1 to 20 of evaluate_copy.
    expected = np.mean(list(ntm_copy.evaluate_copy(model).values()))
    assert recipe.evaluate(model) == expected
    assert progress.history[-1]["mean_bit_errors"] == expected


def test_pretrained_recipe_model_is_the_shipped_one():
    recipe = get_recipe("ntm-copy")
    assert recipe.evaluate(recipe.build_pretrained()) < 0.1


def test_no_jit_trains_without_xla(tmp_path):
    import argparse
    import dataclasses

    from keras_memory import recipes
    from keras_memory.recipes import ntm_copy as recipe_module

    seen = []

    def train(model, epochs, **kwargs):
        seen.append(model.jit_compile)

    recipe = dataclasses.replace(
        get_recipe("ntm-copy"), train=train, evaluate=lambda model: 0.0
    )
    for no_jit in (True, False):
        options = argparse.Namespace(
            epochs=1, seed=0, output=str(tmp_path / f"copy-{no_jit}.keras"), no_jit=no_jit
        )
        recipes.train_and_save(recipe, options)
    assert seen == [False, True]
    assert recipe_module.RECIPE.options == ("no_jit",)
