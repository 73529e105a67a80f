"""The recipe registry, the generic train command and its checkpoints."""

import argparse
import json

import keras
import numpy as np
import pytest

from keras_memory import cli
from keras_memory.recipes import EpochCheckpoint
from keras_memory.recipes import Interrupted
from keras_memory.recipes import Report
from keras_memory.recipes import available_recipes
from keras_memory.recipes import checkpoint_path
from keras_memory.recipes import get_recipe
from keras_memory.recipes import train_and_save


def test_every_task_is_a_recipe():
    recipes = available_recipes()
    assert list(recipes) == [
        "clockwork-waveform", "ntm-copy", "babi", "dates", "glimpse", "captioning"
    ]  # fmt: skip
    assert [r.needs_data for r in recipes.values()] == [False, False, True, False, True, False]
    assert [r.has_demo for r in recipes.values()] == [True, True, False, False, False, False]
    assert recipes["captioning"].options == ("examples", "no_jit")
    assert recipes["glimpse"].options == ("data", "setup", "no_jit")
    assert recipes["babi"].options == ("data", "task", "no_jit", "runs")
    assert recipes["ntm-copy"].options == ("no_jit",)
    assert recipes["babi"].run_evaluate is not None
    with pytest.raises(ValueError, match="argument `name`.*'babi'"):
        get_recipe("nope")


def test_print_report_prints_lines_table_notes_or_json(capsys):
    report = Report(
        lines=("title",), table=(["a", "b"], [["1", "2"]], ["left", "right"]),
        notes=("done",), data={"a": 1},
    )
    cli.print_report(report)
    assert capsys.readouterr().out.splitlines() == [
        "title", "| a   |   b |", "| :-- | --: |", "| 1   |   2 |", "done"
    ]
    cli.print_report(report, "json")
    assert json.loads(capsys.readouterr().out) == {"a": 1}


def test_checkpoint_path():
    assert checkpoint_path("out/cw.keras").name == "cw.checkpoint.weights.h5"
    assert checkpoint_path("w.weights.h5").name == "w.checkpoint.weights.h5"


def _tiny_recipe(interrupt_after=None):
    """A recipe whose training can stop with Ctrl-C after some epochs."""

    def build_model():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        return model

    def train(model, epochs, verbose=1, callbacks=()):
        class Stop(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if interrupt_after == 0:  # in the first epoch's first batch
                    raise KeyboardInterrupt

            def on_epoch_end(self, epoch, logs=None):
                if interrupt_after is not None and epoch + 1 == interrupt_after:
                    raise KeyboardInterrupt

        x = np.ones((4, 2), "float32")
        # The checkpoint first, so that the interrupt comes after its save.
        model.fit(x, x[:, :1], epochs=epochs, verbose=0, callbacks=[*callbacks, Stop()])

    return get_recipe("clockwork-waveform").__class__(
        name="tiny", description="", metric_name="loss", default_epochs=3,
        build_model=build_model, train=train, evaluate=lambda model: 0.5,
    )


def _options(output, epochs=3):
    return argparse.Namespace(epochs=epochs, output=str(output), seed=0)


def test_train_and_save_removes_the_checkpoint_when_done(tmp_path):
    report = train_and_save(_tiny_recipe(), _options(tmp_path / "m.keras"))
    assert report.lines == ("loss: 0.5000",)
    assert report.data == {"recipe": "tiny", "metric": 0.5, "output": str(tmp_path / "m.keras")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_interrupted_training_keeps_the_last_epoch(tmp_path):
    with pytest.raises(Interrupted, match="the weights after epoch 2 are in .*m.checkpoint"):
        train_and_save(_tiny_recipe(interrupt_after=2), _options(tmp_path / "m.keras"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.checkpoint.weights.h5"]
    # Before any epoch ends there is no checkpoint, and a plain interrupt.
    with pytest.raises(KeyboardInterrupt) as info:
        train_and_save(_tiny_recipe(interrupt_after=0), _options(tmp_path / "x" / "n.keras", 1))
    assert type(info.value) is KeyboardInterrupt
    assert list((tmp_path / "x").iterdir()) == []


def test_epoch_checkpoint_saves_loadable_weights(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    checkpoint = EpochCheckpoint(tmp_path / "c.weights.h5")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[checkpoint])
    assert checkpoint.epochs == 2
    fresh = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    fresh.load_weights(checkpoint.path)
    np.testing.assert_array_equal(fresh.get_weights()[0], model.get_weights()[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.weights.h5"]
