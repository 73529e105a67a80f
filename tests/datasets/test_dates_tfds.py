"""The TFDS builder of the date-normalisation task."""

import tensorflow_datasets as tfds

from keras_memory.datasets import dates
from keras_memory.datasets.dates import tfds as dates_tfds


def test_builder_writes_the_generator_examples_with_disjoint_dates(tmp_path):
    config = dates_tfds.DateNormalizationConfig(
        name="tiny", train_size=40, validation_size=20, test_size=20, seed=5
    )
    builder = dates_tfds.DateNormalization(data_dir=str(tmp_path), config=config)
    builder.download_and_prepare()
    assert tfds.builder_cls("date_normalization") is dates_tfds.DateNormalization
    sizes = {name: s.num_examples for name, s in builder.info.splits.items()}
    assert sizes == {"train": 40, "validation": 20, "test": 20}
    targets = {}
    for split, number in dates_tfds.SPLITS.items():
        rows = list(tfds.as_numpy(builder.as_dataset(split=split)))
        expected = dates.date_normalization(sizes[split], seed=(5, number), split=split)
        assert [r["source"].decode() for r in rows] == expected.sources
        assert [r["target"].decode() for r in rows] == expected.targets
        assert [r["language"].decode() for r in rows] == expected.languages
        assert [r["format"].decode() for r in rows] == expected.formats
        targets[split] = set(expected.targets)
    assert not targets["train"] & targets["test"]
    assert not targets["train"] & targets["validation"]
    assert not targets["validation"] & targets["test"]
