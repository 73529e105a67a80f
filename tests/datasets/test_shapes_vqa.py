"""Shapes VQA: shapes, seeds, and every answer re-derived from its scene."""

import doctest
import importlib

import numpy as np
import pytest

from keras_memory.datasets.shapes_vqa import ANSWERS
from keras_memory.datasets.shapes_vqa import COLOUR_RGB
from keras_memory.datasets.shapes_vqa import COLOURS
from keras_memory.datasets.shapes_vqa import EMPTY
from keras_memory.datasets.shapes_vqa import MAX_QUESTION_LENGTH
from keras_memory.datasets.shapes_vqa import QUESTION_TYPES
from keras_memory.datasets.shapes_vqa import SHAPES
from keras_memory.datasets.shapes_vqa import VOCABULARY
from keras_memory.datasets.shapes_vqa import answer_names
from keras_memory.datasets.shapes_vqa import decode_question
from keras_memory.datasets.shapes_vqa import encode_question
from keras_memory.datasets.shapes_vqa import shapes_vqa

# By name: `keras_memory.datasets.shapes_vqa` may be the function of that name.
vqa = importlib.import_module("keras_memory.datasets.shapes_vqa")


def test_shapes_dtypes_and_ranges():
    images, questions, answers, scenes = shapes_vqa(50, seed=1, return_scenes=True)
    assert images.shape == (50, 24, 24, 3) and images.dtype == np.float32
    assert questions.shape == (50, MAX_QUESTION_LENGTH) and questions.dtype == np.int32
    assert answers.shape == (50,) and answers.dtype == np.int32
    assert scenes.shape == (50, 3, 3, 2) and scenes.dtype == np.int32
    assert images.min() == 0.0 and images.max() == 1.0
    assert 0 <= questions.min() and questions.max() < len(VOCABULARY)
    assert 0 <= answers.min() and answers.max() < len(ANSWERS)
    # Padding only at the end of a question.
    for row in questions:
        length = np.count_nonzero(row)
        np.testing.assert_array_equal(row[length:], 0)
        assert (row[:length] != 0).all()


def test_other_sizes():
    images, questions, answers, scenes = shapes_vqa(
        20, grid_size=4, cell_size=6, min_objects=2, max_objects=9, seed=2,
        return_scenes=True,
    )
    assert images.shape == (20, 24, 24, 3) and scenes.shape == (20, 4, 4, 2)
    assert answers.max() < len(answer_names(4)) == 4 + 3 + 2 + 16
    assert answer_names(4)[-1] == "row 3 column 3"


def test_same_seed_same_data_other_seed_other_data():
    first = shapes_vqa(30, seed=(3, 4), return_scenes=True)
    second = shapes_vqa(30, seed=(3, 4), return_scenes=True)
    other = shapes_vqa(30, seed=(3, 5), return_scenes=True)
    as_list = shapes_vqa(30, seed=[3, 4], return_scenes=True)
    for a, b, c in zip(first, second, as_list):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert not np.array_equal(first[0], other[0])


def test_prefix_of_a_larger_draw_is_not_required_but_repeats():
    # Generation is sequential: the first examples of a bigger draw are the
    # same as a smaller draw with the same seed.
    small = shapes_vqa(5, seed=9)
    large = shapes_vqa(12, seed=9)
    for a, b in zip(small, large):
        np.testing.assert_array_equal(a, b[:5])


def _answer_from_scene(question, scene):
    """The answer to `question` (a string), derived from the scene alone.

    Returns the set of correct answers, so that a question with several
    (a shape that appears twice) shows up as a set of more than one.
    """
    words = question.split()
    objects = [
        (r, c, SHAPES[s], COLOURS[k])
        for r in range(scene.shape[0])
        for c in range(scene.shape[1])
        for s, k in [scene[r, c]]
        if s != EMPTY
    ]
    positions = vqa.position_names(scene.shape[0])
    if words[:2] == ["what", "colour"]:
        return {k for _, _, s, k in objects if s == words[4]}
    if words[:2] == ["what", "shape"]:
        return {s for _, _, s, k in objects if k == words[4]}
    if words[:2] == ["is", "there"]:
        present = any(k == words[3] and s == words[4] for _, _, s, k in objects)
        return {"yes" if present else "no"}
    assert words[:2] == ["where", "is"]
    return {
        positions[r * scene.shape[0] + c]
        for r, c, s, k in objects
        if k == words[3] and s == words[4]
    }


