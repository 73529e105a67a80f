"""Shapes VQA: generated visual questions about coloured shapes on a grid.

A small, seeded image question answering task for the Stacked Attention
Network (Yang et al., CVPR 2016) that trains on a CPU in minutes. Each image
is a `grid_size x grid_size` grid of cells (`cell_size` pixels each) on a
black background; some cells hold a filled shape (square, circle or
triangle) in one of four colours (red, green, blue, yellow), placed with a
random offset of up to `jitter` pixels inside its cell. Each image comes
with one question, of one of four types:

```
colour   what colour is the <shape> ?         the shape appears exactly once
shape    what shape is the <colour> object ?  the colour appears exactly once
exists   is there a <colour> <shape> ?        yes or no, balanced
where    where is the <colour> <shape> ?      that pair appears exactly once;
                                              the answer is its cell
```

so every question has exactly one correct answer. Questions are token ids
(`VOCABULARY`, 0 is padding, at the end), answers are class ids into
`ANSWERS`: the colours, the shapes, `yes`/`no` and the cells
(`top left` ... `bottom right` for a 3x3 grid; `row r column c` otherwise).
Question types are drawn uniformly from `question_types`. A scene that
cannot pose the drawn question type (no shape that appears once, say) is
redrawn, so the number of objects is uniform in `[min_objects, max_objects]`
only up to that rejection.

Answering needs the image: the shape of "the red object" or the colour of
"the square" binds a colour to a shape, and "where" needs the position,
which global pooling of a feature map discards unless the features encode
it. Guessing from the question alone is right `CHANCE` of the time (1/4,
1/3, 1/2 and 1/9 for the four types on a 3x3 grid, averaged).

Reference:
    Z. Yang, X. He, J. Gao, L. Deng, A. Smola. *Stacked Attention Networks
    for Image Question Answering.* CVPR 2016. https://arxiv.org/abs/1511.02274
"""

import numpy as np

from keras_memory import validation

COLOURS = ("red", "green", "blue", "yellow")
COLOUR_RGB = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
}
SHAPES = ("square", "circle", "triangle")
QUESTION_TYPES = ("colour", "shape", "exists", "where")
EMPTY = -1  # a scene cell without an object

_WORDS = ("what", "colour", "shape", "is", "the", "object", "there", "a", "where", "?")
# Token 0 pads the questions (at the end), so `mask_zero=True` works.
VOCABULARY = ("<pad>",) + _WORDS + COLOURS + SHAPES
TOKEN_IDS = {word: i for i, word in enumerate(VOCABULARY)}
MAX_QUESTION_LENGTH = 7  # "what shape is the red object ?"

_POSITION_NAMES_3X3 = (
    "top left", "top", "top right",
    "left", "centre", "right",
    "bottom left", "bottom", "bottom right",
)  # fmt: skip


def position_names(grid_size=3):
    """Answer names of the cells, row-major: `"top left"` ... for a 3x3 grid."""
    grid_size = validation.check_positive_int("grid_size", grid_size)
    if grid_size == 3:
        return _POSITION_NAMES_3X3
    return tuple(f"row {r} column {c}" for r in range(grid_size) for c in range(grid_size))


def answer_names(grid_size=3):
    """The answer classes: colours, shapes, `yes`, `no`, then the cells."""
    return COLOURS + SHAPES + ("yes", "no") + position_names(grid_size)


ANSWERS = answer_names(3)
ANSWER_IDS = {answer: i for i, answer in enumerate(ANSWERS)}
# Question-only guessing, question types drawn uniformly, 3x3 grid.
CHANCE = (1 / len(COLOURS) + 1 / len(SHAPES) + 1 / 2 + 1 / 9) / 4


def encode_question(text):
    """Token ids `(MAX_QUESTION_LENGTH,)` int32 of a question string."""
    words = text.split()
    if len(words) > MAX_QUESTION_LENGTH or any(w not in TOKEN_IDS for w in words):
        raise validation.invalid_argument(
            "text", f"a question of at most {MAX_QUESTION_LENGTH} known words", text
        )
    ids = np.zeros(MAX_QUESTION_LENGTH, "int32")
    ids[: len(words)] = [TOKEN_IDS[w] for w in words]
    return ids


def decode_question(ids):
    """The question string of token ids (padding dropped)."""
    return " ".join(VOCABULARY[i] for i in np.asarray(ids) if i != 0)


# --- Rendering ------------------------------------------------------------------


