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
    return result.stdout


def markdown_tables(text):
    """Every markdown table in `text`, as (header, rows) pairs."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            rows = [
                [cell.strip() for cell in row.strip("|").split("|")]
                for row in current
                if not set(row) <= set("|-: ")
            ]
            tables.append((rows[0], rows[1:]))
            current = []
    return tables


def markdown_rows(text):
    """The header and body rows of the first markdown table in `text`."""
    return markdown_tables(text)[0]


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


def test_hmlstm_benchmark_quick():
    stdout = run_benchmark("hmlstm.py", "--quick")
    (header, rows), (boundary_header, boundary_rows) = markdown_tables(stdout)

    assert header == [
        "model", "parameters", "updates", "train BPC", "held-out BPC", "training s",
    ]
    assert [row[0].split()[0] for row in rows] == ["HM-LSTM", "LSTM"]
    hm_parameters, lstm_parameters = (int(row[1]) for row in rows)
    assert abs(hm_parameters - lstm_parameters) / hm_parameters < 0.05
    assert rows[0][2] == rows[1][2]  # the same number of updates
    for row in rows:
        for value in (float(row[3]), float(row[4])):
            # Above 0 and, early in training, around log2(25) bits.
            assert math.isfinite(value) and 0 < value < 8, row

    assert boundary_header[:3] == ["boundaries", "against", "rate"]
    assert [row[0] for row in boundary_rows][:2] == [
        "HM-LSTM z^1", "random at the same rate",
    ]
    for row in boundary_rows:
        assert all(0.0 <= float(value) <= 1.0 for value in row[2:]), row
