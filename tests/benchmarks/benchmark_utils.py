"""Shared helpers of the benchmark tests: run a script, read its tables.

`benchmarks/` is a folder of scripts, not a package: `load_benchmark` imports
one by path, so a test calls its functions (and its `main`) in the test
process instead of paying for a second TensorFlow import in a subprocess.
"""

import importlib.util
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_benchmark(name):
    """The module of `benchmarks/<name>.py`, imported once per process."""
    module_name = f"benchmark_script_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            module_name, ROOT / "benchmarks" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def run_main(capsys, name, *args, **kwargs):
    """Runs `benchmarks/<name>.py`'s `main(args)` in this process; returns its stdout."""
    capsys.readouterr()  # drop what earlier code printed
    load_benchmark(name).main(list(args), **kwargs)
    return capsys.readouterr().out


def run_benchmark(script, *args, timeout=600):
    """Runs `benchmarks/<script>` in a subprocess with `args`; returns the result."""
    return subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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


def table_columns(table):
    """`{column name: [cells]}` of one (header, rows) table."""
    header, rows = table
    return {name: [row[index] for row in rows] for index, name in enumerate(header)}
