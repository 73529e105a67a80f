"""MemoryAccessImages: a PNG image summary of the NTM's heads per epoch."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.callbacks import MemoryAccessImages
from keras_memory.datasets import copy_task
from keras_memory.layers import NTM
from keras_memory.viz import figure_to_png
from keras_memory.viz import memory_access
from keras_memory.viz import plot_memory_access


def _tiny_copy_model():
    sequence = keras.Input((None, 9), name="sequence")
    features = NTM(
        units=8, memory_size=8, memory_width=4, return_sequences=True, name="ntm"
    )(sequence)
    bits = keras.layers.Dense(8, activation="sigmoid", name="bits")(features)
    model = keras.Model(sequence, bits)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def _image_summaries(log_dir):
    """`(tag, step, encoded PNG)` of every image summary under `log_dir`."""
    found = []
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                if plugin == "images":
                    # [width, height, png] as strings (TF2 image summaries).
                    encoded = tf.make_ndarray(value.tensor)
                    found.append((value.tag, event.step, encoded))
    return found


def _decoded(png):
    return tf.io.decode_png(png).numpy()


def test_each_png_is_the_memory_access_figure_of_that_epoch(tmp_path):
    model = _tiny_copy_model()
    x, y, weights = copy_task(8, 2, 2)
    example = copy_task(1, 3, 3, seed=5)[0][0]
    callback = MemoryAccessImages(tmp_path / "memory", example)
    # What the callback must draw, computed beside it at the end of each epoch.
    accesses = []
    probe = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: accesses.append(memory_access(model, example))
    )
    model.fit(x, y, sample_weight=weights, epochs=2, batch_size=4, verbose=0,
              callbacks=[callback, probe])

    assert callback.epochs_written == [0, 1]
    summaries = _image_summaries(tmp_path / "memory")
    assert [(tag, step) for tag, step, _ in summaries] == [
        ("memory_access", 0), ("memory_access", 1),
    ]
    images = []
    for (_, step, (width, height, png)), access in zip(summaries, accesses):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        image = _decoded(png)
        # plot_memory_access with one write and one read head: 8 x 6.5 inches
        # at 80 dpi.
        assert (int(width), int(height)) == (640, 520)
        assert image.shape == (520, 640, 4)
        figure = plot_memory_access(example, *access, title=f"ntm after epoch {step + 1}")
        np.testing.assert_array_equal(image, _decoded(figure_to_png(figure, dpi=80)))
        images.append(image)
    # The two epochs' weightings differ, and so do the drawn pixels.
    assert not np.allclose(accesses[0].write_weightings, accesses[1].write_weightings)
    assert (images[0] != images[1]).any(axis=-1).sum() > 100


def test_other_weights_draw_another_figure(tmp_path):
    example = copy_task(1, 3, 3, seed=5)[0][0]
    renders = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        model = _tiny_copy_model()
        model(example[None])
        callback = MemoryAccessImages(tmp_path, example)
        callback.set_model(model)
        renders.append(_decoded(callback.render_png(title="t")))
    assert renders[0].shape == renders[1].shape == (520, 640, 4)
    # Different weights: different weightings and outputs on the same input.
    changed = (renders[0] != renders[1]).any(axis=-1)
    assert changed.sum() > 1000
    # The title, drawn the same, is not where they differ.
    assert not changed[:20].any()


def test_every_and_tag(tmp_path):
    model = _tiny_copy_model()
    x, y, _ = copy_task(4, 1, 1)
    callback = MemoryAccessImages(
        tmp_path, x[:1], every=2, tag="heads", locations=None
    )
    model.fit(x, y, epochs=3, batch_size=4, verbose=0, callbacks=[callback])
    assert callback.epochs_written == [1]
    assert [(tag, step) for tag, step, _ in _image_summaries(tmp_path)] == [
        ("heads", 1)
    ]


def test_fails_at_the_start_of_training_without_the_ntm_layer(tmp_path):
    model = _tiny_copy_model()
    x, y, _ = copy_task(4, 1, 1)
    callback = MemoryAccessImages(tmp_path, x[0], layer_name="memory")
    with pytest.raises(ValueError, match="argument `layer_name`.*'memory'"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])


@pytest.mark.parametrize(
    "argument, value",
    [
        ("inputs", np.zeros((2, 3, 9))),
        ("inputs", np.zeros(9)),
        ("every", 0),
        ("every", 1.5),
        ("tag", ""),
    ],
)
def test_bad_arguments(tmp_path, argument, value):
    arguments = {"inputs": np.zeros((3, 9)), argument: value}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        MemoryAccessImages(tmp_path, **arguments)
