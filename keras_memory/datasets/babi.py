"""bAbI question answering for End-to-End Memory Networks.

The 20 bAbI tasks (Weston et al., 2015) as Sukhbaatar et al. (2015) train
End-to-End Memory Networks on them: a reader of the standard bAbI text
files, tokenisation, one vocabulary for words and answers, fixed-size integer
arrays, a seeded 90/10 train/validation split of the training files, single
task and joint (all 20 tasks) loading, and a generator of bAbI-style stories
for tasks 1, 2, 3 and 15 that writes the exact file format, so that
everything can be run and tested without the downloaded data.

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

Vectorising (`build_vocabulary`, `vectorize`): words are lowercased and
`.`, `?` and `!` dropped (`tokenize`). Id 0 is padding (`PADDING_ID`), id 1
stands for words missing from the vocabulary (`UNKNOWN_ID`), and the other
words follow in sorted order. Answers share the vocabulary: an answer is one
class, its words joined by commas (`answer_token`), so the multi-word answer
`("apple", "football")` is the single entry `"apple,football"` (distinct from
`"football,apple"`). The arrays are `story` `(N, S, W)`, `question` `(N, W)`
and `answer` `(N,)`, int32; the sentences of a story are in the order of the
file (oldest first) from row 0, padded with all-zero rows after the last,
words padded with zeros after the last.

Reference:
    S. Sukhbaatar, A. Szlam, J. Weston, R. Fergus. *End-To-End Memory
    Networks.* NeurIPS 2015. arXiv:1503.08895.

    J. Weston, A. Bordes, S. Chopra, A. M. Rush, B. van Merrienboer,
    A. Joulin, T. Mikolov. *Towards AI-Complete Question Answering: A Set of
    Prerequisite Toy Tasks.* arXiv:1502.05698, 2015.
"""

import functools
import math
import numbers
import os
import pathlib
import re
import typing

import numpy as np

from keras_memory import validation

# The paper's memory: "the model only uses the most recent 50 sentences".
DEFAULT_MEMORY_SIZE = 50
PADDING_ID = 0
UNKNOWN_ID = 1
PADDING_TOKEN = "<pad>"
UNKNOWN_TOKEN = "<unk>"
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


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_memory_size(memory_size, allow_none=True):
    if memory_size is None and allow_none:
        return None
    if not _is_integer(memory_size) or memory_size < 1:
        expected = "a positive integer"
        if allow_none:
            expected += " or `None`"
        raise validation.invalid_argument("memory_size", expected, memory_size)
    return int(memory_size)


def _check_seed(seed):
    if not _is_integer(seed) or seed < 0:
        raise validation.invalid_argument(
            "seed", "a non-negative integer", seed
        )
    return int(seed)


def _check_task(task, choices=ALL_TASKS, name="task"):
    if not _is_integer(task) or task not in choices:
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
    if _is_integer(tasks):
        return (_check_task(tasks, name="tasks"),)
    expected = 'a task number 1 to 20, a list of them, or "all"'
    if isinstance(tasks, (str, bytes)) or not hasattr(tasks, "__iter__"):
        raise validation.invalid_argument("tasks", expected, tasks)
    tasks = tuple(tasks)
    if (
        not tasks
        or len(set(tasks)) != len(tasks)
        or not all(_is_integer(t) and t in ALL_TASKS for t in tasks)
    ):
        raise validation.invalid_argument("tasks", expected, tasks)
    return tuple(int(t) for t in tasks)


