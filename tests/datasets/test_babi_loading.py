"""bAbI splits and loading: whole stories held out per task, joint sets."""

import doctest

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import babi
from keras_memory.datasets.babi import build_vocabulary
from keras_memory.datasets.babi import generate_babi_examples
from keras_memory.datasets.babi import load_babi
from keras_memory.datasets.babi import loading
from keras_memory.datasets.babi import read_babi_task
from keras_memory.datasets.babi import split_stories
from keras_memory.datasets.babi import write_babi_files


def test_split_holds_out_whole_stories_deterministically():
    examples = generate_babi_examples(1, num_stories=40, seed=2)
    train, held_out = split_stories(examples, 0.1, seed=5)
    assert len(held_out) == 4 * 5 and len(train) == 36 * 5
    train_stories = {e.story_index for e in train}
    held_out_stories = {e.story_index for e in held_out}
    assert not train_stories & held_out_stories
    assert len(train_stories | held_out_stories) == 40
    assert train == sorted(train, key=lambda e: e.line_number)
    assert split_stories(examples, 0.1, seed=5) == (train, held_out)
    assert split_stories(examples, 0.1, seed=6)[1] != held_out
    assert split_stories(examples, 0.0) == (examples, [])
    for bad in (1.0, -0.1, "0.1"):
        with pytest.raises(ValueError, match="`validation_fraction`"):
            split_stories(examples, bad)


def test_task_split_seed_is_one_seed_per_task():
    assert [babi.task_split_seed(0, task) for task in (1, 2, 20)] == [0, 1, 19]
    assert babi.task_split_seed(5, 3) == 7
    assert type(babi.task_split_seed(np.int64(2), np.int64(4))) is int
    assert_invalid_argument(babi.task_split_seed, "seed", -1, -1, 1)
    assert_invalid_argument(babi.task_split_seed, "seed", 1.5, 1.5, 1)
    assert_invalid_argument(babi.task_split_seed, "task", 21, 0, 21)


def test_load_babi_splits_each_task_with_its_task_split_seed(tmp_path):
    write_babi_files(tmp_path, tasks=(2, 15), num_stories=30, seed=3)
    data = load_babi(tmp_path, tasks=(2, 15), validation_fraction=0.2, seed=4)
    for task in (2, 15):
        examples = read_babi_task(tmp_path, task)
        train, held_out = split_stories(
            examples, 0.2, seed=babi.task_split_seed(4, task)
        )
        story, question, answer = babi.vectorize(
            held_out, data.vocabulary, data.memory_size, data.sentence_size
        )
        rows = data.validation.task == task
        np.testing.assert_array_equal(data.validation.story[rows], story)
        np.testing.assert_array_equal(data.validation.question[rows], question)
        np.testing.assert_array_equal(data.validation.answer[rows], answer)
        assert (data.train.task == task).sum() == len(train)
    # Not one split for all tasks: task 15 alone with seed 4 + 15 - 1 = 18.
    with_seed_4 = split_stories(read_babi_task(tmp_path, 15), 0.2, seed=4)[1]
    with_seed_18 = split_stories(read_babi_task(tmp_path, 15), 0.2, seed=18)[1]
    assert with_seed_4 != with_seed_18


def test_load_babi_single_and_joint_on_generated_files(tmp_path):
    write_babi_files(tmp_path, splits=("train", "test"), num_stories=20)
    single = load_babi(tmp_path, tasks=15)
    assert single.tasks == (15,)
    assert single.train.num_examples == 18 * 4
    assert single.validation.num_examples == 2 * 4
    assert single.test is not None and single.test.num_examples == 80
    assert single.memory_size == 8 and single.sentence_size == 5
    assert single.train.story.shape == (72, 8, 5)
    assert single.train.question.shape == (72, 5)
    assert single.train.supporting_facts.shape == (72, 8)
    np.testing.assert_array_equal(single.train.task, 15)
    assert single.train.supporting_facts.sum(axis=1).tolist() == [2] * 72

    joint = load_babi(tmp_path, tasks=babi.GENERATED_TASKS, memory_size=30)
    assert joint.memory_size == 30
    sizes = {t: (joint.train.task == t).sum() for t in babi.GENERATED_TASKS}
    assert sizes == {1: 90, 2: 90, 3: 90, 15: 72}
    # A task's split is the same alone and in the joint set.
    alone = load_babi(tmp_path, tasks=15, vocabulary=joint.vocabulary,
                      memory_size=30)
    rows = joint.validation.task == 15
    np.testing.assert_array_equal(
        joint.validation.answer[rows], alone.validation.answer
    )
    assert set(single.vocabulary) <= set(joint.vocabulary)
    assert joint.vocabulary == build_vocabulary(
        [e for t in babi.GENERATED_TASKS
         for e in read_babi_task(tmp_path, t, memory_size=30)]
    )
    # Without test files there is no test split.
    for path in tmp_path.glob("qa15_*_test.txt"):
        path.unlink()
    assert load_babi(tmp_path, tasks=[15, 1]).test is None


def test_to_dataset_batches(tmp_path):
    write_babi_files(tmp_path, tasks=1, num_stories=10)
    data = load_babi(tmp_path, tasks=1)
    dataset = data.train.to_dataset(batch_size=16, shuffle=True, seed=3)
    (story, question), answer = next(iter(dataset))
    assert story.shape == (16, data.memory_size, data.sentence_size)
    assert question.shape == (16, data.sentence_size)
    assert answer.shape == (16,) and str(answer.dtype) == "<dtype: 'int32'>"
    total = sum(int(a.shape[0]) for _, a in dataset)
    assert total == data.train.num_examples


def test_load_babi_bad_arguments(tmp_path):
    write_babi_files(tmp_path, tasks=1, num_stories=2)
    for bad in (0, 21, "1", [], [1, 1], [1, 21], True):
        with pytest.raises(ValueError, match="argument `tasks`"):
            load_babi(tmp_path, tasks=bad)
    with pytest.raises(ValueError, match="argument `memory_size`"):
        load_babi(tmp_path, memory_size=None)
    with pytest.raises(ValueError, match="argument `seed`"):
        load_babi(tmp_path, seed=1.5)
    with pytest.raises(ValueError, match="argument `validation_fraction`"):
        load_babi(tmp_path, validation_fraction=1)
    with pytest.raises(FileNotFoundError, match="qa2_"):
        load_babi(tmp_path, tasks=[1, 2])


def test_docstring_examples_run():
    result = doctest.testmod(loading, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_real_joint_vocabulary_and_split_sizes(real_babi):
    data = load_babi(real_babi, tasks="all")
    # 152 words and 21 multi-word answers besides <pad> and <unk>.
    assert len(data.vocabulary) == 175
    assert data.memory_size == 50 and data.sentence_size == 11
    assert data.train.num_examples == 18002
    assert data.validation.num_examples == 1998
    assert data.test is None
    held_out = np.bincount(data.validation.task, minlength=21)[1:].tolist()
    # 10% of the stories: 100 questions, but 104 for task 17 (8 questions a
    # story) and 94 for task 20 (stories of 7 to 12 questions).
    assert held_out == [100] * 16 + [104, 100, 100, 94]
    assert data.train.story.shape == (18002, 50, 11)
    # Every question's supporting facts are in its memory.
    assert (data.train.supporting_facts.sum(axis=1) >= 1).all()
