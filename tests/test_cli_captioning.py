"""`keras-memory caption` and `evaluate captioning` on the command line."""

import json
import re

import numpy as np
import pytest
import tensorflow as tf

from keras_memory import cli
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import caption_images
from keras_memory.applications.captioning.shapes_training import scenes


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A fresh captioner's weights file and two PNG scenes."""
    folder = tmp_path_factory.mktemp("caption")
    captioner = ShowAttendTellShapes(weights=None, seed=0)
    weights = folder / "fresh.weights.h5"
    captioner.save_weights(weights)
    images = np.round(scenes(2, "test").images * 255).astype("uint8")
    paths = []
    for index, image in enumerate(images):
        paths.append(folder / f"scene{index}.png")
        paths[-1].write_bytes(tf.io.encode_png(image).numpy())
    return captioner, weights, paths, images


def test_caption_prints_one_row_per_file(files, capsys):
    captioner, weights, paths, images = files
    argv = ["caption", *map(str, paths), "--weights", str(weights), "--format", "json"]
    assert cli.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["captions"]
    captions, scores = caption_images(captioner, images / 255.0)
    assert [row["image"] for row in rows] == list(map(str, paths))
    assert [row["caption"] for row in rows] == captions
    np.testing.assert_allclose([row["score"] for row in rows], scores, rtol=1e-5)
    assert cli.main(["caption", str(paths[0]), "--weights", str(weights), "--beam-width", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].replace(" ", "") == "|image|caption|log-probability|"


def test_a_greyscale_png_reads_as_rgb(files, capsys, tmp_path):
    captioner, weights, _, images = files
    grey = np.round(images[0].mean(axis=-1, keepdims=True)).astype("uint8")
    path = tmp_path / "grey.png"
    path.write_bytes(tf.io.encode_png(grey).numpy())
    assert cli.main(["caption", str(path), "--weights", str(weights), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["captions"]
    rgb = np.repeat(grey, 3, axis=-1)[None] / 255.0
    assert row["caption"] == caption_images(captioner, rgb)[0][0]


def test_bad_files_are_named(files, capsys, tmp_path):
    _, weights, _, _ = files
    (tmp_path / "bytes.png").write_bytes(b"\x89PNG but not really")
    small = tmp_path / "small.png"
    small.write_bytes(tf.io.encode_png(np.zeros((28, 30, 3), "uint8")).numpy())
    cases = [
        (tmp_path / "missing.png", "No such image file: '.*missing.png'"),
        (tmp_path / "bytes.png", "Could not decode the image file '.*bytes.png'"),
        (small, "'.*small.png' is 30 x 28 pixels; the captioner takes 56 x 56"),
    ]
    for path, message in cases:
        assert cli.main(["caption", str(path), "--weights", str(weights)]) == 2
        assert re.search(message, capsys.readouterr().err), message


def test_evaluate_prints_the_metrics_table(files, capsys):
    _, weights, _, _ = files
    argv = ["evaluate", "captioning", "--weights", str(weights), "--examples", "12"]
    assert cli.main([*argv, "--split", "validation", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["split"], data["examples"]) == ("validation", 12)
    assert 0 <= data["exact_match"] <= 100 and 0 <= data["attention_correctness"] <= 100
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("greedy captions of 12 held-out test scenes (seed 0)")
    assert cli.main([*argv, "--split", "train"]) == 2
    assert "`--split`" in capsys.readouterr().err
