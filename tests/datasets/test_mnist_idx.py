"""The MNIST IDX reader: the format, corrupted files, the real digits, the split."""

import gzip
import pathlib

import numpy as np
import pytest

from keras_memory.datasets.mnist import IMAGES_MAGIC
from keras_memory.datasets.mnist import LABELS_MAGIC
from keras_memory.datasets.mnist import load_mnist_directory
from keras_memory.datasets.mnist import read_idx
from keras_memory.datasets.mnist import split_validation
from keras_memory.datasets.mnist import write_idx

SHARED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist-5k"
RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (6, 28, 28)).astype("uint8")
LABELS = np.array([3, 1, 4, 1, 5, 9], "uint8")


def _header(magic, *shape):
    return magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in shape)


def test_the_bytes_are_the_format_by_hand(tmp_path):
    """Magic 0x00000803, three big-endian sizes, then the pixels row by row."""
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(_header(IMAGES_MAGIC, 2, 2, 3) + bytes(range(12)))
    np.testing.assert_array_equal(read_idx(path), np.arange(12, dtype="uint8").reshape(2, 2, 3))


@pytest.mark.parametrize("name", ["labels-idx1-ubyte", "labels-idx1-ubyte.gz"])
def test_write_then_read_round_trips_gzipped_or_not(tmp_path, name):
    write_idx(tmp_path / name, LABELS)
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\0\0")
    np.testing.assert_array_equal(read_idx(tmp_path / name, LABELS_MAGIC), LABELS)


def test_gzip_is_told_by_its_bytes_not_its_name(tmp_path):
    path = tmp_path / "plain-name-idx1-ubyte"
    path.write_bytes(gzip.compress(_header(LABELS_MAGIC, 3) + bytes([1, 2, 3])))
    assert read_idx(path).tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x00", "truncated: 2 bytes, no header"),
        (b"PK\x03\x04" + bytes(20), "not an IDX file"),
        (_header(LABELS_MAGIC, 3) + bytes(2), "truncated: 2 bytes of values"),
        (_header(LABELS_MAGIC, 3) + bytes(4), "longer than its header says"),
        (_header(IMAGES_MAGIC, 1, 28)[:10], "truncated inside its header"),
        (bytes([0, 0, 0x0D, 1]) + (1).to_bytes(4, "big") + bytes(4), "type 0x0d"),
    ],
)
def test_corrupted_files_are_named_with_what_is_wrong(tmp_path, data, message):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_a_labels_file_where_images_are_expected_names_both_magics(tmp_path):
    write_idx(tmp_path / "x", LABELS)
    with pytest.raises(ValueError, match="0x00000801, expected 0x00000803"):
        read_idx(tmp_path / "x", IMAGES_MAGIC)


def test_a_corrupted_gzip_is_named(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(_header(LABELS_MAGIC, 3) + bytes(3))[:15])
    with pytest.raises(ValueError, match="corrupted gzip"):
        read_idx(path)


def _directory(tmp_path, split="t10k", labels=LABELS, gz=True):
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"{split}-images-idx3-ubyte{suffix}", IMAGES)
    write_idx(tmp_path / f"{split}-labels-idx1-ubyte{suffix}", labels)
    return tmp_path


@pytest.mark.parametrize("gz", [True, False])
def test_a_directory_of_the_standard_names(tmp_path, gz):
    images, labels = load_mnist_directory(_directory(tmp_path, gz=gz), split="t10k")
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


def test_directory_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist_directory(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist_directory(_directory(tmp_path), split="train")
    with pytest.raises(ValueError, match="argument `split`"):
        load_mnist_directory(tmp_path, split="test")
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="6 images but .* 5 labels"):
        load_mnist_directory(_directory(tmp_path / "a", labels=LABELS[:5]), "t10k")
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError, match="the label 12"):
        load_mnist_directory(_directory(tmp_path / "b", labels=LABELS + 3), "t10k")


def test_split_validation_is_balanced_seeded_and_disjoint():
    labels = np.repeat(np.arange(10), 7)
    images = np.arange(70)  # each image is its own index
    (train_x, train_y), (val_x, val_y) = split_validation(images, labels, 2, seed=5)
    assert np.bincount(val_y).tolist() == [2] * 10 and np.bincount(train_y).tolist() == [5] * 10
    assert sorted(np.concatenate([train_x, val_x]).tolist()) == list(range(70))
    np.testing.assert_array_equal(labels[val_x], val_y)
    again = split_validation(images, labels, 2, seed=5)[1][0]
    np.testing.assert_array_equal(again, val_x)
    assert not np.array_equal(split_validation(images, labels, 2, seed=6)[1][0], val_x)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"validation_per_class": -1}, "validation_per_class"),
        ({"validation_per_class": 7}, "validation_per_class"),
        ({"seed": -1}, "seed"),
    ],
)
def test_split_validation_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        split_validation(np.zeros(70), np.repeat(np.arange(10), 7), **kwargs)
    with pytest.raises(ValueError, match="argument `labels`"):
        split_validation(np.zeros(3), np.zeros(2))


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data/mnist-5k")
def test_the_real_five_thousand_digits():
    images, labels = load_mnist_directory(SHARED)
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.max() == 255 and images[:, 0, :].max() == 0  # a blank top row, as MNIST
    (train, train_labels), (val, val_labels) = split_validation(images, labels)
    assert len(train) == 4000 and len(val) == 1000
    assert np.bincount(val_labels).tolist() == [100] * 10


def test_load_tfds_mnist_rejects_an_unknown_split():
    from keras_memory.datasets.mnist import load_tfds_mnist

    with pytest.raises(ValueError, match=r"`split`.*got 'validation'"):
        load_tfds_mnist(split="validation")