_check_tasks = check_tasks


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
    """
    seed = _check_seed(seed)
    task = _check_task(task)
    return seed + task - 1


def _check_fraction(fraction):
    if (
        not isinstance(fraction, numbers.Real)
        or isinstance(fraction, bool)
        or not 0.0 <= fraction < 1.0
    ):
        raise validation.invalid_argument(
            "validation_fraction", "a number in [0, 1)", fraction
        )
    return float(fraction)


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
    memory_size = _check_memory_size(memory_size)
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
        return parse_babi(file, memory_size=memory_size, source=path)


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
    task = _check_task(task)
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


# === Tokens and vocabulary ===


@functools.lru_cache(maxsize=1 << 16)
def tokenize(text):
    """Lowercase words of a sentence, without `.`, `?` and `!`.

    >>> tokenize("Where is Mary? ")
    ('where', 'is', 'mary')
    """
    return tuple(re.findall(r"[^\s.?!]+", text.lower()))


def answer_token(answer):
    """The vocabulary entry of an answer: its lowercase words joined by `,`.

    >>> answer_token(("apple", "football")), answer_token(("Bathroom",))
    ('apple,football', 'bathroom')
    """
    if isinstance(answer, str):
        answer = (answer,)
    return ",".join(word.lower() for word in answer)


def build_vocabulary(examples):
    """Word -> id for the words and answers of `examples`.

    Id 0 is `"<pad>"` (padding), id 1 `"<unk>"` (any word not in the
    vocabulary, in `vectorize`); the story, question and answer tokens
    (`tokenize`, `answer_token`) follow in sorted order, from id 2, so the
    vocabulary depends on the set of words only. `len(vocabulary)` is the
    `input_dim` of an embedding and the number of answer classes.

    Args:
        examples: Iterable of `BabiExample`.

    Returns:
        A dict from token to id.

    Example:

    >>> example = parse_babi("1 Mary left.\\n2 Who left?\\tmary\\t1")[0]
    >>> build_vocabulary([example])
    {'<pad>': 0, '<unk>': 1, 'left': 2, 'mary': 3, 'who': 4}
    """
    words = set()
    for example in examples:
        for sentence in example.story:
            words.update(tokenize(sentence))
        words.update(tokenize(example.question))
        words.add(answer_token(example.answer))
    words.discard(PADDING_TOKEN)
    words.discard(UNKNOWN_TOKEN)
    vocabulary = {PADDING_TOKEN: PADDING_ID, UNKNOWN_TOKEN: UNKNOWN_ID}
    for word in sorted(words):
        vocabulary[word] = len(vocabulary)
    return vocabulary


def check_vocabulary(vocabulary):
    """Returns `vocabulary` if it is a bAbI vocabulary, or raises.

    A bAbI vocabulary is a dict from token to id with the padding token at
    `PADDING_ID` and the unknown token at `UNKNOWN_ID`, as
    `build_vocabulary` makes it.
    """
    if (
        not isinstance(vocabulary, dict)
        or vocabulary.get(PADDING_TOKEN) != PADDING_ID
        or vocabulary.get(UNKNOWN_TOKEN) != UNKNOWN_ID
    ):
        raise validation.invalid_argument(
            "vocabulary",
            f"a dict with {PADDING_TOKEN!r}: 0 and {UNKNOWN_TOKEN!r}: 1 "
            "(see `build_vocabulary`)",
            type(vocabulary).__name__,
        )
    return vocabulary


_check_vocabulary = check_vocabulary


def story_and_sentence_sizes(examples):
    """`(S, W)`: the most statements and the most words of `examples`."""
    memory_size, sentence_size = 1, 1
    for example in examples:
        memory_size = max(memory_size, len(example.story))
        for sentence in (*example.story, example.question):
            sentence_size = max(sentence_size, len(tokenize(sentence)))
    return memory_size, sentence_size


def vectorize(
    examples,
    vocabulary,
    memory_size=None,
    sentence_size=None,
    newest_first=False,
):
    """Token ids of stories, questions and answers, zero-padded.

    Row `i` of a story holds its sentence `i` (oldest first, as indexed by
    `supporting_facts`), and the rows after its last sentence are all zero;
    the words of a sentence are padded with zeros after the last. A story
    longer than `memory_size` keeps its last `memory_size` sentences (the
    reader's rule). With `newest_first=True`, row 0 is the most recent
    sentence instead (the paper's `x_1`, "indexed in reverse order"), still
    followed by the zero rows. Words missing from `vocabulary` become
    `UNKNOWN_ID`; the answer is the id of `answer_token(answer)`.

    Args:
        examples: Sequence of `BabiExample`, `N` of them.
        vocabulary: Dict from token to id, as from `build_vocabulary`.
        memory_size: Positive integer `S`, or `None` for the longest story
            of `examples`. Default: `None`.
        sentence_size: Positive integer `W`, or `None` for the longest
            sentence or question of `examples`. Default: `None`.
        newest_first: Boolean, the order of the sentences. Default: `False`.

    Returns:
        `(story, question, answer)`: int32 arrays `(N, S, W)`, `(N, W)` and
        `(N,)`.

    Raises:
        ValueError: If a sentence or question has more than `sentence_size`
            words.

    Example:

    >>> examples = parse_babi("1 Mary left.\\n2 Who left?\\tmary\\t1")
    >>> vocabulary = build_vocabulary(examples)
    >>> story, question, answer = vectorize(examples, vocabulary,
    ...                                     memory_size=2, sentence_size=3)
    >>> story.tolist(), question.tolist(), answer.tolist()
    ([[[3, 2, 0], [0, 0, 0]]], [[4, 2, 0]], [3])
    """
    examples = list(examples)
    vocabulary = _check_vocabulary(vocabulary)
    longest_story, longest_sentence = story_and_sentence_sizes(examples)
    memory_size = _check_memory_size(memory_size) or longest_story
    if sentence_size is None:
        sentence_size = longest_sentence
    elif not _is_integer(sentence_size) or sentence_size < 1:
        raise validation.invalid_argument(
            "sentence_size", "a positive integer or `None`", sentence_size
        )

    def ids(text, where):
        tokens = tokenize(text)
        if len(tokens) > sentence_size:
            raise ValueError(
                f"{where} has {len(tokens)} words, more than "
                f"`sentence_size` ({sentence_size}): {text!r}."
            )
        return [vocabulary.get(token, UNKNOWN_ID) for token in tokens]

    count = len(examples)
    story = np.zeros((count, memory_size, sentence_size), "int32")
    question = np.zeros((count, sentence_size), "int32")
    answer = np.zeros((count,), "int32")
    for row, example in enumerate(examples):
        sentences = example.story[-memory_size:]
        if newest_first:
            sentences = sentences[::-1]
        for position, sentence in enumerate(sentences):
            words = ids(sentence, f"A sentence of example {row}")
            story[row, position, : len(words)] = words
        words = ids(example.question, f"The question of example {row}")
        question[row, : len(words)] = words
        answer[row] = vocabulary.get(answer_token(example.answer), UNKNOWN_ID)
    return story, question, answer


def supporting_fact_mask(examples, memory_size=None, newest_first=False):
    """`(N, S)` booleans, true on the rows of `vectorize` that are facts.

    Args:
        examples, memory_size, newest_first: As in `vectorize`.

    Returns:
        A bool array `(N, S)`; row `n` is true at the positions of the
        supporting facts of example `n` in its vectorised story.
    """
    examples = list(examples)
    longest_story, _ = story_and_sentence_sizes(examples)
    memory_size = _check_memory_size(memory_size) or longest_story
    mask = np.zeros((len(examples), memory_size), bool)
    for row, example in enumerate(examples):
        length = len(example.story)
        start = max(0, length - memory_size)
        for fact in example.supporting_facts:
            if fact < start:
                continue
            position = fact - start
            if newest_first:
                position = length - start - 1 - position
            mask[row, position] = True
    return mask


# === Splits, single task and joint ===


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
    validation_fraction = _check_fraction(validation_fraction)
    seed = _check_seed(seed)
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
        seed = _check_seed(seed)
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
    (`split_stories` with seed `seed + N - 1` for task `N`, so a task's split
    is the same alone and in the joint set), reads `qa{N}_*_test.txt` when
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
    tasks = _check_tasks(tasks)
    memory_size = _check_memory_size(memory_size, allow_none=False)
    validation_fraction = _check_fraction(validation_fraction)
    seed = _check_seed(seed)
    if vocabulary is not None:
        vocabulary = _check_vocabulary(vocabulary)
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


# === Generated bAbI-style stories (tasks 1, 2, 3 and 15) ===

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
        location = _draw(rng, [l for l in _LOCATIONS if l != here])
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


def _check_num_stories(num_stories, task):
    if num_stories is None:
        return 1000 // _QUESTIONS_PER_STORY[task]
    return validation.check_positive_int("num_stories", num_stories)


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
    task = _check_task(task, GENERATED_TASKS)
    num_stories = _check_num_stories(num_stories, task)
    seed = _check_seed(seed)
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
    task = _check_task(task)
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
    if _is_integer(tasks):
        tasks = (tasks,)
    tasks = [_check_task(task, GENERATED_TASKS) for task in tasks]
    seed = _check_seed(seed)
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
