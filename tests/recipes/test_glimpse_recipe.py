"""`keras-memory train glimpse` and `keras-memory evaluate glimpse` on IDX files."""

import json
import pathlib

import numpy as np
import pytest

from keras_memory import cli
from keras_memory.applications import glimpse
from keras_memory.datasets import mnist

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist-5k"


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory):
    """1,100 random "digits" (110 per class: 100 per class go to validation)
    and 30 t10k digits, the training images gzipped as in the distribution."""
    directory = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype="uint8"), 110)
    mnist.write_idx(directory / "train-images-idx3-ubyte.gz",
                    rng.integers(0, 256, (1100, 28, 28), dtype="uint8"))
    mnist.write_idx(directory / "train-labels-idx1-ubyte.gz", labels)
    mnist.write_idx(directory / "t10k-images-idx3-ubyte",
                    rng.integers(0, 256, (30, 28, 28), dtype="uint8"))
    mnist.write_idx(directory / "t10k-labels-idx1-ubyte", (np.arange(30) % 10).astype("uint8"))
    return directory


@pytest.fixture(scope="module")
def trained(idx_dir, tmp_path_factory):
    """`keras-memory train glimpse --epochs 1` (once per module)."""
    output = tmp_path_factory.mktemp("trained") / "w" / "ram.weights.h5"
    code = cli.main(
        ["train", "glimpse", "--data", str(idx_dir), "--epochs", "1", "--output", str(output),
         "--no-jit"]
    )
    return code, output


def test_train_writes_weights_and_metadata(trained, idx_dir):
    code, output = trained
    assert code == 0 and output.is_file()
    metadata = json.loads(output.with_name("ram.json").read_text())
    assert metadata["setup"] == "mnist_28x28"
    training = metadata["training"]
    assert training["epochs"] == 1 and training["steps"] == 2  # 100 digits, batches of 64
    assert training["command"] == (
        f"keras-memory train glimpse --data {idx_dir} --setup mnist_28x28 --epochs 1 "
        f"--seed 0 --output {output} --no-jit"
    )
    assert training["jit_compile"] is False and training["wall_seconds"] > 0
    assert metadata["validation"]["digits"] == 1000
    assert metadata["paper"]["test_error_percent"] == 1.29


def test_evaluate_reads_t10k_and_reports_both_errors(trained, idx_dir, capsys):
    _, output = trained
    capsys.readouterr()
    code = cli.main(
        ["evaluate", "glimpse", "--data", str(idx_dir), "--weights", str(output),
         "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert data["split"] == "test" and data["digits"] == 30
    assert 0 <= data["error_percent_mean_path"] <= 100
    # The error is that of the model on the t10k digits, computed directly.
    model = glimpse.pretrained_classifier(str(output))
    images, labels = mnist.load_mnist_directory(idx_dir, "t10k")
    canvases, labels = glimpse.setup_canvases(images, labels)
    assert data["error_percent_mean_path"] == glimpse.error_rate(model, canvases, labels)


def test_evaluate_validation_split_repeats_the_training_figure(trained, idx_dir, capsys):
    _, output = trained
    metadata = json.loads(output.with_name("ram.json").read_text())
    capsys.readouterr()
    code = cli.main(
        ["evaluate", "glimpse", "--data", str(idx_dir), "--weights", str(output),
         "--split", "validation", "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert data["digits"] == 1000
    expected = metadata["validation"]["error_percent_mean_path"]
    assert round(data["error_percent_mean_path"], 2) == expected


def test_bad_data_folder_and_options(tmp_path, capsys):
    assert cli.main(["train", "glimpse", "--data", str(tmp_path)]) == 2
    assert "argument `--data`" in capsys.readouterr().err
    assert cli.main(["evaluate", "glimpse", "--data", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli.main(["train", "babi", "--data", str(tmp_path), "--setup", "mnist_28x28"]) == 2
    assert "`--setup`: it is for `keras-memory train glimpse` only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "glimpse", "--setup", "cluttered_100x100"])


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="needs ../shared/data/mnist-5k")
@pytest.mark.parametrize("setup", ["mnist_28x28", "cluttered_60x60"])
def test_shipped_weights_repeat_their_validation_error(setup, capsys):
    """The shipped metadata's figure comes out of `keras-memory evaluate`."""
    metadata = glimpse.shipped_metadata(setup)
    capsys.readouterr()
    code = cli.main(
        ["evaluate", "glimpse", "--data", str(SHARED_MNIST), "--setup", setup,
         "--split", "validation", "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert data["digits"] == 1000
    expected = metadata["validation"]["error_percent_mean_path"]
    assert abs(data["error_percent_mean_path"] - expected) < 0.11
