"""A TFDS builder of the bAbI tasks, read from a manual directory.

`BabiQA`, registered with TFDS as `babi_qa`, reads the bAbI text files that
the user has put in the manual directory (nothing is downloaded) with
`keras_memory.datasets.babi.read_babi_file`: `qa{N}_*_train.txt` for every
task of its config, and `qa{N}_*_test.txt` when every task has one. Its
splits are

- `train` and `validation`: the training files, `validation_fraction` of
  each file's stories held out as in `babi.load_babi` (seed
  `babi.task_split_seed(seed, N)` for task `N`, so the splits are those of
  `load_babi`);
- `test`: the test files, when present.

One config per task (`"qa1"` ... `"qa20"`) and `"joint"` (the 20 tasks).
Examples are text, as in the files, in the files' order
(`disable_shuffling=True`):

- `"story"`: the statements before the question, the last `memory_size`
  of them (a sequence of strings);
- `"question"`: string; `"answer"`: `babi.answer_token` of the answer
  (`"apple,football"` for several words);
- `"supporting_facts"`: int32 indices into `"story"`;
- `"num_dropped_facts"`, `"task"`: int32.

`to_examples` turns them back into `babi.BabiExample`s, to vectorise with
`babi.build_vocabulary` and `babi.vectorize`.

Importing this module imports `tensorflow_datasets` (slow); the rest of
`keras_memory.datasets` never does. `keras_memory.datasets.babi_tfds` is
the same module.

Example:

```python
import tensorflow_datasets as tfds

from keras_memory.datasets import babi
from keras_memory.datasets.babi import tfds as babi_tfds

builder = babi_tfds.BabiQA(config="qa1", data_dir="/tmp/tfds")
builder.download_and_prepare(
    download_config=tfds.download.DownloadConfig(
        manual_dir="tasks_1-20_v1-2/en"
    )
)
examples = babi_tfds.to_examples(builder.as_dataset(split="train"))
vocabulary = babi.build_vocabulary(examples)
story, question, answer = babi.vectorize(examples, vocabulary)
```
"""

import dataclasses

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_memory import validation
from keras_memory.datasets import babi
from keras_memory.datasets._tfds_source import SourceFileCodePath

_CITATION = """\
@inproceedings{sukhbaatar2015end,
  title={End-To-End Memory Networks},
  author={Sukhbaatar, Sainbayar and Szlam, Arthur and Weston, Jason and
          Fergus, Rob},
  booktitle={Advances in Neural Information Processing Systems},
  year={2015}
}
@article{weston2015towards,
  title={Towards AI-Complete Question Answering: A Set of Prerequisite Toy
         Tasks},
  author={Weston, Jason and Bordes, Antoine and Chopra, Sumit and Rush,
          Alexander M. and van Merri{\\"e}nboer, Bart and Joulin, Armand and
          Mikolov, Tomas},
  journal={arXiv preprint arXiv:1502.05698},
  year={2015}
}"""
_HOMEPAGE = "https://research.facebook.com/downloads/babi/"


@dataclasses.dataclass(eq=False)
class BabiConfig(tfds.core.BuilderConfig):
    """The tasks, memory size and split of a `BabiQA` build.

    Attributes:
        tasks: Tuple of task numbers, 1 to 20. Default: `(1,)`.
        memory_size: Positive integer, statements kept before each question.
            Default: `50`.
        validation_fraction: Number in `[0, 1)`, the stories of each
            training file held out. Default: `0.1`.
        seed: Non-negative integer, the split's seed. Default: `0`.
    """

    tasks: tuple = (1,)
    memory_size: int = babi.DEFAULT_MEMORY_SIZE
    validation_fraction: float = 0.1
    seed: int = 0


def _default_configs():
    configs = [
        BabiConfig(
            name=f"qa{task}",
            description=f"Task {task}, {babi.TASK_NAMES[task]}.",
            tasks=(task,),
        )
        for task in babi.ALL_TASKS
    ]
    configs.append(
        BabiConfig(
            name="joint",
            description="The 20 tasks together.",
            tasks=babi.ALL_TASKS,
        )
    )
    return configs


