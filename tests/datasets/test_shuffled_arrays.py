"""`shuffled_array_batches`: every pass a permutation from `(seed, pass)`."""

import numpy as np
import pytest

from keras_memory.datasets import shuffled_array_batches
from keras_memory.datasets import shuffled_steps

X = np.arange(7 * 3, dtype="float32").reshape(7, 3)
IDS = np.arange(7, dtype="int32")


def _rows(dataset, count):
    return [inputs["ids"].tolist() for inputs, _ in dataset.take(count).as_numpy_iterator()]


def _stream(**kwargs):
    return shuffled_array_batches(({"x": X, "ids": IDS}, IDS * 10), 3, seed=5, **kwargs)


def test_each_pass_is_the_seeded_permutation_cut_like_fit():
    assert shuffled_steps(7, 3) == 3
    batches = list(_stream().take(6).as_numpy_iterator())
    for p in range(2):
        order = np.random.default_rng((5, p)).permutation(7)
        expected = [order[0:3], order[3:6], order[6:7]]  # the last batch partial
        for (inputs, targets), rows in zip(batches[3 * p : 3 * p + 3], expected):
            np.testing.assert_array_equal(inputs["ids"], rows)
            np.testing.assert_array_equal(inputs["x"], X[rows])
            np.testing.assert_array_equal(targets, rows * 10)
    first, second = (sorted(sum(_rows(_stream(start=3 * p), 3), [])) for p in range(2))
    assert first == second == list(range(7))  # every example once a pass


def test_every_iterator_yields_the_stream_from_start():
    stream = _stream()
    full = _rows(stream, 9)
    assert full[:3] != full[3:6]  # reshuffled
    next(iter(stream))  # a dropped iterator (Keras under a strategy) moves nothing
    assert _rows(stream, 9) == full
    assert _rows(_stream(start=4), 5) == full[4:]
    assert _rows(_stream(start=6), 3) == full[6:]
    assert int(stream.cardinality()) == -1  # infinite


def test_single_array_and_fit():
    import keras

    stream = shuffled_array_batches(X, 2)
    assert next(iter(stream)).shape == (2, 3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(
        shuffled_array_batches((X, IDS.astype("float32")), 4), steps_per_epoch=2, epochs=2,
        shuffle=False, verbose=0,
    )
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize(
    "arrays, kwargs, argument",
    [
        ((X, IDS[:3]), {}, "arrays"),
        (np.float32(1.0), {}, "arrays"),
        ((X[:0],), {}, "arrays"),
        ((X,), {"batch_size": 0}, "batch_size"),
        ((X,), {"seed": -1}, "seed"),
        ((X,), {"start": -2}, "start"),
    ],
)
def test_bad_arguments_are_named(arrays, kwargs, argument):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        shuffled_array_batches(arrays, **kwargs)
