"""TFDS builders of the Neural Turing Machine's algorithmic tasks.

One `tfds.core.GeneratorBasedBuilder` per task of
`keras_memory.datasets.algorithmic`: `Copy`, `RepeatCopy`,
`AssociativeRecall` and `PrioritySort`, registered with TFDS as
`ntm_copy`, `ntm_repeat_copy`, `ntm_associative_recall` and
`ntm_priority_sort` (prefixed, so that the generic names stay free). Nothing
is downloaded: `download_and_prepare` writes the examples that the seeded
NumPy generators make.

Each builder has three generated splits, `train`, `validation` and `test`,
whose sizes, task arguments and seed come from its `BuilderConfig`
(`CopyConfig`, ...). Example `k` of split number `s` (train 0,
validation 1, test 2) is the single sequence
`task(1, **task_arguments, seed=(config.seed, s, k))`, so the splits are
disjoint streams, and example `k` is the same whatever the split sizes.
Examples are stored in generation order (`disable_shuffling=True`). Every
example is a dict of three float32 tensors whose first dimension is the
number of steps `T` (which varies from example to example):

- `"inputs"`: `(T, input channels)`,
- `"targets"`: `(T, target channels)`,
- `"sample_weights"`: `(T,)`, 1 on the scored steps.

Importing this module imports `tensorflow_datasets` (slow); the rest of
`keras_memory.datasets` never does. `keras_memory.datasets.algorithmic_tfds`
is the same module.

Example:

```python
import tensorflow_datasets as tfds

from keras_memory.datasets import algorithmic_tfds

config = algorithmic_tfds.CopyConfig(
    name="small", train_size=100, validation_size=10, test_size=10
)
builder = algorithmic_tfds.Copy(data_dir="/tmp/tfds", config=config)
builder.download_and_prepare()
train = builder.as_dataset(split="train")  # dicts of (T, 9), (T, 8), (T,)
```
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from keras_memory import validation
from keras_memory.datasets import algorithmic
from keras_memory.datasets._tfds_source import SourceFileCodePath

# Split name -> the split's number in the examples' seeds.
SPLITS = {"train": 0, "validation": 1, "test": 2}

_CITATION = """\
@article{graves2014neural,
  title={Neural Turing Machines},
  author={Graves, Alex and Wayne, Greg and Danihelka, Ivo},
  journal={arXiv preprint arXiv:1410.5401},
  year={2014}
}"""
_HOMEPAGE = "https://arxiv.org/abs/1410.5401"


@dataclasses.dataclass(eq=False)
class AlgorithmicConfig(tfds.core.BuilderConfig):
    """Split sizes and seed, shared by the configs of every task.

    Attributes:
        train_size: Positive integer, examples in `train`. Default: `1000`.
        validation_size: Positive integer, examples in `validation`.
            Default: `100`.
        test_size: Positive integer, examples in `test`. Default: `100`.
        seed: Non-negative integer; example `k` of split `s` is drawn with
            seed `(seed, s, k)`. Default: `0`.
    """

    train_size: int = 1000
    validation_size: int = 100
    test_size: int = 100
    seed: int = 0

    def split_sizes(self):
        """`{split name: number of examples}`, validated."""
        return {
            name: validation.check_positive_int(
                f"{name}_size", getattr(self, f"{name}_size")
            )
            for name in SPLITS
        }

    def task_arguments(self):
        """The task generator's arguments other than batch size and seed."""
        raise NotImplementedError


@dataclasses.dataclass(eq=False)
class CopyConfig(AlgorithmicConfig):
    """Configuration of `Copy`: lengths `L` as in `copy_task`."""

    min_length: int = 1
    max_length: int = 20

    def task_arguments(self):
        return {"min_length": self.min_length, "max_length": self.max_length}


@dataclasses.dataclass(eq=False)
class RepeatCopyConfig(AlgorithmicConfig):
    """Configuration of `RepeatCopy`: as in `repeat_copy_task`."""

    min_length: int = 1
    max_length: int = 10
    min_repeats: int = 1
    max_repeats: int = 10

    def task_arguments(self):
        return {
            "min_length": self.min_length,
            "max_length": self.max_length,
            "min_repeats": self.min_repeats,
            "max_repeats": self.max_repeats,
        }


@dataclasses.dataclass(eq=False)
class AssociativeRecallConfig(AlgorithmicConfig):
    """Configuration of `AssociativeRecall`: as in `associative_recall_task`."""

    min_items: int = 2
    max_items: int = 6

    def task_arguments(self):
        return {"min_items": self.min_items, "max_items": self.max_items}


@dataclasses.dataclass(eq=False)
class PrioritySortConfig(AlgorithmicConfig):
    """Configuration of `PrioritySort`: as in `priority_sort_task`."""

    num_items: int = 20
    num_sorted: int = 16

    def task_arguments(self):
        return {"num_items": self.num_items, "num_sorted": self.num_sorted}


