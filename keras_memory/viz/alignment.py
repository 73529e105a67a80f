"""Figure of an encoder-decoder's attention: the alignment of target and source.

`plot_alignment` draws the view of figure 3 of Bahdanau et al. (2015): one
column per source token `x_j`, one row per target token `y_t`, the cell
`(t, j)` shaded by the attention weight `alpha_tj` of output step `t` on
source position `j` (white 0, black 1), the annotation the decoder read
while writing `y_t`.
"""

import numpy as np

from keras_memory import validation
from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure


def _tokens(name, tokens):
    if isinstance(tokens, str):
        tokens = list(tokens)  # a string is its characters
    if not hasattr(tokens, "__iter__"):
        raise validation.invalid_argument(name, "a list of tokens (strings)", tokens)
    tokens = [str(token) for token in tokens]
    if not tokens:
        raise validation.invalid_argument(name, "at least one token", tokens)
    return tokens


def _shown(token):
    # A space as a tick label is invisible: show it as the open-box sign.
    return "\u2423" if token == " " else token


def plot_alignment(weights, source_tokens, target_tokens, ax=None, path=None, title=None):
    """The attention matrix of one translation (Bahdanau et al., figure 3).

    Columns are the source tokens `x_1 .. x_S` (along the top, as in the
    paper), rows the target tokens `y_1 .. y_T`; cell `(t, j)` is
    `alpha_tj`, the weight of source annotation `h_j` in the context
    `c_t = sum_j alpha_tj h_j` used to write `y_t`, drawn in grey levels
    from 0 (white) to 1 (black). Rows of a soft attention sum to 1 over the
    real source positions.

    Args:
        weights: Array `(T', S')` with `T' >= T` and `S' >= S`: the
            alignments of one output, such as `generate(model, ids,
            sampler)["alignments"][b, n]` (`(max_length, S)`). Only the
            first `T` rows and `S` columns are drawn (the rest is padding
            and steps after the end).
        source_tokens: The `S` source tokens (a string is split into its
            characters); pass the end token too (e.g. `"</s>"`) to show the
            weight on it.
        target_tokens: The `T` target tokens (a string is split into its
            characters).
        ax: Optional `matplotlib.axes.Axes` to draw in (a figure of several
            alignments); default: a new figure with one axes and a colour
            bar.
        path: Optional file path; the figure is saved there.
        title: Optional title of the axes.

    Returns:
        The `matplotlib.figure.Figure` drawn in (that of `ax` when given).

    Example:

    >>> import numpy as np
    >>> figure = plot_alignment(np.eye(3)[::-1], "abc", "cba")
    >>> [label.get_text() for label in figure.axes[0].get_xticklabels()]
    ['a', 'b', 'c']
    >>> figure.axes[0].images[0].get_array().tolist()[0]
    [0.0, 0.0, 1.0]

    With a model: `outputs = generate(model, source_ids, sampler)`, then
    `plot_alignment(outputs["alignments"][0, 0], source + ["</s>"],
    translation + ["</s>"])`.

    Reference:
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015, figure 3.
        https://arxiv.org/abs/1409.0473
    """
    source_tokens = _tokens("source_tokens", source_tokens)
    target_tokens = _tokens("target_tokens", target_tokens)
    array = np.asarray(weights, "float32")
    rows, columns = len(target_tokens), len(source_tokens)
    if array.ndim != 2 or array.shape[0] < rows or array.shape[1] < columns:
        raise validation.invalid_argument(
            "weights",
            f"an array (T', S') with T' >= {rows} target tokens and S' >= "
            f"{columns} source tokens",
            f"shape {array.shape}",
        )
    array = array[:rows, :columns]
    if not np.all(np.isfinite(array)):
        raise validation.invalid_argument("weights", "finite attention weights", array)

    if ax is None:
        figure = new_figure(figsize=(min(16.0, 1.5 + 0.3 * columns), min(16.0, 1.2 + 0.3 * rows)))
        axis = figure.subplots(1, 1)
        own_figure = True
    else:
        axis, figure, own_figure = ax, ax.figure, False
    image = axis.imshow(
        array, cmap="gray_r", vmin=0.0, vmax=1.0, aspect="equal", interpolation="nearest"
    )
    axis.set_xticks(range(columns))
    axis.set_xticklabels([_shown(token) for token in source_tokens], rotation=90)
    axis.xaxis.tick_top()
    axis.xaxis.set_label_position("top")
    axis.set_yticks(range(rows))
    axis.set_yticklabels([_shown(token) for token in target_tokens])
    axis.set_xlabel("source")
    axis.set_ylabel("target")
    axis.tick_params(length=0)
    if title is not None:
        axis.set_title(str(title), fontsize=10, pad=12)
    if not own_figure:
        if path is not None:
            figure.savefig(path, dpi=110)
        return figure
    figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04, label=r"$\alpha_{tj}$")
    return finish_figure(figure, path)


__all__ = ["plot_alignment"]
