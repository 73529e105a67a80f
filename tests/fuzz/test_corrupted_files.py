"""Broken files: an error that names the file and says what is wrong.

Truncated, empty and non-HDF5 `.weights.h5` files, another model's weights,
a vocabulary that does not match the weights, a vocabulary file that is
not JSON, truncated and non-zip `.keras` files, a bAbI file that is not
UTF-8 and one with a 1 MB line. `docs/guides/bad_inputs.md` lists them.
"""

import json
import re
import shutil

import keras
import numpy as np
import pytest

from keras_memory.applications import MemN2NbAbI
from keras_memory.applications import NTMCopy
from keras_memory.applications import shipped_weights
from keras_memory.applications.memn2n_babi import presets
from keras_memory.datasets import read_babi_file
from keras_memory.datasets.babi.reader import MAX_LINE_LENGTH

VOCABULARY = ["<pad>", "<unk>"] + [f"w{i}" for i in range(18)]


def memn2n(**kwargs):
    return MemN2NbAbI(embedding_dim=4, hops=1, memory_size=3, **kwargs)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small MemN2N weights file with its vocabulary, and a `.keras` file."""
    folder = tmp_path_factory.mktemp("files")
    model = memn2n(weights=None, vocabulary=len(VOCABULARY))
    model.save_weights(folder / "good.weights.h5")
    (folder / "vocabulary.json").write_text(json.dumps(VOCABULARY))
    keras_model = NTMCopy(weights=None, memory_size=4)
    keras_model.save(folder / "good.keras")
    return folder


def broken_copy(files, name, content):
    """`content` as `<name>/m.weights.h5`, with the good vocabulary beside it."""
    folder = files / name
    folder.mkdir(exist_ok=True)
    shutil.copy(files / "vocabulary.json", folder / "vocabulary.json")
    path = folder / "m.weights.h5"
    path.write_bytes(content)
    return path


def test_the_good_files_load(files):
    model = memn2n(weights=str(files / "good.weights.h5"))
    assert model.get_layer("memory_network").vocab_size == len(VOCABULARY)
    reloaded = shipped_weights.load_model(files / "good.keras")
    original = NTMCopy(weights=None, memory_size=4)
    assert [w.shape for w in reloaded.get_weights()] == [w.shape for w in original.get_weights()]


@pytest.mark.parametrize(
    "name, cut, expected",
    [
        ("truncated", lambda data: data[: len(data) // 2], r"corrupted or truncated.*eof"),
        ("empty", lambda data: b"", r"the file is empty"),
        ("not_hdf5", lambda data: b"PK\x03\x04 not hdf5" * 8, r"no HDF5 signature"),
        ("header_cut", lambda data: data[:8], r"corrupted or truncated"),
    ],
)
def test_broken_weights_files_name_the_file(files, name, cut, expected):
    data = (files / "good.weights.h5").read_bytes()
    path = broken_copy(files, name, cut(data))
    for build in (lambda: memn2n(weights=str(path)), lambda: NTMCopy(weights=str(path))):
        with pytest.raises(ValueError, match=expected) as error:
            build()
        assert str(path) in str(error.value)


def test_another_models_weights_name_the_file_and_the_model(files):
    path = files / "good.weights.h5"  # MemN2N weights, loaded into the NTM
    with pytest.raises(ValueError, match=r"does not fit the model 'ntm_copy'") as error:
        NTMCopy(weights=str(path), memory_size=4)
    assert str(path) in str(error.value)


def test_a_vocabulary_that_does_not_match_the_weights(files):
    path = broken_copy(files, "short_vocabulary", (files / "good.weights.h5").read_bytes())
    (path.parent / "vocabulary.json").write_text(json.dumps(VOCABULARY[:-3]))
    expected = (
        rf"{re.escape(str(path))}.*does not fit.*a vocabulary of 17 tokens.*"
        r"variable.shape=\(17, 4\), Received: value.shape=\(20, 4\)"
    )
    with pytest.raises(ValueError, match=expected):
        memn2n(weights=str(path))
    # The same through the `vocabulary` argument.
    with pytest.raises(ValueError, match=r"a vocabulary of 25 tokens"):
        memn2n(
            weights=str(files / "good.weights.h5"),
            vocabulary={token: i for i, token in enumerate(VOCABULARY + list("abcde"))},
        )


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", r"is not JSON text"),
        (b"\xff\xfe[]", r"is not JSON text"),
        ('{"<pad>": 0}', r"must hold a JSON list of tokens"),
        ('["<pad>", "<unk>", "a", "a"]', r"lists a token twice"),
    ],
)
def test_broken_vocabulary_files_name_the_file(files, tmp_path, content, expected):
    path = tmp_path / "vocabulary.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ValueError, match=expected) as error:
        presets.read_vocabulary(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    "name, cut, expected",
    [
        ("truncated", lambda data: data[: len(data) // 2], r"not a zip archive"),
        ("empty", lambda data: b"", r"the file is empty"),
        ("weights", None, r"not a zip archive"),
    ],
)
def test_broken_keras_files_name_the_file(files, tmp_path, name, cut, expected):
    path = tmp_path / f"{name}.keras"
    if cut is None:
        shutil.copy(files / "good.weights.h5", path)  # an HDF5 file named .keras
    else:
        path.write_bytes(cut((files / "good.keras").read_bytes()))
    with pytest.raises(ValueError, match=expected) as error:
        shipped_weights.load_model(path)
    assert str(path) in str(error.value)


def test_a_zip_that_is_not_a_keras_archive(tmp_path):
    import zipfile

    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"no config.json"):
        shipped_weights.load_model(path)
    with pytest.raises(FileNotFoundError, match=r"No `.keras` file at"):
        shipped_weights.load_model(tmp_path / "missing.keras")


def test_a_babi_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "qa1_single-supporting-fact_train.txt"
    path.write_bytes(b"1 Mary went home.\n2 Where is Mary?\thome\t1\n3 Jo\xff went.\n")
    with pytest.raises(ValueError) as error:
        read_babi_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "not UTF-8 text: line 3 has the byte b'\\xff' at column 5" in message


def test_a_babi_file_with_a_megabyte_line(tmp_path):
    path = tmp_path / "qa1_single-supporting-fact_train.txt"
    path.write_text("1 Mary went home.\n2 " + "a " * 500_000 + "\n")
    with pytest.raises(ValueError, match=r"Line 2 of the bAbI file .* is 1,000,003 characters"):
        read_babi_file(path)
    # The longest accepted line is read as usual.
    ok = tmp_path / "qa1_ok_train.txt"
    words = " ".join(["a"] * ((MAX_LINE_LENGTH - 40) // 2))
    ok.write_text(f"1 Mary went {words}.\n2 Where is Mary?\thome\t1\n")
    (example,) = read_babi_file(ok)
    assert example.answer == ("home",)
    assert np.isfinite(len(example.story))


def test_load_weights_keeps_keras_other_warnings(files, recwarn):
    # A good file: no error, and no warning invented.
    model = memn2n(weights=None, vocabulary=len(VOCABULARY))
    shipped_weights.load_weights(model, files / "good.weights.h5")
    assert not [w for w in recwarn if "Skipping" in str(w.message)]
    assert keras.ops.convert_to_numpy(model.get_layer("memory_network").weights[0]).shape
