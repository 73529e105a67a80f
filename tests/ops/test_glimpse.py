"""The glimpse sensor against a loop-based NumPy reference (area averaging)."""

import doctest
import importlib
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from testing_utils import to_numpy

from keras_memory.ops.glimpse import glimpse_patch_boxes
from keras_memory.ops.glimpse import glimpse_sensor


def np_glimpse(images, locations, patch_size, num_scales=1, scale_factor=2):
    """Patch k, pixel (a, b): the mean of the zero-padded image over its square.

    Written as a 2-D area integral over the image pixels, one output pixel at a
    time: the image pixel (p, q) covers [p, p + 1] x [q, q + 1].
    """
    images = np.asarray(images, "float64")
    batch, height, width, channels = images.shape
    out = np.zeros((batch, num_scales, patch_size, patch_size, channels))
    for n in range(batch):
        y, x = np.clip(np.asarray(locations[n], "float64"), -1, 1)
        cy, cx = (y + 1) / 2 * height, (x + 1) / 2 * width
        for k in range(num_scales):
            side = scale_factor**k  # what one output pixel covers
            top, left = cy - patch_size * side / 2, cx - patch_size * side / 2
            for a in range(patch_size):
                y0, y1 = top + a * side, top + (a + 1) * side
                for b in range(patch_size):
                    x0, x1 = left + b * side, left + (b + 1) * side
                    total = np.zeros(channels)
                    for p in range(height):
                        dy = max(0.0, min(y1, p + 1) - max(y0, p))
                        if dy == 0:
                            continue
                        for q in range(width):
                            dx = max(0.0, min(x1, q + 1) - max(x0, q))
                            total += dy * dx * images[n, p, q]
                    out[n, k, a, b] = total / side**2
    return out


