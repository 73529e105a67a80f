"""The bAbI TFDS builder: splits read from the manual directory."""

import importlib

import tensorflow_datasets as tfds

from keras_memory.datasets import babi_tfds
from keras_memory.datasets.babi import read_babi_task
from keras_memory.datasets.babi import split_stories
from keras_memory.datasets.babi import task_split_seed
from keras_memory.datasets.babi import write_babi_files


def test_the_former_module_path_is_the_same_module():
    module = importlib.import_module("keras_memory.datasets.babi.tfds")
    assert babi_tfds is module
    assert babi_tfds.BabiQA.__module__ == "keras_memory.datasets.babi.tfds"


def test_tfds_builder_reads_the_manual_dir(tmp_path):
    manual = tmp_path / "manual"
    write_babi_files(manual, tasks=(1, 15), splits=("train", "test"),
                     num_stories=10, seed=4)
    config = babi_tfds.BabiConfig(name="small", tasks=(1, 15), memory_size=6)
    builder = babi_tfds.BabiQA(
        config=config,
        data_dir=str(tmp_path / "tfds"),
    )
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual))
    )
    assert tfds.builder_cls("babi_qa") is babi_tfds.BabiQA
    sizes = {name: s.num_examples for name, s in builder.info.splits.items()}
    assert sizes == {"train": 45 + 36, "validation": 5 + 4, "test": 90}
    for split in ("train", "validation"):
        expected = []
        for task in (1, 15):
            examples = read_babi_task(manual, task, memory_size=6)
            expected += split_stories(examples, 0.1, seed=task_split_seed(0, task))[
                split == "validation"
            ]
        got = babi_tfds.to_examples(builder.as_dataset(split=split))
        strip = dict(story_index=0, line_number=0)
        assert got == [e._replace(**strip) for e in expected]
    tasks = [int(e["task"]) for e in tfds.as_numpy(builder.as_dataset(
        split="test"))]
    assert tasks == [1] * 50 + [15] * 40
    assert [c.name for c in babi_tfds.BabiQA.BUILDER_CONFIGS][-1] == "joint"
