"""plot_glimpse_path: the glimpse path and the patches the sensor reads (Mnih et al., fig. 3)."""

import matplotlib

matplotlib.use("Agg")  # noqa: E402 (no display on test machines)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from testing_utils import assert_invalid_argument  # noqa: E402

from keras_memory.ops import glimpse_patch_boxes  # noqa: E402
from keras_memory.ops import glimpse_sensor  # noqa: E402
from keras_memory.viz.glimpse import plot_glimpse_locations  # noqa: E402
from keras_memory.viz.glimpse import plot_glimpse_path  # noqa: E402

IMAGE = np.arange(28 * 28, dtype="float32").reshape(28, 28) / (28 * 28)
LOCATIONS = np.array([[0.0, 0.0], [-0.5, 0.25], [0.75, -1.0]])


def _rectangles(axis):
    return [patch for patch in axis.patches if isinstance(patch, Rectangle)]


def _box(rectangle):
    """`(top, left, bottom, right)` of a drawn rectangle."""
    x, y = rectangle.get_x(), rectangle.get_y()
    return (y, x, y + rectangle.get_height(), x + rectangle.get_width())


def test_one_rectangle_per_glimpse_and_scale(tmp_path):
    path = tmp_path / "glimpses.png"
    figure = plot_glimpse_locations(IMAGE, LOCATIONS, patch_size=8, num_scales=3, path=path)
    assert isinstance(figure, Figure)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(figure.axes) == 1
    assert len(_rectangles(figure.axes[0])) == len(LOCATIONS) * 3


def test_centre_location_gives_the_sensor_box_at_the_image_centre():
    figure = plot_glimpse_locations(IMAGE, [[0.0, 0.0]], patch_size=8, num_scales=2)
    first, second = _rectangles(figure.axes[0])
    # The image covers [0, 28]^2: the centre is (14, 14).
    assert _box(first) == (10.0, 10.0, 18.0, 18.0)  # side 8
    assert _box(second) == (6.0, 6.0, 22.0, 22.0)  # side 8 * 2
    # The image itself is drawn over the same continuous coordinates.
    assert tuple(figure.axes[0].images[0].get_extent()) == (0, 28, 28, 0)


def test_rectangles_are_the_boxes_the_sensor_reads():
    figure = plot_glimpse_locations(
        np.zeros((20, 30, 1)), LOCATIONS, patch_size=4, num_scales=3, scale_factor=1.5
    )
    boxes = glimpse_patch_boxes(LOCATIONS, (20, 30), 4, num_scales=3, scale_factor=1.5)
    drawn = np.array([_box(r) for r in _rectangles(figure.axes[0])])
    np.testing.assert_allclose(drawn, boxes.reshape(-1, 4))


def test_path_line_joins_the_locations_in_pixels_and_numbers_them():
    height, width = 20, 30
    figure = plot_glimpse_locations(np.zeros((height, width)), LOCATIONS, patch_size=4)
    axis = figure.axes[0]
    (line,) = axis.get_lines()
    np.testing.assert_allclose(line.get_xdata(), (LOCATIONS[:, 1] + 1) * width / 2)
    np.testing.assert_allclose(line.get_ydata(), (LOCATIONS[:, 0] + 1) * height / 2)
    assert [text.get_text() for text in axis.texts] == ["0", "1", "2"]


def test_title_gives_the_predicted_and_true_class():
    figure = plot_glimpse_locations(IMAGE, LOCATIONS, 8, title="test image 0", predicted=7, label=3)
    assert figure.axes[0].get_title() == "test image 0\npredicted: 7, true: 3 (wrong)"
    figure = plot_glimpse_locations(IMAGE, LOCATIONS, 8, predicted="seven")
    assert figure.axes[0].get_title() == "predicted: seven"


