"""Smoke test of `benchmarks/stacked_attention.py --quick`."""

import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_stacked_attention_benchmark_quick():
    result = subprocess.run(
        [sys.executable, "benchmarks/stacked_attention.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "model", "parameters", "validation accuracy", "colour", "shape", "exists",
        "where", "training s",
    ]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]
    ]
    assert [row[0] for row in rows] == ["SAN (2 hops)", "pooling + MLP"]
    parameters = [int(row[1]) for row in rows]
    # About the same budget: within 10 % of each other.
    assert abs(parameters[0] - parameters[1]) / parameters[0] < 0.1
    for row in rows:
        for cell in row[2:7]:
            value = float(cell)
            assert math.isfinite(value) and 0.0 <= value <= 1.0, row
        assert float(row[7]) >= 0
    assert "Chance from the question alone: 0.299" in result.stdout