@pytest.mark.parametrize("grid_size", [3, 4])
def test_every_answer_is_the_unique_answer_of_its_scene(grid_size):
    images, questions, answers, scenes = shapes_vqa(
        400, grid_size=grid_size, max_objects=6, seed=5, return_scenes=True
    )
    names = answer_names(grid_size)
    for question, answer, scene in zip(questions, answers, scenes):
        text = decode_question(question)
        assert _answer_from_scene(text, scene) == {names[answer]}, text


def test_images_show_their_scenes():
    images, _, _, scenes = shapes_vqa(100, seed=6, return_scenes=True)
    for image, scene in zip(images, scenes):
        for r in range(3):
            for c in range(3):
                cell = image[8 * r : 8 * r + 8, 8 * c : 8 * c + 8]
                shape_id, colour_id = scene[r, c]
                if shape_id == EMPTY:
                    np.testing.assert_array_equal(cell, 0.0)
                    continue
                lit = cell.max(-1) > 0
                colours = {tuple(p) for p in cell[lit]}
                assert colours == {COLOUR_RGB[COLOURS[colour_id]]}
                # Squares fill their 6x6 box; circles and triangles less.
                expected = vqa.shape_mask(SHAPES[shape_id], 6).sum()
                assert lit.sum() == expected
                # The shape stays inside its cell, jittered by at most 1.
                rows, cols = np.nonzero(lit)
                assert rows.max() - rows.min() < 6 and cols.max() - cols.min() < 6


def test_shapes_are_distinct():
    masks = [vqa.shape_mask(s, 6) for s in SHAPES]
    sizes = [m.sum() for m in masks]
    assert sizes[0] == 36 and len(set(sizes)) == 3


def test_question_types_and_balance():
    _, questions, answers = shapes_vqa(2000, seed=7)
    first = questions[:, 0]
    kinds = {
        "what": np.mean(first == vqa.TOKEN_IDS["what"]),
        "is": np.mean(first == vqa.TOKEN_IDS["is"]),
        "where": np.mean(first == vqa.TOKEN_IDS["where"]),
    }
    assert abs(kinds["what"] - 0.5) < 0.05  # colour and shape questions
    assert abs(kinds["is"] - 0.25) < 0.04 and abs(kinds["where"] - 0.25) < 0.04
    yes_no = answers[first == vqa.TOKEN_IDS["is"]]
    assert abs(np.mean(yes_no == vqa.ANSWER_IDS["yes"]) - 0.5) < 0.06


@pytest.mark.parametrize("question_type", QUESTION_TYPES)
def test_a_single_question_type(question_type):
    _, questions, answers = shapes_vqa(50, question_types=[question_type], seed=8)
    allowed = {
        "colour": set(COLOURS),
        "shape": set(SHAPES),
        "exists": {"yes", "no"},
        "where": set(vqa.position_names(3)),
    }[question_type]
    assert {ANSWERS[a] for a in answers} <= allowed


def test_encode_and_decode_questions():
    ids = encode_question("what shape is the red object ?")
    assert ids.shape == (MAX_QUESTION_LENGTH,) and ids.dtype == np.int32
    assert decode_question(ids) == "what shape is the red object ?"
    with pytest.raises(ValueError, match="argument `text`"):
        encode_question("what is the purple square ?")


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"num_examples": 0}, "num_examples"),
        ({"grid_size": 0}, "grid_size"),
        ({"cell_size": 3}, "cell_size"),
        ({"min_objects": 0}, "min_objects"),
        ({"min_objects": 4, "max_objects": 3}, "max_objects"),
        ({"max_objects": 10}, "max_objects"),
        ({"jitter": 2}, "jitter"),
        ({"jitter": -1}, "jitter"),
        ({"question_types": ["when"]}, "question_types"),
        ({"question_types": []}, "question_types"),
        ({"question_types": "where"}, "question_types"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": (1, -1)}, "seed"),
        ({"seed": ()}, "seed"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    arguments = {"num_examples": 4, **kwargs}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        shapes_vqa(**arguments)


def test_docstring_example_runs():
    result = doctest.testmod(vqa, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
