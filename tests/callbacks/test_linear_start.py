"""LinearStart: softmax off at the start, back on when the loss plateaus."""

import keras
import numpy as np
import pytest

from keras_memory.callbacks import LinearStart
from keras_memory.callbacks import find_layers
from keras_memory.layers.memory_network import MemoryNetwork
from keras_memory.layers.memory_network_response import MemoryNetworkResponse

V = 9


class TracedNetwork(MemoryNetwork):
    """Counts how often `call` runs in Python: once per trace in graph mode."""

    calls = 0

    def call(self, inputs, training=False):
        TracedNetwork.calls += 1
        return super().call(inputs, training=training)


def _data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    story = rng.integers(0, V, size=(n, 4, 3)).astype("int32")
    question = rng.integers(1, V, size=(n, 3)).astype("int32")
    answer = rng.integers(1, V, size=(n,)).astype("int32")
    return [story, question], answer


def _model(network_class=MemoryNetwork, nested=False):
    inputs = [keras.Input((4, 3), dtype="int32"), keras.Input((3,), dtype="int32")]
    outputs = network_class(V, 4, hops=2, memory_size=4, name="memory")(inputs)
    model = keras.Model(inputs, outputs)
    if nested:
        outer_inputs = [
            keras.Input((4, 3), dtype="int32"),
            keras.Input((3,), dtype="int32"),
        ]
        model = keras.Model(outer_inputs, model(outer_inputs))
    return model


def _flags(model):
    return [float(network.linear_start) for network in find_layers(model, MemoryNetwork)]


def test_finds_networks_in_nested_models_and_subclasses():
    assert len(find_layers(_model(nested=True), MemoryNetwork)) == 1
    inputs = [keras.Input((4, 3), dtype="int32"), keras.Input((3,), dtype="int32")]
    both = keras.Model(
        inputs,
        [MemoryNetwork(V, 4)(inputs), MemoryNetworkResponse(V, 4)(inputs)],
    )
    assert len(find_layers(both, MemoryNetwork)) == 2


def test_softmax_comes_back_when_the_loss_stops_decreasing():
    model = _model(nested=True)
    callback = LinearStart()
    callback.set_model(model)
    callback.on_train_begin()
    assert _flags(model) == [1.0]
    for epoch, loss in enumerate([1.0, 0.9, 0.8]):
        callback.on_epoch_end(epoch, {"val_loss": loss})
    assert callback.linear and _flags(model) == [1.0]
    logs = {"val_loss": 0.85}
    callback.on_epoch_end(3, logs)
    assert not callback.linear and _flags(model) == [0.0]
    assert callback.stopped_epoch == 3
    assert logs["linear_start"] == 1.0  # epoch 3 was trained linear
    callback.on_epoch_end(4, {"val_loss": 0.1})
    assert callback.history == [1.0, 1.0, 1.0, 1.0, 0.0]
    # A later fit with the same callback keeps the softmax.
    callback.on_train_begin()
    assert _flags(model) == [0.0]


@pytest.mark.parametrize(
    "kwargs,losses,stopped",
    [
        ({"patience": 1}, [1.0, 1.1, 0.9, 1.0, 1.0], 4),
        ({"min_delta": 0.2}, [1.0, 0.9], 1),
        ({"max_epochs": 2}, [1.0, 0.5, 0.25], 1),
        ({"monitor": "loss"}, [1.0, 1.0], 1),
        # At least 3 linear epochs, though the loss rises after the first.
        ({"min_epochs": 3}, [1.0, 1.1, 1.2, 1.3], 2),
        # min_epochs = max_epochs: a fixed length (the authors' code),
        # whether the loss falls or rises.
        ({"min_epochs": 2, "max_epochs": 2}, [1.0, 0.5, 0.25], 1),
        ({"min_epochs": 2, "max_epochs": 2}, [1.0, 2.0, 3.0], 1),
    ],
)
def test_patience_min_delta_max_epochs_and_monitor(kwargs, losses, stopped):
    model = _model()
    callback = LinearStart(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    monitor = kwargs.get("monitor", "val_loss")
    for epoch, loss in enumerate(losses):
        callback.on_epoch_end(epoch, {monitor: loss})
    assert callback.stopped_epoch == stopped
    assert _flags(model) == [0.0]


def test_fit_switches_the_softmax_back_without_retracing():
    x, y = _data()
    model = _model(TracedNetwork)
    model.compile(
        keras.optimizers.SGD(0.01),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=True,
    )
    callback = LinearStart(max_epochs=1)
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[callback])
    assert callback.linear is False and _flags(model) == [0.0]
    TracedNetwork.calls = 0
    history = model.fit(
        x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[callback]
    )
    assert TracedNetwork.calls == 0  # the compiled steps read the variable
    assert history.history["linear_start"] == [0.0, 0.0]
    assert callback.history == [1.0, 0.0, 0.0]


def test_linear_and_softmax_outputs_differ():
    x, _ = _data()
    model = _model()
    network = find_layers(model, MemoryNetwork)[0]
    softmax = keras.ops.convert_to_numpy(model.predict(x, verbose=0))
    network.linear_start.assign(1.0)
    linear = keras.ops.convert_to_numpy(model.predict(x, verbose=0))
    assert not np.allclose(softmax, linear)


def test_errors():
    callback = LinearStart()
    inputs = keras.Input((3,))
    callback.set_model(keras.Model(inputs, keras.layers.Dense(1)(inputs)))
    with pytest.raises(ValueError, match="no MemoryNetwork"):
        callback.on_train_begin()
    callback = LinearStart()
    callback.set_model(_model())
    callback.on_train_begin()
    with pytest.raises(ValueError, match="'val_loss'.*not in the logs.*'loss'"):
        callback.on_epoch_end(0, {"loss": 1.0})
    for name, value in [
        ("monitor", ""), ("patience", -1), ("patience", 1.5), ("min_delta", -0.1),
        ("max_epochs", 0), ("min_delta", float("inf")), ("patience", True),
    ]:
        with pytest.raises(ValueError, match=f"argument `{name}`.*got {value!r}"):
            LinearStart(**{name: value})
    with pytest.raises(ValueError, match="argument `min_epochs`.*at most max_epochs=2.*got 3"):
        LinearStart(min_epochs=3, max_epochs=2)
    with pytest.raises(ValueError, match="argument `min_epochs`.*got 0"):
        LinearStart(min_epochs=0)
