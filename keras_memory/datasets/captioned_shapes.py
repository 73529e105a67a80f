"""Captioned shapes: generated scenes of coloured shapes with their captions.

A small, seeded image captioning task for Show, Attend and Tell (Xu et al.,
ICML 2015) that trains on a CPU, and that scores attention: every content
word of a caption names one object, whose grid cell is given. Each image is
a `grid_size x grid_size` grid of cells (`cell_size` pixels each) on a black
background; one to three cells hold a filled shape (the `SHAPES` and
`COLOURS` of `keras_memory.datasets.shapes_vqa`, drawn with its `render`) in
one of two sizes: `large` shapes are `cell_size - 2 * jitter` pixels wide,
`small` ones `(2 * large + 2) // 3`, both placed at a random offset inside
their cell. The defaults, a 7 x 7 grid of 8-pixel cells, give 56 x 56 images,
so a convolutional network of stride 8 has a 7 x 7 feature grid (the paper's
"at least 7 x 7 locations") whose location `(i, j)` sees exactly the object
cell `(i, j)`.

Grammar (every caption is true of its scene and determined by it):

```
caption  := object | object relation object | object relation object relation object
object   := "a" size colour shape         size: small | large
relation := "above" | "below" | "left of" | "right of"
```

- Naming order: the objects are named in the order of their shape
  (`square`, `circle`, `triangle`), then colour (`red`, `green`, `blue`,
  `yellow`), then size (`small`, `large`). No two objects of a scene share
  all three, so the order is strict, and the order does not depend on
  where the objects are: the relation words carry the positions.
- Relations: between consecutive named objects `A` then `B`, at rows and
  columns `(r_A, c_A)` and `(r_B, c_B)` (rows grow downwards), let
  `dr = r_B - r_A` and `dc = c_B - c_A`. If `|dr| >= |dc|` (diagonals are
  vertical), `A` is `above` `B` when `dr > 0` and `below` it when `dr < 0`;
  otherwise `A` is `left of` `B` when `dc > 0` and `right of` it when
  `dc < 0`.

  "a small red square"
  "a large green circle below a small blue triangle"
  "a small red square left of a large red circle above a small yellow triangle"

Ids (the conventions of `keras_memory.datasets.text` and of the samplers of
`keras_memory.decoding`): `0` padding, `1` start, `2` end, `3` unknown, then
the words of `VOCABULARY`. A caption row is `[start, w_1 ... w_n, end, pad
...]` of `CAPTION_LENGTH` ids, so `captions[:, :-1]` is the teacher-forcing
input and `captions[:, 1:]` the target. Beside each row, `cells` holds for
each id the cell `r * grid_size + c` of the object a content word (a size,
colour or shape) names, and `-1` for the other ids (`a`, the relations,
start, end, padding).

Held-out scenes: each scene (its objects' cells, shapes, colours and sizes;
not the pixel offsets) belongs to one split by a keyed hash of the scene
(`scene_split_fractions`, key `split_seed`), independent of the sampling
seed; a drawn scene outside the requested split is redrawn. Train,
validation and test never share a scene.

Reference:
    K. Xu, J. Ba, R. Kiros, K. Cho, A. Courville, R. Salakhutdinov, R. Zemel,
    Y. Bengio. *Show, Attend and Tell: Neural Image Caption Generation with
    Visual Attention.* ICML 2015. https://arxiv.org/abs/1502.03044
"""

import hashlib
from typing import NamedTuple

import numpy as np

from keras_memory import validation
from keras_memory.datasets import text
from keras_memory.datasets.shapes_vqa import COLOURS
from keras_memory.datasets.shapes_vqa import EMPTY
from keras_memory.datasets.shapes_vqa import SHAPES
from keras_memory.datasets.shapes_vqa import render

SIZES = ("small", "large")
RELATIONS = ("above", "below", "left of", "right of")
SPLITS = ("train", "validation", "test", "all")
MAX_OBJECTS = 3  # the grammar's longest caption names three objects

PAD_ID = text.PAD_ID
START_ID = text.START_ID
END_ID = text.END_ID
UNKNOWN_ID = text.UNKNOWN_ID
_SPECIAL_TOKENS = ("<pad>", "<start>", "<end>", "<unk>")
_FUNCTION_WORDS = ("a", "above", "below", "left", "right", "of")
CONTENT_WORDS = SIZES + COLOURS + SHAPES
VOCABULARY = _SPECIAL_TOKENS + _FUNCTION_WORDS + CONTENT_WORDS
TOKEN_IDS = {word: i for i, word in enumerate(VOCABULARY)}
# "a large red triangle right of a small blue circle right of a ...": three
# objects of four words and two relations of two.
MAX_CAPTION_WORDS = 3 * 4 + 2 * 2
CAPTION_LENGTH = MAX_CAPTION_WORDS + 2  # with the start and end ids
NO_CELL = -1  # the cell label of a word that names no object


