"""Translated and cluttered MNIST: the canvases of the glimpse model's paper.

Mnih et al. (2014, section 4.1) place each 28 x 28 digit at a random position
of a larger blank canvas ("translated MNIST", 60 x 60), and for "cluttered
translated MNIST" add pieces of other digits: `num_clutter` random
`clutter_size x clutter_size` crops (8 x 8) of random other digits at random
positions (4 pieces on 60 x 60, 8 on 100 x 100 in the paper). Where a piece
overlaps the digit the brighter pixel wins (`maximum`), so clutter never
erases the digit.

Placements are seeded: `(seed, epoch)` gives the same canvases every time,
and `DigitCanvases` (a `keras.utils.PyDataset`) draws new placements every
epoch, as the paper's generator does.
"""

import keras
import numpy as np

from keras_memory import validation

DIGIT_SIZE = 28
PAPER_CLUTTER = {60: 4, 100: 8}  # pieces per canvas in the paper


def _check_digits(images, labels):
    images = np.asarray(images)
    if images.ndim != 3:
        raise validation.invalid_argument(
            "images", "digits of rank 3, (N, height, width)", f"shape {images.shape}"
        )
    if labels is not None and len(np.asarray(labels)) != len(images):
        raise validation.invalid_argument(
            "labels", f"as many labels as images ({len(images)})", len(np.asarray(labels))
        )
    if images.dtype == np.uint8:
        return images.astype("float32") / 255.0
    return images.astype("float32")


def default_clutter(canvas_size):
    """The paper's number of clutter pieces for a canvas: 4 up to 60, 8 above."""
    return PAPER_CLUTTER[60] if canvas_size <= 60 else PAPER_CLUTTER[100]


def place_digits(images, canvas_size=60, num_clutter=0, clutter_size=8, seed=0):
    """Each digit at a random position of a blank canvas, with clutter.

    Args:
        images: `(N, h, w)` digits, `uint8` (scaled to [0, 1]) or float.
        canvas_size: Integer at least the digits' size; the canvas side `S`.
        num_clutter: Non-negative integer, the pieces of other digits per
            canvas (0: translated MNIST).
        clutter_size: Positive integer at most the digits' size, the side of
            a piece.
        seed: A non-negative integer or a tuple of them (e.g. `(seed,
            epoch)`).

    Returns:
        float32 canvases `(N, S, S, 1)` in [0, 1].

    Example:

    >>> import numpy as np
    >>> from keras_memory.datasets.mnist import place_digits
    >>> digits = np.zeros((2, 28, 28), "uint8"); digits[:, 10:18, 10:18] = 255
    >>> canvases = place_digits(digits, canvas_size=60, seed=0)
    >>> canvases.shape, float(canvases.sum(axis=(1, 2, 3))[0])
    ((2, 60, 60, 1), 64.0)
    """
    digits = _check_digits(images, None)
    n, height, width = digits.shape
    canvas_size = validation.check_positive_int("canvas_size", canvas_size)
    if canvas_size < max(height, width):
        raise validation.invalid_argument(
            "canvas_size", f"at least the digits' size ({max(height, width)})", canvas_size
        )
    num_clutter = validation.check_int_at_least("num_clutter", num_clutter, 0)
    clutter_size = validation.check_positive_int("clutter_size", clutter_size)
    if clutter_size > min(height, width):
        raise validation.invalid_argument(
            "clutter_size", f"at most the digits' size ({min(height, width)})", clutter_size
        )
    if num_clutter and n < 2:
        raise validation.invalid_argument(
            "images", "at least 2 digits (clutter comes from other digits)", n
        )
    seed = validation.check_seed(seed, allow_tuple=True)
    rng = np.random.default_rng(seed)
    canvases = np.zeros((n, canvas_size, canvas_size), "float32")
    rows = rng.integers(0, canvas_size - height + 1, n)
    cols = rng.integers(0, canvas_size - width + 1, n)
    for i in range(n):
        canvases[i, rows[i] : rows[i] + height, cols[i] : cols[i] + width] = digits[i]
    if num_clutter:
        # Another digit for every piece (never the canvas's own digit).
        sources = rng.integers(0, n - 1, (n, num_clutter))
        sources += sources >= np.arange(n)[:, None]
        crop_rows = rng.integers(0, height - clutter_size + 1, (n, num_clutter))
        crop_cols = rng.integers(0, width - clutter_size + 1, (n, num_clutter))
        at_rows = rng.integers(0, canvas_size - clutter_size + 1, (n, num_clutter))
        at_cols = rng.integers(0, canvas_size - clutter_size + 1, (n, num_clutter))
        for i in range(n):
            for k in range(num_clutter):
                r, c = crop_rows[i, k], crop_cols[i, k]
                piece = digits[sources[i, k], r : r + clutter_size, c : c + clutter_size]
                ar, ac = at_rows[i, k], at_cols[i, k]
                region = canvases[i, ar : ar + clutter_size, ac : ac + clutter_size]
                np.maximum(region, piece, out=region)
    return canvases[..., None]


