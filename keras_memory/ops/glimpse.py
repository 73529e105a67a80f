"""The glimpse sensor of the Recurrent Attention Model (Mnih et al., 2014).

The sensor is written with separable resampling matrices built from the
location with `keras.ops` arithmetic and applied with `einsum`, so it compiles
under XLA on TensorFlow (with a dynamic batch dimension) and under `jax.jit`:
`tf.image.extract_glimpse` and `tf.image.crop_and_resize` have no XLA kernels.

Coordinates. An image of `H x W` pixels covers the continuous square
`[0, H] x [0, W]`, pixel `(i, j)` the unit square `[i, i + 1] x [j, j + 1]`.
A location `l = (y, x)` in `[-1, 1]^2` is the point
`((y + 1) H / 2, (x + 1) W / 2)`: `-1` is the top (left) edge of the image,
`+1` the bottom (right) edge and `(0, 0)` its centre, as in the paper.
"""

import numpy as np
from keras import ops

from keras_memory import validation


def _check_sensor_arguments(patch_size, num_scales, scale_factor):
    patch_size = validation.check_positive_int("patch_size", patch_size)
    num_scales = validation.check_positive_int("num_scales", num_scales)
    if not validation.is_real(scale_factor) or not np.isfinite(scale_factor) or scale_factor < 1:
        raise validation.invalid_argument("scale_factor", "a number >= 1", scale_factor)
    return patch_size, num_scales, float(scale_factor)


def _pixel_widths(num_scales, scale_factor):
    """The side `f^k` of the image square that one output pixel of scale `k` covers."""
    return [scale_factor**k for k in range(num_scales)]


def _resampling_matrix(centres, length, patch_size, widths):
    """The matrices `R` of one axis, `(B, K, g, length)`, from centres `(B,)` in pixels.

    Output pixel `j` of scale `k` covers the interval
    `[c - g f^k / 2 + j f^k, c - g f^k / 2 + (j + 1) f^k]`; its weight on image
    pixel `i` is the length of that interval's overlap with `[i, i + 1]`,
    divided by `f^k`: the output pixel is the average of the image over its
    interval (area resampling). Image pixels outside `[0, length)` do not exist
    in `R`, so the parts of a patch outside the image are zero.
    """
    widths = ops.convert_to_tensor(widths, dtype="float32")  # f^k, (K,)
    offsets = ops.arange(patch_size, dtype="float32")  # j, (g,)
    pixels = ops.arange(length, dtype="float32")  # i, (L,)
    starts = ops.expand_dims(centres, -1) - 0.5 * patch_size * widths  # (B, K)
    low = ops.expand_dims(starts, -1) + offsets * ops.expand_dims(widths, -1)  # (B, K, g)
    high = low + ops.expand_dims(widths, -1)
    low = ops.expand_dims(low, -1)  # (B, K, g, 1)
    high = ops.expand_dims(high, -1)
    overlap = ops.minimum(high, pixels + 1.0) - ops.maximum(low, pixels)
    return ops.maximum(overlap, 0.0) / ops.reshape(widths, (-1, 1, 1))


def _static_image_shape(images):
    shape = tuple(images.shape)
    if len(shape) != 4:
        raise validation.invalid_argument(
            "images", "a tensor of rank 4 (batch, height, width, channels)", shape
        )
    if shape[1] is None or shape[2] is None:
        raise validation.invalid_argument(
            "images", "a known height and width (static shape)", shape
        )
    return shape


def _check_locations(locations, batch_size):
    shape = tuple(locations.shape)
    if len(shape) != 2 or shape[1] != 2:
        raise validation.invalid_argument("locations", "a tensor of shape (batch, 2)", shape)
    if batch_size is not None and shape[0] is not None and shape[0] != batch_size:
        raise validation.invalid_argument(
            "locations",
            f"one location per image (shape ({batch_size}, 2))",
            shape,
        )


