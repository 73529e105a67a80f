"""Reading the bAbI text files.

The file format. Every line is `"ID text"`; the ID restarts at 1 where a new
story begins. A statement line holds one sentence; a question line holds
three tab-separated fields, the question, the answer and the IDs of the
supporting facts:

    1 Mary moved to the bathroom.
    2 John went to the hallway.
    3 Where is Mary? \tbathroom\t1

Reading rules (`parse_babi`, `read_babi_file`):

- Every question makes one `BabiExample`. Its story is the statements of its
  story that come before it (earlier questions are not part of it).
- Memory truncation: only the last `memory_size` statements are kept
  (50 in the paper, the default). Supporting-fact indices point into the
  kept statements; facts older than the window are dropped from
  `supporting_facts` and counted in `num_dropped_facts`.
- Answers are tuples of words: `("bathroom",)`, or for the lists of task 8
  and the paths of task 19 `("apple", "football")` and `("n", "w")`, in the
  file's order.
- A malformed line raises `ValueError` naming the file and the line number.

`tokenize` splits a sentence into its lowercase words.
"""

import functools
import os
import pathlib
import re
import typing

from keras_memory import validation

# The longest line a bAbI file may have (the real ones: under 200).
MAX_LINE_LENGTH = 10_000

# The paper's memory: "the model only uses the most recent 50 sentences".
DEFAULT_MEMORY_SIZE = 50
ALL_TASKS = tuple(range(1, 21))
# The tasks that `generate_babi_text` can make.
GENERATED_TASKS = (1, 2, 3, 15)

# The names in the file names of the bAbI distribution
# (`qa1_single-supporting-fact_train.txt`, ...).
TASK_NAMES = {
    1: "single-supporting-fact",
    2: "two-supporting-facts",
    3: "three-supporting-facts",
    4: "two-arg-relations",
    5: "three-arg-relations",
    6: "yes-no-questions",
    7: "counting",
    8: "lists-sets",
    9: "simple-negation",
    10: "indefinite-knowledge",
    11: "basic-coreference",
    12: "conjunction",
    13: "compound-coreference",
    14: "time-reasoning",
    15: "basic-deduction",
    16: "basic-induction",
    17: "positional-reasoning",
    18: "size-reasoning",
    19: "path-finding",
    20: "agents-motivations",
}


class BabiExample(typing.NamedTuple):
    """One question with the story it is asked about.

    Attributes:
        story: Tuple of the statements (strings, as in the file) that come
            before the question in its story, oldest first, at most
            `memory_size` of them (the most recent).
        question: The question, a string.
        answer: Tuple of the answer's words, in the file's order.
        supporting_facts: Tuple of indices into `story` of the supporting
            facts, in the file's order, without those that fell out of the
            memory window.
        num_dropped_facts: Number of supporting facts older than the last
            `memory_size` statements (so not in `supporting_facts`).
        story_index: Index of the story in its file, from 0.
        line_number: The question's line number in its file, from 1.
    """

    story: tuple
    question: str
    answer: tuple
    supporting_facts: tuple
    num_dropped_facts: int = 0
    story_index: int = 0
    line_number: int = 0


# === Argument checks ===


def check_task(task, choices=ALL_TASKS, name="task"):
    """Returns `task` as an `int` if it is one of `choices`, or raises.

    Args:
        task: A task number.
        choices: The accepted task numbers. Default: `ALL_TASKS`, 1 to 20.
        name: The argument's name in the error message. Default: `"task"`.
    """
    if not validation.is_integer(task) or task not in choices:
        expected = f"one of {', '.join(str(t) for t in choices)}"
        raise validation.invalid_argument(name, expected, task)
    return int(task)


