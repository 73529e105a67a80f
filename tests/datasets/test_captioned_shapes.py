"""Captioned shapes: sizes, seeds, and every caption and cell re-derived from its scene."""

import doctest
import importlib

import numpy as np
import pytest

from keras_memory.datasets.captioned_shapes import CAPTION_LENGTH
from keras_memory.datasets.captioned_shapes import CONTENT_WORDS
from keras_memory.datasets.captioned_shapes import END_ID
from keras_memory.datasets.captioned_shapes import MAX_CAPTION_WORDS
from keras_memory.datasets.captioned_shapes import NO_CELL
from keras_memory.datasets.captioned_shapes import PAD_ID
from keras_memory.datasets.captioned_shapes import RELATIONS
from keras_memory.datasets.captioned_shapes import SIZES
from keras_memory.datasets.captioned_shapes import START_ID
from keras_memory.datasets.captioned_shapes import TOKEN_IDS
from keras_memory.datasets.captioned_shapes import VOCABULARY
from keras_memory.datasets.captioned_shapes import CaptionedScenes
from keras_memory.datasets.captioned_shapes import caption_scene
from keras_memory.datasets.captioned_shapes import captioned_shapes
from keras_memory.datasets.captioned_shapes import captioned_shapes_dataset
from keras_memory.datasets.captioned_shapes import decode_caption
from keras_memory.datasets.captioned_shapes import encode_caption
from keras_memory.datasets.captioned_shapes import parse_caption
from keras_memory.datasets.captioned_shapes import relation
from keras_memory.datasets.captioned_shapes import scene_split_fractions
from keras_memory.datasets.captioned_shapes import shape_widths
from keras_memory.datasets.captioned_shapes import teacher_forcing_arrays
from keras_memory.datasets.shapes_vqa import COLOUR_RGB
from keras_memory.datasets.shapes_vqa import COLOURS
from keras_memory.datasets.shapes_vqa import EMPTY
from keras_memory.datasets.shapes_vqa import SHAPES
from keras_memory.datasets.shapes_vqa import shape_mask

# By name: the package may export a function of the module's name.
module = importlib.import_module("keras_memory.datasets.captioned_shapes")


@pytest.fixture(scope="module")
def examples():
    return captioned_shapes(600, seed=3)


def _objects(scene):
    """`{(size, colour, shape): (row, column)}` of a scene, read cell by cell."""
    found = {}
    for r in range(scene.shape[0]):
        for c in range(scene.shape[1]):
            shape_id, colour_id, size_id = scene[r, c]
            if shape_id != EMPTY:
                found[(SIZES[size_id], COLOURS[colour_id], SHAPES[shape_id])] = (r, c)
    return found


def test_shapes_dtypes_and_ids(examples):
    images, captions, cells, scenes = examples
    assert isinstance(examples, CaptionedScenes)
    assert images.shape == (600, 56, 56, 3) and images.dtype == np.float32
    assert captions.shape == cells.shape == (600, CAPTION_LENGTH) == (600, 18)
    assert captions.dtype == cells.dtype == np.int32
    assert scenes.shape == (600, 7, 7, 3) and scenes.dtype == np.int32
    assert set(np.unique(images)) == {0.0, 1.0}
    assert 0 <= captions.min() and captions.max() < len(VOCABULARY)
    np.testing.assert_array_equal(captions[:, 0], START_ID)
    for row in captions:
        end = int(np.flatnonzero(row == END_ID)[0])
        assert (row == END_ID).sum() == 1
        np.testing.assert_array_equal(row[end + 1 :], PAD_ID)
        assert (row[1:end] > END_ID).all()
        assert 5 <= end <= MAX_CAPTION_WORDS + 1
    # Every word and relation occurs; a caption names 1 to 3 objects.
    words = {w for row in captions for w in decode_caption(row).split()}
    assert words == set(VOCABULARY[4:])
    counts = np.bincount([len(_objects(s)) for s in scenes])
    assert counts[0] == 0 and counts[1:].min() > 150 and len(counts) == 4


def test_same_seed_same_data_other_seed_other_data():
    first = captioned_shapes(20, seed=(3, 4))
    second = captioned_shapes(20, seed=[3, 4])
    other = captioned_shapes(20, seed=(3, 5))
    larger = captioned_shapes(30, seed=(3, 4))
    for a, b, c in zip(first, second, larger):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c[:20])
    assert not np.array_equal(first.scenes, other.scenes)