def glimpse_sensor(images, locations, patch_size, num_scales=1, scale_factor=2):
    """The retina-like glimpse `rho(x_t, l_{t-1})` of the Recurrent Attention Model.

    Section 3.1 of the paper: "the glimpse sensor extracts a retina-like
    representation `rho(x_t, l_{t-1})` around location `l_{t-1}` from image
    `x_t`. It encodes the region around `l` at a high resolution but uses a
    progressively lower resolution for pixels further from `l` [...] `k`
    square patches centred at location `l_{t-1}`, where the first patch is
    `g_w x g_w` pixels in size, and each successive patch has twice the width
    of the previous. The `k` patches are then all resized to `g_w x g_w`."

    Patch `k = 0 .. K-1` covers `g f^k x g f^k` pixels around `l` (`f` is
    `scale_factor`, 2 in the paper) and is resampled to `g x g` by area
    averaging: output pixel `(a, b)` is the mean of the image over its
    `f^k x f^k` square, with fractional coverage of the pixels on the square's
    border. Since the sensor is separable, with `X` one channel of the image,

    ```
    rho_k = R_y^k X (R_x^k)^T,   R^k[a, i] = |[s_k + a f^k, s_k + (a+1) f^k] ∩ [i, i+1]| / f^k
    ```

    where `s_k = c - g f^k / 2` is the patch's start and `c` the location in
    pixels. At `k = 0` with `c` on a pixel boundary this is plain slicing of
    the image; at a fractional position it is bilinear interpolation between
    neighbouring pixels; at `k >= 1` it is average pooling over `f^k x f^k`
    blocks. Pixels outside the image count as zero, so a patch near an edge
    (or a location at a corner) is partly black.

    The weights are computed in float32 and the result is cast back to the
    images' dtype (float16 and bfloat16 keep their dtype). Gradients flow to
    the images; the gradient with respect to the location is piecewise
    constant and should not be used (the paper trains the location with
    REINFORCE: pass sampled locations under `stop_gradient`).

    Args:
        images: Float tensor `(B, H, W, C)` with static `H` and `W`: the images
            `x_t`.
        locations: Tensor `(B, 2)`: `l_{t-1}` as `(y, x)` in `[-1, 1]^2`; `-1`
            is the top (left) edge of the image, `+1` the bottom (right) edge,
            `(0, 0)` its centre. Values outside `[-1, 1]` are clipped to it.
        patch_size: Positive integer `g`: the side of every patch, in output
            pixels.
        num_scales: Positive integer `k`: the number of patches. Default: `1`.
        scale_factor: Number `>= 1`: the ratio between the widths of two
            successive patches. Default: `2` (the paper's).

    Returns:
        A tensor `(B, num_scales, patch_size, patch_size, C)` of the images'
        dtype: patch `k` covers `patch_size * scale_factor**k` pixels around
        the location, resampled to `patch_size x patch_size`.

    Example:

    >>> import numpy as np
    >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> patches = glimpse_sensor(image, np.zeros((1, 2)), patch_size=2, num_scales=2)
    >>> tuple(patches.shape)
    (1, 2, 2, 2, 1)
    >>> np.asarray(patches)[0, 0, :, :, 0].tolist()  # image[1:3, 1:3]
    [[5.0, 6.0], [9.0, 10.0]]
    >>> np.asarray(patches)[0, 1, :, :, 0].tolist()  # 2 x 2 means of the image
    [[2.5, 4.5], [10.5, 12.5]]

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu. Recurrent Models of Visual
        Attention. NIPS 2014. https://arxiv.org/abs/1406.6247
    """
    patch_size, num_scales, scale_factor = _check_sensor_arguments(
        patch_size, num_scales, scale_factor
    )
    images = ops.convert_to_tensor(images)
    locations = ops.convert_to_tensor(locations)
    _, height, width, _ = _static_image_shape(images)
    _check_locations(locations, images.shape[0])
    dtype = images.dtype

    locations = ops.clip(ops.cast(locations, "float32"), -1.0, 1.0)
    # l = (y, x) in [-1, 1] -> the centre c in pixels, in [0, H] x [0, W].
    centre_y = (locations[:, 0] + 1.0) * (0.5 * height)
    centre_x = (locations[:, 1] + 1.0) * (0.5 * width)
    widths = _pixel_widths(num_scales, scale_factor)
    rows = _resampling_matrix(centre_y, height, patch_size, widths)  # R_y, (B, K, g, H)
    columns = _resampling_matrix(centre_x, width, patch_size, widths)  # R_x, (B, K, g, W)

    x = ops.cast(images, "float32")
    # rho_k = R_y X R_x^T per channel: rows first, then columns.
    patches = ops.einsum("bkah,bhwc->bkawc", rows, x)
    patches = ops.einsum("bkawc,bkdw->bkadc", patches, columns)
    return ops.cast(patches, dtype)


def glimpse_patch_boxes(locations, image_shape, patch_size, num_scales=1, scale_factor=2):
    """The pixel boxes that `glimpse_sensor` reads, for drawing the glimpses.

    A NumPy helper (for figures, not for models): the same coordinates and
    clipping as `glimpse_sensor`, with no clipping of the boxes to the image
    (a box may reach outside it, where the sensor reads zeros).

    Args:
        locations: Array `(B, 2)` (or `(2,)` for one location) of `(y, x)` in
            `[-1, 1]^2`; values outside are clipped.
        image_shape: `(H, W)` or `(H, W, C)`: the image's size in pixels.
        patch_size: Positive integer `g`.
        num_scales: Positive integer `k`. Default: `1`.
        scale_factor: Number `>= 1`. Default: `2`.

    Returns:
        A float64 NumPy array `(B, num_scales, 4)` (or `(num_scales, 4)` for one
        location) of `(top, left, bottom, right)` in continuous pixel
        coordinates: the image covers `[0, H] x [0, W]`, and patch `k` is
        `patch_size * scale_factor**k` pixels wide.

    Example:

    >>> glimpse_patch_boxes([0.0, 0.0], (28, 28), patch_size=8, num_scales=2).tolist()
    [[10.0, 10.0, 18.0, 18.0], [6.0, 6.0, 22.0, 22.0]]
    """
    patch_size, num_scales, scale_factor = _check_sensor_arguments(
        patch_size, num_scales, scale_factor
    )
    image_shape = tuple(image_shape)
    if len(image_shape) not in (2, 3) or not all(
        validation.is_integer(v) and v >= 1 for v in image_shape[:2]
    ):
        raise validation.invalid_argument(
            "image_shape", "(height, width) or (height, width, channels)", image_shape
        )
    locations = np.asarray(ops.convert_to_numpy(locations), dtype="float64")
    single = locations.ndim == 1
    locations = np.atleast_2d(locations)
    if locations.ndim != 2 or locations.shape[1] != 2:
        raise validation.invalid_argument(
            "locations", "an array of shape (batch, 2) or (2,)", locations.shape
        )
    locations = np.clip(locations, -1.0, 1.0)
    centres = (locations + 1.0) * 0.5 * np.array(image_shape[:2], dtype="float64")  # (B, 2)
    half = 0.5 * patch_size * np.array(_pixel_widths(num_scales, scale_factor))  # (K,)
    centres = centres[:, None, :]  # (B, 1, 2)
    half = half[None, :, None]  # (1, K, 1)
    boxes = np.concatenate([centres - half, centres + half], axis=-1)
    return boxes[0] if single else boxes
