"""Shared figure plumbing for `keras_memory.viz`."""


def new_figure(**kwargs):
    """A `matplotlib.figure.Figure` made without pyplot.

    Figures made this way leave the user's backend and pyplot's figure list
    alone, save on servers with no display, and render when returned in a
    notebook.
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def finish_figure(figure, path):
    """Lays out `figure`, saves it to `path` when given, and returns it."""
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure
