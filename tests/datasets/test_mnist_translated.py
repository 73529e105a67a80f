"""Translated and cluttered MNIST canvases: placement, clutter, seeds, epochs."""

import numpy as np
import pytest

from keras_memory.datasets.mnist import DigitCanvases
from keras_memory.datasets.mnist import cluttered_mnist
from keras_memory.datasets.mnist import default_clutter
from keras_memory.datasets.mnist import place_digits
from keras_memory.datasets.mnist import translated_mnist

RNG = np.random.default_rng(0)
DIGITS = RNG.integers(1, 256, (5, 28, 28)).astype("uint8")  # no zero pixel
LABELS = np.arange(5)


def _find(canvas, digit):
    """The one (row, col) where `digit` (float) sits exactly in `canvas`."""
    size = digit.shape[0]
    hits = [
        (r, c)
        for r in range(canvas.shape[0] - size + 1)
        for c in range(canvas.shape[1] - size + 1)
        if np.array_equal(canvas[r : r + size, c : c + size], digit)
    ]
    assert len(hits) == 1
    return hits[0]


def test_each_digit_is_copied_whole_onto_a_blank_canvas():
    canvases, labels = translated_mnist(DIGITS, LABELS, canvas_size=40, seed=3)
    assert canvases.shape == (5, 40, 40, 1) and canvases.dtype == np.float32
    np.testing.assert_array_equal(labels, LABELS)
    positions = set()
    for canvas, digit in zip(canvases[..., 0], DIGITS / np.float32(255)):
        r, c = _find(canvas, digit.astype("float32"))
        positions.add((r, c))
        rest = canvas.copy()
        rest[r : r + 28, c : c + 28] = 0
        assert rest.max() == 0  # nothing else on a translated canvas
    assert len(positions) > 1  # the positions vary


def test_clutter_is_pieces_of_other_digits_and_never_dims_the_digit():
    digits = np.zeros((3, 28, 28), "uint8")
    digits[0], digits[1], digits[2] = 10, 200, 250  # flat digits tell pieces apart
    canvases = place_digits(digits, 60, num_clutter=4, clutter_size=8, seed=1)[..., 0]
    for i, canvas in enumerate(np.rint(canvases * 255).astype(int)):
        own = int(digits[i, 0, 0])
        values = set(np.unique(canvas).tolist()) - {0}
        others = {int(digits[j, 0, 0]) for j in range(3) if j != i}
        assert own in values
        assert values - {own}  # there is clutter
        assert values - {own} <= others  # and it comes from other digits
        # Where the digit lies, no pixel is below it (max, not overwrite).
        assert (canvas >= own).sum() >= 28 * 28
    # 4 pieces of 8 x 8 at most: the clutter's area outside the digit is bounded.
    assert ((canvases > 0).sum(axis=(1, 2)) <= 28 * 28 + 4 * 64).all()


def test_seeds_repeat_and_differ():
    a = cluttered_mnist(DIGITS, LABELS, 60, seed=(0, 1))[0]
    np.testing.assert_array_equal(a, cluttered_mnist(DIGITS, LABELS, 60, seed=(0, 1))[0])
    assert not np.array_equal(a, cluttered_mnist(DIGITS, LABELS, 60, seed=(0, 2))[0])


def test_the_papers_clutter_counts():
    assert default_clutter(60) == 4 and default_clutter(100) == 8


def test_digit_canvases_draw_new_placements_every_epoch_and_repeat_by_seed():
    data = DigitCanvases(DIGITS, LABELS, batch_size=2, canvas_size=40, seed=4)
    assert len(data) == 3 and data[2][0].shape == (1, 40, 40, 1)
    first = np.concatenate([data[i][0] for i in range(3)])
    first_labels = np.concatenate([data[i][1] for i in range(3)])
    assert sorted(first_labels.tolist()) == LABELS.tolist()
    data.on_epoch_end()
    second = np.concatenate([data[i][0] for i in range(3)])
    assert not np.array_equal(first, second)
    again = DigitCanvases(DIGITS, LABELS, batch_size=2, canvas_size=40, seed=4)
    np.testing.assert_array_equal(np.concatenate([again[i][0] for i in range(3)]), first)
    # A resumed run starts at its epoch: the placements of epoch 1 above.
    resumed = DigitCanvases(DIGITS, LABELS, batch_size=2, canvas_size=40, seed=4, epoch=1)
    np.testing.assert_array_equal(np.concatenate([resumed[i][0] for i in range(3)]), second)


def test_digit_canvases_feed_fit():
    import keras

    model = keras.Sequential(
        [keras.Input((40, 40, 1)), keras.layers.Flatten(), keras.layers.Dense(5)]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(
        DigitCanvases(DIGITS, LABELS, batch_size=2, canvas_size=40), epochs=2, verbose=0
    )
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"canvas_size": 20}, "canvas_size"),
        ({"canvas_size": 0}, "canvas_size"),
        ({"num_clutter": -1}, "num_clutter"),
        ({"clutter_size": 0}, "clutter_size"),
        ({"clutter_size": 29}, "clutter_size"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_named(kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        place_digits(DIGITS, **kwargs)


def test_bad_digits_are_named():
    with pytest.raises(ValueError, match="argument `images`.*rank 3"):
        place_digits(np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match="argument `images`.*at least 2"):
        place_digits(DIGITS[:1], num_clutter=1)
    with pytest.raises(ValueError, match="argument `labels`"):
        translated_mnist(DIGITS, LABELS[:2])
    with pytest.raises(ValueError, match="argument `batch_size`"):
        DigitCanvases(DIGITS, LABELS, batch_size=0)
    with pytest.raises(ValueError, match="argument `epoch`.*-1"):
        DigitCanvases(DIGITS, LABELS, epoch=-1)
