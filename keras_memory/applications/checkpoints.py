"""Weights files written so that an interrupted run never leaves half a file."""

import os
import pathlib

from keras_memory import validation


def save_weights_atomically(model, path):
    """`model.save_weights(path)` through a temporary file renamed into place.

    The weights go to a hidden `.<name>.partial.weights.h5` beside `path`,
    which then replaces `path` in one rename: a reader, or a run stopped
    with Ctrl-C while saving, sees the previous complete file or the new
    one, never a half-written one.

    Args:
        model: A Keras model.
        path: A path ending in `.weights.h5`.

    Returns:
        `path` as a `pathlib.Path`.
    """
    path = pathlib.Path(path)
    if not path.name.endswith(".weights.h5"):
        raise validation.invalid_argument("path", "a path ending in .weights.h5", str(path))
    partial = path.with_name(f".{path.name[: -len('.weights.h5')]}.partial.weights.h5")
    model.save_weights(partial)
    os.replace(partial, path)
    return path