def check_tasks(tasks):
    """Returns `tasks` as a tuple of bAbI task numbers, or raises.

    Args:
        tasks: A task number (1 to 20), a list of distinct task numbers, or
            `"all"` (the 20 tasks).

    Returns:
        A tuple of ints, in the order given.
    """
    if isinstance(tasks, str) and tasks == "all":
        return ALL_TASKS
    if validation.is_integer(tasks):
        return (check_task(tasks, name="tasks"),)
    expected = 'a task number 1 to 20, a list of them, or "all"'
    if isinstance(tasks, (str, bytes)) or not hasattr(tasks, "__iter__"):
        raise validation.invalid_argument("tasks", expected, tasks)
    values = tuple(tasks)
    if (
        not values
        or len(set(values)) != len(values)
        or not all(validation.is_integer(t) and t in ALL_TASKS for t in values)
    ):
        raise validation.invalid_argument("tasks", expected, tasks)
    return tuple(int(t) for t in values)


# === Reading ===


_LINE = re.compile(r"(\d+) (.*)")


def parse_babi(lines, memory_size=DEFAULT_MEMORY_SIZE, source="<lines>"):
    """Parses bAbI text into one `BabiExample` per question.

    Args:
        lines: The file's text (a string) or an iterable of its lines.
        memory_size: Positive integer or `None`: keep the last
            `memory_size` statements before each question (`None`: all of
            them). Default: `50`, the paper's memory.
        source: Name of the text in error messages. Default: `"<lines>"`.

    Returns:
        A list of `BabiExample`, in the order of the questions.

    Raises:
        ValueError: On a malformed line: no leading ID, an ID that neither
            restarts at 1 nor follows the previous line's, an empty
            statement, a question without an answer or with more than three
            tab-separated fields, or a supporting fact that is not an earlier
            statement of the same story. The message names `source` and the
            line number. Blank lines are skipped.

    Example:

    >>> text = ('1 Mary moved to the bathroom.\\n'
    ...         '2 John went to the hallway.\\n'
    ...         '3 Where is Mary? \\tbathroom\\t1\\n'
    ...         '4 Mary went back to the garden.\\n'
    ...         '5 Where is Mary? \\tgarden\\t4\\n')
    >>> first, second = parse_babi(text)
    >>> second.story, second.answer, second.supporting_facts
    (('Mary moved to the bathroom.', 'John went to the hallway.', \
'Mary went back to the garden.'), ('garden',), (2,))
    >>> parse_babi(text, memory_size=1)[1].story
    ('Mary went back to the garden.',)
    """
    memory_size = validation.check_optional_positive_int("memory_size", memory_size)
    if isinstance(lines, str):
        lines = lines.splitlines()
    examples = []
    statements = []  # the statements of the current story
    line_ids = {}  # line ID -> index in `statements`, or None for questions
    previous_id = 0
    story_index = -1

    for line_number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue

        def error(reason):
            return ValueError(
                f"Malformed bAbI line in {source}, line {line_number}: "
                f"{reason}. The line: {line!r}."
            )

        match = _LINE.fullmatch(line)
        if match is None:
            raise error('expected "ID text" with a number ID')
        line_id, text = int(match.group(1)), match.group(2)
        if line_id == 1:
            statements, line_ids = [], {}
            story_index += 1
        elif line_id != previous_id + 1:
            raise error(
                f"expected the ID {previous_id + 1} (or 1 for a new story), "
                f"got {line_id}"
            )
        previous_id = line_id

        if "\t" not in text:
            if not text.strip():
                raise error("empty statement")
            line_ids[line_id] = len(statements)
            statements.append(text.strip())
            continue

        fields = text.split("\t")
        if len(fields) > 3:
            raise error(
                "a question has at most three tab-separated fields "
                f"(question, answer, supporting facts), got {len(fields)}"
            )
        question = fields[0].strip()
        answer = tuple(word.strip() for word in fields[1].split(","))
        if not question:
            raise error("empty question")
        if not all(answer):
            raise error("empty answer (or an empty word in it)")
        facts = fields[2].split() if len(fields) == 3 else []
        if not all(fact.isdigit() for fact in facts):
            raise error("supporting facts must be line IDs")
        fact_indices = []
        for fact in map(int, facts):
            if line_ids.get(fact) is None:
                raise error(
                    f"supporting fact {fact} is not an earlier statement "
                    "of this story"
                )
            fact_indices.append(line_ids[fact])
        line_ids[line_id] = None

        # The memory window: the last `memory_size` statements.
        start = 0
        if memory_size is not None:
            start = max(0, len(statements) - memory_size)
        kept = tuple(i - start for i in fact_indices if i >= start)
        examples.append(
            BabiExample(
                story=tuple(statements[start:]),
                question=question,
                answer=answer,
                supporting_facts=kept,
                num_dropped_facts=len(fact_indices) - len(kept),
                story_index=story_index,
                line_number=line_number,
            )
        )
    return examples


