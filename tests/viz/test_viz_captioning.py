"""`plot_caption_attention` and `plot_captioner_attention` (Xu et al., figure 3)."""

import matplotlib

matplotlib.use("Agg")  # noqa: E402 (no display on test machines)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_memory.applications.captioning.model import ShowAttendTell  # noqa: E402
from keras_memory.applications.captioning.model import generate  # noqa: E402
from keras_memory.applications.captioning.model import sampler_for  # noqa: E402
from keras_memory.viz import plot_caption_attention  # noqa: E402
from keras_memory.viz import plot_captioner_attention  # noqa: E402
from keras_memory.viz.captioning import FLOOR  # noqa: E402
from keras_memory.viz.captioning import GLOW  # noqa: E402
from keras_memory.viz.captioning import attention_overlay  # noqa: E402


def test_one_hot_weight_lights_exactly_its_block():
    image = np.full((6, 6, 3), 0.5, "float32")
    alpha = np.zeros((2, 9))
    alpha[0, 1 * 3 + 2] = 1.0  # location (1, 2) of a 3 x 3 grid
    alpha[1] = 1.0 / 9  # uniform: every pixel at full brightness
    figure = plot_caption_attention(image, alpha, "small square")
    assert [axis.get_title() for axis in figure.axes] == ["small", "square"]
    shown = np.asarray(figure.axes[0].images[0].get_array())
    expected = np.full((6, 6, 3), 0.5 * FLOOR, "float32")
    expected[2:4, 4:6] = 0.5 + GLOW  # rows 2-3, columns 4-5
    np.testing.assert_allclose(shown, expected, atol=1e-6)
    uniform = np.asarray(figure.axes[1].images[0].get_array())
    np.testing.assert_allclose(uniform, np.full_like(image, 0.5 + GLOW), atol=1e-6)


def test_overlay_of_a_grid_that_does_not_divide_the_image():
    weights = np.array([0.0, 1.0, 0.5, 0.0])  # a 2 x 2 grid
    image = np.full((5, 7, 3), 0.25, "float32")
    light = attention_overlay(image, weights, (2, 2))[..., 0]
    rows, columns = (np.arange(5) * 2) // 5, (np.arange(7) * 2) // 7
    share = weights.reshape(2, 2)[rows][:, columns]
    expected = 0.25 * (FLOOR + (1 - FLOOR) * share) + GLOW * share
    np.testing.assert_allclose(light, expected, atol=1e-6)
    # Bright pixels saturate at 1.
    assert attention_overlay(np.ones((2, 2, 3)), np.ones(4), (2, 2)).max() == 1.0


def test_grid_shape_rows_of_panels_and_greyscale(tmp_path):
    alpha = np.full((7, 6), 1 / 6)
    words = [f"w{i}" for i in range(7)]
    figure = plot_caption_attention(
        np.zeros((4, 6)), alpha, words, grid_shape=(2, 3), columns=3, path=tmp_path / "a.png"
    )
    assert len(figure.axes) == 7
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert np.asarray(figure.axes[0].images[0].get_array()).shape == (4, 6, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"image": np.zeros((2, 4, 4, 3))}, "`image`"),
        ({"image": np.full((4, 4), np.nan)}, "`image`.*non-finite"),
        ({"alignments": np.zeros(4)}, "`alignments`"),
        ({"alignments": np.full((2, 4), np.inf)}, "`alignments`.*non-finite"),
        ({"words": ["a", "b", "c"]}, "`words`.*1 to 2 words.*3 words"),
        ({"words": []}, "`words`"),
        ({"alignments": np.ones((2, 6))}, "`grid_shape`.*6 locations"),
        ({"grid_shape": (3, 3)}, "`grid_shape`.*h \\* w = 4"),
        ({"columns": 0}, "`columns`"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    arguments = {"image": np.zeros((4, 4)), "alignments": np.ones((2, 4)) / 4, "words": "a b"}
    with pytest.raises(ValueError, match=match):
        plot_caption_attention(**{**arguments, **kwargs})


def test_captioner_figure_has_a_panel_per_generated_step():
    captioner = ShowAttendTell(
        12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8, attention_units=8
    )
    image = np.random.default_rng(0).random((16, 16, 3), dtype="float32")
    vocabulary = [f"id{i}" for i in range(12)]
    figure = plot_captioner_attention(captioner, image, vocabulary=vocabulary, columns=10)
    outputs = generate(captioner, image[None], sampler_for(1, 50))
    steps = int(np.asarray(outputs["lengths"])[0, 0])
    tokens = np.asarray(outputs["tokens"])[0, 0, :steps]
    expected = ["<end>" if t == 2 else vocabulary[t] for t in tokens]
    assert [axis.get_title() for axis in figure.axes] == expected
    # The panels show the 4 x 4 grid of that step's weights.
    alphas = np.asarray(outputs["alignments"])[0, 0]
    np.testing.assert_allclose(
        np.asarray(figure.axes[0].images[0].get_array()),
        attention_overlay(image, alphas[0], (4, 4)),
        atol=1e-6,
    )
    none = ShowAttendTell(12, image_shape=(16, 16, 3), attention="none")
    with pytest.raises(ValueError, match="`captioner`"):
        plot_captioner_attention(none, image)
