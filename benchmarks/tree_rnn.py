"""Recursive networks against an LSTM on nested expressions, by depth.

One table, measured in one run. Expressions of `--operators` over digits
(`keras_memory.datasets.expression_trees`; by default nested `max` and
`min`, as in ListOps, Nangia and Bowman 2018); the label is the value.
Every model trains on expressions of depth 1 to `--train-depth` and is
tested on fresh expressions of every depth from 1 to `--test-depth`, so the
deeper ones were never seen in training:

- an N-ary Tree-LSTM (`TreeRNN(NaryTreeLSTMCell)`, Tai et al. 2015) and the
  classic recursive network (`TreeRNN(RecursiveCell)`, Socher et al. 2011)
  read the expression's tree;
- an LSTM reads the fully bracketed text, `( 3 max ( 4 min 2 ) )`, token by
  token.

The recursive network's and the LSTM's units are chosen to give them as many
parameters as the Tree-LSTM.

All use a 32-dimensional token embedding and a softmax over the ten values,
the same training examples, Adam and epochs, from the same seed. The table
gives each model's parameters, training time, and accuracy at every test
depth.

Run from the project root:

    .venv/bin/python benchmarks/tree_rnn.py            # about 6 min on 2 cores
    .venv/bin/python benchmarks/tree_rnn.py --quick    # smoke run
    .venv/bin/python benchmarks/tree_rnn.py --figure docs/img/tree-depth.png
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.datasets import expression_trees  # noqa: E402
from keras_memory.datasets.expression_trees import EXPRESSION_VOCABULARY  # noqa: E402
from keras_memory.layers import NaryTreeLSTMCell  # noqa: E402
from keras_memory.layers import RecursiveCell  # noqa: E402
from keras_memory.layers import TreeRNN  # noqa: E402

EMBEDDING = 32
VOCABULARY = len(EXPRESSION_VOCABULARY)
CLASSES = 10


def tree_model(cell, node_slots, max_levels):
    tokens = keras.Input((node_slots,), dtype="int32", name="tokens")
    children = keras.Input((node_slots, 2), dtype="int32", name="children")
    embedded = keras.layers.Embedding(VOCABULARY, EMBEDDING, mask_zero=True)(tokens)
    root = TreeRNN(cell, max_levels=max_levels, name="tree")([embedded, children])
    logits = keras.layers.Dense(CLASSES, name="value")(root)
    return keras.Model([tokens, children], logits)


def lstm_model(units, text_length):
    text = keras.Input((text_length,), dtype="int32", name="text")
    embedded = keras.layers.Embedding(VOCABULARY, EMBEDDING, mask_zero=True)(text)
    features = keras.layers.LSTM(units, name="lstm")(embedded)
    logits = keras.layers.Dense(CLASSES, name="value")(features)
    return keras.Model(text, logits)


def units_like(make_model, parameters):
    """The units whose `make_model(units)` has the nearest parameter count."""
    below, units = None, 4
    while True:  # counts grow with the units: stop at the first above
        count = make_model(units).count_params()
        if count >= parameters:
            if below is not None and parameters - below[1] < count - parameters:
                return below[0]
            return units
        below, units = (units, count), units + 1


def compile_model(model, learning_rate):
    model.compile(
        keras.optimizers.Adam(learning_rate),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=True,
    )
    return model


def accuracy(model, inputs, labels):
    logits = model.predict(inputs, batch_size=256, verbose=0)
    return float(np.mean(np.argmax(logits, -1) == labels))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=64, help="Tree-LSTM units")
    parser.add_argument("--train-examples", type=int, default=10000)
    parser.add_argument("--train-depth", type=int, default=4)
    parser.add_argument("--test-depth", type=int, default=8)
    parser.add_argument("--test-examples", type=int, default=500, help="per depth")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--operators", default="max,min",
                        help="comma-separated, among + - * max min")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save accuracy by depth to this file")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.train_examples, args.epochs = 8, 128, 1
        args.test_depth, args.test_examples = 5, 16

    operators = tuple(args.operators.split(","))
    train = expression_trees(
        args.train_examples, min_depth=1, max_depth=args.train_depth, operators=operators,
        seed=args.seed,
    )
    tests = [
        expression_trees(args.test_examples, min_depth=depth, max_depth=depth,
                         operators=operators, seed=(args.seed, depth))
        for depth in range(1, args.test_depth + 1)
    ]
    node_slots = max(d.trees.tokens.shape[1] for d in (train, *tests))
    text_length = max(d.text.shape[1] for d in (train, *tests))

    def padded(data):
        tokens = np.zeros((len(data.labels), node_slots), "int32")
        children = np.full((len(data.labels), node_slots, 2), -1, "int32")
        text = np.zeros((len(data.labels), text_length), "int32")
        tokens[:, : data.trees.tokens.shape[1]] = data.trees.tokens
        children[:, : data.trees.children.shape[1]] = data.trees.children
        text[:, : data.text.shape[1]] = data.text
        return [tokens, children], text

    print(
        f"Expressions of {' '.join(operators)} over digits: {args.train_examples} training "
        f"expressions of "
        f"depth 1 to {args.train_depth}, {args.test_examples} test expressions at each "
        f"depth 1 to {args.test_depth}; {args.epochs} epochs, batch 64, Adam "
        f"{args.learning_rate:g}; seed {args.seed}; keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs.\n"
        f"Trees padded to {node_slots} node slots; text to {text_length} tokens.\n"
    )
    train_trees, train_text = padded(train)
    train_levels = args.train_depth + 1
    test_levels = args.test_depth + 1
    tree_lstm = tree_model(NaryTreeLSTMCell(args.units), node_slots, train_levels)
    target = tree_lstm.count_params()
    units = units_like(lambda u: lstm_model(u, text_length), target)
    recursive_units = units_like(
        lambda u: tree_model(RecursiveCell(u), node_slots, train_levels), target
    )
    models = [
        (f"Tree-LSTM, N-ary ({args.units} units)", lambda: NaryTreeLSTMCell(args.units), "tree"),
        (f"Recursive network, tanh ({recursive_units} units)",
         lambda: RecursiveCell(recursive_units), "tree"),
        (f"LSTM on the text ({units} units)", None, "text"),
    ]
    header = [f"depth {d}" for d in range(1, args.test_depth + 1)]
    print("| model | parameters | training s | " + " | ".join(header) + " |")
    print("|---|---|---|" + "---|" * len(header))
    curves = {}
    for name, make_cell, kind in models:
        keras.utils.set_random_seed(args.seed)
        if kind == "tree":
            model = compile_model(tree_model(make_cell(), node_slots, train_levels),
                                  args.learning_rate)
            inputs = train_trees
        else:
            model = compile_model(lstm_model(units, text_length), args.learning_rate)
            inputs = train_text
        start = time.perf_counter()
        model.fit(inputs, train.labels, batch_size=64, epochs=args.epochs, verbose=0)
        seconds = time.perf_counter() - start
        if kind == "tree":
            # The same weights with enough passes for the deepest test trees.
            tested = tree_model(make_cell(), node_slots, test_levels)
            tested.set_weights(model.get_weights())
        else:
            tested = model
        scores = []
        for data in tests:
            trees, text = padded(data)
            scores.append(accuracy(tested, trees if kind == "tree" else text, data.labels))
        curves[name] = scores
        print(
            f"| {name} | {model.count_params()} | {seconds:.0f} | "
            + " | ".join(f"{100 * s:.1f}" for s in scores) + " |"
        )
    if args.figure:
        from keras_memory.viz import plot_accuracy_by_depth

        plot_accuracy_by_depth(
            range(1, args.test_depth + 1), curves, train_depth=args.train_depth, path=args.figure
        )
        print(f"\nFigure of accuracy by depth: {args.figure}")


if __name__ == "__main__":
    main()
