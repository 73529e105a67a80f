"""Figure of a Neural Turing Machine's memory access, and the helper to get it.

`plot_memory_access` draws the layout of the NTM paper's copy figure
(Graves, Wayne and Danihelka 2014, figure 6); `memory_access` runs a trained
model on one sequence and returns what the figure needs.
"""

import collections

import keras
import numpy as np

from keras_memory import validation
from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure

# A location is "used" by `locations="auto"` when some head gives it at least
# this fraction of the largest weighting in the figure.
_USED_FRACTION = 0.05
# Locations shown on either side of the used ones, so that the crop does not
# hide where a head starts or stops.
_CROP_MARGIN = 2
_MAX_LOCATION_TICKS = 8


MemoryAccess = collections.namedtuple(
    "MemoryAccess", ["outputs", "read_weightings", "write_weightings"]
)
MemoryAccess.__doc__ = """What `memory_access` returns.

Attributes:
    outputs: The model's outputs, `(timesteps, channels)` for one sequence
        (a leading batch axis when the input had one).
    read_weightings: `(timesteps, read_heads, N)`, `w_t^r` of every step.
    write_weightings: `(timesteps, write_heads, N)`, `w_t^w` of every step.
"""


def _sequence_array(name, value):
    """`value` as a float32 `(timesteps, channels)` array, or raises."""
    array = np.asarray(value, "float32")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected an "
            f"array (timesteps, channels) of one sequence, got shape "
            f"{array.shape}."
        )
    return array


def _weighting_array(name, value, timesteps):
    """`value` as a float32 `(timesteps, heads, N)` array, or raises."""
    array = np.asarray(value, "float32")
    if array.ndim == 2:
        array = array[:, None, :]
    if array.ndim != 3 or array.shape[0] != timesteps:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected an "
            f"array (timesteps = {timesteps}, heads, memory_size) or "
            f"(timesteps, memory_size) of one sequence, got shape "
            f"{array.shape}."
        )
    return array


def used_locations(weightings, fraction=_USED_FRACTION, margin=_CROP_MARGIN):
    """The memory locations that the heads visibly address, in order.

    A location is used when its largest weighting over time and heads is at
    least `fraction` of the largest weighting overall. The result is the
    shortest run of consecutive locations, on the memory's circle (shifts
    wrap around from `N - 1` to `0`), holding every used location, widened
    by `margin` on both sides.

    Args:
        weightings: Array `(..., N)` of weightings, e.g. read and write
            weightings concatenated over the head axis.
        fraction: Float in (0, 1]. Default: `0.05`.
        margin: Non-negative integer. Default: `2`.

    Returns:
        An integer array of location indices (it wraps, e.g.
        `[126, 127, 0, 1]`, when the used run crosses the end).
    """
    weightings = np.asarray(weightings, "float32")
    memory_size = weightings.shape[-1]
    peak = weightings.reshape(-1, memory_size).max(axis=0)
    used = np.flatnonzero(peak >= fraction * peak.max()) if peak.max() > 0 else []
    if len(used) == 0 or len(used) == memory_size:
        return np.arange(memory_size)
    # The largest circular gap between used locations is left out.
    gaps = np.diff(np.append(used, used[0] + memory_size))
    largest = int(np.argmax(gaps))
    start = int(used[(largest + 1) % len(used)])
    length = memory_size - int(gaps[largest]) + 1
    length = min(memory_size, length + 2 * margin)
    start = start - margin if length < memory_size else 0
    return (start + np.arange(length)) % memory_size


