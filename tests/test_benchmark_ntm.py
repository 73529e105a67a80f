"""Smoke test of `benchmarks/ntm.py`: every section's quick table, numeric."""

import math

from test_benchmarks import markdown_tables, run_benchmark


def _number(cell):
    value = float(cell.replace(",", ""))
    assert math.isfinite(value), cell
    return value


def quick_table(part):
    """The header and rows of `part`'s table in a `--quick` run of it alone.

    One run per section: each stays well inside `run_benchmark`'s time
    limit on a loaded machine, and a failure names its section.
    """
    stdout = run_benchmark(
        "ntm.py", "--quick", "--parts", part, "--format", "markdown",
        "--weights", "none",
    )
    assert f"({part}: " in stdout
    (table,) = markdown_tables(stdout)
    return table


def test_convergence_table():
    header, rows = quick_table("convergence")
    assert [row[0] for row in rows] == ["NTM", "LSTM 3x16"]
    reached = header.index("sequences to < 0.1")
    for row in rows:
        assert row[reached].startswith("not within") or _number(row[reached]) > 0
        assert _number(row[header.index("final mean bit errors")]) >= 0
        assert _number(row[header.index("sequences/s")]) > 0


def test_generalisation_table():
    # Without the convergence section the LSTM is trained here.
    header, rows = quick_table("generalisation")
    assert header == [
        "length", "in 1-20", "NTM bit errors", "LSTM bit errors",
    ]
    assert [row[0] for row in rows] == ["2", "4"]
    for row in rows:
        # At most all 8 L bits of a sequence of length L are wrong.
        assert 0 <= _number(row[2]) <= 8 * int(row[0])
        assert 0 <= _number(row[3]) <= 8 * int(row[0])


def test_speed_table():
    header, rows = quick_table("speed")
    assert [row[0] for row in rows] == ["False", "True"]
    for row in rows:
        assert all(_number(cell) > 0 for cell in row[1:4])


def test_scaling_table():
    header, rows = quick_table("scaling")
    assert [int(row[0]) for row in rows] == [8, 16, 32]
    assert rows[0][2] == rows[0][4] == "1.00"  # relative to the first N
    for row in rows:
        assert all(_number(cell) > 0 for cell in row[1:])


def test_recall_table():
    header, rows = quick_table("recall")
    assert header == [
        "items", "in training range", "NTM bit errors", "LSTM 3x16 bit errors",
    ]
    assert [row[0] for row in rows] == ["2", "3", "2-6 mean"]
    for row in rows:
        # An answer is one item of 3 x 6 bits.
        assert all(0 <= _number(cell) <= 18 for cell in row[2:])


def test_unknown_parts_are_refused():
    import subprocess
    import sys

    from test_benchmarks import ROOT

    result = subprocess.run(
        [sys.executable, "benchmarks/ntm.py", "--parts", "speed,memory"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "unknown parts ['memory']" in result.stderr
