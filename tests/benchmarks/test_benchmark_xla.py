"""`benchmarks/xla.py`: every public layer's training step with XLA and without."""

import numpy as np
import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

from keras_memory import layers

# Public classes that the benchmark reaches through another row.
INSIDE_ANOTHER_ROW = {
    "ClockworkRNNCell", "SkipRNNCell", "HMLSTMCell", "NTMCell", "MemoryCell",
    "PreviousStateAttentionCell", "ACTCell", "GlimpseNetwork", "GaussianLocationPolicy",
}


def _classes_in(layer, seen):
    seen.add(type(layer).__name__)
    for child in getattr(layer, "_layers", []) + [getattr(layer, "cell", None)]:
        if child is not None and type(child).__name__ not in seen:
            _classes_in(child, seen)
    return seen


def test_every_public_layer_has_a_row():
    benchmark = load_benchmark("xla")
    rows = {}
    for name, _, build in benchmark.layer_builders():
        model, _ = build(benchmark.QUICK_SIZE, np.random.default_rng(0))
        rows[name] = set()
        for layer in model.layers:
            _classes_in(layer, rows[name])
    reached = set().union(*rows.values())
    for name, classes in rows.items():
        assert name.split(" ")[0] in classes or name.startswith("keras"), name
    missing = set(layers.__all__) - reached - {"ChildSumTreeLSTMCell", "RecursiveCell",
                                               "MemoryNetworkResponse", "StateBridge"}
    assert not missing, f"layers without a row in benchmarks/xla.py: {sorted(missing)}"
    assert INSIDE_ANOTHER_ROW <= reached


def test_quick_run_of_two_layers(capsys):
    stdout = run_main(capsys, "xla", "--quick", "--layers", "keras LSTM (reference),ClockworkRNN",
                      "--format", "markdown")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert columns["layer"] == ["keras LSTM (reference)", "ClockworkRNN"]
    for column in ("no XLA ms", "XLA ms", "speed-up", "XLA compile s"):
        assert all(float(cell) >= 0 for cell in columns[column])
    for without, with_xla, ratio in zip(columns["no XLA ms"], columns["XLA ms"],
                                        columns["speed-up"]):
        # The times are printed to 0.1 ms, the ratio from the unrounded ones.
        low = (float(without) - 0.05) / (float(with_xla) + 0.05)
        high = (float(without) + 0.05) / max(float(with_xla) - 0.05, 1e-3)
        assert low - 0.01 <= float(ratio) <= high + 0.01, (without, with_xla, ratio)
    # Both are recurrent: a variable-length run of each, with and without XLA.
    for column in ("variable: no XLA seq/s", "variable: XLA seq/s", "variable speed-up"):
        assert all(float(cell) > 0 for cell in columns[column])


def test_unknown_layers_are_refused(capsys):
    with pytest.raises(SystemExit):
        load_benchmark("xla").parse_args(["--layers", "LSTM,Nope"])
    assert "unknown layers" in capsys.readouterr().err


@pytest.mark.slow  # fast: test_quick_run_of_two_layers
def test_quick_run_of_every_layer(capsys):
    stdout = run_main(capsys, "xla", "--quick", "--format", "markdown")
    (table,) = markdown_tables(stdout)
    names = [name for name, _, _ in load_benchmark("xla").layer_builders()]
    assert table_columns(table)["layer"] == names
