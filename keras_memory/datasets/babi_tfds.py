"""The former path of `keras_memory.datasets.babi.tfds` (the same module)."""

import sys

from keras_memory.datasets.babi import tfds

sys.modules[__name__] = tfds
