"""Generated bAbI-style stories of tasks 1, 2, 3 and 15.

A generator of stories for tasks 1, 2, 3 and 15 that writes the exact file
format of the bAbI distribution, so that everything can be run and tested
without the downloaded data.
"""

import pathlib

import numpy as np

from keras_memory import validation
from keras_memory.datasets.babi.reader import DEFAULT_MEMORY_SIZE
from keras_memory.datasets.babi.reader import GENERATED_TASKS
from keras_memory.datasets.babi.reader import TASK_NAMES
from keras_memory.datasets.babi.reader import check_task
from keras_memory.datasets.babi.reader import parse_babi

_ACTORS = ("Mary", "John", "Daniel", "Sandra")
_LOCATIONS = ("bathroom", "hallway", "garden", "office", "bedroom", "kitchen")
_OBJECTS = ("football", "apple", "milk")
_MOVES = ("moved to", "went to", "went back to", "journeyed to", "travelled to")
_PICKUPS = ("got", "took", "picked up", "grabbed")
_DROPS = ("dropped", "left", "discarded", "put down")
# Task 15: singular, plural.
_ANIMALS = (("mouse", "mice"), ("sheep", "sheep"), ("wolf", "wolves"),
            ("cat", "cats"))
_ANIMAL_NAMES = ("Gertrude", "Winona", "Emily", "Jessica")

# Questions per story, as in the 1k files: 1,000 questions per file.
_QUESTIONS_PER_STORY = {1: 5, 2: 5, 3: 5, 15: 4}
# Statements before each question (at least; more until one can be asked).
_STATEMENTS_PER_QUESTION = {1: (2, 2), 2: (2, 6), 3: (2, 8)}
_ACTION_WEIGHTS = {"move": 4.0, "pick_up": 1.0, "drop": 1.0}
_MAX_STATEMENTS = 1000  # a safety stop: questions come far sooner


class _World:
    """The state of a task 1-3 story: who is where, who holds what.

    Line IDs are the story's line IDs (from 1), so the supporting facts of a
    question can be written as they are.
    """

    def __init__(self):
        self.location = {}  # actor -> (location, ID of the move there)
        self.moves = {a: [] for a in _ACTORS}  # actor -> [(ID, location)]
        self.holder = {}  # object -> (actor, ID of the pick-up)
        self.dropped = {}  # object -> (location, ID of the drop, move ID)
        # object -> [(location, ID of the move there, ID of the pick-up,
        #             ID of the carrier's move before)], see `task 3`.
        self.history = {o: [] for o in _OBJECTS}

    def move(self, actor, location, line_id):
        previous = self.location.get(actor)
        self.location[actor] = (location, line_id)
        self.moves[actor].append((line_id, location))
        for item, (holder, pickup_id) in self.holder.items():
            if holder == actor:
                self.history[item].append(
                    (location, line_id, pickup_id, previous[1])
                )

    def pick_up(self, actor, item, line_id):
        location = self.location[actor][0]
        self.holder[item] = (actor, line_id)
        self.dropped.pop(item, None)
        history = self.history[item]
        if not history or history[-1][0] != location:
            # First seen: the object is where its carrier is.
            history.append((location, None, line_id, None))

    def drop(self, actor, item, line_id):
        location, move_id = self.location[actor]
        del self.holder[item]
        self.dropped[item] = (location, line_id, move_id)


def _draw(rng, choices):
    return choices[int(rng.integers(len(choices)))]


def _movement_statement(rng, world, line_id, with_objects):
    """One random statement of tasks 1-3, applied to `world`."""
    actions = ["move"]
    if with_objects:
        located = [a for a in _ACTORS if a in world.location]
        free = [
            o for o in _OBJECTS
            if o not in world.holder
            and (
                o not in world.dropped
                or any(world.location[a][0] == world.dropped[o][0]
                       for a in located)
            )
        ]
        if located and free:
            actions.append("pick_up")
        if world.holder:
            actions.append("drop")
    # Mostly moves, as in the bAbI files: objects then travel with people.
    weights = np.array([_ACTION_WEIGHTS[a] for a in actions], "float64")
    action = actions[int(rng.choice(len(actions), p=weights / weights.sum()))]
    if action == "move":
        actor = _draw(rng, _ACTORS)
        here = world.location.get(actor, (None,))[0]
        location = _draw(rng, [place for place in _LOCATIONS if place != here])
        world.move(actor, location, line_id)
        return f"{actor} {_draw(rng, _MOVES)} the {location}."
    if action == "pick_up":
        pairs = [
            (a, o) for a in located for o in free
            if o not in world.dropped
            or world.dropped[o][0] == world.location[a][0]
        ]
        actor, item = _draw(rng, pairs)
        world.pick_up(actor, item, line_id)
        return f"{actor} {_draw(rng, _PICKUPS)} the {item} there."
    item = _draw(rng, sorted(world.holder))
    actor = world.holder[item][0]
    world.drop(actor, item, line_id)
    return f"{actor} {_draw(rng, _DROPS)} the {item}."


