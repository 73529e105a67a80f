"""plot_boundaries: the boundaries it was given, under the characters."""

import numpy as np
import pytest

from keras_memory.viz.hmlstm import plot_boundaries


def test_plot_boundaries_draws_one_row_per_layer_under_the_text(tmp_path):
    text = "the cat. "
    boundaries = np.zeros((len(text), 2), "float32")
    boundaries[[2, 6], 0] = 1.0  # word ends
    boundaries[7, 1] = 1.0  # sentence end
    path = tmp_path / "boundaries.png"
    figure = plot_boundaries(text, boundaries, path=path, true_boundaries=[2, 6])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    (axis,) = figure.axes
    np.testing.assert_array_equal(axis.get_images()[0].get_array(), boundaries.T)
    labels = [label.get_text() for label in axis.get_xticklabels()]
    assert labels == ["t", "h", "e", "\u2423", "c", "a", "t", ".", "\u2423"]
    assert [label.get_text() for label in axis.get_yticklabels()] == ["z^1", "z^2"]
    lines = [line.get_xdata()[0] for line in axis.get_lines()]
    assert lines == [2, 6]


def test_one_layer_of_boundaries_may_be_a_vector():
    figure = plot_boundaries("ab", [0, 1])
    np.testing.assert_array_equal(figure.axes[0].get_images()[0].get_array(), [[0, 1]])


def test_boundaries_must_have_one_row_per_character():
    with pytest.raises(ValueError, match=r"argument `boundaries`.*got shape \(3, 1\)."):
        plot_boundaries("ab", np.zeros((3, 1)))


def test_the_figure_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    open_figures = plt.get_fignums()
    plot_boundaries("ab", np.zeros((2, 1)))
    assert plt.get_fignums() == open_figures
