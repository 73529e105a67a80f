"""The TFDS builders of the algorithmic tasks."""

import importlib

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_memory.datasets import algorithmic_tfds
from keras_memory.datasets.algorithmic import copy_task


def test_the_former_module_path_is_the_same_module():
    module = importlib.import_module("keras_memory.datasets.algorithmic.tfds")
    assert algorithmic_tfds is module
    assert algorithmic_tfds.Copy.__module__ == "keras_memory.datasets.algorithmic.tfds"


def test_tfds_builder_prepares_the_generator_examples(tmp_path):
    config = algorithmic_tfds.CopyConfig(
        name="tiny", train_size=3, validation_size=2, test_size=2,
        max_length=5, seed=7,
    )
    builder = algorithmic_tfds.Copy(data_dir=str(tmp_path), config=config)
    builder.download_and_prepare()
    assert builder.name == "ntm_copy" and str(builder.version) == "1.0.0"
    sizes = {name: s.num_examples for name, s in builder.info.splits.items()}
    assert sizes == {"train": 3, "validation": 2, "test": 2}
    for split, number in algorithmic_tfds.SPLITS.items():
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        assert len(examples) == sizes[split]
        for index, example in enumerate(examples):
            expected = copy_task(1, 1, 5, seed=(7, number, index))
            keys = ("inputs", "targets", "sample_weights")
            for key, array in zip(keys, expected):
                np.testing.assert_array_equal(example[key], array[0])
    for name, builder_class in [
        ("ntm_repeat_copy", algorithmic_tfds.RepeatCopy),
        ("ntm_associative_recall", algorithmic_tfds.AssociativeRecall),
        ("ntm_priority_sort", algorithmic_tfds.PrioritySort),
    ]:
        assert tfds.builder_cls(name) is builder_class
    bad = algorithmic_tfds.PrioritySortConfig(name="bad", num_sorted=21)
    with pytest.raises(ValueError, match="argument `num_sorted`.*got 21"):
        algorithmic_tfds.PrioritySort(
            data_dir=str(tmp_path), config=bad
        ).download_and_prepare()