def _expected_relation(first, second):
    """The grammar's relation, written out: the larger displacement wins."""
    (r1, c1), (r2, c2) = first, second
    if abs(r2 - r1) >= abs(c2 - c1):
        return "above" if r1 < r2 else "below"
    return "left of" if c1 < c2 else "right of"


def test_every_caption_is_true_of_its_scene_and_determined_by_it(examples):
    for ids, scene in zip(examples.captions, examples.scenes):
        caption = decode_caption(ids)
        named, relations = parse_caption(caption)
        present = _objects(scene)
        # Every object is named once; none is made up.
        assert sorted(named) == sorted(present), caption
        # The naming order: shape, then colour, then size.
        keys = [(SHAPES.index(s), COLOURS.index(k), SIZES.index(z)) for z, k, s in named]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        assert len(relations) == len(named) - 1
        for a, b, word in zip(named, named[1:], relations):
            assert word == _expected_relation(present[a], present[b]), caption
        assert caption_scene(scene)[0] == caption


def test_cells_name_the_object_of_each_content_word(examples):
    grid = examples.scenes.shape[1]
    for ids, cells, scene in zip(examples.captions, examples.cells, examples.scenes):
        words = [VOCABULARY[i] for i in ids]
        for word, cell in zip(words, cells):
            if word not in CONTENT_WORDS:
                assert cell == NO_CELL
                continue
            shape_id, colour_id, size_id = scene[cell // grid, cell % grid]
            assert word in (SHAPES[shape_id], COLOURS[colour_id], SIZES[size_id])
        # The three content words of one object share its cell.
        content = [c for w, c in zip(words, cells) if w in CONTENT_WORDS]
        assert all(len(set(content[i : i + 3])) == 1 for i in range(0, len(content), 3))
        present = _objects(scene)
        named, _ = parse_caption(decode_caption(ids))
        expected = [present[o][0] * grid + present[o][1] for o in named]
        assert content[::3] == expected


def test_captions_of_hand_made_scenes():
    scene = np.full((7, 7, 3), EMPTY)
    scene[0, 0] = (0, 0, 0)  # a small red square
    scene[0, 5] = (1, 1, 1)  # a large green circle
    scene[6, 6] = (2, 2, 0)  # a small blue triangle
    caption, cells = caption_scene(scene)
    assert caption == (
        "a small red square left of a large green circle above a small blue triangle"
    )
    assert cells == [-1, 0, 0, 0, -1, -1, -1, 5, 5, 5, -1, -1, 48, 48, 48]
    assert parse_caption(caption) == (
        [("small", "red", "square"), ("large", "green", "circle"), ("small", "blue", "triangle")],
        ["left of", "above"],
    )
    single = np.full((7, 7, 3), EMPTY)
    single[3, 4] = (2, 3, 1)
    assert caption_scene(single) == ("a large yellow triangle", [-1, 25, 25, 25])
    assert relation((1, 1), (3, 3)) == "above"  # a diagonal is vertical
    assert relation((3, 3), (1, 1)) == "below"
    assert relation((2, 0), (2, 4)) == "left of"
    assert relation((2, 4), (1, 0)) == "right of"
    assert set(RELATIONS) == {"above", "below", "left of", "right of"}


def test_vocabulary_round_trip(examples):
    assert VOCABULARY[:4] == ("<pad>", "<start>", "<end>", "<unk>")
    assert (PAD_ID, START_ID, END_ID) == (0, 1, 2)
    assert len(set(VOCABULARY)) == len(VOCABULARY) == 19
    for ids in examples.captions[:100]:
        np.testing.assert_array_equal(encode_caption(decode_caption(ids)), ids)
    ids = encode_caption("a large blue circle below a small red square")
    expected = [1, 4, 11, 14, 17, 6, 4, 10, 12, 16, 2] + [0] * 7
    np.testing.assert_array_equal(ids, expected)
    assert [TOKEN_IDS[w] for w in ("a", "below", "circle")] == [4, 6, 17]
    # A decoder's output: no start id, stops at the first end id.
    assert decode_caption([4, 10, 12, 16, 2, 4, 11]) == "a small red square"
    assert decode_caption([4, 3, 16]) == "a <unk> square"
    assert decode_caption([]) == ""


def test_images_show_their_scenes(examples):
    small, large = shape_widths(8, 1)
    assert (small, large) == (4, 6)
    for image, scene in zip(examples.images[:150], examples.scenes[:150]):
        for r in range(7):
            for c in range(7):
                cell = image[8 * r : 8 * r + 8, 8 * c : 8 * c + 8]
                shape_id, colour_id, size_id = scene[r, c]
                if shape_id == EMPTY:
                    np.testing.assert_array_equal(cell, 0.0)
                    continue
                lit = cell.max(-1) > 0
                assert {tuple(p) for p in cell[lit]} == {COLOUR_RGB[COLOURS[colour_id]]}
                width = (small, large)[size_id]
                assert lit.sum() == shape_mask(SHAPES[shape_id], width).sum()
                rows, cols = np.nonzero(lit)
                assert rows.max() - rows.min() < width and cols.max() - cols.min() < width


def test_other_sizes():
    data = captioned_shapes(
        30, grid_size=4, cell_size=12, jitter=2, min_objects=2, max_objects=2, seed=1
    )
    assert data.images.shape == (30, 48, 48, 3) and data.scenes.shape == (30, 4, 4, 3)
    assert shape_widths(12, 2) == (6, 8)
    assert all(len(_objects(s)) == 2 for s in data.scenes)
    assert data.cells.max() < 16
    tiny = captioned_shapes(10, grid_size=2, cell_size=6, jitter=1, seed=0)
    assert tiny.images.shape == (10, 12, 12, 3)


def test_held_out_scenes_are_never_in_training():
    train = captioned_shapes(800, seed=0, split="train")
    test = captioned_shapes(300, seed=0, split="test")
    other_seed = captioned_shapes(300, seed=7, split="test")
    validation_split = captioned_shapes(100, seed=0, split="validation")
    keys = {
        name: {s.tobytes() for s in data.scenes}
        for name, data in [
            ("train", train),
            ("test", test),
            ("seven", other_seed),
            ("validation", validation_split),
        ]
    }
    assert not keys["train"] & keys["test"]
    assert not keys["train"] & keys["seven"]
    assert not keys["train"] & keys["validation"]
    assert not keys["test"] & keys["validation"]
    assert (scene_split_fractions(test.scenes) < 0.1).all()
    assert (scene_split_fractions(train.scenes) >= 0.15).all()
    u = scene_split_fractions(validation_split.scenes)
    assert ((u >= 0.1) & (u < 0.15)).all()
    # The split key changes the split; "all" takes every scene.
    assert not np.array_equal(
        scene_split_fractions(test.scenes), scene_split_fractions(test.scenes, split_seed=1)
    )
    everything = scene_split_fractions(captioned_shapes(400, seed=2, split="all").scenes)
    assert 0.03 < (everything < 0.1).mean() < 0.2
    # Single-object scenes are few (49 cells x 24 kinds): the split still holds.
    singles_train = captioned_shapes(300, max_objects=1, seed=0, split="train").scenes
    singles_test = captioned_shapes(100, max_objects=1, seed=0, split="test").scenes
    assert not {s.tobytes() for s in singles_train} & {s.tobytes() for s in singles_test}


def test_dataset_batches_and_shuffles(examples):
    part = CaptionedScenes(*(array[:10] for array in examples))
    (images, inputs), targets, cells = teacher_forcing_arrays(part)
    np.testing.assert_array_equal(inputs, part.captions[:, :-1])
    np.testing.assert_array_equal(targets, part.captions[:, 1:])
    np.testing.assert_array_equal(cells, part.cells[:, 1:])
    batches = list(captioned_shapes_dataset(part, 4, shuffle=False).as_numpy_iterator())
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    (first_images, first_inputs), first_targets = batches[0]
    np.testing.assert_array_equal(first_images, part.images[:4])
    np.testing.assert_array_equal(first_inputs, part.captions[:4, :-1])
    np.testing.assert_array_equal(first_targets, part.captions[:4, 1:])
    with_cells = next(
        captioned_shapes_dataset(part, 4, shuffle=False, with_cells=True).as_numpy_iterator()
    )
    np.testing.assert_array_equal(with_cells[2], part.cells[:4, 1:])
    dropped = list(captioned_shapes_dataset(part, 4, drop_remainder=True).as_numpy_iterator())
    assert len(dropped) == 2

    def orders(dataset):
        return [
            np.concatenate(
                [b[1][:, 1] * 100 + b[1][:, 2] for b in dataset.as_numpy_iterator()]
            ).tolist()
            for _ in range(2)
        ]

    shuffled = orders(captioned_shapes_dataset(examples, 200, seed=5))
    again = orders(captioned_shapes_dataset(examples, 200, seed=5))
    assert shuffled == again
    assert shuffled[0] != shuffled[1]  # reshuffled at every pass


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"num_examples": 0}, "num_examples"),
        ({"grid_size": 1}, "grid_size"),
        ({"cell_size": 5}, "cell_size"),
        ({"min_objects": 0}, "min_objects"),
        ({"min_objects": 4, "max_objects": 4}, "min_objects"),
        ({"min_objects": 2, "max_objects": 1}, "max_objects"),
        ({"max_objects": 4}, "max_objects"),
        ({"jitter": -1}, "jitter"),
        ({"jitter": 2}, "jitter"),  # 4 * jitter must stay below cell_size (8)
        ({"jitter": 0.5}, "jitter"),
        ({"seed": -1}, "seed"),
        ({"split": "dev"}, "split"),
        ({"split_seed": -1}, "split_seed"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"validation_fraction": 0.5, "test_fraction": 0.5}, "test_fraction"),
        ({"split": "validation", "validation_fraction": 0.0}, "split"),
    ],
)
def test_bad_generator_arguments(arguments, name):
    with pytest.raises(ValueError, match=f"argument `{name}`"):
        captioned_shapes(**{"num_examples": 2, **arguments})