class BabiQA(SourceFileCodePath, tfds.core.GeneratorBasedBuilder):
    """The bAbI tasks, read from the bAbI text files in `manual_dir`."""

    name = "babi_qa"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = _default_configs()
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Download the bAbI tasks (tasks_1-20_v1-2.tar.gz) from
    https://research.facebook.com/downloads/babi/ and point `manual_dir` at
    the folder of one version, e.g. `tasks_1-20_v1-2/en` (1k) or
    `tasks_1-20_v1-2/en-10k`, which holds `qa1_single-supporting-fact_train.txt`
    and the other `qa{N}_*_{train,test}.txt` files.
    """

    def _info(self):
        features = tfds.features.FeaturesDict(
            {
                "story": tfds.features.Sequence(tfds.features.Text()),
                "question": tfds.features.Text(),
                "answer": tfds.features.Text(),
                "supporting_facts": tfds.features.Sequence(np.int32),
                "num_dropped_facts": np.int32,
                "task": np.int32,
            }
        )
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "The 20 bAbI question answering tasks (Weston et al., 2015) "
                "as End-to-End Memory Networks read them (Sukhbaatar et al., "
                "2015): every question with the last `memory_size` "
                "statements of its story."
            ),
            features=features,
            homepage=_HOMEPAGE,
            citation=_CITATION,
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        config = self.builder_config
        tasks = babi.check_tasks(config.tasks)
        memory_size = validation.check_positive_int(
            "memory_size", config.memory_size
        )
        fraction = validation.check_fraction(
            "validation_fraction", config.validation_fraction
        )
        seed = validation.check_seed(config.seed)
        directory = dl_manager.manual_dir
        splits = {"train": [], "validation": [], "test": []}
        has_test = all(
            len(list(directory.glob(f"qa{task}_*_test.txt"))) == 1
            for task in tasks
        )
        for task in tasks:
            examples = babi.read_babi_task(
                directory, task, "train", memory_size
            )
            train, held_out = babi.split_stories(
                examples, fraction, babi.task_split_seed(seed, task)
            )
            splits["train"].append((task, train))
            splits["validation"].append((task, held_out))
            if has_test:
                splits["test"].append(
                    (task, babi.read_babi_task(
                        directory, task, "test", memory_size
                    ))
                )
        if not has_test:
            del splits["test"]
        return {
            name: self._generate_examples(parts)
            for name, parts in splits.items()
        }

    def _generate_examples(self, parts):
        for task, examples in parts:
            for example in examples:
                yield f"{task}_{example.line_number}", {
                    "story": list(example.story),
                    "question": example.question,
                    "answer": babi.answer_token(example.answer),
                    "supporting_facts": np.asarray(
                        example.supporting_facts, "int32"
                    ),
                    "num_dropped_facts": example.num_dropped_facts,
                    "task": task,
                }


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def to_examples(dataset):
    """`babi.BabiExample`s of a `BabiQA` split (a dataset or its numpy).

    The answer is split back into its words at the commas; `story_index` and
    `line_number` are not stored, and are 0.

    Args:
        dataset: `builder.as_dataset(split=...)`, or any iterable of its
            examples as dicts of tensors or NumPy values.

    Returns:
        A list of `babi.BabiExample`.
    """
    if isinstance(dataset, tf.data.Dataset):
        dataset = tfds.as_numpy(dataset)
    examples = []
    for example in dataset:
        example = {
            key: value.numpy() if tf.is_tensor(value) else value
            for key, value in example.items()
        }
        examples.append(
            babi.BabiExample(
                story=tuple(_text(s) for s in example["story"]),
                question=_text(example["question"]),
                answer=tuple(_text(example["answer"]).split(",")),
                supporting_facts=tuple(
                    int(i) for i in example["supporting_facts"]
                ),
                num_dropped_facts=int(example["num_dropped_facts"]),
            )
        )
    return examples
