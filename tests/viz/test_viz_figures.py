"""Figures: the right panels, with the data that was passed in."""

import numpy as np

from keras_memory.viz import plot_clockwork


def test_plot_clockwork_draws_signal_clock_and_states(tmp_path):
    t = np.arange(16)
    target, prediction = np.sin(t / 3.0), np.cos(t / 3.0)
    hidden = np.arange(16 * 4, dtype="float32").reshape(16, 4)
    path = tmp_path / "clockwork.png"
    figure = plot_clockwork(target, prediction, hidden, periods=[1, 4], path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    signal_axis, clock_axis, state_axis = figure.axes
    target_line, prediction_line = signal_axis.get_lines()
    np.testing.assert_array_equal(target_line.get_ydata(), target)
    np.testing.assert_array_equal(prediction_line.get_ydata(), prediction)
    clock = clock_axis.get_images()[0].get_array()
    np.testing.assert_array_equal(clock[0], np.ones(16))  # T=1: every step
    np.testing.assert_array_equal(clock[1], t % 4 == 0)  # T=4
    np.testing.assert_array_equal(state_axis.get_images()[0].get_array(), hidden.T)
    assert [label.get_text() for label in clock_axis.get_yticklabels()] == ["T=1", "T=4"]


def test_figures_leave_pyplot_and_its_backend_alone(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    open_figures = plt.get_fignums()
    plot_clockwork(np.zeros(4), np.zeros(4), np.zeros((4, 2)), [1, 2])
    assert matplotlib.get_backend() == backend
    assert plt.get_fignums() == open_figures


def test_plot_skip_updates_marks_updates_under_the_input(tmp_path):
    from keras_memory.viz import plot_skip_updates

    inputs = np.stack([np.linspace(-0.5, 0.5, 6), [1, 0, 0, 0, 1, 0]], axis=1)
    gates = np.array([1, 0, 0, 1, 1, 0])
    figure = plot_skip_updates(
        inputs, gates, feature_names=["value", "marker"], path=tmp_path / "s.png"
    )
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
    input_axis, gate_axis = figure.axes
    assert [line.get_label() for line in input_axis.get_lines()] == ["value", "marker"]
    np.testing.assert_array_equal(input_axis.get_lines()[1].get_ydata(), inputs[:, 1])
    updates, skips = gate_axis.containers
    assert [bar.get_height() for bar in updates] == [1, 0, 0, 1, 1, 0]
    assert [bar.get_height() for bar in skips] == [0, 1, 1, 0, 0, 1]
    assert "3 updates in 6 steps (50.0 %)" in input_axis.get_title()


def test_plot_skip_updates_needs_one_gate_per_step():
    import pytest

    from keras_memory.viz import plot_skip_updates

    with pytest.raises(ValueError, match="argument `gates`.*one gate per input step"):
        plot_skip_updates(np.zeros((5, 2)), np.zeros(4))
