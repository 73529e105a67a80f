"""Figure of a Recurrent Attention Model's glimpses: where it looked, and what it saw.

`plot_glimpse_path` draws the view of figure 3 of Mnih et al. (2014): the
image, the glimpse path (the locations `l_0 .. l_{N-1}` joined by a line and
numbered) and, at every glimpse, the square patches of every scale (patch
`k` is `g * f**k` pixels wide), optionally with a second part showing the
patches the sensor read at each step. `plot_glimpse_locations` draws the
same figure from arrays, without a model.

The rectangles are the boxes of `keras_memory.ops.glimpse_patch_boxes`, the
pixels `keras_memory.ops.glimpse_sensor` reads: the image is drawn over the
continuous square `[0, W] x [0, H]` (pixel `(i, j)` is `[j, j + 1] x
[i, i + 1]`), so a location `l = (y, x)` in `[-1, 1]^2` is the point
`((x + 1) W / 2, (y + 1) H / 2)` of the axes.
"""

import numpy as np

from keras_memory import validation
from keras_memory.ops.glimpse import glimpse_patch_boxes
from keras_memory.ops.glimpse import glimpse_sensor
from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure

_PATH_COLOR = "tab:orange"
_SCALE_COLORS = ("tab:red", "tab:green", "tab:blue", "tab:purple", "tab:cyan", "tab:olive")


