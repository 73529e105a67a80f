"""The TFDS builder of the captioned-shapes task."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_memory.datasets import captioned_shapes_tfds
from keras_memory.datasets.captioned_shapes import captioned_shapes
from keras_memory.datasets.captioned_shapes import decode_caption


def test_builder_writes_the_generator_examples_with_disjoint_scenes(tmp_path):
    config = captioned_shapes_tfds.CaptionedShapesConfig(
        name="tiny", train_size=30, validation_size=10, test_size=10, seed=5
    )
    builder = captioned_shapes_tfds.CaptionedShapes(data_dir=str(tmp_path), config=config)
    builder.download_and_prepare()
    assert tfds.builder_cls("captioned_shapes") is captioned_shapes_tfds.CaptionedShapes
    sizes = {name: s.num_examples for name, s in builder.info.splits.items()}
    assert sizes == {"train": 30, "validation": 10, "test": 10}
    scenes = {}
    for split, number in captioned_shapes_tfds.SPLITS.items():
        rows = list(tfds.as_numpy(builder.as_dataset(split=split)))
        expected = captioned_shapes(sizes[split], seed=(5, number), split=split)
        images = np.stack([r["image"] for r in rows])
        assert images.dtype == np.uint8 and images.shape == (sizes[split], 56, 56, 3)
        np.testing.assert_array_equal(images / 255.0, expected.images)
        np.testing.assert_array_equal([r["caption_ids"] for r in rows], expected.captions)
        np.testing.assert_array_equal([r["cells"] for r in rows], expected.cells)
        np.testing.assert_array_equal([r["scene"] for r in rows], expected.scenes)
        assert [r["caption"].decode() for r in rows] == [
            decode_caption(ids) for ids in expected.captions
        ]
        scenes[split] = {s.tobytes() for s in expected.scenes}
    assert not scenes["train"] & scenes["test"]
    assert not scenes["train"] & scenes["validation"]
    assert not scenes["validation"] & scenes["test"]


def test_bad_config_is_refused_before_writing(tmp_path):
    config = captioned_shapes_tfds.CaptionedShapesConfig(name="bad", train_size=0)
    builder = captioned_shapes_tfds.CaptionedShapes(data_dir=str(tmp_path), config=config)
    with pytest.raises(ValueError, match="argument `train_size`"):
        builder.download_and_prepare()
    config = captioned_shapes_tfds.CaptionedShapesConfig(name="worse", cell_size=4)
    builder = captioned_shapes_tfds.CaptionedShapes(data_dir=str(tmp_path / "b"), config=config)
    with pytest.raises(ValueError, match="argument `cell_size`"):
        builder.download_and_prepare()
