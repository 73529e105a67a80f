"""Training callbacks for keras_memory layers."""

import keras

from keras_memory import validation
from keras_memory.layers.hmlstm_cell import HMLSTMCell, check_slope

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


def find_hmlstm_cells(model):
    """Every `HMLSTMCell` in `model`, in layer order, without duplicates.

    Searches nested models and wrappers too: `HMLSTM` layers, cells inside
    `keras.layers.RNN`, and both directions of `keras.layers.Bidirectional`.

    Args:
        model: A `keras.Model` or layer.

    Returns:
        A list of `HMLSTMCell`.
    """
    cells, seen = [], set()
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if isinstance(layer, HMLSTMCell) and id(layer) not in seen:
            seen.add(id(layer))
            cells.append(layer)
    return cells


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
        cells = find_hmlstm_cells(self.model)
        if not cells:
            raise ValueError(
                "SlopeAnnealing found no HMLSTMCell in the model "
                f"{self.model.name!r}: add an HMLSTM layer (or a "
                "keras.layers.RNN over an HMLSTMCell), or remove the callback."
            )
        return cells

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


class MemoryAccessImages(keras.callbacks.Callback):
    """Logs the NTM's memory-access figure to TensorBoard as training goes on.

    Every `every` epochs it runs the model's `NTM` layer on one fixed
    sequence (`keras_memory.viz.memory_access`), draws the paper's figure
    (`keras_memory.viz.plot_memory_access`: inputs and outputs above, write
    and read weightings below) and writes it as a PNG image summary, in the
    format of `tf.summary.image` (written without the `tensorboard` package,
    which `tf.summary.image` needs), step = the epoch index (from 0), the
    step Keras' `TensorBoard` callback gives its epoch scalars. TensorBoard's
    "Images" tab then shows the heads sharpen, epoch by epoch, under a
    slider.

    It writes its own event file in `log_dir`: give it the `TensorBoard`
    callback's folder plus a run name (e.g. `log_dir + "/memory"`) so that
    the images sit beside the `train` and `validation` runs. The summaries
    need TensorFlow (installed with any backend); the model may run on any
    backend.

    Args:
        log_dir: Path of the folder of the event file.
        inputs: One sequence `(timesteps, features)` (or a batch of one) in
            the model's input format, e.g. `copy_task(1, 10, 10)[0][0]`.
        every: Positive integer; the figure is written after epochs
            `every - 1`, `2 * every - 1`, ... (counted from 0). Default: `1`.
        layer_name: Name of the model's `NTM` layer. Default: `"ntm"`, its
            name in `keras_memory.applications.NTMCopy`.
        tag: Name of the image summary. Default: `"memory_access"`.
        locations: Which memory locations to draw, as in
            `plot_memory_access`. Default: `"auto"`.

    Raises:
        ValueError: For a bad argument, and at the start of training when
            the model has no `NTM` layer called `layer_name`.

    Example:

    ```python
    images = MemoryAccessImages("logs/memory", copy_task(1, 10, 10)[0][0])
    model.fit(dataset, epochs=20, steps_per_epoch=500,
              callbacks=[keras.callbacks.TensorBoard("logs"), images])
    ```

    Attributes:
        epochs_written: The epochs (from 0) whose figure was written.
    """

    def __init__(
        self,
        log_dir,
        inputs,
        every=1,
        layer_name="ntm",
        tag="memory_access",
        locations="auto",
    ):
        super().__init__()
        import numpy as np

        inputs = np.asarray(inputs, "float32")
        if inputs.ndim == 3 and inputs.shape[0] == 1:
            inputs = inputs[0]
        if inputs.ndim != 2:
            raise ValueError(
                "Received an invalid value for argument `inputs`, expected one "
                "sequence (timesteps, features) or a batch of one, got shape "
                f"{inputs.shape}."
            )
        if not isinstance(tag, str) or not tag:
            raise validation.invalid_argument("tag", "a non-empty string", tag)
        self.log_dir = str(log_dir)
        self.inputs = inputs
        self.every = validation.check_positive_int("every", every)
        self.layer_name = layer_name
        self.tag = tag
        self.locations = locations
        self.epochs_written = []
        self._writer = None

    def on_train_begin(self, logs=None):
        from keras_memory.viz.memory import _find_ntm

        _find_ntm(self.model, self.layer_name)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write_image(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()

    def render_png(self, title=None):
        """The figure for the model as it is now, as PNG bytes."""
        import io

        from keras_memory.viz.memory import memory_access, plot_memory_access

        access = memory_access(self.model, self.inputs, layer_name=self.layer_name)
        figure = plot_memory_access(
            self.inputs, *access, locations=self.locations, title=title
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        return buffer.getvalue()

    def write_image(self, epoch):
        """Renders the figure and writes it as the image summary of `epoch`."""
        import tensorflow as tf

        png = self.render_png(title=f"{self.layer_name} after epoch {epoch + 1}")
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            tf.summary.write(
                self.tag, _image_summary_tensor(png), step=epoch,
                metadata=_image_summary_metadata(),
            )
        self._writer.flush()
        self.epochs_written.append(epoch)


# --- Linear start (End-To-End Memory Networks) ----------------------------------


def find_memory_networks(model):
    """Every `MemoryNetwork` (and subclass) in `model`, in layer order.

    Args:
        model: A `keras.Model` or layer; nested models are searched too.

    Returns:
        A list of `MemoryNetwork` layers, without duplicates.
    """
    from keras_memory.layers.memory_network import MemoryNetwork

    networks, seen = [], set()
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if isinstance(layer, MemoryNetwork) and id(layer) not in seen:
            seen.add(id(layer))
            networks.append(layer)
    return networks


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
    `patience` epochs (or after `max_epochs` linear epochs) it sets the
    variables to 0, which puts the softmax back for good: a later `fit`
    with the same callback stays with the softmax. The compiled training
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
        self, monitor="val_loss", patience=0, min_delta=0.0, max_epochs=None, verbose=0
    ):
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise validation.invalid_argument("monitor", "a log key", monitor)
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise validation.invalid_argument(
                "patience", "a non-negative integer", patience
            )
        if (
            isinstance(min_delta, bool)
            or not isinstance(min_delta, (int, float))
            or not min_delta >= 0
        ):
            raise validation.invalid_argument(
                "min_delta", "a non-negative float", min_delta
            )
        if max_epochs is not None:
            max_epochs = validation.check_positive_int("max_epochs", max_epochs)
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.max_epochs = max_epochs
        self.verbose = verbose
        self.linear = True
        self.stopped_epoch = None
        self.history = []
        self._best = float("inf")
        self._wait = 0

    def _networks(self):
        networks = find_memory_networks(self.model)
        if not networks:
            raise ValueError(
                "LinearStart found no MemoryNetwork in the model "
                f"{self.model.name!r}: add one, or remove the callback."
            )
        return networks

    def _assign(self, value):
        for network in self._networks():
            network.linear_start.assign(value)

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
        if self._wait > self.patience or (
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


def _image_summary_tensor(png):
    """The tensor of a TensorBoard image summary of one PNG: `[w, h, png]`.

    The layout that `tf.summary.image` writes (TensorBoard's image plugin,
    format version 0), built here because `tf.summary.image` itself needs
    the `tensorboard` package, which TensorFlow does not always bring.
    """
    import struct

    import tensorflow as tf

    # The PNG header's IHDR chunk holds the width and height, big-endian.
    width, height = struct.unpack(">II", png[16:24])
    return tf.constant([str(width).encode(), str(height).encode(), png])


def _image_summary_metadata():
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "images"
    metadata.data_class = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
    return metadata.SerializeToString()
