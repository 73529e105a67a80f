"""The former path of `keras_memory.datasets.algorithmic.tfds` (the same module)."""

import sys

from keras_memory.datasets.algorithmic import tfds

sys.modules[__name__] = tfds
