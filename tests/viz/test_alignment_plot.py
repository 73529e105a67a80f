"""plot_alignment: the source x target attention matrix of one translation."""

import matplotlib

matplotlib.use("Agg")  # noqa: E402 (no display on test machines)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from testing_utils import assert_invalid_argument  # noqa: E402

from keras_memory.viz import plot_alignment  # noqa: E402

# 3 target steps over 4 source tokens; one padding column and one step
# after the end that must not be drawn.
WEIGHTS = np.array(
    [
        [0.7, 0.2, 0.1, 0.0, 0.0],
        [0.1, 0.1, 0.8, 0.0, 0.0],
        [0.0, 0.5, 0.25, 0.25, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ],
    "float32",
)


def _labels(axis, which):
    return [label.get_text() for label in getattr(axis, f"get_{which}ticklabels")()]


def test_cells_are_the_weights_and_ticks_the_tokens(tmp_path):
    path = tmp_path / "alignment.png"
    figure = plot_alignment(WEIGHTS, ["3", " ", "M", "</s>"], "1-0", path=path, title="dates")
    assert isinstance(figure, Figure)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axis = figure.axes[0]
    # Rows: target steps t; columns: source positions j (padding cut off).
    np.testing.assert_array_equal(axis.images[0].get_array(), WEIGHTS[:3, :4])
    assert _labels(axis, "x") == ["3", "\u2423", "M", "</s>"]  # a space is shown
    assert _labels(axis, "y") == ["1", "-", "0"]
    assert axis.get_title() == "dates"
    assert (axis.get_xlabel(), axis.get_ylabel()) == ("source", "target")
    image = axis.images[0]
    assert image.get_clim() == (0.0, 1.0) and image.get_cmap().name == "gray_r"
    assert len(figure.axes) == 2  # and the colour bar


def test_draws_into_a_given_axes():
    figure = Figure()
    left, right = figure.subplots(1, 2)
    returned = plot_alignment(np.eye(2), "ab", "ba", ax=right)
    assert returned is figure
    assert len(left.images) == 0 and len(right.images) == 1
    np.testing.assert_array_equal(right.images[0].get_array(), np.eye(2))
    assert _labels(right, "x") == ["a", "b"]
    assert len(figure.axes) == 2  # no colour bar added to the user's figure


def test_alignments_of_a_model():
    import keras

    from keras_memory.applications import AttentionSeq2Seq
    from keras_memory.applications.seq2seq import generate
    from keras_memory.decoding import GreedySampler

    keras.utils.set_random_seed(0)
    model = AttentionSeq2Seq(
        12, embedding_dim=4, encoder_units=4, decoder_units=4, attention_units=4
    )
    outputs = generate(model, np.array([[5, 6, 7, 2, 0]]), GreedySampler(max_length=3))
    alignments = keras.ops.convert_to_numpy(outputs["alignments"])[0, 0]
    figure = plot_alignment(alignments, ["a", "b", "c", "</s>"], ["x", "y", "z"])
    drawn = np.asarray(figure.axes[0].images[0].get_array())
    np.testing.assert_allclose(drawn, alignments[:3, :4])
    # Soft attention: each step's weights sum to 1 over the real source.
    steps = int(keras.ops.convert_to_numpy(outputs["lengths"])[0, 0])
    np.testing.assert_allclose(drawn[:steps].sum(axis=1), np.ones(steps), rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"weights": np.zeros((2, 4))}, "weights"),  # fewer rows than targets
        ({"weights": np.zeros((3, 3))}, "weights"),  # fewer columns than sources
        ({"weights": np.zeros((3, 4, 1))}, "weights"),
        ({"weights": np.full((3, 4), np.nan)}, "weights"),
        ({"source_tokens": []}, "source_tokens"),
        ({"source_tokens": 3}, "source_tokens"),
        ({"target_tokens": ""}, "target_tokens"),
    ],
)
def test_bad_arguments(kwargs, argument):
    arguments = {
        "weights": WEIGHTS,
        "source_tokens": ["a", "b", "c", "d"],
        "target_tokens": ["x", "y", "z"],
        **kwargs,
    }
    assert_invalid_argument(plot_alignment, argument, **arguments)
