"""The dates recipe: `keras-memory train dates` and `evaluate dates`, on a tiny model."""

import argparse
import functools
import json

import numpy as np
import pytest

from keras_memory.applications import DateNormalizer
from keras_memory.applications.seq2seq import training
from keras_memory.datasets import dates
from keras_memory.recipes import dates as recipe_module
from keras_memory.recipes import get_recipe

TINY = {"embedding_dim": 4, "encoder_units": 4, "decoder_units": 4, "attention_units": 4,
        "cell": "gru"}


def _options(**kwargs):
    defaults = {"epochs": 1, "seed": 0, "output": None, "backup_dir": None, "weights": None,
                "split": "test"}
    return argparse.Namespace(**{**defaults, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    output = tmp_path_factory.mktemp("dates") / "tiny.weights.h5"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "ARCHITECTURE", TINY)
        patch.setattr(training, "compile_for_dates",
                      functools.partial(training.compile_for_dates, jit_compile=False))
        patch.setattr(training, "train_dates", functools.partial(
            training.train_dates, num_examples=32, batch_size=16, validation_examples=16))
        patch.setattr(recipe_module, "EVALUATION_EXAMPLES", 6)
        report = get_recipe("dates").train_command(_options(output=str(output), epochs=2))
    return output, report


def test_train_writes_weights_vocabulary_and_metadata(trained):
    output, report = trained
    assert output.is_file()
    assert dates.date_vocabulary().to_json() == output.with_name("vocabulary.json").read_text()
    metadata = json.loads(output.with_name("metadata.json").read_text())
    assert metadata["architecture"] == TINY
    assert metadata["training"]["epochs"] == 2 and metadata["training"]["seed"] == 0
    assert len(metadata["training"]["loss_per_epoch"]) == 2
    assert metadata["training"]["command"].startswith("keras-memory")
    assert "shared" in metadata["training"]["machine"]
    assert not output.with_name("tiny.checkpoint.weights.h5").exists()
    greedy = metadata["evaluation"]["greedy"]
    assert greedy["examples"] == 6 and set(greedy["languages"]) == set(dates.LANGUAGES)
    assert report.table[0][-2:] == ["Greedy (%)", "Beam 4 (%)"]
    assert report.data["greedy"] == greedy


def test_trained_weights_load_with_their_architecture(trained):
    output, _ = trained
    normalizer = DateNormalizer(weights=str(output))
    assert normalizer.model.get_layer("decoder").cell.units == TINY["decoder_units"]
    source = dates.date_normalization(3, seed=1).sources
    texts = normalizer(source)
    assert len(texts) == 3 and all(isinstance(text, str) for text in texts)


def test_evaluate_reports_the_table(trained, monkeypatch):
    output, _ = trained
    monkeypatch.setattr(recipe_module, "EVALUATION_EXAMPLES", 3)
    report = get_recipe("dates").run_evaluate(_options(weights=str(output)))
    header, rows, _ = report.table
    assert header[:3] == ["Language", "Format", "Examples"]
    assert rows[-1][:3] == ["all", "all", 3]
    values = [report.data["greedy"]["languages"][lang] for lang in dates.LANGUAGES]
    assert all(0.0 <= value <= 100.0 for value in values)
    assert np.isclose(report.data["greedy"]["all"], np.mean(values), atol=0.01)


def test_translate_uses_the_shipped_weights_by_default():
    assert recipe_module.translate(["4 mai 1999", ""]) == ["1999-05-04", ""]
    assert recipe_module.translate(["4 mai 1999"], beam_width=4) == ["1999-05-04"]


def test_bad_options_are_named(tmp_path):
    recipe = get_recipe("dates")
    with pytest.raises(ValueError, match="argument `--output`.*'x.keras'"):
        recipe.train_command(_options(output="x.keras"))
    assert recipe.run_evaluate is not None and not recipe.needs_data
    assert recipe.default_epochs == training.EPOCHS
