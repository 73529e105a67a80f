"""Figure of the Clockwork RNN: generated signal, clocks, hidden states."""

import numpy as np

from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure


def plot_clockwork(target, prediction, hidden_states, periods, path=None):
    """The Clockwork RNN's generated waveform, its clocks and its modules.

    Three panels sharing the time axis: the target and generated signals;
    which modules updated at each step (`t mod T_i == 0`); and the hidden
    state, one row per unit grouped by module, where slow modules show as
    long constant stretches.

    Args:
        target: Array `(timesteps,)`, the signal to reproduce.
        prediction: Array `(timesteps,)`, the model's output.
        hidden_states: Array `(timesteps, units)`, the Clockwork RNN's `h_t`.
        periods: The layer's clock periods, one per module.
        path: Optional file path; the figure is saved there (PNG by suffix).

    Returns:
        The `matplotlib.figure.Figure`.
    """
    target = np.asarray(target).reshape(-1)
    prediction = np.asarray(prediction).reshape(-1)
    hidden_states = np.asarray(hidden_states, "float32")
    timesteps = target.shape[0]
    periods = list(periods)
    active = np.arange(timesteps)[:, None] % np.array(periods)[None, :] == 0

    figure = new_figure(figsize=(10, 7.5))
    signal_axis, clock_axis, state_axis = figure.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1, 2.2]}
    )
    signal_axis.plot(target, color="black", linewidth=2, label="target")
    signal_axis.plot(prediction, color="tab:orange", linewidth=1.2, label="generated")
    signal_axis.set_ylabel("signal")
    signal_axis.legend(loc="upper right")
    signal_axis.set_title("Clockwork RNN: generating a waveform from a clock-only input")

    clock_axis.imshow(
        active.T, aspect="auto", cmap="Greys", interpolation="nearest", vmin=0, vmax=1
    )
    clock_axis.set_yticks(range(len(periods)))
    clock_axis.set_yticklabels([f"T={p}" for p in periods])
    clock_axis.set_ylabel("module updates")

    limit = float(np.abs(hidden_states).max()) or 1.0
    state_axis.imshow(
        hidden_states.T,
        aspect="auto",
        cmap="RdBu_r",
        interpolation="nearest",
        vmin=-limit,
        vmax=limit,
    )
    module_size = hidden_states.shape[1] // len(periods)
    for boundary in range(1, len(periods)):
        state_axis.axhline(boundary * module_size - 0.5, color="black", linewidth=0.6)
    state_axis.set_yticks(
        [module_size * (i + 0.5) - 0.5 for i in range(len(periods))]
    )
    state_axis.set_yticklabels([f"T={p}" for p in periods])
    state_axis.set_ylabel("hidden state h_t")
    state_axis.set_xlabel("time step t")
    return finish_figure(figure, path)
