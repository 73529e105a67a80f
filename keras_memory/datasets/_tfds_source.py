"""What the TFDS builders of `keras_memory.datasets` share (imports TFDS)."""

import inspect

import tensorflow_datasets as tfds
from etils import epath


class SourceFileCodePath:
    """A builder mixin: `code_path` is the file that defines the class.

    TFDS 4.9.10 resolves a package module's path through
    `importlib_resources`, which it only installs on Python < 3.9, so
    `download_and_prepare` fails with "No module named 'importlib_resources'"
    (tensorflow/datasets#11212). The class's source file is all it needs (to
    look for a checksums file).
    """

    @tfds.core.utils.classproperty
    @classmethod
    def code_path(cls):
        return epath.Path(inspect.getfile(cls))