def read_babi_file(path, memory_size=DEFAULT_MEMORY_SIZE):
    """Reads a bAbI text file: `parse_babi` of its lines.

    Args:
        path: Path of the file (`qa1_single-supporting-fact_train.txt`, ...).
        memory_size: As in `parse_babi`. Default: `50`.

    Returns:
        A list of `BabiExample`, one per question.
    """
    path = os.fspath(path)
    with open(path, encoding="utf-8") as file:
        try:
            return parse_babi(
                _checked_lines(file, path), memory_size=memory_size, source=path
            )
        except UnicodeDecodeError as error:
            raise ValueError(
                f"The bAbI file {path!r} is not UTF-8 text: {_first_undecodable(path)} "
                f"({error.reason})."
            ) from None


def _first_undecodable(path):
    """Where the first byte that is not UTF-8 is: "line L, byte b'\\xff'"."""
    with open(path, "rb") as file:
        for line_number, line in enumerate(file, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start : error.start + 1]
                return f"line {line_number} has the byte {byte!r} at column {error.start + 1}"
    return "a byte sequence"


def _checked_lines(file, path):
    """The lines of `file`, refusing any longer than `MAX_LINE_LENGTH`.

    A bAbI line is one short sentence or question; a line of a megabyte is
    a corrupted or non-bAbI file, and its "sentence" would make every
    vectorized story as wide as it.
    """
    for line_number, line in enumerate(file, start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise ValueError(
                f"Line {line_number} of the bAbI file {path!r} is {len(line):,} "
                f"characters long; a bAbI line (one sentence or question) has "
                f"at most {MAX_LINE_LENGTH:,}: the file is corrupted or not a "
                f"bAbI file."
            )
        yield line


def find_babi_file(directory, task, split="train"):
    """The path of `qa{task}_*_{split}.txt` in `directory`.

    Args:
        directory: Folder of bAbI files, e.g. `tasks_1-20_v1-2/en`.
        task: Task number, 1 to 20.
        split: The file name's split, `"train"`, `"test"` or `"valid"`.
            Default: `"train"`.

    Returns:
        A `pathlib.Path`.

    Raises:
        FileNotFoundError: If there is no such file, or more than one.
    """
    task = check_task(task)
    directory = pathlib.Path(directory)
    matches = sorted(directory.glob(f"qa{task}_*_{split}.txt"))
    if len(matches) != 1:
        found = "no file" if not matches else f"{len(matches)} files"
        raise FileNotFoundError(
            f"Expected one bAbI file `qa{task}_*_{split}.txt` in "
            f"{str(directory)!r}, found {found}."
        )
    return matches[0]


def read_babi_task(
    directory, task, split="train", memory_size=DEFAULT_MEMORY_SIZE
):
    """`read_babi_file(find_babi_file(directory, task, split), memory_size)`."""
    path = find_babi_file(directory, task, split)
    return read_babi_file(path, memory_size=memory_size)


def tokenize(text):
    """Lowercase words of a sentence, without `.`, `?` and `!`.

    >>> tokenize("Where is Mary? ")
    ('where', 'is', 'mary')
    """
    if not isinstance(text, str):
        raise validation.invalid_argument("text", "a string", text)
    return _tokenize(text)


# Cached: a bAbI file repeats its few sentences thousands of times.
@functools.lru_cache(maxsize=1 << 16)
def _tokenize(text):
    return tuple(re.findall(r"[^\s.?!]+", text.lower()))
