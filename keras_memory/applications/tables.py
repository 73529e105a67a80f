"""The one table formatter: Markdown tables with aligned columns.

Every table the package prints (the `keras-memory` commands, the
applications' error tables, the benchmarks) goes through `format_table`,
so what a terminal shows pastes unchanged into a Markdown page.
"""

from keras_memory import validation

ALIGNMENTS = ("left", "right", "center")


def format_table(header, rows, align=None):
    """A Markdown table whose columns are padded to one width.

    Args:
        header: List of column titles.
        rows: List of rows, each a list of cells (anything `str` accepts)
            as long as `header`.
        align: Optional list of `"left"`, `"right"` or `"center"`, one per
            column. Default: `None`, every column left-aligned.

    Returns:
        The table as one string, lines joined by newlines, no newline at
        the end.

    Example:

    >>> print(format_table(["Task", "Error (%)"], [["1", "0.0"]], ["left", "right"]))
    | Task | Error (%) |
    | :--- | --------: |
    | 1    |       0.0 |
    """
    header = [str(title) for title in header]
    if align is None:
        align = ["left"] * len(header)
    if len(align) != len(header):
        raise validation.invalid_argument(
            "align", f"one alignment per column ({len(header)})", align
        )
    for alignment in align:
        validation.check_choice("align", alignment, ALIGNMENTS)
    cells = [[str(cell) for cell in row] for row in rows]
    for row in cells:
        if len(row) != len(header):
            raise validation.invalid_argument(
                "rows", f"rows of {len(header)} cells", f"a row of {len(row)}"
            )
    widths = [
        max([len(title), 3] + [len(row[k]) for row in cells]) for k, title in enumerate(header)
    ]

    def line(values):
        padded = [_pad(value, width, alignment)
                  for value, width, alignment in zip(values, widths, align)]
        return "| " + " | ".join(padded) + " |"

    rule = [_rule(width, alignment) for width, alignment in zip(widths, align)]
    return "\n".join([line(header), "| " + " | ".join(rule) + " |", *map(line, cells)])


def _pad(value, width, alignment):
    if alignment == "right":
        return value.rjust(width)
    if alignment == "center":
        return value.center(width)
    return value.ljust(width)


def _rule(width, alignment):
    """The rule cell of a column: `:---`, `---:` or `:---:` over `width`."""
    if alignment == "right":
        return "-" * (width - 1) + ":"
    if alignment == "center":
        return ":" + "-" * (width - 2) + ":"
    return ":" + "-" * (width - 1)
