"""Linear start of End-To-End Memory Networks (Sukhbaatar et al., 2015)."""

import keras

from keras_memory import validation
from keras_memory.callbacks.find_layers import find_layers
from keras_memory.layers.memory_network import MemoryNetwork


class LinearStart(keras.callbacks.Callback):
    """Trains memory networks without softmax until the loss plateaus.

    Sukhbaatar et al. (2015, section 4.2): "all softmax layers except the
    final response layer are removed, making the model entirely linear
    except for the final softmax. When the validation loss stopped
    decreasing, the softmax layers were re-inserted and training
    recommenced." Linear start helps the model out of the poor local
    minima that attention over memories is prone to (the paper uses a
    learning rate of 0.005 during that phase).

    At the start of training this callback sets the non-trainable
    `linear_start` variable of every `MemoryNetwork` in the model to 1 (no
    softmax); at the end of every epoch it reads `logs[monitor]`, and when
    that value has not decreased by more than `min_delta` for more than
    `patience` epochs (but not before `min_epochs` linear epochs, and
    always after `max_epochs`) it sets the variables to 0, which puts the
    softmax back for good: a later `fit` with the same callback stays with
    the softmax. The compiled training
    step reads the variable, so nothing is retraced, with or without
    `jit_compile`. The variable is saved with the weights.

    Args:
        monitor: The logged quantity to watch. Default: `"val_loss"` (pass
            `validation_data` or `validation_split` to `fit`).
        patience: Non-negative integer, epochs without improvement
            tolerated before the softmax comes back. Default: `0` (the first
            epoch whose loss does not decrease ends linear start).
        min_delta: Non-negative float, the smallest decrease that counts as
            an improvement. Default: `0.0`.
        min_epochs: Optional positive integer; linear start lasts at least
            this many epochs, whatever the loss does. `min_epochs =
            max_epochs = N` is a fixed length of `N` epochs, the rule of
            the authors' code (20 epochs per task, 30 joint on bAbI).
            Default: `None`.
        max_epochs: Optional positive integer; linear start ends after this
            many epochs even if the loss still decreases. Default: `None`.
        verbose: Integer; 1 prints a line when the softmax comes back.
            Default: `0`.

    Raises:
        ValueError: For bad arguments; at the start of training when the
            model has no `MemoryNetwork`; at the end of an epoch when
            `monitor` is not in the logs.

    Attributes:
        linear: Whether the networks are still linear.
        stopped_epoch: The epoch (from 0) after which the softmax came back,
            or `None`.
        history: `1.0` or `0.0` for each epoch trained, the linear start
            value used during that epoch (also logged as `"linear_start"`).

    Resuming: `backup_state()` and `restore_state(state)` carry the phase,
    the history and the plateau count through a
    `keras_memory.callbacks.BackupAndResume` backup, so that a killed run
    resumed from it switches the softmax back at the same epoch.

    Example:

    ```python
    model.fit(
        x, y, validation_split=0.1, epochs=100, callbacks=[LinearStart()]
    )
    ```

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015, section 4.2. https://arxiv.org/abs/1503.08895
    """

    def __init__(
        self,
        monitor="val_loss",
        patience=0,
        min_delta=0.0,
        max_epochs=None,
        verbose=0,
        min_epochs=None,
    ):
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise validation.invalid_argument("monitor", "a log key", monitor)
        self.monitor = monitor
        self.patience = validation.check_int_at_least("patience", patience, 0)
        self.min_delta = validation.check_non_negative_finite("min_delta", min_delta)
        self.max_epochs = validation.check_optional_positive_int("max_epochs", max_epochs)
        self.min_epochs = validation.check_optional_positive_int("min_epochs", min_epochs)
        if None not in (self.min_epochs, self.max_epochs) and self.min_epochs > self.max_epochs:
            raise validation.invalid_argument(
                "min_epochs", f"at most max_epochs={self.max_epochs}", min_epochs
            )
        self.verbose = verbose
        self.linear = True
        self.stopped_epoch = None
        self.history = []
        self._best = float("inf")
        self._wait = 0

    def _networks(self):
        networks = find_layers(self.model, MemoryNetwork)
        if not networks:
            raise ValueError(
                "LinearStart found no MemoryNetwork in the model "
                f"{self.model.name!r}: add one, or remove the callback."
            )
        return networks

    def _assign(self, value):
        for network in self._networks():
            network.linear_start.assign(value)

    def backup_state(self):
        """The phase and the plateau count, for `BackupAndResume`.

        With them a run killed during linear start and resumed from its
        backup ends linear start at the epoch the uninterrupted run does.
        """
        return {
            "linear": self.linear,
            "stopped_epoch": self.stopped_epoch,
            "history": list(self.history),
            # JSON has no infinity: None stands for "no loss seen yet".
            "best": None if self._best == float("inf") else self._best,
            "wait": self._wait,
        }

    def restore_state(self, state):
        """Takes back what `backup_state` returned (phase, history, plateau)."""
        self.linear = bool(state["linear"])
        self.stopped_epoch = state["stopped_epoch"]
        self.history = [float(value) for value in state["history"]]
        self._best = float("inf") if state["best"] is None else float(state["best"])
        self._wait = int(state["wait"])
        if self.model is not None:
            self._assign(1.0 if self.linear else 0.0)

    def on_train_begin(self, logs=None):
        self._assign(1.0 if self.linear else 0.0)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        self.history.append(1.0 if self.linear else 0.0)
        logs["linear_start"] = self.history[-1]
        if not self.linear:
            return
        if self.monitor not in logs:
            raise ValueError(
                f"LinearStart monitors {self.monitor!r}, which is not in the "
                f"logs (available: {sorted(logs)}). Pass validation data to "
                "`fit` for 'val_loss', or choose another `monitor`."
            )
        value = float(logs[self.monitor])
        if value < self._best - self.min_delta:
            self._best, self._wait = value, 0
        else:
            self._wait += 1
        linear_epochs = sum(self.history)
        plateau = self._wait > self.patience and linear_epochs >= (self.min_epochs or 0)
        if plateau or (
            self.max_epochs is not None and linear_epochs >= self.max_epochs
        ):
            self._assign(0.0)
            self.linear = False
            self.stopped_epoch = epoch
            if self.verbose:
                print(
                    f"\nEpoch {epoch + 1}: LinearStart puts the softmax back "
                    f"({self.monitor} = {value:.4g})."
                )
