"""`benchmarks/clockwork.py`: the table, and the saving that docs/results.md states."""

import math

import numpy as np
import pytest
from benchmark_utils import ROOT
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

from keras_memory.layers import ClockworkRNNCell


def test_quick_run_prints_every_mode_and_the_saving_of_its_cell(capsys):
    stdout = run_main(capsys, "clockwork", "--quick", "--format", "markdown")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert list(zip(columns["mode"], columns["jit_compile"])) == [
        ("train", "False"), ("predict", "False"), ("train", "True"), ("predict", "True"),
    ]
    for ratio in columns["ratio"]:
        assert math.isfinite(float(ratio)) and float(ratio) > 0
    # --quick: 16 units in 4 modules (periods 1, 2, 4, 8) over 16 steps:
    # 16 + 8 + 4 + 2 = 30 of the 64 module updates.
    assert "module updates needed: 46.9%" in stdout
    assert "no arithmetic is saved in this implementation" in stdout


def test_the_saving_in_the_docs_is_the_cells_by_hand():
    # The docs' configuration: 128 units, 8 modules (periods 1 to 128), 128 steps.
    cell = ClockworkRNNCell(128, num_modules=8)
    saving = load_benchmark("clockwork").computation_saving(cell, 128)
    # Module k (period 2^k) updates at 128 / 2^k of the steps.
    updates = sum(128 // 2**k for k in range(8))
    # Module k reads itself and the 7 - k slower modules: 36 of 64 blocks.
    blocks = sum(8 - k for k in range(8))
    # Multiply-adds per step: the active units of module k, 16 of them, each
    # with 16 (8 - k) non-zero recurrent weights; over 128^2 for a dense step.
    macs = sum((128 // 2**k) * 16 * 16 * (8 - k) for k in range(8)) / 128
    expected = {
        "module_updates": updates / (128 * 8),
        "nonzero_recurrent": blocks / 64,
        "combined": macs / 128**2,
    }
    assert saving == pytest.approx(expected)
    docs = (ROOT / "docs" / "results.md").read_text()
    sentence = " ".join(docs.split())
    assert (
        f"only {100 * expected['module_updates']:.1f} % of the module updates are needed "
        f"and {100 * expected['nonzero_recurrent']:.1f} % of the recurrent kernel is "
        f"non-zero" in sentence
    )
    assert f"would do {100 * expected['combined']:.1f} % of the hidden-to-hidden" in sentence
    np.testing.assert_allclose(
        [saving["module_updates"], saving["nonzero_recurrent"], saving["combined"]],
        [0.249, 0.5625, 0.2189], atol=5e-4,
    )
