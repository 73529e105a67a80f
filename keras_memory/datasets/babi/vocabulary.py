"""bAbI tokens, the vocabulary and the integer arrays.

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
"""

import numpy as np

from keras_memory import validation
from keras_memory.datasets.babi.reader import parse_babi  # parse_babi: for the doctests  # noqa: F401
from keras_memory.datasets.babi.reader import tokenize  # parse_babi: for the doctests

PADDING_ID = 0
UNKNOWN_ID = 1
PADDING_TOKEN = "<pad>"
UNKNOWN_TOKEN = "<unk>"


def answer_token(answer):
    """The vocabulary entry of an answer: its lowercase words joined by `,`.

    >>> answer_token(("apple", "football")), answer_token(("Bathroom",))
    ('apple,football', 'bathroom')
    """
    if isinstance(answer, str):
        answer = (answer,)
    if not isinstance(answer, (tuple, list)) or not all(isinstance(w, str) for w in answer):
        raise validation.invalid_argument(
            "answer", "a string or a tuple of strings", answer
        )
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
    vocabulary = check_vocabulary(vocabulary)
    longest_story, longest_sentence = story_and_sentence_sizes(examples)
    memory_size = (
        validation.check_optional_positive_int("memory_size", memory_size)
        or longest_story
    )
    sentence_size = (
        validation.check_optional_positive_int("sentence_size", sentence_size)
        or longest_sentence
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
    memory_size = (
        validation.check_optional_positive_int("memory_size", memory_size)
        or longest_story
    )
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
