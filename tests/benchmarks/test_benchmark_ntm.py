"""Smoke tests of `benchmarks/ntm.py`: its quick tables, numeric."""

import math

import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_benchmark
from benchmark_utils import run_main
from benchmark_utils import table_columns

# The five table tests share one `--quick` run of every part, about 70 s of
# CPU in a subprocess (280 s of wall time on the shared 2 cores): `slow`.


def _number(cell):
    value = float(cell.replace(",", ""))
    assert math.isfinite(value), cell
    return value


@pytest.fixture(scope="module")
def quick_tables():
    """Every section's table of one `--quick` run of all five sections.

    One process for all sections: one TensorFlow import and one set of
    traced functions instead of five.
    """
    result = run_benchmark("ntm.py", "--quick", "--format", "markdown", "--weights", "none")
    assert result.returncode == 0, result.stderr[-4000:]
    stdout = result.stdout
    tables = markdown_tables(stdout)
    parts = ["convergence", "generalisation", "speed", "scaling", "recall"]
    for part in parts:
        assert f"({part}: " in stdout
    assert len(tables) == len(parts)
    return dict(zip(parts, tables))


@pytest.mark.slow  # fast: test_quick_generalisation_part_in_process
def test_convergence_table(quick_tables):
    header, rows = quick_tables["convergence"]
    assert [row[0] for row in rows] == ["NTM", "LSTM 3x16"]
    reached = header.index("sequences to < 0.1")
    for row in rows:
        assert row[reached].startswith("not within") or _number(row[reached]) > 0
        assert _number(row[header.index("final mean bit errors")]) >= 0
        assert _number(row[header.index("sequences/s")]) > 0


@pytest.mark.slow  # fast: test_quick_generalisation_part_in_process
def test_generalisation_table(quick_tables):
    header, rows = quick_tables["generalisation"]
    assert header == [
        "length", "in 1-20", "NTM bit errors", "LSTM bit errors",
    ]
    assert [row[0] for row in rows] == ["2", "4"]
    for row in rows:
        # At most all 8 L bits of a sequence of length L are wrong.
        assert 0 <= _number(row[2]) <= 8 * int(row[0])
        assert 0 <= _number(row[3]) <= 8 * int(row[0])


@pytest.mark.slow  # fast: test_quick_generalisation_part_in_process
def test_speed_table(quick_tables):
    header, rows = quick_tables["speed"]
    assert [row[0] for row in rows] == ["False", "True"]
    for row in rows:
        assert all(_number(cell) > 0 for cell in row[1:4])


@pytest.mark.slow  # fast: test_quick_generalisation_part_in_process
def test_scaling_table(quick_tables):
    header, rows = quick_tables["scaling"]
    assert [int(row[0]) for row in rows] == [8, 16, 32]
    assert rows[0][2] == rows[0][4] == "1.00"  # relative to the first N
    for row in rows:
        assert all(_number(cell) > 0 for cell in row[1:])


@pytest.mark.slow  # fast: test_quick_generalisation_part_in_process
def test_recall_table(quick_tables):
    header, rows = quick_tables["recall"]
    assert header == [
        "items", "in training range", "NTM bit errors", "LSTM 3x16 bit errors",
    ]
    assert [row[0] for row in rows] == ["2", "3", "2-6 mean"]
    for row in rows:
        # An answer is one item of 3 x 6 bits.
        assert all(0 <= _number(cell) <= 18 for cell in row[2:])


def test_unknown_parts_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_benchmark("ntm").parse_args(["--parts", "speed,memory"])
    assert exit_info.value.code == 2
    assert "unknown parts ['memory']" in capsys.readouterr().err


def test_quick_generalisation_part_in_process(capsys):
    # The fast version of `quick_tables`: one part, in this process.
    stdout = run_main(
        capsys, "ntm", "--quick", "--parts", "generalisation", "--format", "markdown",
        "--weights", "none",
    )
    assert "(generalisation: " in stdout
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert columns["length"] == ["2", "4"]
    assert columns["in 1-20"] == ["yes", "yes"]
    for length, ntm, lstm in zip(
        columns["length"], columns["NTM bit errors"], columns["LSTM bit errors"]
    ):
        # At most all 8 L bits of a sequence of length L are wrong.
        assert 0 <= _number(ntm) <= 8 * int(length)
        assert 0 <= _number(lstm) <= 8 * int(length)