def _location_indices(locations, memory_size, weightings):
    """The rows to draw, as an integer array, from the `locations` argument."""
    if locations is None:
        return np.arange(memory_size)
    if isinstance(locations, str):
        if locations != "auto":
            raise ValueError(
                "Received an invalid value for argument `locations`, expected "
                f"None, 'auto', a slice or a list of integers, got {locations!r}."
            )
        return used_locations(weightings)
    if isinstance(locations, slice):
        indices = np.arange(memory_size)[locations]
    else:
        indices = np.asarray(locations)
        if not (
            indices.ndim == 1
            and all(validation.is_integer(i) for i in indices.tolist())
        ):
            raise ValueError(
                "Received an invalid value for argument `locations`, expected "
                f"None, 'auto', a slice or a list of integers, got {locations!r}."
            )
    if indices.size == 0 or indices.min() < 0 or indices.max() >= memory_size:
        raise ValueError(
            "Received an invalid value for argument `locations`, expected "
            f"locations in [0, memory_size = {memory_size}), got {locations!r}."
        )
    return indices.astype(int)


def _draw_weighting(axis, weighting, indices, title):
    axis.imshow(
        weighting[:, indices].T,
        aspect="auto",
        cmap="Greys",
        interpolation="nearest",
        vmin=0.0,
        vmax=1.0,
    )
    step = max(1, int(np.ceil(len(indices) / _MAX_LOCATION_TICKS)))
    rows = np.arange(0, len(indices), step)
    axis.set_yticks(rows)
    axis.set_yticklabels([str(indices[row]) for row in rows])
    axis.set_title(title)
    axis.set_xlabel("time step t")


def _head_title(kind, head, heads):
    return f"{kind} weightings" if heads == 1 else f"{kind} head {head + 1}"


def plot_memory_access(
    inputs,
    outputs,
    read_weightings,
    write_weightings,
    locations="auto",
    path=None,
    title=None,
):
    """The NTM paper's memory-access figure: data above, weightings below.

    The layout of Graves et al. (2014), figure 6. Top row: the inputs `x_t`
    and the outputs `y_t`, time on the x axis and channels on the y axis.
    Bottom row: the write weightings `w_t^w` under the inputs and the read
    weightings `w_t^r` under the outputs, time on the x axis and memory
    locations on the y axis, black where a head puts weight 1 (the scale is
    fixed to [0, 1], so a blurred head shows pale). With several heads the
    bottom row has one column per head, write heads first; the inputs span
    the write columns and the outputs the read columns.

    On the copy task a trained NTM writes the input vectors to consecutive
    locations and then reads them back in the same order: two parallel
    diagonal lines.

    Args:
        inputs: Array `(timesteps, input_channels)` of one sequence.
        outputs: Array `(timesteps, output_channels)`, e.g. the predicted
            bit probabilities.
        read_weightings: Array `(timesteps, read_heads, N)` (or
            `(timesteps, N)` for one head), as returned by
            `NTM(..., return_access=True)` or `memory_access` for one
            sequence.
        write_weightings: Array `(timesteps, write_heads, N)` (or
            `(timesteps, N)`).
        locations: Which memory locations to draw: `"auto"` (the shortest
            run of locations holding every visibly addressed one, with a
            margin, see `used_locations`; it may wrap around the end of the
            memory), `None` (all `N`), a `slice`, or a list of location
            indices. The y-axis labels are the location indices.
            Default: `"auto"`.
        path: Optional file path; the figure is saved there (PNG by suffix).
        title: Optional figure title.

    Returns:
        The `matplotlib.figure.Figure`, with axes in the order inputs,
        outputs, write heads, read heads.

    Example:

    ```python
    import numpy as np
    from keras_memory.viz import plot_memory_access

    steps = np.arange(9)
    writes = np.eye(16)[None, np.minimum(steps, 4)].transpose(1, 0, 2)
    reads = np.eye(16)[None, np.maximum(steps - 4, 0)].transpose(1, 0, 2)
    figure = plot_memory_access(np.zeros((9, 5)), np.zeros((9, 4)), reads, writes)
    ```

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014, figure 6.
        https://arxiv.org/abs/1410.5401
    """
    inputs = _sequence_array("inputs", inputs)
    timesteps = inputs.shape[0]
    outputs = _sequence_array("outputs", outputs)
    if outputs.shape[0] != timesteps:
        raise ValueError(
            "Received an invalid value for argument `outputs`, expected one "
            f"output per input step ({timesteps}), got shape {outputs.shape}."
        )
    read_weightings = _weighting_array("read_weightings", read_weightings, timesteps)
    write_weightings = _weighting_array(
        "write_weightings", write_weightings, timesteps
    )
    memory_size = read_weightings.shape[-1]
    if write_weightings.shape[-1] != memory_size:
        raise ValueError(
            "Received an invalid value for argument `write_weightings`, "
            f"expected the read weightings' memory size N = {memory_size} on "
            f"the last axis, got shape {write_weightings.shape}."
        )
    indices = _location_indices(
        locations,
        memory_size,
        np.concatenate([read_weightings, write_weightings], axis=1),
    )
    write_heads, read_heads = write_weightings.shape[1], read_weightings.shape[1]
    columns = write_heads + read_heads

    figure = new_figure(figsize=(max(8.0, 3.2 * columns), 6.5))
    grid = figure.add_gridspec(2, columns, height_ratios=[1, 1.6])
    input_axis = figure.add_subplot(grid[0, :write_heads])
    output_axis = figure.add_subplot(grid[0, write_heads:])
    # One colour scale for both, at least [0, 1], so bits read the same.
    low = min(0.0, float(inputs.min()), float(outputs.min()))
    high = max(1.0, float(inputs.max()), float(outputs.max()))
    for axis, data, name in (
        (input_axis, inputs, "inputs"),
        (output_axis, outputs, "outputs"),
    ):
        axis.imshow(
            data.T,
            aspect="auto",
            cmap="viridis",
            interpolation="nearest",
            vmin=low,
            vmax=high,
        )
        axis.set_title(name)
        axis.set_ylabel("channel")
    for head in range(write_heads):
        axis = figure.add_subplot(grid[1, head])
        _draw_weighting(
            axis,
            write_weightings[:, head],
            indices,
            _head_title("write", head, write_heads),
        )
        if head == 0:
            axis.set_ylabel("memory location")
    for head in range(read_heads):
        axis = figure.add_subplot(grid[1, write_heads + head])
        _draw_weighting(
            axis,
            read_weightings[:, head],
            indices,
            _head_title("read", head, read_heads),
        )
    from matplotlib.ticker import MaxNLocator

    for axis in figure.axes:  # time steps and channels are whole numbers
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (input_axis, output_axis):
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    if title is not None:
        figure.suptitle(title)
    return finish_figure(figure, path)


