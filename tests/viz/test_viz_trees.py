"""The figure of recursive networks: accuracy by depth."""

import numpy as np
import pytest

from keras_memory.viz import plot_accuracy_by_depth


def test_plot_accuracy_by_depth_shades_the_unseen_depths():
    figure = plot_accuracy_by_depth(
        [1, 2, 3, 4], {"tree": [1.0, 0.9, 0.8, 0.7], "lstm": [0.9, 0.5, 0.2, 0.1]}, train_depth=2
    )
    (axis,) = figure.axes
    assert [line.get_label() for line in axis.get_lines()] == ["tree", "lstm"]
    np.testing.assert_allclose(axis.get_lines()[1].get_ydata(), [90, 50, 20, 10])
    (shade,) = axis.patches
    assert shade.get_label() == "deeper than in training"
    with pytest.raises(ValueError, match="argument `accuracies`"):
        plot_accuracy_by_depth([1, 2], {"tree": [1.0]})