class CaptionedScenes(NamedTuple):
    """Captioned-shapes examples: four arrays of the same length `N`.

    Attributes:
        images: float32 `(N, S, S, 3)` RGB in `[0, 1]`, `S = grid_size *
            cell_size`.
        captions: int32 `(N, CAPTION_LENGTH)` ids into `VOCABULARY`: start,
            the words, end, then padding.
        cells: int32 `(N, CAPTION_LENGTH)`: per id the object cell
            `r * grid_size + c` that a content word names, else `NO_CELL`.
        scenes: int32 `(N, g, g, 3)`: per cell the shape id, colour id and
            size id (into `SHAPES`, `COLOURS`, `SIZES`), `EMPTY` (-1) in
            empty cells.
    """

    images: np.ndarray
    captions: np.ndarray
    cells: np.ndarray
    scenes: np.ndarray


# --- Words and ids ----------------------------------------------------------------


def encode_caption(caption):
    """The ids `(CAPTION_LENGTH,)` int32 of a caption string.

    `[START_ID, w_1 ... w_n, END_ID, PAD_ID ...]`; every word must be in
    `VOCABULARY` (not a special token) and `n <= MAX_CAPTION_WORDS`.

    >>> encode_caption("a small red square")[:7].tolist()
    [1, 4, 10, 12, 16, 2, 0]
    """
    if not isinstance(caption, str):
        raise validation.invalid_argument("caption", "a string", caption)
    words = caption.split()
    if not 0 < len(words) <= MAX_CAPTION_WORDS or any(
        w not in TOKEN_IDS or w in _SPECIAL_TOKENS for w in words
    ):
        raise validation.invalid_argument(
            "caption", f"1 to {MAX_CAPTION_WORDS} words of `VOCABULARY`", caption
        )
    ids = np.full(CAPTION_LENGTH, PAD_ID, "int32")
    ids[: len(words) + 2] = [START_ID, *(TOKEN_IDS[w] for w in words), END_ID]
    return ids


def decode_caption(ids):
    """The caption string of a row of ids, read up to its first end id.

    Start and padding ids are skipped (so a decoder's output without the
    start id reads the same); the unknown id reads as `<unk>`.

    >>> decode_caption([1, 4, 10, 12, 16, 2, 0])
    'a small red square'
    """
    ids = np.asarray(ids)
    if ids.ndim == 1 and ids.size == 0:
        return ""
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise validation.invalid_argument("ids", "a 1-D sequence of integer ids", ids)
    if ids.size and (ids.min() < 0 or ids.max() >= len(VOCABULARY)):
        raise validation.invalid_argument("ids", f"ids in [0, {len(VOCABULARY)})", ids.tolist())
    words = []
    for i in ids.tolist():
        if i == END_ID:
            break
        if i not in (PAD_ID, START_ID):
            words.append(VOCABULARY[i])
    return " ".join(words)


# --- Captions of scenes -----------------------------------------------------------


def scene_objects(scene):
    """The objects of a scene, in naming order.

    Args:
        scene: Integer array `(g, g, 3)` as in `CaptionedScenes.scenes`.

    Returns:
        A list of `(shape_id, colour_id, size_id, row, column)` tuples,
        sorted by shape, colour, size (the caption's naming order).
    """
    scene = np.asarray(scene)
    if scene.ndim != 3 or scene.shape[0] != scene.shape[1] or scene.shape[2] != 3:
        raise validation.invalid_argument("scene", "an integer array (g, g, 3)", scene.shape)
    rows, cols = np.nonzero(scene[..., 0] != EMPTY)
    objects = [
        (int(scene[r, c, 0]), int(scene[r, c, 1]), int(scene[r, c, 2]), int(r), int(c))
        for r, c in zip(rows, cols)
    ]
    return sorted(objects)


def relation(first, second):
    """The relation word of `first` to `second`, two `(row, column)` cells.

    >>> relation((0, 3), (2, 1)), relation((1, 4), (2, 1))
    ('above', 'right of')
    """
    dr, dc = second[0] - first[0], second[1] - first[1]
    if (dr, dc) == (0, 0):
        raise validation.invalid_argument("second", "a cell other than `first`", second)
    if abs(dr) >= abs(dc):
        return "above" if dr > 0 else "below"
    return "left of" if dc > 0 else "right of"


