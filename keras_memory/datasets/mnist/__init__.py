"""MNIST for the recurrent glimpse model (Mnih et al., 2014).

- `idx`: the reader of the standard IDX files (`read_idx`,
  `load_mnist_directory`, gzipped or not), `write_idx`, and a class-balanced
  seeded validation split (`split_validation`);
- `translated`: translated and cluttered canvases (`place_digits`,
  `translated_mnist`, `cluttered_mnist`) and `DigitCanvases`, a
  `keras.utils.PyDataset` with new placements every epoch.

The package's own data is generated or read from files a user points at;
`tfds.load("mnist")` gives the full set when online (see the docs page).

Reference:
    V. Mnih, N. Heess, A. Graves, K. Kavukcuoglu. *Recurrent Models of
    Visual Attention.* NIPS 2014. arXiv:1406.6247.
"""

from keras_memory.datasets.mnist.idx import IMAGES_MAGIC
from keras_memory.datasets.mnist.idx import LABELS_MAGIC
from keras_memory.datasets.mnist.idx import load_mnist_directory
from keras_memory.datasets.mnist.idx import read_idx
from keras_memory.datasets.mnist.idx import split_validation
from keras_memory.datasets.mnist.idx import write_idx
from keras_memory.datasets.mnist.tfds_mnist import load_tfds_mnist
from keras_memory.datasets.mnist.translated import DigitCanvases
from keras_memory.datasets.mnist.translated import cluttered_mnist
from keras_memory.datasets.mnist.translated import default_clutter
from keras_memory.datasets.mnist.translated import place_digits
from keras_memory.datasets.mnist.translated import translated_mnist

__all__ = [
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "DigitCanvases",
    "cluttered_mnist",
    "default_clutter",
    "load_mnist_directory",
    "load_tfds_mnist",
    "place_digits",
    "read_idx",
    "split_validation",
    "translated_mnist",
    "write_idx",
]