def find_ntm_layer(model, layer_name="ntm"):
    """The `NTM` layer called `layer_name` in `model`, or a clear error.

    `memory_access` and `keras_memory.callbacks.MemoryAccessImages` read
    the weightings of this layer.

    Args:
        model: A `keras.Model`.
        layer_name: Name of the NTM layer. Default: `"ntm"`, its name in
            `keras_memory.applications.NTMCopy`.

    Returns:
        The `keras_memory.layers.NTM` layer.

    Raises:
        ValueError: When `model` has no layer called `layer_name`, or when
            that layer is not an `NTM`.
    """
    from keras_memory.layers.ntm import NTM

    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        raise ValueError(
            "Received an invalid value for argument `layer_name`, expected "
            f"the name of an NTM layer of the model {model.name!r}, got "
            f"{layer_name!r}."
        ) from None
    if not isinstance(layer, NTM):
        raise ValueError(
            "Received an invalid value for argument `layer_name`, expected "
            f"the name of an NTM layer, got {layer_name!r}, a "
            f"{type(layer).__name__}."
        )
    return layer


def access_layer(layer, input_shape):
    """A copy of the `NTM` layer `layer` that returns its weightings.

    The copy has `layer`'s config with `return_access=True`,
    `return_sequences=True`, `return_state=False` and `stateful=False`,
    and a copy of its cell's weights (the controller's, the heads' and any
    memory initialisation): it computes what `layer` computes on a fresh
    sequence and also returns the read and write weightings of every step.
    The weights are copied, not shared: make a new copy after more training.

    Args:
        layer: A built `keras_memory.layers.NTM`.
        input_shape: The shape of the sequences the copy will read,
            `(batch, timesteps, features)` (batch and timesteps may be
            `None`).

    Returns:
        A built `NTM` whose call returns `(outputs, read_weightings,
        write_weightings)`.
    """
    from keras_memory.layers.ntm import NTM

    if not layer.built:
        raise ValueError(
            f"The NTM layer {layer.name!r} is not built: call the model on "
            "data (or train it) before asking for its memory access."
        )
    config = {
        **layer.get_config(),
        "return_access": True,
        "return_sequences": True,
        "return_state": False,
        "stateful": False,
        "name": f"{layer.name}_access",
    }
    clone = NTM.from_config(config)
    clone.build(tuple(input_shape))
    for target, source in zip(clone.cell.weights, layer.cell.weights):
        target.assign(source)
    return clone