def caption_scene(scene):
    """The caption of a scene and the object cell of each of its words.

    Args:
        scene: Integer array `(g, g, 3)` with 1 to `MAX_OBJECTS` objects of
            distinct (shape, colour, size).

    Returns:
        `(caption, word_cells)`: the caption string and a list with one
        entry per word: the cell `r * g + c` of the object that a content
        word names, `NO_CELL` for `a` and the relation words.

    >>> scene = np.full((7, 7, 3), -1)
    >>> scene[1, 2] = (1, 0, 1)  # a large red circle
    >>> scene[4, 2] = (0, 2, 0)  # a small blue square
    >>> caption_scene(scene)
    ('a small blue square below a large red circle', [-1, 30, 30, 30, -1, -1, 9, 9, 9])
    """
    objects = scene_objects(scene)
    grid_size = np.asarray(scene).shape[0]
    if not 1 <= len(objects) <= MAX_OBJECTS:
        raise validation.invalid_argument(
            "scene", f"a scene of 1 to {MAX_OBJECTS} objects", f"{len(objects)} objects"
        )
    if len({o[:3] for o in objects}) != len(objects):
        raise validation.invalid_argument(
            "scene", "objects of distinct (shape, colour, size)", objects
        )
    words, word_cells = [], []
    for index, (shape_id, colour_id, size_id, r, c) in enumerate(objects):
        if index:
            previous = objects[index - 1]
            words += relation(previous[3:], (r, c)).split()
            word_cells += [NO_CELL] * (len(words) - len(word_cells))
        words += ["a", SIZES[size_id], COLOURS[colour_id], SHAPES[shape_id]]
        word_cells += [NO_CELL] + [r * grid_size + c] * 3
    return " ".join(words), word_cells


def parse_caption(caption):
    """The objects and relations of a caption of the grammar.

    Returns:
        `(objects, relations)`: a list of `(size, colour, shape)` word
        triples and the list of relation words between consecutive ones.

    >>> parse_caption("a small red square left of a large red circle")
    ([('small', 'red', 'square'), ('large', 'red', 'circle')], ['left of'])
    """
    if not isinstance(caption, str):
        raise validation.invalid_argument("caption", "a string", caption)
    words = caption.split()
    objects, relations, position = [], [], 0
    while True:
        head = words[position : position + 4]
        if (
            len(head) != 4
            or head[0] != "a"
            or head[1] not in SIZES
            or head[2] not in COLOURS
            or head[3] not in SHAPES
        ):
            raise validation.invalid_argument("caption", "a caption of the grammar", caption)
        objects.append(tuple(head[1:]))
        position += 4
        if position == len(words):
            return objects, relations
        for word_count in (1, 2):
            candidate = " ".join(words[position : position + word_count])
            if candidate in RELATIONS:
                relations.append(candidate)
                position += word_count
                break
        else:
            raise validation.invalid_argument("caption", "a caption of the grammar", caption)


# --- Splits -----------------------------------------------------------------------


def scene_split_fractions(scenes, split_seed=0):
    """The split coordinate in `[0, 1)` of each scene.

    `u = blake2b(scene bytes, key=split_seed) / 2**64` over the scene's
    int32 array `(g, g, 3)` (objects' cells, shapes, colours and sizes): a
    keyed hash of the scene alone, so a scene falls in the same split
    whatever the sampling seed or the number of examples. A scene is in
    `test` when `u < test_fraction`, in `validation` when `test_fraction <=
    u < test_fraction + validation_fraction`, and in `train` otherwise.

    Args:
        scenes: Integer array `(N, g, g, 3)`.
        split_seed: Non-negative integer, the key of the hash. Default: `0`.

    Returns:
        float64 `(N,)`.
    """
    split_seed = validation.check_seed(split_seed, name="split_seed")
    scenes = np.asarray(scenes)
    if scenes.ndim != 4 or scenes.shape[-1] != 3:
        raise validation.invalid_argument("scenes", "an array (N, g, g, 3)", scenes.shape)
    return np.array([_fraction(scene, split_seed) for scene in scenes.astype("int32")])


def _fraction(scene, split_seed):
    key = split_seed.to_bytes(8, "little") if split_seed < 2**64 else str(split_seed).encode()
    digest = hashlib.blake2b(
        np.ascontiguousarray(scene, "int32").tobytes(), digest_size=8, key=key
    ).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def _split_of(u, validation_fraction, test_fraction):
    if u < test_fraction:
        return "test"
    return "validation" if u < test_fraction + validation_fraction else "train"


