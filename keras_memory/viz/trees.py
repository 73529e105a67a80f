"""Figure of recursive networks: accuracy against the depth of the input."""

import numpy as np

from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure


def plot_accuracy_by_depth(depths, accuracies, train_depth=None, path=None):
    """Accuracy of several models against the depth of the test inputs.

    Args:
        depths: The tested depths, e.g. `[1, 2, ..., 8]`.
        accuracies: `{model name: accuracies}`, one accuracy (a fraction)
            per depth for each model.
        train_depth: Optional deepest training depth; the depths beyond it
            (never seen in training) are shaded.
        path: Optional file path; the figure is saved there.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    depths = np.asarray(depths)
    if not isinstance(accuracies, dict) or not accuracies:
        raise ValueError(
            "Received an invalid value for argument `accuracies`: expected a non-empty "
            f"{{model name: accuracies}} dict, got {accuracies!r}."
        )
    for name, values in accuracies.items():
        if len(values) != len(depths):
            raise ValueError(
                "Received an invalid value for argument `accuracies`: expected one "
                f"accuracy per depth ({len(depths)}) for {name!r}, got {len(values)}."
            )
    figure = new_figure(figsize=(6.0, 3.6))
    axis = figure.subplots()
    if train_depth is not None and depths.max() > train_depth:
        axis.axvspan(train_depth + 0.5, depths.max() + 0.5, color="0.92",
                     label="deeper than in training")
    for name, values in accuracies.items():
        axis.plot(depths, 100 * np.asarray(values), marker="o", markersize=3, label=name)
    axis.set_xticks(depths)
    axis.set_xlabel("depth of the expression")
    axis.set_ylabel("accuracy (%)")
    axis.set_ylim(0, 100)
    axis.legend(loc="lower left", fontsize="small")
    axis.set_title("Accuracy by depth")
    return finish_figure(figure, path)
