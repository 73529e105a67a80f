"""Arithmetic expressions over digits: trees with known values, and their text.

Each expression is a binary tree of operators over digits (`+`, `-` and
`*` modulo 10, `max`, `min`); its value (0 to 9) is the label. The depth is
the number of operator levels on the longest path (a lone digit has depth
0), drawn uniformly from `[min_depth, max_depth]`: along one path from the
root every operator has an operand of the full remaining depth, the other
operand is shallower (at most two levels), so a tree of depth `d` has
`O(d)` nodes and deep trees stay small enough to batch.

Two views of each expression, for a tree model and a sequence model on the
same data: the tree as `TreeArrays` (tokens in post-order, root last), and
the fully bracketed infix text `( 3 + ( 4 * 2 ) )` as token ids. A model
trained on shallow trees and tested on deeper ones measures how a model
generalises with depth (the tree model composes the same operation at every
level; a sequence model must learn to keep a stack).
"""

import typing

import numpy as np

from keras_memory import validation
from keras_memory.datasets.trees import PAD
from keras_memory.datasets.trees import UNKNOWN
from keras_memory.datasets.trees import TreeArrays
from keras_memory.datasets.trees import tree_arrays

OPERATORS = ("+", "-", "*", "max", "min")  # every operator the vocabulary has
# Token ids shared by the tree and the text: 0 padding, 1 unknown, the
# digits, the operators, then the brackets (in the text only).
EXPRESSION_VOCABULARY = {
    PAD: 0,
    UNKNOWN: 1,
    **{str(digit): 2 + digit for digit in range(10)},
    **{operator: 12 + index for index, operator in enumerate(OPERATORS)},
    "(": 17,
    ")": 18,
}
_APPLY = {
    "+": lambda a, b: (a + b) % 10,
    "-": lambda a, b: (a - b) % 10,
    "*": lambda a, b: (a * b) % 10,
    "max": max,
    "min": min,
}


class ExpressionTrees(typing.NamedTuple):
    """Expressions as trees and as text, with their values.

    Attributes:
        trees: The `TreeArrays` (node tokens, children, levels, nodes).
        text: int32 `(examples, text length)`, the bracketed infix token
            ids of `EXPRESSION_VOCABULARY`, padded with 0.
        labels: int32 `(examples,)`, each expression's value modulo 10.
        depths: int32 `(examples,)`, operator levels (`levels - 1`).
        strings: The expressions as text, e.g. `"( 3 + ( 4 * 2 ) )"`.
        nested: The expressions as nested `(token, [children])` pairs,
            e.g. `("+", [("3", []), ("*", [("4", []), ("2", [])])])`.
    """

    trees: TreeArrays
    text: np.ndarray
    labels: np.ndarray
    depths: np.ndarray
    strings: list
    nested: list


def _expression(rng, depth, operators):
    """`(tree, value, tokens)` of a random expression of exactly `depth`."""
    if depth == 0:
        digit = int(rng.integers(10))
        return (str(digit), []), digit, [str(digit)]
    operator = operators[int(rng.integers(len(operators)))]
    deep = _expression(rng, depth - 1, operators)
    shallow = _expression(rng, int(rng.integers(0, min(depth - 1, 2) + 1)), operators)
    left, right = (deep, shallow) if rng.random() < 0.5 else (shallow, deep)
    value = _APPLY[operator](left[1], right[1])
    tokens = ["(", *left[2], operator, *right[2], ")"]
    return (operator, [left[0], right[0]]), value, tokens


def expression_trees(
    num_examples,
    min_depth=1,
    max_depth=4,
    operators=("max", "min"),
    seed=0,
    max_nodes=None,
    max_length=None,
):
    """Random arithmetic expressions modulo 10, as trees and as text.

    Args:
        num_examples: Positive integer.
        min_depth: Non-negative integer, the shallowest operator depth.
            Default: `1`.
        max_depth: Integer >= `min_depth`, the deepest. Default: `4`.
        operators: A non-empty list of operators among `OPERATORS`: `"+"`,
            `"-"`, `"*"` (modulo 10), `"max"`, `"min"`. Default: `("max",
            "min")`, the nested maxima and minima of ListOps (Nangia and
            Bowman 2018), which a tree model learns in minutes. Modular
            `+` and `-` are learned far more slowly (a model memorises the
            training expressions long before it generalises), and with
            `"*"` values drift to 0 as depth grows.
        seed: Non-negative integer (or tuple of them). Default: `0`.
        max_nodes: Optional node slots of the tree arrays (fixed shapes for
            one compile); default the largest tree's nodes.
        max_length: Optional text length; default the longest text's.

    Returns:
        An `ExpressionTrees`.

    Example:

    >>> from keras_memory.datasets import expression_trees
    >>> data = expression_trees(3, min_depth=2, max_depth=2, seed=1)
    >>> data.depths.tolist(), data.trees.levels.tolist()
    ([2, 2, 2], [3, 3, 3])
    """
    num_examples = validation.check_positive_int("num_examples", num_examples)
    min_depth = validation.check_int_at_least("min_depth", min_depth, 0)
    max_depth = validation.check_int_at_least("max_depth", max_depth, min_depth)
    if max_depth > 64:
        raise validation.invalid_argument("max_depth", "an integer from min_depth to 64", max_depth)
    if (
        isinstance(operators, (str, bytes))
        or not isinstance(operators, (list, tuple))
        or not operators
        or any(not isinstance(o, str) or o not in OPERATORS for o in operators)
    ):
        raise validation.invalid_argument(
            "operators", f"a non-empty list of operators among {OPERATORS}", operators
        )
    operators = tuple(operators)
    rng = np.random.default_rng(validation.check_seed(seed, allow_tuple=True))
    depths = rng.integers(min_depth, max_depth + 1, num_examples)
    trees, labels, texts = [], [], []
    for depth in depths:
        tree, value, tokens = _expression(rng, int(depth), operators)
        trees.append(tree)
        labels.append(value)
        texts.append(tokens)
    arrays = tree_arrays(trees, EXPRESSION_VOCABULARY, max_nodes=max_nodes, child_slots=2)
    longest = max(len(tokens) for tokens in texts)
    if max_length is None:
        max_length = longest
    max_length = validation.check_positive_int("max_length", max_length)
    if longest > max_length:
        raise validation.invalid_argument(
            "max_length", f"at least the longest text's {longest} tokens", max_length
        )
    text = np.zeros((num_examples, max_length), "int32")
    for row, tokens in enumerate(texts):
        text[row, : len(tokens)] = [EXPRESSION_VOCABULARY[token] for token in tokens]
    return ExpressionTrees(
        trees=arrays,
        text=text,
        labels=np.array(labels, "int32"),
        depths=depths.astype("int32"),
        strings=[" ".join(tokens) for tokens in texts],
        nested=trees,
    )
