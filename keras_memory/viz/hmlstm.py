"""Figure of the HM-LSTM: the boundaries each layer detects under the text."""

import numpy as np

from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure

# Drawn instead of a space so that word gaps stay visible on the axis.
_VISIBLE_SPACE = "\u2423"
_INCHES_PER_CHARACTER = 0.16
_MAX_WIDTH_INCHES = 40.0


def plot_boundaries(text, boundaries, path=None, true_boundaries=None):
    """The HM-LSTM's boundaries `z^l_t`, one row per layer, under the text.

    A boundary-by-character grid: column `t` is the character `text[t]`
    (the input at step `t`), row `l` is the boundary detector of layer `l`
    (`z^1` on top), black where `z^l_t = 1`, that is where layer `l` ended a
    segment at step `t`. Optional true boundaries (for example the word ends
    of `keras_memory.datasets.hierarchical_text`) are drawn as thin vertical
    lines, so learned and true segmentations can be compared by eye.

    Args:
        text: The characters fed to the model, a `str` of length
            `timesteps`.
        boundaries: Array `(timesteps, L - 1)` of zeros and ones, as
            returned by `HMLSTM(..., return_boundaries=True)` for one
            sequence, or `(timesteps,)` for one layer.
        path: Optional file path; the figure is saved there (PNG by suffix).
        true_boundaries: Optional integer positions of known boundaries.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    boundaries = np.asarray(boundaries, "float32")
    if boundaries.ndim == 1:
        boundaries = boundaries[:, None]
    if boundaries.ndim != 2 or boundaries.shape[0] != len(text):
        raise ValueError(
            "Received an invalid value for argument `boundaries`, expected an "
            f"array (len(text) = {len(text)}, num_layers - 1), got shape "
            f"{boundaries.shape}."
        )
    timesteps, num_detectors = boundaries.shape

    width = min(_MAX_WIDTH_INCHES, max(7.0, _INCHES_PER_CHARACTER * timesteps))
    figure = new_figure(figsize=(width, 1.2 + 0.45 * num_detectors))
    axis = figure.subplots()
    axis.imshow(
        boundaries.T,
        aspect="auto",
        cmap="Greys",
        interpolation="nearest",
        vmin=0,
        vmax=1,
    )
    if true_boundaries is not None:
        for position in np.asarray(true_boundaries).reshape(-1):
            axis.axvline(position, color="tab:orange", linewidth=0.8, alpha=0.8)
    axis.set_xticks(range(timesteps))
    axis.set_xticklabels(
        [_VISIBLE_SPACE if char == " " else char for char in text],
        fontfamily="monospace",
    )
    axis.tick_params(axis="x", length=0)
    axis.set_yticks(range(num_detectors))
    axis.set_yticklabels([f"z^{layer + 1}" for layer in range(num_detectors)])
    axis.set_ylabel("layer")
    title = "HM-LSTM boundaries (black: z = 1"
    title += ", orange: true)" if true_boundaries is not None else ")"
    axis.set_title(title, fontsize=10)
    return finish_figure(figure, path)