def _movement_questions(task, world):
    """The questions that can be asked now: `[(text, answer, facts)]`."""
    questions = []
    if task == 1:
        for actor, (location, move_id) in sorted(world.location.items()):
            questions.append((f"Where is {actor}?", location, (move_id,)))
    elif task == 2:
        for item in _OBJECTS:
            if item in world.holder:
                actor, pickup_id = world.holder[item]
                location, move_id = world.location[actor]
                facts = (pickup_id, move_id)
            elif item in world.dropped:
                location, drop_id, move_id = world.dropped[item]
                facts = (drop_id, move_id)
            else:
                continue
            questions.append((f"Where is the {item}?", location, facts))
    else:
        for item in _OBJECTS:
            history = world.history[item]
            visits = [entry[0] for entry in history]
            for k in range(1, len(history)):
                location, move_id, pickup_id, previous_move_id = history[k]
                if visits.count(location) != 1:
                    continue  # "before the <location>" would be ambiguous
                questions.append(
                    (
                        f"Where was the {item} before the {location}?",
                        history[k - 1][0],
                        (pickup_id, move_id, previous_move_id),
                    )
                )
    return questions


def _movement_story(task, rng):
    """Lines `(text, answer or None, fact IDs)` of one task 1-3 story."""
    world = _World()
    lines = []
    low, high = _STATEMENTS_PER_QUESTION[task]
    for _ in range(_QUESTIONS_PER_STORY[task]):
        wanted = int(rng.integers(low, high + 1))
        for count in range(_MAX_STATEMENTS):
            questions = _movement_questions(task, world)
            if count >= wanted and questions:
                break
            text = _movement_statement(rng, world, len(lines) + 1, task > 1)
            lines.append((text, None, ()))
        else:  # pragma: no cover - a question always comes
            raise RuntimeError("No question could be asked.")
        lines.append(_draw(rng, questions))
    return lines


def _deduction_story(rng):
    """Lines of one task 15 story: 4 fears, 4 names, 4 questions."""
    statements = []
    fear = {}
    for index, (_, plural) in enumerate(_ANIMALS):
        others = [j for j in range(len(_ANIMALS)) if j != index]
        fear[index] = _draw(rng, others)
        statements.append(
            ("fear", index,
             f"{plural.capitalize()} are afraid of "
             f"{_ANIMALS[fear[index]][1]}.")
        )
    species = {}
    for name in _ANIMAL_NAMES:
        species[name] = int(rng.integers(len(_ANIMALS)))
        statements.append(
            ("name", name, f"{name} is a {_ANIMALS[species[name]][0]}.")
        )
    order = rng.permutation(len(statements))
    lines = []
    line_of = {}
    for position in order:
        kind, key, text = statements[position]
        lines.append((text, None, ()))
        line_of[kind, key] = len(lines)
    for _ in range(_QUESTIONS_PER_STORY[15]):
        name = _draw(rng, _ANIMAL_NAMES)
        kind = species[name]
        answer = _ANIMALS[fear[kind]][0]
        facts = (line_of["name", name], line_of["fear", kind])
        lines.append((f"What is {name.lower()} afraid of?", answer, facts))
    return lines


def _format_story(task, lines):
    # The 1k files of tasks 1-3 have a space before the question's tab.
    space = " " if task in (1, 2, 3) else ""
    formatted = []
    for line_id, (text, answer, facts) in enumerate(lines, start=1):
        if answer is None:
            formatted.append(f"{line_id} {text}")
        else:
            ids = " ".join(str(fact) for fact in facts)
            formatted.append(f"{line_id} {text}{space}\t{answer}\t{ids}")
    return formatted


