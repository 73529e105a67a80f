"""`train_on_shapes` and the `captioning` recipe: weights and metadata that reload."""

import json

import numpy as np
import pytest

from keras_memory import cli
from keras_memory.applications.captioning import presets
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import caption_images
from keras_memory.applications.captioning.shapes_training import scenes
from keras_memory.applications.captioning.shapes_training import train_on_shapes


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    output = tmp_path_factory.mktemp("captioning") / "tiny.weights.h5"
    captioner, metadata = train_on_shapes(
        epochs=2, examples=64, validation_examples=16, output=output, command="test"
    )
    return captioner, metadata, output


def test_writes_weights_and_metadata(trained):
    _, metadata, output = trained
    assert output.is_file()
    assert json.loads(presets.metadata_path(output).read_text()) == metadata
    training = metadata["training"]
    assert training["command"] == "test"
    assert (training["epochs"], training["examples"], training["seed"]) == (2, 64, 0)
    assert training["steps"] == 2 * 2  # 64 scenes in batches of 32
    assert training["wall_seconds"] >= training["training_seconds"] > 0
    assert metadata["architecture"]["locations"] == 49
    held_out = metadata["validation"]
    assert held_out["scenes"] == held_out["examples"] == 16
    assert 0 <= held_out["exact_match"] <= 100 and set(held_out["bleu"]) == {"1", "2", "3", "4"}
    assert 0 <= held_out["attention_correctness"] <= 100


def test_the_file_reloads_to_the_same_captions(trained):
    captioner, _, output = trained
    images = scenes(4, "test").images
    expected, expected_scores = caption_images(captioner, images)
    captions, scores = caption_images(ShowAttendTellShapes(weights=output), images)
    assert captions == expected
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5)


def test_the_splits_never_share_a_scene():
    train, validation, test = (scenes(200, split) for split in ("train", "validation", "test"))
    keys = [{s.tobytes() for s in part.scenes} for part in (train, validation, test)]
    assert not keys[0] & keys[1] and not keys[0] & keys[2] and not keys[1] & keys[2]


def test_train_command_writes_the_file_and_refuses_bad_outputs(tmp_path, capsys):
    output = tmp_path / "cli.weights.h5"
    argv = ["train", "captioning", "--epochs", "1", "--examples", "32", "--output", str(output)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "held-out validation scenes" in out and f"Saved {output}" in out
    command = json.loads(presets.metadata_path(output).read_text())["training"]["command"]
    assert command == (
        f"keras-memory train captioning --epochs 1 --examples 32 --seed 0 --output {output}"
    )
    assert cli.main(["train", "captioning", "--output", str(tmp_path / "x.keras")]) == 2
    assert "`--output`" in capsys.readouterr().err
    assert cli.main(["train", "ntm-copy", "--examples", "5"]) == 2
    assert "`--examples`: it is for `keras-memory train captioning` only" in (
        capsys.readouterr().err
    )
