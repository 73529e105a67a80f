"""bAbI splits and loading.

A seeded train/validation split of the training files that holds out whole
stories (`split_stories`, with one seed per task: `task_split_seed`), and
single task and joint (all 20 tasks) loading into arrays (`load_babi`).
"""

import math
import pathlib
import typing

import numpy as np

from keras_memory import validation
from keras_memory.datasets.babi.reader import DEFAULT_MEMORY_SIZE
from keras_memory.datasets.babi.reader import check_task
from keras_memory.datasets.babi.reader import check_tasks
from keras_memory.datasets.babi.reader import read_babi_file
from keras_memory.datasets.babi.reader import read_babi_task
from keras_memory.datasets.babi.vocabulary import build_vocabulary
from keras_memory.datasets.babi.vocabulary import check_vocabulary
from keras_memory.datasets.babi.vocabulary import story_and_sentence_sizes
from keras_memory.datasets.babi.vocabulary import supporting_fact_mask
from keras_memory.datasets.babi.vocabulary import vectorize


def task_split_seed(seed, task):
    """The seed of task `task`'s train/validation split: `seed + task - 1`.

    Each task's stories are split with a seed of its own, derived from the
    one `seed` and the task number, so that a task's validation stories are
    the same whether the task is loaded alone or in the joint set of several
    tasks (`load_babi(tasks=3)` and `load_babi(tasks="all")` hold out the
    same task 3 stories). `load_babi`, the `BabiQA` TFDS builder and the
    MemN2N bAbI evaluation all split with it, so their validation splits
    agree.

    Args:
        seed: Non-negative integer, the split's seed.
        task: The task number, 1 to 20.

    Returns:
        The non-negative integer seed for `split_stories`.

    Example:

    >>> [task_split_seed(0, task) for task in (1, 2, 20)]
    [0, 1, 19]
    """
    seed = validation.check_seed(seed)
    task = check_task(task)
    return seed + task - 1


def split_stories(examples, validation_fraction=0.1, seed=0):
    """Holds out a seeded `validation_fraction` of the stories.

    Whole stories are held out (all the questions of a story land in the
    same split, so no validation question shares its story with a training
    one): `round(validation_fraction * number of stories)` stories, drawn
    with `numpy.random.default_rng(seed)`. Both splits keep the file's
    order. With the 1k training files, where every story of a task has the
    same number of questions but for tasks 18 and 20, 10% of the stories is
    100 of the 1,000 questions.

    Args:
        examples: Sequence of `BabiExample` of one file.
        validation_fraction: Number in `[0, 1)`. Default: `0.1`, the
            paper's.
        seed: Non-negative integer. Default: `0`.

    Returns:
        `(train, validation)`, two lists of `BabiExample`.
    """
    validation_fraction = validation.check_fraction(
        "validation_fraction", validation_fraction
    )
    seed = validation.check_seed(seed)
    stories = sorted({example.story_index for example in examples})
    held_out_count = math.floor(validation_fraction * len(stories) + 0.5)
    rng = np.random.default_rng(seed)
    held_out = {
        stories[i] for i in rng.permutation(len(stories))[:held_out_count]
    }
    train = [e for e in examples if e.story_index not in held_out]
    held_out_examples = [e for e in examples if e.story_index in held_out]
    return train, held_out_examples


class BabiArrays(typing.NamedTuple):
    """Vectorised questions of one split.

    Attributes:
        story: int32 `(N, S, W)` word ids, as from `vectorize`.
        question: int32 `(N, W)`.
        answer: int32 `(N,)`, the answer's id in the same vocabulary.
        task: int32 `(N,)`, the bAbI task (1 to 20) of each question.
        supporting_facts: bool `(N, S)`, as from `supporting_fact_mask`.

    `num_examples` is `N`.
    """

    story: np.ndarray
    question: np.ndarray
    answer: np.ndarray
    task: np.ndarray
    supporting_facts: np.ndarray

    @property
    def num_examples(self):
        """`N`, the number of questions."""
        return len(self.answer)

    def to_dataset(self, batch_size=32, shuffle=False, seed=0):
        """A `tf.data.Dataset` of `((story, question), answer)` batches.

        Args:
            batch_size: Positive integer. Default: `32`.
            shuffle: Boolean; reshuffle the questions every epoch, seeded.
                Default: `False`.
            seed: Non-negative integer, the shuffle's seed. Default: `0`.
        """
        import tensorflow as tf

        batch_size = validation.check_positive_int("batch_size", batch_size)
        seed = validation.check_seed(seed)
        dataset = tf.data.Dataset.from_tensor_slices(
            ((self.story, self.question), self.answer)
        )
        if shuffle:
            dataset = dataset.shuffle(
                max(1, self.num_examples),
                seed=seed,
                reshuffle_each_iteration=True,
            )
        return dataset.batch(batch_size)


