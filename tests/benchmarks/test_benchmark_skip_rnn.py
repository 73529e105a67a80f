"""`benchmarks/skip_rnn.py --quick`: both tables, and their update rates agree.

The Skip RNN's claims (solves the adding problem with fewer updates) are
tested in tests/layers/test_skip_rnn_adding_problem.py.
"""

import math

import pytest
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns


# About 40 s of CPU (XLA compiles four models): `slow`. The update rate and the
# skipped inference computation it prints are covered fast by
# tests/layers/test_skip_rnn.py::test_update_rate_is_a_model_metric and
# ::test_skipped_steps_do_not_run_the_inner_cell_at_inference.
@pytest.mark.slow
def test_quick_run_reports_the_same_update_rates_in_both_tables(capsys):
    stdout = run_main(capsys, "skip_rnn", "--quick")
    accuracy, streaming = (table_columns(t) for t in markdown_tables(stdout))
    names = ["Skip LSTM, λ=0", "Skip LSTM, λ=1e-05", "Skip LSTM, λ=0.0001"]
    assert accuracy["model"] == ["LSTM", *names]
    assert accuracy["updates"][0] == "100.0 %"  # an LSTM updates at every step
    for mse, solved in zip(accuracy["validation MSE"], accuracy["solved"]):
        # Solved means below 1/100 of the target variance, 1/6.
        assert solved == ("yes" if float(mse) < 1 / 600 else "no")
    # The streaming table runs the same trained models.
    assert streaming["model"] == names
    assert streaming["updates"] == accuracy["updates"][1:]
    for on, off, ratio in zip(
        streaming["skipping on s"], streaming["skipping off s"],
        streaming["time ratio on/off"],
    ):
        assert math.isclose(float(ratio), float(on) / float(off), abs_tol=0.01 + 0.01 / float(off))
