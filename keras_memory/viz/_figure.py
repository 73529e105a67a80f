"""Shared figure plumbing for `keras_memory.viz`."""


def new_figure(**kwargs):
    """A `matplotlib.figure.Figure` made without pyplot.

    Figures made this way leave the user's backend and pyplot's figure list
    alone, save on servers with no display, and render when returned in a
    notebook.
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def figure_to_png(figure, dpi=80):
    """The PNG bytes of a `matplotlib.figure.Figure`, rendered at `dpi`.

    For figures that go somewhere other than a file: a TensorBoard image
    summary (`keras_memory.callbacks.MemoryAccessImages`), a notebook, a web
    page.

    Args:
        figure: A `matplotlib.figure.Figure`, e.g. one returned by a
            `keras_memory.viz` function.
        dpi: Positive number, dots per inch. Default: `80`.

    Returns:
        The PNG file as `bytes`.
    """
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def finish_figure(figure, path):
    """Lays out `figure`, saves it to `path` when given, and returns it."""
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure
