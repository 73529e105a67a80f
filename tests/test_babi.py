"""bAbI: the reader, vectorising, splits, the story generator, tfds."""

import doctest
import pathlib
import re

import numpy as np
import pytest

from keras_memory.datasets import babi
from keras_memory.datasets.babi import (
    BabiExample,
    answer_token,
    build_vocabulary,
    find_babi_file,
    generate_babi_examples,
    generate_babi_text,
    load_babi,
    parse_babi,
    read_babi_file,
    read_babi_task,
    split_stories,
    supporting_fact_mask,
    tokenize,
    vectorize,
    write_babi_files,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
REAL_BABI = ROOT.parent / "shared" / "data" / "babi" / "en-train"
needs_real_babi = pytest.mark.skipif(
    not REAL_BABI.is_dir(), reason=f"{REAL_BABI} is absent"
)

SNIPPET = """\
1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the hallway.
5 Where is Daniel? \thallway\t4
6 Mary got the apple there.
7 Mary took the football there.
8 What is Mary carrying?\tapple,football\t6 7
1 The office is east of the hallway.
2 The kitchen is north of the office.
3 How do you go from the kitchen to the hallway?\ts,w\t2 1
"""


# === Reader ===


def test_reader_on_a_handwritten_snippet():
    examples = parse_babi(SNIPPET)
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
    assert parse_babi(SNIPPET.splitlines(keepends=True)) == examples


def test_reader_reads_files_and_finds_them(tmp_path):
    path = tmp_path / "qa8_lists-sets_train.txt"
    path.write_text(SNIPPET)
    (tmp_path / "qa18_size-reasoning_train.txt").write_text(SNIPPET)
    assert find_babi_file(tmp_path, 8) == path
    assert read_babi_file(path) == parse_babi(SNIPPET)
    assert read_babi_task(tmp_path, 8, memory_size=1)[2].story == (
        "Mary took the football there.",
    )
    with pytest.raises(FileNotFoundError, match=r"qa1_\*_train.txt.*no file"):
        find_babi_file(tmp_path, 1)
    with pytest.raises(FileNotFoundError, match="qa8_.*_test.txt"):
        find_babi_file(tmp_path, 8, "test")
    (tmp_path / "qa8_other_train.txt").write_text(SNIPPET)
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


# === Tokens, vocabulary, arrays ===


def test_tokenize_and_answer_tokens():
    assert tokenize("Where is Mary? ") == ("where", "is", "mary")
    assert tokenize("Sheep are afraid of wolves.") == (
        "sheep", "are", "afraid", "of", "wolves",
    )
    assert answer_token(("apple", "football")) == "apple,football"
    assert answer_token(("N", "w")) == "n,w"
    assert answer_token("Kitchen") == "kitchen"


def test_vocabulary_reserves_padding_and_unknown_and_holds_answers():
    examples = parse_babi(SNIPPET)
    vocabulary = build_vocabulary(examples)
    assert vocabulary["<pad>"] == babi.PADDING_ID == 0
    assert vocabulary["<unk>"] == babi.UNKNOWN_ID == 1
    words = list(vocabulary)[2:]
    assert words == sorted(words)
    assert list(vocabulary.values()) == list(range(len(vocabulary)))
    # Answers are single classes in the same vocabulary.
    assert {"apple,football", "s,w", "bathroom", "mary"} <= set(vocabulary)
    assert "apple" in vocabulary and "s" not in vocabulary
    # The set of words decides, not the order of the examples.
    assert build_vocabulary(examples[::-1]) == vocabulary


def test_vectorize_shapes_and_padding():
    examples = parse_babi(SNIPPET)
    vocabulary = build_vocabulary(examples)
    story, question, answer = vectorize(examples, vocabulary)
    # S: the longest story (5 statements); W: "how do you go from the
    # kitchen to the hallway" has 10 words.
    assert story.shape == (4, 5, 10) and question.shape == (4, 10)
    assert answer.shape == (4,)
    assert story.dtype == question.dtype == answer.dtype == np.int32

    def words(ids):
        return [list(vocabulary)[i] for i in ids if i]

    assert words(story[0, 0]) == ["mary", "moved", "to", "the", "bathroom"]
    np.testing.assert_array_equal(story[0, 0, 5:], 0)  # padded words
    np.testing.assert_array_equal(story[0, 2:], 0)  # padded sentences
    assert words(question[2]) == ["what", "is", "mary", "carrying"]
    assert answer[2] == vocabulary["apple,football"]
    assert answer[3] == vocabulary["s,w"]
    # Newest first: row 0 is the last statement, the padding stays last.
    newest, _, _ = vectorize(examples, vocabulary, newest_first=True)
    np.testing.assert_array_equal(newest[2, :5], story[2, 4::-1])
    np.testing.assert_array_equal(newest[0, :2], story[0, 1::-1])
    np.testing.assert_array_equal(newest[0, 2:], 0)


def test_vectorize_fixed_sizes_unknown_words_and_errors():
    examples = parse_babi(SNIPPET)
    vocabulary = build_vocabulary(examples[:1])
    story, question, answer = vectorize(
        examples, vocabulary, memory_size=3, sentence_size=12
    )
    assert story.shape == (4, 3, 12)
    # A longer story keeps its last 3 statements.
    expected, _, _ = vectorize(
        [examples[2]._replace(story=examples[2].story[-3:])], vocabulary,
        memory_size=3, sentence_size=12,
    )
    np.testing.assert_array_equal(story[2:3], expected)
    # Words and answers missing from the vocabulary are <unk>.
    assert (question[3, :10] == babi.UNKNOWN_ID).sum() > 0
    assert answer[3] == babi.UNKNOWN_ID and answer[0] == vocabulary["bathroom"]
    with pytest.raises(ValueError, match="10 words, more than `sentence_size`"):
        vectorize(examples, vocabulary, sentence_size=9)
    with pytest.raises(ValueError, match="argument `memory_size`.*got 0"):
        vectorize(examples, vocabulary, memory_size=0)
    with pytest.raises(ValueError, match="argument `vocabulary`"):
        vectorize(examples, {"mary": 0})


def test_supporting_fact_mask_follows_the_layout():
    examples = parse_babi(SNIPPET)
    mask = supporting_fact_mask(examples)
    assert mask.shape == (4, 5) and mask.dtype == bool
    assert np.flatnonzero(mask[2]).tolist() == [3, 4]
    assert np.flatnonzero(mask[3]).tolist() == [0, 1]
    newest = supporting_fact_mask(examples, newest_first=True)
    assert np.flatnonzero(newest[2]).tolist() == [0, 1]
    assert np.flatnonzero(newest[0]).tolist() == [1]
    small = supporting_fact_mask(examples, memory_size=1)
    assert small[:, 0].tolist() == [False, True, True, True]


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


# === Generated stories ===

_MOVE = re.compile(
    r"(\w+) (?:moved to|went to|went back to|journeyed to|travelled to) "
    r"the (\w+)\."
)
_PICK_UP = re.compile(r"(\w+) (?:got|took|picked up|grabbed) the (\w+) there\.")
_DROP = re.compile(r"(\w+) (?:dropped|left|discarded|put down) the (\w+)\.")


def _replay(statements):
    """An independent replay of a task 1-3 story: every statement's effect.

    Returns, per statement, `(kind, actor, thing)` and the world after it:
    actors' locations, objects' holders and locations, and every object's
    history of distinct locations.
    """
    location, holder, where, history, events = {}, {}, {}, {}, []
    for text in statements:
        for kind, pattern in (("move", _MOVE), ("pick_up", _PICK_UP),
                              ("drop", _DROP)):
            match = pattern.fullmatch(text)
            if match:
                break
        assert match, text
        actor, thing = match.groups()
        events.append((kind, actor, thing))
        if kind == "move":
            assert location.get(actor) != thing  # a move changes place
            location[actor] = thing
            for item, carrier in holder.items():
                if carrier == actor:
                    where[item] = thing
                    history[item].append(thing)
        elif kind == "pick_up":
            assert thing not in holder and actor in location
            assert where.get(thing, location[actor]) == location[actor]
            holder[thing] = actor
            where[thing] = location[actor]
            history.setdefault(thing, [location[actor]])
        else:
            assert holder.pop(thing) == actor
    return events, location, where, history


def _check_task_1_to_3(task, example):
    events, location, where, history = _replay(example.story)
    facts = [events[i] for i in example.supporting_facts]
    (answer,) = example.answer
    if task == 1:
        actor = re.fullmatch(r"Where is (\w+)\?", example.question).group(1)
        assert location[actor] == answer  # the world agrees ...
        (fact,) = example.supporting_facts  # ... and so does the fact alone:
        assert events[fact] == ("move", actor, answer)
        assert all(e[1] != actor for e in events[fact + 1 :])
        return
    if task == 2:
        item = re.fullmatch(r"Where is the (\w+)\?", example.question).group(1)
        assert where[item] == answer
        (kind, actor, thing), move = facts
        object_fact, move_fact = example.supporting_facts
        assert kind in ("pick_up", "drop") and thing == item
        # The last thing that happened to the object ...
        assert all(e[2] != item for e in events[object_fact + 1 :])
        # ... and where its carrier then was (or still is, if it holds it).
        end = object_fact if kind == "drop" else len(events)
        assert move == ("move", actor, answer)
        assert all(
            e[:2] != ("move", actor) for e in events[move_fact + 1 : end]
        )
        return
    item, place = re.fullmatch(
        r"Where was the (\w+) before the (\w+)\?", example.question
    ).groups()
    visits = history[item]
    assert visits.count(place) == 1
    assert visits[visits.index(place) - 1] == answer
    pick_up, into_place, before = example.supporting_facts
    actor = events[pick_up][1]
    assert events[pick_up] == ("pick_up", actor, item)
    assert events[into_place] == ("move", actor, place)
    assert events[before] == ("move", actor, answer)
    assert before < into_place and pick_up < into_place
    # The carrier held the object from the pick-up to the move into place,
    # and did not move between its move to the answer and that move.
    assert ("drop", actor, item) not in events[pick_up:into_place]
    between = events[before + 1 : into_place]
    assert all(e[:2] != ("move", actor) for e in between)


_FEAR = re.compile(r"(\w+) are afraid of (\w+)\.")
_IS_A = re.compile(r"(\w+) is a (\w+)\.")
_SINGULAR = {"mice": "mouse", "sheep": "sheep", "wolves": "wolf", "cats": "cat"}


def _check_task_15(example):
    fears = {}
    species = {}
    for text in example.story:
        if _FEAR.fullmatch(text):
            plural, feared = _FEAR.fullmatch(text).groups()
            fears[_SINGULAR[plural.lower()]] = _SINGULAR[feared]
        else:
            name, kind = _IS_A.fullmatch(text).groups()
            species[name.lower()] = kind
    assert len(fears) == 4 and len(species) == 4
    name = re.fullmatch(r"What is (\w+) afraid of\?", example.question).group(1)
    assert example.answer == (fears[species[name]],)
    is_a, fear = (example.story[i] for i in example.supporting_facts)
    assert is_a.lower() == f"{name} is a {species[name]}."
    plural = _FEAR.fullmatch(fear).group(1).lower()
    assert _SINGULAR[plural] == species[name]
    assert _SINGULAR[_FEAR.fullmatch(fear).group(2)] == example.answer[0]


@pytest.mark.parametrize("task", babi.GENERATED_TASKS)
def test_generated_supporting_facts_support_the_answer(task):
    examples = generate_babi_examples(task, num_stories=60, seed=11,
                                      memory_size=None)
    assert len(examples) == 60 * (4 if task == 15 else 5)
    assert len({e.question for e in examples}) >= 3
    expected_facts = {1: 1, 2: 2, 3: 3, 15: 2}[task]
    for example in examples:
        assert len(example.supporting_facts) == expected_facts
        if task == 15:
            _check_task_15(example)
        else:
            _check_task_1_to_3(task, example)


def test_generator_is_deterministic_and_per_story_seeded():
    for task in babi.GENERATED_TASKS:
        text = generate_babi_text(task, num_stories=6, seed=3)
        assert text == generate_babi_text(task, num_stories=6, seed=3)
        assert text != generate_babi_text(task, num_stories=6, seed=4)
        # Story k does not depend on how many stories there are.
        assert generate_babi_text(task, num_stories=9, seed=3).startswith(text)
    # The 1k files' size by default: 1,000 questions.
    assert len(generate_babi_examples(15)) == 1000
    assert len(generate_babi_examples(1)) == 1000
    for bad in (4, 0, "1"):
        with pytest.raises(ValueError, match="argument `task`"):
            generate_babi_text(bad)
    with pytest.raises(ValueError, match="argument `num_stories`"):
        generate_babi_text(1, num_stories=0)
    with pytest.raises(ValueError, match="argument `seed`"):
        generate_babi_text(1, seed=-1)


def test_generated_text_is_in_the_bAbI_format():
    text = generate_babi_text(1, num_stories=1, seed=0)
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == 15
    for line_id, line in enumerate(lines, start=1):
        if line_id % 3:
            assert re.fullmatch(rf"{line_id} [A-Z][a-z]+ [a-z ]+\.", line)
        else:
            assert re.fullmatch(
                rf"{line_id} Where is [A-Z][a-z]+\? \t[a-z]+\t\d+", line
            )
    deduction = generate_babi_text(15, num_stories=2).splitlines()
    assert deduction[12].startswith("1 ") and len(deduction) == 24
    assert re.fullmatch(r"12 What is [a-z]+ afraid of\?\t[a-z]+\t\d \d",
                        deduction[11])


def test_round_trip_generator_file_reader(tmp_path):
    paths = write_babi_files(
        tmp_path, splits=("train", "test"), num_stories=8, seed=1
    )
    assert sorted(p.name for p in paths) == sorted(
        f"{babi.babi_file_name(t)[:-len('train.txt')]}{s}.txt"
        for t in babi.GENERATED_TASKS for s in ("train", "test")
    )
    assert (tmp_path / "qa1_single-supporting-fact_train.txt").exists()
    for task in babi.GENERATED_TASKS:
        for number, split in enumerate(("train", "test")):
            read = read_babi_task(tmp_path, task, split, memory_size=None)
            assert read == generate_babi_examples(
                task, 8, seed=1 + number, memory_size=None
            )
            assert find_babi_file(tmp_path, task, split).read_text() == (
                generate_babi_text(task, 8, seed=1 + number)
            )


# === Single task and joint loading ===


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


# === Docstrings and tfds ===


def test_docstring_examples_run():
    result = doctest.testmod(babi, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_tfds_builder_reads_the_manual_dir(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    from keras_memory.datasets import babi_tfds

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
            expected += split_stories(examples, 0.1, seed=task - 1)[
                split == "validation"
            ]
        got = babi_tfds.to_examples(builder.as_dataset(split=split))
        strip = dict(story_index=0, line_number=0)
        assert got == [e._replace(**strip) for e in expected]
    tasks = [int(e["task"]) for e in tfds.as_numpy(builder.as_dataset(
        split="test"))]
    assert tasks == [1] * 50 + [15] * 40
    assert [c.name for c in babi_tfds.BabiQA.BUILDER_CONFIGS][-1] == "joint"


# === The real bAbI 1k training files ===


@needs_real_babi
def test_real_files_have_1000_questions_each_and_no_dropped_fact():
    counts = {}
    for task in babi.ALL_TASKS:
        examples = read_babi_task(REAL_BABI, task)
        counts[task] = len(examples)
        assert sum(e.num_dropped_facts for e in examples) == 0
        assert max(len(e.story) for e in examples) <= 50
    assert counts == {task: 1000 for task in babi.ALL_TASKS}


@needs_real_babi
def test_real_joint_vocabulary_and_split_sizes():
    data = load_babi(REAL_BABI, tasks="all")
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
