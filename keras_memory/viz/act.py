"""Figures of Adaptive Computation Time: where the model ponders."""

import numpy as np

from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure


def _as_vector(name, values):
    values = np.asarray(values, "float32").reshape(-1)
    if values.size == 0:
        raise ValueError(
            f"Received an invalid value for argument `{name}`: expected at least "
            f"one value, got shape {values.shape}."
        )
    return values


def plot_ponder_times(ponder, step_labels=None, max_ponder_steps=None, path=None):
    """The ponder time `ρ_t = N(t) + R(t)` of every input step of one sequence.

    A bar per input step, as in the paper's figures of ponder time along a
    sequence; its height is `ρ_t`, from `ACT(..., return_ponder=True)`.

    Args:
        ponder: Array `(timesteps,)` of ponder times of one sequence.
        step_labels: Optional list of one label per step (the input token,
            the number read), written under the bars.
        max_ponder_steps: Optional `M`, drawn as a dashed line (`ρ_t` stays
            below `M + 1`).
        path: Optional file path; the figure is saved there.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    ponder = _as_vector("ponder", ponder)
    steps = np.arange(ponder.size)
    if step_labels is not None and len(step_labels) != ponder.size:
        raise ValueError(
            "Received an invalid value for argument `step_labels`: expected one "
            f"label per input step ({ponder.size}), got {len(step_labels)}."
        )
    figure = new_figure(figsize=(max(4.0, 0.5 * ponder.size + 2.0), 3.2))
    axis = figure.subplots()
    axis.bar(steps, ponder, width=0.8, color="tab:blue")
    if max_ponder_steps is not None:
        axis.axhline(max_ponder_steps, color="grey", linestyle="--", linewidth=1,
                     label=f"M = {max_ponder_steps}")
        axis.legend(loc="upper right", fontsize="small")
    axis.set_xticks(steps)
    if step_labels is not None:
        axis.set_xticklabels([str(label) for label in step_labels], rotation=45, ha="right")
    axis.set_xlabel("input step t")
    axis.set_ylabel("ponder time ρ_t")
    axis.set_title(f"ACT: mean ponder time {ponder.mean():.2f}")
    return finish_figure(figure, path)


def plot_ponder_by_difficulty(ponder, difficulty, difficulty_name="difficulty", path=None):
    """Mean ponder time against a difficulty of the input (the paper's figure 4).

    For parity, the difficulty is the number of non-zero bits of each
    vector: the paper shows ponder time growing with it. Draws every example
    (faint) and the mean ponder time at each difficulty value.

    Args:
        ponder: Array `(examples,)` of ponder times (one input step each, or
            each sequence's mean).
        difficulty: Array `(examples,)` of the difficulty of each example.
        difficulty_name: Axis label of the difficulty.
        path: Optional file path; the figure is saved there.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    ponder = _as_vector("ponder", ponder)
    difficulty = _as_vector("difficulty", difficulty)
    if difficulty.size != ponder.size:
        raise ValueError(
            "Received an invalid value for argument `difficulty`: expected one "
            f"value per example ({ponder.size}), got {difficulty.size}."
        )
    levels = np.unique(difficulty)
    means = np.array([ponder[difficulty == level].mean() for level in levels])
    figure = new_figure(figsize=(6.0, 3.6))
    axis = figure.subplots()
    axis.scatter(difficulty, ponder, s=6, alpha=0.15, color="tab:blue", label="examples")
    axis.plot(levels, means, color="black", marker="o", markersize=3, label="mean")
    axis.set_xlabel(difficulty_name)
    axis.set_ylabel("ponder time ρ")
    axis.legend(loc="upper left", fontsize="small")
    axis.set_title("ACT: ponder time by difficulty")
    return finish_figure(figure, path)
