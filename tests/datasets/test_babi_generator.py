"""The bAbI-style story generator: answers re-derived from the stories."""

import doctest
import re

import pytest

from keras_memory.datasets import babi
from keras_memory.datasets.babi import find_babi_file
from keras_memory.datasets.babi import generate_babi_examples
from keras_memory.datasets.babi import generate_babi_text
from keras_memory.datasets.babi import generator
from keras_memory.datasets.babi import read_babi_task
from keras_memory.datasets.babi import write_babi_files

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


def test_docstring_examples_run():
    result = doctest.testmod(generator, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