def _image(image):
    """`image` as a float32 `(H, W)` array, or raises."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2 or min(array.shape) < 1:
        raise validation.invalid_argument(
            "image", "an array (H, W) or (H, W, 1) (one grey-level image)", f"shape {array.shape}"
        )
    array = array.astype("float32")
    if not np.all(np.isfinite(array)):
        raise validation.invalid_argument("image", "finite pixel values", "non-finite values")
    return array


def _locations(locations):
    """`locations` as a float64 `(N, 2)` array, or raises."""
    array = np.asarray(locations, dtype="float64")
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] != 2:
        raise validation.invalid_argument(
            "locations", "an array (N, 2) of (y, x) in [-1, 1]^2, N >= 1", f"shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise validation.invalid_argument("locations", "finite locations", array.tolist())
    return array


def _title(title, predicted, label):
    parts = [] if title is None else [str(title)]
    if predicted is not None:
        if label is None:
            parts.append(f"predicted: {predicted}")
        else:
            verdict = "right" if str(predicted) == str(label) else "wrong"
            parts.append(f"predicted: {predicted}, true: {label} ({verdict})")
    elif label is not None:
        parts.append(f"true: {label}")
    return "\n".join(parts) if parts else None


def _draw_path(axis, image, boxes):
    """Draws the image, the patches of every glimpse and the path; returns the centres."""
    from matplotlib.patches import Rectangle

    height, width = image.shape
    axis.imshow(
        image, cmap="gray", extent=(0, width, height, 0), interpolation="nearest", aspect="equal"
    )
    num_scales = boxes.shape[1]
    for step in range(boxes.shape[0]):
        for scale in range(num_scales):
            top, left, bottom, right = (float(v) for v in boxes[step, scale])
            label = None
            if step == 0:
                label = f"{right - left:g} px" if num_scales > 1 else f"patch {right - left:g} px"
            axis.add_patch(
                Rectangle(
                    (left, top),
                    right - left,
                    bottom - top,
                    fill=False,
                    edgecolor=_SCALE_COLORS[scale % len(_SCALE_COLORS)],
                    linewidth=1.2,
                    alpha=0.35 + 0.65 * (step + 1) / boxes.shape[0],
                    label=label,
                )
            )
    # Every scale of a glimpse has the same centre: that of the first box.
    centre_y = 0.5 * (boxes[:, 0, 0] + boxes[:, 0, 2])
    centre_x = 0.5 * (boxes[:, 0, 1] + boxes[:, 0, 3])
    axis.plot(
        centre_x,
        centre_y,
        color=_PATH_COLOR,
        linewidth=1.5,
        marker="o",
        markersize=4,
        label="path",
    )
    for step, (x, y) in enumerate(zip(centre_x, centre_y)):
        axis.annotate(
            str(step),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            color=_PATH_COLOR,
            fontsize=9,
            fontweight="bold",
        )
    axis.set_xlim(0, width)
    axis.set_ylim(height, 0)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.legend(loc="upper right", fontsize=7, framealpha=0.6)
    return centre_x, centre_y


def plot_glimpse_locations(
    image,
    locations,
    patch_size,
    num_scales=1,
    scale_factor=2,
    ax=None,
    path=None,
    title=None,
    predicted=None,
    label=None,
    show_glimpses=False,
):
    """The glimpse path on an image, with the patches of every scale (from arrays).

    Draws the image, the locations `l_0 .. l_{N-1}` joined by a line and
    numbered `0 .. N-1`, and at every location the `num_scales` square
    patches the sensor reads there: patch `k` is `patch_size *
    scale_factor**k` pixels wide, one colour per scale (later glimpses more
    opaque). The rectangles are exactly the boxes of
    `keras_memory.ops.glimpse_patch_boxes` (locations outside `[-1, 1]` are
    clipped, as the sensor does). With `show_glimpses=True` a second part
    shows what the model saw: the `patch_size x patch_size` output of
    `keras_memory.ops.glimpse_sensor`, one column per glimpse, one row per
    scale.

    Args:
        image: Array `(H, W)` or `(H, W, 1)`: one grey-level image.
        locations: Array `(N, 2)`: the glimpse locations `(y, x)` in
            `[-1, 1]^2`, `(0, 0)` the image's centre, `-1` its top (left)
            edge.
        patch_size: Positive integer `g`, the side of the first patch in
            pixels.
        num_scales: Positive integer, the number of patches per glimpse.
            Default: `1`.
        scale_factor: Number `>= 1`, the ratio of the widths of two
            successive patches. Default: `2`.
        ax: Optional `matplotlib.axes.Axes` to draw the path in (a figure of
            several images); not with `show_glimpses`. Default: a new figure.
        path: Optional file path; the figure is saved there.
        title: Optional title of the image's axes.
        predicted: Optional predicted class (an id or a name), written in the
            title.
        label: Optional true class, written in the title.
        show_glimpses: Whether to draw the glimpses the sensor read under the
            image. Default: `False`.

    Returns:
        The `matplotlib.figure.Figure` drawn in (that of `ax` when given).

    Example:

    >>> import numpy as np
    >>> figure = plot_glimpse_locations(
    ...     np.zeros((28, 28)), [[0.0, 0.0], [-0.5, 0.5]], patch_size=8, num_scales=2
    ... )
    >>> [(p.get_x(), p.get_y(), p.get_width()) for p in figure.axes[0].patches][:2]
    [(10.0, 10.0, 8.0), (6.0, 6.0, 16.0)]
    >>> figure.axes[0].get_lines()[0].get_xdata().tolist()
    [14.0, 21.0]

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu. Recurrent Models of Visual
        Attention. NIPS 2014, figure 3. https://arxiv.org/abs/1406.6247
    """
    image = _image(image)
    locations = _locations(locations)
    patch_size = validation.check_positive_int("patch_size", patch_size)
    num_scales = validation.check_positive_int("num_scales", num_scales)
    show_glimpses = validation.check_bool("show_glimpses", show_glimpses)
    # Checks scale_factor too, with the sensor's own rule.
    boxes = glimpse_patch_boxes(locations, image.shape, patch_size, num_scales, scale_factor)
    if show_glimpses and ax is not None:
        raise validation.invalid_argument(
            "ax", "`None` with `show_glimpses=True` (the glimpses need a figure of their own)", ax
        )
    steps = locations.shape[0]

    if ax is None:
        size = 4.0
        if show_glimpses:
            columns = max(steps, 1)
            figure = new_figure(figsize=(max(size, 1.1 * columns), size + 1.1 * num_scales))
            grid = figure.add_gridspec(2, 1, height_ratios=(size, 1.1 * num_scales), hspace=0.25)
            axis = figure.add_subplot(grid[0])
            glimpse_axes = grid[1].subgridspec(num_scales, columns, wspace=0.1, hspace=0.1)
        else:
            figure = new_figure(figsize=(size, size))
            axis = figure.subplots(1, 1)
        own_figure = True
    else:
        axis, figure, own_figure = ax, ax.figure, False

    _draw_path(axis, image, boxes)
    shown_title = _title(title, predicted, label)
    if shown_title is not None:
        axis.set_title(shown_title, fontsize=10)

    if show_glimpses:
        images = np.repeat(image[None, :, :, None], steps, axis=0)
        patches = np.asarray(
            glimpse_sensor(
                images, locations.astype("float32"), patch_size, num_scales, scale_factor
            )
        )[..., 0]  # (N, K, g, g)
        low, high = float(image.min()), float(image.max())
        if high <= low:
            high = low + 1.0
        for step in range(steps):
            for scale in range(num_scales):
                cell = figure.add_subplot(glimpse_axes[scale, step])
                cell.imshow(
                    patches[step, scale],
                    cmap="gray",
                    vmin=low,
                    vmax=high,
                    interpolation="nearest",
                )
                cell.set_xticks([])
                cell.set_yticks([])
                for spine in cell.spines.values():
                    spine.set_edgecolor(_SCALE_COLORS[scale % len(_SCALE_COLORS)])
                    spine.set_linewidth(1.5)
                if scale == 0:
                    cell.set_title(str(step), fontsize=8, color=_PATH_COLOR)
                if step == 0:
                    side = patch_size * float(scale_factor) ** scale
                    cell.set_ylabel(f"{side:g} px", fontsize=7)
        if path is not None:
            figure.savefig(path, dpi=110, bbox_inches="tight")
        return figure

    if not own_figure:
        if path is not None:
            figure.savefig(path, dpi=110)
        return figure
    return finish_figure(figure, path)


def plot_glimpse_path(
    model,
    image,
    path=None,
    ax=None,
    title=None,
    label=None,
    class_names=None,
    show_glimpses=False,
):
    """Where a `GlimpseClassifier` looked on one image (Mnih et al., figure 3).

    Runs `model.predict` on the image (the deterministic path: the mean
    locations from the centre), then draws it with `plot_glimpse_locations`:
    the image, the glimpse locations `l_0 .. l_{N-1}` joined and numbered,
    the patches of every scale at each glimpse (the model's `patch_size`,
    `num_scales` and `scale_factor`), and the predicted class in the title.

    Args:
        model: A `keras_memory.applications.glimpse.GlimpseClassifier` whose
            images have one channel.
        image: Array `(H, W)` or `(H, W, 1)` of the model's image size.
        path: Optional file path; the figure is saved there.
        ax: Optional `matplotlib.axes.Axes` to draw in; not with
            `show_glimpses`.
        title: Optional title, written above the predicted class.
        label: Optional true class id, written in the title.
        class_names: Optional list of the class names, indexed by class id.
        show_glimpses: Whether to draw the glimpses the sensor read under the
            image. Default: `False`.

    Returns:
        The `matplotlib.figure.Figure` drawn in.

    Example:

    ```python
    model = paper_classifier("mnist_28x28")
    ...  # train
    plot_glimpse_path(model, x_test[0], label=int(y_test[0]), path="glimpses.png")
    ```

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu. Recurrent Models of Visual
        Attention. NIPS 2014, figure 3. https://arxiv.org/abs/1406.6247
    """
    attention = getattr(model, "attention", None)
    glimpse_network = getattr(attention, "glimpse_network", None)
    if glimpse_network is None or not hasattr(model, "image_shape"):
        raise validation.invalid_argument(
            "model", "a `GlimpseClassifier` (with `attention.glimpse_network`)", model
        )
    image = _image(image)
    height, width, channels = model.image_shape
    if channels != 1 or image.shape != (height, width):
        raise validation.invalid_argument(
            "image",
            f"one image of the model's size ({height}, {width}) with one channel "
            f"(the model takes {model.image_shape})",
            f"shape {image.shape}",
        )
    outputs = model.predict(image[None, :, :, None], verbose=0)
    locations = np.asarray(outputs["locations"])[0]
    predicted = int(np.argmax(np.asarray(outputs["logits"])[0]))
    if class_names is not None:
        names = list(class_names)
        predicted = names[predicted] if predicted < len(names) else predicted
        if label is not None and validation.is_integer(label) and 0 <= label < len(names):
            label = names[label]
    return plot_glimpse_locations(
        image,
        locations,
        glimpse_network.patch_size,
        num_scales=glimpse_network.num_scales,
        scale_factor=glimpse_network.scale_factor,
        ax=ax,
        path=path,
        title=title,
        predicted=predicted,
        label=label,
        show_glimpses=show_glimpses,
    )


__all__ = ["plot_glimpse_locations", "plot_glimpse_path"]
