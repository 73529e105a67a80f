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
            f"one of {sorted(table)}, None or the path of an existing `.weights.h5` file{beside}",
            weights,
        )
    return pathlib.Path(weights)


def metadata_path(weights_path):
    """The metadata file beside a weights file: `<stem>.json`."""
    weights_path = pathlib.Path(weights_path)
    return weights_path.with_name(weights_path.name.removesuffix(".weights.h5") + ".json")


# The first 8 bytes of every HDF5 file (a `.weights.h5` is one).
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def load_weights(model, path, mismatch_hint=""):
    """`model.load_weights(path)`, with errors that name the file and the fault.

    Keras's own errors do not say which file they read ("Unable to
    synchronously open file (file signature not found)"), and a file whose
    groups do not match the model loads with only a `UserWarning`
    ("Skipping nested container ...: Affected layers will retain their
    freshly-initialized weights"), a silently untrained model. Both are a
    `ValueError` here.

    Args:
        model: The built model.
        path: The `.weights.h5` file.
        mismatch_hint: Text added when the file's shapes or layers do not
            fit the model (e.g. what the vocabulary size was).

    Raises:
        ValueError: The file is empty, truncated, not HDF5, or does not
            hold this model's weights.
    """
    import warnings

    path = pathlib.Path(path)
    with open(path, "rb") as file:
        head = file.read(len(_HDF5_SIGNATURE))
    if head != _HDF5_SIGNATURE:
        what = "is empty" if not head else "has no HDF5 signature (it is not a `.weights.h5` file)"
        raise ValueError(f"Could not load the weights file {str(path)!r}: the file {what}.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
        except OSError as error:
            raise ValueError(
                f"Could not load the weights file {str(path)!r}: the file is corrupted "
                f"or truncated ({error})."
            ) from None
        except ValueError as error:
            # Keras appends the whole target variable's values: keep the shapes.
            reason = " ".join(str(error).split("Target variable:")[0].split())
            raise ValueError(
                f"The weights file {str(path)!r} does not fit the model "
                f"{model.name!r}{mismatch_hint}: {reason}"
            ) from None
    skipped = [str(w.message) for w in caught if "Skipping" in str(w.message)]
    if skipped:
        raise ValueError(
            f"The weights file {str(path)!r} does not hold all the weights of the model "
            f"{model.name!r} (corrupted, or another model's): {skipped[0]}"
        )
    for warning in caught:  # the others, as Keras gave them
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def load_model(path, **kwargs):
    """`keras.saving.load_model(path)`, with errors naming the file and fault.

    Keras says "File not found ... Please ensure the file is an accessible
    `.keras` zip file" for a file that is there but truncated or not a zip.
    The package's classes are registered when `keras_memory` is imported
    (which importing this module does), so a `.keras` file the package
    wrote loads here without `custom_objects`.

    Raises:
        FileNotFoundError: There is no file at `path`.
        ValueError: The file is empty, not a zip archive (truncated or
            corrupted), or not a Keras model archive.
    """
    import zipfile

    import keras

    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No `.keras` file at {str(path)!r}.")
    if path.stat().st_size == 0:
        raise ValueError(f"Could not load the model file {str(path)!r}: the file is empty.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"Could not load the model file {str(path)!r}: it is not a zip archive "
            "(a `.keras` file is one): truncated, corrupted or another format."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(
            f"Could not load the model file {str(path)!r}: the archive is corrupted ({error})."
        ) from None
    if broken is not None:
        raise ValueError(
            f"Could not load the model file {str(path)!r}: its member {broken!r} is corrupted."
        )
    if "config.json" not in names:
        raise ValueError(
            f"Could not load the model file {str(path)!r}: the archive has no config.json "
            f"(not a Keras model archive; members: {names[:5]})."
        )
    return keras.saving.load_model(path, **kwargs)
