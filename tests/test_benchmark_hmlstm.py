"""Smoke test of `benchmarks/hmlstm.py --quick`: it runs and prints its tables."""

import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


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


def test_hmlstm_benchmark_quick():
    result = subprocess.run(
        [sys.executable, "benchmarks/hmlstm.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    (header, rows), (boundary_header, boundary_rows) = markdown_tables(result.stdout)

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
