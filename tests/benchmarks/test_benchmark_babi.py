"""`benchmarks/babi.py --audit`: what one joint bAbI training epoch spends."""

import re

from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns


def test_quick_audit_prints_shapes_steps_and_the_rest(capsys):
    stdout = run_main(capsys, "babi", "--quick", "--audit", "--no-jit")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    shapes = columns["story shape (batch, sentences, words)"]
    # One row per bucket that holds a full batch: at most the 3 buckets.
    assert 1 <= len(shapes) <= 3
    assert all(shape.startswith("(32, ") for shape in shapes)
    assert sum(int(count) for count in columns["batches"]) > 0
    assert "jit_compile=False" in stdout
    (line,) = [line for line in stdout.splitlines() if line.startswith("Epoch wall time")]
    epoch, steps = (float(x) for x in re.findall(r": ([0-9.]+) s", line)[:2])
    assert 0 < steps and 0 < epoch


def test_quick_ablation_prints_every_variant_for_every_seed(capsys):
    stdout = run_main(capsys, "babi", "--quick", "--ablation", "1", "--ablation-seeds", "0,1")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert columns["variant"][0].startswith("the paper's text")
    assert columns["variant"][-1].endswith("(the recipe)")
    assert len(columns["variant"]) == 5
    for seed_column in ("seed 0", "seed 1", "mean"):
        assert all(0.0 <= float(cell) <= 100.0 for cell in columns[seed_column])
    assert "task 1 alone" in stdout
