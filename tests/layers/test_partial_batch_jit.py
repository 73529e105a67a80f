"""Training under XLA with a partial last batch (5 samples, batch size 4).

XLA compiles the step for the first batch's shape and again for the last
one; ops whose shape arguments depend on the batch (a Tensordot transpose, a
BroadcastTo gradient) fail there with "must be a compile-time constant".
"""

import keras
import numpy as np
import pytest

from keras_memory import layers


def _previous_state_attention():
    return layers.PreviousStateAttention(
        keras.layers.GRUCell(4), window=3, return_sequences=True
    )


def _bidirectional_previous_state_attention():
    return keras.layers.Bidirectional(_previous_state_attention())


def _hard_reads():
    return layers.MemoryRNN(
        units=4, memory_size=5, memory_width=3, addressing="location",
        reads="hard", writes="residual", read_heads=2, write_heads=2,
        return_sequences=True, seed=1,
    )


def _model(make_layer):
    inputs = keras.Input((6, 3))
    features = make_layer()(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="prediction")(features))


@pytest.mark.parametrize(
    "make_layer",
    [_previous_state_attention, _bidirectional_previous_state_attention, _hard_reads],
    ids=["previous_state_attention", "bidirectional", "memory_rnn_hard_reads"],
)
def test_jit_fit_with_a_partial_last_batch_matches_eager(make_layer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 6, 3)).astype("float32")
    y = rng.normal(size=(5, 6, 2)).astype("float32")
    initial = _model(make_layer).get_weights()
    trained = {}
    for jit_compile in (False, True):
        keras.utils.set_random_seed(7)
        model = _model(make_layer)
        model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile
        )
        history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        trained[jit_compile] = model.get_weights()
    moved = [
        np.max(np.abs(after - before)) for before, after in zip(initial, trained[False])
    ]
    assert max(moved) > 1e-4
    for without_xla, with_xla in zip(trained[False], trained[True]):
        np.testing.assert_allclose(with_xla, without_xla, atol=1e-5)
