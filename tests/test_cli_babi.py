"""`keras-memory train babi` and `keras-memory evaluate babi`."""

import json

import pytest

from keras_memory import cli
from keras_memory.applications import memn2n_babi
from keras_memory.datasets import write_babi_files


@pytest.fixture(scope="module")
def babi_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("babi")
    write_babi_files(directory, tasks=(1, 15), splits=("train", "test"), num_stories=20)
    return directory


@pytest.fixture(scope="module")
def trained(babi_dir, tmp_path_factory):
    """Weights from `keras-memory train babi --epochs 1` (once per module)."""
    output = tmp_path_factory.mktemp("trained") / "w" / "babi.weights.h5"
    code = cli.main(
        ["train", "babi", "--data", str(babi_dir), "--epochs", "1", "--output", str(output),
         "--no-jit"]
    )
    return code, output


def test_evaluate_has_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: keras-memory evaluate")
    assert "--split {test,train,validation}" in text


def test_train_babi_writes_weights_vocabulary_and_metadata(trained, babi_dir, capsys):
    code, output = trained
    assert code == 0
    assert output.is_file()
    vocabulary = memn2n_babi.load_vocabulary(output)
    assert vocabulary["mary"] > 1
    metadata = json.loads(output.with_name("metadata.json").read_text())
    assert metadata["tasks"] == [1, 15]
    assert metadata["training"]["epochs"] == 1
    assert sorted(metadata["validation_errors"]) == ["1", "15"]


def test_train_one_task(babi_dir, tmp_path, capsys):
    output = tmp_path / "one.weights.h5"
    code = cli.main(
        ["train", "babi", "--data", str(babi_dir), "--task", "15", "--epochs", "1",
         "--output", str(output), "--no-jit"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "| 15: basic-deduction |" in out and "| 1: " not in out
    assert json.loads((tmp_path / "metadata.json").read_text())["tasks"] == [15]


def test_evaluate_table(trained, babi_dir, capsys):
    _, weights = trained
    capsys.readouterr()
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--weights", str(weights)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["Task", "Error", "(%)", "Failed", "Paper", "(%)"]
    assert lines[2].startswith("1: single-supporting-fact")
    assert lines[3].startswith("15: basic-deduction")
    assert lines[4].startswith("Mean error (%)")
    assert lines[5].startswith("Failed tasks (error > 5%)")
    # The paper's column: task 1 0.0, task 15 0.0.
    assert lines[2].split()[-1] == "0.0"


def test_evaluate_json_has_the_exact_schema(trained, babi_dir, capsys):
    _, weights = trained
    capsys.readouterr()
    for split in ("test", "train", "validation"):
        code = cli.main(
            ["evaluate", "babi", "--data", str(babi_dir), "--weights", str(weights),
             "--split", split, "--format", "json"]
        )
        assert code == 0
        out = capsys.readouterr().out
        assert out.count("\n") == 1  # exactly one object on one line
        result = json.loads(out)
        assert set(result) == {"tasks", "mean_error", "failed_tasks"}
        assert list(result["tasks"]) == ["1", "15"]
        for row in result["tasks"].values():
            assert set(row) == {"error", "failed"}
            assert isinstance(row["error"], float) and isinstance(row["failed"], bool)
            assert 0.0 <= row["error"] <= 100.0
            assert row["failed"] == (row["error"] > 5.0)
        errors = [row["error"] for row in result["tasks"].values()]
        assert result["mean_error"] == pytest.approx(sum(errors) / 2, abs=0.01)
        assert result["failed_tasks"] == sum(row["failed"] for row in result["tasks"].values())
        assert isinstance(result["failed_tasks"], int)


def test_evaluate_shipped_weights_on_generated_stories(babi_dir, capsys):
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tasks"]["1"]["error"] < 5.0
    assert result["tasks"]["1"]["failed"] is False


def test_evaluate_shipped_uses_per_task_weights_and_joint_only_does_not(babi_dir, capsys):
    per_task = memn2n_babi.per_task_weights()
    assert 15 in per_task and 1 not in per_task  # task 15: 2% per task, 44% joint
    capsys.readouterr()
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    # Only the tasks in --data (1 and 15) are named.
    assert "per-task weights on tasks 15, joint elsewhere" in lines[0]
    assert lines[1].split() == ["Task", "Error", "(%)", "Failed", "Model", "Paper", "(%)"]
    assert lines[2].startswith("1: single-supporting-fact") and " joint " in lines[2]
    assert lines[3].startswith("15: basic-deduction") and " per-task " in lines[3]
    assert lines[4].startswith("Mean error (%)")
    combined = [float(line[31:41]) for line in lines[2:4]]

    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--joint-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "joint only" in lines[0]
    assert lines[1].split() == ["Task", "Error", "(%)", "Failed", "Model", "Paper", "(%)"]
    assert " joint " in lines[2] and " joint " in lines[3] and "per-task" not in "".join(lines)
    joint = [float(line[31:41]) for line in lines[2:4]]
    assert combined[0] == joint[0]  # task 1: the same joint model

    # The JSON schema does not change: per-task or joint, errors only.
    for flags in ([], ["--joint-only"]):
        assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--format", "json", *flags]) == 0
        result = json.loads(capsys.readouterr().out)
        assert set(result) == {"tasks", "mean_error", "failed_tasks"}
        assert all(set(row) == {"error", "failed"} for row in result["tasks"].values())
        errors = [result["tasks"][t]["error"] for t in ("1", "15")]
        assert errors == (combined if not flags else joint)


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_empty_or_missing_data_is_a_clear_error(command, tmp_path, capsys):
    assert cli.main([command, "babi", "--data", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "argument `--data`" in error and str(tmp_path) in error
    assert cli.main([command, "babi", "--data", str(tmp_path / "nothing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli.main([command, "babi"]) == 2
    assert "argument `--data`" in capsys.readouterr().err


def test_evaluate_test_split_needs_test_files(tmp_path, capsys):
    write_babi_files(tmp_path, tasks=1, num_stories=2)  # train files only
    assert cli.main(["evaluate", "babi", "--data", str(tmp_path)]) == 2
    assert "qa*_test.txt" in capsys.readouterr().err


def test_bad_babi_options(babi_dir, capsys):
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--weights", "nope.h5"]) == 2
    assert "argument `--weights`" in capsys.readouterr().err
    assert cli.main(["train", "babi", "--data", str(babi_dir), "--output", "m.keras"]) == 2
    assert "argument `--output`" in capsys.readouterr().err
    assert cli.main(["train", "clockwork-waveform", "--data", str(babi_dir)]) == 2
    assert "argument `--data`" in capsys.readouterr().err
    assert cli.main(["train", "clockwork-waveform", "--no-jit"]) == 2
    assert "argument `--no-jit`" in capsys.readouterr().err
    for task in ("0", "21", "two"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["train", "babi", "--data", str(babi_dir), "--task", task])
        assert exit_info.value.code == 2
        assert "expected a task 1 to 20 or 'all'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["evaluate", "babi", "--data", str(babi_dir), "--format", "csv"])


def test_info_lists_the_babi_recipe(capsys):
    assert cli.main(["info", "--format", "json"]) == 0
    assert "babi" in json.loads(capsys.readouterr().out)["recipes"]
    assert cli.main(["train", "no-such-task"]) == 2
    assert "'babi'" in capsys.readouterr().err