class _AlgorithmicBuilder(
    SourceFileCodePath, tfds.core.GeneratorBasedBuilder, skip_registration=True
):
    """Generates the splits of one task from its NumPy generator."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    # Set by each task's builder.
    _DESCRIPTION = ""
    _INPUT_CHANNELS = None
    _TARGET_CHANNELS = None

    @staticmethod
    def _task(batch_size, seed, **task_arguments):
        raise NotImplementedError

    def _info(self):
        features = tfds.features.FeaturesDict(
            {
                "inputs": tfds.features.Tensor(
                    shape=(None, self._INPUT_CHANNELS), dtype=np.float32
                ),
                "targets": tfds.features.Tensor(
                    shape=(None, self._TARGET_CHANNELS), dtype=np.float32
                ),
                "sample_weights": tfds.features.Tensor(
                    shape=(None,), dtype=np.float32
                ),
            }
        )
        return tfds.core.DatasetInfo(
            builder=self,
            description=self._DESCRIPTION,
            features=features,
            homepage=_HOMEPAGE,
            citation=_CITATION,
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        config = self.builder_config
        sizes = config.split_sizes()
        # Validates the task arguments and the seed before any writing.
        self._task(1, seed=(config.seed, 0, 0), **config.task_arguments())
        return {
            name: self._generate_examples(number, sizes[name])
            for name, number in SPLITS.items()
        }

    def _generate_examples(self, split_number, num_examples):
        config = self.builder_config
        arguments = config.task_arguments()
        for index in range(num_examples):
            inputs, targets, sample_weights = self._task(
                1, seed=(config.seed, split_number, index), **arguments
            )
            yield index, {
                "inputs": inputs[0],
                "targets": targets[0],
                "sample_weights": sample_weights[0],
            }


class Copy(_AlgorithmicBuilder):
    """The NTM copy task (`keras_memory.datasets.algorithmic.copy_task`)."""

    name = "ntm_copy"
    BUILDER_CONFIGS = [
        CopyConfig(name="default", description="Lengths 1 to 20, as trained.")
    ]
    _DESCRIPTION = (
        "The copy task of Neural Turing Machines (Graves et al., 2014): L "
        "random 8-bit vectors, a delimiter, then L steps in which to write "
        "them back. Inputs (2L+1, 9), targets (2L+1, 8)."
    )
    _INPUT_CHANNELS = algorithmic.COPY_NUM_BITS + 1
    _TARGET_CHANNELS = algorithmic.COPY_NUM_BITS
    _task = staticmethod(algorithmic.copy_task)


class RepeatCopy(_AlgorithmicBuilder):
    """The NTM repeat-copy task (`algorithmic.repeat_copy_task`)."""

    name = "ntm_repeat_copy"
    BUILDER_CONFIGS = [
        RepeatCopyConfig(
            name="default", description="Lengths and repeats 1 to 10."
        )
    ]
    _DESCRIPTION = (
        "The repeat-copy task of Neural Turing Machines (Graves et al., "
        "2014): L random 8-bit vectors, a delimiter carrying the normalised "
        "number of repeats R, then the sequence R times and an end marker. "
        "Inputs (L+RL+2, 10), targets (L+RL+2, 9)."
    )
    _INPUT_CHANNELS = algorithmic.REPEAT_COPY_NUM_BITS + 2
    _TARGET_CHANNELS = algorithmic.REPEAT_COPY_NUM_BITS + 1
    _task = staticmethod(algorithmic.repeat_copy_task)


class AssociativeRecall(_AlgorithmicBuilder):
    """The NTM associative-recall task (`associative_recall_task`)."""

    name = "ntm_associative_recall"
    BUILDER_CONFIGS = [
        AssociativeRecallConfig(name="default", description="2 to 6 items.")
    ]
    _DESCRIPTION = (
        "The associative-recall task of Neural Turing Machines (Graves et "
        "al., 2014): n items of three 6-bit vectors, a query item, then the "
        "item that followed it. Inputs (4n+8, 8), targets (4n+8, 6)."
    )
    _INPUT_CHANNELS = algorithmic.ASSOCIATIVE_RECALL_NUM_BITS + 2
    _TARGET_CHANNELS = algorithmic.ASSOCIATIVE_RECALL_NUM_BITS
    _task = staticmethod(algorithmic.associative_recall_task)


class PrioritySort(_AlgorithmicBuilder):
    """The NTM priority-sort task (`algorithmic.priority_sort_task`)."""

    name = "ntm_priority_sort"
    BUILDER_CONFIGS = [
        PrioritySortConfig(
            name="default", description="The 16 highest of 20 vectors."
        )
    ]
    _DESCRIPTION = (
        "The priority-sort task of Neural Turing Machines (Graves et al., "
        "2014): N random 8-bit vectors with priorities from U(-1, 1), a "
        "delimiter, then the K highest-priority vectors in decreasing "
        "order. Inputs (N+1+K, 10), targets (N+1+K, 8)."
    )
    _INPUT_CHANNELS = algorithmic.PRIORITY_SORT_NUM_BITS + 2
    _TARGET_CHANNELS = algorithmic.PRIORITY_SORT_NUM_BITS
    _task = staticmethod(algorithmic.priority_sort_task)
