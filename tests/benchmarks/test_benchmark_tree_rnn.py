"""`benchmarks/tree_rnn.py`: Tree-LSTM, recursive network and LSTM by depth.

The fast tests check the equal-parameter accounting; the `--quick` run of
the whole script (three XLA models, about 20 s of CPU) is `slow`.
"""

import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

from keras_memory.layers import NaryTreeLSTMCell
from keras_memory.layers import RecursiveCell


def test_units_are_chosen_for_the_nearest_parameter_count():
    trees = load_benchmark("tree_rnn")
    target = trees.tree_model(NaryTreeLSTMCell(16), 9, 4).count_params()
    units = trees.units_like(lambda u: trees.lstm_model(u, 20), target)
    counts = {u: trees.lstm_model(u, 20).count_params() for u in (units - 1, units, units + 1)}
    assert all(abs(counts[units] - target) <= abs(c - target) for c in counts.values())
    recursive = trees.units_like(lambda u: trees.tree_model(RecursiveCell(u), 9, 4), target)
    count = trees.tree_model(RecursiveCell(recursive), 9, 4).count_params()
    assert abs(count - target) / target < 0.05


def test_the_tested_tree_model_takes_the_trained_weights_with_more_passes():
    trees = load_benchmark("tree_rnn")
    trained = trees.tree_model(NaryTreeLSTMCell(4), 9, 3)
    tested = trees.tree_model(NaryTreeLSTMCell(4), 9, 8)
    tested.set_weights(trained.get_weights())  # max_levels is not a weight
    assert tested.get_layer("tree").max_levels == 8


@pytest.mark.slow
def test_quick_run_prints_one_accuracy_per_depth(capsys):
    stdout = run_main(capsys, "tree_rnn", "--quick")
    (table,) = (table_columns(t) for t in markdown_tables(stdout))
    assert [name.split(" (")[0] for name in table["model"]] == [
        "Tree-LSTM, N-ary", "Recursive network, tanh", "LSTM on the text"
    ]
    for depth in range(1, 6):
        assert all(0.0 <= float(v) <= 100.0 for v in table[f"depth {depth}"])
