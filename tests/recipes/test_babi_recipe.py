"""The babi recipe: it needs --data, trains the paper's way, reports a table."""

import argparse

import pytest

from keras_memory.applications import memn2n_babi
from keras_memory.datasets import write_babi_files
from keras_memory.recipes import babi as babi_recipe
from keras_memory.recipes import get_recipe


def test_check_data(tmp_path):
    with pytest.raises(ValueError, match="no value for argument `--data`"):
        babi_recipe.check_data(None)
    with pytest.raises(ValueError, match="no such folder"):
        babi_recipe.check_data(tmp_path / "missing")
    with pytest.raises(ValueError, match="no such file in it"):
        babi_recipe.check_data(tmp_path)
    write_babi_files(tmp_path, tasks=1, num_stories=2)
    assert babi_recipe.check_data(str(tmp_path)) == tmp_path
    with pytest.raises(ValueError, match="qa\\*_test.txt"):
        babi_recipe.check_data(tmp_path, "test")


def test_evaluate_returns_the_error_table_and_summary(tmp_path):
    write_babi_files(tmp_path, tasks=(1,), splits=("test",), num_stories=10)
    options = argparse.Namespace(
        data=str(tmp_path), split="test", weights=None, joint_only=True, format="table"
    )
    report = get_recipe("babi").run_evaluate(options)
    errors = memn2n_babi.evaluate_babi(
        memn2n_babi.MemN2NbAbI(), tmp_path, "test", memn2n_babi.load_vocabulary()
    )
    assert report.data == memn2n_babi.summarize_errors(errors)
    assert report.table == memn2n_babi.error_table(errors, models={1: "joint"})
    assert report.lines == (f"MemN2N (babi-en-1k, joint only) on the test split of {tmp_path}",)


def test_train_rejects_other_outputs(tmp_path):
    write_babi_files(tmp_path, tasks=1, num_stories=2)
    options = argparse.Namespace(
        data=str(tmp_path), output="m.keras", task=None, epochs=1, seed=0, no_jit=True
    )
    with pytest.raises(ValueError, match="argument `--output`"):
        get_recipe("babi").train_command(options)