def generate_babi_text(task, num_stories=None, seed=0):
    """Generated bAbI-style stories of task 1, 2, 3 or 15, in the file format.

    - Task 1 (single supporting fact): four people move between six places;
      `"Where is Mary?"`, supported by Mary's last move.
    - Task 2 (two supporting facts): they also pick up and drop a football,
      an apple and the milk; `"Where is the football?"`, supported by the
      last pick-up or drop of the football and the move that put its carrier
      where it is.
    - Task 3 (three supporting facts): `"Where was the football before the
      kitchen?"`, asked only when the football has been in the kitchen once;
      supported by the pick-up of its carrier, the carrier's move into the
      kitchen and the carrier's move before it.
    - Task 15 (basic deduction): `"Sheep are afraid of wolves."`,
      `"Gertrude is a sheep."`, `"What is gertrude afraid of?"` -> `wolf`,
      supported by those two sentences.

    Each story has the questions per story of the 1k files (5, or 4 for
    task 15). Story `k` is drawn with `numpy.random.default_rng((task,
    seed, k))`, so it does not depend on `num_stories`.

    Args:
        task: 1, 2, 3 or 15.
        num_stories: Positive integer, or `None` for the 1k files' 1,000
            questions (200 stories, 250 for task 15). Default: `None`.
        seed: Non-negative integer. Default: `0`.

    Returns:
        The text of a bAbI file (lines ending with `"\\n"`).

    Example:

    >>> lines = generate_babi_text(15, num_stories=1).splitlines()
    >>> len(lines)  # 8 statements and 4 questions
    12
    >>> lines[-1]  # doctest: +SKIP
    '12 What is gertrude afraid of?\twolf\t5 2'
    """
    task = check_task(task, GENERATED_TASKS)
    if num_stories is None:  # the 1k files' 1,000 questions
        num_stories = 1000 // _QUESTIONS_PER_STORY[task]
    num_stories = validation.check_positive_int("num_stories", num_stories)
    seed = validation.check_seed(seed)
    lines = []
    for index in range(num_stories):
        rng = np.random.default_rng((task, seed, index))
        story = _deduction_story(rng) if task == 15 else _movement_story(
            task, rng
        )
        lines.extend(_format_story(task, story))
    return "".join(line + "\n" for line in lines)


def generate_babi_examples(
    task, num_stories=None, seed=0, memory_size=DEFAULT_MEMORY_SIZE
):
    """Generated examples: `parse_babi` of `generate_babi_text`'s text.

    Args:
        task, num_stories, seed: As in `generate_babi_text`.
        memory_size: As in `parse_babi`. Default: `50`.

    Returns:
        A list of `BabiExample`.
    """
    text = generate_babi_text(task, num_stories, seed)
    return parse_babi(
        text, memory_size=memory_size, source=f"<generated task {task}>"
    )


def babi_file_name(task, split="train"):
    """`qa{task}_{name}_{split}.txt`, the bAbI distribution's file name.

    >>> babi_file_name(15)
    'qa15_basic-deduction_train.txt'
    """
    task = check_task(task)
    return f"qa{task}_{TASK_NAMES[task]}_{split}.txt"


def write_babi_files(
    directory,
    tasks=GENERATED_TASKS,
    splits=("train",),
    num_stories=None,
    seed=0,
):
    """Writes generated bAbI files, named as the real ones, into `directory`.

    Split number `s` of `splits` is generated with seed `seed + s`, so a
    `"test"` file differs from the `"train"` one.

    Args:
        directory: Folder, created if missing.
        tasks: Tasks among 1, 2, 3 and 15. Default: all four.
        splits: File name splits, e.g. `("train", "test")`.
            Default: `("train",)`.
        num_stories: As in `generate_babi_text`. Default: `None`.
        seed: Non-negative integer. Default: `0`.

    Returns:
        The list of written paths.
    """
    if validation.is_integer(tasks):
        tasks = (tasks,)
    tasks = [check_task(task, GENERATED_TASKS) for task in tasks]
    seed = validation.check_seed(seed)
    if isinstance(splits, str):
        splits = (splits,)
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for task in tasks:
        for number, split in enumerate(splits):
            path = directory / babi_file_name(task, split)
            path.write_text(
                generate_babi_text(task, num_stories, seed + number),
                encoding="utf-8",
            )
            paths.append(path)
    return paths
