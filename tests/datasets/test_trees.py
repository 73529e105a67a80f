"""Tree arrays, the bracket parser and the expression trees, by hand."""

import numpy as np
import pytest

from keras_memory.datasets import build_tree_vocabulary
from keras_memory.datasets import expression_trees
from keras_memory.datasets import parse_bracketed
from keras_memory.datasets import tree_arrays
from keras_memory.datasets.expression_trees import EXPRESSION_VOCABULARY

PTB = "(S (NP (DT the) (NN cat)) (VP (VBD sat)))"


def test_parse_penn_treebank_brackets():
    assert parse_bracketed(PTB) == (
        "S",
        [("NP", [("DT", [("the", [])]), ("NN", [("cat", [])])]), ("VP", [("VBD", [("sat", [])])])],
    )
    assert parse_bracketed("word") == ("word", [])


@pytest.mark.parametrize("text", ["", "(S (NP a)", "(S a))", "( (a))", ")", "(S a) b", 3])
def test_malformed_brackets_name_the_argument(text):
    with pytest.raises(ValueError, match="`text`"):
        parse_bracketed(text)


def test_tree_arrays_are_post_order_with_the_root_last():
    tree = parse_bracketed(PTB)
    vocabulary = build_tree_vocabulary([tree, ("x", [])])
    arrays = tree_arrays([tree, ("x", [])], vocabulary, max_nodes=10)
    inverse = {i: t for t, i in vocabulary.items()}
    tokens = [inverse[i] for i in arrays.tokens[0, : arrays.nodes[0]]]
    assert tokens == ["the", "DT", "cat", "NN", "NP", "sat", "VBD", "VP", "S"]
    assert arrays.children[0, 8].tolist() == [4, 7]  # S = (NP, VP)
    assert arrays.children[0, 4].tolist() == [1, 3]  # NP = (DT, NN)
    assert arrays.children[0, 7].tolist() == [6, -1]  # VP = (VBD)
    assert arrays.levels.tolist() == [4, 1] and arrays.nodes.tolist() == [9, 1]
    assert arrays.tokens.shape == (2, 10) and (arrays.tokens[1, 1:] == 0).all()
    # Children always come before their parent.
    for row in range(2):
        for node in range(arrays.nodes[row]):
            assert all(k < node for k in arrays.children[row, node] if k >= 0)


def test_tree_arrays_refuse_what_does_not_fit():
    tree = parse_bracketed("(A a b c)")
    with pytest.raises(ValueError, match="`max_nodes`"):
        tree_arrays([tree], build_tree_vocabulary([tree]), max_nodes=3)
    with pytest.raises(ValueError, match="`child_slots`"):
        tree_arrays([tree], build_tree_vocabulary([tree]), child_slots=2)
    with pytest.raises(ValueError, match="`vocabulary`"):
        tree_arrays([tree], {"A": 1})
    with pytest.raises(ValueError, match="`trees`"):
        tree_arrays([("A", "not a list")], {"A": 1})
    # An unknown token maps to <unk> when the vocabulary has it.
    arrays = tree_arrays([tree], {"<pad>": 0, "<unk>": 1, "A": 2})
    assert arrays.tokens[0].tolist() == [1, 1, 1, 2]


def _evaluate(tokens, children, node):
    inverse = {i: t for t, i in EXPRESSION_VOCABULARY.items()}
    token = inverse[int(tokens[node])]
    if token.isdigit():
        return token
    left, right = (_evaluate(tokens, children, int(k)) for k in children[node])
    return f"( {left} {token} {right} )"


def _value(string):
    """The value of a bracketed expression, by Python (max and min as calls)."""
    tokens = string.split()

    def read(position):
        if tokens[position] != "(":
            return int(tokens[position]), position + 1
        left, position = read(position + 1)
        operator = tokens[position]
        right, position = read(position + 1)
        value = {"max": max, "min": min}[operator](left, right) if operator in ("max", "min") \
            else eval(f"{left} {operator} {right}") % 10
        return value, position + 1  # the ")"

    return read(0)[0]


@pytest.mark.parametrize("operators", [("+", "-"), ("+", "-", "*", "max", "min")])
def test_expressions_values_trees_and_text_agree(operators):
    data = expression_trees(300, min_depth=0, max_depth=6, operators=operators, seed=4)
    inverse = {i: t for t, i in EXPRESSION_VOCABULARY.items()}
    assert set(data.depths.tolist()) == set(range(7))
    np.testing.assert_array_equal(data.trees.levels, data.depths + 1)
    for row, string in enumerate(data.strings):
        # The text is the string's tokens; its value (mod 10) is the label.
        text = " ".join(inverse[i] for i in data.text[row] if i)
        assert text == string
        assert _value(string) == data.labels[row]
        # The tree, read from the root (the last node), is the same expression.
        root = int(data.trees.nodes[row]) - 1
        assert _evaluate(data.trees.tokens[row], data.trees.children[row], root) == string
        # The nested pairs write the same arrays.
        again = tree_arrays([data.nested[row]], EXPRESSION_VOCABULARY, child_slots=2)
        np.testing.assert_array_equal(
            again.tokens[0], data.trees.tokens[row, : data.trees.nodes[row]]
        )
    assert len(set(data.labels.tolist())) == 10


def test_expressions_are_seeded_and_small_at_depth():
    first, second = expression_trees(50, max_depth=8, seed=2), expression_trees(50, max_depth=8,
                                                                                seed=2)
    np.testing.assert_array_equal(first.trees.tokens, second.trees.tokens)
    assert first.strings == second.strings
    # One full-depth path, shallow siblings: at most 8 * (1 + 7) + 1 nodes.
    assert first.trees.nodes.max() <= 65


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"num_examples": 0}, "num_examples"),
        ({"num_examples": 2, "min_depth": -1}, "min_depth"),
        ({"num_examples": 2, "operators": ("/",)}, "operators"),
        ({"num_examples": 2, "operators": "+"}, "operators"),
        ({"num_examples": 2, "operators": []}, "operators"),
        ({"num_examples": 2, "min_depth": 3, "max_depth": 2}, "max_depth"),
        ({"num_examples": 2, "max_depth": 3, "min_depth": 3, "max_nodes": 2}, "max_nodes"),
        ({"num_examples": 2, "max_depth": 3, "min_depth": 3, "max_length": 2}, "max_length"),
    ],
)
def test_bad_arguments_name_the_argument(arguments, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        expression_trees(**arguments)
