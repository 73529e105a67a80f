"""Figure of a captioner's attention: where it looked for every word (Xu et al., fig. 3).

`plot_caption_attention` draws one panel per word `y_t` of a caption: the
image lit by the attention weights `alpha_t` of that step over the `h x
w` feature locations (row-major, as `keras_memory.ops.flatten_feature_grid`
orders them), each location's weight spread over the pixels it covers
(nearest upsampling) and scaled by the step's largest weight: the most
attended location is at full brightness plus a white glow of `GLOW` (so
that attention on the black background shows), an unattended one at
`FLOOR` of its brightness and no glow. The
paper's figure upsamples by 16 with a Gaussian filter; the blocks here show
the feature grid as it is. `plot_captioner_attention` captions an image
with a `ShowAttendTell` model first.
"""

import importlib

import numpy as np

from keras_memory import validation
from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure

# The brightness of an unattended location, so the scene stays readable.
FLOOR = 0.2
# The white added at the most attended location (visible on a black background).
GLOW = 0.35


def _image(image):
    """`image` as float32 `(H, W, 3)` in `[0, 1]`, or raises."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        array = array.astype("float32") / 255.0
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3) or min(array.shape[:2]) < 1:
        raise validation.invalid_argument(
            "image", "an array (H, W), (H, W, 1) or (H, W, 3)", f"shape {array.shape}"
        )
    array = array.astype("float32")
    if not np.all(np.isfinite(array)):
        raise validation.invalid_argument("image", "finite pixel values", "non-finite values")
    return np.repeat(array, 3, axis=-1) if array.shape[-1] == 1 else array


def _alignments(alignments):
    array = np.asarray(alignments, dtype="float64")
    if array.ndim != 2 or 0 in array.shape:
        raise validation.invalid_argument(
            "alignments", "an array (T, L): a weight per step and location", f"shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise validation.invalid_argument(
            "alignments", "finite, non-negative weights", "non-finite or negative values"
        )
    return array


def _grid_shape(grid_shape, locations):
    if grid_shape is None:
        side = int(round(np.sqrt(locations)))
        if side * side != locations:
            raise validation.invalid_argument(
                "grid_shape",
                f"(h, w) with h * w = {locations} locations (they are not a square grid)",
                None,
            )
        return side, side
    if not (
        isinstance(grid_shape, (tuple, list))
        and len(grid_shape) == 2
        and all(validation.is_integer(s) and s > 0 for s in grid_shape)
        and grid_shape[0] * grid_shape[1] == locations
    ):
        raise validation.invalid_argument(
            "grid_shape", f"two positive integers (h, w) with h * w = {locations}", grid_shape
        )
    return int(grid_shape[0]), int(grid_shape[1])


def attention_overlay(image, weights, grid_shape):
    """The image lit by one step's weights `(h * w,)`: what one panel shows.

    Location `(i, j)` covers the pixel rows `[i H / h, (i + 1) H / h)` and
    columns likewise; with `a = alpha / max(alpha)` of the pixel's
    location, the pixel is `min(1, (FLOOR + (1 - FLOOR) a) colour + GLOW a)`.
    """
    height, width = image.shape[:2]
    h, w = grid_shape
    grid = np.asarray(weights, dtype="float64").reshape(h, w)
    rows = (np.arange(height) * h) // height
    columns = (np.arange(width) * w) // width
    upsampled = grid[rows][:, columns]
    peak = upsampled.max()
    share = (upsampled / peak if peak > 0 else upsampled)[..., None]  # a
    lit = image * (FLOOR + (1.0 - FLOOR) * share) + GLOW * share
    return np.minimum(lit, 1.0).astype("float32")


def plot_caption_attention(
    image, alignments, words, grid_shape=None, columns=6, path=None, title=None
):
    """Per-word attention maps of one caption (Xu et al., 2015, figure 3).

    Args:
        image: The captioned image, `(H, W)`, `(H, W, 1)` or `(H, W, 3)`,
            floats in `[0, 1]` or uint8.
        alignments: `(T, L)`: row `t` the weights `alpha_t` over the `L = h
            * w` feature locations of the step that wrote word `t`.
        words: The caption's words (a list, or a string split on spaces),
            at most `T`; panel `t` is titled `words[t]` and shows row `t`.
        grid_shape: `(h, w)` of the feature grid; default: the square
            `sqrt(L) x sqrt(L)`.
        columns: Panels per row. Default: `6`.
        path: Optional file to save the figure to.
        title: Optional figure title.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    image = _image(image)
    alignments = _alignments(alignments)
    if isinstance(words, str):
        words = words.split()
    if not hasattr(words, "__iter__"):
        raise validation.invalid_argument("words", "a list of words or a caption string", words)
    words = [str(word) for word in words]
    if not 1 <= len(words) <= alignments.shape[0]:
        raise validation.invalid_argument(
            "words",
            f"1 to {alignments.shape[0]} words (one per row of `alignments`)",
            f"{len(words)} words",
        )
    columns = validation.check_positive_int("columns", columns)
    grid_shape = _grid_shape(grid_shape, alignments.shape[1])
    columns = min(columns, len(words))
    rows = -(-len(words) // columns)
    figure = new_figure(figsize=(1.8 * columns, 2.1 * rows + (0.4 if title else 0)))
    for index, word in enumerate(words):
        axis = figure.add_subplot(rows, columns, index + 1)
        axis.imshow(
            attention_overlay(image, alignments[index], grid_shape), interpolation="nearest"
        )
        axis.set_title(word, fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    if title is not None:
        figure.suptitle(str(title))
    return finish_figure(figure, path)


def plot_captioner_attention(captioner, image, path=None, title=None, vocabulary=None, columns=6):
    """Captions `image` greedily with `captioner` and plots every word's attention.

    Args:
        captioner: A `ShowAttendTell` model with more than one location
            (soft or hard attention).
        image: One image `(H, W, 3)` of the captioner's size, floats in
            `[0, 1]` or uint8.
        path: Optional file to save the figure to.
        title: Optional figure title; default: the caption.
        vocabulary: The word of each id; default: the captioned-shapes
            `VOCABULARY`.
        columns: Panels per row. Default: `6`.

    Returns:
        The `matplotlib.figure.Figure`: one panel per generated word, and
        the end step (`<end>`).
    """
    from keras_memory.applications.captioning.model import generate
    from keras_memory.applications.captioning.model import sampler_for
    from keras_memory.datasets.text import END_ID

    if captioner.output["alignments"].shape[-1] == 1:
        raise validation.invalid_argument(
            "captioner", "a captioner with attention (more than one location)", captioner.name
        )
    if vocabulary is None:
        # By path: `keras_memory.datasets` may export a function of that name.
        vocabulary = importlib.import_module("keras_memory.datasets.captioned_shapes").VOCABULARY
    image = _image(image)
    outputs = generate(captioner, image[None], sampler_for(1, 50))
    tokens = np.asarray(outputs["tokens"])[0, 0]
    alignments = np.asarray(outputs["alignments"])[0, 0]
    steps = int(np.asarray(outputs["lengths"])[0, 0])
    words = ["<end>" if t == END_ID else vocabulary[t] for t in tokens[:steps]]
    grid_shape = tuple(captioner.get_layer("image_encoder").output.shape[1:3])
    if title is None:
        title = " ".join(w for w in words if w != "<end>")
    return plot_caption_attention(
        image, alignments[:steps], words, grid_shape, columns=columns, path=path, title=title
    )