@pytest.mark.parametrize(
    "caption",
    [
        "",
        "a huge red square",
        "a <pad> red square",
        "<start> a small red square",
        7,
        " ".join(["a small red square above"] * 4) + " a small red square",
    ],
)
def test_bad_captions_to_encode(caption):
    with pytest.raises(ValueError, match="argument `caption`"):
        encode_caption(caption)


@pytest.mark.parametrize(
    "caption",
    [
        "",
        "a small red",
        "a small red square next to a large red circle",
        "a small square red",
        "a small red square above",
        "small red square",
        None,
    ],
)
def test_bad_captions_to_parse(caption):
    with pytest.raises(ValueError, match="argument `caption`"):
        parse_caption(caption)


def test_other_bad_arguments(examples):
    with pytest.raises(ValueError, match="argument `ids`"):
        decode_caption([[1, 2]])
    with pytest.raises(ValueError, match="argument `ids`"):
        decode_caption([1, 19])
    with pytest.raises(ValueError, match="argument `ids`"):
        decode_caption([1.0, 2.0])
    empty = np.full((7, 7, 3), EMPTY)
    with pytest.raises(ValueError, match="argument `scene`"):
        caption_scene(empty)
    crowded = empty.copy()
    crowded[0, :4] = [(0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 0)]
    with pytest.raises(ValueError, match="argument `scene`"):
        caption_scene(crowded)
    twins = empty.copy()
    twins[0, :2] = (1, 1, 1)
    with pytest.raises(ValueError, match="argument `scene`"):
        caption_scene(twins)
    with pytest.raises(ValueError, match="argument `scene`"):
        caption_scene(np.full((7, 7, 2), EMPTY))
    with pytest.raises(ValueError, match="argument `second`"):
        relation((1, 1), (1, 1))
    with pytest.raises(ValueError, match="argument `scenes`"):
        scene_split_fractions(examples.scenes[0])
    with pytest.raises(ValueError, match="argument `split_seed`"):
        scene_split_fractions(examples.scenes, split_seed=-2)
    with pytest.raises(ValueError, match="argument `examples`"):
        captioned_shapes_dataset(tuple(examples), 4)
    with pytest.raises(ValueError, match="argument `batch_size`"):
        captioned_shapes_dataset(examples, 0)
    with pytest.raises(ValueError, match="argument `shuffle`"):
        captioned_shapes_dataset(examples, 4, shuffle=1)
    with pytest.raises(ValueError, match="argument `with_cells`"):
        captioned_shapes_dataset(examples, 4, with_cells="yes")


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0
