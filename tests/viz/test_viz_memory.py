"""plot_memory_access and memory_access: the paper's layout, the model's heads."""

import keras
import numpy as np
import pytest

from keras_memory.datasets import copy_task
from keras_memory.layers import NTM
from keras_memory.viz.memory import access_layer
from keras_memory.viz.memory import memory_access
from keras_memory.viz.memory import plot_memory_access
from keras_memory.viz.memory import used_locations


def _one_hot_access(timesteps=9, memory_size=16, length=4, heads=(1, 1)):
    """Writes at 0..length-1, then reads them back: the copy task's pattern."""
    steps = np.arange(timesteps)
    writes = np.eye(memory_size)[np.minimum(steps, length - 1)]
    reads = np.eye(memory_size)[np.clip(steps - length - 1, 0, length - 1)]
    read_heads, write_heads = heads
    return (
        np.repeat(reads[:, None], read_heads, axis=1).astype("float32"),
        np.repeat(writes[:, None], write_heads, axis=1).astype("float32"),
    )


def test_paper_layout_inputs_outputs_over_write_and_read(tmp_path):
    inputs = np.random.default_rng(0).integers(0, 2, (9, 5)).astype("float32")
    outputs = np.random.default_rng(1).random((9, 4)).astype("float32")
    reads, writes = _one_hot_access()
    path = tmp_path / "access.png"
    figure = plot_memory_access(
        inputs, outputs, reads, writes, locations=None, path=path, title="copy"
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert [axis.get_title() for axis in figure.axes] == [
        "inputs", "outputs", "write weightings", "read weightings",
    ]
    input_axis, output_axis, write_axis, read_axis = figure.axes
    images = [axis.get_images()[0].get_array() for axis in figure.axes]
    np.testing.assert_array_equal(images[0], inputs.T)  # channels on y
    np.testing.assert_array_equal(images[1], outputs.T)
    np.testing.assert_array_equal(images[2], writes[:, 0].T)  # locations on y
    np.testing.assert_array_equal(images[3], reads[:, 0].T)
    assert write_axis.get_images()[0].get_clim() == (0.0, 1.0)
    assert write_axis.get_ylabel() == "memory location"
    assert figure.get_suptitle() == "copy"


def test_one_column_per_head_write_heads_first():
    reads, writes = _one_hot_access(heads=(3, 2))
    figure = plot_memory_access(np.zeros((9, 2)), np.zeros((9, 2)), reads, writes)
    assert [axis.get_title() for axis in figure.axes] == [
        "inputs", "outputs",
        "write head 1", "write head 2",
        "read head 1", "read head 2", "read head 3",
    ]
    # The inputs span the write columns, the outputs the read columns.
    input_axis, output_axis = figure.axes[:2]
    assert input_axis.get_subplotspec().colspan == range(0, 2)
    assert output_axis.get_subplotspec().colspan == range(2, 5)


def test_one_head_may_be_given_without_its_axis():
    reads, writes = _one_hot_access()
    figure = plot_memory_access(
        np.zeros(9), np.zeros(9), reads[:, 0], writes[:, 0], locations=None
    )
    assert len(figure.axes) == 4
    np.testing.assert_array_equal(figure.axes[3].get_images()[0].get_array(), reads[:, 0].T)


def test_auto_crops_to_the_used_locations_with_a_margin():
    reads, writes = _one_hot_access(memory_size=32, length=4)
    figure = plot_memory_access(np.zeros((9, 2)), np.zeros((9, 2)), reads, writes)
    write_axis = figure.axes[2]
    # Locations 0-3 are used; the margin of 2 wraps round to 30 and 31.
    np.testing.assert_array_equal(
        write_axis.get_images()[0].get_array(),
        writes[:, 0][:, [30, 31, 0, 1, 2, 3, 4, 5]].T,
    )
    labels = [label.get_text() for label in write_axis.get_yticklabels()]
    assert labels == ["30", "31", "0", "1", "2", "3", "4", "5"]


def test_locations_as_a_slice_or_a_list():
    reads, writes = _one_hot_access(memory_size=16)
    for locations, rows in ((slice(2, 6), [2, 3, 4, 5]), ([5, 1], [5, 1])):
        figure = plot_memory_access(
            np.zeros((9, 1)), np.zeros((9, 1)), reads, writes, locations=locations
        )
        np.testing.assert_array_equal(
            figure.axes[3].get_images()[0].get_array(), reads[:, 0][:, rows].T
        )


def test_used_locations():
    weightings = np.zeros((4, 1, 20))
    weightings[:, 0, 7:10] = 0.5
    weightings[0, 0, 12] = 0.01  # below 5 % of the peak: unused
    np.testing.assert_array_equal(used_locations(weightings), np.arange(5, 12))
    np.testing.assert_array_equal(used_locations(weightings, margin=0), [7, 8, 9])
    # Spread weightings (an untrained head): everything is used.
    np.testing.assert_array_equal(used_locations(np.full((3, 20), 0.05)), np.arange(20))


@pytest.mark.parametrize(
    "argument, change, message",
    [
        ("inputs", {"inputs": np.zeros((1, 9, 2))}, r"got shape \(1, 9, 2\)"),
        ("outputs", {"outputs": np.zeros((8, 2))}, r"one output per input step \(9\)"),
        ("read_weightings", {"read_weightings": np.zeros((8, 1, 16))}, "timesteps = 9"),
        ("write_weightings", {"write_weightings": np.zeros((9, 1, 15))}, "N = 16"),
        ("locations", {"locations": "used"}, "'auto'"),
        ("locations", {"locations": [0, 16]}, r"\[0, memory_size = 16\)"),
        ("locations", {"locations": slice(20, 30)}, "memory_size = 16"),
        ("locations", {"locations": [0.5]}, "list of integers"),
    ],
)
def test_bad_arguments_are_named(argument, change, message):
    reads, writes = _one_hot_access()
    arguments = {
        "inputs": np.zeros((9, 2)),
        "outputs": np.zeros((9, 2)),
        "read_weightings": reads,
        "write_weightings": writes,
        **change,
    }
    with pytest.raises(ValueError, match=rf"argument `{argument}`.*{message}"):
        plot_memory_access(**arguments)


def _model_with_a_layer_before_the_ntm(read_heads=2):
    sequence = keras.Input((None, 9), name="sequence")
    projected = keras.layers.Dense(6, name="projection")(sequence)
    features = NTM(
        units=8,
        memory_size=12,
        memory_width=4,
        read_heads=read_heads,
        return_sequences=True,
        name="ntm",
    )(projected)
    bits = keras.layers.Dense(8, activation="sigmoid", name="bits")(features)
    return keras.Model(sequence, bits)


def test_memory_access_returns_normalised_weightings_of_one_sequence():
    model = _model_with_a_layer_before_the_ntm()
    inputs = copy_task(1, 3, 3)[0][0]  # (7, 9)
    outputs, reads, writes = memory_access(model, inputs)
    assert outputs.shape == (7, 8)
    assert reads.shape == (7, 2, 12)
    assert writes.shape == (7, 1, 12)
    np.testing.assert_allclose(reads.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(writes.sum(axis=-1), 1.0, atol=1e-5)
    assert (reads >= 0).all() and (writes >= 0).all()
    np.testing.assert_allclose(outputs, model(inputs[None])[0], atol=1e-6)
    figure = plot_memory_access(inputs, outputs, reads, writes)
    assert len(figure.axes) == 5


def test_memory_access_matches_the_cell_stepped_by_hand():
    model = _model_with_a_layer_before_the_ntm(read_heads=1)
    inputs = copy_task(2, 4, 4, seed=3)[0]
    access = memory_access(model, inputs)  # a batch keeps its batch axis
    assert access.read_weightings.shape == (2, 9, 1, 12)

    # Independently of memory_access and of return_access: step the model's
    # own cell, whose state carries w_t^r and w_t^w (decode_state), and
    # apply the model's output layer to each step's output.
    cell = model.get_layer("ntm").cell
    projected = model.get_layer("projection")(inputs)
    states = cell.get_initial_state(batch_size=2)
    outputs, reads, writes = [], [], []
    for t in range(inputs.shape[1]):
        output, states = cell(projected[:, t], states)
        decoded = cell.decode_state(states)
        outputs.append(model.get_layer("bits")(output))
        reads.append(decoded["read_weightings"])
        writes.append(decoded["write_weightings"])
    expected_outputs, expected_reads, expected_writes = (
        np.stack([keras.ops.convert_to_numpy(v) for v in values], axis=1)
        for values in (outputs, reads, writes)
    )
    assert expected_reads.shape == (2, 9, 1, 12)
    np.testing.assert_allclose(access.outputs, expected_outputs, atol=1e-5)
    np.testing.assert_allclose(access.read_weightings, expected_reads, atol=1e-5)
    np.testing.assert_allclose(access.write_weightings, expected_writes, atol=1e-5)
    # The heads move: the weightings are not the same at every step.
    assert np.abs(np.diff(expected_writes, axis=1)).max() > 1e-3


def test_access_layer_returns_the_layers_outputs_and_weightings():
    model = _model_with_a_layer_before_the_ntm(read_heads=1)
    inputs = copy_task(2, 4, 4, seed=3)[0]
    layer = model.get_layer("ntm")
    projected = model.get_layer("projection")(inputs)
    clone = access_layer(layer, projected.shape)
    features, reads, writes = clone(projected)
    np.testing.assert_allclose(features, layer(projected), atol=1e-6)
    assert reads.shape == (2, 9, 1, 12) and writes.shape == (2, 9, 1, 12)


def test_memory_access_of_a_sequential_model():
    model = keras.Sequential(
        [
            keras.Input((None, 3)),
            NTM(
                units=4,
                memory_size=8,
                memory_width=2,
                return_sequences=True,
                name="memory",
            ),
        ]
    )
    access = memory_access(model, np.ones((5, 3), "float32"), layer_name="memory")
    assert access.write_weightings.shape == (5, 1, 8)


def test_memory_access_names_its_bad_arguments():
    model = _model_with_a_layer_before_the_ntm()
    with pytest.raises(ValueError, match="argument `layer_name`.*'controller'"):
        memory_access(model, np.zeros((3, 9)), layer_name="controller")
    with pytest.raises(ValueError, match="argument `layer_name`.*a Dense"):
        memory_access(model, np.zeros((3, 9)), layer_name="bits")
    with pytest.raises(ValueError, match=r"argument `inputs`.*got shape \(9,\)"):
        memory_access(model, np.zeros(9))


def test_the_figure_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    open_figures = plt.get_fignums()
    reads, writes = _one_hot_access()
    plot_memory_access(np.zeros((9, 1)), np.zeros((9, 1)), reads, writes)
    assert plt.get_fignums() == open_figures