def _layer_input(model, layer, batch):
    """What `layer` receives inside `model` when the model reads `batch`."""
    try:
        layer_input = layer.input
    except (AttributeError, ValueError):  # never called: nothing to trace
        return batch
    if any(layer_input is model_input for model_input in model.inputs):
        return batch
    return keras.Model(model.input, layer_input)(batch, training=False)


def memory_access(model, inputs, layer_name="ntm"):
    """Runs `model` on `inputs` and returns its NTM's read and write weightings.

    The weightings come from a copy of the model's NTM layer with
    `return_access=True` (see `access_layer`), fed with what the layer
    receives inside the model: for a functional model whose NTM layer is not
    the first, the sub-model from the model's input to the layer's input
    computes it. The model is left as it is and nothing is retrained.

    Args:
        model: A functional or `Sequential` `keras.Model` with a built
            `keras_memory.layers.NTM` layer (e.g.
            `keras_memory.applications.NTMCopy`).
        inputs: Array `(timesteps, features)` of one sequence, or a batch
            `(batch, timesteps, features)`.
        layer_name: Name of the NTM layer. Default: `"ntm"`, the name in
            `NTMCopy`.

    Returns:
        A `MemoryAccess` named tuple `(outputs, read_weightings,
        write_weightings)` of NumPy arrays: the model's outputs
        `(timesteps, channels)`, the read weightings
        `(timesteps, read_heads, N)` and the write weightings
        `(timesteps, write_heads, N)`, each with a leading batch axis when
        `inputs` had one. `plot_memory_access(inputs, *memory_access(model,
        inputs))` draws them.

    Example:

    ```python
    from keras_memory.applications import NTMCopy
    from keras_memory.datasets import copy_task
    from keras_memory.viz import memory_access, plot_memory_access

    model = NTMCopy(weights="copy")
    inputs = copy_task(1, 10, 10)[0][0]
    plot_memory_access(inputs, *memory_access(model, inputs), path="copy.png")
    ```
    """
    layer = find_ntm_layer(model, layer_name)
    array = np.asarray(inputs, "float32")
    if array.ndim not in (2, 3):
        raise ValueError(
            "Received an invalid value for argument `inputs`, expected an "
            "array (timesteps, features) or (batch, timesteps, features), "
            f"got shape {array.shape}."
        )
    batch = array if array.ndim == 3 else array[None]
    outputs = keras.tree.map_structure(
        keras.ops.convert_to_numpy, model(batch, training=False)
    )

    layer_inputs = _layer_input(model, layer, batch)
    clone = access_layer(layer, keras.ops.shape(layer_inputs))
    _, reads, writes = clone(layer_inputs, training=False)
    result = MemoryAccess(
        outputs, keras.ops.convert_to_numpy(reads), keras.ops.convert_to_numpy(writes)
    )
    if array.ndim == 2:
        result = MemoryAccess(
            *keras.tree.map_structure(lambda value: value[0], tuple(result))
        )
    return result
