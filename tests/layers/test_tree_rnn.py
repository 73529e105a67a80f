"""TreeRNN and the tree cells against hand-computed and NumPy values."""

import math

import keras
import numpy as np
import pytest
import references

from keras_memory.layers import ChildSumTreeLSTMCell
from keras_memory.layers import NaryTreeLSTMCell
from keras_memory.layers import RecursiveCell
from keras_memory.layers import TreeRNN

# ((a, b), c) and one padding node: leaves 0, 1, 3; node 2 = (0, 1); root 4 = (2, 3).
CHILDREN = np.array([[[-1, -1], [-1, -1], [0, 1], [-1, -1], [2, 3], [-1, -1]]], "int32")
MASK = np.array([[True] * 5 + [False]])
NODES = np.random.default_rng(0).normal(size=(1, 6, 3)).astype("float32")


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_recursive_cell_by_hand():
    # One unit, W_x = 1, W_left = 1, W_right = 2, b = 0.
    cell = RecursiveCell(1)
    layer = TreeRNN(cell)
    nodes = np.array([[[0.5], [-0.25], [0.0]]], "float32")
    children = np.array([[[-1, -1], [-1, -1], [0, 1]]], "int32")
    layer([nodes, children])
    cell.input_kernel.assign([[1.0]])
    cell.child_kernel.assign([[1.0], [2.0]])
    root = _numpy(layer([nodes, children]))
    expected = math.tanh(math.tanh(0.5) + 2 * math.tanh(-0.25))
    np.testing.assert_allclose(root, [[expected]], rtol=1e-6)


@pytest.mark.parametrize("make_cell", [lambda: RecursiveCell(4), lambda: NaryTreeLSTMCell(4)])
def test_padding_nodes_are_ignored_and_the_root_is_the_last_valid_node(make_cell):
    layer = TreeRNN(make_cell())
    root = _numpy(layer([NODES, CHILDREN], mask=MASK))
    np.testing.assert_allclose(
        root, references.tree_rnn(layer.cell, [NODES, CHILDREN], mask=MASK), atol=1e-5
    )
    # The padding node's input and a child index pointing at it change nothing.
    nodes, children = NODES.copy(), CHILDREN.copy()
    nodes[0, 5] = 100.0
    children[0, 3] = [5, -1]  # leaf 3 "has" the padding node as a child
    np.testing.assert_allclose(_numpy(layer([nodes, children], mask=MASK)), root, atol=1e-6)


def test_every_node_output_with_return_nodes():
    layer = TreeRNN(NaryTreeLSTMCell(4), return_nodes=True)
    outputs = _numpy(layer([NODES, CHILDREN], mask=MASK))
    assert outputs.shape == (1, 6, 4)
    np.testing.assert_array_equal(outputs[0, 5], 0.0)  # padding node
    expected = references.tree_rnn(layer.cell, [NODES, CHILDREN], return_nodes=True, mask=MASK)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)


def test_max_levels_must_cover_the_tree():
    # The tree has 3 levels: 3 passes are exact, 2 leave the root stale.
    cell = NaryTreeLSTMCell(4)
    exact = _numpy(TreeRNN(cell, max_levels=3)([NODES, CHILDREN], mask=MASK))
    np.testing.assert_allclose(exact, _numpy(TreeRNN(cell)([NODES, CHILDREN], mask=MASK)),
                               atol=1e-6)
    stale = _numpy(TreeRNN(cell, max_levels=2)([NODES, CHILDREN], mask=MASK))
    assert not np.allclose(stale, exact, atol=1e-4)


def test_node_order_does_not_matter_when_the_root_stays_last():
    # The same tree with its leaves listed after the inner node: 0 = (1, 2).
    layer = TreeRNN(NaryTreeLSTMCell(4))
    order = [2, 0, 1, 3, 4, 5]  # new slot -> old slot
    old_to_new = {old: new for new, old in enumerate(order)}
    children = np.array([[[old_to_new.get(int(k), -1) if k >= 0 else -1 for k in CHILDREN[0, old]]
                          for old in order]], "int32")
    permuted = _numpy(layer([NODES[:, order], children], mask=MASK))
    np.testing.assert_allclose(permuted, _numpy(layer([NODES, CHILDREN], mask=MASK)), atol=1e-6)


