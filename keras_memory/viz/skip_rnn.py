"""Figure of a Skip RNN: which steps updated, under the input."""

import numpy as np

from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure


def plot_skip_updates(inputs, gates, feature_names=None, path=None):
    """The input sequence with the Skip RNN's update gates beneath it.

    The top panel draws each input feature over time; the bottom panel marks
    the steps at which the cell updated (`u_t = 1`) and, shaded, the ones it
    skipped. The title gives the update rate.

    Args:
        inputs: Array `(timesteps, features)` (or `(timesteps,)`) of one
            sequence.
        gates: Array `(timesteps,)` of update gates `u_t` in {0, 1}, e.g.
            from `SkipRNN(..., return_gates=True)`.
        feature_names: Optional list of names for the legend.
        path: Optional file path; the figure is saved there.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    inputs = np.asarray(inputs, "float32")
    inputs = inputs[:, None] if inputs.ndim == 1 else inputs
    gates = np.asarray(gates, "float32").reshape(-1)
    if gates.shape[0] != inputs.shape[0]:
        raise ValueError(
            "Received an invalid value for argument `gates`: expected one gate "
            f"per input step ({inputs.shape[0]}), got shape {gates.shape}."
        )
    steps = np.arange(gates.shape[0])
    names = feature_names or [f"feature {i}" for i in range(inputs.shape[1])]

    figure = new_figure(figsize=(10, 4))
    input_axis, gate_axis = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [2.5, 1]}
    )
    for column, name in zip(inputs.T, names):
        input_axis.step(steps, column, where="mid", label=name)
    input_axis.set_ylabel("input")
    input_axis.legend(loc="upper right", fontsize="small")
    input_axis.set_title(
        f"Skip RNN: {int(gates.sum())} updates in {gates.size} steps "
        f"({100.0 * gates.mean():.1f} %)"
    )
    gate_axis.bar(steps, gates, width=0.8, color="black", label="update")
    gate_axis.bar(
        steps, 1.0 - gates, width=0.8, color="lightgrey", label="skip"
    )
    gate_axis.set_yticks([])
    gate_axis.set_ylabel("u_t")
    gate_axis.set_xlabel("time step t")
    gate_axis.legend(loc="upper right", fontsize="small", ncols=2)
    return finish_figure(figure, path)
