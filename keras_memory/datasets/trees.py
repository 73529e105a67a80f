"""Trees as the arrays `keras_memory.layers.TreeRNN` reads, and a bracket parser.

A tree is a nested pair `(token, children)`: `token` a string (a word at a
leaf, a label or operator at an inner node) and `children` a list of trees,
empty at a leaf. `tree_arrays` writes a batch of them as padded arrays,
every node after its children (post-order), the root last; `parse_bracketed`
reads the Penn Treebank's bracketed notation into them, so that a parsed
corpus (constituency trees such as the Stanford Sentiment Treebank's) feeds
the layer directly.
"""

import re
import typing

import numpy as np

from keras_memory import validation

PAD = "<pad>"  # token id 0: padding nodes
UNKNOWN = "<unk>"  # token id 1: a token outside the vocabulary


class TreeArrays(typing.NamedTuple):
    """A batch of trees as padded arrays.

    Attributes:
        tokens: int32 `(trees, node slots)`, each node's token id; 0 at
            padding nodes, so `keras.layers.Embedding(mask_zero=True)` over
            it gives `TreeRNN` its node mask.
        children: int32 `(trees, node slots, child slots)`, the node
            indices of each node's children in order, -1 for an empty slot.
        levels: int32 `(trees,)`, each tree's levels (a leaf alone has 1):
            the `max_levels` that `TreeRNN` needs for it.
        nodes: int32 `(trees,)`, each tree's number of nodes.
    """

    tokens: np.ndarray
    children: np.ndarray
    levels: np.ndarray
    nodes: np.ndarray


def _check_tree(tree, argument="trees"):
    if (
        not isinstance(tree, (tuple, list))
        or len(tree) != 2
        or not isinstance(tree[0], str)
        or not isinstance(tree[1], (tuple, list))
    ):
        raise validation.invalid_argument(
            argument, "trees as nested (token, [children]) pairs with string tokens", tree
        )


def _post_order(tree):
    """`[(token, [child node indices])]`, children first, and the levels."""
    nodes = []

    def visit(node):
        _check_tree(node)
        token, children = node
        indices, levels = [], 0
        for child in children:
            index, child_levels = visit(child)
            indices.append(index)
            levels = max(levels, child_levels)
        nodes.append((token, indices))
        return len(nodes) - 1, levels + 1

    _, levels = visit(tree)
    return nodes, levels


def build_tree_vocabulary(trees):
    """`{token: id}` over every node token of `trees`, `PAD` 0 and `UNKNOWN` 1."""
    vocabulary = {PAD: 0, UNKNOWN: 1}
    for tree in trees:
        for token, _ in _post_order(tree)[0]:
            vocabulary.setdefault(token, len(vocabulary))
    return vocabulary


def tree_arrays(trees, vocabulary, max_nodes=None, child_slots=None):
    """Writes trees as the padded arrays of `TreeRNN`.

    Args:
        trees: A list of nested `(token, [children])` pairs.
        vocabulary: A `{token: id}` dict with ids >= 1 (0 is padding); a
            token missing from it gets the id of `UNKNOWN` when the
            vocabulary has one, else raises.
        max_nodes: Optional positive integer, the node slots (so that
            batches share one shape and one compile); default the largest
            tree's node count. A larger tree raises.
        child_slots: Optional positive integer, the child slots of a node;
            default the largest number of children in `trees`. A node with
            more children raises.

    Returns:
        A `TreeArrays`.

    Example:

    >>> from keras_memory.datasets import build_tree_vocabulary, parse_bracketed, tree_arrays
    >>> tree = parse_bracketed("(S (NP the cat) (VP sat))")
    >>> arrays = tree_arrays([tree], build_tree_vocabulary([tree]))
    >>> arrays.children[0].tolist()
    [[-1, -1], [-1, -1], [0, 1], [-1, -1], [3, -1], [2, 4]]
    >>> arrays.levels.tolist(), arrays.nodes.tolist()
    ([3], [6])
    """
    if isinstance(trees, (str, bytes)) or not isinstance(trees, (list, tuple)) or not trees:
        raise validation.invalid_argument("trees", "a non-empty list of trees", trees)
    if not isinstance(vocabulary, dict):
        raise validation.invalid_argument("vocabulary", "a {token: id} dict", vocabulary)
    flattened = [_post_order(tree) for tree in trees]
    largest = max(len(nodes) for nodes, _ in flattened)
    widest = max(max(len(indices) for _, indices in nodes) for nodes, _ in flattened)
    if max_nodes is None:
        max_nodes = largest
    max_nodes = validation.check_positive_int("max_nodes", max_nodes)
    if largest > max_nodes:
        raise validation.invalid_argument(
            "max_nodes", f"at least the largest tree's {largest} nodes", max_nodes
        )
    if child_slots is None:
        child_slots = max(widest, 1)
    child_slots = validation.check_positive_int("child_slots", child_slots)
    if widest > child_slots:
        raise validation.invalid_argument(
            "child_slots", f"at least the widest node's {widest} children", child_slots
        )
    tokens = np.zeros((len(trees), max_nodes), "int32")
    children = np.full((len(trees), max_nodes, child_slots), -1, "int32")
    for row, (nodes, _) in enumerate(flattened):
        for index, (token, indices) in enumerate(nodes):
            if token in vocabulary:
                tokens[row, index] = vocabulary[token]
            elif UNKNOWN in vocabulary:
                tokens[row, index] = vocabulary[UNKNOWN]
            else:
                raise validation.invalid_argument(
                    "vocabulary", f"a dict holding every token (or {UNKNOWN!r})", token
                )
            children[row, index, : len(indices)] = indices
    levels = np.array([levels for _, levels in flattened], "int32")
    counts = np.array([len(nodes) for nodes, _ in flattened], "int32")
    return TreeArrays(tokens, children, levels, counts)


_BRACKET_TOKENS = re.compile(r"\(|\)|[^\s()]+")


def parse_bracketed(text):
    """Reads one tree in bracketed notation, such as `(S (NP the cat) (VP sat))`.

    The first token after an opening bracket is the node's label; each
    following token is a leaf child (a word) and each bracketed group a
    child subtree. The Penn Treebank's preterminals `(DT the)` are inner
    nodes with one leaf. A bare token is a tree of one leaf.

    Args:
        text: A string holding exactly one tree.

    Returns:
        The tree as nested `(token, [children])` pairs.
    """
    if not isinstance(text, str):
        raise validation.invalid_argument("text", "a string", text)
    tokens = _BRACKET_TOKENS.findall(text)
    if not tokens:
        raise validation.invalid_argument("text", "a bracketed tree", text)
    position = 0

    def error(reason):
        return ValueError(
            f"Received an invalid value for argument `text`: {reason} at token "
            f"{position} of {text!r}."
        )

    def read():
        nonlocal position
        if position >= len(tokens):
            raise error("the tree ends early")
        token = tokens[position]
        position += 1
        if token == ")":
            raise error("an unexpected ')'")
        if token != "(":
            return (token, [])
        if position >= len(tokens) or tokens[position] in "()":
            raise error("a '(' without a label")
        label = tokens[position]
        position += 1
        children = []
        while position < len(tokens) and tokens[position] != ")":
            children.append(read())
        if position >= len(tokens):
            raise error("a '(' without its ')'")
        position += 1  # the ")"
        return (label, children)

    tree = read()
    if position != len(tokens):
        raise error("text after the tree")
    return tree