def test_child_sum_ignores_child_order_and_nary_does_not():
    swapped = CHILDREN.copy()
    swapped[0, 2] = [1, 0]
    child_sum = TreeRNN(ChildSumTreeLSTMCell(4))
    np.testing.assert_allclose(
        _numpy(child_sum([NODES, swapped], mask=MASK)),
        _numpy(child_sum([NODES, CHILDREN], mask=MASK)),
        atol=1e-6,
    )
    nary = TreeRNN(NaryTreeLSTMCell(4))
    assert not np.allclose(
        _numpy(nary([NODES, swapped], mask=MASK)), _numpy(nary([NODES, CHILDREN], mask=MASK))
    )


def test_forget_biases_start_at_one():
    for cell, gates in ((ChildSumTreeLSTMCell(3), 4), (NaryTreeLSTMCell(3, arity=2), 5)):
        TreeRNN(cell)([NODES, CHILDREN])
        bias = _numpy(cell.bias)
        assert bias.shape == (gates * 3,)
        np.testing.assert_array_equal(bias[:9], 0.0)
        np.testing.assert_array_equal(bias[9:], 1.0)


def test_a_batch_of_zero_trees():
    layer = TreeRNN(NaryTreeLSTMCell(4))
    out = layer([np.zeros((0, 6, 3), "float32"), np.zeros((0, 6, 2), "int32")])
    assert tuple(out.shape) == (0, 4)


def test_trains_under_xla_with_an_embedding_mask_and_a_partial_batch():
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    children = keras.Input((6, 2), dtype="int32", name="children")
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    root = TreeRNN(NaryTreeLSTMCell(4), max_levels=3, name="tree")([embedded, children])
    model = keras.Model([tokens, children], keras.layers.Dense(1)(root))
    model.compile(keras.optimizers.Adam(0.05), "mse", jit_compile=True)
    ids = np.array([[1, 2, 3, 4, 5, 0]] * 5, "int32")
    history = model.fit([ids, np.repeat(CHILDREN, 5, 0)], np.ones((5, 1)), batch_size=2,
                        epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: TreeRNN(keras.layers.LSTMCell(3)), "cell"),
        (lambda: TreeRNN(NaryTreeLSTMCell(3), max_levels=0), "max_levels"),
        (lambda: TreeRNN(NaryTreeLSTMCell(3), return_nodes="yes"), "return_nodes"),
        (lambda: RecursiveCell(0), "units"),
        (lambda: RecursiveCell(3, arity=0), "arity"),
        (lambda: RecursiveCell(3, activation="nope"), "activation"),
        (lambda: NaryTreeLSTMCell(3, arity=1.5), "arity"),
        (lambda: ChildSumTreeLSTMCell(3, kernel_initializer="nope"), "kernel_initializer"),
    ],
)
def test_bad_arguments_name_the_argument(make, name):
    with pytest.raises((ValueError, TypeError), match=f"`{name}`"):
        make()


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="`children`.*arity 2.*got 3"):
        TreeRNN(NaryTreeLSTMCell(3))([NODES, np.full((1, 6, 3), -1, "int32")])
    with pytest.raises(ValueError, match="`inputs`"):
        TreeRNN(NaryTreeLSTMCell(3))(NODES)
    with pytest.raises(ValueError, match="`inputs`"):
        TreeRNN(NaryTreeLSTMCell(3))([NODES, CHILDREN[:, :4]])


def test_node_slots_known_only_at_run_time():
    nodes = keras.Input((None, 3))
    children = keras.Input((None, 2), dtype="int32")
    layer = TreeRNN(NaryTreeLSTMCell(4))
    model = keras.Model([nodes, children], layer([nodes, children]))
    for slots in (5, 3):  # the whole tree, then its first subtree
        inputs = [NODES[:, :slots], CHILDREN[:, :slots]]
        np.testing.assert_allclose(model.predict(inputs, verbose=0),
                                   references.tree_rnn(layer.cell, inputs), atol=1e-5)
