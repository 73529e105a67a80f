"""Smoke test of `benchmarks/stacked_attention.py --quick`."""

import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_stacked_attention_benchmark_quick():
    result = subprocess.run(
        [sys.executable, "benchmarks/stacked_attention.py", "--quick", "--seed", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "model", "parameters", "validation accuracy", "colour", "shape", "where",
        "training s",
    ]
    assert set(lines[1]) == {"|", "-"}
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]
    ]
    assert [row[0] for row in rows] == [
        "SAN (2 hops)", "SAN (1 hop)", "average pooling + MLP", "max pooling + MLP",
    ]
    parameters = {row[0]: int(row[1]) for row in rows}
    # The baselines have the two-hop SAN's budget, within 1 %.
    for name in ("average pooling + MLP", "max pooling + MLP"):
        assert abs(parameters[name] / parameters["SAN (2 hops)"] - 1) < 0.01, parameters
    for row in rows:
        for cell in row[2:6]:
            value = float(cell)
            assert math.isfinite(value) and 0.0 <= value <= 1.0, row
        assert float(row[6]) >= 0
    assert "seed 3" in result.stdout
    # Colour, shape and where questions: (1/4 + 1/3 + 1/9) / 3.
    assert "Chance from the question alone: 0.231." in result.stdout