class BabiData(typing.NamedTuple):
    """What `load_babi` returns.

    Attributes:
        train: `BabiArrays`, the training file less the held-out stories.
        validation: `BabiArrays`, the held-out stories of the training file.
        test: `BabiArrays` of the test files, or `None` when a task has no
            `qa{N}_*_test.txt`.
        vocabulary: Dict from token to id (`build_vocabulary` of the
            training files' questions, unless one was given).
        memory_size: `S`, the arrays' number of sentences.
        sentence_size: `W`, the arrays' number of words per sentence.
        tasks: Tuple of the loaded task numbers.
    """

    train: BabiArrays
    validation: BabiArrays
    test: typing.Optional[BabiArrays]
    vocabulary: dict
    memory_size: int
    sentence_size: int
    tasks: tuple


def load_babi(
    directory,
    tasks=1,
    memory_size=DEFAULT_MEMORY_SIZE,
    validation_fraction=0.1,
    seed=0,
    vocabulary=None,
    newest_first=False,
):
    """One bAbI task, or several trained jointly, as arrays.

    Reads `qa{N}_*_train.txt` of every task in `tasks` from `directory`,
    holds out `validation_fraction` of each file's stories for validation
    (`split_stories` with seed `task_split_seed(seed, N)` for task `N`, so a
    task's split is the same alone and in the joint set), reads `qa{N}_*_test.txt` when
    every task has one, and vectorises all of it with one vocabulary and one
    shape: `S` is the longest story in any split (at most `memory_size`) and
    `W` the longest sentence or question. The joint dataset of the paper is
    `tasks="all"` (or `range(1, 21)`): one vocabulary for the 20 tasks.

    Args:
        directory: Folder of bAbI files, e.g. `tasks_1-20_v1-2/en`.
        tasks: Task number (1 to 20), a list of them, or `"all"`.
            Default: `1`.
        memory_size: Positive integer, the statements kept before each
            question (`parse_babi`). Default: `50`.
        validation_fraction: Number in `[0, 1)`, the stories held out of each
            training file. Default: `0.1`.
        seed: Non-negative integer, the split's seed. Default: `0`.
        vocabulary: `None` to build the vocabulary of the training files
            (train and validation questions; test words missing from it are
            `UNKNOWN_ID`), or a dict from `build_vocabulary` to use instead,
            for example the joint vocabulary to evaluate one task.
        newest_first: As in `vectorize`. Default: `False`.

    Returns:
        A `BabiData`.
    """
    tasks = check_tasks(tasks)
    memory_size = validation.check_positive_int("memory_size", memory_size)
    validation_fraction = validation.check_fraction(
        "validation_fraction", validation_fraction
    )
    seed = validation.check_seed(seed)
    if vocabulary is not None:
        vocabulary = check_vocabulary(vocabulary)
    directory = pathlib.Path(directory)
    test_files = {
        task: sorted(directory.glob(f"qa{task}_*_test.txt")) for task in tasks
    }
    has_test = all(len(files) == 1 for files in test_files.values())

    splits = {"train": [], "validation": [], "test": []}
    task_numbers = {"train": [], "validation": [], "test": []}

    def add(name, task, examples):
        splits[name].extend(examples)
        task_numbers[name].extend([task] * len(examples))

    for task in tasks:
        examples = read_babi_task(directory, task, "train", memory_size)
        train, held_out = split_stories(
            examples, validation_fraction, task_split_seed(seed, task)
        )
        add("train", task, train)
        add("validation", task, held_out)
        if has_test:
            add("test", task, read_babi_file(test_files[task][0], memory_size))

    if vocabulary is None:
        vocabulary = build_vocabulary(splits["train"] + splits["validation"])
    everything = splits["train"] + splits["validation"] + splits["test"]
    story_size, sentence_size = story_and_sentence_sizes(everything)

    def arrays(name):
        examples = splits[name]
        story, question, answer = vectorize(
            examples, vocabulary, story_size, sentence_size, newest_first
        )
        mask = supporting_fact_mask(examples, story_size, newest_first)
        task = np.asarray(task_numbers[name], "int32").reshape(-1)
        return BabiArrays(story, question, answer, task, mask)

    return BabiData(
        train=arrays("train"),
        validation=arrays("validation"),
        test=arrays("test") if has_test else None,
        vocabulary=vocabulary,
        memory_size=story_size,
        sentence_size=sentence_size,
        tasks=tasks,
    )