def shape_mask(shape, size):
    """A boolean `(size, size)` mask of a filled shape."""
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    if shape == "square":
        return np.ones((size, size), bool)
    if shape == "circle":
        centre = size / 2
        return (rows - centre) ** 2 + (cols - centre) ** 2 <= (size / 2) ** 2
    if shape == "triangle":
        # Apex at the top centre, base along the bottom row.
        half_width = rows / size * (size / 2)
        return np.abs(cols - size / 2) <= half_width
    raise validation.invalid_argument("shape", f"one of {SHAPES}", shape)


def render(scene, cell_size=8, jitter=1, rng=None, widths=None):
    """The float32 RGB image `(g * cell_size, g * cell_size, 3)` of a scene.

    Args:
        scene: Integer array `(g, g, k)`, `k >= 2`: per cell the shape id
            (into `SHAPES`) and the colour id (into `COLOURS`), `EMPTY` (-1)
            for empty cells; entries after the second are ignored.
        cell_size: Pixels per cell side.
        jitter: Each shape is `cell_size - 2 * jitter` pixels wide, placed
            at a random offset in `[0, 2 * jitter]` inside its cell.
        rng: A `numpy.random.Generator` for the offsets; `None` centres
            every shape.
        widths: Optional integer array `(g, g)`: the width in pixels of the
            shape in each cell (at most `cell_size`), instead of
            `cell_size - 2 * jitter`; a shape of width `w` is placed at a
            random offset in `[0, cell_size - w]` (centred without `rng`).
            Default: `None`.
    """
    grid_size = scene.shape[0]
    image = np.zeros((grid_size * cell_size, grid_size * cell_size, 3), "float32")
    for r in range(grid_size):
        for c in range(grid_size):
            shape_id, colour_id = scene[r, c, :2]
            if shape_id == EMPTY:
                continue
            size = cell_size - 2 * jitter if widths is None else int(widths[r, c])
            # The shape's free room in its cell: 2 * jitter without `widths`.
            room = cell_size - size
            if rng is None:
                dy = dx = room // 2
            else:
                dy, dx = rng.integers(0, room + 1, size=2)
            top, left = r * cell_size + dy, c * cell_size + dx
            patch = image[top : top + size, left : left + size]
            patch[shape_mask(SHAPES[shape_id], size)] = COLOUR_RGB[COLOURS[colour_id]]
    return image


# --- Questions ------------------------------------------------------------------


def _pose(question_type, scene, rng, grid_size):
    """`(question text, answer name)`, or None if the scene cannot pose it."""
    cells = [
        (r, c, int(scene[r, c, 0]), int(scene[r, c, 1]))
        for r in range(grid_size)
        for c in range(grid_size)
        if scene[r, c, 0] != EMPTY
    ]
    shape_counts = np.bincount([s for _, _, s, _ in cells], minlength=len(SHAPES))
    colour_counts = np.bincount([k for _, _, _, k in cells], minlength=len(COLOURS))
    pairs = [(s, k) for _, _, s, k in cells]
    if question_type == "colour":
        unique = [i for i, (_, _, s, _) in enumerate(cells) if shape_counts[s] == 1]
        if not unique:
            return None
        _, _, s, k = cells[unique[rng.integers(len(unique))]]
        return f"what colour is the {SHAPES[s]} ?", COLOURS[k]
    if question_type == "shape":
        unique = [i for i, (_, _, _, k) in enumerate(cells) if colour_counts[k] == 1]
        if not unique:
            return None
        _, _, s, k = cells[unique[rng.integers(len(unique))]]
        return f"what shape is the {COLOURS[k]} object ?", SHAPES[s]
    if question_type == "exists":
        present = sorted(set(pairs))
        if rng.random() < 0.5:
            s, k = present[rng.integers(len(present))]
            answer = "yes"
        else:
            absent = [
                (s, k)
                for s in range(len(SHAPES))
                for k in range(len(COLOURS))
                if (s, k) not in present
            ]
            s, k = absent[rng.integers(len(absent))]
            answer = "no"
        return f"is there a {COLOURS[k]} {SHAPES[s]} ?", answer
    # "where"
    unique = [i for i, pair in enumerate(pairs) if pairs.count(pair) == 1]
    if not unique:
        return None
    r, c, s, k = cells[unique[rng.integers(len(unique))]]
    return (
        f"where is the {COLOURS[k]} {SHAPES[s]} ?",
        position_names(grid_size)[r * grid_size + c],
    )


