"""bAbI reader: parsing, memory truncation, malformed lines, files."""

import doctest
import re

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets import babi
from keras_memory.datasets.babi import BabiExample
from keras_memory.datasets.babi import find_babi_file
from keras_memory.datasets.babi import parse_babi
from keras_memory.datasets.babi import read_babi_file
from keras_memory.datasets.babi import read_babi_task
from keras_memory.datasets.babi import reader


def test_reader_on_a_handwritten_snippet(babi_snippet):
    examples = parse_babi(babi_snippet)
    assert len(examples) == 4
    first, second, third, fourth = examples
    assert first == BabiExample(
        story=("Mary moved to the bathroom.", "John went to the hallway."),
        question="Where is Mary?",
        answer=("bathroom",),
        supporting_facts=(0,),
        num_dropped_facts=0,
        story_index=0,
        line_number=3,
    )
    # Earlier questions are not part of the story; statements after them are.
    assert second.story == first.story + ("Daniel went back to the hallway.",)
    assert second.supporting_facts == (2,) and second.line_number == 5
    assert len(third.story) == 5
    assert third.answer == ("apple", "football")
    assert [third.story[i] for i in third.supporting_facts] == [
        "Mary got the apple there.",
        "Mary took the football there.",
    ]
    # A new story restarts the IDs; facts keep the file's order.
    assert fourth.story_index == 1 and fourth.line_number == 11
    assert fourth.story == (
        "The office is east of the hallway.",
        "The kitchen is north of the office.",
    )
    assert fourth.answer == ("s", "w") and fourth.supporting_facts == (1, 0)
    # Lines or text, from a file or not: the same examples.
    assert parse_babi(babi_snippet.splitlines(keepends=True)) == examples


def test_reader_reads_files_and_finds_them(tmp_path, babi_snippet):
    path = tmp_path / "qa8_lists-sets_train.txt"
    path.write_text(babi_snippet)
    (tmp_path / "qa18_size-reasoning_train.txt").write_text(babi_snippet)
    assert find_babi_file(tmp_path, 8) == path
    assert read_babi_file(path) == parse_babi(babi_snippet)
    assert read_babi_task(tmp_path, 8, memory_size=1)[2].story == (
        "Mary took the football there.",
    )
    with pytest.raises(FileNotFoundError, match=r"qa1_\*_train.txt.*no file"):
        find_babi_file(tmp_path, 1)
    with pytest.raises(FileNotFoundError, match="qa8_.*_test.txt"):
        find_babi_file(tmp_path, 8, "test")
    (tmp_path / "qa8_other_train.txt").write_text(babi_snippet)
    with pytest.raises(FileNotFoundError, match="found 2 files"):
        find_babi_file(tmp_path, 8)


def test_memory_truncation_keeps_the_last_50_statements():
    lines = [f"{i} Mary went to room{i}." for i in range(1, 56)]
    lines.append("56 Where was Mary?\troom3,room54\t3 54")
    lines.append("57 Where is Mary?\troom55\t55")
    first, second = parse_babi(lines)
    assert len(first.story) == 50
    assert first.story[0] == "Mary went to room6." and first.story[-1].endswith(
        "room55."
    )
    # Statement 54 is 49th of the kept 50 (index 48); statement 3 fell out.
    assert first.supporting_facts == (48,) and first.num_dropped_facts == 1
    assert second.supporting_facts == (49,) and second.num_dropped_facts == 0
    whole = parse_babi(lines, memory_size=None)[0]
    assert len(whole.story) == 55
    assert whole.supporting_facts == (2, 53) and whole.num_dropped_facts == 0
    small = parse_babi(lines, memory_size=2)[1]
    assert small.story == ("Mary went to room54.", "Mary went to room55.")
    assert small.supporting_facts == (1,)


@pytest.mark.parametrize(
    "lines, line_number, reason",
    [
        (["1 Mary left.", "Where is Mary?\tgarden\t1"], 2, "ID text"),
        (["1 Mary left.", "3 John left."], 2, "expected the ID 2"),
        (["2 Mary left."], 1, "expected the ID 1"),
        (["1 Mary left.", "2 "], 2, "empty statement"),
        (["1 Mary left.", "2 Who left?\tmary\t1\t1"], 2, "at most three"),
        (["1 Mary left.", "2 Who left?\t\t1"], 2, "empty answer"),
        (["1 Mary left.", "2 Who left?\tmary,\t1"], 2, "empty answer"),
        (["1 Mary left.", "2 \tmary\t1"], 2, "empty question"),
        (["1 Mary left.", "2 Who left?\tmary\tone"], 2, "line IDs"),
        (["1 A.", "2 Who?\tb\t1", "3 Who?\tb\t2"], 3, "not an earlier"),
        (["1 A.", "2 Who?\tb\t3", "3 B."], 2, "not an earlier"),
        (["1 A.", "2 B.", "3 C.", "1 D.", "2 Who?\tb\t3"], 5,
         "not an earlier"),  # a fact of the story before
    ],
)
def test_malformed_lines_name_the_file_and_the_line(
    tmp_path, lines, line_number, reason
):
    path = tmp_path / "qa1_broken_train.txt"
    path.write_text("\n".join(lines) + "\n")
    pattern = rf"{re.escape(str(path))}, line {line_number}: .*{reason}"
    with pytest.raises(ValueError, match=pattern):
        read_babi_file(path)
    with pytest.raises(ValueError, match=rf"<lines>, line {line_number}"):
        parse_babi(lines)


def test_blank_lines_are_skipped_but_count():
    lines = ["1 Mary left.", "", "2 Who left?\tmary\t1", ""]
    (example,) = parse_babi(lines)
    assert example.line_number == 3 and example.supporting_facts == (0,)


def test_check_task_and_check_tasks():
    assert babi.check_task(20) == 20 and type(babi.check_task(np.int64(3))) is int
    assert babi.check_task(15, choices=babi.GENERATED_TASKS) == 15
    assert_invalid_argument(babi.check_task, "task", 4, 4, babi.GENERATED_TASKS)
    assert_invalid_argument(babi.check_task, "task", 0, 0)
    assert_invalid_argument(babi.check_task, "task", True, True)
    assert babi.check_tasks("all") == babi.ALL_TASKS == tuple(range(1, 21))
    assert babi.check_tasks(7) == (7,)
    assert babi.check_tasks([3, np.int32(1)]) == (3, 1)
    for bad in (0, 21, "1", "some", [], [1, 1], [1, 21], [2.0], True, None):
        assert_invalid_argument(babi.check_tasks, "tasks", bad, bad)


def test_docstring_examples_run():
    result = doctest.testmod(reader, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_real_files_have_1000_questions_each_and_no_dropped_fact(real_babi):
    counts = {}
    for task in babi.ALL_TASKS:
        examples = read_babi_task(real_babi, task)
        counts[task] = len(examples)
        assert sum(e.num_dropped_facts for e in examples) == 0
        assert max(len(e.story) for e in examples) <= 50
    assert counts == {task: 1000 for task in babi.ALL_TASKS}
