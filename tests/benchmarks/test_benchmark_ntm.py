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
    parts = [
        "convergence", "generalisation", "speed", "scaling", "recall", "throughput", "profile",
    ]
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
        "items", "in training range", "NTM, feed-forward controller bit errors",
        "LSTM 3x16 bit errors",
    ]
    assert [row[0] for row in rows] == ["2", "3", "2-6 mean"]
    for row in rows:
        # An answer is one item of 3 x 6 bits.
        assert all(0 <= _number(cell) <= 18 for cell in row[2:])


@pytest.mark.slow  # fast: test_a_copy_run_counts_its_shapes_and_times
def test_throughput_table(quick_tables):
    header, rows = quick_tables["throughput"]
    assert header[:6] == ["batch", "model", "jit_compile", "buckets", "mean steps", "shapes"]
    assert {(row[0], row[1]) for row in rows} == {
        ("32", "NTM"), ("32", "LSTM"), ("1", "NTM"), ("1", "LSTM"),
    }
    for row in rows:
        # Lengths 1 to 3: 3, 5 or 7 steps; two buckets are (4, 7).
        shapes = int(row[header.index("shapes")])
        assert shapes <= {"none": 3, "2": 2, "4": 4}[row[3]]
        assert _number(row[header.index("whole-run seq/s")]) > 0


def test_a_copy_run_counts_its_shapes_and_times():
    # The fast version of the throughput part: one tiny run, in this process.
    benchmark = load_benchmark("ntm")
    run = benchmark.copy_run(
        lambda: benchmark.controller_lstm(4), batch_size=2, sequences=40,
        jit_compile=False, num_buckets=2, seed=0, max_length=3,
    )
    # Lengths 1 to 3 are 3, 5 or 7 steps, padded to the buckets (4, 7).
    assert run["compiles"] == 2
    assert 4.0 <= run["mean_steps"] <= 7.0
    assert run["compile_seconds"] >= 0.0
    assert run["whole"] > 0 and run["steady"] > 0
    unbucketed = benchmark.copy_run(
        lambda: benchmark.controller_lstm(4), batch_size=2, sequences=40,
        jit_compile=False, num_buckets=None, seed=0, max_length=3,
    )
    assert unbucketed["compiles"] == 3
    assert unbucketed["mean_steps"] < run["mean_steps"]


def test_quick_profile_part_in_process(capsys):
    stdout = run_main(capsys, "ntm", "--quick", "--parts", "profile", "--format", "markdown")
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert columns["kernel kind"][-1] == "all kernels"
    # A training step of an NTM runs many kernels per time step.
    assert _number(columns["kernels per time step"][-1]) > 50
    shares = [_number(share) for share in columns["% of kernel time"][:-1]]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 100.05


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
