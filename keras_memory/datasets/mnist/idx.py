"""The reader of the MNIST IDX files, and a validation split of a training set.

IDX (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a big-endian binary
format: two zero bytes, a type code (`0x08`: unsigned bytes), the number of
dimensions, one 4-byte size per dimension, then the values. The MNIST files
are `train-images-idx3-ubyte` (`0x00000803`, `(N, 28, 28)`),
`train-labels-idx1-ubyte` (`0x00000801`, `(N,)`) and their `t10k-` test
counterparts, distributed gzipped (`.gz`) or not; the reader takes both,
telling them apart by the gzip magic bytes, not by the name.
"""

import gzip
import os

import numpy as np

from keras_memory import validation

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
SPLITS = ("train", "t10k")
NUM_CLASSES = 10
_GZIP_MAGIC = b"\x1f\x8b"
_UNSIGNED_BYTE = 0x08


def _read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(f"The IDX file {path} is a corrupted gzip file: {error}") from error
    return data


def read_idx(path, expected_magic=None):
    """Reads one IDX file (gzipped or not) into a NumPy array.

    Args:
        path: The file's path (`*-idx3-ubyte`, `*-idx1-ubyte`, with or
            without `.gz`).
        expected_magic: Optional integer, the magic number the file must
            have (`IMAGES_MAGIC` or `LABELS_MAGIC`).

    Returns:
        A `uint8` array of the file's shape: `(N, 28, 28)` for MNIST
        images, `(N,)` for labels.

    Raises:
        ValueError: naming the file and what is wrong with it: not IDX, a
            magic number other than `expected_magic`, a type other than
            unsigned bytes, or a body shorter or longer than its header says.

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from keras_memory.datasets.mnist import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> write_idx(path, np.array([7, 2, 1], "uint8"))
    >>> read_idx(path).tolist()
    [7, 2, 1]
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"The IDX file {path} is truncated: {len(data)} bytes, no header.")
    magic = int.from_bytes(data[:4], "big")
    if data[:2] != b"\x00\x00" or data[3] == 0:
        raise ValueError(
            f"The file {path} is not an IDX file: magic number 0x{magic:08x}, expected "
            "two zero bytes, a type code and a number of dimensions."
        )
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"The IDX file {path} has the magic number 0x{magic:08x}, expected "
            f"0x{expected_magic:08x}."
        )
    if data[2] != _UNSIGNED_BYTE:
        raise ValueError(
            f"The IDX file {path} holds type 0x{data[2]:02x}, expected unsigned bytes (0x08)."
        )
    rank = data[3]
    header = 4 + 4 * rank
    if len(data) < header:
        raise ValueError(f"The IDX file {path} is truncated inside its header.")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    expected = int(np.prod(shape))
    body = len(data) - header
    if body != expected:
        what = "truncated" if body < expected else "longer than its header says"
        raise ValueError(
            f"The IDX file {path} is {what}: {body} bytes of values, its header "
            f"{shape} needs {expected}."
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape).copy()


def write_idx(path, array):
    """Writes a `uint8` array as an IDX file (gzipped when `path` ends in `.gz`).

    For tests and for users who make their own digit sets.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise validation.invalid_argument("array", "a uint8 array", array.dtype)
    if not 1 <= array.ndim <= 255:
        raise validation.invalid_argument("array", "an array of rank 1 to 255", array.ndim)
    header = bytes([0, 0, _UNSIGNED_BYTE, array.ndim])
    header += b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    data = header + array.tobytes()
    path = os.fspath(path)
    if path.endswith(".gz"):
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    # The full distribution once named them with a dot (train-images.idx3-ubyte).
    dotted = stem.replace("-idx", ".idx")
    for name in (dotted, dotted + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(
        f"No {stem} (or {stem}.gz) in {directory}: expected the standard MNIST file names."
    )


def load_mnist_directory(directory, split="train"):
    """The images and labels of one split from a directory of MNIST IDX files.

    Args:
        directory: A directory holding `{split}-images-idx3-ubyte` and
            `{split}-labels-idx1-ubyte`, gzipped or not (the official
            distribution, or `../shared/data/mnist-5k`).
        split: `"train"` or `"t10k"` (the official test set).

    Returns:
        `(images, labels)`: `uint8` arrays `(N, H, W)` and `(N,)`.

    Raises:
        FileNotFoundError: when a file is missing. ValueError: when a file is
            corrupted, or images and labels differ in number or a label is
            not a digit.
    """
    directory = os.fspath(directory)
    split = validation.check_choice("split", split, SPLITS)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"The MNIST directory {directory} does not exist.")
    images_path = _find(directory, f"{split}-images-idx3-ubyte")
    labels_path = _find(directory, f"{split}-labels-idx1-ubyte")
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels."
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        raise ValueError(
            f"{labels_path} holds the label {int(labels.max())}, expected digits 0 to 9."
        )
    return images, labels


def split_validation(images, labels, validation_per_class=100, seed=0):
    """A class-balanced, seeded train/validation split of a training set.

    The 5,000 digits of `../shared/data/mnist-5k` are sorted by class (500
    of each), so "the last 1,000" would be digits 8 and 9 only: this takes
    `validation_per_class` digits of every class, drawn by `seed`, for
    validation (100 gives the 4,000 / 1,000 split the package trains on).

    Args:
        images: `(N, ...)` array.
        labels: `(N,)` integer class labels.
        validation_per_class: Non-negative integer, held out per class.
        seed: Non-negative integer seed of the draw.

    Returns:
        `(train_images, train_labels), (validation_images, validation_labels)`,
        each in the input's order.
    """
    labels = np.asarray(labels)
    images = np.asarray(images)
    if len(images) != len(labels):
        raise validation.invalid_argument(
            "labels", f"as many labels as images ({len(images)})", len(labels)
        )
    validation_per_class = validation.check_int_at_least(
        "validation_per_class", validation_per_class, 0
    )
    seed = validation.check_seed(seed)
    rng = np.random.default_rng(seed)
    held_out = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) <= validation_per_class:
            raise validation.invalid_argument(
                "validation_per_class",
                f"fewer than the {len(members)} examples of class {int(label)}",
                validation_per_class,
            )
        held_out[rng.choice(members, validation_per_class, replace=False)] = True
    return (images[~held_out], labels[~held_out]), (images[held_out], labels[held_out])
