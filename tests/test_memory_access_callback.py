"""MemoryAccessImages: a PNG image summary of the NTM's heads per epoch."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.callbacks import MemoryAccessImages
from keras_memory.datasets import copy_task
from keras_memory.layers import NTM


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


def test_writes_one_png_per_epoch_readable_from_the_event_file(tmp_path):
    model = _tiny_copy_model()
    x, y, weights = copy_task(8, 2, 2)
    example = copy_task(1, 3, 3, seed=5)[0][0]
    callback = MemoryAccessImages(tmp_path / "memory", example)
    model.fit(x, y, sample_weight=weights, epochs=2, batch_size=4, verbose=0,
              callbacks=[callback])

    assert callback.epochs_written == [0, 1]
    summaries = _image_summaries(tmp_path / "memory")
    assert [(tag, step) for tag, step, _ in summaries] == [
        ("memory_access", 0), ("memory_access", 1),
    ]
    for _, _, encoded in summaries:
        width, height, png = encoded
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        image = tf.io.decode_png(png).numpy()
        assert image.shape == (int(height), int(width), 4)
        assert image.shape[0] > 100 and image.shape[1] > 100


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
