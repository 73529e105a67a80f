"""Slope annealing of the HM-LSTM's boundary detectors (Chung et al., 2017)."""

import keras

from keras_memory import validation
from keras_memory.callbacks.find_layers import find_layers
from keras_memory.layers.hmlstm_cell import HMLSTMCell
from keras_memory.layers.hmlstm_cell import check_slope

# The paper's schedule (Chung et al., 2017, language-modelling experiments):
# the slope starts at 1 and grows by 0.04 per epoch up to 5.
PAPER_SLOPE_START = 1.0
PAPER_SLOPE_STEP = 0.04
PAPER_SLOPE_MAX = 5.0


def paper_slope_schedule(epoch):
    """The HM-RNN paper's slope annealing: `a = min(5, 1 + 0.04 * epoch)`.

    Args:
        epoch: Integer, the epoch counted from 0 (so the first epoch uses
            `a = 1`).

    Returns:
        The slope `a`, a float in [1, 5].
    """
    return min(PAPER_SLOPE_MAX, PAPER_SLOPE_START + PAPER_SLOPE_STEP * epoch)


class SlopeAnnealing(keras.callbacks.Callback):
    """Anneals the slope `a` of every HM-LSTM boundary detector.

    The boundary detector of the HM-LSTM is `z = step(hard_sigm(a s_z))`
    with the straight-through estimator: the forward pass does not depend
    on `a`, but the gradient does, `a / 2` inside `|s_z| < 1 / a` and 0
    outside. Chung et al. (2017) start at `a = 1` and raise it slowly, which
    makes the estimator closer to the step function it stands for (the
    "slope annealing trick"); their schedule is
    `a = min(5, 1 + 0.04 * epoch)`.

    At the beginning of every epoch this callback computes `a` from
    `schedule(epoch)` and assigns it to the non-trainable `slope` variable of
    every `HMLSTMCell` in the model (inside `HMLSTM`, `keras.layers.RNN`,
    `keras.layers.Bidirectional` and nested models). The compiled training
    step reads the variable, so nothing is retraced or recompiled, with or
    without `jit_compile`, on every backend. The value is saved with the
    model's weights, so a training run resumed from a `.keras` file goes on
    with the annealed slope.

    Args:
        schedule: A function of the epoch index (from 0) returning the slope,
            a number >= 1. Default: `None`, the paper's
            `min(5, 1 + 0.04 * epoch)` (`paper_slope_schedule`). With few
            epochs, a steeper schedule such as
            `lambda epoch: min(5.0, 1.0 + 0.5 * epoch)` reaches a sharp
            estimator within the run.
        verbose: Integer; 1 prints the slope at the start of each epoch.
            Default: `0`.

    Raises:
        ValueError: At the start of training when the model has no
            `HMLSTMCell`, and at the start of an epoch when the schedule
            returns a value below 1 (the message names `schedule`, the epoch
            and the value).

    Example:

    ```python
    model.fit(x, y, epochs=50, callbacks=[SlopeAnnealing()])
    ```

    Attributes:
        history: List of the slopes assigned, one per epoch.

    Resuming: `backup_state()` and `restore_state(state)` carry the history
    through a `keras_memory.callbacks.BackupAndResume` backup, and the
    restore assigns its last slope (the weights hold it too); the epoch the
    resumed run starts at gets `schedule(epoch)` as before.

    Reference:
        Chung, Ahn and Bengio. Hierarchical Multiscale Recurrent Neural
        Networks. ICLR 2017, section 3.3. https://arxiv.org/abs/1609.01704
    """

    def __init__(self, schedule=None, verbose=0):
        super().__init__()
        if schedule is None:
            schedule = paper_slope_schedule
        if not callable(schedule):
            raise validation.invalid_argument(
                "schedule",
                "None or a function of the epoch returning a slope >= 1",
                schedule,
            )
        self.schedule = schedule
        self.verbose = verbose
        self.history = []

    def slope_at(self, epoch):
        """The checked slope `schedule(epoch)`, a float >= 1."""
        value = self.schedule(epoch)
        try:
            return check_slope("schedule", value)
        except ValueError:
            raise validation.invalid_argument(
                "schedule",
                f"a function returning a finite slope >= 1 (at epoch {epoch})",
                value,
            ) from None

    def _cells(self):
        cells = find_layers(self.model, HMLSTMCell)
        if not cells:
            raise ValueError(
                "SlopeAnnealing found no HMLSTMCell in the model "
                f"{self.model.name!r}: add an HMLSTM layer (or a "
                "keras.layers.RNN over an HMLSTMCell), or remove the callback."
            )
        return cells

    def backup_state(self):
        """The slopes assigned so far, for `BackupAndResume`.

        The current slope itself is each cell's `slope` variable, saved
        with the weights; the history makes a resumed run report every
        epoch's slope.
        """
        return {"history": list(self.history)}

    def restore_state(self, state):
        """Takes back what `backup_state` returned."""
        self.history = [float(value) for value in state["history"]]
        if self.model is not None and self.history:
            for cell in self._cells():
                cell.slope.assign(self.history[-1])

    def on_train_begin(self, logs=None):
        self._cells()

    def on_epoch_begin(self, epoch, logs=None):
        slope = self.slope_at(epoch)
        for cell in self._cells():
            cell.slope.assign(slope)
        self.history.append(slope)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: SlopeAnnealing sets the slope to {slope:.4g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["slope"] = self.history[-1]
