"""find_layers: every instance of a class, however deep it is nested."""

import keras
import numpy as np
import pytest

from keras_memory.callbacks import find_layers
from keras_memory.layers import MemoryCell
from keras_memory.layers import SkipRNN
from keras_memory.layers import SkipRNNCell
from keras_memory.layers import ZoneoutCell


@keras.saving.register_keras_serializable(package="test_find_layers")
class ProbeCell(keras.layers.SimpleRNNCell):
    """The class searched for (Bidirectional rebuilds its backward copy)."""


def _model():
    """A model with a ProbeCell in every kind of nesting, and their owners."""
    sequence = keras.Input((6, 3))
    # Bidirectional over an RNN over a wrapper cell: forward and backward.
    bidirectional = keras.layers.Bidirectional(
        keras.layers.RNN(
            ZoneoutCell(ProbeCell(4, name="zoned"), zoneout_h=0.1),
            return_sequences=True,
        )
    )
    x = bidirectional(sequence)
    # StackedRNNCells: two probes around a GRU cell.
    stacked = keras.layers.RNN(
        keras.layers.StackedRNNCells(
            [
                ProbeCell(4, name="stacked_0"),
                keras.layers.GRUCell(4),
                ProbeCell(4, name="stacked_2"),
            ]
        ),
        return_sequences=True,
    )
    x = stacked(x)
    # SkipRNN: an RNN over a SkipRNNCell that holds the probe as `.cell`.
    skip = SkipRNN(ProbeCell(4, name="skipped"), return_sequences=True)
    x = skip(x)
    # A MemoryCell whose controller is the probe.
    memory = keras.layers.RNN(
        MemoryCell(ProbeCell(4, name="controller"), memory_size=4, memory_width=2),
        return_sequences=True,
    )
    x = memory(x)
    # A Sequential model inside, and a functional model two levels deep.
    sequential = keras.Sequential(
        [
            keras.Input(x.shape[1:]),
            keras.layers.RNN(ProbeCell(4, name="in_sequential"), return_sequences=True),
        ],
        name="sequential",
    )
    x = sequential(x)
    deep_input = keras.Input((6, 4))
    deep = keras.Model(
        deep_input,
        keras.layers.RNN(ProbeCell(4, name="deep"), return_sequences=True)(deep_input),
        name="deep",
    )
    middle_input = keras.Input((6, 4))
    middle = keras.Model(middle_input, deep(middle_input), name="middle")
    x = middle(x)
    # A layer used twice counts once.
    shared = keras.layers.RNN(ProbeCell(4, name="shared"))
    outputs = keras.layers.Add()([shared(x), shared(x)])
    model = keras.Model(sequence, outputs, name="outer")
    owners = {
        "bidirectional": bidirectional, "stacked": stacked, "skip": skip,
        "memory": memory, "sequential": sequential, "middle": middle, "deep": deep,
        "shared": shared,
    }
    return model, owners


def test_finds_every_nesting_in_order_once():
    model, owners = _model()
    found = find_layers(model, ProbeCell)
    bidirectional = owners["bidirectional"]
    stacked_cells = owners["stacked"].cell.cells
    expected = [
        bidirectional.forward_layer.cell.cell,
        bidirectional.backward_layer.cell.cell,
        stacked_cells[0],
        stacked_cells[2],
        owners["skip"].cell.cell,
        owners["memory"].cell.controller,
        owners["sequential"].layers[0].cell,
        owners["deep"].layers[1].cell,
        owners["shared"].cell,
    ]
    assert [layer.name for layer in found] == [
        "zoned", "zoned", "stacked_0", "stacked_2", "skipped", "controller",
        "in_sequential", "deep", "shared",
    ]
    assert [id(layer) for layer in found] == [id(layer) for layer in expected]
    assert found[0] is not found[1]  # the backward copy is its own cell
    assert isinstance(owners["skip"].cell, SkipRNNCell)


def test_the_found_cells_are_the_ones_the_model_runs():
    model, _ = _model()
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")
    previous = keras.ops.convert_to_numpy(model(x))
    for cell in find_layers(model, ProbeCell):
        # Changing the found cell's bias must change what the model computes.
        cell.bias.assign(cell.bias + 0.5)
        output = keras.ops.convert_to_numpy(model(x))
        assert np.abs(output - previous).max() > 1e-4, cell.name
        previous = output


def test_other_classes_tuples_and_the_model_itself():
    model, owners = _model()
    assert find_layers(model, keras.Model) == [
        model, owners["sequential"], owners["middle"], owners["deep"],
    ]
    wrappers = find_layers(model, (ZoneoutCell, SkipRNNCell, MemoryCell))
    assert [type(layer).__name__ for layer in wrappers] == [
        "ZoneoutCell", "ZoneoutCell", "SkipRNNCell", "MemoryCell",
    ]
    gru_cells = find_layers(model, keras.layers.GRUCell)
    assert gru_cells == [owners["stacked"].cell.cells[1]]
    assert find_layers(model, keras.layers.LSTM) == []
    # A layer (not a model) is searched too, itself included.
    zoneout = owners["bidirectional"].forward_layer.cell
    assert find_layers(zoneout, keras.layers.Layer) == [zoneout, zoneout.cell]


def test_time_distributed_and_subclassed_models():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder = keras.layers.RNN(
                ProbeCell(2, name="encoder"), return_sequences=True
            )
            self.heads = [keras.layers.Dense(1, name=f"head_{i}") for i in range(2)]

        def call(self, x):
            x = self.encoder(x)
            return self.heads[0](x) + self.heads[1](x)

    model = Subclassed()
    model(np.zeros((1, 3, 2), "float32"))
    assert [layer.name for layer in find_layers(model, ProbeCell)] == ["encoder"]
    assert [layer.name for layer in find_layers(model, keras.layers.Dense)] == [
        "head_0", "head_1",
    ]
    distributed = keras.layers.TimeDistributed(keras.layers.Dense(2, name="inner"))
    assert find_layers(distributed, keras.layers.Dense) == [distributed.layer]


def test_not_a_layer_is_refused():
    with pytest.raises(ValueError, match="argument `model`"):
        find_layers([keras.layers.Dense(1)], keras.layers.Dense)
