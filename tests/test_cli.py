"""The keras-memory command, called as a user would."""

import json
import os
import pathlib
import signal
import subprocess
import sys

import pytest

import keras_memory
from keras_memory import cli

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "keras_memory.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=600,
    )


@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["export"], ["info"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: keras-memory")
    assert " ".join(["keras-memory", *command]) in text


def test_info_lists_layers_and_recipes(capsys):
    assert cli.main(["info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"] == list(keras_memory.layers.__all__)
    assert info["applications"] == [
        "AttentionSeq2Seq", "DateNormalizer", "GlimpseClassifier", "MemN2NbAbI", "NTMCopy",
        "NTMRepeatCopy", "ShowAttendTell",
    ]
    assert {"clockwork-waveform", "ntm-copy"} <= set(info["recipes"])
    assert cli.main(["info"]) == 0
    assert "ClockworkRNNCell" in capsys.readouterr().out


def test_unknown_recipe_is_a_clear_error(capsys):
    assert cli.main(["train", "no-such-task"]) == 2
    error = capsys.readouterr().err
    assert "argument `name`" in error and "'no-such-task'" in error
    assert "clockwork-waveform" in error


@pytest.mark.parametrize("value", ["0", "-3", "two", "1.5"])
def test_epochs_must_be_a_positive_integer(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "clockwork-waveform", "--epochs", value])
    assert exit_info.value.code == 2
    assert f"expected a positive integer, got '{value}'" in capsys.readouterr().err


def test_train_then_export(tmp_path):
    trained = _run(
        "train", "clockwork-waveform", "--epochs", "1", "--output", "cw.keras",
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    assert "NMSE:" in trained.stdout
    assert (tmp_path / "cw.keras").is_file()

    exported = _run("export", "cw.keras", "--base-dir", "serving", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    signature = json.loads(exported.stdout.split("\n", 1)[1])
    assert list(signature["inputs"]) == ["clock"]
    assert list(signature["outputs"]) == ["waveform"]
    assert (tmp_path / "serving" / "cw" / "1" / "saved_model.pb").is_file()

    again = _run("export", "cw.keras", "--base-dir", "serving", "--version", "1", cwd=tmp_path)
    assert again.returncode == 2
    assert "Version 1 of model 'cw' already exists" in again.stderr

    missing = _run("export", "nothing.keras", cwd=tmp_path)
    assert missing.returncode != 0
    assert "no such model file: nothing.keras" in missing.stderr

    # A truncated file: one line naming the file and the fault.
    (tmp_path / "cut.keras").write_bytes((tmp_path / "cw.keras").read_bytes()[:100])
    cut = _run("export", "cut.keras", cwd=tmp_path)
    assert cut.returncode == 1
    assert "keras-memory export: Could not load the model file" in cut.stderr
    assert "cut.keras" in cut.stderr and "Traceback" not in cut.stderr


def _number_after(text, label):
    return float(text.split(label)[1].split()[0])


def test_demo_runs_end_to_end(tmp_path):
    # The default demo: the NTM copy model with its shipped weights.
    demo = _run("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    assert "Loading the shipped weights" in out
    assert _number_after(out, "bit errors per sequence untrained:") > 10
    assert _number_after(out, "bit errors per sequence with the shipped weights:") < 0.1
    export_dir = tmp_path / "serving" / "ntm-copy" / "1"
    assert (export_dir / "saved_model.pb").is_file()
    assert _number_after(out, "largest difference from the in-process Keras model:") < 1e-5
    figure = tmp_path / "demo_output" / "ntm-copy.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "demo_output" / "ntm-copy.keras").is_file()


def test_demo_trains_a_recipe_from_scratch(tmp_path):
    demo = _run("demo", "--recipe", "clockwork-waveform", "--epochs", "2", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    before = _number_after(out, "NMSE before training:")
    after = _number_after(out, "NMSE after training:")
    assert after < before / 2  # two epochs (200 updates) already learn
    assert "Epoch 2/2" in out  # the Keras progress bar
    export_dir = tmp_path / "serving" / "clockwork-waveform" / "1"
    assert (export_dir / "saved_model.pb").is_file()
    assert _number_after(out, "largest difference from the in-process Keras model:") < 1e-5
    figure = tmp_path / "demo_output" / "clockwork-waveform.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_writes_weights_with_metadata(tmp_path):
    trained = _run(
        "train", "clockwork-waveform", "--epochs", "1", "--output", "w/cw.weights.h5",
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "w" / "cw.weights.h5").is_file()
    metadata = json.loads((tmp_path / "w" / "metadata.json").read_text())
    assert metadata["recipe"] == "clockwork-waveform"
    assert metadata["epochs"] == 1
    assert metadata["metric"] == pytest.approx(_number_after(trained.stdout, "NMSE:"), abs=1e-4)


def test_train_output_must_be_keras_or_weights(capsys):
    assert cli.main(["train", "clockwork-waveform", "--output", "model.h5"]) == 2
    assert "argument `--output`" in capsys.readouterr().err


def test_the_command_quiets_tensorflow_from_its_first_line(tmp_path):
    # The installed script, in an environment that sets no logging variable.
    script = pathlib.Path(sys.executable).with_name("keras-memory")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    result = subprocess.run(
        [str(script), "info"], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "ClockworkRNNCell" in result.stdout
    for noise in ("cuInit", "cpu_feature_guard", "oneDNN", "absl::InitializeLog"):
        assert noise not in result.stderr
    assert result.stderr == ""


def test_ctrl_c_during_train_ends_cleanly_and_keeps_the_checkpoint(tmp_path):
    script = pathlib.Path(sys.executable).with_name("keras-memory")
    process = subprocess.Popen(
        # Epochs of one short batch: 50 could all end (the output waiting in
        # the pipe) before this loop has read "Epoch 3" on a loaded CPU.
        [str(script), "train", "clockwork-waveform", "--epochs", "10000", "--output", "cw.keras"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=ENV,
    )
    seen = ""
    while "Epoch 3/10000" not in seen:  # two epochs done: a checkpoint is on disk
        character = process.stdout.read(1)
        assert character, process.stderr.read()
        seen += character
    process.send_signal(signal.SIGINT)
    # It exits by itself (communicate's timeout bounds it); how fast is not
    # asserted here: under a loaded CPU the interpreter's exit alone varied
    # from 8 to 32 s.
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 130
    checkpoint = tmp_path / "cw.checkpoint.weights.h5"
    assert stderr.strip().splitlines() == [
        "keras-memory train: interrupted (Ctrl-C); the weights after epoch "
        f"{stderr.split('epoch ')[1].split()[0]} are in {checkpoint.name}"
    ]
    assert int(stderr.split("epoch ")[1].split()[0]) >= 2
    assert "Traceback" not in stderr
    assert not (tmp_path / "cw.keras").exists()
    # The checkpoint is complete: it loads into the recipe's model.
    from keras_memory.recipes import get_recipe

    model = get_recipe("clockwork-waveform").build_model()
    model.load_weights(checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == [checkpoint.name]
