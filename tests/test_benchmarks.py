"""Smoke test of the benchmark scripts in `benchmarks/`."""

import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_benchmark(script, *args):
    """Runs `benchmarks/<script>` with `args`; returns its stdout."""
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return stdout


def markdown_rows(text):
    """The header and body rows of the first markdown table in `text`."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in lines
        if not set(line) <= set("|-: ")
    ]
    return rows[0], rows[1:]


def test_clockwork_benchmark_quick_markdown():
    stdout = run_benchmark("clockwork.py", "--quick", "--format", "markdown")

    header, rows = markdown_rows(stdout)
    mode, jit, ratio = (
        header.index(name) for name in ("mode", "jit_compile", "ratio")
    )
    combinations = {(row[mode], row[jit]) for row in rows}
    assert combinations == {
        (m, j) for m in ("train", "predict") for j in ("False", "True")
    }
    assert len(rows) == 4
    for row in rows:
        value = float(row[ratio])
        assert math.isfinite(value) and value > 0, row
    assert "no arithmetic is saved in this implementation" in stdout


def test_clockwork_generation_benchmark_quick():
    stdout = run_benchmark("clockwork_generation.py", "--quick")
    header, rows = markdown_rows(stdout)
    assert [row[0].split("(")[0] for row in rows] == [
        "ClockworkRNN", "SimpleRNN", "LSTM"
    ]
    parameters = [int(row[header.index("effective parameters")]) for row in rows]
    # Matched sizes: each baseline is the smallest width reaching the budget.
    assert all(p >= parameters[0] for p in parameters[1:])
    for row in rows:
        nmse = float(row[header.index("NMSE")])
        assert math.isfinite(nmse) and nmse >= 0, row


def test_skip_rnn_benchmark_quick():
    stdout = run_benchmark("skip_rnn.py", "--quick")
    accuracy, streaming = stdout.split("Streaming inference")
    header, rows = markdown_rows(accuracy)
    assert [row[0] for row in rows] == [
        "LSTM", "Skip LSTM, λ=0", "Skip LSTM, λ=1e-05", "Skip LSTM, λ=0.0001"
    ]
    for row in rows:
        assert float(row[header.index("validation MSE")]) >= 0
        assert 0 < float(row[header.index("updates")].rstrip(" %")) <= 100
    header, rows = markdown_rows(streaming)
    assert len(rows) == 3
    for row in rows:
        ratio = float(row[header.index("time ratio on/off")])
        assert math.isfinite(ratio) and ratio > 0
