"""TensorBoard images of an NTM's memory access during training."""

import keras
import numpy as np

from keras_memory import validation
from keras_memory.viz import figure_to_png
from keras_memory.viz import find_ntm_layer
from keras_memory.viz import memory_access
from keras_memory.viz import plot_memory_access

# The resolution of the figures written (TensorBoard shows them at this size).
PNG_DPI = 80


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
        find_ntm_layer(self.model, self.layer_name)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write_image(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()

    def render_png(self, title=None):
        """The figure for the model as it is now, as PNG bytes.

        The figure is `plot_memory_access(inputs, *memory_access(model,
        inputs), locations=locations, title=title)`, rendered at 80 dpi.
        """
        access = memory_access(self.model, self.inputs, layer_name=self.layer_name)
        figure = plot_memory_access(
            self.inputs, *access, locations=self.locations, title=title
        )
        return figure_to_png(figure, dpi=PNG_DPI)

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
