"""keras_memory: neural memory and multiscale recurrence for Keras 3."""

from keras_memory import layers
from keras_memory.version import __version__

__all__ = ["__version__", "layers"]