def _check_fractions(validation_fraction, test_fraction):
    validation_fraction = validation.check_fraction("validation_fraction", validation_fraction)
    test_fraction = validation.check_fraction("test_fraction", test_fraction)
    if validation_fraction + test_fraction >= 1.0:
        raise validation.invalid_argument(
            "test_fraction",
            f"a fraction below 1 - `validation_fraction` ({1 - validation_fraction:g})",
            test_fraction,
        )
    return validation_fraction, test_fraction


def shape_widths(cell_size=8, jitter=1):
    """`(small, large)` shape widths in pixels for a cell size and jitter.

    >>> shape_widths(8, 1)
    (4, 6)
    """
    large = cell_size - 2 * jitter
    return (2 * large + 2) // 3, large


# --- The generator ----------------------------------------------------------------


def _draw_scene(rng, grid_size, min_objects, max_objects):
    """One scene of objects with distinct (shape, colour, size)."""
    scene = np.full((grid_size, grid_size, 3), EMPTY, "int32")
    count = rng.integers(min_objects, max_objects + 1)
    kinds = len(SHAPES) * len(COLOURS) * len(SIZES)
    for cell, kind in zip(
        rng.choice(grid_size**2, size=count, replace=False),
        rng.choice(kinds, size=count, replace=False),
    ):
        shape_id, rest = divmod(int(kind), len(COLOURS) * len(SIZES))
        colour_id, size_id = divmod(rest, len(SIZES))
        scene[cell // grid_size, cell % grid_size] = (shape_id, colour_id, size_id)
    return scene


def captioned_shapes(
    num_examples,
    grid_size=7,
    cell_size=8,
    min_objects=1,
    max_objects=3,
    jitter=1,
    seed=0,
    split="train",
    split_seed=0,
    validation_fraction=0.05,
    test_fraction=0.1,
):
    """Generates captioned-shapes examples: images, captions, word cells.

    Example `k` draws, from one `numpy.random.default_rng(seed)` stream in
    order (so the first examples do not depend on `num_examples`): a scene
    (the number of objects uniform in `[min_objects, max_objects]`, their
    cells uniform without replacement, their (shape, colour, size) uniform
    without replacement), redrawn until it is in `split`; then the shapes'
    offsets in their cells (`shapes_vqa.render`). The grammar, the ids and
    the split are in the module docstring.

    Args:
        num_examples: Positive integer.
        grid_size: Integer >= 2, the grid side `g`. Default: `7`.
        cell_size: Integer >= 6, pixels per cell side. Default: `8` (56 x
            56 images on the default grid: a 7 x 7 feature grid at stride
            8).
        min_objects: Integer in `[1, MAX_OBJECTS]`. Default: `1`.
        max_objects: Integer in `[min_objects, min(MAX_OBJECTS, g * g)]`.
            Default: `3`.
        jitter: Non-negative integer below `cell_size / 4`; large shapes
            are `cell_size - 2 * jitter` pixels wide (`shape_widths`).
            Default: `1`.
        seed: Non-negative integer or tuple of them (as for
            `numpy.random.default_rng`), the sampling seed. Default: `0`.
        split: `"train"`, `"validation"`, `"test"` or `"all"` (no split).
            Default: `"train"`.
        split_seed: Non-negative integer, the key of the split's hash.
            Default: `0`.
        validation_fraction: Fraction in `[0, 1)` of scenes in validation.
            Default: `0.05`.
        test_fraction: Fraction in `[0, 1)` of scenes in test, with
            `validation_fraction + test_fraction < 1`. Default: `0.1`.

    Returns:
        A `CaptionedScenes` `(images, captions, cells, scenes)`.

    Example:

    >>> examples = captioned_shapes(4, seed=0)
    >>> examples.images.shape, examples.captions.shape, examples.cells.shape
    ((4, 56, 56, 3), (4, 18), (4, 18))
    >>> decode_caption(examples.captions[0]).startswith("a ")
    True
    """
    num_examples = validation.check_positive_int("num_examples", num_examples)
    grid_size = validation.check_int_at_least("grid_size", grid_size, 2)
    cell_size = validation.check_int_at_least("cell_size", cell_size, 6)
    min_objects = validation.check_positive_int("min_objects", min_objects)
    if min_objects > MAX_OBJECTS:
        raise validation.invalid_argument(
            "min_objects", f"an integer in [1, {MAX_OBJECTS}]", min_objects
        )
    max_objects = validation.check_positive_int("max_objects", max_objects)
    highest = min(MAX_OBJECTS, grid_size**2)
    if not min_objects <= max_objects <= highest:
        raise validation.invalid_argument(
            "max_objects",
            f"an integer in [min_objects, min({MAX_OBJECTS}, grid_size ** 2)] = "
            f"[{min_objects}, {highest}]",
            max_objects,
        )
    if not validation.is_integer(jitter) or not 0 <= 4 * jitter < cell_size:
        raise validation.invalid_argument(
            "jitter", "a non-negative integer below cell_size / 4", jitter
        )
    seed = validation.check_seed(seed, allow_tuple=True)
    split = validation.check_choice("split", split, SPLITS)
    split_seed = validation.check_seed(split_seed, name="split_seed")
    validation_fraction, test_fraction = _check_fractions(validation_fraction, test_fraction)
    if split != "all":
        share = {
            "train": 1.0 - validation_fraction - test_fraction,
            "validation": validation_fraction,
            "test": test_fraction,
        }[split]
        if share == 0.0:
            raise validation.invalid_argument(
                "split", "a split that the fractions leave scenes in", split
            )

    rng = np.random.default_rng(seed)
    widths = np.array(shape_widths(cell_size, jitter))
    size = grid_size * cell_size
    images = np.zeros((num_examples, size, size, 3), "float32")
    captions = np.full((num_examples, CAPTION_LENGTH), PAD_ID, "int32")
    cells = np.full((num_examples, CAPTION_LENGTH), NO_CELL, "int32")
    scenes = np.full((num_examples, grid_size, grid_size, 3), EMPTY, "int32")
    for n in range(num_examples):
        while True:
            scene = _draw_scene(rng, grid_size, min_objects, max_objects)
            if split == "all":
                break
            u = _fraction(scene, split_seed)
            if _split_of(u, validation_fraction, test_fraction) == split:
                break
        caption, word_cells = caption_scene(scene)
        scenes[n] = scene
        cell_widths = np.where(scene[..., 0] == EMPTY, 0, widths[scene[..., 2]])
        images[n] = render(scene, cell_size, jitter, rng, widths=cell_widths)
        captions[n] = encode_caption(caption)
        # Position 0 is the start id: word w_i is at position i + 1.
        cells[n, 1 : len(word_cells) + 1] = word_cells
    return CaptionedScenes(images, captions, cells, scenes)


# --- tf.data ----------------------------------------------------------------------


def teacher_forcing_arrays(examples):
    """The teacher-forcing arrays of `CaptionedScenes`.

    Returns:
        `((images, decoder_input_ids), target_ids, target_cells)`:
        `captions[:, :-1]` (start and the words), `captions[:, 1:]` (the
        words and end) and `cells[:, 1:]`, the object cell of each target
        word, all `(N, CAPTION_LENGTH - 1)`.
    """
    if not isinstance(examples, CaptionedScenes):
        raise validation.invalid_argument("examples", "a `CaptionedScenes`", type(examples))
    return (
        (examples.images, examples.captions[:, :-1]),
        examples.captions[:, 1:],
        examples.cells[:, 1:],
    )


def captioned_shapes_dataset(
    examples, batch_size, shuffle=True, seed=0, drop_remainder=False, with_cells=False
):
    """A teacher-forcing `tf.data.Dataset` of `CaptionedScenes`.

    With `shuffle`, the order is drawn with `seed` and redrawn at every
    pass over the data (`reshuffle_each_iteration`), repeatably.

    Args:
        examples: A `CaptionedScenes`.
        batch_size: Positive integer.
        shuffle: Whether to shuffle. Default: `True`.
        seed: Non-negative integer. Default: `0`.
        drop_remainder: Whether to drop the partial last batch. Default:
            `False`.
        with_cells: Whether to add the target words' object cells.
            Default: `False`.

    Returns:
        A `tf.data.Dataset` of `((images, decoder_input_ids), target_ids)`,
        float32 `(B, S, S, 3)`, int32 `(B, T)`, `(B, T)` with `T =
        CAPTION_LENGTH - 1`; with `with_cells`, `((images,
        decoder_input_ids), target_ids, target_cells)`.
    """
    import tensorflow as tf

    inputs, targets, target_cells = teacher_forcing_arrays(examples)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    shuffle = validation.check_bool("shuffle", shuffle)
    seed = validation.check_seed(seed)
    drop_remainder = validation.check_bool("drop_remainder", drop_remainder)
    with_cells = validation.check_bool("with_cells", with_cells)
    parts = (inputs, targets, target_cells) if with_cells else (inputs, targets)
    dataset = tf.data.Dataset.from_tensor_slices(parts)
    if shuffle:
        dataset = dataset.shuffle(len(targets), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder)
