"""evaluate_babi, the error summary and the paper's table layout."""

import pathlib

import pytest

from keras_memory.applications import memn2n_babi
from keras_memory.datasets import babi


def test_shipped_weights_reach_the_reported_validation_errors(shipped, real_babi):
    model, vocabulary = shipped
    errors = memn2n_babi.evaluate_babi(model, real_babi, "validation", vocabulary)
    reported = memn2n_babi.shipped_metadata()["validation_errors"]
    assert {str(t): e for t, e in errors.items()} == pytest.approx(reported, abs=0.01)
    assert errors[1] < 5.0


def test_evaluate_babi_with_a_model_per_task(shipped, tmp_path):
    model, vocabulary = shipped
    babi.write_babi_files(tmp_path, tasks=(1, 15), splits=("train",), num_stories=20)
    models = memn2n_babi.babi_models(tasks=[1, 15])
    errors = memn2n_babi.evaluate_babi(models, tmp_path, "train", vocabulary)
    assert sorted(errors) == [1, 15]
    alone = memn2n_babi.evaluate_babi(models[15], tmp_path, "train", vocabulary, tasks=15)
    assert errors[15] == alone[15]
    with pytest.raises(ValueError, match="argument `model`"):
        memn2n_babi.evaluate_babi({1: model}, tmp_path, "train", vocabulary)


def test_per_task_weights_reach_their_recorded_errors(shipped, real_babi):
    _, vocabulary = shipped
    rows = memn2n_babi.shipped_metadata()["per_task"]["tasks"]
    per_task = sorted(memn2n_babi.per_task_weights())
    models = memn2n_babi.babi_models(tasks=per_task)
    errors = memn2n_babi.evaluate_babi(models, real_babi, "validation", vocabulary, tasks=per_task)
    for task in per_task:
        row = rows[str(task)]
        assert errors[task] == pytest.approx(row["per_task_error"], abs=0.01)
        assert row["per_task_training_error"] < row["joint_training_error"]


def test_evaluate_babi_per_task_and_errors(shipped, tmp_path):
    model, vocabulary = shipped
    babi.write_babi_files(tmp_path, tasks=(1, 15), splits=("train", "test"), num_stories=30)
    errors = memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary)
    assert sorted(errors) == [1, 15]
    assert all(0.0 <= e <= 100.0 for e in errors.values())
    assert errors[1] < 5.0
    assert list(memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary, tasks=15)) == [15]
    held_out = memn2n_babi.evaluate_babi(model, tmp_path, "validation", vocabulary)
    assert sorted(held_out) == [1, 15]
    with pytest.raises(ValueError, match="argument `split`"):
        memn2n_babi.evaluate_babi(model, tmp_path, "dev", vocabulary)
    with pytest.raises(ValueError, match="argument `directory`"):
        memn2n_babi.evaluate_babi(model, tmp_path / "empty", "test", vocabulary)
    with pytest.raises(ValueError, match="qa2_"):
        memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary, tasks=2)
    with pytest.raises(ValueError, match="argument `vocabulary`"):
        memn2n_babi.evaluate_babi(model, tmp_path, "test", {"<pad>": 0, "<unk>": 1})


def test_summary_and_table():
    errors = {1: 0.0, 2: 12.5, 3: 5.0}
    summary = memn2n_babi.summarize_errors(errors)
    assert summary == {
        "tasks": {
            "1": {"error": 0.0, "failed": False},
            "2": {"error": 12.5, "failed": True},
            "3": {"error": 5.0, "failed": False},
        },
        "mean_error": 5.83,
        "failed_tasks": 1,
    }
    table = memn2n_babi.format_error_table(errors).splitlines()
    assert table == [
        "| Task                      | MemN2N error (%) | Failed | Paper, PE LS RN joint (%) |",
        "| :------------------------ | ---------------: | :----: | ------------------------: |",
        "| 1: single-supporting-fact |              0.0 |        |                       0.0 |",
        "| 2: two-supporting-facts   |             12.5 |  yes   |                      11.4 |",
        "| 3: three-supporting-facts |              5.0 |        |                      21.9 |",
        "| Mean error (%)            |              5.8 |        |                      11.1 |",
        "| Failed tasks (error > 5%) |                1 |        |                         2 |",
    ]
    labels = {1: "joint", 2: "per-task", 3: "joint"}
    table = memn2n_babi.format_error_table(errors, models=labels).splitlines()
    assert _cells(table[0]) == [
        "Task", "MemN2N error (%)", "Failed", "Model", "Paper, PE LS RN joint (%)"
    ]
    assert _cells(table[3]) == ["2: two-supporting-facts", "12.5", "yes", "per-task", "11.4"]
    assert _cells(table[-1]) == ["Failed tasks (error > 5%)", "1", "", "", "2"]
    assert len({len(line) for line in table}) == 1  # aligned columns
    per_task = memn2n_babi.format_error_table(errors, paper="PE LS RN").splitlines()
    assert _cells(per_task[3])[-1] == "8.3"  # the paper's per-task column
    bare = memn2n_babi.format_error_table(errors, paper=None, title="Ours").splitlines()
    assert _cells(bare[0]) == ["Task", "Ours error (%)", "Failed"]
    with pytest.raises(ValueError, match="argument `paper`"):
        memn2n_babi.format_error_table(errors, paper="LSTM")


def _cells(line):
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_benchmark_prints_the_table_next_to_the_papers():
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "benchmarks/babi.py", "--quick"],
        cwd=root, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert _cells(lines[0]) == [
        "Task", "MemN2N validation error (%)", "Failed", "Model", "Paper, PE LS RN joint (%)"
    ]
    assert _cells(lines[2])[0] == "1: single-supporting-fact"
    assert _cells(lines[2])[3] == "joint"
    assert _cells(lines[3])[0] == "15: basic-deduction"
    # Task 15: the joint model fits its training questions perfectly, so no
    # per-task model was trained for it.
    assert _cells(lines[3])[3] == "joint"
    assert _cells(lines[-1])[0] == "Failed tasks (error > 5%)"
