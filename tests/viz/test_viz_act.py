"""The ACT figures: ponder time per input step, and by difficulty."""

import numpy as np
import pytest

from keras_memory.viz import plot_ponder_by_difficulty
from keras_memory.viz import plot_ponder_times


def test_plot_ponder_times_draws_one_bar_per_step(tmp_path):
    ponder = np.array([1.2, 3.5, 2.0, 4.9])
    figure = plot_ponder_times(
        ponder, step_labels=["7", "12", "3", "950"], max_ponder_steps=5, path=tmp_path / "p.png"
    )
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    (axis,) = figure.axes
    (bars,) = axis.containers
    np.testing.assert_allclose([bar.get_height() for bar in bars], ponder)
    assert [label.get_text() for label in axis.get_xticklabels()] == ["7", "12", "3", "950"]
    assert axis.get_lines()[0].get_ydata()[0] == 5  # the limit M
    assert "mean ponder time 2.90" in axis.get_title()


def test_plot_ponder_by_difficulty_draws_the_mean_at_each_level():
    ponder = np.array([2.0, 4.0, 5.0, 7.0, 9.0])
    bits = np.array([1, 1, 3, 3, 3])
    figure = plot_ponder_by_difficulty(ponder, bits, difficulty_name="non-zero bits")
    (axis,) = figure.axes
    (means,) = axis.get_lines()
    np.testing.assert_allclose(means.get_xdata(), [1, 3])
    np.testing.assert_allclose(means.get_ydata(), [3.0, 7.0])
    assert axis.get_xlabel() == "non-zero bits"


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: plot_ponder_times([]), "ponder"),
        (lambda: plot_ponder_times([1.0, 2.0], step_labels=["a"]), "step_labels"),
        (lambda: plot_ponder_by_difficulty([1.0, 2.0], [1]), "difficulty"),
    ],
)
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=f"argument `{name}`"):
        call()

