"""Where the applications' shipped weights live, and how `weights=` resolves.

Every application takes `weights=` as the name of shipped weights (a key of
its own table, e.g. `{"copy": "ntm_copy/copy.weights.h5"}`), `None` for a
fresh model, or the path of a `.weights.h5` file.
"""

import importlib.resources
import pathlib

from keras_memory import validation


def saved_models_dir():
    """The folder of the shipped weights: installed or in the source tree.

    A wheel or sdist install carries the repository's `saved_models/` as the
    package data `keras_memory/saved_models/`; an editable install (or a
    checkout on `PYTHONPATH`) reads the source tree's `saved_models/`.
    """
    installed = importlib.resources.files("keras_memory") / "saved_models"
    if installed.is_dir():
        return pathlib.Path(str(installed))
    return pathlib.Path(__file__).resolve().parents[2] / "saved_models"


def shipped_weights_path(weights, table):
    """Path of the shipped weights called `weights` in `table` (name -> file)."""
    if not isinstance(weights, str) or weights not in table:
        raise validation.invalid_argument(
            "weights",
            f"one of {sorted(table)}, None or a path to a `.weights.h5` file",
            weights,
        )
    path = saved_models_dir() / table[weights]
    if not path.is_file():
        raise FileNotFoundError(
            f"The shipped weights {weights!r} are not at {path}: this "
            "installation of keras_memory lacks its saved_models/ package "
            "data. Reinstall it from a wheel, an sdist or a checkout "
            "(`pip install keras-memory`, `pip install .`), or pass the "
            "file's path as `weights`."
        )
    return path


def weights_file(weights, table, beside=""):
    """The file behind `weights`: a shipped name, a path, or `None`.

    Args:
        weights: A key of `table`, `None`, or a path.
        table: Dict of shipped weights names to paths under `saved_models/`.
        beside: Text for the error message naming what must sit beside a
            user's weights file (e.g. its vocabulary).
    """
    if weights is None:
        return None
    if isinstance(weights, str) and weights in table:
        return shipped_weights_path(weights, table)
    if not isinstance(weights, (str, pathlib.Path)) or not pathlib.Path(weights).is_file():
        raise validation.invalid_argument(
            "weights",
            f"one of {sorted(table)}, None or the path of an existing "
            f"`.weights.h5` file{beside}",
            weights,
        )
    return pathlib.Path(weights)