def random_images(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def test_centres_on_pixel_boundaries_equal_slicing():
    images = random_images((2, 10, 12, 1))
    # Centre (4, 6) and (6, 8) in pixels: (y + 1) / 2 * 10 = 4, (x + 1) / 2 * 12 = 6 ...
    locations = np.array([[-0.2, 0.0], [0.2, 1 / 3]], "float32")
    patches = to_numpy(glimpse_sensor(images, locations, patch_size=4))
    assert patches.shape == (2, 1, 4, 4, 1)
    np.testing.assert_allclose(patches[0, 0], images[0, 2:6, 4:8], atol=1e-6)
    np.testing.assert_allclose(patches[1, 0], images[1, 4:8, 6:10], atol=1e-6)


def test_larger_scale_on_boundaries_is_block_averaging():
    images = random_images((1, 8, 8, 1))
    patches = to_numpy(glimpse_sensor(images, np.zeros((1, 2)), patch_size=2, num_scales=3))
    # Scale 2 (k = 1) covers image[2:6, 2:6] in 2 x 2 blocks; k = 2 the whole image in 4 x 4.
    blocks = images[0, 2:6, 2:6, 0].reshape(2, 2, 2, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(patches[0, 1, :, :, 0], blocks, atol=1e-6)
    quarters = images[0, :, :, 0].reshape(2, 4, 2, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(patches[0, 2, :, :, 0], quarters, atol=1e-6)


def test_fractional_centres_match_the_reference():
    images = random_images((3, 9, 7, 1), seed=1)
    locations = np.array([[0.13, -0.41], [-0.77, 0.58], [0.05, 0.91]], "float32")
    patches = to_numpy(glimpse_sensor(images, locations, patch_size=3, num_scales=3))
    expected = np_glimpse(images, locations, patch_size=3, num_scales=3)
    np.testing.assert_allclose(patches, expected, atol=1e-5)


def test_half_pixel_shift_is_bilinear_interpolation():
    images = random_images((1, 6, 6, 1), seed=2)
    # Centre at (3.5, 3.0): every output pixel averages two vertical neighbours.
    locations = np.array([[1 / 6, 0.0]], "float32")
    patch = to_numpy(glimpse_sensor(images, locations, patch_size=2))[0, 0, :, :, 0]
    rows = images[0, :, 2:4, 0]
    np.testing.assert_allclose(patch, 0.5 * (rows[2:4] + rows[3:5]), atol=1e-6)


def test_corners_are_zero_padded():
    images = np.ones((4, 6, 6, 1), "float32")
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], "float32")
    patches = to_numpy(glimpse_sensor(images, corners, patch_size=2))[:, 0, :, :, 0]
    # The 2 x 2 patch centred on a corner has one pixel inside the image.
    np.testing.assert_array_equal(patches[0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(patches[1], [[0, 0], [1, 0]])
    np.testing.assert_array_equal(patches[2], [[0, 1], [0, 0]])
    np.testing.assert_array_equal(patches[3], [[1, 0], [0, 0]])
    expected = np_glimpse(images, corners, patch_size=2)
    np.testing.assert_allclose(patches, expected[:, 0, :, :, 0], atol=1e-6)


def test_locations_outside_are_clipped():
    images = random_images((3, 8, 8, 2), seed=3)
    outside = np.array([[-3.0, 5.0], [1.5, 0.25], [-1.01, -7.0]], "float32")
    clipped = np.clip(outside, -1, 1)
    kwargs = dict(patch_size=3, num_scales=2)
    np.testing.assert_array_equal(
        to_numpy(glimpse_sensor(images, outside, **kwargs)),
        to_numpy(glimpse_sensor(images, clipped, **kwargs)),
    )
    np.testing.assert_allclose(
        to_numpy(glimpse_sensor(images, outside, **kwargs)),
        np_glimpse(images, clipped, **kwargs),
        atol=1e-5,
    )


def test_large_scale_reads_zeros_outside_the_image():
    # A 16-pixel-wide patch on a 4 x 4 image of ones: the image is a quarter of it.
    images = np.ones((1, 4, 4, 1), "float32")
    patches = to_numpy(glimpse_sensor(images, np.zeros((1, 2)), patch_size=2, num_scales=3))
    np.testing.assert_allclose(patches[0, 2, :, :, 0], np.full((2, 2), 0.25), atol=1e-6)


def test_multi_channel_and_non_integer_scale_factor():
    images = random_images((2, 11, 9, 3), seed=4)
    locations = np.array([[0.3, -0.2], [-0.6, 0.7]], "float32")
    kwargs = dict(patch_size=4, num_scales=3, scale_factor=1.5)
    patches = to_numpy(glimpse_sensor(images, locations, **kwargs))
    assert patches.shape == (2, 3, 4, 4, 3)
    np.testing.assert_allclose(patches, np_glimpse(images, locations, **kwargs), atol=1e-5)
    # Channels are independent: each equals the sensor on that channel alone.
    single = to_numpy(glimpse_sensor(images[..., 1:2], locations, **kwargs))
    np.testing.assert_allclose(patches[..., 1:2], single, atol=1e-6)


def test_scale_factor_one_repeats_the_patch():
    images = random_images((1, 5, 5, 1), seed=5)
    patches = to_numpy(
        glimpse_sensor(images, [[0.1, 0.2]], patch_size=3, num_scales=2, scale_factor=1)
    )
    np.testing.assert_allclose(patches[:, 0], patches[:, 1], atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_inputs_keep_their_dtype(dtype):
    images = random_images((2, 8, 8, 1), seed=6)
    locations = np.array([[0.1, -0.3], [0.5, 0.5]], "float32")
    low = keras.ops.cast(images, dtype)
    patches = glimpse_sensor(low, locations, patch_size=3, num_scales=2)
    assert keras.backend.standardize_dtype(patches.dtype) == dtype
    expected = np_glimpse(to_numpy(keras.ops.cast(low, "float32")), locations, 3, 2)
    tolerance = 1e-2 if dtype == "bfloat16" else 2e-3
    np.testing.assert_allclose(
        to_numpy(keras.ops.cast(patches, "float32")), expected, atol=tolerance
    )


def test_gradient_with_respect_to_images():
    images = tf.constant(random_images((1, 6, 6, 1), seed=7))
    # Centre (3, 3), 2 x 2 patch at scale 1 -> pixels [2:4, 2:4]; at scale 2 -> [1:5, 1:5]
    # in 2 x 2 blocks, so each of those pixels has weight 1/4 per output pixel.
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(glimpse_sensor(images, [[0.0, 0.0]], patch_size=2, num_scales=2))
    gradient = tape.gradient(total, images).numpy()[0, :, :, 0]
    expected = np.zeros((6, 6))
    expected[1:5, 1:5] += 0.25
    expected[2:4, 2:4] += 1.0
    np.testing.assert_allclose(gradient, expected, atol=1e-6)


def test_xla_with_a_dynamic_batch_equals_eager():
    images = random_images((5, 12, 10, 2), seed=8)
    locations = np.random.default_rng(9).uniform(-1.2, 1.2, (5, 2)).astype("float32")

    @tf.function(
        jit_compile=True,
        input_signature=[
            tf.TensorSpec((None, 12, 10, 2), tf.float32),
            tf.TensorSpec((None, 2), tf.float32),
        ],
    )
    def compiled(x, where):
        with tf.GradientTape() as tape:
            tape.watch(x)
            patches = glimpse_sensor(x, where, patch_size=4, num_scales=3)
            loss = tf.reduce_sum(patches**2)
        return patches, tape.gradient(loss, x)

    eager = to_numpy(glimpse_sensor(images, locations, patch_size=4, num_scales=3))
    for size in (5, 3):  # a full and a partial batch through one compiled function
        patches, gradient = compiled(images[:size], locations[:size])
        np.testing.assert_allclose(patches.numpy(), eager[:size], atol=1e-5)
        assert gradient.shape == (size, 12, 10, 2)
        assert np.isfinite(gradient.numpy()).all()


def test_trains_in_a_compiled_keras_model():
    image_input = keras.Input((10, 10, 1))
    location_input = keras.Input((2,))
    patches = keras.layers.Lambda(
        lambda args: glimpse_sensor(args[0], args[1], patch_size=4, num_scales=2),
        output_shape=(2, 4, 4, 1),
    )([image_input, location_input])
    output = keras.layers.Dense(1)(keras.layers.Flatten()(patches))
    model = keras.Model([image_input, location_input], output)
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    x = random_images((7, 10, 10, 1), seed=10)
    where = np.random.default_rng(11).uniform(-1, 1, (7, 2)).astype("float32")
    history = model.fit([x, where], np.ones((7, 1)), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_glimpse_patch_boxes():
    boxes = glimpse_patch_boxes([[-1.0, 0.5], [0.0, 0.0]], (20, 40, 1), 4, 3)
    assert boxes.shape == (2, 3, 4)
    # Centre (0, 30): boxes of 4, 8, 16 pixels, not clipped to the image.
    np.testing.assert_allclose(boxes[0, 0], [-2, 28, 2, 32])
    np.testing.assert_allclose(boxes[0, 2], [-8, 22, 8, 38])
    np.testing.assert_allclose(boxes[1, 1], [6, 16, 14, 24])
    # Clipped locations, as in the sensor; one location gives (K, 4).
    np.testing.assert_allclose(glimpse_patch_boxes([2.0, -5.0], (20, 40), 4), [[18, -2, 22, 2]])


def test_boxes_match_what_the_sensor_reads():
    # A single bright pixel is seen by patch k exactly when it lies in box k.
    image = np.zeros((1, 16, 16, 1), "float32")
    image[0, 3, 11] = 1.0
    location = np.array([[-0.3, 0.2]], "float32")
    patches = to_numpy(glimpse_sensor(image, location, patch_size=3, num_scales=3))
    boxes = glimpse_patch_boxes(location, (16, 16), 3, 3)[0]
    for k, (top, left, bottom, right) in enumerate(boxes):
        inside = top <= 3 and 4 <= bottom and left <= 11 and 12 <= right
        assert (patches[0, k].sum() > 0) == inside
        if inside:  # the pixel's mass, 1, spread over (2^k)^2 pixels per output pixel
            assert patches[0, k].sum() == pytest.approx(1 / 4**k, rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(patch_size=0), "patch_size"),
        (dict(patch_size=2.0), "patch_size"),
        (dict(patch_size=True), "patch_size"),
        (dict(patch_size=2, num_scales=0), "num_scales"),
        (dict(patch_size=2, num_scales=1.5), "num_scales"),
        (dict(patch_size=2, scale_factor=0.5), "scale_factor"),
        (dict(patch_size=2, scale_factor="2"), "scale_factor"),
        (dict(patch_size=2, scale_factor=float("inf")), "scale_factor"),
    ],
)
def test_bad_arguments(kwargs, name):
    images = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match=f"argument `{name}`.*got"):
        glimpse_sensor(images, np.zeros((1, 2)), **kwargs)
    with pytest.raises(ValueError, match=f"argument `{name}`"):
        glimpse_patch_boxes(np.zeros((1, 2)), (4, 4), **kwargs)


def test_bad_shapes():
    rank = r"argument `images`, expected a tensor of rank 4.*\(4, 4, 1\)"
    with pytest.raises(ValueError, match=rank):
        glimpse_sensor(np.zeros((4, 4, 1)), np.zeros((1, 2)), 2)
    with pytest.raises(ValueError, match=r"argument `locations`.*\(1, 3\)"):
        glimpse_sensor(np.zeros((1, 4, 4, 1)), np.zeros((1, 3)), 2)
    with pytest.raises(ValueError, match=r"argument `locations`.*\(2,\)"):
        glimpse_sensor(np.zeros((1, 4, 4, 1)), np.zeros((2,)), 2)
    with pytest.raises(ValueError, match=r"argument `locations`, expected one location per image"):
        glimpse_sensor(np.zeros((2, 4, 4, 1)), np.zeros((3, 2)), 2)
    with pytest.raises(ValueError, match=r"argument `image_shape`"):
        glimpse_patch_boxes(np.zeros((1, 2)), (4,), 2)
    with pytest.raises(ValueError, match=r"argument `locations`"):
        glimpse_patch_boxes(np.zeros((1, 3)), (4, 4), 2)


def test_docstring_examples():
    module = importlib.import_module("keras_memory.ops.glimpse")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


JAX_SCRIPT = """
import json, sys
import jax, numpy as np
from keras_memory.ops.glimpse import glimpse_sensor
images, locations = (np.array(v, "float32") for v in json.loads(sys.argv[1]))
fn = jax.jit(lambda x, l: glimpse_sensor(x, l, patch_size=3, num_scales=3))
grad = jax.grad(lambda x: (fn(x, locations) ** 2).sum())(images)
print(json.dumps([np.asarray(fn(images, locations)).tolist(), np.asarray(grad).tolist()]))
"""


def test_same_patches_and_gradients_on_jax():
    images = random_images((2, 7, 9, 2), seed=12)
    locations = np.array([[0.21, -0.66], [-1.4, 0.3]], "float32")
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, json.dumps([images.tolist(), locations.tolist()])],
        capture_output=True,
        text=True,
        env=dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    patches, gradient = json.loads(result.stdout.strip().splitlines()[-1])
    expected = np_glimpse(images, locations, patch_size=3, num_scales=3)
    np.testing.assert_allclose(np.array(patches), expected, atol=1e-5)
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(glimpse_sensor(x, locations, patch_size=3, num_scales=3) ** 2)
    np.testing.assert_allclose(np.array(gradient), tape.gradient(loss, x).numpy(), atol=1e-5)
