"""The full MNIST from TensorFlow Datasets (needs the network once)."""

import numpy as np

_SPLITS = ("train", "test")


def load_tfds_mnist(split="train", data_dir=None):
    """Loads the full MNIST split through `tfds.load("mnist")` as NumPy arrays.

    An option for users who are online (the first call downloads about 11 MB
    into `data_dir`); the tests and the project's runs use the IDX files of
    `load_mnist_directory` instead.

    Args:
        split: `"train"` (60,000 digits) or `"test"` (10,000).
        data_dir: Optional TFDS data directory.

    Returns:
        `(images, labels)`: uint8 `(N, 28, 28)` and uint8 `(N,)`, the same
        layout as `load_mnist_directory`.
    """
    if split not in _SPLITS:
        raise ValueError(
            f"Received an invalid value for argument `split`, expected one of {_SPLITS}, "
            f"got {split!r}."
        )
    # Imported here: TFDS is heavy and only this option needs it.
    import tensorflow_datasets as tfds

    images, labels = tfds.as_numpy(
        tfds.load("mnist", split=split, batch_size=-1, as_supervised=True, data_dir=data_dir)
    )
    return np.asarray(images, np.uint8)[..., 0], np.asarray(labels, np.uint8)