def test_show_glimpses_draws_what_the_sensor_read(tmp_path):
    path = tmp_path / "seen.png"
    figure = plot_glimpse_locations(
        IMAGE, LOCATIONS, patch_size=4, num_scales=2, show_glimpses=True, path=path
    )
    assert path.read_bytes()[:4] == b"\x89PNG"
    path_axis, *cells = figure.axes
    assert len(cells) == len(LOCATIONS) * 2
    expected = np.asarray(
        glimpse_sensor(
            np.repeat(IMAGE[None, :, :, None], 3, axis=0),
            LOCATIONS.astype("float32"),
            patch_size=4,
            num_scales=2,
        )
    )
    # Cells go glimpse by glimpse, scale by scale within a glimpse.
    for index, cell in enumerate(cells):
        step, scale = divmod(index, 2)
        np.testing.assert_allclose(cell.images[0].get_array(), expected[step, scale, :, :, 0])
    assert len(_rectangles(path_axis)) == len(LOCATIONS) * 2


def test_draws_in_a_given_axes():
    figure = Figure()
    left, right = figure.subplots(1, 2)
    returned = plot_glimpse_locations(IMAGE, LOCATIONS, 8, ax=right)
    assert returned is figure
    assert len(_rectangles(right)) == 3 and not _rectangles(left)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("image", {"image": np.zeros((2, 28, 28))}),
        ("image", {"image": np.zeros((28, 28, 3))}),
        ("image", {"image": np.zeros(28)}),
        ("locations", {"locations": np.zeros((3, 3))}),
        ("locations", {"locations": np.zeros(2)}),
        ("locations", {"locations": np.zeros((0, 2))}),
        ("patch_size", {"patch_size": 0}),
        ("patch_size", {"patch_size": 2.5}),
        ("num_scales", {"num_scales": 0}),
        ("scale_factor", {"scale_factor": 0.5}),
        ("show_glimpses", {"show_glimpses": "yes"}),
    ],
)
def test_bad_arguments_are_named(name, kwargs):
    arguments = {"image": IMAGE, "locations": LOCATIONS, "patch_size": 8, **kwargs}
    assert_invalid_argument(plot_glimpse_locations, name, **arguments)


def test_bad_values_are_in_the_message():
    assert_invalid_argument(plot_glimpse_locations, "patch_size", 0, IMAGE, LOCATIONS, 0)
    with pytest.raises(ValueError, match=r"argument `image`.*shape \(28, 28, 3\)"):
        plot_glimpse_locations(np.zeros((28, 28, 3)), LOCATIONS, 8)
    with pytest.raises(ValueError, match=r"argument `locations`.*shape \(3, 3\)"):
        plot_glimpse_locations(IMAGE, np.zeros((3, 3)), 8)
    with pytest.raises(ValueError, match="argument `ax`"):
        plot_glimpse_locations(IMAGE, LOCATIONS, 8, ax=Figure().subplots(), show_glimpses=True)


def test_model_version_draws_the_models_path(tmp_path):
    from keras_memory.applications.glimpse import GlimpseClassifier

    model = GlimpseClassifier(
        num_glimpses=2,
        patch_size=4,
        num_scales=2,
        glimpse_units=4,
        location_units=4,
        glimpse_output_units=4,
        core_units=4,
        seed=0,
    )
    outputs = model.predict(IMAGE[None, :, :, None], verbose=0)
    path = tmp_path / "model.png"
    figure = plot_glimpse_path(model, IMAGE[:, :, None], path=path, label=3, show_glimpses=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axis = figure.axes[0]
    assert len(_rectangles(axis)) == 2 * 2
    locations = outputs["locations"][0]
    (line,) = axis.get_lines()
    np.testing.assert_allclose(line.get_xdata(), (np.clip(locations[:, 1], -1, 1) + 1) * 14)
    np.testing.assert_allclose(line.get_ydata(), (np.clip(locations[:, 0], -1, 1) + 1) * 14)
    predicted = int(np.argmax(outputs["logits"][0]))
    assert f"predicted: {predicted}, true: 3" in axis.get_title()

    with pytest.raises(ValueError, match=r"argument `image`.*shape \(20, 20\)"):
        plot_glimpse_path(model, np.zeros((20, 20)))
    assert_invalid_argument(plot_glimpse_path, "model", None, object(), IMAGE)
