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
