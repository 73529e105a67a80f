"""`benchmarks/glimpse.py`: the baselines have the RAM's parameter count, and
the tables come out with one row per task and model.

The accuracy figures are in docs/results.md; they need hundreds of epochs.
"""

import pathlib

import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist-5k"


@pytest.mark.parametrize("canvas", [28, 60, 100])
def test_the_parameter_formulas_count_the_built_models(canvas):
    script = load_benchmark("glimpse")
    for width, hidden in ((3, 5), (17, 40)):
        cnn = script.cnn(width, hidden, canvas)
        assert cnn.count_params() == script.cnn_parameters(width, hidden)
        assert script.mlp(width, canvas).count_params() == script.mlp_parameters(width, canvas)


def test_the_baselines_match_the_paper_setup_ram_within_one_percent():
    script = load_benchmark("glimpse")
    for setup, canvas in (("mnist_28x28", 28), ("cluttered_60x60", 60)):
        budget = script.ram(setup).count_params()
        width, hidden = script.cnn_shape(budget)
        assert abs(script.cnn_parameters(width, hidden) / budget - 1) < 0.01, (width, hidden)
        mlp = script.mlp_parameters(script.mlp_hidden(budget, canvas), canvas)
        assert abs(mlp / budget - 1) < 0.01, (setup, mlp, budget)


def test_xla_part_prints_both_steps_and_the_ratio(capsys):
    stdout = run_main(capsys, "glimpse", "--quick", "--parts", "xla")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert columns["training step"] == ["jit_compile=False", "jit_compile=True"]
    without, with_xla = (float(ms) for ms in columns["ms (batch 64)"])
    assert columns["speed-up"] == ["1.00x", f"{without / with_xla:.2f}x"]


def test_unknown_part_is_an_error(capsys):
    with pytest.raises(SystemExit):
        run_main(capsys, "glimpse", "--parts", "accuracy,speed")
    assert "unknown parts ['speed']" in capsys.readouterr().err


# About 90 s of CPU (XLA compiles 14 tiny models); the parameter budgets and
# the table layout are covered fast above.
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="needs ../shared/data/mnist-5k")
def test_quick_run_has_every_task_and_model(capsys):
    stdout = run_main(capsys, "glimpse", "--quick", "--parts", "accuracy,cost")
    accuracy, cost = (table_columns(t) for t in markdown_tables(stdout))
    models = ["RAM", "RAM, random locations", "CNN", "MLP"]
    assert accuracy["model"] == models * 3
    assert accuracy["task"] == [t for t in ("28x28", "translated 60x60", "cluttered 60x60")
                                for _ in models]
    assert all(0 <= float(e) <= 100 for e in accuracy["error (%)"])
    assert cost["canvas"] == ["60x60", "60x60", "100x100", "100x100"]
    # The RAM's parameters do not depend on the canvas.
    assert cost["parameters"][0] == cost["parameters"][2]