def translated_mnist(images, labels, canvas_size=60, seed=0):
    """`(canvases (N, S, S, 1), labels)`: each digit at a random position."""
    _check_digits(images, labels)
    return place_digits(images, canvas_size, seed=seed), np.asarray(labels)


def cluttered_mnist(images, labels, canvas_size=60, num_clutter=None, clutter_size=8, seed=0):
    """`(canvases (N, S, S, 1), labels)`: translated digits among clutter.

    `num_clutter=None` takes the paper's: 4 pieces on canvases up to 60 x 60,
    8 on larger ones (100 x 100).
    """
    _check_digits(images, labels)
    if num_clutter is None:
        num_clutter = default_clutter(validation.check_positive_int("canvas_size", canvas_size))
    canvases = place_digits(images, canvas_size, num_clutter, clutter_size, seed=seed)
    return canvases, np.asarray(labels)


class DigitCanvases(keras.utils.PyDataset):
    """Batches of placed digits, with new placements every epoch.

    Epoch `e` draws its canvases with the seed `(seed, e)`, so a run repeats
    exactly and no two epochs see the same placements (the paper generates
    its translated and cluttered digits on the fly). Pass it to `fit` as `x`.

    Args:
        images, labels: The digits `(N, h, w)` and their classes `(N,)`.
        batch_size: Positive integer.
        canvas_size, num_clutter, clutter_size: As in `place_digits`
            (`num_clutter=0`: translated digits).
        seed: Non-negative integer.
        shuffle: Whether the order of the digits changes every epoch too.
        epoch: Non-negative integer, the epoch the first pass draws: a run
            resumed from a backup at epoch `e` sees the placements of the
            run never stopped with `epoch=e`. Default: `0`.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).
    """

    def __init__(
        self,
        images,
        labels,
        batch_size=64,
        canvas_size=60,
        num_clutter=0,
        clutter_size=8,
        seed=0,
        shuffle=True,
        epoch=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.images = np.asarray(images)
        _check_digits(self.images, labels)
        self.labels = np.asarray(labels)
        self.batch_size = validation.check_positive_int("batch_size", batch_size)
        self.canvas_size = canvas_size
        self.num_clutter = num_clutter
        self.clutter_size = clutter_size
        self.seed = validation.check_seed(seed)
        self.shuffle = validation.check_bool("shuffle", shuffle)
        self.epoch = validation.check_int_at_least("epoch", epoch, 0)
        self._make_epoch()

    def _make_epoch(self):
        order = np.arange(len(self.images))
        if self.shuffle:
            order = np.random.default_rng((self.seed, self.epoch, 1)).permutation(order)
        self._canvases = place_digits(
            self.images[order],
            self.canvas_size,
            self.num_clutter,
            self.clutter_size,
            seed=(self.seed, self.epoch),
        )
        self._labels = self.labels[order]

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self._canvases[batch], self._labels[batch]

    def on_epoch_end(self):
        self.epoch += 1
        self._make_epoch()
