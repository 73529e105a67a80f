"""`keras-memory train babi` and `keras-memory evaluate babi`."""

import json
import pathlib

import pytest

from keras_memory import cli
from keras_memory.applications import memn2n_babi
from keras_memory.datasets import babi
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
    assert "| 15: basic-deduction " in out and "| 1: " not in out
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["tasks"] == [15]
    # One task: the paper's per-task setup (d = 20), read back from the metadata.
    assert metadata["training"]["embedding_dim"] == 20
    model = memn2n_babi.MemN2NbAbI(weights=output)
    assert memn2n_babi.memory_network_layer(model).embedding_dim == 20
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--weights", str(output)]) == 0


def test_train_runs_prints_every_run_and_keeps_the_lowest_training_error(
    babi_dir, tmp_path, capsys
):
    output = tmp_path / "runs" / "babi.weights.h5"
    code = cli.main(
        ["train", "babi", "--data", str(babi_dir), "--task", "1", "--epochs", "1",
         "--runs", "2", "--seed", "3", "--output", str(output), "--no-jit"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Run 1 (seed 3)" in out and "Run 2 (seed 4)" in out
    assert out.count("| 1: single-supporting-fact ") == 3  # two runs, then the kept one
    metadata = json.loads(output.with_name("metadata.json").read_text())
    runs = metadata["runs"]
    assert [run["seed"] for run in runs] == [3, 4]
    kept = min(runs, key=lambda run: run["mean_training_error"])
    assert metadata["training"]["seed"] == kept["seed"]
    assert f"Kept run {runs.index(kept) + 1} of 2 (seed {kept['seed']})" in out
    assert cli.main(
        ["train", "babi", "--data", str(babi_dir), "--runs", "2", "--backup-dir", str(tmp_path)]
    ) == 2
    assert "argument `--backup-dir`" in capsys.readouterr().err
    assert cli.main(["train", "clockwork-waveform", "--runs", "2"]) == 2
    assert "argument `--runs`" in capsys.readouterr().err


def _cells(line):
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_evaluate_table(trained, babi_dir, capsys):
    _, weights = trained
    capsys.readouterr()
    assert cli.main(["evaluate", "babi", "--data", str(babi_dir), "--weights", str(weights)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"MemN2N ({weights}) on the test split of {babi_dir}"
    # The one table formatter: the same Markdown table as format_error_table.
    assert _cells(lines[1]) == ["Task", "MemN2N error (%)", "Failed", "Paper, PE LS RN joint (%)"]
    assert _cells(lines[3])[0] == "1: single-supporting-fact"
    assert _cells(lines[4])[0] == "15: basic-deduction"
    assert _cells(lines[5])[0] == "Mean error (%)"
    assert _cells(lines[6])[0] == "Failed tasks (error > 5%)"
    # The paper's column: task 1 0.0, task 15 0.0.
    assert _cells(lines[3])[-1] == "0.0" and _cells(lines[4])[-1] == "0.0"
    errors = memn2n_babi.evaluate_babi(
        memn2n_babi.MemN2NbAbI(weights=weights), babi_dir, "test",
        memn2n_babi.load_vocabulary(weights),
    )
    assert lines[1:7] == memn2n_babi.format_error_table(errors).splitlines()
    assert lines[7].startswith("Paper: Sukhbaatar et al. 2015, table 1")


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


REAL_BABI = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "babi" / "en-train"


@pytest.fixture
def joint_and_per_task_dir(tmp_path):
    """Task 1 generated and the real file of the first shipped per-task task."""
    per_task = memn2n_babi.per_task_weights()
    assert per_task and 1 not in per_task
    task = min(per_task)
    real = sorted(REAL_BABI.glob(f"qa{task}_*_train.txt"))
    if not real:
        pytest.skip(f"the real bAbI files are not in {REAL_BABI}")
    write_babi_files(tmp_path, tasks=(1,), splits=("train",), num_stories=20)
    (tmp_path / real[0].name).symlink_to(real[0])
    return tmp_path, task


def test_evaluate_shipped_uses_per_task_weights_and_joint_only_does_not(
    joint_and_per_task_dir, capsys
):
    directory, task = joint_and_per_task_dir
    name = f"{task}: {babi.TASK_NAMES[task]}"
    base = ["evaluate", "babi", "--data", str(directory), "--split", "validation"]
    capsys.readouterr()
    assert cli.main(base) == 0
    lines = capsys.readouterr().out.splitlines()
    # Only the tasks in --data (1 and the per-task one) are named.
    assert f"per-task weights on tasks {task}, joint elsewhere" in lines[0]
    assert _cells(lines[1]) == [
        "Task", "MemN2N error (%)", "Failed", "Model", "Paper, PE LS RN joint (%)"
    ]
    assert _cells(lines[3])[0] == "1: single-supporting-fact" and _cells(lines[3])[3] == "joint"
    assert _cells(lines[4])[0] == name and _cells(lines[4])[3] == "per-task"
    assert _cells(lines[5])[0] == "Mean error (%)"
    combined = [float(_cells(line)[1]) for line in lines[3:5]]
    rows = memn2n_babi.shipped_metadata()["per_task"]["tasks"]
    assert combined[1] == rows[str(task)]["per_task_error"]

    assert cli.main([*base, "--joint-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "joint only" in lines[0]
    assert _cells(lines[1])[3] == "Model"
    assert [_cells(line)[3] for line in lines[3:5]] == ["joint", "joint"]
    assert "per-task" not in "".join(lines)
    joint = [float(_cells(line)[1]) for line in lines[3:5]]
    assert combined[0] == joint[0]  # task 1: the same joint model
    assert joint[1] == rows[str(task)]["joint_error"]

    # The JSON schema does not change: per-task or joint, errors only.
    for flags in ([], ["--joint-only"]):
        assert cli.main([*base, "--format", "json", *flags]) == 0
        result = json.loads(capsys.readouterr().out)
        assert set(result) == {"tasks", "mean_error", "failed_tasks"}
        assert all(set(row) == {"error", "failed"} for row in result["tasks"].values())
        errors = [result["tasks"][t]["error"] for t in ("1", str(task))]
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
