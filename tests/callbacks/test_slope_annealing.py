"""SlopeAnnealing: the paper's schedule, every cell found, nothing retraced."""

import keras
import numpy as np
import pytest

from keras_memory.callbacks import SlopeAnnealing
from keras_memory.callbacks import find_layers
from keras_memory.callbacks import paper_slope_schedule
from keras_memory.layers.hmlstm import HMLSTM
from keras_memory.layers.hmlstm_cell import HMLSTMCell


class TracedCell(HMLSTMCell):
    """Counts how often `call` runs in Python: once per trace in graph mode."""

    calls = 0

    def call(self, inputs, states, training=False):
        TracedCell.calls += 1
        return super().call(inputs, states, training=training)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(8, 5, 3)).astype("float32"),
        rng.normal(size=(8, 1)).astype("float32"),
    )


def test_paper_schedule_by_hand():
    assert [paper_slope_schedule(e) for e in (0, 1, 2, 25)] == pytest.approx(
        [1.0, 1.04, 1.08, 2.0]
    )
    assert paper_slope_schedule(100) == pytest.approx(5.0)
    assert paper_slope_schedule(1000) == 5.0


@pytest.mark.parametrize("jit_compile", [False, True])
def test_slope_follows_the_schedule_without_retracing(jit_compile):
    TracedCell.calls = 0
    cell = TracedCell([2, 2])
    model = keras.Sequential(
        [keras.Input((3, 3)), keras.layers.RNN(cell), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    seen = []  # (slope during the epoch, Python calls of the cell so far)
    probe = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            (float(keras.ops.convert_to_numpy(cell.slope)), TracedCell.calls)
        )
    )
    annealing = SlopeAnnealing(lambda epoch: 1.0 + 1.5 * epoch)
    x, y = _data()
    x = x[:, :3]
    history = model.fit(
        x, y, batch_size=4, epochs=4, verbose=0, callbacks=[annealing, probe]
    )
    assert [slope for slope, _ in seen] == [1.0, 2.5, 4.0, 5.5]
    assert annealing.history == [1.0, 2.5, 4.0, 5.5]
    assert history.history["slope"] == [1.0, 2.5, 4.0, 5.5]
    # All tracing happened in the first epoch: later slopes reuse the graph.
    assert len({calls for _, calls in seen}) == 1


def test_finds_cells_in_layers_wrappers_and_nested_models():
    inputs = keras.Input((5, 3))
    x = keras.layers.Bidirectional(HMLSTM([3, 2], return_sequences=True))(inputs)
    x = keras.layers.RNN(HMLSTMCell([2, 2]), return_sequences=True)(x)
    inner = keras.Sequential([keras.Input((5, 4)), HMLSTM([3, 3])])
    model = keras.Model(inputs, keras.layers.Dense(1)(inner(x)))
    cells = find_layers(model, HMLSTMCell)
    assert len(cells) == 4  # forward, backward, RNN, nested
    assert len({id(cell) for cell in cells}) == 4

    callback = SlopeAnnealing(lambda e: 3.0 + e)
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_epoch_begin(1)
    for cell in cells:
        assert keras.ops.convert_to_numpy(cell.slope) == 4.0


def test_the_annealed_slope_is_saved_with_the_weights(tmp_path):
    model = keras.Sequential(
        [keras.Input((5, 3)), HMLSTM([3, 2], name="hm"), keras.layers.Dense(1)]
    )
    callback = SlopeAnnealing(lambda e: 1 + e)
    callback.set_model(model)
    callback.on_epoch_begin(2)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert keras.ops.convert_to_numpy(loaded.get_layer("hm").slope) == 3.0
    assert loaded.get_layer("hm").get_config()["slope"] == 1.0  # the initial value


def test_a_model_without_hmlstm_is_refused():
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(2), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="found no HMLSTMCell in the model"):
        model.fit(*_data(), epochs=1, verbose=0, callbacks=[SlopeAnnealing()])


@pytest.mark.parametrize(
    "value, shown", [(0.5, "0.5"), (0.0, "0.0"), (-2, "-2"), (float("nan"), "nan"), ("2", "'2'")]
)
def test_schedule_values_below_one_name_the_argument_and_value(value, shown):
    callback = SlopeAnnealing(lambda epoch: 2.0 if epoch < 1 else value)
    assert callback.slope_at(0) == 2.0
    with pytest.raises(ValueError) as error:
        callback.slope_at(1)
    message = str(error.value)
    assert "argument `schedule`" in message and "epoch 1" in message
    assert message.endswith(f"got {shown}.")


def test_a_bad_schedule_value_stops_training():
    model = keras.Sequential([keras.Input((5, 3)), HMLSTM([2, 2]), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="`schedule`.*got 0.9."):
        model.fit(*_data(), epochs=1, verbose=0, callbacks=[SlopeAnnealing(lambda e: 0.9)])


@pytest.mark.parametrize("schedule, shown", [(2.0, "2.0"), ("paper", "'paper'")])
def test_a_schedule_that_is_not_a_function_is_refused(schedule, shown):
    with pytest.raises(ValueError) as error:
        SlopeAnnealing(schedule)
    assert "argument `schedule`" in str(error.value)
    assert str(error.value).endswith(f"got {shown}.")