def shapes_vqa(
    num_examples,
    grid_size=3,
    cell_size=8,
    min_objects=3,
    max_objects=5,
    jitter=1,
    question_types=QUESTION_TYPES,
    seed=0,
    return_scenes=False,
):
    """Generates Shapes VQA examples: images, questions and answers.

    Args:
        num_examples: Positive integer, the number of (image, question,
            answer) triples.
        grid_size: Positive integer `g`; images are `g x g` cells.
            Default: `3`.
        cell_size: Integer >= 4, pixels per cell side. Default: `8` (24x24
            images on the default grid).
        min_objects: Positive integer, the fewest objects in an image.
            Default: `3`.
        max_objects: Integer in `[min_objects, g * g]`, the most objects.
            Default: `5`.
        jitter: Non-negative integer below `cell_size / 4`, the random
            offset of a shape inside its cell, in pixels. Default: `1`.
        question_types: Non-empty subset of `QUESTION_TYPES`.
            Default: all four.
        seed: Non-negative integer or tuple of them (as for
            `numpy.random.default_rng`); the same seed gives the same data.
            Default: `0`.
        return_scenes: Boolean; also return the scenes. Default: `False`.

    Returns:
        `(images, questions, answers)`: float32 `(N, g * cell_size,
        g * cell_size, 3)` RGB in `[0, 1]`; int32 `(N, MAX_QUESTION_LENGTH)`
        token ids into `VOCABULARY`, padded with 0 at the end; int32 `(N,)`
        class ids into `answer_names(g)`. With `return_scenes=True`, also
        int32 `(N, g, g, 2)` scenes: per cell the shape id and the colour id,
        `EMPTY` (-1) for empty cells.

    Example:

    >>> from keras_memory.datasets.shapes_vqa import (
    ...     ANSWERS, decode_question, shapes_vqa)
    >>> images, questions, answers = shapes_vqa(4, seed=0)
    >>> images.shape, questions.shape, answers.shape
    ((4, 24, 24, 3), (4, 7), (4,))
    >>> decode_question(questions[0]).startswith(
    ...     ("what", "is there", "where"))
    True
    """
    num_examples = validation.check_positive_int("num_examples", num_examples)
    grid_size = validation.check_positive_int("grid_size", grid_size)
    cell_size = validation.check_positive_int("cell_size", cell_size)
    if cell_size < 4:
        raise validation.invalid_argument("cell_size", "an integer >= 4", cell_size)
    min_objects = validation.check_positive_int("min_objects", min_objects)
    max_objects = validation.check_positive_int("max_objects", max_objects)
    if not min_objects <= max_objects <= grid_size**2:
        raise validation.invalid_argument(
            "max_objects",
            f"an integer in [min_objects, grid_size ** 2] = [{min_objects}, {grid_size**2}]",
            max_objects,
        )
    if not validation.is_integer(jitter) or not 0 <= 4 * jitter < cell_size:
        raise validation.invalid_argument(
            "jitter", "a non-negative integer below cell_size / 4", jitter
        )
    if (
        isinstance(question_types, str)
        or not isinstance(question_types, (list, tuple, set, frozenset))
        or not question_types
        or not set(question_types) <= set(QUESTION_TYPES)
    ):
        raise validation.invalid_argument(
            "question_types", f"a non-empty subset of {QUESTION_TYPES}", question_types
        )
    return_scenes = validation.check_bool("return_scenes", return_scenes)
    question_types = tuple(question_types)
    seed = validation.check_seed(seed, allow_tuple=True)

    rng = np.random.default_rng(seed)
    answer_ids = {a: i for i, a in enumerate(answer_names(grid_size))}
    size = grid_size * cell_size
    images = np.zeros((num_examples, size, size, 3), "float32")
    questions = np.zeros((num_examples, MAX_QUESTION_LENGTH), "int32")
    answers = np.zeros(num_examples, "int32")
    scenes = np.full((num_examples, grid_size, grid_size, 2), EMPTY, "int32")
    for n in range(num_examples):
        question_type = question_types[rng.integers(len(question_types))]
        posed = None
        while posed is None:
            scene = np.full((grid_size, grid_size, 2), EMPTY, "int32")
            count = rng.integers(min_objects, max_objects + 1)
            for cell in rng.choice(grid_size**2, size=count, replace=False):
                scene[cell // grid_size, cell % grid_size] = (
                    rng.integers(len(SHAPES)),
                    rng.integers(len(COLOURS)),
                )
            posed = _pose(question_type, scene, rng, grid_size)
        text, answer = posed
        scenes[n] = scene
        images[n] = render(scene, cell_size, jitter, rng)
        questions[n] = encode_question(text)
        answers[n] = answer_ids[answer]
    if return_scenes:
        return images, questions, answers, scenes
    return images, questions, answers
